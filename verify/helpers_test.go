package verify_test

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
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/pipelines"
)

func TestMain(m *testing.M) { mytest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// runPipeline writes a pipeline file into dir and runs it.
func runPipeline(t *testing.T, dir, yaml string, vars map[string]string) *pipelines.Report {
	t.Helper()
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pipelines.Load(path, pipelines.WithVars(vars), pipelines.WithLogger(quiet))
	if err != nil {
		t.Fatalf("load pipeline: %v\n%s", err, yaml)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := p.Run(ctx, pipelines.RunOptions{})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, yaml)
	}
	return rep
}

// canonicalRows reads every row of a table as the canonical text its
// dialect's SQL computes, ordered by orderBy (source column names), "NULL"
// for NULL; and the xcetl type of each column.
//
// like, when set, are the source's types: a text column of the target is
// read as its source's type, as verify does.
func canonicalRows(t *testing.T, driver, dsn, table string, ro dialects.ReadOptions, orderBy []string, like []xcetl.Type) ([][]string, []string, []xcetl.Type) {
	t.Helper()
	ctx := context.Background()
	d, _ := dialects.LookupSource(driver)
	cs := d.(dialects.Checksummer)
	conn, err := d.OpenSource(ctx, dsn, dialects.SourceEnv{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tbl, err := d.ParseTable(table)
	if err != nil {
		t.Fatal(err)
	}
	st, err := conn.DescribeSource(ctx, tbl)
	if err != nil || st == nil {
		t.Fatalf("describe %s: %v", table, err)
	}
	var exprs, names []string
	var types []xcetl.Type
	for i, c := range st.Columns {
		o := ro
		r, err := d.ReadColumn(tbl, c, o)
		if err != nil {
			t.Fatal(err)
		}
		if like != nil && r.Type.Kind == xcetl.KindString && like[i].Kind != xcetl.KindString {
			o.Override = &like[i]
			if r, err = d.ReadColumn(tbl, c, o); err != nil {
				t.Fatal(err)
			}
		}
		e, err := cs.CanonicalExpr(r.Expr, c, r.Type, o)
		if err != nil {
			t.Fatal(err)
		}
		exprs, names, types = append(exprs, e), append(names, c.Name), append(types, r.Type)
	}
	var order []string
	for _, o := range orderBy {
		order = append(order, d.Quote(o))
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + dialects.QualifiedSourceName(d, tbl) + " ORDER BY " + strings.Join(order, ", ")
	rows, err := conn.Query(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out [][]string
	for _, r := range rows {
		var line []string
		for _, v := range r {
			if v == nil {
				line = append(line, "NULL")
				continue
			}
			s, err := dialects.TextOf(v)
			if err != nil {
				t.Fatal(err)
			}
			line = append(line, s)
		}
		out = append(out, line)
	}
	return out, names, types
}

// reference is the Go canonical text of expected rows.
func reference(rows [][]any, types []xcetl.Type) [][]string {
	var out [][]string
	for _, r := range rows {
		var line []string
		for j, v := range r {
			s, ok := dialects.CanonicalText(v, types[j])
			if !ok {
				s = "NULL"
			}
			line = append(line, s)
		}
		out = append(out, line)
	}
	return out
}

func compareCanonical(t *testing.T, what string, got, want [][]string, names []string, types []xcetl.Type) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] && !dialects.EqualCanonical(got[i][j], want[i][j], types[j], types[j]) {
				t.Errorf("%s row %d column %s (%s): database %q, Go reference %q", what, i+1, names[j], types[j], got[i][j], want[i][j])
			}
		}
	}
}
