package dialects

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// Text decoders (ColumnRead.Text): the hot path of MySQL's and the
// PostgreSQL family's text values, each the same as the Decode of the
// same []byte, without boxing the input.

// TextString reads UTF-8 text.
func TextString(b []byte) (any, error) {
	if !utf8.Valid(b) {
		return nil, rejectf("not valid UTF-8 text")
	}
	return string(b), nil
}

// TextInt reads a 64-bit whole number.
func TextInt(b []byte) (any, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return nil, rejectf("%q is not a 64-bit whole number", b)
	}
	return n, nil
}

// TextFloat reads a floating-point number.
func TextFloat(b []byte) (any, error) { return DecodeFloat(string(b)) }

// TextDecimal reads an exact decimal.
func TextDecimal(b []byte) (any, error) {
	if !IsDecimalText(string(b)) {
		return nil, rejectf("%q is not a decimal number", b)
	}
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	return xcetl.Decimal(b), nil
}

// TextBytes copies binary values.
func TextBytes(b []byte) (any, error) { return append(make([]byte, 0, len(b)), b...), nil }

// TextDate reads YYYY-MM-DD.
func TextDate(b []byte) (any, error) {
	if t, ok := fastTime(b); ok && len(b) == 10 {
		return t, nil
	}
	return DecodeDate(string(b))
}

// TextTimestamp reads YYYY-MM-DD HH:MM:SS[.fraction] as wall-clock time.
func TextTimestamp(b []byte) (any, error) {
	if t, ok := fastTime(b); ok {
		return t, nil
	}
	return DecodeTimestamp(string(b))
}

// TextTimestampUTC reads a timestamp in UTC, with or without an offset
// (PostgreSQL's timestamptz in a UTC session ends in "+00").
func TextTimestampUTC(b []byte) (any, error) {
	if n := len(b); n >= 22 && string(b[n-3:]) == "+00" {
		if t, ok := fastTime(b[:n-3]); ok {
			return t, nil
		}
	}
	if t, ok := fastTime(b); ok {
		return t, nil
	}
	return DecodeTimestampUTC(string(b))
}

// fastTime parses YYYY-MM-DD[ HH:MM:SS[.f{1,9}]] in UTC, the text MySQL and
// PostgreSQL write; anything else (zero dates, other forms) is left to the
// general parsers (ok false).
func fastTime(b []byte) (time.Time, bool) {
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
func TextFor(t xcetl.Type) func([]byte) (any, error) {
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
