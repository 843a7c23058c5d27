package config

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

func env(m map[string]string) Lookup {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestInterpolate(t *testing.T) {
	vars := env(map[string]string{"A": "1", "EMPTY": "", "DSN": "postgres://u:p@h/db"})
	tests := []struct {
		in, want string
		problems int
	}{
		{"plain", "plain", 0},
		{"${A}", "1", 0},
		{"x${A}y${A}", "x1y1", 0},
		{"${B:-def}", "def", 0},
		{"${EMPTY:-def}", "def", 0},
		{"${EMPTY}", "", 0},
		{"${A:-def}", "1", 0},
		{"$${A}", "${A}", 0},
		{"${B}", "", 1},
		{"${A", "${A", 1},
		{"${1BAD}", "", 1},
		{"${DSN}?sslmode=disable", "postgres://u:p@h/db?sslmode=disable", 0},
		{"${B:-}", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, problems := Interpolate(tt.in, vars)
			if got != tt.want || len(problems) != tt.problems {
				t.Fatalf("Interpolate(%q) = %q, %v; want %q with %d problems", tt.in, got, problems, tt.want, tt.problems)
			}
		})
	}
}

type sample struct {
	Type    string            `yaml:"type,required"`
	Path    string            `yaml:"path"`
	Header  bool              `yaml:"header"`
	Skip    int               `yaml:"skip_rows"`
	Nulls   []string          `yaml:"null_values"`
	Timeout time.Duration     `yaml:"timeout"`
	DSN     xcetl.Secret      `yaml:"dsn"`
	Headers map[string]string `yaml:"headers"`
	Ratio   float64           `yaml:"ratio"`
	Raw     *Node             `yaml:"raw"`
	Inner   *struct {
		A int `yaml:"a"`
	} `yaml:"inner"`
}

func TestDecode(t *testing.T) {
	src := `type: csv
path: "data/${NAME}.csv"
header: yes
skip_rows: 2
null_values: ["", NULL]
timeout: 30s
dsn: ${DSN}
headers: {Authorization: "Bearer x"}
ratio: 0.5
raw: {anything: [1, 2]}
inner: {a: 3}
`
	n, err := Parse("p.yaml", []byte(src), env(map[string]string{"NAME": "居民", "DSN": "postgres://u:secret@h/db"}))
	if err != nil {
		t.Fatal(err)
	}
	var s sample
	if errs := Decode(n, &s); len(errs) > 0 {
		t.Fatal(errs)
	}
	if s.Type != "csv" || s.Path != "data/居民.csv" || !s.Header || s.Skip != 2 || len(s.Nulls) != 2 || s.Nulls[1] != "NULL" ||
		s.Timeout != 30*time.Second || s.DSN.Reveal() != "postgres://u:secret@h/db" || s.Headers["Authorization"] != "Bearer x" ||
		s.Ratio != 0.5 || s.Raw == nil || s.Raw.Get("anything") == nil || s.Inner == nil || s.Inner.A != 3 {
		t.Fatalf("decoded %+v", s)
	}
	if n.Get("dsn").Raw != "${DSN}" {
		t.Fatalf("raw text of dsn = %q, want the reference", n.Get("dsn").Raw)
	}
}

func TestDecodeErrors(t *testing.T) {
	src := `path: 1
heder: true
skip_rows: many
timeout: forever
null_values: {a: b}
inner: {a: x, b: 2}
`
	n, err := Parse("p.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var s sample
	errs := Decode(n, &s)
	want := []string{
		`p.yaml:2:1: heder: unknown key "heder" (did you mean "header"?)`,
		`p.yaml:3:12: skip_rows: expected a whole number, got "many"`,
		`p.yaml:4:10: timeout: expected a duration`,
		`p.yaml:5:14: null_values: expected a list, got a mapping`,
		`p.yaml:6:12: inner.a: expected a whole number, got "x"`,
		`p.yaml:6:15: inner.b: unknown key "b"`,
		`missing required key "type"`,
	}
	got := errs.Error()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("errors lack %q; got:\n%s", w, got)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d:\n%s", len(errs), len(want), got)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"syntax", "a: [1, 2\nb: 3\n", "p.yaml:"},
		{"unset var", "a: ${NOPE}\n", `p.yaml:1:4: a: variable ${NOPE} is not set`},
		{"duplicate", "a: 1\nb: 2\na: 3\n", `p.yaml:3:1: YAML syntax: mapping key "a" already defined`},
		{"empty", "", "the file is empty"},
		{"two docs", "a: 1\n---\nb: 2\n", "only one YAML document"},
		{"unknown alias", "a: *nope\n", "alias"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tt.src), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestAliasBomb(t *testing.T) {
	src := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 8; i++ {
		name := string(rune('b' + i))
		src += name + ": &" + name + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = name
	}
	_, err := Parse("p.yaml", []byte(src), nil)
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Fatalf("alias bomb not refused: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("version: 1\nname: x\nsource: {type: csv, path: a.csv}\ntarget: {type: sqlite, dsn: a.db, table: t}\n"))
	f.Add([]byte("a: &x [1, *x]\n"))
	f.Add([]byte("a: ${B:-c}\nb: |\n  text\n"))
	f.Add([]byte("- [a, {b: c}]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		n, err := Parse("f.yaml", src, func(string) (string, bool) { return "v", true })
		if err == nil && n == nil {
			t.Fatal("nil tree without error")
		}
		if n != nil {
			var s sample
			_ = Decode(n, &s)
		}
	})
}

// A missing value (nil node) still gives an error with the message, so
// that plugins need no nil check before reporting it.
func TestErrorfOnNilNode(t *testing.T) {
	var n *Node
	if e := n.Errorf("mask takes %s", "a mapping"); e.Msg != "mask takes a mapping" || e.Pos.Line != 0 {
		t.Errorf("Errorf on nil = %+v", e)
	}
}

func manyKeys(n int, format string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, format, i)
	}
	return b.String()
}

// TestLimits: files too big or nested too deep — in flow or block style —
// are refused before the YAML parser sees them (it is quadratic on deep
// nesting); ordinary files with brackets, quotes and comments pass.
func TestLimits(t *testing.T) {
	deepBlock := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(strings.Repeat(" ", i) + "a:\n")
		}
		return b.String() + strings.Repeat(" ", n) + "b: 1\n"
	}
	for _, tc := range []struct {
		name, src string
		bad       string
	}{
		{"200 KB of [", "x: " + strings.Repeat("[", 200<<10), "nesting deeper than 100 levels"},
		{"nested flow maps", "x: " + strings.Repeat(`{"a": `, 5000) + "1" + strings.Repeat("}", 5000), "nesting deeper than 100 levels"},
		{"deep block", deepBlock(150), "nesting deeper than 100 levels"},
		{"inline block sequences", "x:\n" + strings.Repeat("- ", 5000) + "1\n", "nesting deeper than 100 levels"},
		{"too big", "x: \"" + strings.Repeat("a", MaxFileSize) + "\"\n", "a pipeline file may have at most 1048576"},
		{"ok: brackets in quotes and comments", "a: \"" + strings.Repeat("[", 500) + "\"\nb: '" + strings.Repeat("{", 500) + "'\n# " + strings.Repeat("[", 500) + "\nc: x\n", ""},
		{"ok: regex and flow", "v: regex:^1[3-9]\\d{9}$\nw: [a, [b, {c: d}]]\nn: it's\n", ""},
		{"ok: 90 levels", deepBlock(90), ""},
		{"50,000 keys", manyKeys(50_000, "k%d: v\n"), "more than 5000 entries in one mapping or list"},
		{"50,000 list items", "l:\n" + manyKeys(50_000, "  - v%d\n"), "more than 5000 entries"},
		{"50,000 flow entries", "m: {" + manyKeys(50_000, "k%d: v, ") + "}\n", "more than 5000 entries"},
		{"ok: 1,000 keys at two levels", "a:\n" + manyKeys(1000, "  k%d: v\n") + "b:\n" + manyKeys(1000, "  k%d: v\n"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tc.src), nil)
			if tc.bad == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Fatalf("err = %v, want %q", err, tc.bad)
			}
			if len(err.Error()) > 300 {
				t.Errorf("message of %d bytes", len(err.Error()))
			}
		})
	}
}
