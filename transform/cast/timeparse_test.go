package cast

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/transform"
)

// TestShortYears: the dates Excel exports write (issue 12): one- and
// two-digit years, one-digit months and days, in either order, under an
// explicit format; a list of formats is tried in order.
func TestShortYears(t *testing.T) {
	d := func(y, m, dd int) time.Time { return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		kind    xcetl.Kind
		formats []string
		start   int
		in      string
		want    time.Time
		err     string
	}{
		{"yy/m/d, one-digit day", xcetl.KindDate, []string{"06/1/2"}, 0, "10/7/6", d(2010, 7, 6), ""},
		{"d/m/yy", xcetl.KindDate, []string{"2/1/06"}, 0, "6/7/10", d(2010, 7, 6), ""},
		{"m/d/yy", xcetl.KindDate, []string{"1/2/06"}, 0, "6/7/10", d(2010, 6, 7), ""},
		{"one-digit year", xcetl.KindDate, []string{"1/2/06"}, 0, "6/7/6", d(2006, 6, 7), ""},
		{"zero-padded layout takes one digit too", xcetl.KindDate, []string{"02/01/06"}, 0, "6/7/10", d(2010, 7, 6), ""},
		{"yyyy/m/d (Go's own)", xcetl.KindDate, []string{"2006/1/2"}, 0, "2024/3/1", d(2024, 3, 1), ""},
		{"45 is 1945, as Excel reads it", xcetl.KindDate, []string{"2/1/06"}, 0, "6/7/45", d(1945, 7, 6), ""},
		{"29 is 2029", xcetl.KindDate, []string{"2/1/06"}, 0, "1/1/29", d(2029, 1, 1), ""},
		{"30 is 1930", xcetl.KindDate, []string{"2/1/06"}, 0, "1/1/30", d(1930, 1, 1), ""},
		{"two_digit_year_start 2000", xcetl.KindDate, []string{"2/1/06"}, 2000, "6/7/45", d(2045, 7, 6), ""},
		{"two_digit_year_start 1950", xcetl.KindDate, []string{"2/1/06"}, 1950, "6/7/49", d(2049, 7, 6), ""},
		{"formats tried in order", xcetl.KindDate, []string{"2006/1/2", "2/1/06"}, 0, "6/7/10", d(2010, 7, 6), ""},
		{"formats tried in order, first fits", xcetl.KindDate, []string{"2006/1/2", "2/1/06"}, 0, "2024/3/1", d(2024, 3, 1), ""},
		{"Chinese separators", xcetl.KindDate, []string{"06年1月2日"}, 0, "24年3月1日", d(2024, 3, 1), ""},
		{"timestamp with a clock", xcetl.KindTimestamp, []string{"06/1/2 15:04"}, 0, "10/7/6 8:05", time.Date(2010, 7, 6, 8, 5, 0, 0, time.UTC), ""},
		{"month 13", xcetl.KindDate, []string{"2/1/06"}, 0, "6/13/10", time.Time{}, `"6/13/10" is not a date (format 2/1/06)`},
		{"29 February of a common year", xcetl.KindDate, []string{"2/1/06"}, 0, "29/2/23", time.Time{}, "is not a date"},
		{"29 February of a leap year", xcetl.KindDate, []string{"2/1/06"}, 0, "29/2/24", d(2024, 2, 29), ""},
		{"three-digit year", xcetl.KindDate, []string{"2/1/06"}, 0, "6/7/100", time.Time{}, "is not a date"},
		{"wrong separator", xcetl.KindDate, []string{"2/1/06"}, 0, "6-7-10", time.Time{}, `(format 2/1/06)`},
		{"no format fits", xcetl.KindDate, []string{"2006/1/2", "2/1/06"}, 0, "x", time.Time{}, `"x" is not a date (formats 2006/1/2, 2/1/06)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewConverter(xcetl.Type{Kind: tt.kind}, Options{Formats: tt.formats, TwoDigitYearStart: tt.start})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Convert(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Convert(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || !got.(time.Time).Equal(tt.want) {
				t.Fatalf("Convert(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestSpecShortYears: two_digit_year_start and a list of formats through
// the YAML spec and a spec built in Go.
func TestSpecShortYears(t *testing.T) {
	tr := mustNew(t, "transforms:\n  - cast:\n      born: {to: date, format: [\"2006/1/2\", \"2/1/06\"], two_digit_year_start: 1900}\n")
	in := xcetl.NewStringSchema([]string{"born"})
	if _, err := tr.Bind(in); err != nil {
		t.Fatal(err)
	}
	b := &xcetl.Batch{Schema: in, Rows: [][]any{{"6/7/45"}, {"2024/3/1"}}}
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if got := b.Rows[0][0].(time.Time); got.Year() != 1945 {
		t.Errorf("6/7/45 = %v", got)
	}
	if got := b.Rows[1][0].(time.Time); got.Year() != 2024 || got.Month() != 3 {
		t.Errorf("2024/3/1 = %v", got)
	}

	if _, err := newFromYAML(t, "transforms:\n  - cast:\n      n: {to: int, two_digit_year_start: 1950}\n"); err == nil ||
		!strings.Contains(err.Error(), "p.yaml:3:42: transforms[0].cast.n.two_digit_year_start: two_digit_year_start applies only to date, timestamp and timestamptz, not int") {
		t.Errorf("two_digit_year_start on int: %v", err)
	}
	if _, err := newFromYAML(t, "transforms:\n  - cast:\n      d: {to: date, two_digit_year_start: 30}\n"); err == nil ||
		!strings.Contains(err.Error(), "two_digit_year_start must be 1000..9899, not 30") {
		t.Errorf("two_digit_year_start 30: %v", err)
	}

	g, err := transform.Build("cast", Spec{"born": {To: "date", Format: []string{"2/1/06"}}}, "transforms[0].cast", transform.Env{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Bind(in); err != nil {
		t.Fatal(err)
	}
	b = &xcetl.Batch{Schema: in, Rows: [][]any{{"6/7/10"}}}
	if err := g.Apply(context.Background(), b); err != nil || b.Rows[0][0].(time.Time).Year() != 2010 {
		t.Fatalf("built in Go: %v %v", b.Rows, err)
	}
	if _, err := transform.Build("cast", Spec{"born": {To: "dat"}}, "transforms[0].cast", transform.Env{}); err == nil ||
		!strings.Contains(err.Error(), `transforms[0].cast.born: unknown type "dat"`) {
		t.Errorf("Go spec with a bad type: %v", err)
	}
}
