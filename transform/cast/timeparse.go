package cast

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// Default layouts, as shown in error messages. The built-in parser accepts
// more than these strings say: "T" for the space, fractional seconds,
// minutes without seconds, a bare date, and for timestamptz an optional
// zone (Z, +08, +0800, +08:00).
const (
	DefaultDateFormat        = "2006-01-02"
	DefaultTimestampFormat   = "2006-01-02 15:04:05"
	DefaultTimestampTZFormat = "2006-01-02 15:04:05-07:00"
)

// checkLayout refuses layouts that cannot produce a date, typically a
// layout written in another notation ("YYYY-MM-DD"): Go layouts spell the
// reference time 2006-01-02 15:04:05 instead.
func checkLayout(l string) error {
	ref := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	t, err := time.Parse(l, ref.Format(l))
	if err == nil && t.Year() == 2006 && t.Month() == 1 {
		return nil
	}
	return fmt.Errorf("format %q is not a Go time layout with a year and a month: write the reference time 2006-01-02 15:04:05 the way your data writes it (e.g. \"2006/01/02\", \"20060102\", \"2006年01月02日\")", l)
}

func (c *Converter) describeFormat() string {
	if len(c.layouts) == 0 {
		switch c.t.Kind {
		case xcetl.KindDate:
			return " (format " + DefaultDateFormat + ")"
		case xcetl.KindTimestamp:
			return " (format " + DefaultTimestampFormat + ")"
		case xcetl.KindTimestampTZ:
			return " (format " + DefaultTimestampTZFormat + ")"
		}
		return ""
	}
	if len(c.layouts) == 1 {
		return " (format " + c.layouts[0] + ")"
	}
	return " (formats " + strings.Join(c.layouts, ", ") + ")"
}

func (c *Converter) notTime(s string) error {
	return fmt.Errorf("%s is not a %s%s", quote(s), c.t.Kind, c.fmtDesc)
}

func (c *Converter) parseTime(s string) (time.Time, error) {
	if c.layouts == nil {
		f, ok := scanISO(s)
		if ok {
			switch c.t.Kind {
			case xcetl.KindDate:
				if !f.hasTime {
					return time.Date(f.y, time.Month(f.mo), f.d, 0, 0, 0, 0, time.UTC), nil
				}
			case xcetl.KindTimestamp:
				if !f.hasZone {
					return time.Date(f.y, time.Month(f.mo), f.d, f.h, f.mi, f.s, f.ns, time.UTC), nil
				}
			case xcetl.KindTimestampTZ:
				if f.hasZone {
					t := time.Date(f.y, time.Month(f.mo), f.d, f.h, f.mi, f.s, f.ns, time.UTC)
					return t.Add(-time.Duration(f.off) * time.Second).In(c.loc), nil
				}
				return time.Date(f.y, time.Month(f.mo), f.d, f.h, f.mi, f.s, f.ns, c.loc), nil
			}
		}
		return time.Time{}, c.notTime(s)
	}
	for i, l := range c.layouts {
		if sy := c.short[i]; sy != nil {
			if t, ok := sy.parse(s, c.loc, c.century); ok {
				return c.asKind(t), nil
			}
			continue
		}
		loc := time.UTC // date and timestamp: the wall clock as written
		if c.t.Kind == xcetl.KindTimestampTZ {
			loc = c.loc
		}
		if t, err := time.ParseInLocation(l, s, loc); err == nil && t.Year() >= 1 {
			return c.asKind(t), nil
		}
	}
	return time.Time{}, c.notTime(s)
}

// isoFields is what scanISO found.
type isoFields struct {
	y, mo, d, h, mi, s, ns int
	off                    int // zone offset east of UTC, seconds
	hasTime, hasZone       bool
}

// scanISO parses YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][ ][zone] where zone
// is Z, ±HH, ±HHMM or ±HH:MM, and validates every field (month lengths and
// leap years included). It is the fast path for the default formats:
// no allocation, no layout interpretation.
func scanISO(s string) (f isoFields, ok bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return f, false
	}
	var ok1, ok2, ok3 bool
	f.y, ok1 = digits(s, 0, 4)
	f.mo, ok2 = digits(s, 5, 2)
	f.d, ok3 = digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || f.y < 1 || f.mo < 1 || f.mo > 12 || f.d < 1 || f.d > daysIn(f.mo, f.y) {
		return f, false
	}
	if len(s) == 10 {
		return f, true
	}
	if s[10] != ' ' && s[10] != 'T' && s[10] != 't' {
		return f, false
	}
	if len(s) < 16 || s[13] != ':' {
		return f, false
	}
	f.hasTime = true
	f.h, ok1 = digits(s, 11, 2)
	f.mi, ok2 = digits(s, 14, 2)
	if !ok1 || !ok2 || f.h > 23 || f.mi > 59 {
		return f, false
	}
	i := 16
	if i < len(s) && s[i] == ':' {
		f.s, ok1 = digits(s, i+1, 2)
		if !ok1 || f.s > 59 {
			return f, false
		}
		i += 3
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			i++
			start := i
			scale := 100000000
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				if i-start < 9 {
					f.ns += int(s[i]-'0') * scale
					scale /= 10
				}
				i++
			}
			if i == start {
				return f, false
			}
		}
	}
	if i == len(s) {
		return f, true
	}
	if s[i] == ' ' {
		i++
	}
	if i == len(s) {
		return f, false
	}
	f.hasZone = true
	switch s[i] {
	case 'Z', 'z':
		return f, i+1 == len(s)
	case '+', '-':
	default:
		return f, false
	}
	sign := 1
	if s[i] == '-' {
		sign = -1
	}
	i++
	hh, okh := digits(s, i, 2)
	if !okh || hh > 23 {
		return f, false
	}
	i += 2
	mm := 0
	if i < len(s) {
		if s[i] == ':' {
			i++
		}
		var okm bool
		mm, okm = digits(s, i, 2)
		if !okm || mm > 59 || i+2 != len(s) {
			return f, false
		}
	}
	f.off = sign * (hh*3600 + mm*60)
	return f, true
}

// digits reads n decimal digits of s at i.
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		ch := s[k]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v = v*10 + int(ch-'0')
	}
	return v, true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// asKind makes a time parsed with a layout a value of the target kind.
func (c *Converter) asKind(t time.Time) time.Time {
	switch c.t.Kind {
	case xcetl.KindDate:
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case xcetl.KindTimestamp:
		return naive(t)
	}
	return t.In(c.loc)
}

// DefaultTwoDigitYearStart is where the hundred years of a two-digit year
// start when two_digit_year_start is not set: 1930, as Excel and Windows
// read them.
const DefaultTwoDigitYearStart = 1930

// shortYearLayout is a layout whose date has a two-digit year ("06", as in
// "2/1/06" or "06/1/2"), which Go's parser reads only as exactly two digits
// and with 2045 for 45. Excel and the programs that export its sheets write
// 10/7/6 and 6/7/10, and mean 1945 by 45. Such a date is read here: the
// year, month and day may have one or two digits (the year under "2006"
// four), the separators must be as in the layout, and the rest of the
// layout (a time of day) is Go's.
type shortYearLayout struct {
	parts []layoutPart
	rest  string // the layout after the date, for time.Parse
}

type layoutPart struct {
	kind byte   // 'Y' 2006, 'y' 06, 'm' 1 or 01, 'd' 2, 02 or _2, 0 literal
	lit  string // for literals
}

// compileLayouts finds the layouts with a two-digit year.
func (c *Converter) compileLayouts(start int) {
	if start == 0 {
		start = DefaultTwoDigitYearStart
	}
	c.century = start
	c.short = make([]*shortYearLayout, len(c.layouts))
	for i, l := range c.layouts {
		c.short[i] = compileShortYear(l)
	}
}

// compileShortYear returns the lenient form of layout l, or nil when l has
// no two-digit year or its date is not numbers between separators.
func compileShortYear(l string) *shortYearLayout {
	var parts []layoutPart
	hasShort := false
	lastDate := -1 // index in l after the last date token
	i := 0
	for i < len(l) {
		tok, kind := dateToken(l[i:])
		if kind == 'x' {
			break // a token of another kind (time, zone, month name): the date part is over
		}
		if kind == 0 {
			if n := len(parts); n > 0 && parts[n-1].kind == 0 {
				parts[n-1].lit += tok
			} else {
				parts = append(parts, layoutPart{lit: tok})
			}
		} else {
			if n := len(parts); n > 0 && parts[n-1].kind != 0 {
				return nil // two numbers without a separator: widths must be fixed, Go's job
			}
			parts = append(parts, layoutPart{kind: kind})
			hasShort = hasShort || kind == 'y'
			lastDate = i + len(tok)
		}
		i += len(tok)
	}
	if !hasShort {
		return nil
	}
	// Literals after the last date token belong to the time part.
	for len(parts) > 0 && parts[len(parts)-1].kind == 0 {
		parts = parts[:len(parts)-1]
	}
	seen := map[byte]bool{}
	for _, p := range parts {
		if p.kind != 0 {
			if seen[p.kind] || p.kind == 'Y' {
				return nil
			}
			seen[p.kind] = true
		}
	}
	if !seen['y'] || !seen['m'] || !seen['d'] {
		return nil
	}
	return &shortYearLayout{parts: parts, rest: l[lastDate:]}
}

// dateToken returns the layout token at the start of s: a date number
// ('Y', 'y', 'm', 'd'), a literal character (0), or another token ('x').
func dateToken(s string) (string, byte) {
	for _, t := range []struct {
		tok  string
		kind byte
	}{
		{"2006", 'Y'}, {"06", 'y'}, {"01", 'm'}, {"02", 'd'}, {"_2", 'd'},
		{"002", 'x'}, {"__2", 'x'}, {"15", 'x'}, {"03", 'x'}, {"04", 'x'}, {"05", 'x'},
		{"Jan", 'x'}, {"Mon", 'x'}, {"MST", 'x'}, {"PM", 'x'}, {"pm", 'x'}, {"Z07", 'x'}, {"-07", 'x'},
		{"1", 'm'}, {"2", 'd'}, {"3", 'x'}, {"4", 'x'}, {"5", 'x'},
	} {
		if strings.HasPrefix(s, t.tok) {
			return t.tok, t.kind
		}
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n], 0
}

// parse reads s; the year of a two-digit year is in [start, start+99].
func (sy *shortYearLayout) parse(s string, loc *time.Location, start int) (time.Time, bool) {
	y, m, d := -1, -1, -1
	pos := 0
	for _, p := range sy.parts {
		if p.kind == 0 {
			if !strings.HasPrefix(s[pos:], p.lit) {
				return time.Time{}, false
			}
			pos += len(p.lit)
			continue
		}
		n, v := 0, 0
		for pos+n < len(s) && n < 2 && s[pos+n] >= '0' && s[pos+n] <= '9' {
			v = v*10 + int(s[pos+n]-'0')
			n++
		}
		if n == 0 {
			return time.Time{}, false
		}
		pos += n
		switch p.kind {
		case 'y':
			y = start + ((v-start%100)%100+100)%100
		case 'm':
			m = v
		case 'd':
			d = v
		}
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return time.Time{}, false
	}
	if sy.rest == "" {
		if pos != len(s) {
			return time.Time{}, false
		}
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc), true
	}
	clock, err := time.ParseInLocation(sy.rest, s[pos:], loc)
	if err != nil {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, clock.Hour(), clock.Minute(), clock.Second(), clock.Nanosecond(), clock.Location()), true
}
