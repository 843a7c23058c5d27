package cast

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// Column conversion (Options.Column): a value of a change event typed by the
// existing target column it goes to, which is what the cdc loader does with
// every field. The sources' values are looser than a pipeline author's text
// (Canal sends every value as a string, Debezium without schemas sends
// dates as day numbers), and a catalog's column is wider than a cast's type
// (numeric without a scale), so these rules differ from a cast's:
//
//   - decimals keep their own digits (the column rounds, or refuses);
//   - whole numbers into date, timestamp and timestamptz columns are Unix
//     epoch values: days for dates (within ±10,000,000), seconds,
//     milliseconds, microseconds or nanoseconds for timestamps, told apart
//     by their size;
//   - a time with a zone into a timestamp column is its UTC wall time, and
//     a timestamp text into a date column is its day;
//   - bytes into a text column are their UTF-8 text;
//   - "on"/"off", "NaN" and "Infinity" are read as booleans and floats;
//   - an empty text is an error for numbers, booleans and times, not NULL.
//
// Everything else is the cast's own rule.

// fromColumn converts v under the column rules; ok is false when the
// cast's own rules apply.
func (c *Converter) fromColumn(v any) (out any, ok bool, err error) {
	switch c.t.Kind {
	case xcetl.KindString:
		switch x := v.(type) {
		case []byte:
			if utf8.Valid(x) {
				return string(x), true, nil
			}
			return nil, true, fmt.Errorf("binary value (%d bytes) is not text", len(x))
		case time.Time:
			from := c.from
			if from == xcetl.KindInvalid {
				from = xcetl.KindTimestamp
			}
			return xcetl.FormatValue(x, from), true, nil
		case float64:
			return xcetl.FormatValue(x, xcetl.KindFloat), true, nil
		}
	case xcetl.KindDecimal:
		d, err := columnDecimal(v)
		return d, true, err
	case xcetl.KindFloat:
		if s, isText := v.(string); isText {
			// JSON has no NaN or infinity: Debezium sends them as text.
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
				return f, true, nil
			}
		}
	case xcetl.KindBool:
		if s, isText := v.(string); isText {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "on":
				return true, true, nil
			case "off":
				return false, true, nil
			}
		}
	case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		t, err := c.columnTime(v)
		return t, true, err
	}
	if s, isText := v.(string); isText && strings.TrimSpace(s) == "" && c.t.Kind != xcetl.KindString && c.t.Kind != xcetl.KindBytes {
		return nil, true, fmt.Errorf("empty text is not a %s", c.t.Kind)
	}
	return nil, false, nil
}

// columnDecimal checks a number and returns it as a decimal with its own
// digits.
func columnDecimal(v any) (xcetl.Decimal, error) {
	switch x := v.(type) {
	case xcetl.Decimal:
		return x, nil
	case int64:
		return xcetl.Decimal(strconv.FormatInt(x, 10)), nil
	case bool:
		if x {
			return "1", nil
		}
		return "0", nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("%v is not a decimal number", x)
		}
		return xcetl.Decimal(strconv.FormatFloat(x, 'f', -1, 64)), nil
	case string:
		return decimalText(strings.TrimSpace(x))
	}
	return "", fmt.Errorf("cannot cast %s to decimal", describeValue(v))
}

// decimalText checks a decimal number's text and returns it without an
// exponent or a leading "+".
func decimalText(s string) (xcetl.Decimal, error) {
	body := strings.TrimLeft(s, "+-")
	if s == "" || len(s)-len(body) > 1 {
		return "", fmt.Errorf("%s is not a decimal number", quote(s))
	}
	digits, dot := 0, 0
	for i := 0; i < len(body); i++ {
		switch ch := body[i]; {
		case ch >= '0' && ch <= '9':
			digits++
		case ch == '.':
			dot++
		case ch == 'e' || ch == 'E':
			if d, err := exactExponent(s); err == nil {
				return d, nil
			}
			return "", fmt.Errorf("%s is not a decimal number", quote(s))
		default:
			return "", fmt.Errorf("%s is not a decimal number", quote(s))
		}
	}
	if digits == 0 || dot > 1 {
		return "", fmt.Errorf("%s is not a decimal number", quote(s))
	}
	return xcetl.Decimal(strings.TrimPrefix(s, "+")), nil
}

// exactExponent rewrites a number with an exponent ("1.25E3") as plain
// digits, exactly.
func exactExponent(s string) (xcetl.Decimal, error) {
	i := strings.IndexAny(s, "eE")
	exp, err := strconv.Atoi(s[i+1:])
	if err != nil || exp > 400 || exp < -400 {
		return "", fmt.Errorf("bad exponent")
	}
	mant := s[:i]
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimLeft(mant, "+-")
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", fmt.Errorf("bad mantissa")
	}
	point := len(intPart) + exp
	switch {
	case point <= 0:
		digits = "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		digits += strings.Repeat("0", point-len(digits))
	default:
		digits = digits[:point] + "." + digits[point:]
	}
	if strings.Contains(digits, ".") {
		digits = strings.TrimRight(strings.TrimRight(digits, "0"), ".")
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" || digits[0] == '.' {
		digits = "0" + digits
	}
	if neg && strings.Trim(digits, "0.") != "" {
		digits = "-" + digits
	}
	return xcetl.Decimal(digits), nil
}

// columnTime converts to a date or timestamp under the column rules.
func (c *Converter) columnTime(v any) (time.Time, error) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case string:
		s := strings.TrimSpace(x)
		f, ok := scanISO(s)
		if !ok {
			return t, fmt.Errorf("%s is not a date or timestamp (want 2006-01-02 15:04:05[.ffffff][+08:00])", quote(x))
		}
		switch {
		case f.hasZone:
			t = time.Date(f.y, time.Month(f.mo), f.d, f.h, f.mi, f.s, f.ns, time.FixedZone("", f.off))
		case c.t.Kind == xcetl.KindTimestampTZ:
			t = time.Date(f.y, time.Month(f.mo), f.d, f.h, f.mi, f.s, f.ns, c.loc)
		default:
			t = time.Date(f.y, time.Month(f.mo), f.d, f.h, f.mi, f.s, f.ns, time.UTC)
		}
	case int64:
		return epochTime(x, c.t.Kind), nil
	default:
		return t, fmt.Errorf("a %s value cannot be stored in a %s column", xcetl.KindOf(v), c.t.Kind)
	}
	switch c.t.Kind {
	case xcetl.KindDate:
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	case xcetl.KindTimestamp:
		if _, off := t.Zone(); off != 0 {
			return t.UTC(), nil // a zoned value into a column without zone: its UTC wall time
		}
		return t, nil
	}
	return t, nil // an instant; a text without zone was read in Location
}

// epochTime reads a whole number as a Unix epoch time: days for dates
// (within ±10,000,000), else seconds, milliseconds, microseconds or
// nanoseconds, told apart by the size.
func epochTime(x int64, k xcetl.Kind) time.Time {
	if k == xcetl.KindDate && x > -1e7 && x < 1e7 {
		return time.Unix(x*86400, 0).UTC()
	}
	a := x
	if a < 0 {
		a = -a
	}
	var t time.Time
	switch {
	case a < 1e11:
		t = time.Unix(x, 0)
	case a < 1e14:
		t = time.UnixMilli(x)
	case a < 1e17:
		t = time.UnixMicro(x)
	default:
		t = time.Unix(0, x)
	}
	t = t.UTC()
	if k == xcetl.KindDate {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return t
}
