package sql_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/dialecttest"
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/pipelines"
)

func TestMain(m *testing.M) { mytest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// run writes a pipeline file into dir and runs it.
func run(t *testing.T, dir, yaml string, vars map[string]string, ro pipelines.RunOptions) (*pipelines.Report, error) {
	t.Helper()
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pipelines.Load(path, pipelines.Options{Vars: vars}, pipelines.WithLogger(quiet))
	if err != nil {
		t.Fatalf("load pipeline: %v\n%s", err, yaml)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return p.Run(ctx, ro)
}

func mustRun(t *testing.T, dir, yaml string, vars map[string]string, ro pipelines.RunOptions) *pipelines.Report {
	t.Helper()
	rep, err := run(t, dir, yaml, vars, ro)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, yaml)
	}
	return rep
}

// readBack returns the rows of a target table in canonical form.
func readBack(t *testing.T, target, dsn, table string, schema *xcetl.Schema) [][]string {
	t.Helper()
	d, ok := dialects.Lookup(target)
	if !ok {
		t.Fatalf("no dialect %s", target)
	}
	ctx := context.Background()
	c, err := d.Open(ctx, dsn, dialects.Env{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	tbl, err := d.ParseTable(table)
	if err != nil {
		t.Fatal(err)
	}
	return dialecttest.ReadBack(t, d, c, tbl, schema)
}

// gridSchema is the schema of a grid table's expected rows, typed as the
// source maps the columns.
func gridSchema(t *testing.T, dsn string, gt mytest.GridTable) *xcetl.Schema {
	t.Helper()
	d, _ := dialects.LookupSource("mysql")
	ctx := context.Background()
	c, err := d.OpenSource(ctx, dsn, dialects.SourceEnv{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	st, err := c.DescribeSource(ctx, dialects.Table{Name: gt.Name})
	if err != nil || st == nil {
		t.Fatalf("describe %s: %v", gt.Name, err)
	}
	s := &xcetl.Schema{}
	for _, col := range st.Columns {
		r, err := d.ReadColumn(st.Table, col, dialects.ReadOptions{ZeroDates: dialects.ZeroDateNull})
		if err != nil {
			t.Fatal(err)
		}
		s.Columns = append(s.Columns, xcetl.Column{Name: col.Name, Type: r.Type})
	}
	return s
}

func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
