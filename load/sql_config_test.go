package load_test

import (
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	_ "github.com/xcetl/xcetl/dialects/dm8"
	_ "github.com/xcetl/xcetl/dialects/kingbase"
	_ "github.com/xcetl/xcetl/dialects/opengauss"
	_ "github.com/xcetl/xcetl/dialects/postgres"
	_ "github.com/xcetl/xcetl/dialects/sqlite"
	"github.com/xcetl/xcetl/load"
)

func parse(t testing.TB, src string) *config.Node {
	t.Helper()
	n, err := config.Parse("p.yaml", []byte(src), func(name string) (string, bool) {
		if name == "EMPTY" {
			return "", true
		}
		return "", false
	})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return n
}

func TestSQLConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		src  string
		errs []string // each must appear; nil = valid
	}{
		{"minimal", "type: postgres\ndsn: postgres://u:p@h/db\ntable: t", nil},
		{"everything", "type: postgres\ndsn: x\ntable: public.t\nmode: upsert\nkey: [id, 姓名]\ncreate: never\nbatch_size: 1000000\ncommit: batch\ncopy_format: binary", nil},
		{"sqlite", "type: sqlite\ndsn: out.db\ntable: t\nmode: replace", nil},
		{"missing required", "type: postgres", []string{`missing required key "dsn"`, `missing required key "table"`}},
		{"empty dsn", "type: postgres\ndsn: \"${EMPTY}\"\ntable: t", []string{"p.yaml:2:6", "dsn is empty"}},
		{"cdc", "type: postgres\ndsn: x\ntable: t\nmode: cdc\nkey: [id]", nil},
		{"cdc without key", "type: postgres\ndsn: x\ntable: t\nmode: cdc", []string{"mode cdc needs key"}},
		{"unknown mode", "type: postgres\ndsn: x\ntable: t\nmode: upsret", []string{`unknown mode "upsret" (did you mean "upsert"?)`}},
		{"upsert without key", "type: postgres\ndsn: x\ntable: t\nmode: upsert", []string{"mode upsert needs key"}},
		{"replace per batch", "type: postgres\ndsn: x\ntable: t\nmode: replace\ncommit: batch", []string{"p.yaml:5:9", "replace is atomic only with commit: run"}},
		{"batch size zero", "type: postgres\ndsn: x\ntable: t\nbatch_size: 0", []string{"batch_size must be 1..1000000, not 0"}},
		{"batch size too big", "type: postgres\ndsn: x\ntable: t\nbatch_size: 1_000_001", []string{"batch_size must be 1..1000000"}},
		{"batch size not a number", "type: postgres\ndsn: x\ntable: t\nbatch_size: lots", []string{"expected a whole number"}},
		{"bad create", "type: postgres\ndsn: x\ntable: t\ncreate: always", []string{`unknown create "always"`}},
		{"bad commit", "type: postgres\ndsn: x\ntable: t\ncommit: rows", []string{`unknown commit "rows"`}},
		{"unknown key", "type: postgres\ndsn: x\ntable: t\nbatchsize: 10", []string{`unknown key "batchsize" (did you mean "batch_size"?)`}},
		{"duplicate key column", "type: postgres\ndsn: x\ntable: t\nmode: upsert\nkey: [id, id]", []string{`key column "id" is listed twice`}},
		{"bad table", "type: postgres\ndsn: x\ntable: a.b.c", []string{"expected [schema.]table"}},
		{"table name too long", "type: postgres\ndsn: x\ntable: " + strings.Repeat("t", 64), []string{"at most 63 bytes"}},
		{"binary on opengauss", "type: opengauss\ndsn: x\ntable: t\ncopy_format: binary", []string{"copy_format binary is not available for opengauss"}},
		{"binary on kingbase", "type: kingbase\ndsn: x\ntable: t\ncopy_format: binary", []string{"copy_format binary is not available for kingbase"}},
		{"bad copy format", "type: postgres\ndsn: x\ntable: t\ncopy_format: csv", []string{`p.yaml:4:14: copy_format: unknown copy_format "csv"; one of: auto (binary on postgres where every column type allows it, else text), text`}},
		{"option of another dialect", "type: sqlite\ndsn: x.db\ntable: t\ncopy_format: text", []string{"copy_format is an option of target type", "postgres", "not of sqlite"}},
		{"dialect option typo", "type: postgres\ndsn: x\ntable: t\ncopy_fromat: text", []string{`unknown key "copy_fromat" (did you mean "copy_format"?)`}},
		{"dm8 option range", "type: dm8\ndsn: dm://x\ntable: t\nrows_per_statement: 0", []string{"rows_per_statement must be 1..10000, not 0"}},
		{"key column empty", "type: postgres\ndsn: x\ntable: t\nmode: upsert\nkey: [id, \"\"]", []string{"p.yaml:5:11: key[1]: empty key column name"}},
		{"all problems at once", "type: postgres\ndsn: x\ntable: t\nmode: upsert\ncreate: sometimes\ncommit: never\nbatch_size: -1",
			[]string{"mode upsert needs key", `unknown create "sometimes"`, `unknown commit "never"`, "batch_size must be"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load.New(parse(t, tt.src), load.Env{BaseDir: t.TempDir()})
			if tt.errs == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.errs)
			}
			var se xcetl.SpecErrors
			if !asSpecErrors(err, &se) {
				t.Errorf("error is %T, want xcetl.SpecErrors", err)
			}
			for _, want := range tt.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%v\ndoes not contain %q", err, want)
				}
			}
		})
	}
}

func asSpecErrors(err error, se *xcetl.SpecErrors) bool {
	s, ok := err.(xcetl.SpecErrors)
	*se = s
	return ok
}

func TestUnknownTargetType(t *testing.T) {
	_, err := load.New(parse(t, "type: postgress\ndsn: x\ntable: t"), load.Env{})
	if err == nil || !strings.Contains(err.Error(), `did you mean "postgres"?`) {
		t.Fatalf("err = %v", err)
	}
	for _, name := range []string{"postgres", "opengauss", "kingbase", "sqlite"} {
		found := false
		for _, n := range load.Names() {
			found = found || n == name
		}
		if !found {
			t.Errorf("load.Names() = %v lacks %s", load.Names(), name)
		}
	}
}

func TestDescribeAndExplainHideThePassword(t *testing.T) {
	l, err := load.New(parse(t, "type: kingbase\ndsn: postgres://system:Sup3r-Secret@kb:54321/test\ntable: public.居民\nmode: upsert\nkey: [id]"), load.Env{})
	if err != nil {
		t.Fatal(err)
	}
	desc := l.(load.Describer).Describe()
	if strings.Contains(desc, "Sup3r-Secret") || !strings.Contains(desc, "system:***@kb") || !strings.Contains(desc, "public.居民") {
		t.Errorf("Describe() = %q", desc)
	}
	schema := &xcetl.Schema{Columns: []xcetl.Column{{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}}, {Name: "Name", Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true}}}
	stmts, err := l.(load.Explainer).Explain(schema)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, s := range stmts {
		all.WriteString(s.When + "\n" + s.SQL + "\n")
	}
	for _, want := range []string{"BEGIN", `CREATE TABLE "public"."居民"`, `"name" text`, "if the table does not exist", "CREATE TEMP TABLE", "COPY", "ON CONFLICT", "assuming database_mode pg", "TRUNCATE", "COMMIT"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("explain lacks %q:\n%s", want, all.String())
		}
	}
	if strings.Contains(all.String(), "Sup3r-Secret") {
		t.Error("explain shows the password")
	}
}

func TestExplainChecksColumns(t *testing.T) {
	l, err := load.New(parse(t, "type: postgres\ndsn: x\ntable: t\nmode: upsert\nkey: [id]"), load.Env{})
	if err != nil {
		t.Fatal(err)
	}
	ex := l.(load.Explainer)
	str := xcetl.Type{Kind: xcetl.KindString}
	for name, tt := range map[string]struct {
		cols []xcetl.Column
		want string
	}{
		"key not a column":       {[]xcetl.Column{{Name: "code", Type: str}}, `key column "id" is not a column of the pipeline`},
		"names fold together":    {[]xcetl.Column{{Name: "id", Type: str}, {Name: "Name", Type: str}, {Name: "NAME", Type: str}}, `would both be created as "name"`},
		"column name too long":   {[]xcetl.Column{{Name: "id", Type: str}, {Name: strings.Repeat("列", 22), Type: str}}, "at most 63 bytes"},
		"no columns":             {nil, "no columns"},
		"same name twice":        {[]xcetl.Column{{Name: "id", Type: str}, {Name: "id", Type: str}}, `two columns named "id"`},
		"type without a mapping": {[]xcetl.Column{{Name: "id", Type: xcetl.Type{}}}, "no column type"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ex.Explain(&xcetl.Schema{Columns: tt.cols})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
