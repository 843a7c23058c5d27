package dialects

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// Text decoders (ColumnRead.Text): the hot path of MySQL's and the
// PostgreSQL family's text values, each the same as the Decode of the same
// text. They take the value as a string that the reader cuts out of one
// string per batch, so that text values cost no copy of their own: what a
// decoder returns may share that string's memory.

// TextString reads UTF-8 text.
func TextString(s string) (any, error) {
	if !utf8.ValidString(s) {
		return nil, rejectf("not valid UTF-8 text")
	}
	return s, nil
}

// TextInt reads a 64-bit whole number.
func TextInt(s string) (any, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, rejectf("%q is not a 64-bit whole number", s)
	}
	return n, nil
}

// TextFloat reads a floating-point number.
func TextFloat(s string) (any, error) { return DecodeFloat(s) }

// TextDecimal reads an exact decimal.
func TextDecimal(s string) (any, error) {
	if !IsDecimalText(s) {
		return nil, rejectf("%q is not a decimal number", s)
	}
	if len(s) > 0 && s[0] == '+' {
		s = s[1:]
	}
	return xcetl.Decimal(s), nil
}

// TextBytes copies binary values.
func TextBytes(s string) (any, error) { return []byte(s), nil }

// TextDate reads YYYY-MM-DD.
func TextDate(s string) (any, error) {
	if t, ok := fastTime(s); ok && len(s) == 10 {
		return t, nil
	}
	return DecodeDate(s)
}

// TextTimestamp reads YYYY-MM-DD HH:MM:SS[.fraction] as wall-clock time.
func TextTimestamp(s string) (any, error) {
	if t, ok := fastTime(s); ok {
		return t, nil
	}
	return DecodeTimestamp(s)
}

// TextTimestampUTC reads a timestamp in UTC, with or without an offset
// (PostgreSQL's timestamptz in a UTC session ends in "+00").
func TextTimestampUTC(s string) (any, error) {
	if n := len(s); n >= 22 && s[n-3:] == "+00" {
		if t, ok := fastTime(s[:n-3]); ok {
			return t, nil
		}
	}
	if t, ok := fastTime(s); ok {
		return t, nil
	}
	return DecodeTimestampUTC(s)
}

// fastTime parses YYYY-MM-DD[ HH:MM:SS[.f{1,9}]] in UTC, the text MySQL and
// PostgreSQL write; anything else (zero dates, other forms) is left to the
// general parsers (ok false).
func fastTime(b string) (time.Time, bool) {
	n := len(b)
	if n != 10 && n < 19 {
		return time.Time{}, false
	}
	num := func(i, w int) (int, bool) {
		v := 0
		for _, c := range b[i : i+w] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	if !ok1 || !ok2 || !ok3 || b[4] != '-' || b[7] != '-' || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return time.Time{}, false
	}
	if n == 10 {
		return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), true
	}
	h, ok1 := num(11, 2)
	mi, ok2 := num(14, 2)
	s, ok3 := num(17, 2)
	if !ok1 || !ok2 || !ok3 || (b[10] != ' ' && b[10] != 'T') || b[13] != ':' || b[16] != ':' || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	ns := 0
	if n > 19 {
		if b[19] != '.' || n == 20 || n > 29 {
			return time.Time{}, false
		}
		f, ok := num(20, n-20)
		if !ok {
			return time.Time{}, false
		}
		for i := n - 20; i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC), true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// TextFor returns the text decoder that matches one of the shared Decode
// functions of this package, or nil: dialects whose values are text use it
// to fill ColumnRead.Text.
func TextFor(t xcetl.Type) func(string) (any, error) {
	switch t.Kind {
	case xcetl.KindString:
		return TextString
	case xcetl.KindInt:
		return TextInt
	case xcetl.KindFloat:
		return TextFloat
	case xcetl.KindDecimal:
		return TextDecimal
	case xcetl.KindBytes:
		return TextBytes
	case xcetl.KindDate:
		return TextDate
	case xcetl.KindTimestamp:
		return TextTimestamp
	case xcetl.KindTimestampTZ:
		return TextTimestampUTC
	}
	return nil
}
