package validate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

func TestValidators(t *testing.T) {
	cases := []struct {
		rule, in string
		want     string // "" = valid, else a fragment of the reason
	}{
		{"idcard", "11010519491231002X", ""}, // GB 11643-1999's own example
		{"idcard", "11010519491231002x", ""},
		{"idcard", "110101199003077774", ""},
		{"idcard", "11010119900307777X", "wrong check digit"}, // the spec's mask example is not a valid ID
		{"idcard", "110101199003077770", "wrong check digit"},
		{"idcard", "11010119900230777X", "birth date (characters 7-14) is not a date"},
		{"idcard", "11010129900307777X", "birth date"},
		{"idcard", "110101199003077", "must be 18 characters, got 15 characters"},
		{"idcard", "11010519491231002Ｘ", "character 18 is not an ASCII character (full-width?)"},
		{"idcard", "１１０１０５１９４９１２３１００２Ｘ", "character 1 is not an ASCII character"},
		{"idcard", "张三张三张三", "character 1 is not a digit"},
		{"idcard", "110105194902300021", "birth date"}, // 30 February
		{"idcard", "110105219912310025", "birth date"}, // year 2199: in the future
		{"idcard", "810000199001010011", "wrong check digit"},
		{"idcard", "810000199001010019", ""}, // Hong Kong residence permit prefix 81
		{"mobile", "１3812345678", "character 1 is not an ASCII digit (full-width?)"},
		{"mobile", "138 1234 5678", "must be 11 digits, got 13 characters"},
		{"uscc", "91350100M000100Y43", ""}, // GB 32100-2015's own example
		{"uscc", "91350100m000100Y43", "character 9 is not allowed"},
		{"idcard", "1101011990030777AX", "character 17 is not a digit"},
		{"idcard", "99010119900307777X", "unknown province code 99"},
		{"idcard", "11010119900307777Y", "last character must be a digit or X"},
		{"mobile", "13812345678", ""},
		{"mobile", "19912345678", ""},
		{"mobile", "12812345678", "must start with 13-19"},
		{"mobile", "1381234567", "must be 11 digits, got 10"},
		{"mobile", "1381234567a", "character 11 is not a digit"},
		{"mobile", "+8613812345", "character 1 is not a digit"},
		{"uscc", "91110108551385082Q", ""},
		{"uscc", "91330100799655058B", ""},
		{"uscc", "9144030071526726XG", ""},
		{"uscc", "91110108551385082R", "wrong check character"},
		{"uscc", "9111010855138508IQ", "character 17 is not allowed"},
		{"uscc", "91110108551385082", "must be 18 characters"},
		{"email", "zhang.san@example.com.cn", ""},
		{"email", "a+b@x-y.org", ""},
		{"email", "zhang san@example.com", "not an e-mail address"},
		{"email", "zhang@example", "not an e-mail address"},
		{"email", "a..b@example.com", "not an e-mail address"},
		{"email", "@example.com", "not an e-mail address"},
		{"regex:^[0-9]{6}$", "100020", ""},
		{"regex:^[0-9]{6}$", "10002", "does not match"},
		{"not_null", "x", ""},
		{"not_null", "  ", "value is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.in, func(t *testing.T) {
			v, err := New(tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			got := v.Check(tc.in)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Fatalf("%s(%q) = %q, want %q", tc.rule, tc.in, got, tc.want)
			}
			if got != "" && strings.Contains(got, tc.in) {
				t.Fatalf("reason quotes the value: %q", got)
			}
		})
	}
}

func newFromYAML(t *testing.T, src string) (transform.Transform, error) {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte(src), nil)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return transform.New(root.Get("transforms").Items[0], transform.Env{})
}

func TestTransform(t *testing.T) {
	tr, err := newFromYAML(t, `transforms:
  - validate: {id_card: idcard, phone: mobile, name: [not_null, "regex:^\\p{Han}+$"]}
`)
	if err != nil {
		t.Fatal(err)
	}
	in := xcetl.NewStringSchema([]string{"id_card", "phone", "name"})
	out, err := tr.Bind(in)
	if err != nil || out != in {
		t.Fatalf("Bind: %v", err)
	}
	b := &xcetl.Batch{Schema: in, Rows: [][]any{
		{"11010519491231002X", "13812345678", "张三"},  // ok
		{nil, nil, "李四"},                             // NULL passes format validators
		{"110101199003077770", "13812345678", "王五"},  // bad id
		{"11010519491231002X", "2381234567", "赵六"},   // bad phone
		{"11010519491231002X", "13812345678", nil},   // no name
		{"11010519491231002X", "13812345678", "Tom"}, // regex
	}, Origin: make([]xcetl.Origin, 6)}
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	b.Compact()
	if len(b.Rows) != 2 {
		t.Fatalf("kept %d rows: %v", len(b.Rows), b.Rows)
	}
	want := []string{
		"validate id_card (idcard): wrong check digit",
		"validate phone (mobile): must be 11 digits, got 10 characters",
		"validate name (not_null): value is NULL",
		`validate name (regex:^\p{Han}+$): does not match`,
	}
	if len(b.Rejects) != len(want) {
		t.Fatalf("rejects = %+v", b.Rejects)
	}
	for i, w := range want {
		if b.Rejects[i].Reason != w {
			t.Errorf("reject %d = %q, want %q", i, b.Rejects[i].Reason, w)
		}
	}
	if d := tr.(transform.Describer).Describe(); d != `validate id_card: idcard; phone: mobile; name: not_null, regex:^\p{Han}+$` {
		t.Errorf("Describe = %q", d)
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"unknown", "transforms:\n  - validate: {phone: mobil}\n", `p.yaml:2:23: transforms[0].validate.phone: unknown validator "mobil" (did you mean "mobile"?)`},
		{"bad regex", "transforms:\n  - validate: {a: \"regex:(\"}\n", "regex \"(\": error parsing regexp"},
		{"empty regex", "transforms:\n  - validate: {a: \"regex:\"}\n", "regex: needs a pattern"},
		{"not a map", "transforms:\n  - validate: [a]\n", "validate takes a mapping"},
		{"bad regex in a list", "transforms:\n  - validate: {a: [not_null, \"regex:(\"]}\n", "p.yaml:2:30: transforms[0].validate.a[1]: regex \"(\": error parsing regexp"},
		{"empty list", "transforms:\n  - validate: {a: []}\n", "p.yaml:2:19: transforms[0].validate.a: name at least one validator"},
		{"map rule", "transforms:\n  - validate: {a: {x: 1}}\n", "expected a validator"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newFromYAML(t, tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, xcetl.ErrInvalid) {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
		})
	}
}

// FuzzValidators: no input makes a validator panic, and a reason never
// quotes the value.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "13812345678", "91350100M000100Y43", "a@b.cn", "", "１", "\xff\xfe"} {
		f.Add(s)
	}
	vs := []Validator{IDCard{}, Mobile{}, USCC{}, Email{}, NotNull{}}
	f.Fuzz(func(t *testing.T, s string) {
		for _, v := range vs {
			if msg := v.Check(s); msg != "" && len(s) >= 4 && strings.Contains(msg, s) {
				t.Fatalf("%s reason %q quotes the value", v.Name(), msg)
			}
		}
	})
}
