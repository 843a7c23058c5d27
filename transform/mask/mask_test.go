package mask

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

func newFromYAML(t *testing.T, src string) (transform.Transform, error) {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte(src), nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return transform.New(root.Get("transforms").Items[0], transform.Env{})
}

// TestSpecTable checks every case of the mask table in PIPELINE-SPEC.md,
// and the edges around it.
func TestSpecTable(t *testing.T) {
	cases := []struct{ rule, in, want string }{
		{"idcard", "11010119900307777X", "110101********777X"},
		{"mobile", "13812345678", "138****5678"},
		{"name", "张三", "张*"},
		{"name", "王小明", "王**"},
		{"name", "欧阳娜娜", "欧阳**"},
		{"bankcard", "6222021234567890123", "***************0123"},
		{"address", "北京市朝阳区建国路88号", "北京市朝阳区****"},
		// Edges: compound surnames, short values, ASCII.
		{"name", "诸葛亮", "诸葛*"},
		{"name", "司马相如", "司马**"},
		{"name", "上官婉儿", "上官**"},
		{"name", "欧阳", "欧*"},
		{"name", "宗政伟", "宗**"}, // ambiguous: treated as a one-character surname
		{"name", "令狐冲", "令狐*"},
		{"name", "夏侯惇", "夏侯*"},
		{"name", "慕容复", "慕容*"},
		{"name", "东方不败", "东方**"},
		{"name", "张", "*"},
		{"name", "Li Lei", "L*****"},
		{"address", "朝阳区", "朝****"},
		{"address", "Beijing Road 1", "Beijin****"},
		{"mobile", "1381234", "*******"},
		{"idcard", "110101199003", "110101**9003"},
		{"idcard", "1101019003", "**********"},
	}
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.in, func(t *testing.T) {
			r, ok := Named(tc.rule)
			if !ok {
				t.Fatalf("no rule %q", tc.rule)
			}
			if got := r.Mask(tc.in); got != tc.want {
				t.Fatalf("%s(%q) = %q, want %q", tc.rule, tc.in, got, tc.want)
			}
		})
	}
}

func TestKeep(t *testing.T) {
	cases := []struct {
		k        Keep
		in, want string
	}{
		{Keep{1, 1, '*'}, "张三丰", "张*丰"},
		{Keep{2, 0, '#'}, "北京市海淀区", "北京####"},
		{Keep{0, 0, '*'}, "abc", "***"},
		{Keep{2, 2, '*'}, "abcd", "****"},
		{Keep{1, 2, '●'}, "a中文字b", "a●●字b"},
	}
	for _, tc := range cases {
		if got := tc.k.Mask(tc.in); got != tc.want {
			t.Errorf("%v.Mask(%q) = %q, want %q", tc.k, tc.in, got, tc.want)
		}
	}
}

func TestTransform(t *testing.T) {
	tr, err := newFromYAML(t, `transforms:
  - mask: {name: name, phone: mobile, id_card: idcard, address: address, n: {keep_left: 1, keep_right: 1, char: "#"}}
`)
	if err != nil {
		t.Fatal(err)
	}
	in := xcetl.NewStringSchema([]string{"name", "phone", "id_card", "address", "n"})
	in.Columns[4].Type = xcetl.Type{Kind: xcetl.KindInt}
	out, err := tr.Bind(in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Columns[4].Type.Kind != xcetl.KindString || in.Columns[4].Type.Kind != xcetl.KindInt {
		t.Fatal("types")
	}
	b := &xcetl.Batch{Schema: in, Rows: [][]any{
		{"欧阳娜娜", "13812345678", "11010119900307777X", "北京市朝阳区建国路88号", int64(12345)},
		{nil, "", nil, "", nil},
	}}
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	want := []any{"欧阳**", "138****5678", "110101********777X", "北京市朝阳区****", "1###5"}
	for i, w := range want {
		if b.Rows[0][i] != w {
			t.Errorf("column %d = %v, want %v", i, b.Rows[0][i], w)
		}
	}
	for i, w := range []any{nil, "", nil, "", nil} {
		if b.Rows[1][i] != w {
			t.Errorf("NULL/empty column %d = %#v, want %#v", i, b.Rows[1][i], w)
		}
	}
	if d := tr.(transform.Describer).Describe(); !strings.Contains(d, "phone: keep 3 + 4") {
		t.Errorf("Describe = %q", d)
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"unknown rule", "transforms:\n  - mask: {phone: mobil}\n", `p.yaml:2:19: transforms[0].mask.phone: unknown rule "mobil" (did you mean "mobile"?); one of: idcard (keep 6 + 4), mobile (keep 3 + 4), name (keep the surname, a compound one whole), bankcard (keep the last 4), address (the first 6 characters, then ****); or a mapping of keep_left, keep_right, char`},
		{"not a map", "transforms:\n  - mask: [phone]\n", `mask takes a mapping of column: rule`},
		{"bad char", "transforms:\n  - mask: {a: {keep_left: 1, char: \"**\"}}\n", `char must be one character, got "**"`},
		{"negative", "transforms:\n  - mask: {a: {keep_left: -1}}\n", `p.yaml:2:27: transforms[0].mask.a.keep_left: keep_left must be at least 0, not -1`},
		{"rule and keep", "transforms:\n  - mask: {a: {rule: name, keep_left: 1}}\n", `transforms[0].mask.a.rule: rule name is a built-in rule; keep_left, keep_right and char are for the generic rule without it`},
		{"typo", "transforms:\n  - mask: {a: {keep_lft: 1}}\n", `unknown key "keep_lft" (did you mean "keep_left"?)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newFromYAML(t, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, xcetl.ErrInvalid) {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
		})
	}
	tr, _ := newFromYAML(t, "transforms:\n  - mask: {phon: mobile}\n")
	if _, err := tr.Bind(xcetl.NewStringSchema([]string{"phone"})); err == nil || !strings.Contains(err.Error(), `did you mean "phone"`) {
		t.Fatalf("Bind: %v", err)
	}
}

// FuzzMask: every rule takes any text without panicking; the keep rules
// write exactly one character per input character, and what they keep is
// the input's own characters.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"欧阳娜娜", "13812345678", "北京市朝阳区建国路88号", "", "\xff", "a"} {
		f.Add(s, uint8(3), uint8(4))
	}
	f.Fuzz(func(t *testing.T, s string, l, r uint8) {
		if s == "" {
			return
		}
		n := utf8.RuneCountInString(s)
		k := Keep{Left: int(l % 20), Right: int(r % 20), Char: '*'}
		out := k.Mask(s)
		if utf8.RuneCountInString(out) != n {
			t.Fatalf("Keep%v(%q) = %q: %d characters for %d", k, s, out, utf8.RuneCountInString(out), n)
		}
		if n > k.Left+k.Right && k.Left+k.Right > 0 && !strings.HasPrefix(out, string([]rune(s)[:k.Left])) {
			t.Fatalf("Keep%v(%q) = %q does not keep the left", k, s, out)
		}
		if got := (Name{}).Mask(s); utf8.RuneCountInString(got) != n || !strings.HasSuffix(got, "*") {
			t.Fatalf("name(%q) = %q", s, got)
		}
		if got := (Address{}).Mask(s); !strings.HasSuffix(got, "****") || utf8.RuneCountInString(got) > 10 {
			t.Fatalf("address(%q) = %q", s, got)
		}
	})
}
