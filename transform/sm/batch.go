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
// one buffer, and encrypts the first block of many values in one call, then
// their second blocks, and so on: the block function, most of the cost of a
// value, runs at the cipher's full width instead of one block at a time.
// The result is byte for byte what cipher.NewCBCEncrypter gives for each
// value on its own (TestBatchMatchesPerValue).

// batchState is a worker's scratch space for one batch.
type batchState struct {
	work  []byte // every value's IV ‖ padded plaintext, in place ciphertext
	items []batchItem
	queue []int // offsets in work of blocks waiting to be encrypted
	lanes []byte
}

// batchItem is one value of the batch: raw ciphertext work[off:off+n].
type batchItem struct {
	row, col int
	off, n   int
}

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
	if c.mode == ECB {
		// Every block is independent, and they are contiguous.
		for off := 0; off < len(bs.work); off += blockSize {
			w.enqueue(off)
		}
		w.flushQueue()
		return
	}
	for r := 1; ; r++ {
		more := false
		for _, it := range bs.items {
			off := it.off + r*blockSize
			if off >= it.off+it.n {
				continue
			}
			more = true
			blk, prev := bs.work[off:off+blockSize], bs.work[off-blockSize:off]
			for i := range blk {
				blk[i] ^= prev[i]
			}
			w.enqueue(off)
		}
		// Round r+1 XORs with these blocks' ciphertext: finish them first.
		w.flushQueue()
		if !more {
			return
		}
	}
}

// enqueue queues the block at off; a full queue is encrypted.
func (w *worker) enqueue(off int) {
	bs := &w.batch
	bs.queue = append(bs.queue, off)
	if len(bs.queue) == w.multi.Concurrency() {
		w.flushQueue()
	}
}

// flushQueue encrypts the queued blocks in one call (unused lanes carry
// whatever they held; their output is not used).
func (w *worker) flushQueue() {
	bs := &w.batch
	if len(bs.queue) == 0 {
		return
	}
	width := w.multi.Concurrency() * blockSize
	if len(bs.lanes) != width {
		bs.lanes = make([]byte, width)
	}
	for i, off := range bs.queue {
		copy(bs.lanes[i*blockSize:(i+1)*blockSize], bs.work[off:off+blockSize])
	}
	w.multi.EncryptBlocks(bs.lanes, bs.lanes)
	for i, off := range bs.queue {
		copy(bs.work[off:off+blockSize], bs.lanes[i*blockSize:(i+1)*blockSize])
	}
	bs.queue = bs.queue[:0]
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
// does (TestAppendHex), four bytes at a time in a 64-bit word: the nibbles
// are spread to one per byte, and each becomes '0'+n or 'a'+n-10 without
// a branch or a table look-up.
func appendHex(dst, src []byte) []byte {
	n := len(dst)
	dst = slices.Grow(dst, 2*len(src))[:n+2*len(src)]
	out := dst[n:]
	i := 0
	for ; i+4 <= len(src); i += 4 {
		t := uint64(binary.LittleEndian.Uint32(src[i:]))
		t = (t | t<<16) & 0x0000ffff0000ffff
		t = (t | t<<8) & 0x00ff00ff00ff00ff // byte k of src in bits 16k..16k+7
		u := (t>>4)&0x000f000f000f000f | (t&0x000f000f000f000f)<<8
		letters := ((u + 0x0606060606060606) >> 4) & 0x0101010101010101
		binary.LittleEndian.PutUint64(out[2*i:], u+0x3030303030303030+letters*('a'-'0'-10))
	}
	for ; i < len(src); i++ {
		p := hexPairs[src[i]]
		out[2*i], out[2*i+1] = p[0], p[1]
	}
	return dst
}

// stringIn returns the string that dst[start:] holds, without copying: dst
// is an arena that is never written again where a string points into it.
func stringIn(dst []byte, start int) string {
	return unsafe.String(&dst[start], len(dst)-start)
}
