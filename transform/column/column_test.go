package column

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

func newFromYAML(t *testing.T, src string) (transform.Transform, error) {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte(src), func(name string) (string, bool) {
		if name == "FILL" {
			return "secret-ish", true
		}
		return "", false
	})
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
			t.Errorf("error %d = %q, want it to contain %q", i, errs[i].Error(), w)
		}
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"rename list", "transforms:\n  - rename: [a, b]\n", []string{`p.yaml:2:13: transforms[0].rename: rename takes a mapping of old: new column names`}},
		{"rename empty new name", "transforms:\n  - rename:\n      a: \"\"\n      b: {x: y}\n", []string{
			`p.yaml:3:10: transforms[0].rename.a: expected the new name of column "a"`,
			`p.yaml:4:10: transforms[0].rename.b: expected a column name, got a mapping`,
		}},
		{"drop mapping", "transforms:\n  - drop: {a: 1}\n", []string{`p.yaml:2:11: transforms[0].drop: drop takes a column name or a list of them`}},
		{"drop empty list", "transforms:\n  - drop: []\n", []string{`transforms[0].drop: drop takes a column name or a list of them`}},
		{"drop duplicate", "transforms:\n  - drop:\n      - a\n      - b\n      - a\n", []string{`p.yaml:5:9: transforms[0].drop[2]: column "a" is listed twice (first at line 3)`}},
		{"drop nested list", "transforms:\n  - drop: [a, [b]]\n", []string{`transforms[0].drop[1]: expected a column name, got a list`}},
		{"default list", "transforms:\n  - default: [a]\n", []string{`p.yaml:2:14: transforms[0].default: default takes a mapping of column: value`}},
		{"default null value", "transforms:\n  - default:\n      phone:\n", []string{`transforms[0].default.phone: expected the default value of column "phone", got a null`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := newFromYAML(t, tc.src)
			if tr != nil {
				t.Errorf("New returned a transform with an error")
			}
			checkErrs(t, err, tc.want)
		})
	}
}

func schema(names ...string) *xcetl.Schema { return xcetl.NewStringSchema(names) }

func TestRename(t *testing.T) {
	in := schema("编号", "姓名", "phone")
	t.Run("renames keep order and source", func(t *testing.T) {
		tr := mustNew(t, "transforms:\n  - rename: {姓名: name, 编号: id}\n")
		out, err := tr.Bind(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Names(); !reflect.DeepEqual(got, []string{"id", "name", "phone"}) {
			t.Fatalf("names = %v", got)
		}
		if out.Columns[1].Source != 1 || in.Columns[0].Name != "编号" {
			t.Fatal("source lost or input modified")
		}
		b := &xcetl.Batch{Schema: in, Rows: [][]any{{"1", "张三", nil}}}
		if err := tr.Apply(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if b.Schema != out || b.Rows[0][1] != "张三" {
			t.Fatalf("Apply: schema %v rows %v", b.Schema.Names(), b.Rows)
		}
		if d := tr.(transform.Describer).Describe(); d != "rename 姓名 → name, 编号 → id" {
			t.Errorf("Describe = %q", d)
		}
	})
	t.Run("swap", func(t *testing.T) {
		tr := mustNew(t, "transforms:\n  - rename: {姓名: phone, phone: 姓名}\n")
		out, err := tr.Bind(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Names(); !reflect.DeepEqual(got, []string{"编号", "phone", "姓名"}) {
			t.Fatalf("names = %v", got)
		}
	})
	bindErrs := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown with suggestion", "transforms:\n  - rename:\n      phnoe: mobile\n      xyz: q\n", []string{
			`p.yaml:3:7: transforms[0].rename.phnoe: unknown column "phnoe" (did you mean "phone"?); input columns: 编号, 姓名, phone`,
			`p.yaml:4:7: transforms[0].rename.xyz: unknown column "xyz"; input columns`,
		}},
		{"collides with existing", "transforms:\n  - rename:\n      姓名: phone\n", []string{
			`p.yaml:3:7: transforms[0].rename.姓名: renaming gives two columns named "phone" (input columns "姓名" and "phone")`,
		}},
		{"two to one", "transforms:\n  - rename:\n      编号: x\n      姓名: x\n", []string{
			`p.yaml:3:7: transforms[0].rename.编号: renaming gives two columns named "x" (input columns "编号" and "姓名")`,
		}},
	}
	for _, tc := range bindErrs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mustNew(t, tc.src).Bind(in)
			checkErrs(t, err, tc.want)
		})
	}
}

func TestDrop(t *testing.T) {
	in := schema("a", "tmp", "b", "note")
	for _, src := range []string{
		"transforms:\n  - drop: [tmp, note]\n",
		"transforms:\n  - drop: [note, tmp]\n",
	} {
		tr := mustNew(t, src)
		out, err := tr.Bind(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Names(); !reflect.DeepEqual(got, []string{"a", "b"}) {
			t.Fatalf("names = %v", got)
		}
		if out.Columns[1].Source != 2 {
			t.Fatalf("b lost its source position: %+v", out.Columns[1])
		}
		b := &xcetl.Batch{Schema: in, Rows: [][]any{{"1", "x", "2", "y"}, {"3", nil, nil, "z"}}}
		b.Reject(1, "a", "earlier reject")
		if err := tr.Apply(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		want := [][]any{{"1", "2"}, {"3", nil}}
		if !reflect.DeepEqual(b.Rows, want) || b.Schema != out {
			t.Fatalf("rows = %v", b.Rows)
		}
		if full := b.Rows[0][:4]; full[2] != nil || full[3] != nil {
			t.Errorf("dropped values still referenced by the row's backing array: %v", full)
		}
		b.Compact()
		if !reflect.DeepEqual(b.Rows, [][]any{{"1", "2"}}) {
			t.Fatalf("after Compact rows = %v", b.Rows)
		}
	}
	t.Run("single scalar", func(t *testing.T) {
		out, err := mustNew(t, "transforms:\n  - drop: tmp\n").Bind(in)
		if err != nil || !reflect.DeepEqual(out.Names(), []string{"a", "b", "note"}) {
			t.Fatalf("Bind = %v, %v", out, err)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		_, err := mustNew(t, "transforms:\n  - drop: [tmpp]\n").Bind(in)
		checkErrs(t, err, []string{`p.yaml:2:12: transforms[0].drop[0]: unknown column "tmpp" (did you mean "tmp"?)`})
	})
	t.Run("everything", func(t *testing.T) {
		_, err := mustNew(t, "transforms:\n  - drop: [a, tmp, b, note]\n").Bind(in)
		checkErrs(t, err, []string{`transforms[0].drop[0]: drop would remove every column`})
	})
	t.Run("ragged row", func(t *testing.T) {
		tr := mustNew(t, "transforms:\n  - drop: tmp\n")
		if _, err := tr.Bind(in); err != nil {
			t.Fatal(err)
		}
		err := tr.Apply(context.Background(), &xcetl.Batch{Schema: in, Rows: [][]any{{"1"}}})
		if err == nil || !strings.Contains(err.Error(), "drop: row 0 has 1 values for 4 columns") {
			t.Fatalf("Apply = %v", err)
		}
	})
}

func TestDefault(t *testing.T) {
	in := &xcetl.Schema{Columns: []xcetl.Column{
		{Name: "phone", Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true},
		{Name: "n", Type: xcetl.Type{Kind: xcetl.KindInt}, Nullable: true},
		{Name: "d", Type: xcetl.Type{Kind: xcetl.KindDate}, Nullable: true},
		{Name: "amount", Type: xcetl.Type{Kind: xcetl.KindDecimal, Precision: 10, Scale: 2}, Nullable: true},
		{Name: "ok", Type: xcetl.Type{Kind: xcetl.KindBool}, Nullable: true},
		{Name: "blob", Type: xcetl.Type{Kind: xcetl.KindBytes}, Nullable: true},
	}}
	tr := mustNew(t, `transforms:
  - default: {phone: "未登记", n: 0, d: "2024-01-01", amount: 1.5, ok: no, blob: x}
`)
	out, err := tr.Bind(in)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range out.Columns {
		if c.Nullable || !in.Columns[i].Nullable {
			t.Errorf("column %s: nullable out=%v in=%v, want false/true", c.Name, c.Nullable, in.Columns[i].Nullable)
		}
	}
	b := &xcetl.Batch{Schema: in, Rows: [][]any{
		{nil, nil, nil, nil, nil, nil},
		{"138", int64(5), time.Date(2020, 2, 2, 0, 0, 0, 0, time.UTC), xcetl.Decimal("2.00"), true, []byte("y")},
		{nil, nil, nil, nil, nil, nil},
		{nil, nil, nil, nil, nil, nil},
	}}
	b.Filter(2)
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{"未登记", int64(0), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), xcetl.Decimal("1.50"), false, []byte("x")},
		{"138", int64(5), time.Date(2020, 2, 2, 0, 0, 0, 0, time.UTC), xcetl.Decimal("2.00"), true, []byte("y")},
		{nil, nil, nil, nil, nil, nil},
		{"未登记", int64(0), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), xcetl.Decimal("1.50"), false, []byte("x")},
	}
	if !reflect.DeepEqual(b.Rows, want) {
		t.Fatalf("rows =\n%#v\nwant\n%#v", b.Rows, want)
	}
	b.Rows[0][5].([]byte)[0] = 'Z'
	if !bytes.Equal(b.Rows[3][5].([]byte), []byte("x")) {
		t.Fatal("rows share one default []byte")
	}
	if b.Schema != out {
		t.Fatal("schema not set")
	}

	t.Run("bind errors", func(t *testing.T) {
		tr := mustNew(t, `transforms:
  - default:
      n: abc
      d: "2024-13-01"
      amount: "123456789012"
      phnoe: x
      ok: ""
`)
		_, err := tr.Bind(in)
		checkErrs(t, err, []string{
			`p.yaml:3:10: transforms[0].default.n: default for column "n" (int): value "abc" does not convert: "abc" is not an int`,
			`p.yaml:4:10: transforms[0].default.d: default for column "d" (date): value "2024-13-01" does not convert: "2024-13-01" is not a date (format 2006-01-02)`,
			`p.yaml:5:15: transforms[0].default.amount: default for column "amount" (decimal(10,2)): value "123456789012" does not convert: value "123456789012" does not fit decimal(10,2)`,
			`p.yaml:6:7: transforms[0].default.phnoe: unknown column "phnoe" (did you mean "phone"?)`,
			`p.yaml:7:11: transforms[0].default.ok: default for column "ok" (bool): value "" does not convert: an empty value is NULL`,
		})
	})
	t.Run("explain shows the value as written", func(t *testing.T) {
		tr := mustNew(t, "transforms:\n  - default: {phone: \"${FILL}\"}\n")
		out, err := tr.Bind(in)
		if err != nil {
			t.Fatal(err)
		}
		b := &xcetl.Batch{Schema: in, Rows: [][]any{{nil, nil, nil, nil, nil, nil}}}
		if err := tr.Apply(context.Background(), b); err != nil || b.Rows[0][0] != "secret-ish" || b.Schema != out {
			t.Fatalf("Apply: %v %v", err, b.Rows)
		}
		if d := tr.(transform.Describer).Describe(); d != `default phone = "${FILL}"` {
			t.Fatalf("Describe = %q", d)
		}
	})
}

func TestBuildFromGo(t *testing.T) {
	in := &xcetl.Schema{Columns: []xcetl.Column{{Name: "a"}, {Name: "tmp"}}}
	tr, err := transform.Build("drop", DropSpec{"tmp"}, "transforms[0].drop", transform.Env{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := tr.Bind(in)
	if err != nil || len(out.Columns) != 1 || out.Columns[0].Name != "a" {
		t.Fatalf("Bind = %v, %v", out, err)
	}
	_, err = transform.Build("drop", DropSpec{"a", "a"}, "transforms[0].drop", transform.Env{})
	checkErrs(t, err, []string{`transforms[0].drop: column "a" is listed twice (first at item 1)`})
	_, err = transform.Build("rename", RenameSpec{"a": ""}, "transforms[1].rename", transform.Env{})
	checkErrs(t, err, []string{`transforms[1].rename.a: expected the new name of column "a"`})
	if _, err := transform.Build("drop", RenameSpec{}, "x", transform.Env{}); err == nil {
		t.Fatal("a spec of the wrong type was accepted")
	}
}
