package load

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// toKind converts a change event's value to the kind of its target column.
// from is the value's own kind when the decoder knew it (KindInvalid
// otherwise: Canal's strings, schemaless JSON).
func toKind(v any, from, k xcetl.Kind) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case xcetl.KindString:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			if utf8.Valid(x) {
				return string(x), nil
			}
			return nil, fmt.Errorf("binary value (%d bytes) is not text", len(x))
		case time.Time:
			if from == xcetl.KindInvalid {
				from = xcetl.KindTimestamp
			}
			return xcetl.FormatValue(x, from), nil
		}
		return xcetl.FormatValue(v, from), nil
	case xcetl.KindInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case string:
			s := strings.TrimSpace(x)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
			if d, ok := wholeDecimal(s); ok {
				return d, nil
			}
			return nil, fmt.Errorf("%q is not a whole number", x)
		case xcetl.Decimal:
			if d, ok := wholeDecimal(string(x)); ok {
				return d, nil
			}
			return nil, fmt.Errorf("%s is not a whole number", x)
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), nil
			}
			return nil, fmt.Errorf("%v is not a whole number", x)
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case xcetl.KindFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case xcetl.Decimal:
			return x.Float(), nil
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", x)
			}
			return f, nil
		}
	case xcetl.KindDecimal:
		switch x := v.(type) {
		case xcetl.Decimal:
			return x, nil
		case int64:
			return xcetl.Decimal(strconv.FormatInt(x, 10)), nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%v is not a decimal number", x)
			}
			return xcetl.Decimal(strconv.FormatFloat(x, 'f', -1, 64)), nil
		case string:
			d, err := decimalText(strings.TrimSpace(x))
			if err != nil {
				return nil, err
			}
			return d, nil
		}
	case xcetl.KindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "1", "t", "true", "y", "yes", "on":
				return true, nil
			case "0", "f", "false", "n", "no", "off":
				return false, nil
			}
			return nil, fmt.Errorf("%q is not a boolean", x)
		}
	case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		t, err := toTime(v, k)
		if err != nil {
			return nil, err
		}
		return t, nil
	case xcetl.KindBytes:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	}
	return nil, fmt.Errorf("a %s value (%s) cannot be stored in a %s column", xcetl.KindOf(v), xcetl.FormatValue(v, from), k)
}

// wholeDecimal accepts "12", "12.00", "-3.0".
func wholeDecimal(s string) (int64, bool) {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return 0, false
	}
	if strings.Trim(s[i+1:], "0") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	return n, err == nil
}

// decimalText checks a decimal number's text and returns it without an
// exponent.
func decimalText(s string) (xcetl.Decimal, error) {
	if s == "" {
		return "", fmt.Errorf("empty text is not a decimal number")
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return "", fmt.Errorf("%q is not a decimal number", s)
	}
	digits, dot := 0, 0
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dot++
		case c == 'e' || c == 'E':
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return "", fmt.Errorf("%q is not a decimal number", s)
			}
			return xcetl.Decimal(strconv.FormatFloat(f, 'f', -1, 64)), nil
		default:
			return "", fmt.Errorf("%q is not a decimal number", s)
		}
	}
	if digits == 0 || dot > 1 {
		return "", fmt.Errorf("%q is not a decimal number", s)
	}
	return xcetl.Decimal(strings.TrimPrefix(s, "+")), nil
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 -07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// toTime converts to a date or timestamp. Texts are read in the layouts
// databases print (zone optional: without one, a timestamptz is read in
// the process's time zone, as MySQL's DATETIME of a Canal stream means the
// server's local time). Whole numbers are Unix epoch times, their unit
// told by their size (days for dates; seconds, milliseconds, microseconds
// or nanoseconds for timestamps): what Debezium sends without a schema.
func toTime(v any, k xcetl.Kind) (time.Time, error) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case string:
		s := strings.TrimSpace(x)
		loc := time.UTC
		if k == xcetl.KindTimestampTZ {
			loc = time.Local
		}
		var err error
		for _, layout := range timeLayouts {
			if t, err = time.ParseInLocation(layout, s, loc); err == nil {
				break
			}
		}
		if err != nil {
			return t, fmt.Errorf("%q is not a date or timestamp (want 2006-01-02 15:04:05[.ffffff][+08:00])", x)
		}
	case int64:
		if k == xcetl.KindDate && x > -1e7 && x < 1e7 {
			return time.Unix(x*86400, 0).UTC(), nil
		}
		a := x
		if a < 0 {
			a = -a
		}
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
	default:
		return t, fmt.Errorf("a %s value cannot be stored in a %s column", xcetl.KindOf(v), k)
	}
	switch k {
	case xcetl.KindDate:
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	case xcetl.KindTimestamp:
		if _, off := t.Zone(); off != 0 {
			// A zoned value into a column without zone: its UTC wall time.
			t = t.UTC()
		}
	}
	return t, nil
}
