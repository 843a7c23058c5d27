package csv

import (
	"io"
	"unicode/utf8"
)

// cleanReader watches the decoded text on its way to encoding/csv and notes
// the first time it carries bytes that did not decode: invalid UTF-8 (for
// UTF-8 files, which are not transformed) or U+FFFD (which the GBK and
// GB18030 decoders put where the input was bad). Until then every record is
// known to be clean and need not be checked field by field; the one pass
// over the bytes here runs at memory speed. bufio reads ahead of the CSV
// parser, so the flag is always set before the first record holding the bad
// bytes is parsed.
type cleanReader struct {
	r io.Reader
	// replacement: U+FFFD marks bad input (GB decoders); otherwise only
	// invalid UTF-8 does.
	replacement bool
	carry       []byte // an incomplete character at the end of the last read
	dirty       bool
}

func (c *cleanReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if !c.dirty {
		c.check(p[:n], err != nil)
	}
	return n, err
}

func (c *cleanReader) check(b []byte, final bool) {
	if len(c.carry) > 0 {
		joined := append(c.carry, b[:min(len(b), utf8.UTFMax)]...)
		if !utf8.FullRune(joined) && !final {
			c.carry = joined
			return
		}
		r, size := utf8.DecodeRune(joined)
		if c.bad(r, size) {
			c.dirty = true
			return
		}
		b = b[size-len(c.carry):]
		c.carry = c.carry[:0]
	}
	if !final {
		if k := incompleteSuffix(b); k > 0 {
			c.carry = append(c.carry[:0], b[len(b)-k:]...)
			b = b[:len(b)-k]
		}
	}
	for len(b) > 0 {
		// ASCII runs are most of a CSV file; utf8.Valid checks them fast.
		if !c.replacement {
			if !utf8.Valid(b) {
				c.dirty = true
			}
			return
		}
		r, size := utf8.DecodeRune(b)
		if r < utf8.RuneSelf {
			i := 1
			for i < len(b) && b[i] < utf8.RuneSelf {
				i++
			}
			b = b[i:]
			continue
		}
		if c.bad(r, size) {
			c.dirty = true
			return
		}
		b = b[size:]
	}
}

func (c *cleanReader) bad(r rune, size int) bool {
	return r == utf8.RuneError && (size == 1 || c.replacement)
}

// incompleteSuffix returns how many bytes at the end of b start a UTF-8
// character that continues in the next read (0 if none).
func incompleteSuffix(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		c := b[i]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[i:]) {
				return len(b) - i
			}
			return 0
		}
	}
	return 0
}
