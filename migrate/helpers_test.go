package migrate_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/migrate"
)

func TestMain(m *testing.M) { mytest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// writeFile writes a migration file into dir.
func writeFile(t *testing.T, dir, yaml string) string {
	t.Helper()
	p := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// migrateFile loads, plans and runs a migration file.
func migrateFile(t *testing.T, path string, vars map[string]string) (*migrate.Report, error) {
	t.Helper()
	f, err := migrate.Load(path, migrate.Options{Vars: vars})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p, err := migrate.Connect(ctx, f, quiet)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return migrate.Run(ctx, p, migrate.RunOptions{Logger: quiet})
}

// gridCatalog reads the grid schema's catalog from MariaDB.
func gridCatalog(t *testing.T, dsn string) []*dialects.SourceTable {
	t.Helper()
	d, _ := dialects.LookupSource("mysql")
	ctx := context.Background()
	c, err := d.OpenSource(ctx, dsn, dialects.SourceEnv{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	names, err := c.Tables(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []*dialects.SourceTable
	for _, n := range names {
		st, err := c.DescribeSource(ctx, n)
		if err != nil || st == nil {
			t.Fatalf("describe %s: %v", n, err)
		}
		out = append(out, st)
	}
	return out
}

// schemaOf is the xcetl schema of a grid table as the source reads it.
func schemaOf(t *testing.T, st *dialects.SourceTable) *xcetl.Schema {
	t.Helper()
	d, _ := dialects.LookupSource("mysql")
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
