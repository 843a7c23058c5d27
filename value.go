package xcetl

import (
	"encoding/hex"
	"math"
	"strconv"
	"time"
)

// Decimal is an exact decimal number in canonical text form: an optional
// "-", digits, and, when the scale is positive, "." followed by exactly
// scale digits (e.g. "-12.50"). It is produced by cast and kept as text so
// that no precision is lost on the way to the database.
type Decimal string

// Float returns the decimal as a float64 (for expressions); precision beyond
// float64's is lost.
func (d Decimal) Float() float64 {
	f, err := strconv.ParseFloat(string(d), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

// Layouts used to render dates and timestamps as text. They are what every
// target of the PostgreSQL family, SQLite and DM8 accept on input.
const (
	DateLayout        = "2006-01-02"
	TimestampLayout   = "2006-01-02 15:04:05.999999"
	TimestampTZLayout = "2006-01-02 15:04:05.999999-07:00"
)

// AppendText appends the text form of v, as a column of kind k, to dst.
// nil appends nothing (callers decide how NULL is written). Dates render as
// 2006-01-02, timestamps without zone as 2006-01-02 15:04:05[.ffffff],
// timestamps with zone with their offset, bytes as lowercase hex without
// prefix, bools as true/false.
func AppendText(dst []byte, v any, k Kind) []byte {
	switch x := v.(type) {
	case nil:
		return dst
	case string:
		return append(dst, x...)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case float64:
		return AppendFloat(dst, x)
	case Decimal:
		return append(dst, x...)
	case bool:
		return strconv.AppendBool(dst, x)
	case time.Time:
		switch k {
		case KindDate:
			return x.AppendFormat(dst, DateLayout)
		case KindTimestampTZ:
			return x.AppendFormat(dst, TimestampTZLayout)
		default:
			return x.AppendFormat(dst, TimestampLayout)
		}
	case []byte:
		return hex.AppendEncode(dst, x)
	}
	return append(dst, "?"...)
}

// AppendFloat appends f as people write numbers: without an exponent
// when 1e-6 <= |f| < 1e21 (1234567.5, not 1.2345675e+06, so that a phone or
// an amount read from a spreadsheet as a number masks, validates and casts
// to text the way it looks), the shortest text that reads back as f, and
// NaN, Infinity, -Infinity as SQL databases spell them.
func AppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// FormatValue returns the text form of v (see AppendText); nil gives "".
func FormatValue(v any, k Kind) string {
	if s, ok := v.(string); ok {
		return s
	}
	return string(AppendText(nil, v, k))
}

// KindOf returns the kind a Go value naturally has (time.Time → timestamp).
func KindOf(v any) Kind {
	switch v.(type) {
	case string:
		return KindString
	case int64, int:
		return KindInt
	case float64:
		return KindFloat
	case Decimal:
		return KindDecimal
	case bool:
		return KindBool
	case time.Time:
		return KindTimestamp
	case []byte:
		return KindBytes
	}
	return KindInvalid
}

// GroupDigits renders n with thousands separators: 65,002 (for messages:
// line numbers and row counts).
func GroupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b []byte
	if s[0] == '-' {
		b, s = append(b, '-'), s[1:]
	}
	for i := 0; i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}
