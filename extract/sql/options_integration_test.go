package sql_test

import (
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/pipelines"
)

// TestZeroDatesRejectIntegration: by default a zero date rejects its row,
// naming the column and the row's key in the reject file.
func TestZeroDatesRejectIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	dir := t.TempDir()
	yaml := `version: 1
name: zero_dates
source: {type: sql, driver: mysql, dsn: "${SRC}", table: zero_dates}
target: {type: sqlite, dsn: out.db, table: zero_dates}
errors: {max_rejects: 5, reject_file: rejects.csv}
`
	rep := mustRun(t, dir, yaml, map[string]string{"SRC": src}, pipelines.RunOptions{})
	if rep.RowsWritten != 2 || rep.RowsRejected != 2 {
		t.Fatalf("written %d rejected %d, want 2 and 2", rep.RowsWritten, rep.RowsRejected)
	}
	f, err := os.Open(filepath.Join(dir, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("reject file: %v %v", recs, err)
	}
	all := fmt.Sprint(recs)
	for _, want := range []string{"zero date \"0000-00-00\"", "(row id=2)", "(row id=3)", "zero_dates: null", "2020-00-15"} {
		if !strings.Contains(all, want) {
			t.Errorf("reject file lacks %q:\n%s", want, all)
		}
	}
}

// TestQueryAndIncrementalIntegration reads a query (a join), chunked by a
// column of it, and an incremental table: the second run reads only the
// rows changed since the first.
func TestQueryAndIncrementalIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	dir := t.TempDir()
	vars := map[string]string{"SRC": src}
	query := `version: 1
name: joined
source:
  type: sql
  driver: mysql
  dsn: "${SRC}"
  query: "SELECT r.id, r.name, d.name AS district FROM residents r JOIN districts d ON d.code = r.district"
  where: "id > 1"
  chunk: {column: id, rows: 1}
target: {type: sqlite, dsn: q.db, table: joined, commit: batch}
`
	if rep := mustRun(t, dir, query, vars, pipelines.RunOptions{}); rep.RowsWritten != 2 {
		t.Errorf("query: wrote %d rows, want 2", rep.RowsWritten)
	}
	db, _ := sql.Open("sqlite", filepath.Join(dir, "q.db"))
	defer db.Close()
	var got string
	if err := db.QueryRow("SELECT group_concat(name || '@' || district, ',') FROM (SELECT * FROM joined ORDER BY id)").Scan(&got); err != nil || got != "李四@和平区,王五@河东区" {
		t.Errorf("joined: %q %v", got, err)
	}
	inc := `version: 1
name: inc
source: {type: sql, driver: mysql, dsn: "${SRC}", table: residents, incremental: {column: updated_at}}
target: {type: sqlite, dsn: i.db, table: residents, mode: upsert, key: [id]}
`
	if rep := mustRun(t, dir, inc, vars, pipelines.RunOptions{}); rep.RowsRead != 3 {
		t.Errorf("first incremental run read %d rows, want 3", rep.RowsRead)
	}
	mytest.Exec(t, src, "UPDATE residents SET name = '李四四', updated_at = '2024-02-01 00:00:00' WHERE id = 2")
	if rep := mustRun(t, dir, inc, vars, pipelines.RunOptions{}); rep.RowsRead != 1 {
		t.Errorf("second incremental run read %d rows, want 1", rep.RowsRead)
	}
	if rep := mustRun(t, dir, inc, vars, pipelines.RunOptions{}); rep.RowsRead != 0 {
		t.Errorf("third incremental run read %d rows, want 0", rep.RowsRead)
	}
}

// TestSnapshotRefusedIntegration: several readers of a query cannot share
// a MySQL snapshot (the tables are unknown): a clear error, unless
// snapshot: per_reader.
func TestSnapshotRefusedIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	dir := t.TempDir()
	yaml := `version: 1
name: snap
source:
  type: sql
  driver: mysql
  dsn: "${SRC}"
  query: "SELECT id, name FROM residents"
  chunk: {column: id, rows: 1}
  parallel: 2%s
target: {type: sqlite, dsn: s.db, table: snap%s}
`
	_, err := run(t, dir, fmt.Sprintf(yaml, "", "1"), map[string]string{"SRC": src}, pipelines.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "cannot share one snapshot") || !strings.Contains(err.Error(), "per_reader") {
		t.Fatalf("err = %v", err)
	}
	rep := mustRun(t, dir, fmt.Sprintf(yaml, "\n  snapshot: per_reader", "2"), map[string]string{"SRC": src}, pipelines.RunOptions{})
	if rep.RowsWritten != 3 {
		t.Errorf("per_reader: wrote %d rows", rep.RowsWritten)
	}
}

// TestCommitBatchNeedsAKeyIntegration: a table without a primary key and
// without a chunk column cannot be resumed exactly: commit: batch is
// refused with the reason.
func TestCommitBatchNeedsAKeyIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	yaml := `version: 1
name: nokey
source: {type: sql, driver: mysql, dsn: "${SRC}", table: visit_log}
target: {type: sqlite, dsn: n.db, table: visit_log, commit: batch}
`
	_, err := run(t, t.TempDir(), yaml, map[string]string{"SRC": src}, pipelines.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "no primary key") || !strings.Contains(err.Error(), "commit: run") {
		t.Fatalf("err = %v", err)
	}
}

// TestRawValuesIntegration: a row rejected after the source (by a
// transform) is written to the reject file with its own values as read.
func TestRawValuesIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	dir := t.TempDir()
	yaml := `version: 1
name: raw
source: {type: sql, driver: mysql, dsn: "${SRC}", table: all_types, columns: [id, name, bin, dt6]}
transforms:
  - validate: {name: not_null}
target: {type: sqlite, dsn: out.db, table: t}
errors: {max_rejects: 5, reject_file: rejects.csv}
`
	rep := mustRun(t, dir, yaml, map[string]string{"SRC": src}, pipelines.RunOptions{})
	if rep.RowsWritten != 2 || rep.RowsRejected != 1 {
		t.Fatalf("written %d rejected %d", rep.RowsWritten, rep.RowsRejected)
	}
	f, err := os.Open(filepath.Join(dir, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("reject file: %v %v", recs, err)
	}
	if got := strings.Join(recs[1][5:], "|"); got != "2|||" {
		t.Errorf("rejected row's values %q, want 2|||", got)
	}
}
