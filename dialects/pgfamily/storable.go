package pgfamily

import (
	"strings"
	"unicode/utf8"
)

// storable reports whether the server can store s as text: valid UTF-8
// without a NUL byte (PostgreSQL refuses both). It is one pass over s, 16
// bytes at a time while the text is ASCII, which is most of a load's text
// and all of a hex or base64 ciphertext, where strings.IndexByte and
// utf8.ValidString are two passes and two calls per value
// (BenchmarkStorable: an 18-character ID number 3.8 ns against 15.7, a
// 96-character ciphertext 10.6 against 15.9). The first non-ASCII byte
// hands the rest to those two (a Chinese address: 27 ns against 24).
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
