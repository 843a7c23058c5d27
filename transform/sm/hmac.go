package sm

import (
	"github.com/tjfoc/gmsm/sm3"
)

// hmacSM3 computes HMAC-SM3 (RFC 2104) the way crypto/hmac does, but keeps
// the SM3 states after the key blocks, so that each message costs two SM3
// compressions (for values up to 55 bytes) instead of four: crypto/hmac
// can only do that for hashes that marshal their state, and gmsm's SM3 does
// not. Copying a gmsm SM3 value copies its state; the one slice inside it
// (unprocessed input) is empty after a whole block, and its contents past
// its length are never read, so copies may share it. Not safe for
// concurrent use: one per worker.
type hmacSM3 struct {
	inner, outer sm3.SM3 // states after key⊕ipad and key⊕opad
	h            sm3.SM3 // working state
	d            [sm3Size]byte
}

const sm3BlockSize = 64

func newHMACSM3(key []byte) *hmacSM3 {
	if len(key) > sm3BlockSize {
		s := sm3.Sm3Sum(key)
		key = s
	}
	var ipad, opad [sm3BlockSize]byte
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	m := &hmacSM3{}
	m.inner = *sm3.New().(*sm3.SM3)
	m.inner.Write(ipad[:])
	m.outer = *sm3.New().(*sm3.SM3)
	m.outer.Write(opad[:])
	return m
}

// sum appends HMAC-SM3(key, msg) to dst.
func (m *hmacSM3) sum(dst, msg []byte) []byte {
	m.h = m.inner
	m.h.Write(msg)
	d := m.h.Sum(m.d[:0]) // gmsm: Sum(b) hashes b, so b must be empty
	m.h = m.outer
	m.h.Write(d)
	return append(dst, m.h.Sum(m.d[:0])...)
}
