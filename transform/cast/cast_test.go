package cast

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

// newFromYAML builds the first transform of a `transforms:` list.
func newFromYAML(t *testing.T, src string) (transform.Transform, error) {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte(src), nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return transform.New(root.Get("transforms").Items[0], transform.Env{})
}

func mustNew(t *testing.T, src string) transform.Transform {
	t.Helper()
	tr, err := newFromYAML(t, src)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string // every SpecError, as "line:col path: msg" fragments
	}{
		{
			name: "unknown type",
			src:  "transforms:\n  - cast:\n      id: integr\n",
			want: []string{`p.yaml:3:11: transforms[0].cast.id: unknown type "integr"`},
		},
		{
			name: "bad decimal",
			src:  "transforms:\n  - cast:\n      amount: \"decimal(50,2)\"\n",
			want: []string{`p.yaml:3:15: transforms[0].cast.amount: type "decimal(50,2)": precision must be 1..38`},
		},
		{
			name: "not a mapping",
			src:  "transforms:\n  - cast: [id, int]\n",
			want: []string{`p.yaml:2:11: transforms[0].cast: cast takes a mapping of column: type`},
		},
		{
			name: "list as type",
			src:  "transforms:\n  - cast:\n      id: [int]\n",
			want: []string{`p.yaml:3:11: transforms[0].cast.id: expected a type`},
		},
		{
			name: "missing to",
			src:  "transforms:\n  - cast:\n      d: {format: \"2006\"}\n",
			want: []string{`p.yaml:3:10: transforms[0].cast.d: missing required key "to"`},
		},
		{
			name: "unknown key with suggestion",
			src:  "transforms:\n  - cast:\n      d: {to: date, fromat: \"2006\"}\n",
			want: []string{`p.yaml:3:21: transforms[0].cast.d.fromat: unknown key "fromat" (did you mean "format"?)`},
		},
		{
			name: "YYYY layout",
			src:  "transforms:\n  - cast:\n      d: {to: date, format: YYYY-MM-DD}\n",
			want: []string{`p.yaml:3:29: transforms[0].cast.d.format: format "YYYY-MM-DD" is not a Go time layout`},
		},
		{
			name: "format on int",
			src:  "transforms:\n  - cast:\n      n: {to: int, format: \"2006\"}\n",
			want: []string{`transforms[0].cast.n.format: format applies only to date, timestamp, timestamptz and bytes, not int`},
		},
		{
			name: "tz on date",
			src:  "transforms:\n  - cast:\n      d: {to: date, tz: Asia/Shanghai}\n",
			want: []string{`p.yaml:3:25: transforms[0].cast.d.tz: tz applies only to timestamptz, not date`},
		},
		{
			name: "unknown tz",
			src:  "transforms:\n  - cast:\n      d: {to: timestamptz, tz: Asia/Shangai}\n",
			want: []string{`p.yaml:3:32: transforms[0].cast.d.tz: unknown time zone "Asia/Shangai"`},
		},
		{
			name: "every problem reported",
			src:  "transforms:\n  - cast:\n      a: nope\n      b: int\n      c: {to: bytes, format: base32}\n",
			want: []string{
				`p.yaml:3:10: transforms[0].cast.a: unknown type "nope"`,
				`p.yaml:5:30: transforms[0].cast.c.format: unknown bytes format "base32"`,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newFromYAML(t, tc.src)
			var errs xcetl.SpecErrors
			if !errors.As(err, &errs) {
				t.Fatalf("New error = %v, want SpecErrors", err)
			}
			if !errors.Is(err, xcetl.ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid")
			}
			if len(errs) != len(tc.want) {
				t.Fatalf("got %d errors:\n%v\nwant %d", len(errs), err, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i].Error(), w)
				}
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	tr := mustNew(t, `transforms:
  - cast:
      id: int
      birth: {to: date, format: "2006年01月02日"}
      seen: {to: date, format: ["20060102", "2006/1/2"]}
      at: {to: timestamptz, tz: Asia/Shanghai}
      blob: {to: bytes, format: base64}
      amount: "decimal(10,2)"
`)
	d := tr.(transform.Describer).Describe()
	for _, w := range []string{"id → int", "birth → date (format 2006年01月02日)", "seen → date (format 20060102, 2006/1/2)", "at → timestamptz (tz Asia/Shanghai)", "amount → decimal(10,2)"} {
		if !strings.Contains(d, w) {
			t.Errorf("Describe() = %q, want it to contain %q", d, w)
		}
	}
}

func TestBind(t *testing.T) {
	in := xcetl.NewStringSchema([]string{"id", "name", "birth_date"})
	t.Run("types set", func(t *testing.T) {
		tr := mustNew(t, "transforms:\n  - cast: {id: int, birth_date: date}\n")
		out, err := tr.Bind(in)
		if err != nil {
			t.Fatal(err)
		}
		if out == in {
			t.Fatal("Bind modified the input schema in place")
		}
		if in.Columns[0].Type.Kind != xcetl.KindString {
			t.Fatal("input schema changed")
		}
		want := []xcetl.Kind{xcetl.KindInt, xcetl.KindString, xcetl.KindDate}
		for i, k := range want {
			if out.Columns[i].Type.Kind != k {
				t.Errorf("column %d kind = %s, want %s", i, out.Columns[i].Type.Kind, k)
			}
			if out.Columns[i].Source != i {
				t.Errorf("column %d lost its source position", i)
			}
		}
	})
	t.Run("unknown column", func(t *testing.T) {
		tr := mustNew(t, "transforms:\n  - cast:\n      id: int\n      brith_date: date\n")
		_, err := tr.Bind(in)
		want := `p.yaml:4:7: transforms[0].cast.brith_date: unknown column "brith_date" (did you mean "birth_date"?); input columns: id, name, birth_date`
		if err == nil || err.Error() != want {
			t.Fatalf("Bind error = %v\nwant %s", err, want)
		}
		if !errors.Is(err, xcetl.ErrInvalid) {
			t.Fatal("Bind error is not ErrInvalid")
		}
	})
	t.Run("long column list is cut", func(t *testing.T) {
		names := make([]string, 30)
		for i := range names {
			names[i] = "c" + itoa(i)
		}
		tr := mustNew(t, "transforms:\n  - cast: {zzz: int}\n")
		_, err := tr.Bind(xcetl.NewStringSchema(names))
		if err == nil || !strings.Contains(err.Error(), "c19, … (10 more)") {
			t.Fatalf("Bind error = %v", err)
		}
	})
}

func newBatch(schema *xcetl.Schema, rows ...[]any) *xcetl.Batch {
	b := &xcetl.Batch{Schema: schema, Rows: rows}
	for i, r := range rows {
		raw := make([]string, len(r))
		for j, v := range r {
			raw[j], _ = v.(string)
		}
		b.Raw = append(b.Raw, raw)
		b.Origin = append(b.Origin, xcetl.Origin{File: "a.csv", Line: i + 2})
	}
	return b
}

func TestApply(t *testing.T) {
	in := xcetl.NewStringSchema([]string{"id", "name", "birth_date", "score"})
	tr := mustNew(t, `transforms:
  - cast: {id: int, birth_date: date, score: "decimal(5,1)"}
`)
	out, err := tr.Bind(in)
	if err != nil {
		t.Fatal(err)
	}
	b := newBatch(in,
		[]any{"1", "张三", "1990-03-07", "88.25"},
		[]any{"2", "李四", "1990-13-01", "70"},
		[]any{"x3", "王五", "1990-01-01", "70"},
		[]any{"4", "赵六", nil, " "},
		[]any{"5", "孙七", "2000-01-01", "10000"},
	)
	b.Filter(4) // already marked: must be left alone
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if b.Schema != out {
		t.Fatal("Apply did not set the output schema")
	}
	wantRejects := []xcetl.Reject{
		{Column: "birth_date", Field: 3, Reason: `cast birth_date: "1990-13-01" is not a date (format 2006-01-02)`},
		{Column: "id", Field: 1, Reason: `cast id: "x3" is not an int`},
	}
	if len(b.Rejects) != len(wantRejects) {
		t.Fatalf("rejects = %+v", b.Rejects)
	}
	for i, w := range wantRejects {
		r := b.Rejects[i]
		if r.Column != w.Column || r.Field != w.Field || r.Reason != w.Reason {
			t.Errorf("reject %d = %+v, want %+v", i, r, w)
		}
	}
	if b.Rejects[0].Origin.Line != 3 || b.Rejects[0].Raw[2] != "1990-13-01" {
		t.Errorf("reject lost its origin or raw values: %+v", b.Rejects[0])
	}
	if b.Rows[4][0] != "5" {
		t.Errorf("filtered row was converted: %#v", b.Rows[4])
	}
	b.Compact()
	if len(b.Rows) != 2 || b.Filtered != 1 {
		t.Fatalf("after Compact: %d rows, %d filtered", len(b.Rows), b.Filtered)
	}
	want := [][]any{
		{int64(1), "张三", day(1990, 3, 7), xcetl.Decimal("88.3")},
		{int64(4), "赵六", nil, nil},
	}
	for i, w := range want {
		for j := range w {
			if !equalValue(b.Rows[i][j], w[j]) {
				t.Errorf("row %d col %d = %#v, want %#v", i, j, b.Rows[i][j], w[j])
			}
		}
	}
	if b.Origin[1].Line != 5 {
		t.Errorf("origins not compacted with rows: %+v", b.Origin)
	}
}

func TestApplySchemaMismatch(t *testing.T) {
	tr := mustNew(t, "transforms:\n  - cast: {id: int}\n")
	if _, err := tr.Bind(xcetl.NewStringSchema([]string{"id", "name"})); err != nil {
		t.Fatal(err)
	}
	// An equal schema in another object is fine.
	if err := tr.Apply(context.Background(), newBatch(xcetl.NewStringSchema([]string{"id", "name"}), []any{"1", "a"})); err != nil {
		t.Fatalf("equal schema refused: %v", err)
	}
	err := tr.Apply(context.Background(), newBatch(xcetl.NewStringSchema([]string{"name", "id"}), []any{"a", "1"}))
	if err == nil || !strings.Contains(err.Error(), `cast: batch column 1 is "name" (string), expected "id" (string)`) {
		t.Fatalf("Apply error = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.Apply(ctx, newBatch(xcetl.NewStringSchema([]string{"id", "name"}))); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply on cancelled context = %v", err)
	}
}

func TestApplyTimestampTZOption(t *testing.T) {
	tr := mustNew(t, "transforms:\n  - cast: {at: {to: timestamptz, tz: Asia/Shanghai}}\n")
	in := xcetl.NewStringSchema([]string{"at"})
	if _, err := tr.Bind(in); err != nil {
		t.Fatal(err)
	}
	b := newBatch(in, []any{"2024-03-15 10:00:00"}, []any{"2024-03-15T02:00:00Z"})
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 3, 15, 10, 0, 0, 0, shanghai)
	for i := range b.Rows {
		if got := b.Rows[i][0].(time.Time); !got.Equal(want) || got.Location().String() != "Asia/Shanghai" {
			t.Errorf("row %d = %v, want %v", i, got, want)
		}
	}
}

func benchConvert(b *testing.B, typ string, opts Options, inputs []string) {
	c, err := NewConverter(mustType(b, typ), opts)
	if err != nil {
		b.Fatal(err)
	}
	vals := make([]any, len(inputs))
	for i, s := range inputs {
		vals[i] = s
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Convert(vals[i%len(vals)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConvertInt(b *testing.B) {
	benchConvert(b, "int", Options{}, []string{"1", "123456", "-987654321", "42.00"})
}

func BenchmarkConvertDecimal(b *testing.B) {
	benchConvert(b, "decimal(10,2)", Options{}, []string{"12.50", "1234.5", "-0.005", "99999999.99", "7"})
}

func BenchmarkConvertDate(b *testing.B) {
	benchConvert(b, "date", Options{}, []string{"1990-03-07", "2000-02-29", "2024-12-31"})
}

func BenchmarkConvertDateLayout(b *testing.B) {
	benchConvert(b, "date", Options{Formats: []string{"2006年01月02日"}}, []string{"1990年03月07日", "2024年12月31日"})
}

func BenchmarkConvertTimestamp(b *testing.B) {
	benchConvert(b, "timestamp", Options{}, []string{"2024-03-15 10:20:30", "2024-03-15T10:20:30.123456"})
}

// BenchmarkApply is one batch of 1000 rows with four casts, the shape of a
// typical load (ns/op is per batch).
func BenchmarkApply(b *testing.B) {
	in := xcetl.NewStringSchema([]string{"id", "name", "birth", "score", "at"})
	root, _ := config.Parse("p.yaml", []byte(`transforms:
  - cast: {id: int, birth: date, score: "decimal(10,2)", at: timestamp}
`), nil)
	tr, err := transform.New(root.Get("transforms").Items[0], transform.Env{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tr.Bind(in); err != nil {
		b.Fatal(err)
	}
	src := make([][]any, 1000)
	for i := range src {
		src[i] = []any{"123456", "name", "1990-03-07", "88.5", "2024-03-15 10:20:30"}
	}
	rows := make([][]any, len(src))
	for i := range rows {
		rows[i] = make([]any, 5)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for r := range rows {
			copy(rows[r], src[r])
		}
		batch := &xcetl.Batch{Schema: in, Rows: rows}
		if err := tr.Apply(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
}
