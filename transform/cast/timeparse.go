package cast

import (
	"fmt"
	"strings"
	"time"

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
	for _, l := range c.layouts {
		switch c.t.Kind {
		case xcetl.KindDate:
			if t, err := time.Parse(l, s); err == nil && t.Year() >= 1 {
				y, m, d := t.Date()
				return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
			}
		case xcetl.KindTimestamp:
			if t, err := time.Parse(l, s); err == nil && t.Year() >= 1 {
				return naive(t), nil
			}
		case xcetl.KindTimestampTZ:
			if t, err := time.ParseInLocation(l, s, c.loc); err == nil && t.Year() >= 1 {
				return t.In(c.loc), nil
			}
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
