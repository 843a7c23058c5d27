package sql_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

// seq fills a MariaDB table with ids 1..n (in steps of step) and a name.
func seq(t *testing.T, dsn, table string, n, step int) {
	t.Helper()
	mytest.Exec(t, dsn, "CREATE TABLE "+table+" (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL, grp INT) DEFAULT CHARSET=utf8mb4")
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if b.Len() > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "(%d, '居民%d', %d)", i*step, i, i%7)
	}
	mytest.Exec(t, dsn, "INSERT INTO "+table+" VALUES "+b.String())
}

// countDistinct returns count(*) and count(DISTINCT id) of a target table.
func countDistinct(t *testing.T, driver, dsn, table string) (n, distinct int) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRowContext(context.Background(), "SELECT count(*), count(DISTINCT id) FROM "+table).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	return n, distinct
}

// TestResumeByChunkIntegration stops a commit: batch run after a number of
// rows (--limit: deterministic, mid-chunk), then runs again: the second run
// reads exactly the rows not committed, with one reader and with several.
// The limit falls inside a batch: the source hands on no more rows than
// the engine asks for, so the checkpoint of the last batch is exact.
func TestResumeByChunkIntegration(t *testing.T) {
	src := mytest.NewDatabase(t)
	seq(t, src, "people", 1050, 1)
	for _, tc := range []struct {
		name     string
		parallel int
		target   string
	}{
		{"one reader to sqlite", 1, "sqlite"},
		{"three readers to sqlite", 3, "sqlite"},
		{"two readers to postgres", 2, "postgres"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dst, driver := filepath.Join(dir, "out.db"), "sqlite"
			if tc.target == "postgres" {
				dst, driver = pgtest.NewDatabase(t), "pgx"
			}
			yaml := fmt.Sprintf(`version: 1
name: resume_people
source:
  type: sql
  driver: mysql
  dsn: ${SRC}
  table: people
  chunk: {rows: 90}
  parallel: %d
target:
  type: %s
  dsn: ${DST}
  table: people
  key: [id]
  batch_size: 30
  commit: batch
`, tc.parallel, tc.target)
			vars := map[string]string{"SRC": src, "DST": dst}
			rep := mustRun(t, dir, yaml, vars, pipelines.RunOptions{Limit: 250})
			if rep.RowsWritten != 250 {
				t.Fatalf("first run wrote %d rows, want 250", rep.RowsWritten)
			}
			rep = mustRun(t, dir, yaml, vars, pipelines.RunOptions{})
			if rep.RowsRead != 800 {
				t.Errorf("second run read %d rows, want the 800 not committed", rep.RowsRead)
			}
			if n, d := countDistinct(t, driver, dst, "people"); n != 1050 || d != 1050 {
				t.Errorf("target holds %d rows (%d distinct), want 1050", n, d)
			}
			// The run completed: the next one starts afresh (and fails on
			// the primary key in append mode, which proves it read again).
			if _, err := run(t, dir, yaml, vars, pipelines.RunOptions{Limit: 10}); err == nil {
				t.Errorf("a third run did not read from the start")
			}
		})
	}
}

// TestSparseAndTextKeysIntegration chunks by a sparse integer key (split
// by boundary values, not by empty value ranges) and by a text column.
func TestSparseAndTextKeysIntegration(t *testing.T) {
	src := mytest.NewDatabase(t)
	seq(t, src, "sparse", 500, 1_000_000_000_000)
	mytest.Exec(t, src, "CREATE TABLE coded (code VARCHAR(10) NOT NULL PRIMARY KEY, v INT) DEFAULT CHARSET=utf8mb4",
		"INSERT INTO coded SELECT CONCAT('c', LPAD(ROW_NUMBER() OVER (ORDER BY id), 5, '0')), grp FROM sparse")
	for _, tc := range []struct{ table, chunk string }{{"sparse", "{rows: 80}"}, {"coded", "{column: code, rows: 80}"}} {
		t.Run(tc.table, func(t *testing.T) {
			dir := t.TempDir()
			dst := filepath.Join(dir, "out.db")
			yaml := fmt.Sprintf(`version: 1
name: keys_%s
source: {type: sql, driver: mysql, dsn: "${SRC}", table: %s, chunk: %s, parallel: 2}
target: {type: sqlite, dsn: "${DST}", table: t, batch_size: 40, commit: batch}
`, tc.table, tc.table, tc.chunk)
			vars := map[string]string{"SRC": src, "DST": dst}
			mustRun(t, dir, yaml, vars, pipelines.RunOptions{Limit: 123})
			rep := mustRun(t, dir, yaml, vars, pipelines.RunOptions{})
			if rep.RowsRead != 377 {
				t.Errorf("second run read %d rows, want 377", rep.RowsRead)
			}
			db, _ := sql.Open("sqlite", dst)
			defer db.Close()
			var n, d int
			col := "id"
			if tc.table == "coded" {
				col = "code"
			}
			if err := db.QueryRow("SELECT count(*), count(DISTINCT "+col+") FROM t").Scan(&n, &d); err != nil || n != 500 || d != 500 {
				t.Errorf("target holds %d rows (%d distinct), %v; want 500", n, d, err)
			}
		})
	}
}
