// Package sm implements the transforms that protect personal data with the
// Chinese national algorithms: `encrypt` and `decrypt` (SM4 in CBC, ECB or
// GCM mode) and `hash` (HMAC-SM3, or plain SM3 when asked for). It also
// exports the Codec that `xcetl sm4` uses, so that the command line and the
// transforms read and write exactly the same format.
//
// SM4 comes from github.com/emmansun/gmsm/sm4 (github.com/tjfoc/gmsm/sm4
// with the sm4_tjfoc build tag) as a cipher.Block only; the modes are Go's
// crypto/cipher, and this package's own batched CBC and ECB (batch.go),
// which encrypt the values of a whole batch several blocks per call where
// the cipher can. Package-level helpers of those modules (tjfoc's SetIV,
// Sm4Cbc) share mutable state and are never used. Each goroutine works
// with its own cipher state, taken from a sync.Pool.
package sm

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// KeySize is the size of an SM4 key in bytes (given as 32 hex characters).
const KeySize = 16

// blockSize is SM4's block size in bytes.
const blockSize = 16

// Mode is an SM4 mode of operation, as written in pipeline files.
type Mode string

// The modes. CBC is the default.
const (
	CBC Mode = "cbc" // random 16-byte IV ‖ ciphertext, PKCS#7 padding
	ECB Mode = "ecb" // ciphertext, PKCS#7 padding; deterministic, legacy only
	GCM Mode = "gcm" // random 12-byte nonce ‖ ciphertext ‖ 16-byte tag
)

// Encoding is how ciphertext bytes become text.
type Encoding string

// The encodings. Hex (lowercase) is the default.
const (
	Hex    Encoding = "hex"
	Base64 Encoding = "base64" // standard alphabet, padded
)

// ParseMode checks a mode name; "" is CBC.
func ParseMode(s string) (Mode, error) {
	switch Mode(strings.ToLower(s)) {
	case "", CBC:
		return CBC, nil
	case ECB:
		return ECB, nil
	case GCM:
		return GCM, nil
	}
	return "", fmt.Errorf("unknown mode %q: use cbc, ecb or gcm", s)
}

// ParseEncoding checks an encoding name; "" is hex.
func ParseEncoding(s string) (Encoding, error) {
	switch Encoding(strings.ToLower(s)) {
	case "", Hex:
		return Hex, nil
	case Base64:
		return Base64, nil
	}
	return "", fmt.Errorf("unknown encoding %q: use hex or base64", s)
}

// ParseKey decodes an SM4 key written as 32 hex characters. Its errors
// describe the problem without ever quoting the key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) != 2*KeySize {
		return nil, fmt.Errorf("an SM4 key must be %d hex characters (%d bytes), got %d characters", 2*KeySize, KeySize, len(s))
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return nil, fmt.Errorf("an SM4 key must be %d hex characters; character %d is not a hex digit", 2*KeySize, i+1)
		}
	}
	k, _ := hex.DecodeString(s)
	return k, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// ReadKeyFile reads a secret from a file that only its owner may read. A
// file readable or writable by group or others is refused: a key that every
// account on the host can read protects nothing. Surrounding whitespace
// (a trailing newline) is removed.
func ReadKeyFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("key file %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("key file %s has mode %04o: group and others must have no access; run `chmod 600 %s`", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("key file %s: %w", path, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("key file %s is empty", path)
	}
	return s, nil
}

// ErrDecrypt is wrapped by every decryption failure: a damaged value, a
// wrong key, an unknown key id.
var ErrDecrypt = errors.New("cannot decrypt")

// Codec encrypts and decrypts single values in one mode and encoding with
// one key. It is safe for concurrent use: each goroutine borrows its own
// cipher state from a pool.
type Codec struct {
	mode  Mode
	enc   Encoding
	keyID string
	pool  sync.Pool
}

// NewCodec returns a codec for key (16 bytes). A non-empty keyID is written
// before every ciphertext as "keyID$" by Encrypt; it must not contain "$".
func NewCodec(key []byte, mode Mode, enc Encoding, keyID string) (*Codec, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("an SM4 key must be %d bytes, got %d", KeySize, len(key))
	}
	if _, err := ParseMode(string(mode)); err != nil {
		return nil, err
	}
	if _, err := ParseEncoding(string(enc)); err != nil {
		return nil, err
	}
	if err := CheckKeyID(keyID); err != nil {
		return nil, err
	}
	if mode == "" {
		mode = CBC
	}
	if enc == "" {
		enc = Hex
	}
	k := bytes.Clone(key)
	c := &Codec{mode: mode, enc: enc, keyID: keyID}
	c.pool.New = func() any {
		w, err := newWorker(k, mode)
		if err != nil {
			// Unreachable: the key size and mode were checked above.
			panic("sm: " + err.Error())
		}
		return w
	}
	// Build one worker now so that a problem shows at construction.
	c.pool.Put(c.pool.New())
	return c, nil
}

// CheckKeyID checks a key id: letters, digits, '_', '-' and '.', at most 64.
func CheckKeyID(id string) error {
	if len(id) > 64 {
		return fmt.Errorf("key_id %q is longer than 64 characters", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return fmt.Errorf("key_id %q: use only letters, digits, '_', '-' and '.'", id)
		}
	}
	return nil
}

// Mode returns the codec's mode.
func (c *Codec) Mode() Mode { return c.mode }

// Encrypt appends the encoded ciphertext of plain (with the key id prefix,
// if any) to dst.
func (c *Codec) Encrypt(dst, plain []byte) ([]byte, error) {
	w := c.pool.Get().(*worker)
	defer c.pool.Put(w)
	return c.encrypt(w, dst, plain)
}

// Decrypt appends the plaintext of one encoded value to dst. A codec with a
// key id requires that prefix; one without skips any prefix.
func (c *Codec) Decrypt(dst, text []byte) ([]byte, error) {
	w := c.pool.Get().(*worker)
	defer c.pool.Put(w)
	return c.open(w, dst, text)
}

func (c *Codec) get() *worker  { return c.pool.Get().(*worker) }
func (c *Codec) put(w *worker) { c.pool.Put(w) }

// worker is one goroutine's cipher state: a cipher state is not safe for
// concurrent use, and random bytes (IVs, nonces) come from the worker's own
// generator (see random).
type worker struct {
	block  cipher.Block
	multi  multiBlock // block, when it encrypts several blocks per call
	cbcEnc cipher.BlockMode
	cbcDec cipher.BlockMode
	gcm    cipher.AEAD
	rng    *mrand.ChaCha8
	rngOut int // bytes drawn since rng was seeded
	rnd    [4096]byte
	rndOff int
	buf    []byte // ciphertext before encoding
	tmp    []byte // decoded input; GCM plaintext
	out    []byte // DecryptText's plaintext
	batch  batchState
	fixed  []byte // the IV of `xcetl test` while a batch is applied under it; nil otherwise
}

// multiBlock is implemented by SM4 ciphers that encrypt several
// independent blocks in one call (emmansun/gmsm's assembly: 8 blocks with
// AVX2, 4 with AES-NI or NEON). Blocks of one CBC value depend on each
// other, but the values of a batch do not: batch.go encrypts the n-th
// block of many values together.
type multiBlock interface {
	Concurrency() int
	EncryptBlocks(dst, src []byte)
}

// ivSetter is implemented by crypto/cipher's CBC modes: SetIV changes the
// IV of that one object (a worker's own), unlike gmsm's package-level
// sm4.SetIV, which is never called.
type ivSetter interface{ SetIV([]byte) }

func newWorker(key []byte, mode Mode) (*worker, error) {
	b, gb, multi, err := sm4Ciphers(key)
	if err != nil {
		return nil, err
	}
	w := &worker{block: b, multi: multi, rndOff: len(worker{}.rnd)}
	zero := make([]byte, blockSize)
	switch mode {
	case CBC:
		w.cbcEnc = cipher.NewCBCEncrypter(b, zero)
		w.cbcDec = cipher.NewCBCDecrypter(b, zero)
	case GCM:
		if w.gcm, err = cipher.NewGCM(gb); err != nil {
			return nil, err
		}
		if w.gcm.NonceSize() != gcmNonceSize || w.gcm.Overhead() != gcmTagSize {
			return nil, fmt.Errorf("sm4-gcm: nonce %d and tag %d bytes, the format needs %d and %d", w.gcm.NonceSize(), w.gcm.Overhead(), gcmNonceSize, gcmTagSize)
		}
	}
	return w, nil
}

// reseedAfter is how many random bytes a worker's generator gives before
// it is seeded again from the kernel (see random).
const reseedAfter = 64 << 20

// random returns n fresh random bytes (n ≤ 4096) from the worker's
// buffer. The bytes come from a ChaCha8 generator (math/rand/v2, a
// cryptographically strong one) of this worker alone, seeded with 32 bytes
// from the kernel (crypto/rand) when the worker is made and again after
// every 64 MiB it gives: IVs and nonces cost a few nanoseconds instead of
// a getrandom call per 4 KiB, and stay unpredictable to anyone who does
// not know a seed that never leaves this process's memory. README.md,
// "Where IVs come from", says why that is sound for CBC and GCM. Under
// `xcetl test` (fixed set, see internal/fixediv) it returns the first n
// bytes of the fixed IV instead.
func (w *worker) random(n int) ([]byte, error) {
	if w.fixed != nil {
		return w.fixed[:n], nil
	}
	if w.rndOff+n > len(w.rnd) {
		if w.rng == nil || w.rngOut >= reseedAfter {
			var seed [32]byte
			if _, err := io.ReadFull(rand.Reader, seed[:]); err != nil {
				return nil, fmt.Errorf("reading random bytes: %w", err)
			}
			w.rng, w.rngOut = mrand.NewChaCha8(seed), 0
			clear(seed[:])
		}
		_, _ = w.rng.Read(w.rnd[:]) // never fails
		w.rngOut += len(w.rnd)
		w.rndOff = 0
	}
	r := w.rnd[w.rndOff : w.rndOff+n]
	w.rndOff += n
	return r, nil
}

func (w *worker) setCBC(m cipher.BlockMode, iv []byte, dec bool) cipher.BlockMode {
	if s, ok := m.(ivSetter); ok {
		s.SetIV(iv)
		return m
	}
	if dec {
		return cipher.NewCBCDecrypter(w.block, iv)
	}
	return cipher.NewCBCEncrypter(w.block, iv)
}

// pad appends src and its PKCS#7 padding (1 to 16 bytes, each the
// padding's length) to dst. gmsm's own padding helper is not used: it
// appends into the caller's slice.
func pad[T string | []byte](dst []byte, src T) []byte {
	n := blockSize - len(src)%blockSize
	dst = append(dst, src...)
	for i := 0; i < n; i++ {
		dst = append(dst, byte(n))
	}
	return dst
}

func unpad(b []byte) ([]byte, bool) {
	if len(b) == 0 || len(b)%blockSize != 0 {
		return nil, false
	}
	n := int(b[len(b)-1])
	if n == 0 || n > blockSize {
		return nil, false
	}
	bad := byte(0)
	for _, c := range b[len(b)-n:] {
		bad |= c ^ byte(n)
	}
	return b[:len(b)-n], bad == 0
}

// EncodedLen returns the length of the text Encrypt writes for a
// plaintext of n bytes, key id prefix included.
func (c *Codec) EncodedLen(n int) int {
	var raw int
	switch c.mode {
	case CBC:
		raw = blockSize + (n/blockSize+1)*blockSize
	case ECB:
		raw = (n/blockSize + 1) * blockSize
	case GCM:
		raw = gcmNonceSize + n + gcmTagSize
	}
	return c.encodedRawLen(raw)
}

// encodedRawLen returns the length of the text of raw ciphertext of n
// bytes, key id prefix included.
func (c *Codec) encodedRawLen(n int) int {
	enc := 2 * n
	if c.enc == Base64 {
		enc = base64.StdEncoding.EncodedLen(n)
	}
	if c.keyID != "" {
		enc += len(c.keyID) + 1
	}
	return enc
}

// The GCM sizes of the format (Go's standard ones).
const (
	gcmNonceSize = 12
	gcmTagSize   = 16
)

func (c *Codec) encrypt(w *worker, dst, plain []byte) ([]byte, error) {
	return encryptTo(c, w, dst, plain)
}

// encryptTo appends the encoded ciphertext of plain to dst. It is generic
// so that the transform encrypts a string column's values without first
// copying each one into a byte slice.
func encryptTo[T string | []byte](c *Codec, w *worker, dst []byte, plain T) ([]byte, error) {
	buf := w.buf[:0]
	switch c.mode {
	case CBC:
		iv, err := w.random(blockSize)
		if err != nil {
			return dst, err
		}
		buf = append(buf, iv...)
		buf = pad(buf, plain)
		m := w.setCBC(w.cbcEnc, iv, false)
		m.CryptBlocks(buf[blockSize:], buf[blockSize:])
	case ECB:
		buf = pad(buf, plain)
		for i := 0; i < len(buf); i += blockSize {
			w.block.Encrypt(buf[i:i+blockSize], buf[i:i+blockSize])
		}
	case GCM:
		nonce, err := w.random(w.gcm.NonceSize())
		if err != nil {
			return dst, err
		}
		buf = append(buf, nonce...)
		w.tmp = append(w.tmp[:0], plain...)
		buf = w.gcm.Seal(buf, buf[:len(nonce)], w.tmp, nil)
	}
	w.buf = buf
	return c.appendEncoded(dst, buf), nil
}

// decrypt decodes and decrypts text (without key id). Its errors wrap
// ErrDecrypt and never quote the value: it may be a secret put in the
// wrong column.
func (c *Codec) decrypt(w *worker, dst, text []byte) ([]byte, error) {
	var err error
	if c.enc == Base64 {
		w.tmp, err = base64.StdEncoding.AppendDecode(w.tmp[:0], text)
	} else {
		w.tmp, err = hex.AppendDecode(w.tmp[:0], text)
	}
	if err != nil {
		return dst, fmt.Errorf("%w: not %s-encoded", ErrDecrypt, c.enc)
	}
	ct := w.tmp
	var plain []byte
	switch c.mode {
	case CBC:
		if len(ct) < 2*blockSize || len(ct)%blockSize != 0 {
			return dst, fmt.Errorf("%w: %d bytes is not an IV and whole SM4 blocks (damaged or not sm4-cbc)", ErrDecrypt, len(ct))
		}
		m := w.setCBC(w.cbcDec, ct[:blockSize], true)
		body := ct[blockSize:]
		m.CryptBlocks(body, body)
		var ok bool
		if plain, ok = unpad(body); !ok {
			return dst, fmt.Errorf("%w: bad padding (wrong key or damaged value)", ErrDecrypt)
		}
	case ECB:
		if len(ct) == 0 || len(ct)%blockSize != 0 {
			return dst, fmt.Errorf("%w: %d bytes is not whole SM4 blocks (damaged or not sm4-ecb)", ErrDecrypt, len(ct))
		}
		for i := 0; i < len(ct); i += blockSize {
			w.block.Decrypt(ct[i:i+blockSize], ct[i:i+blockSize])
		}
		var ok bool
		if plain, ok = unpad(ct); !ok {
			return dst, fmt.Errorf("%w: bad padding (wrong key or damaged value)", ErrDecrypt)
		}
	case GCM:
		ns := w.gcm.NonceSize()
		if len(ct) < ns+w.gcm.Overhead() {
			return dst, fmt.Errorf("%w: %d bytes is shorter than a nonce and a tag (damaged or not sm4-gcm)", ErrDecrypt, len(ct))
		}
		plain, err = w.gcm.Open(ct[ns:ns], ct[:ns], ct[ns:], nil)
		if err != nil {
			return dst, fmt.Errorf("%w: authentication failed (wrong key or damaged value)", ErrDecrypt)
		}
	}
	return append(dst, plain...), nil
}

// errNotText is the error for a plaintext that is not UTF-8.
var errNotText = fmt.Errorf("%w: the result is not UTF-8 text (wrong key? for binary values use type: bytes)", ErrDecrypt)

// DecryptText is Decrypt for values that must be text: a plaintext that is
// not valid UTF-8 is refused. In CBC and ECB a wrong key passes the padding
// check about once in 256 tries; the UTF-8 check catches nearly all of
// those.
func (c *Codec) DecryptText(text string) (string, error) {
	w := c.get()
	defer c.put(w)
	out, err := c.open(w, w.out[:0], bytesOf(text))
	if err != nil {
		return "", err
	}
	w.out = out
	if !utf8.Valid(out) {
		return "", errNotText
	}
	return string(out), nil
}

// open checks text's key id prefix and appends its plaintext to dst.
func (c *Codec) open(w *worker, dst, text []byte) ([]byte, error) {
	id, rest, ok := bytes.Cut(text, []byte{'$'})
	if c.keyID != "" && (!ok || string(id) != c.keyID) { // no allocation: compared, not kept
		return dst, c.checkID(string(id), ok)
	}
	if ok {
		text = rest
	}
	return c.decrypt(w, dst, text)
}

// bytesOf returns the bytes of s without copying them. The result must
// only be read: strings are immutable.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// checkID checks a value's key id prefix (has says whether it has one): a
// codec with a key id requires it; one without accepts any.
func (c *Codec) checkID(id string, has bool) error {
	switch {
	case c.keyID == "":
		return nil
	case !has:
		return fmt.Errorf("%w: the value has no key id prefix, expected %s$", ErrDecrypt, c.keyID)
	case id != c.keyID && CheckKeyID(id) != nil:
		// Not a key id at all: do not quote data in the message.
		return fmt.Errorf("%w: the text before $ is not a key id, expected %s$", ErrDecrypt, c.keyID)
	case id != c.keyID:
		return fmt.Errorf("%w: key id %q, expected %q", ErrDecrypt, trunc([]byte(id)), c.keyID)
	}
	return nil
}

// trunc shortens a key id read from data for a message.
func trunc(b []byte) string {
	if len(b) > 20 {
		return string(b[:20]) + "…"
	}
	return string(b)
}
