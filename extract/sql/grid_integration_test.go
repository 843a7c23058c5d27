package sql_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xcetl/xcetl/dialects/dialecttest"
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

// TestGridIntegration reads every table of the shared MariaDB grid schema
// with ordinary pipelines into PostgreSQL and SQLite (tables created from
// the source's types) and checks the loaded rows value by value.
func TestGridIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	targets := map[string]string{
		"postgres": pgtest.NewDatabase(t),
		"sqlite":   filepath.Join(t.TempDir(), "grid.db"),
	}
	for target, dsn := range targets {
		for _, gt := range mytest.Grid() {
			t.Run(target+"/"+gt.Name, func(t *testing.T) {
				yaml := fmt.Sprintf(`version: 1
name: grid_%s
source:
  type: sql
  driver: mysql
  dsn: ${SRC}
  table: %s
  zero_dates: null
target:
  type: %s
  dsn: ${DST}
  table: %s
`, gt.Name, gt.Name, target, gt.Name)
				rep := mustRun(t, t.TempDir(), yaml, map[string]string{"SRC": src, "DST": dsn}, pipelines.RunOptions{})
				if rep.RowsRead != int64(len(gt.Rows)) || rep.RowsWritten != int64(len(gt.Rows)) {
					t.Fatalf("read %d written %d, want %d", rep.RowsRead, rep.RowsWritten, len(gt.Rows))
				}
				schema := gridSchema(t, src, gt)
				got := readBack(t, target, dsn, gt.Name, schema)
				want := dialecttest.Expect(schema, gt.Rows...)
				if len(got) != len(want) {
					t.Fatalf("%d rows, want %d", len(got), len(want))
				}
				for i := range want {
					for j := range want[i] {
						if got[i][j] != want[i][j] {
							t.Errorf("row %d column %s: got %q, want %q", i+1, gt.Columns[j], got[i][j], want[i][j])
						}
					}
				}
			})
		}
	}
}
