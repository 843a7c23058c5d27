package sql

import (
	"os"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"

	_ "github.com/xcetl/xcetl/dialects/mysql"
	_ "github.com/xcetl/xcetl/dialects/postgres"
)

// TestREADMEExamples keeps README.md honest: every yaml block builds as a
// source, without connecting.
func TestREADMEExamples(t *testing.T) {
	md, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(md), "```yaml\n")[1:]
	if len(parts) < 2 {
		t.Fatalf("found %d yaml blocks", len(parts))
	}
	env := func(string) (string, bool) { return "etl:pw@tcp(127.0.0.1:1)/grid", true }
	for i, part := range parts {
		block, _, _ := strings.Cut(part, "```")
		if i == 1 {
			env = func(string) (string, bool) { return "postgres://etl:pw@127.0.0.1:1/grid", true }
		}
		root, err := config.Parse("README.md", []byte(block), env)
		if err != nil {
			t.Fatalf("block %d: %v", i+1, err)
		}
		if _, err := extract.New(root.Get("source"), extract.Env{BaseDir: t.TempDir()}); err != nil {
			t.Errorf("block %d: %v\n%s", i+1, err, block)
		}
	}
}

// Bad specs are refused with the key and the reason, without connecting.
func TestSpecErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"driver: mysql\ndsn: x@tcp(h:1)/d", "missing table (or query)"},
		{"driver: mysql\ndsn: x@tcp(h:1)/d\ntable: a\nquery: SELECT 1", "not both"},
		{"driver: mysqll\ndsn: x\ntable: a", `did you mean "mysql"`},
		{"driver: mysql\ndsn: 'u:s3cretpw@h:1/d'\ntable: a", "bad dsn"},
		{"driver: mysql\ndsn: x@tcp(h:1)/d\nquery: SELECT 1\nchunk: {rows: 5}", "chunk: {column: id}"},
		{"driver: mysql\ndsn: x@tcp(h:1)/d\ntable: a\ncolumns: [a, a]", "duplicate column name"},
		{"driver: mysql\ndsn: x@tcp(h:1)/d\ntable: a\ntypes: {x: integerr}", "unknown type"},
		{"driver: mysql\ndsn: x@tcp(h:1)/d\ntable: a\nparallel: 0", "parallel must be 1..64"},
		{"driver: mysql\ndsn: x@tcp(h:1)/d\ntable: a\nzero_dates: zero", "unknown zero_dates"},
	} {
		root, err := config.Parse("p.yaml", []byte("source:\n  type: sql\n  "+strings.ReplaceAll(tc.yaml, "\n", "\n  ")+"\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = extract.New(root.Get("source"), extract.Env{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("%s: err = %v, want %q (without the password)", tc.yaml, err, tc.want)
		}
	}
}
