package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
)

// The mysql and pgsource scenarios end to end with a freshly built xcetl:
// every contender loads every row, the tables match the CSV, and the
// targets are evaluated.
func TestSQLSourceScenariosIntegration(t *testing.T) {
	needPSQL(t)
	if _, err := exec.LookPath("mariadb"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the mariadb client is not installed (CI=true forbids skipping): %v", err)
		}
		t.Skipf("the mariadb client is not installed: %v", err)
	}
	t.Setenv(mytest.EnvDSN, mytest.DSN(t))
	dir := t.TempDir()
	bin := filepath.Join(dir, "xcetl")
	build := exec.Command("go", "build", "-o", bin, "./cmd/xcetl")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, only := range []string{"mysql", "pgsource"} {
		o := options{rows: 500, rounds: 1, psql: "psql", xcetl: bin, dir: filepath.Join(dir, only), dsn: pgtest.NewDatabase(t),
			only: only, prefill: "full", timeout: defaultTestTimeout}
		var out strings.Builder
		res, err := runBench(context.Background(), o, io.MultiWriter(&out))
		if err != nil {
			t.Fatalf("%s: %v\n%s", only, err, out.String())
		}
		if !strings.Contains(out.String(), "check: ") || len(res.Scenarios) != 1 || len(res.Scenarios[0].Contenders) < 2 {
			t.Fatalf("%s: output:\n%s", only, out.String())
		}
		for _, c := range res.Scenarios[0].Contenders {
			if len(c.Runs) != 1 || c.MedianSeconds <= 0 {
				t.Errorf("%s: contender %+v", only, c)
			}
		}
	}
}
