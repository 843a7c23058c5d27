package pgfamily

import (
	"strings"
	"unicode/utf8"
)

// storable reports whether the server can store s as text: valid UTF-8
// without a NUL byte (PostgreSQL refuses both). It is one pass over s, 8
// bytes at a time while the text is ASCII, which is most of a load's text
// and all of a hex or base64 ciphertext; utf8.ValidString and
// strings.IndexByte, which it replaces, are two passes and two calls per
// value, a measurable share of a load's CPU (issue 15: 0.1 s per million
// rows of two encrypted columns). The first non-ASCII byte hands the rest
// to them.
func storable(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+16 <= len(s); i += 16 {
		w, v := word(s, i), word(s, i+8)
		if (w|v)&highs != 0 {
			return slowStorable(s[i:])
		}
		if ((w-ones)&^w|(v-ones)&^v)&highs != 0 {
			return false // a zero byte
		}
	}
	if i+8 <= len(s) {
		w := word(s, i)
		if w&highs != 0 {
			return slowStorable(s[i:])
		}
		if (w-ones)&^w&highs != 0 {
			return false
		}
		i += 8
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == 0 {
			return false
		} else if c >= utf8.RuneSelf {
			return slowStorable(s[i:])
		}
	}
	return true
}

func slowStorable(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// word is the 8 bytes of s at i, little-endian (one load).
func word(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
