package cast

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// Options tune how a Converter reads its input. The zero value gives the
// documented defaults.
type Options struct {
	// Formats are Go time layouts tried in order for date, timestamp and
	// timestamptz targets; they replace the default layouts. For bytes
	// targets the single format "hex" or "base64" says how text is decoded
	// (no format: the text's UTF-8 bytes as they are).
	Formats []string
	// Location is the zone of timestamptz text without an offset and of
	// naive time values cast to timestamptz; nil means time.Local.
	// Timestamptz results are returned in this location.
	Location *time.Location
	// From is the kind of the input column when the caller knows it. It
	// decides how a time.Time is read (a naive timestamp carried in UTC or
	// a real instant) and how it is rendered as a string. KindInvalid
	// (unknown) treats UTC times as naive and others as instants.
	From xcetl.Kind
	// Column converts for an existing table column rather than for a
	// pipeline's cast: the cdc loader types every field of a change event
	// by its target column with it (see events.go for how the rules
	// differ). Decimal targets keep the value's own digits whatever the
	// type's precision and scale.
	Column bool
	// TwoDigitYearStart is the first year of the hundred that a one- or
	// two-digit year (layout "06") falls in; 0 means 1930, as Excel and
	// Windows read them (45 is 1945, 29 is 2029).
	TwoDigitYearStart int
}

// Converter converts values to one type. Build it once (NewConverter checks
// the options) and call Convert for every value; it is safe for concurrent
// use and allocates nothing on success beyond the result.
type Converter struct {
	t       xcetl.Type
	from    xcetl.Kind
	layouts []string           // custom time layouts; nil = the built-in fast parser
	short   []*shortYearLayout // per layout: its lenient form when it has a two-digit year
	century int                // TwoDigitYearStart
	loc     *time.Location
	column  bool
	enc     byteEncoding
	zero    xcetl.Decimal // decimal zero with the target scale, e.g. "0.00"
	fmtDesc string        // " (format ...)" for error messages
}

type byteEncoding uint8

const (
	encRaw byteEncoding = iota
	encHex
	encBase64
)

// NewConverter returns a Converter to t with opts. It fails when an option
// does not apply to t or is malformed (a layout without year, month and
// day, an unknown bytes format).
func NewConverter(t xcetl.Type, opts Options) (*Converter, error) {
	c := &Converter{t: t, from: opts.From, loc: opts.Location, column: opts.Column}
	if c.loc == nil {
		c.loc = time.Local
	}
	switch t.Kind {
	case xcetl.KindString, xcetl.KindInt, xcetl.KindFloat, xcetl.KindBool:
	case xcetl.KindDecimal:
		if c.column {
			break // the column's own rounding applies
		}
		if t.Precision < 1 || t.Precision > xcetl.MaxDecimalPrecision || t.Scale < 0 || t.Scale > t.Precision {
			return nil, fmt.Errorf("invalid type %s", t)
		}
		c.zero = xcetl.Decimal(zeroText(t.Scale))
	case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
	case xcetl.KindBytes:
	default:
		return nil, fmt.Errorf("invalid type %s", t)
	}
	if len(opts.Formats) > 0 {
		switch t.Kind {
		case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
			for _, l := range opts.Formats {
				if err := checkLayout(l); err != nil {
					return nil, err
				}
			}
			c.layouts = append([]string(nil), opts.Formats...)
			c.compileLayouts(opts.TwoDigitYearStart)
		case xcetl.KindBytes:
			if len(opts.Formats) != 1 {
				return nil, errors.New("bytes take one format: hex or base64")
			}
			switch strings.ToLower(opts.Formats[0]) {
			case "hex":
				c.enc = encHex
			case "base64":
				c.enc = encBase64
			default:
				return nil, fmt.Errorf("unknown bytes format %q (formats: hex, base64)", opts.Formats[0])
			}
		default:
			return nil, fmt.Errorf("format applies only to date, timestamp, timestamptz and bytes, not %s", t)
		}
	}
	c.fmtDesc = c.describeFormat()
	return c, nil
}

// Type returns the target type.
func (c *Converter) Type() xcetl.Type { return c.t }

// Convert converts v to the Converter's type. nil stays nil. Text is
// trimmed of surrounding white space for every target but string (and raw
// bytes), and text that is empty after trimming becomes nil. The error
// names the value and the expected type or format, e.g.
// `"1990-13-01" is not a date (format 2006-01-02)`.
func (c *Converter) Convert(v any) (any, error) {
	if c.column && v != nil {
		if out, ok, err := c.fromColumn(v); ok {
			return out, err
		}
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return c.fromString(v, x)
	}
	return c.fromTyped(v)
}

// Convert converts one value to t with opts. It checks the options on
// every call; convert many values with a Converter instead.
func Convert(v any, t xcetl.Type, opts Options) (any, error) {
	c, err := NewConverter(t, opts)
	if err != nil {
		return nil, err
	}
	return c.Convert(v)
}

func (c *Converter) fromString(v any, x string) (any, error) {
	switch c.t.Kind {
	case xcetl.KindString:
		return c.checkLength(v, x)
	case xcetl.KindBytes:
		if c.enc == encRaw {
			if x == "" {
				return nil, nil
			}
			return []byte(x), nil
		}
	}
	s := strings.TrimSpace(x)
	if s == "" {
		return nil, nil
	}
	switch c.t.Kind {
	case xcetl.KindInt:
		n, err := parseInt(s)
		if err != nil {
			return nil, err
		}
		return n, nil
	case xcetl.KindFloat:
		f, err := parseFloat(s)
		if err != nil {
			return nil, err
		}
		return f, nil
	case xcetl.KindDecimal:
		d, err := c.parseDecimal(s)
		if err != nil {
			return nil, err
		}
		return d, nil
	case xcetl.KindBool:
		b, ok := parseBool(s)
		if !ok {
			return nil, fmt.Errorf("%s is not a bool (true/false, yes/no, 1/0, 是/否)", quote(s))
		}
		return b, nil
	case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		t, err := c.parseTime(s)
		if err != nil {
			return nil, err
		}
		return t, nil
	case xcetl.KindBytes:
		return c.decodeBytes(s)
	}
	return nil, fmt.Errorf("cannot cast to %s", c.t)
}

func (c *Converter) checkLength(v any, s string) (any, error) {
	if c.t.Precision > 0 && len(s) > c.t.Precision {
		// Counting runes only when the bytes could exceed the limit keeps
		// the common ASCII case free.
		if n := utf8.RuneCountInString(s); n > c.t.Precision {
			return nil, fmt.Errorf("%s is longer than %d characters (%d)", quote(s), c.t.Precision, n)
		}
	}
	return v, nil
}

func (c *Converter) decodeBytes(s string) (any, error) {
	switch c.enc {
	case encHex:
		h := s
		if len(h) >= 2 && (h[:2] == "0x" || h[:2] == "0X" || h[:2] == `\x`) {
			h = h[2:]
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("%s is not hex", quote(s))
		}
		return b, nil
	case encBase64:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			if b2, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
				return b2, nil
			}
			return nil, fmt.Errorf("%s is not base64", quote(s))
		}
		return b, nil
	}
	return []byte(s), nil
}

// fromTyped converts a value that is not text (from a typed source, an
// expression or an earlier cast).
func (c *Converter) fromTyped(v any) (any, error) {
	switch c.t.Kind {
	case xcetl.KindString:
		var s string
		switch x := v.(type) {
		case xcetl.Decimal:
			s = string(x)
		case time.Time:
			s = xcetl.FormatValue(x, c.timeKind(x))
		default:
			if iv, ok := asInt64(v); ok {
				s = strconv.FormatInt(iv, 10)
			} else if f, ok := asFloat64(v); ok {
				s = strconv.FormatFloat(f, 'g', -1, 64)
			} else {
				s = xcetl.FormatValue(v, xcetl.KindOf(v))
			}
		}
		return c.checkLength(s, s)
	case xcetl.KindInt:
		switch x := v.(type) {
		case int64:
			return v, nil
		case xcetl.Decimal:
			n, err := parseInt(string(x))
			if err != nil {
				return nil, err
			}
			return n, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
		if n, ok := asInt64(v); ok {
			return n, nil
		}
		if f, ok := asFloat64(v); ok {
			if f != math.Trunc(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("float %s is not a whole number", strconv.FormatFloat(f, 'g', -1, 64))
			}
			if f < -(1<<63) || f >= 1<<63 {
				return nil, fmt.Errorf("float %s is out of range for int", strconv.FormatFloat(f, 'g', -1, 64))
			}
			return int64(f), nil
		}
		if isUint(v) {
			return nil, fmt.Errorf("%v is out of range for int", v)
		}
	case xcetl.KindFloat:
		switch x := v.(type) {
		case float64:
			return v, nil
		case xcetl.Decimal:
			return parseFloat(string(x))
		case bool:
			if x {
				return float64(1), nil
			}
			return float64(0), nil
		}
		if f, ok := asFloat64(v); ok {
			return f, nil
		}
		if n, ok := asInt64(v); ok {
			// A float holds integers exactly up to 2^53: beyond, the value
			// would silently become a neighbour.
			if f := float64(n); f >= 1<<63 || int64(f) != n {
				return nil, fmt.Errorf("int %d has more digits than a float holds exactly; cast it to decimal(19,0) or keep it int", n)
			}
			return float64(n), nil
		}
		if isUint(v) {
			return nil, fmt.Errorf("%v has more digits than a float holds exactly; cast it to decimal(20,0)", v)
		}
	case xcetl.KindDecimal:
		var buf [32]byte
		var text []byte
		switch x := v.(type) {
		case xcetl.Decimal:
			d, err := c.parseDecimal(string(x))
			if err != nil {
				return nil, err
			}
			if d == x {
				return v, nil
			}
			return d, nil
		case bool:
			if x {
				text = append(buf[:0], '1')
			} else {
				text = append(buf[:0], '0')
			}
		default:
			if n, ok := asInt64(v); ok {
				text = strconv.AppendInt(buf[:0], n, 10)
			} else if f, ok := asFloat64(v); ok {
				if math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, fmt.Errorf("float %v is not a number", f)
				}
				text = strconv.AppendFloat(buf[:0], f, 'g', -1, 64)
			}
		}
		if text != nil {
			return c.parseDecimal(string(text))
		}
	case xcetl.KindBool:
		switch x := v.(type) {
		case bool:
			return v, nil
		case xcetl.Decimal:
			if b, ok := parseBool(string(x)); ok {
				return b, nil
			}
			return nil, fmt.Errorf("decimal %s is not a bool (1/0)", string(x))
		}
		if n, ok := asInt64(v); ok && (n == 0 || n == 1) {
			return n == 1, nil
		}
		if f, ok := asFloat64(v); ok && (f == 0 || f == 1) {
			return f == 1, nil
		}
		if _, ok := asInt64(v); ok {
			return nil, fmt.Errorf("%v is not a bool (1/0)", v)
		}
		if _, ok := asFloat64(v); ok {
			return nil, fmt.Errorf("%v is not a bool (1/0)", v)
		}
	case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		if x, ok := v.(time.Time); ok {
			return c.fromTime(x), nil
		}
	case xcetl.KindBytes:
		if _, ok := v.([]byte); ok {
			return v, nil
		}
	}
	return nil, fmt.Errorf("cannot cast %s to %s", describeValue(v), c.t)
}

// fromTime converts a time value between the time kinds.
func (c *Converter) fromTime(x time.Time) time.Time {
	switch c.t.Kind {
	case xcetl.KindDate:
		y, m, d := x.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case xcetl.KindTimestamp:
		if x.Location() == time.UTC {
			return x.Round(0)
		}
		return naive(x)
	}
	// timestamptz
	if c.isNaive(x) {
		y, m, d := x.Date()
		hh, mm, ss := x.Clock()
		return time.Date(y, m, d, hh, mm, ss, x.Nanosecond(), c.loc)
	}
	return x.In(c.loc)
}

func naive(x time.Time) time.Time {
	y, m, d := x.Date()
	hh, mm, ss := x.Clock()
	return time.Date(y, m, d, hh, mm, ss, x.Nanosecond(), time.UTC)
}

// isNaive reports whether a time value carries a wall clock without zone
// (date or timestamp) rather than an instant.
func (c *Converter) isNaive(x time.Time) bool {
	switch c.from {
	case xcetl.KindDate, xcetl.KindTimestamp:
		return true
	case xcetl.KindTimestampTZ:
		return false
	}
	return x.Location() == time.UTC
}

// timeKind is the kind a time value is rendered as when cast to string.
func (c *Converter) timeKind(x time.Time) xcetl.Kind {
	switch c.from {
	case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		return c.from
	}
	if x.Location() != time.UTC {
		return xcetl.KindTimestampTZ
	}
	return xcetl.KindTimestamp
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

func isUint(v any) bool {
	switch v.(type) {
	case uint, uint64:
		return true
	}
	return false
}

func asFloat64(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	return 0, false
}

func describeValue(v any) string {
	switch x := v.(type) {
	case bool:
		return "bool " + strconv.FormatBool(x)
	case time.Time:
		return "time " + x.Format(time.RFC3339Nano)
	case []byte:
		return fmt.Sprintf("bytes (%d)", len(x))
	case xcetl.Decimal:
		return "decimal " + string(x)
	}
	if n, ok := asInt64(v); ok {
		return "int " + strconv.FormatInt(n, 10)
	}
	if f, ok := asFloat64(v); ok {
		return "float " + strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprintf("%T %v", v, v)
}

// quote quotes s for an error message, shortened so that a reject reason
// stays readable when the cell holds a paragraph.
func quote(s string) string {
	const max = 60
	if len(s) > max {
		n := 0
		for i := range s {
			if n == max {
				return strconv.Quote(s[:i]) + "…"
			}
			n++
		}
	}
	return strconv.Quote(s)
}

// parseInt parses optional sign and digits; a fraction of zeros only
// (Excel's "12.00") is accepted and dropped.
func parseInt(s string) (int64, error) {
	t := s
	if dot := strings.IndexByte(t, '.'); dot >= 0 {
		for i := dot + 1; i < len(t); i++ {
			if t[i] != '0' {
				return 0, fmt.Errorf("%s is not an int", quote(s))
			}
		}
		t = t[:dot]
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is out of range for int", quote(s))
		}
		return 0, fmt.Errorf("%s is not an int", quote(s))
	}
	return n, nil
}

// parseFloat accepts decimal notation with an optional exponent, and
// nothing else: no NaN, Inf, hex floats or digit separators.
func parseFloat(s string) (float64, error) {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch >= '0' && ch <= '9', ch == '.', ch == '-', ch == '+', ch == 'e', ch == 'E':
		default:
			return 0, fmt.Errorf("%s is not a float", quote(s))
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) && (math.IsInf(f, 0)) {
			return 0, fmt.Errorf("%s is out of range for float", quote(s))
		}
		if !errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is not a float", quote(s))
		}
	}
	return f, nil
}

// parseBool accepts the spellings people use in spreadsheets.
func parseBool(s string) (bool, bool) {
	switch len(s) {
	case 1:
		switch s[0] {
		case '1', 't', 'T', 'y', 'Y':
			return true, true
		case '0', 'f', 'F', 'n', 'N':
			return false, true
		}
	case 2:
		if strings.EqualFold(s, "no") {
			return false, true
		}
	case 3:
		switch {
		case s == "是":
			return true, true
		case s == "否":
			return false, true
		case strings.EqualFold(s, "yes"):
			return true, true
		}
	case 4:
		if strings.EqualFold(s, "true") {
			return true, true
		}
	case 5:
		if strings.EqualFold(s, "false") {
			return false, true
		}
	}
	return false, false
}
