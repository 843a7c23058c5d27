package expr

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

// fixedNow is 2024-03-15 10:20:30.123456789 in Asia/Shanghai.
var fixedNow = time.Date(2024, 3, 15, 10, 20, 30, 123456789, time.FixedZone("CST", 8*3600))

func newFromYAML(t *testing.T, src string) (transform.Transform, error) {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte(src), nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	tr, err := transform.New(root.Get("transforms").Items[0], transform.Env{})
	switch x := tr.(type) {
	case *Filter:
		x.clock = func() time.Time { return fixedNow }
	case *Derive:
		x.clock = func() time.Time { return fixedNow }
	}
	return tr, err
}

func mustNew(t *testing.T, src string) transform.Transform {
	t.Helper()
	tr, err := newFromYAML(t, src)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

func checkErrs(t *testing.T, err error, want []string) {
	t.Helper()
	var errs xcetl.SpecErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error = %v, want SpecErrors", err)
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors:\n%v\nwant %d: %q", len(errs), err, len(want), want)
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("error %d = %q\nwant it to contain %q", i, errs[i].Error(), w)
		}
	}
}

type col struct {
	name string
	kind xcetl.Kind
}

func mkSchema(cols ...col) *xcetl.Schema {
	s := &xcetl.Schema{}
	for i, c := range cols {
		typ := xcetl.Type{Kind: c.kind}
		if c.kind == xcetl.KindDecimal {
			typ.Precision, typ.Scale = 10, 2
		}
		s.Columns = append(s.Columns, xcetl.Column{Name: c.name, Type: typ, Nullable: true, Source: i})
	}
	return s
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"filter list", "transforms:\n  - filter: [a]\n", []string{`p.yaml:2:13: transforms[0].filter: filter takes an expression`}},
		{"filter empty", "transforms:\n  - filter: \"  \"\n", []string{`p.yaml:2:13: transforms[0].filter: filter takes an expression`}},
		{"filter syntax", "transforms:\n  - filter: \"score >= \"\n", []string{`p.yaml:2:13: transforms[0].filter: filter "score >= ": unexpected token EOF (at character`}},
		{"derive list", "transforms:\n  - derive: [a]\n", []string{`p.yaml:2:13: transforms[0].derive: derive takes a mapping of column: expression`}},
		{"derive entry list", "transforms:\n  - derive:\n      a: [1]\n", []string{`p.yaml:3:10: transforms[0].derive.a: expected an expression or {expr: ..., type: ...}, got a list`}},
		{"derive syntax", "transforms:\n  - derive:\n      a: \"1 +\"\n      b: \"(2\"\n", []string{
			`p.yaml:3:10: transforms[0].derive.a: derive a "1 +": unexpected token EOF`,
			`p.yaml:4:10: transforms[0].derive.b: derive b "(2": unexpected token EOF`,
		}},
		{"derive missing expr", "transforms:\n  - derive:\n      a: {type: int}\n", []string{`p.yaml:3:10: transforms[0].derive.a: missing required key "expr"`}},
		{"derive unknown key", "transforms:\n  - derive:\n      a: {expr: \"1\", tpye: int}\n", []string{`transforms[0].derive.a.tpye: unknown key "tpye" (did you mean "type"?)`}},
		{"derive bad type", "transforms:\n  - derive:\n      a: {expr: \"1\", type: nubmer}\n", []string{`p.yaml:3:28: transforms[0].derive.a.type: unknown type "nubmer"`}},
		{"derive format without type", "transforms:\n  - derive:\n      a: {expr: \"1\", format: \"2006\"}\n", []string{`transforms[0].derive.a.format: format needs a type: (e.g. type: date)`}},
		{"derive bad format", "transforms:\n  - derive:\n      a: {expr: \"s\", type: date, format: YYYYMMDD}\n", []string{`transforms[0].derive.a.format: format "YYYYMMDD" is not a Go time layout`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := newFromYAML(t, tc.src)
			if tr != nil {
				t.Error("New returned a transform along with an error")
			}
			checkErrs(t, err, tc.want)
		})
	}
}

func TestBindErrors(t *testing.T) {
	in := mkSchema(col{"score", xcetl.KindFloat}, col{"name", xcetl.KindString}, col{"raw_score", xcetl.KindString}, col{"birth", xcetl.KindDate})
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown name", "transforms:\n  - filter: \"scroe >= 60\"\n", []string{
			`p.yaml:2:13: transforms[0].filter: filter "scroe >= 60": unknown name scroe (at character 1) (did you mean "score"?)`}},
		{"text compared with number", "transforms:\n  - filter: \"raw_score >= 60\"\n", []string{
			"invalid operation: >= (mismatched types string and int) (at character 11); columns are text until cast: put a `cast` before this transform"}},
		{"filter not bool", "transforms:\n  - filter: \"score + 1\"\n", []string{
			`p.yaml:2:13: transforms[0].filter: filter "score + 1" gives float64, not true/false`}},
		{"derive unknown type", "transforms:\n  - derive:\n      x: \"coalesce(name, score)\"\n", []string{
			`p.yaml:3:10: transforms[0].derive.x: derive x: cannot tell the column type of "coalesce(name, score)" (it gives interface {}); give it, e.g. x: {expr: "coalesce(name, score)", type: string}`}},
		{"derive compile error names entry", "transforms:\n  - derive:\n      a: \"year(name)\"\n      b: \"a + 1\"\n", []string{
			`p.yaml:3:10: transforms[0].derive.a: derive a: "year(name)": cannot use string as argument (type time.Time) to call year`}},
		{"independent errors all reported", "transforms:\n  - derive:\n      a: \"year(name)\"\n      c: \"nope + 1\"\n", []string{
			`transforms[0].derive.a: derive a: "year(name)"`,
			`p.yaml:4:10: transforms[0].derive.c: derive c: "nope + 1": unknown name nope (at character 1)`}},
		{"function argument count", "transforms:\n  - filter: \"left(name) == 'a'\"\n", []string{
			`not enough arguments to call left`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mustNew(t, tc.src).Bind(in)
			checkErrs(t, err, tc.want)
		})
	}
}

func batchOf(s *xcetl.Schema, rows ...[]any) *xcetl.Batch {
	b := &xcetl.Batch{Schema: s, Rows: rows}
	for i := range rows {
		b.Origin = append(b.Origin, xcetl.Origin{File: "a.csv", Line: i + 2})
	}
	return b
}

func TestFilterApply(t *testing.T) {
	in := mkSchema(col{"name", xcetl.KindString}, col{"score", xcetl.KindDecimal})
	tr := mustNew(t, "transforms:\n  - filter: \"score >= 60\"\n")
	out, err := tr.Bind(in)
	if err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatal("filter changed the schema")
	}
	b := batchOf(in,
		[]any{"a", xcetl.Decimal("60.00")},
		[]any{"b", xcetl.Decimal("59.99")},
		[]any{"c", nil},
		[]any{"d", xcetl.Decimal("100.00")},
		[]any{"e", xcetl.Decimal("1.00")},
	)
	b.Reject(4, "score", "earlier")
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if b.Filtered != 1 {
		t.Errorf("Filtered = %d, want 1", b.Filtered)
	}
	if len(b.Rejects) != 2 {
		t.Fatalf("rejects = %+v", b.Rejects)
	}
	r := b.Rejects[1]
	want := `filter "score >= 60": invalid operation: <nil> >= int (a value is NULL: use coalesce(column, default))`
	if r.Reason != want || r.Column != "" || r.Origin.Line != 4 {
		t.Errorf("reject = %+v\nwant reason %s", r, want)
	}
	b.Compact()
	var names []string
	for _, row := range b.Rows {
		names = append(names, row[0].(string))
	}
	if !reflect.DeepEqual(names, []string{"a", "d"}) {
		t.Fatalf("kept %v, want [a d]", names)
	}
}

func TestFilterNilAndAny(t *testing.T) {
	in := mkSchema(col{"ok", xcetl.KindBool}, col{"s", xcetl.KindString})
	tr := mustNew(t, "transforms:\n  - filter: \"coalesce(ok, s)\"\n") // static type any
	if _, err := tr.Bind(in); err != nil {
		t.Fatal(err)
	}
	b := batchOf(in, []any{true, nil}, []any{false, nil}, []any{nil, nil}, []any{nil, "x"})
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if b.Filtered != 2 || len(b.Rejects) != 1 || b.Rejects[0].Reason != `filter "coalesce(ok, s)": gave string x, not true/false` {
		t.Fatalf("filtered %d rejects %+v", b.Filtered, b.Rejects)
	}
	b.Compact()
	if len(b.Rows) != 1 || b.Rows[0][0] != true {
		t.Fatalf("rows = %v", b.Rows)
	}
}

func TestDeriveApply(t *testing.T) {
	in := mkSchema(
		col{"id", xcetl.KindInt},
		col{"name", xcetl.KindString},
		col{"birth_date", xcetl.KindDate},
		col{"score", xcetl.KindDecimal},
		col{"名称", xcetl.KindString},
		col{"名 称", xcetl.KindString},
		col{"date", xcetl.KindString},
		col{"count", xcetl.KindInt},
	)
	tr := mustNew(t, `transforms:
  - derive:
      birth_year: "year(birth_date)"
      name: "upper(name)"
      next_year: "birth_year + 1"
      half: "score / 2"
      label: "concat(名称, '-', $env[\"名 称\"], '-', id)"
      d: {expr: "date", type: date, format: "20060102"}
      d2: "date(date, '20060102')"
      n: "count * 2"
      passed: "score >= 60"
      initial: "left(name, 1)"
      tag: {expr: "id", type: string}
      amount: {expr: "score", type: "decimal(10,1)"}
`)
	out, err := tr.Bind(in)
	if err != nil {
		t.Fatal(err)
	}
	wantCols := []struct {
		name   string
		kind   xcetl.Kind
		source int
	}{
		{"id", xcetl.KindInt, 0}, {"name", xcetl.KindString, 1}, {"birth_date", xcetl.KindDate, 2},
		{"score", xcetl.KindDecimal, 3}, {"名称", xcetl.KindString, 4}, {"名 称", xcetl.KindString, 5},
		{"date", xcetl.KindString, 6}, {"count", xcetl.KindInt, 7},
		{"birth_year", xcetl.KindInt, -1}, {"next_year", xcetl.KindInt, -1}, {"half", xcetl.KindFloat, -1},
		{"label", xcetl.KindString, -1}, {"d", xcetl.KindDate, -1}, {"d2", xcetl.KindTimestamp, -1},
		{"n", xcetl.KindInt, -1}, {"passed", xcetl.KindBool, -1}, {"initial", xcetl.KindString, -1},
		{"tag", xcetl.KindString, -1}, {"amount", xcetl.KindDecimal, -1},
	}
	if len(out.Columns) != len(wantCols) {
		t.Fatalf("columns = %v", out.Names())
	}
	for i, w := range wantCols {
		c := out.Columns[i]
		if c.Name != w.name || c.Type.Kind != w.kind || c.Source != w.source {
			t.Errorf("column %d = %s %s source %d, want %s %s source %d", i, c.Name, c.Type.Kind, c.Source, w.name, w.kind, w.source)
		}
	}
	if len(in.Columns) != 8 {
		t.Fatal("input schema modified")
	}
	birth := time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC)
	b := batchOf(in,
		[]any{int64(7), "zhang", birth, xcetl.Decimal("88.50"), "甲", "乙", "20240102", int64(3)},
		[]any{int64(8), "li", nil, nil, nil, nil, "2024x", int64(1)},
		[]any{int64(9), "wang", birth, xcetl.Decimal("1.00"), "a", "b", "20240102", nil},
	)
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if b.Schema != out {
		t.Fatal("schema not set")
	}
	for i, row := range b.Rows {
		if len(row) != len(out.Columns) {
			t.Fatalf("row %d has %d values", i, len(row))
		}
	}
	want0 := []any{int64(7), "ZHANG", birth, xcetl.Decimal("88.50"), "甲", "乙", "20240102", int64(3),
		int64(1990), int64(1991), 44.25, "甲-乙-7", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), int64(6), true, "Z", "7", xcetl.Decimal("88.5")}
	if !reflect.DeepEqual(b.Rows[0], want0) {
		t.Errorf("row 0 =\n%#v\nwant\n%#v", b.Rows[0], want0)
	}
	wantRejects := []xcetl.Reject{
		{Column: "next_year", Reason: "derive next_year: invalid operation: <nil> + int (a value is NULL: use coalesce(column, default))"},
		{Column: "n", Reason: "derive n: invalid operation: <nil> * int (a value is NULL: use coalesce(column, default))"},
	}
	if len(b.Rejects) != len(wantRejects) {
		t.Fatalf("rejects = %+v", b.Rejects)
	}
	for i, w := range wantRejects {
		if r := b.Rejects[i]; r.Column != w.Column || r.Reason != w.Reason || r.Field != 0 {
			t.Errorf("reject %d = %+v, want %+v", i, r, w)
		}
	}
	// Row 1 got as far as birth_year (NULL, since year(NULL) is NULL).
	if b.Rows[1][8] != nil || b.Rows[1][1] != "LI" {
		t.Errorf("row 1 = %#v", b.Rows[1])
	}
	b.Compact()
	if len(b.Rows) != 1 {
		t.Fatalf("%d rows after Compact", len(b.Rows))
	}
	if d := tr.(transform.Describer).Describe(); !strings.Contains(d, "birth_year = year(birth_date), name = upper(name)") || !strings.Contains(d, "d = date (date)") {
		t.Errorf("Describe = %q", d)
	}
}

func TestDeriveConversionReject(t *testing.T) {
	in := mkSchema(col{"s", xcetl.KindString})
	tr := mustNew(t, "transforms:\n  - derive:\n      s: {expr: \"trim(s)\", type: int}\n")
	out, err := tr.Bind(in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Columns[0].Type.Kind != xcetl.KindInt || out.Columns[0].Source != 0 || len(out.Columns) != 1 {
		t.Fatalf("out = %+v", out.Columns)
	}
	b := batchOf(in, []any{" 12 "}, []any{"x"}, []any{nil})
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if len(b.Rejects) != 2 {
		t.Fatalf("rejects = %+v", b.Rejects)
	}
	if r := b.Rejects[0]; r.Reason != `derive s: "x" is not an int` || r.Column != "s" || r.Field != 1 {
		t.Errorf("reject = %+v", r)
	}
	// trim(nil) is an error in expr's own trim.
	if r := b.Rejects[1]; !strings.HasPrefix(r.Reason, "derive s: ") {
		t.Errorf("reject = %+v", r)
	}
	b.Compact()
	if !reflect.DeepEqual(b.Rows, [][]any{{int64(12)}}) {
		t.Errorf("rows = %#v", b.Rows)
	}
}

func TestDeriveRowsDoNotShareMemory(t *testing.T) {
	in := mkSchema(col{"a", xcetl.KindInt})
	tr := mustNew(t, "transforms:\n  - derive: {b: \"a * 10\"}\n")
	if _, err := tr.Bind(in); err != nil {
		t.Fatal(err)
	}
	// A source that slices rows out of one slab, leaving spare capacity
	// that belongs to the next row.
	slab := []any{int64(1), int64(2), int64(3)}
	b := batchOf(in, slab[0:1], slab[1:2], slab[2:3])
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	want := [][]any{{int64(1), int64(10)}, {int64(2), int64(20)}, {int64(3), int64(30)}}
	if !reflect.DeepEqual(b.Rows, want) {
		t.Fatalf("rows = %#v", b.Rows)
	}
}

// eval compiles src against the columns and runs it on row.
func eval(t *testing.T, src string, s *xcetl.Schema, row []any) (any, error) {
	t.Helper()
	p, err := compile(src, s, newFunctions(fixedNow))
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	st := &state{env: map[string]any{}}
	if err := st.load(p, row); err != nil {
		return nil, err
	}
	var m vm.VM
	return m.Run(p.prog, st.env)
}

func TestFunctions(t *testing.T) {
	s := mkSchema(col{"t", xcetl.KindTimestamp}, col{"s", xcetl.KindString}, col{"n", xcetl.KindInt}, col{"f", xcetl.KindFloat}, col{"b", xcetl.KindDate})
	ts := time.Date(2023, 11, 5, 8, 9, 10, 0, time.UTC)
	row := []any{ts, "张三丰abc", int64(2), 1.5, time.Date(1990, 3, 15, 0, 0, 0, 0, time.UTC)}
	nilRow := []any{nil, nil, nil, nil, nil}
	cases := []struct {
		src     string
		row     []any
		want    any
		wantErr string
	}{
		{src: "year(t)", want: int64(2023)},
		{src: "month(t)", want: int64(11)},
		{src: "day(t)", want: int64(5)},
		{src: "year(t)", row: nilRow, want: nil},
		{src: "substr(s, 1, 2)", want: "三丰"},
		{src: "substr(s, 0, 100)", want: "张三丰abc"},
		{src: "substr(s, 5, 10)", want: "c"},
		{src: "substr(s, 10, 2)", want: ""},
		{src: "substr(s, -3, 2)", want: "张三"},
		{src: "substr(s, 1, -1)", want: ""},
		{src: "substr(s, n)", want: "丰abc"},
		{src: "substr(s, n, n)", want: "丰a"},
		{src: "substr(s, 0, 1)", row: nilRow, want: nil},
		{src: "left(s, 2)", want: "张三"},
		{src: "left(s, 0)", want: ""},
		{src: "left(s, -1)", want: ""},
		{src: "left(s, 99)", want: "张三丰abc"},
		{src: "right(s, 2)", want: "bc"},
		{src: "right(s, 4)", want: "丰abc"},
		{src: "right(s, 99)", want: "张三丰abc"},
		{src: "right(s, 1)", row: nilRow, want: nil},
		{src: "now()", want: time.Date(2024, 3, 15, 10, 20, 30, 123456000, time.FixedZone("CST", 8*3600))},
		{src: "today()", want: time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)},
		{src: "coalesce(s, 'x')", row: nilRow, want: "x"},
		{src: "coalesce(s, 'x')", want: "张三丰abc"},
		{src: "coalesce(f, 0)", row: nilRow, want: 0.0}, // the literal takes the float overload
		{src: "coalesce(n, f, 9)", row: nilRow, want: 9.0},
		{src: "coalesce(s, s)", row: nilRow, want: nil},
		{src: "date('2024-02-29')", want: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{src: "date('2024-02-29 13:14:15')", want: time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)},
		{src: "date('2024年02月29日', '2006年01月02日')", want: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{src: "date('2023-02-29')", wantErr: `"2023-02-29" is not a timestamp`},
		{src: "date('29/02/2024', '2006-01-02')", wantErr: `date: "29/02/2024" does not match layout "2006-01-02"`},
		{src: "date(s)", row: nilRow, want: nil},
		{src: "age(b)", want: int64(34)},                                                                                   // birthday is today
		{src: "age(date('1990-03-16'))", want: int64(33)},                                                                  // tomorrow
		{src: "age(date('2000-02-29'))", want: int64(24)},                                                                  // leap-day birthday
		{src: "age(b)", row: nilRow, want: nil},                                                                            // NULL
		{src: "concat(s, '/', n, '/', f, '/', t, '/', b, '/', nil)", want: "张三丰abc/2/1.5/2023-11-05 08:09:10/1990-03-15/"}, //
		{src: "concat()", want: ""},
		{src: "upper(s) + lower('ABC')", want: "张三丰ABCabc"},
		{src: "len(s)", want: 6},
		{src: "f != nil && f > 1", row: nilRow, want: false},
		{src: "f != nil && f > 1", want: true},
		{src: `$env["s"] + $env[lower("S")]`, want: "张三丰abc张三丰abc"}, // dynamic: every column is loaded
		{src: `$env.n`, want: int64(2)},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			r := row
			if tc.row != nil {
				r = tc.row
			}
			got, err := eval(t, tc.src, s, r)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error %v, want %q", tc.src, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.src, err)
			}
			if wt, ok := tc.want.(time.Time); ok {
				gt, ok := got.(time.Time)
				if !ok || !gt.Equal(wt) || gt.Location().String() != wt.Location().String() {
					t.Fatalf("%s = %#v, want %v", tc.src, got, wt)
				}
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("%s = %#v (%T), want %#v (%T)", tc.src, got, got, tc.want, tc.want)
			}
		})
	}
}

func TestAgeAcrossYear(t *testing.T) {
	cases := []struct {
		now, birth time.Time
		want       int
	}{
		{time.Date(2023, 2, 28, 12, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), 22},
		{time.Date(2023, 3, 1, 12, 0, 0, 0, time.UTC), time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), 23},
		{time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), -1},
	}
	for _, tc := range cases {
		t.Run(tc.now.Format(time.DateOnly)+"/"+tc.birth.Format(time.DateOnly), func(t *testing.T) {
			got, err := newFunctions(tc.now).age(tc.birth)
			if err != nil || got != int64(tc.want) {
				t.Fatalf("age = %v, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestNowIsFixedPerBind(t *testing.T) {
	in := mkSchema(col{"a", xcetl.KindInt})
	tr := mustNew(t, "transforms:\n  - derive: {at: \"now()\"}\n")
	calls := 0
	tr.(*Derive).clock = func() time.Time { calls++; return fixedNow.Add(time.Duration(calls) * time.Hour) }
	out, err := tr.Bind(in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Columns[1].Type.Kind != xcetl.KindTimestamp {
		t.Fatalf("now() column is %s", out.Columns[1].Type)
	}
	var got []any
	for range 3 {
		b := batchOf(in, []any{int64(1)}, []any{int64(2)})
		if err := tr.Apply(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		got = append(got, b.Rows[0][1], b.Rows[1][1])
	}
	// The naive timestamp of now() is the local wall clock.
	want := time.Date(2024, 3, 15, 11, 20, 30, 123456000, time.UTC)
	for _, v := range got {
		if v != want {
			t.Fatalf("now() values %v, want all %v", got, want)
		}
	}
	if calls != 1 {
		t.Fatalf("clock read %d times, want once at Bind", calls)
	}
}

func TestConcurrentApply(t *testing.T) {
	in := mkSchema(col{"a", xcetl.KindInt}, col{"s", xcetl.KindString})
	filter := mustNew(t, "transforms:\n  - filter: \"a % 3 != 0\"\n")
	derive := mustNew(t, "transforms:\n  - derive: {b: \"a * 2\", c: \"concat(s, b)\"}\n")
	if _, err := filter.Bind(in); err != nil {
		t.Fatal(err)
	}
	if _, err := derive.Bind(in); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 50 {
				base := int64(g*100000 + round*100)
				rows := make([][]any, 100)
				for i := range rows {
					rows[i] = []any{base + int64(i), fmt.Sprint(base + int64(i))}
				}
				b := batchOf(in, rows...)
				if err := filter.Apply(context.Background(), b); err != nil {
					errs <- err
					return
				}
				if err := derive.Apply(context.Background(), b); err != nil {
					errs <- err
					return
				}
				b.Compact()
				for _, r := range b.Rows {
					a := r[0].(int64)
					if a%3 == 0 || r[2] != a*2 || r[3] != fmt.Sprint(a)+fmt.Sprint(a*2) {
						errs <- fmt.Errorf("row %v is wrong", r)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestApplySchemaMismatch(t *testing.T) {
	tr := mustNew(t, "transforms:\n  - filter: \"a > 1\"\n")
	if _, err := tr.Bind(mkSchema(col{"a", xcetl.KindInt})); err != nil {
		t.Fatal(err)
	}
	err := tr.Apply(context.Background(), batchOf(mkSchema(col{"a", xcetl.KindString})))
	if err == nil || !strings.Contains(err.Error(), `filter: batch column 1 is "a" (string), expected "a" (int)`) {
		t.Fatalf("Apply = %v", err)
	}
}

func benchApply(b *testing.B, src string, in *xcetl.Schema, mk func(i int) []any) {
	root, _ := config.Parse("p.yaml", []byte(src), nil)
	tr, err := transform.New(root.Get("transforms").Items[0], transform.Env{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tr.Bind(in); err != nil {
		b.Fatal(err)
	}
	src0 := make([][]any, 1000)
	for i := range src0 {
		src0[i] = mk(i)
	}
	rows := make([][]any, len(src0))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := range rows {
			rows[r] = append(rows[r][:0], src0[r]...)
		}
		batch := &xcetl.Batch{Schema: in, Rows: rows}
		if err := tr.Apply(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}

var benchSchema = mkSchema(col{"id", xcetl.KindInt}, col{"name", xcetl.KindString}, col{"birth_date", xcetl.KindDate},
	col{"score", xcetl.KindDecimal}, col{"c4", xcetl.KindString}, col{"c5", xcetl.KindString}, col{"c6", xcetl.KindString}, col{"c7", xcetl.KindString})

func benchRow(i int) []any {
	return []any{int64(i), "name", time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC), xcetl.Decimal("88.50"), "x", "y", "z", "w"}
}

// BenchmarkFilter is one 1000-row batch (ns/op is per batch).
func BenchmarkFilter(b *testing.B) {
	benchApply(b, "transforms:\n  - filter: \"score >= 60 && id % 2 == 0\"\n", benchSchema, benchRow)
}

// BenchmarkDerive is one 1000-row batch with two new columns.
func BenchmarkDerive(b *testing.B) {
	benchApply(b, "transforms:\n  - derive: {birth_year: \"year(birth_date)\", initial: \"left(name, 1)\"}\n", benchSchema, benchRow)
}

func TestReads(t *testing.T) {
	s := mkSchema(col{"a", xcetl.KindInt}, col{"date", xcetl.KindDate}, col{"名 称", xcetl.KindString}, col{"score", xcetl.KindDecimal}, col{"unused", xcetl.KindString})
	cases := []struct {
		src  string
		want []int
	}{
		{"a + 1", []int{0}},
		{"year(date) + a", []int{0, 1}},
		{`$env["名 称"] + 'x'`, []int{2}},
		{`$env.date`, []int{1}},
		{"score > 1", []int{3}},
		{`$env[string(a)] == nil`, []int{0, 1, 2, 3, 4}},
		{"1 + 2", nil},
	}
	for _, tc := range cases {
		t.Run(tc.src, func(t *testing.T) {
			p, err := compile(tc.src, s, newFunctions(fixedNow))
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, r := range p.reads {
				got = append(got, r.idx)
				if r.decimal != (r.idx == 3) {
					t.Errorf("column %d decimal = %v", r.idx, r.decimal)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("reads %v, want %v", got, tc.want)
			}
		})
	}
}
