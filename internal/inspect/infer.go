package inspect

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// dateLayouts are the date forms recognised, the default (what `cast`
// reads without a format) first. Go's "1" and "2" accept one or two
// digits, so "2006/1/2" also reads 2024/03/01.
var dateLayouts = []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006.1.2", "2006年1月2日"}

// timestampLayouts likewise; the default accepts a T and fractional seconds
// too (see cast).
var timestampLayouts = []string{"2006-01-02 15:04:05", "2006/1/2 15:04:05", "2006/1/2 15:04", "2006-1-2 15:04", "2006年1月2日 15:04:05"}

// guess accumulates what the values of one column could be.
type guess struct {
	nonEmpty, empty int64
	example         string
	maxLen          int // in characters

	notInt, notDecimal, notBool bool
	idLike                      bool // digits with a leading zero, or of phone or ID-number length
	intDigits, scale            int  // for decimal(p,s)
	hasFraction                 bool
	dateOK, tsOK                []bool // per layout: every value so far parses
	anyDate, anyTS, notDateOrTS bool

	// How many values fit each kind, and the first that does not, for a
	// note on a column that is almost all one kind.
	nNum, nDate, nTime     int64
	badNum, badDate, badTS string
	yyyymmdd               bool // every value so far is an 8-digit date 19000101..21001231
}

func newGuess() *guess {
	return &guess{dateOK: allTrue(len(dateLayouts)), tsOK: allTrue(len(timestampLayouts)), yyyymmdd: true}
}

func allTrue(n int) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = true
	}
	return b
}

// add looks at one value (nil or "" is empty).
func (g *guess) add(v string) {
	if strings.TrimSpace(v) == "" {
		g.empty++
		return
	}
	g.nonEmpty++
	if g.example == "" {
		g.example = v
	}
	if n := utf8.RuneCountInString(v); n > g.maxLen {
		g.maxLen = n
	}
	s := strings.TrimSpace(v)
	g.number(s)
	if g.yyyymmdd {
		t, err := time.Parse("20060102", s)
		g.yyyymmdd = err == nil && len(s) == 8 && t.Year() >= 1900 && t.Year() <= 2100
	}
	if !g.notBool {
		switch strings.ToLower(s) {
		case "true", "false", "yes", "no", "是", "否":
		default:
			g.notBool = true
		}
	}
	g.timeValue(s)
}

// number checks s as an int and as a decimal.
func (g *guess) number(s string) {
	t := s
	if t[0] == '-' || t[0] == '+' {
		t = t[1:]
	}
	whole, frac, dot := strings.Cut(t, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) {
		g.notInt, g.notDecimal = true, true
		if g.badNum == "" {
			g.badNum = s
		}
		return
	}
	g.nNum++
	if dot {
		g.notInt = true
		g.hasFraction = true
	}
	// Identifiers written with digits: a leading zero (postal codes, 00012),
	// 11-digit mobile numbers, 15- and 18-digit ID numbers, account
	// numbers. They are text: a number would lose the zeros, and nobody
	// adds them up.
	if !dot && s[0] != '-' && s[0] != '+' && (len(whole) > 1 && whole[0] == '0' || len(whole) >= 15 || len(whole) == 11 && whole[0] == '1') {
		g.idLike = true
	}
	if len(whole) > 18 {
		g.notInt = true
	}
	w := len(strings.TrimLeft(whole, "0"))
	g.intDigits = max(g.intDigits, w)
	g.scale = max(g.scale, len(frac))
	if g.intDigits+g.scale > xcetl.MaxDecimalPrecision {
		g.notDecimal = true
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// timeValue checks s against the date and timestamp layouts.
func (g *guess) timeValue(s string) {
	// Cheap filter: a date starts with a four-digit year.
	if len(s) < 8 || !allDigits(s[:4]) || s[4] >= '0' && s[4] <= '9' {
		g.notDateOrTS = true
		if g.badDate == "" {
			g.badDate = s
		}
		if g.badTS == "" {
			g.badTS = s
		}
		return
	}
	if g.notDateOrTS && g.nDate+g.nTime > 0 && g.badDate != "" && g.badTS != "" {
		// Already mixed; keep counting fits for the note only.
		if anyParses(dateLayouts, s) {
			g.nDate++
		} else if anyParses(timestampLayouts, s) || parseTimestamp(timestampLayouts[0], s) {
			g.nTime++
		}
		return
	}
	date := false
	for i, l := range dateLayouts {
		if g.dateOK[i] {
			if _, err := time.Parse(l, s); err != nil {
				g.dateOK[i] = false
			} else {
				date = true
			}
		}
	}
	ts := false
	for i, l := range timestampLayouts {
		if !g.tsOK[i] {
			continue
		}
		if parseTimestamp(l, s) {
			ts = true
			continue
		}
		// A date alone in a timestamp column is midnight.
		if dl := timestampDate(i); dl != "" {
			if _, err := time.Parse(dl, s); err == nil {
				ts = true
				continue
			}
		}
		g.tsOK[i] = false
	}
	switch {
	case date:
		g.anyDate = true
		g.nDate++
	case ts:
		g.anyTS = true
		g.nTime++
	default:
		g.notDateOrTS = true
		if !anyParses(dateLayouts, s) && g.badDate == "" {
			g.badDate = s
		}
		if g.badTS == "" {
			g.badTS = s
		}
	}
	if !date && g.badDate == "" {
		g.badDate = s
	}
}

func anyParses(layouts []string, s string) bool {
	for _, l := range layouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}

// parseTimestamp parses s with layout, and for the default layout also the
// forms cast accepts (T separator, fractional seconds).
func parseTimestamp(layout, s string) bool {
	if _, err := time.Parse(layout, s); err == nil {
		return true
	}
	if layout == timestampLayouts[0] {
		for _, l := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
			if _, err := time.Parse(l, s); err == nil {
				return true
			}
		}
	}
	return false
}

// timestampDate is the date layout matching timestamp layout i.
func timestampDate(i int) string {
	switch i {
	case 0:
		return "2006-01-02"
	case 1, 2:
		return "2006/1/2"
	case 3:
		return "2006-1-2"
	case 4:
		return "2006年1月2日"
	}
	return ""
}

// result is the column's inferred type. format is a Go time layout when
// the values are dates or timestamps in another form than cast's default;
// note explains a choice worth knowing.
func (g *guess) result() (t xcetl.Type, format, note string) {
	str := xcetl.Type{Kind: xcetl.KindString}
	switch {
	case g.nonEmpty == 0:
		return str, "", "no values"
	case g.idLike && !g.notInt:
		return str, "", "numbers with leading zeros or of phone/ID-number length are kept as text"
	case !g.notInt && g.yyyymmdd:
		return xcetl.Type{Kind: xcetl.KindDate}, "20060102", "8-digit numbers that are all dates"
	case !g.notInt:
		return xcetl.Type{Kind: xcetl.KindInt}, "", ""
	case !g.notDecimal && !g.idLike:
		// Two digits of headroom before the point: the sample is not
		// every value the column will ever hold.
		p := min(xcetl.MaxDecimalPrecision, max(g.intDigits, 1)+g.scale+2)
		return xcetl.Type{Kind: xcetl.KindDecimal, Precision: p, Scale: min(g.scale, p)}, "", ""
	case !g.notBool:
		return xcetl.Type{Kind: xcetl.KindBool}, "", ""
	case !g.notDateOrTS && g.anyDate && !g.anyTS:
		for i, ok := range g.dateOK {
			if ok {
				if i == 0 {
					return xcetl.Type{Kind: xcetl.KindDate}, "", ""
				}
				return xcetl.Type{Kind: xcetl.KindDate}, dateLayouts[i], ""
			}
		}
	case !g.notDateOrTS && g.anyTS:
		for i, ok := range g.tsOK {
			if ok {
				if i == 0 {
					return xcetl.Type{Kind: xcetl.KindTimestamp}, "", ""
				}
				return xcetl.Type{Kind: xcetl.KindTimestamp}, timestampLayouts[i], ""
			}
		}
	}
	return str, "", g.almost()
}

// almost explains a text column whose values are nearly all of one kind:
// the values that are not are what keeps it text.
func (g *guess) almost() string {
	fits := func(n int64) bool { return n > 0 && n < g.nonEmpty && n*10 >= g.nonEmpty*9 }
	switch {
	case fits(g.nDate) && g.nTime == 0:
		return fmt.Sprintf("%d of %d values are dates, but not %s: fix such values, or cast to date to reject their rows", g.nDate, g.nonEmpty, strconv.Quote(g.badDate))
	case fits(g.nDate + g.nTime):
		return fmt.Sprintf("%d of %d values are timestamps, but not %s: fix such values, or cast to timestamp to reject their rows", g.nDate+g.nTime, g.nonEmpty, strconv.Quote(g.badTS))
	case fits(g.nNum) && !g.idLike:
		return fmt.Sprintf("%d of %d values are numbers, but not %s: fix such values, or cast to a number type to reject their rows", g.nNum, g.nonEmpty, strconv.Quote(g.badNum))
	}
	return ""
}
