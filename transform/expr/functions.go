package expr

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	exprlang "github.com/expr-lang/expr"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/transform/cast"
)

// ourFunctionNames are the functions xcetl adds to expr's built-ins (now,
// date and concat replace expr's own).
var ourFunctionNames = []string{"year", "month", "day", "substr", "left", "right", "now", "today", "coalesce", "date", "age", "concat"}

// functions holds what the functions of one transform share: the run's
// clock, read once at Bind so that every row (and every worker) sees the
// same now() and today().
type functions struct {
	now   time.Time // local time, microsecond precision (what databases keep)
	today time.Time // midnight UTC of now's local date (a date value)
}

func newFunctions(now time.Time) *functions {
	now = now.Round(0).Truncate(time.Microsecond)
	y, m, d := now.Date()
	return &functions{now: now, today: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// The functions return nil for a NULL argument (SQL's rule), so that
// year(birth_date) is NULL when birth_date is.
func (fs *functions) options() []exprlang.Option {
	return []exprlang.Option{
		// Whole numbers are int64, the type of int columns, so that results
		// go into rows without another conversion.
		exprlang.Function("year", timePart("year", func(t time.Time) int64 { return int64(t.Year()) }), new(func(time.Time) int64)),
		exprlang.Function("month", timePart("month", func(t time.Time) int64 { return int64(t.Month()) }), new(func(time.Time) int64)),
		exprlang.Function("day", timePart("day", func(t time.Time) int64 { return int64(t.Day()) }), new(func(time.Time) int64)),
		exprlang.Function("substr", substr, new(func(string, int, int) string), new(func(string, int) string)),
		exprlang.Function("left", leftRight("left", true), new(func(string, int) string)),
		exprlang.Function("right", leftRight("right", false), new(func(string, int) string)),
		exprlang.Function("now", func(...any) (any, error) { return fs.now, nil }, new(func() time.Time)),
		exprlang.Function("today", func(...any) (any, error) { return fs.today, nil }, new(func() time.Time)),
		exprlang.Function("coalesce", coalesce,
			new(func(string, ...string) string),
			new(func(int64, ...int64) int64),
			new(func(float64, ...float64) float64),
			new(func(bool, ...bool) bool),
			new(func(time.Time, ...time.Time) time.Time),
			new(func(...any) any)),
		exprlang.Function("date", parseDate, new(func(string) time.Time), new(func(string, string) time.Time)),
		exprlang.Function("age", fs.age, new(func(time.Time) int64)),
		exprlang.Function("concat", concat, new(func(...any) string)),
	}
}

func timePart(name string, f func(time.Time) int64) func(...any) (any, error) {
	return func(p ...any) (any, error) {
		switch t := p[0].(type) {
		case nil:
			return nil, nil
		case time.Time:
			return f(t), nil
		}
		return nil, fmt.Errorf("%s: want a date or time, got %T", name, p[0])
	}
}

func toInt(name string, v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case int32:
		return int(x), nil
	case float64:
		if x == float64(int(x)) {
			return int(x), nil
		}
	}
	return 0, fmt.Errorf("%s: want a whole number, got %v", name, v)
}

// substr(s, start[, length]) counts in characters from 0 and clamps to the
// string, so it never fails on short values.
func substr(p ...any) (any, error) {
	if p[0] == nil {
		return nil, nil
	}
	s, ok := p[0].(string)
	if !ok {
		return nil, fmt.Errorf("substr: want a string, got %T", p[0])
	}
	start, err := toInt("substr", p[1])
	if err != nil {
		return nil, err
	}
	length := -1
	if len(p) > 2 {
		if p[2] == nil {
			return nil, nil
		}
		if length, err = toInt("substr", p[2]); err != nil {
			return nil, err
		}
		if length < 0 {
			length = 0
		}
	}
	if start < 0 {
		start = 0
	}
	// Walk runes without converting the string.
	i, n := 0, 0
	for n < start && i < len(s) {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
		n++
	}
	if length < 0 {
		return s[i:], nil
	}
	j, m := i, 0
	for m < length && j < len(s) {
		_, w := utf8.DecodeRuneInString(s[j:])
		j += w
		m++
	}
	return s[i:j], nil
}

func leftRight(name string, left bool) func(...any) (any, error) {
	return func(p ...any) (any, error) {
		if p[0] == nil || p[1] == nil {
			return nil, nil
		}
		s, ok := p[0].(string)
		if !ok {
			return nil, fmt.Errorf("%s: want a string, got %T", name, p[0])
		}
		n, err := toInt(name, p[1])
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return "", nil
		}
		total := utf8.RuneCountInString(s)
		if n >= total {
			return s, nil
		}
		skip := n
		if !left {
			skip = total - n
		}
		i := 0
		for k := 0; k < skip; k++ {
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
		}
		if left {
			return s[:i], nil
		}
		return s[i:], nil
	}
}

func coalesce(p ...any) (any, error) {
	for _, v := range p {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}

// parseDate is date(s) with the cast rules (YYYY-MM-DD, with or without a
// time) or date(s, layout) with a Go layout. Either way the result is a
// naive time in UTC.
func parseDate(p ...any) (any, error) {
	if p[0] == nil {
		return nil, nil
	}
	s, ok := p[0].(string)
	if !ok {
		return nil, fmt.Errorf("date: want a string, got %T", p[0])
	}
	if len(p) == 1 {
		return cast.Convert(s, xcetl.Type{Kind: xcetl.KindTimestamp}, cast.Options{})
	}
	layout, _ := p[1].(string)
	t, err := time.Parse(layout, s)
	if err != nil {
		return nil, fmt.Errorf("date: %s does not match layout %q", strconv.Quote(s), layout)
	}
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	return time.Date(y, m, d, hh, mm, ss, t.Nanosecond(), time.UTC), nil
}

// age is the number of whole years from birth to today(). Someone born on
// 29 February becomes a year older on 1 March in common years.
func (fs *functions) age(p ...any) (any, error) {
	if p[0] == nil {
		return nil, nil
	}
	b, ok := p[0].(time.Time)
	if !ok {
		return nil, fmt.Errorf("age: want a date, got %T", p[0])
	}
	t := fs.today
	years := t.Year() - b.Year()
	if t.Month() < b.Month() || (t.Month() == b.Month() && t.Day() < b.Day()) {
		years--
	}
	return int64(years), nil
}

// concat joins its arguments as text; NULL counts as "".
func concat(p ...any) (any, error) {
	var buf []byte
	for _, v := range p {
		switch x := v.(type) {
		case nil:
		case string:
			buf = append(buf, x...)
		case int:
			buf = strconv.AppendInt(buf, int64(x), 10)
		case float64:
			buf = strconv.AppendFloat(buf, x, 'f', -1, 64)
		case time.Time:
			k := xcetl.KindTimestampTZ
			if x.Location() == time.UTC {
				k = xcetl.KindTimestamp
				if h, m, s := x.Clock(); h == 0 && m == 0 && s == 0 && x.Nanosecond() == 0 {
					k = xcetl.KindDate
				}
			}
			buf = xcetl.AppendText(buf, x, k)
		default:
			if k := xcetl.KindOf(v); k != xcetl.KindInvalid {
				buf = xcetl.AppendText(buf, v, k)
			} else {
				buf = fmt.Append(buf, v)
			}
		}
	}
	return string(buf), nil
}
