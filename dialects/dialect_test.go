package dialects_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

func TestSplitTable(t *testing.T) {
	tests := []struct {
		in   string
		want dialects.Table
		err  string
	}{
		{"residents", dialects.Table{Name: "residents"}, ""},
		{"public.Residents", dialects.Table{Schema: "public", Name: "Residents"}, ""},
		{" 居民 ", dialects.Table{Name: "居民"}, ""},
		{`"My Schema"."订单 表"`, dialects.Table{Schema: "My Schema", SchemaQuoted: true, Name: "订单 表", NameQuoted: true}, ""},
		{`public."a.b"`, dialects.Table{Schema: "public", Name: "a.b", NameQuoted: true}, ""},
		{`"say ""hi"""`, dialects.Table{Name: `say "hi"`, NameQuoted: true}, ""},
		{"", dialects.Table{}, "empty"},
		{"a.b.c", dialects.Table{}, "expected [schema.]table"},
		{"a.", dialects.Table{}, "empty name part"},
		{".a", dialects.Table{}, "empty name part"},
		{`"open`, dialects.Table{}, "unterminated"},
		{"my table", dialects.Table{}, "quote a name"},
		{`"a"b`, dialects.Table{}, "after a quoted name"},
		{`""`, dialects.Table{}, "empty name part"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := dialects.SplitTable(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, dialects.ErrBadTable) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTableString(t *testing.T) {
	for in, want := range map[string]string{
		"public.residents":  "public.residents",
		`"My Schema"."T"`:   `"My Schema"."T"`,
		`public."a.b"`:      `public."a.b"`,
		"residents":         "residents",
		`"say ""hi"""`:      `"say ""hi"""`,
		`"Residents"`:       `"Residents"`,
		"Schema.Residents":  "Schema.Residents",
		`"x".y`:             `"x".y`,
		`"weird""name".t`:   `"weird""name".t`,
		`"with space".t`:    `"with space".t`,
		`"列"."名"`:           `"列"."名"`,
		"中文.表":              "中文.表",
		`"dotted.schema".t`: `"dotted.schema".t`,
	} {
		tb, err := dialects.SplitTable(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := tb.String(); got != want {
			t.Errorf("%s: String() = %s, want %s", in, got, want)
		}
		back, err := dialects.SplitTable(tb.String())
		if err != nil || back != tb {
			t.Errorf("%s does not round-trip: %+v, %v", in, back, err)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"MixedCase": "mixedcase", "姓名Name": "姓名name", "lower": "lower", "ÄB": "Äb"} {
		if got := dialects.FoldLower(in); got != want {
			t.Errorf("FoldLower(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"MixedCase": "MIXEDCASE", "姓名name": "姓名NAME", "äb": "äB"} {
		if got := dialects.FoldUpper(in); got != want {
			t.Errorf("FoldUpper(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuoteDouble(t *testing.T) {
	for in, want := range map[string]string{"user": `"user"`, `a"b`: `"a""b"`, "列名": `"列名"`, "": `""`} {
		if got := dialects.QuoteDouble(in); got != want {
			t.Errorf("QuoteDouble(%q) = %s, want %s", in, got, want)
		}
	}
}

// fake is the least a Dialect can be, for the registry tests.
type fake struct{ name string }

func (f fake) Name() string                                        { return f.name }
func (fake) Fold(s string) string                                  { return s }
func (fake) Quote(s string) string                                 { return dialects.QuoteDouble(s) }
func (fake) CheckIdent(string) error                               { return nil }
func (fake) ParseTable(s string) (dialects.Table, error)           { return dialects.SplitTable(s) }
func (fake) Placeholder(int) string                                { return "?" }
func (fake) ColumnType(xcetl.Type) (string, error)                 { return "TEXT", nil }
func (fake) OptionSpec() any                                       { return nil }
func (fake) Explain(dialects.Target) ([]dialects.Statement, error) { return nil, nil }
func (fake) CreateTable(dialects.Table, []dialects.Column, []string) (string, error) {
	return "", nil
}
func (fake) Open(context.Context, string, dialects.Env) (dialects.Conn, error) {
	return nil, errors.New("fake")
}

func TestRegistry(t *testing.T) {
	dialects.Register(fake{"registry_test"})
	if d, ok := dialects.Lookup("registry_test"); !ok || d.Name() != "registry_test" {
		t.Fatalf("Lookup = %v, %v", d, ok)
	}
	found := false
	for _, n := range dialects.Names() {
		found = found || n == "registry_test"
	}
	if !found {
		t.Errorf("Names() = %v lacks registry_test", dialects.Names())
	}
	if _, ok := dialects.Lookup("nope"); ok {
		t.Error("Lookup(nope) found something")
	}
	for name, f := range map[string]func(){
		"duplicate": func() { dialects.Register(fake{"registry_test"}) },
		"nil":       func() { dialects.Register(nil) },
		"no name":   func() { dialects.Register(fake{""}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			f()
		})
	}
}

func TestCreateTableSQL(t *testing.T) {
	got, err := dialects.CreateTableSQL(fake{"x"}, dialects.Table{Schema: "s", Name: "订单"}, []dialects.Column{
		{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}, Nullable: true},
		{Name: "note", Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true},
		{Name: "must", Type: xcetl.Type{Kind: xcetl.KindString}},
	}, []string{"id"})
	if err != nil {
		t.Fatal(err)
	}
	want := "CREATE TABLE \"s\".\"订单\" (\n  \"id\" TEXT NOT NULL,\n  \"note\" TEXT,\n  \"must\" TEXT NOT NULL,\n  PRIMARY KEY (\"id\")\n)"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := dialects.CreateTableSQL(fake{"x"}, dialects.Table{Name: "t"}, nil, nil); err == nil {
		t.Error("a table without columns was rendered")
	}
}

func TestAddKeyColumns(t *testing.T) {
	var ti dialects.TableInfo
	ti.AddKeyColumns([][3]string{
		{"pk", "P", "id"}, {"pk", "P", "ver"},
		{"u1", "U", "a"}, {"u1", "U", "b"},
		{"u2", "U", "c"},
	}, func(kind string) bool { return kind == "P" })
	if fmt.Sprint(ti.PrimaryKey) != "[id ver]" || fmt.Sprint(ti.Unique) != "[[a b] [c]]" {
		t.Errorf("primary %v unique %v", ti.PrimaryKey, ti.Unique)
	}
}
