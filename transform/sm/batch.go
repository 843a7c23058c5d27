package sm

import (
	"encoding/base64"
	"encoding/binary"
	"slices"
	"unsafe"
)

// Batched CBC and ECB. A CBC value's blocks depend on each other (each is
// XORed with the previous ciphertext block before it is encrypted), but the
// values of a batch do not. With a cipher that encrypts several
// independent blocks per call (multiBlock: 8 with AVX2), Encrypt.Apply
// therefore lays out every value of the batch as IV ‖ padded plaintext in
// one buffer and gives each of the cipher's lanes one value at a time
// (encryptCBC): each call encrypts the next block of eight values, and a
// lane whose value is done takes the next one. The block function, most of
// the cost of a value, runs at the cipher's full width instead of one block
// at a time. ECB's blocks are all independent and are encrypted in place.
// The result is byte for byte what cipher.NewCBCEncrypter gives for each
// value on its own (TestBatchMatchesPerValue).

// batchState is a worker's scratch space for one batch.
type batchState struct {
	work  []byte // every value's IV ‖ padded plaintext, in place ciphertext
	items []batchItem
	lanes []byte     // the cipher's input and output: one block per lane
	lane  []laneSpan // which value each lane is encrypting
}

// batchItem is one value of the batch: raw ciphertext work[off:off+n].
type batchItem struct {
	row, col int
	off, n   int
}

// laneSpan is the rest of the value a lane encrypts: its next plaintext
// block at work[off:off+blockSize], up to end. A lane with off == end is
// idle.
type laneSpan struct{ off, end int }

// batched reports whether c encrypts a batch's values together on w.
func (c *Codec) batched(w *worker) bool {
	return w.multi != nil && (c.mode == CBC || c.mode == ECB)
}

// add appends one value: for CBC a fresh IV, then the value with its
// padding.
func addValue[T string | []byte](c *Codec, w *worker, row, col int, v T) error {
	bs := &w.batch
	off := len(bs.work)
	if c.mode == CBC {
		iv, err := w.random(blockSize)
		if err != nil {
			return err
		}
		bs.work = append(bs.work, iv...)
	}
	bs.work = pad(bs.work, v)
	bs.items = append(bs.items, batchItem{row: row, col: col, off: off, n: len(bs.work) - off})
	return nil
}

// encryptAll encrypts every value added since the last reset, in place.
func (c *Codec) encryptAll(w *worker) {
	bs := &w.batch
	width := w.multi.Concurrency() * blockSize
	if len(bs.lanes) != width {
		bs.lanes, bs.lane = make([]byte, width), make([]laneSpan, w.multi.Concurrency())
	}
	if c.mode == ECB {
		// Every block is independent, and they are contiguous: encrypt
		// them in place, a full width at a time, the rest through lanes.
		n := len(bs.work) - len(bs.work)%width
		for off := 0; off < n; off += width {
			w.multi.EncryptBlocks(bs.work[off:off+width], bs.work[off:off+width])
		}
		if n < len(bs.work) {
			copy(bs.lanes, bs.work[n:])
			w.multi.EncryptBlocks(bs.lanes, bs.lanes)
			copy(bs.work[n:], bs.lanes)
		}
		return
	}
	w.encryptCBC()
}

// encryptCBC encrypts every value of the batch with CBC, one value per
// lane: a lane holds its value's previous ciphertext block (first the IV),
// the next plaintext block is XORed into it, and one call encrypts all
// lanes; the result is copied out and stays in the lane for the next
// block. A lane whose value is done takes the next value. (Lanes left
// idle at the end carry stale blocks; their output is not used.)
func (w *worker) encryptCBC() {
	bs := &w.batch
	next := 0
	take := func(l int) {
		bs.lane[l] = laneSpan{}
		if next == len(bs.items) {
			return
		}
		it := bs.items[next]
		next++
		copy(bs.lanes[l*blockSize:(l+1)*blockSize], bs.work[it.off:it.off+blockSize]) // the IV
		bs.lane[l] = laneSpan{off: it.off + blockSize, end: it.off + it.n}
	}
	for l := range bs.lane {
		take(l)
	}
	for {
		busy := false
		for l, sp := range bs.lane {
			if sp.off == sp.end {
				continue
			}
			busy = true
			xor16(bs.lanes[l*blockSize:], bs.work[sp.off:])
		}
		if !busy {
			return
		}
		w.multi.EncryptBlocks(bs.lanes, bs.lanes)
		for l := range bs.lane {
			sp := &bs.lane[l]
			if sp.off == sp.end {
				continue
			}
			copy(bs.work[sp.off:sp.off+blockSize], bs.lanes[l*blockSize:(l+1)*blockSize])
			if sp.off += blockSize; sp.off == sp.end {
				take(l)
			}
		}
	}
}

// xor16 XORs the first 16 bytes of src into dst.
func xor16(dst, src []byte) {
	le := binary.LittleEndian
	le.PutUint64(dst, le.Uint64(dst)^le.Uint64(src))
	le.PutUint64(dst[8:], le.Uint64(dst[8:])^le.Uint64(src[8:]))
}

// appendEncoded appends the text of one encrypted value (key id prefix,
// then hex or base64) to dst.
func (c *Codec) appendEncoded(dst, raw []byte) []byte {
	if c.keyID != "" {
		dst = append(dst, c.keyID...)
		dst = append(dst, '$')
	}
	if c.enc == Base64 {
		return base64.StdEncoding.AppendEncode(dst, raw)
	}
	return appendHex(dst, raw)
}

// hexPairs holds the two lowercase hex digits of every byte value.
var hexPairs = func() (t [256][2]byte) {
	const digits = "0123456789abcdef"
	for i := range t {
		t[i] = [2]byte{digits[i>>4], digits[i&15]}
	}
	return t
}()

// appendHex appends the lowercase hex of src to dst, as hex.AppendEncode
// does (TestAppendHex), eight bytes at a time: each half of the 64-bit word
// becomes one 64-bit word of digits (hexWord), without a branch or a table
// look-up; a tail shorter than eight bytes goes through hexPairs.
func appendHex(dst, src []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*len(src))[:n+2*len(src)]
	out := dst[n:]
	le := binary.LittleEndian
	for len(src) >= 8 && len(out) >= 16 {
		x := le.Uint64(src)
		le.PutUint64(out, hexWord(x&0xffffffff))
		le.PutUint64(out[8:], hexWord(x>>32))
		src, out = src[8:], out[16:]
	}
	for i, c := range src {
		p := hexPairs[c]
		out[2*i], out[2*i+1] = p[0], p[1]
	}
	return dst
}

// hexWord returns the eight lowercase hex digits of the four bytes in the
// low half of t, in memory order when stored little-endian: the nibbles
// are spread to one per byte, and each becomes '0'+n or 'a'+n-10.
func hexWord(t uint64) uint64 {
	t = (t | t<<16) & 0x0000ffff0000ffff
	t = (t | t<<8) & 0x00ff00ff00ff00ff // byte k in bits 16k..16k+7
	u := (t>>4)&0x000f000f000f000f | (t&0x000f000f000f000f)<<8
	letters := ((u + 0x0606060606060606) >> 4) & 0x0101010101010101
	return u + 0x3030303030303030 + letters*('a'-'0'-10)
}

// stringIn returns the string that dst[start:] holds, without copying: dst
// is an arena that is never written again where a string points into it.
func stringIn(dst []byte, start int) string {
	return unsafe.String(&dst[start], len(dst)-start)
}
