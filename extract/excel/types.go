package excel

import (
	"fmt"
	"strconv"
	"time"

	"github.com/xcetl/xcetl"
)

// cellKind is what a cell holds, as far as column types are concerned.
type cellKind uint8

const (
	ckEmpty    cellKind = iota
	ckText              // shared, inline or formula string; an ISO time of day
	ckInt               // a number that is whole and below 10^15 (exact in Excel)
	ckFloat             // any other number
	ckBool              // TRUE / FALSE
	ckDate              // a date without a time of day
	ckDateTime          // a date with a time of day
	ckError             // a cell that cannot be read; its value is the text stored
)

// kindSet is a bit set of cell kinds seen in a column.
type kindSet uint8

func (s *kindSet) add(k cellKind) {
	if k != ckEmpty {
		*s |= 1 << k
	}
}

// only reports whether every kind in s is one of ks.
func (s kindSet) only(ks ...cellKind) bool {
	var allowed kindSet
	for _, k := range ks {
		allowed |= 1 << k
	}
	return s&^allowed == 0
}

// columnKind is the type of a column whose cells have the kinds s: a
// column is typed only when all its cells agree (whole numbers → int,
// numbers → float, TRUE/FALSE → bool, dates → date, dates with or without
// a time → timestamp); any other mix, and a column with no value at all,
// is string.
func columnKind(s kindSet) xcetl.Kind {
	switch {
	case s == 0:
		return xcetl.KindString
	case s.only(ckInt):
		return xcetl.KindInt
	case s.only(ckInt, ckFloat):
		return xcetl.KindFloat
	case s.only(ckBool):
		return xcetl.KindBool
	case s.only(ckDate):
		return xcetl.KindDate
	case s.only(ckDate, ckDateTime):
		return xcetl.KindTimestamp
	}
	return xcetl.KindString
}

// fits reports whether a cell of kind ck belongs in a column of kind k
// (columnKind would have typed a column holding it so, or wider).
func fits(k xcetl.Kind, ck cellKind) bool {
	switch k {
	case xcetl.KindInt:
		return ck == ckInt
	case xcetl.KindFloat:
		return ck == ckInt || ck == ckFloat
	case xcetl.KindBool:
		return ck == ckBool
	case xcetl.KindDate:
		return ck == ckDate
	case xcetl.KindTimestamp:
		return ck == ckDate || ck == ckDateTime
	}
	return true
}

// typedValue converts the canonical text of a cell (see README: Cell
// values) to the Go value of a column of kind k. The text was produced by
// this package for a cell of a matching kind, so an error means a bug or a
// kind that does not match; it is reported as a reject, not a panic.
func typedValue(text string, k xcetl.Kind) (any, error) {
	switch k {
	case xcetl.KindString:
		return text, nil
	case xcetl.KindInt:
		return strconv.ParseInt(text, 10, 64)
	case xcetl.KindFloat:
		return strconv.ParseFloat(text, 64)
	case xcetl.KindBool:
		switch text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	case xcetl.KindDate, xcetl.KindTimestamp:
		if t, ok := parseISO(text); ok {
			return t, nil
		}
		layout := "2006-01-02"
		switch {
		case len(text) > 19:
			layout = "2006-01-02 15:04:05.000"
		case len(text) > 10:
			layout = "2006-01-02 15:04:05"
		}
		return time.Parse(layout, text)
	}
	return nil, fmt.Errorf("cannot read %q as %s", text, k)
}

// parseISO reads the forms this package writes, 2006-01-02,
// 2006-01-02 15:04:05 and 2006-01-02 15:04:05.000, by position: a tenth of
// the time of time.Parse, which a date column pays on every cell. ok is
// false for anything else (time.Parse then says what is wrong).
func parseISO(s string) (time.Time, bool) {
	if len(s) != 10 && len(s) != 19 && len(s) != 23 {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d := num(0, 4), num(5, 2), num(8, 2)
	var h, mi, sec, ms int
	if s[4] != '-' || s[7] != '-' || y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	if len(s) > 10 {
		if s[10] != ' ' || s[13] != ':' || s[16] != ':' {
			return time.Time{}, false
		}
		h, mi, sec = num(11, 2), num(14, 2), num(17, 2)
		if len(s) == 23 {
			if s[19] != '.' {
				return time.Time{}, false
			}
			ms = num(20, 3)
		}
		if h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || ms < 0 {
			return time.Time{}, false
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ms*1e6, time.UTC)
	if t.Day() != d { // 2023-02-30 rolled over
		return time.Time{}, false
	}
	return t, true
}
