package dialects

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// Decoders shared by source dialects: each turns one non-NULL value as a
// driver returns it — the text form as []byte (MySQL's text protocol, the
// PostgreSQL family's text format) or a typed value (SQLite, go-ora) —
// into an xcetl value. They copy what they keep: a driver's []byte is
// valid only until the next row.

// rejectf returns an error wrapping ErrRejectValue.
func rejectf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrRejectValue}, args...)...)
}

// TextOf returns the text form of a driver value: []byte and string as
// they are, numbers in Go's shortest form, times in xcetl's layouts.
func TextOf(v any) (string, error) {
	switch x := v.(type) {
	case []byte:
		return string(x), nil
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return string(xcetl.AppendFloat(nil, x)), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.Format(xcetl.TimestampTZLayout), nil
	}
	return "", fmt.Errorf("unexpected driver value %T", v)
}

// DecodeString reads text; invalid UTF-8 (bytes of a binary column read as
// text) rejects the row rather than passing on what no text column can
// store.
func DecodeString(v any) (any, error) {
	s, err := TextOf(v)
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(s) {
		return nil, rejectf("not valid UTF-8 text")
	}
	return s, nil
}

// DecodeBytes reads binary values.
func DecodeBytes(v any) (any, error) {
	switch x := v.(type) {
	case []byte:
		// Never nil: an empty value is not NULL.
		return append(make([]byte, 0, len(x)), x...), nil
	case string:
		return append(make([]byte, 0, len(x)), x...), nil
	}
	return nil, fmt.Errorf("unexpected driver value %T for binary data", v)
}

// DecodeInt reads a whole number of at most 64 bits.
func DecodeInt(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case []byte:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return nil, rejectf("%q is not a 64-bit whole number", x)
		}
		return n, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), nil
		}
		return nil, rejectf("%v is not a 64-bit whole number", x)
	}
	s, err := TextOf(v)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return nil, rejectf("%q is not a 64-bit whole number", s)
	}
	return n, nil
}

// DecodeFloat reads a floating-point number (NaN and ±Infinity included).
func DecodeFloat(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	}
	s, err := TextOf(v)
	if err != nil {
		return nil, err
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, rejectf("%q is not a number", s)
	}
	return f, nil
}

// DecodeDecimal reads an exact decimal as its text, which must be an
// optional sign, digits and an optional fraction ("NaN" and infinities
// too, which PostgreSQL's numeric has); an integer is its own text.
func DecodeDecimal(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return xcetl.Decimal(strconv.FormatInt(x, 10)), nil
	case float64:
		return xcetl.Decimal(strconv.FormatFloat(x, 'f', -1, 64)), nil
	}
	s, err := TextOf(v)
	if err != nil {
		return nil, err
	}
	if !IsDecimalText(s) {
		return nil, rejectf("%q is not a decimal number", s)
	}
	return xcetl.Decimal(strings.TrimPrefix(s, "+")), nil
}

// IsDecimalText reports whether s is [+-]digits[.digits] (or .digits), or
// NaN, Infinity, -Infinity.
func IsDecimalText(s string) bool {
	switch s {
	case "NaN", "Infinity", "-Infinity":
		return true
	}
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// DecodeBool reads a boolean from its text (t/f, true/false, 1/0, as
// PostgreSQL and MySQL's tinyint(1) write them) or a number 0/1.
func DecodeBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		switch x {
		case 0:
			return false, nil
		case 1:
			return true, nil
		}
		return nil, rejectf("%d is not a boolean (0 or 1)", x)
	}
	s, err := TextOf(v)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "true", "1", "y", "yes", "on":
		return true, nil
	case "f", "false", "0", "n", "no", "off":
		return false, nil
	}
	return nil, rejectf("%q is not a boolean", s)
}

// Time layouts of the text forms databases write (fractions optional).
const (
	textDate      = "2006-01-02"
	textTimestamp = "2006-01-02 15:04:05.999999999"
)

// DecodeDate reads YYYY-MM-DD (a time part, as Oracle's DATE has, must be
// midnight).
func DecodeDate(v any) (any, error) {
	if t, ok := v.(time.Time); ok {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	s, err := TextOf(v)
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(textDate, s)
	if err != nil {
		return nil, rejectf("%q is not a date (YYYY-MM-DD)", s)
	}
	return t, nil
}

// DecodeTimestamp reads a wall-clock timestamp without zone,
// YYYY-MM-DD HH:MM:SS[.fraction] (T accepted for the space).
func DecodeTimestamp(v any) (any, error) {
	if t, ok := v.(time.Time); ok {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
	}
	s, err := TextOf(v)
	if err != nil {
		return nil, err
	}
	t, err := parseTimestamp(s)
	if err != nil {
		return nil, rejectf("%q is not a timestamp (YYYY-MM-DD HH:MM:SS)", s)
	}
	return t, nil
}

// DecodeTimestampUTC reads a timestamp that the session wrote in UTC
// (MySQL's timestamp with time_zone '+00:00'), or with an explicit offset
// (PostgreSQL's timestamptz: 2024-01-02 03:04:05+00), as an instant.
func DecodeTimestampUTC(v any) (any, error) {
	if t, ok := v.(time.Time); ok {
		return t.UTC(), nil
	}
	s, err := TextOf(v)
	if err != nil {
		return nil, err
	}
	for _, l := range []string{"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07:00:00"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	t, err := parseTimestamp(s)
	if err != nil {
		return nil, rejectf("%q is not a timestamp", s)
	}
	return t, nil
}

func parseTimestamp(s string) (time.Time, error) {
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10] + " " + s[11:]
	}
	if len(s) == 10 {
		return time.Parse(textDate, s)
	}
	return time.Parse(textTimestamp, s)
}

// TextDecoder returns the decoder that reads a value's text form as type
// t: what a dialect whose driver gives text uses for an override.
func TextDecoder(t xcetl.Type) func(any) (any, error) {
	switch t.Kind {
	case xcetl.KindInt:
		return DecodeInt
	case xcetl.KindFloat:
		return DecodeFloat
	case xcetl.KindDecimal:
		return DecodeDecimal
	case xcetl.KindBool:
		return DecodeBool
	case xcetl.KindDate:
		return DecodeDate
	case xcetl.KindTimestamp:
		return DecodeTimestamp
	case xcetl.KindTimestampTZ:
		return DecodeTimestampUTC
	case xcetl.KindBytes:
		return DecodeBytes
	}
	return DecodeString
}

// DecimalWithScale returns a decimal decoder for databases that may hand
// a decimal column's value over as a number (SQLite stores NUMERIC values
// that fit as integers or floats): numbers are written with exactly scale
// digits after the point, as the column declares; text is read as it is.
func DecimalWithScale(scale int) func(any) (any, error) {
	return func(v any) (any, error) {
		switch x := v.(type) {
		case int64:
			s := strconv.FormatInt(x, 10)
			if scale > 0 {
				s += "." + strings.Repeat("0", scale)
			}
			return xcetl.Decimal(s), nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, rejectf("%v is not a decimal number", x)
			}
			return xcetl.Decimal(strconv.FormatFloat(x, 'f', scale, 64)), nil
		}
		d, err := DecodeDecimal(v)
		if err != nil {
			return nil, err
		}
		return xcetl.Decimal(PadDecimal(string(d.(xcetl.Decimal)), scale)), nil
	}
}

// PadDecimal writes a decimal's text with a leading zero before the point
// (".5" → "0.5", as Oracle's TO_CHAR writes it) and at least scale digits
// after it ("12.5" → "12.50"); it never drops digits.
func PadDecimal(s string, scale int) string {
	if s == "NaN" || strings.HasSuffix(s, "Infinity") {
		return s
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) < scale {
		frac += strings.Repeat("0", scale-len(frac))
	}
	if frac == "" {
		return sign + whole
	}
	return sign + whole + "." + frac
}
