package verify_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/verify"
)

func sqliteExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestSQLiteToSQLite compares two SQLite tables (no server needed): a
// text key (key-hash buckets), every kind, NULL against ”, and the
// --fix-sql statements in SQLite's literals.
func TestSQLiteToSQLite(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	ddl := `CREATE TABLE t (code TEXT PRIMARY KEY, n INTEGER, d NUMERIC(10,2), f REAL, b BOOLEAN, day DATE, at DATETIME, blob BLOB, note TEXT)`
	rows := []string{
		`INSERT INTO t VALUES ('甲', 1, '1.50', 0.1, 1, '2024-01-15', '2024-01-15 08:30:00', X'00ff', 'it''s')`,
		`INSERT INTO t VALUES ('乙', -9223372036854775808, '0', -0.0, 0, NULL, '2000-01-01 00:00:00.000001', X'', '')`,
		`INSERT INTO t VALUES ('丙', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	}
	sqliteExec(t, src, append([]string{ddl}, rows...)...)
	sqliteExec(t, dst, append([]string{ddl}, rows...)...)
	pair := verify.Pair{Name: "t",
		Source: verify.Side{Driver: "sqlite", DSN: xcetl.NewSecret(src), Table: dialects.Table{Name: "t"}},
		Target: verify.Side{Driver: "sqlite", DSN: xcetl.NewSecret(dst), Table: dialects.Table{Name: "t"}}}
	if res := runVerify(t, pair); !res.Match {
		t.Fatalf("equal tables: %+v", res.Tables[0])
	}
	sqliteExec(t, dst, "UPDATE t SET note = NULL, d = '1.5' WHERE code = '乙'", "UPDATE t SET blob = X'01' WHERE code = '甲'",
		"DELETE FROM t WHERE code = '丙'", "INSERT INTO t (code, n) VALUES ('丁', 4)")
	res := runVerify(t, pair)
	tr := res.Tables[0]
	got := strings.TrimSpace(strings.Join([]string{fmtKeys(tr.Missing), fmtKeys(tr.Extra), fmtDiffs(tr.Different)}, " | "))
	if want := "丙 | 丁 | 乙: d note; 甲: blob"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var fix bytes.Buffer
	if err := res.WriteFixSQL(&fix); err != nil {
		t.Fatal(err)
	}
	var stmts []string
	for _, line := range strings.Split(fix.String(), "\n") {
		if line != "" && !strings.HasPrefix(line, "--") {
			stmts = append(stmts, line)
		}
	}
	sqliteExec(t, dst, stmts...)
	if res := runVerify(t, pair); !res.Match {
		t.Fatalf("after the fix SQL:\n%s\n%+v", fix.String(), res.Tables[0])
	}
	sqliteExec(t, dst, "DELETE FROM t WHERE code = '甲'")
	hidden := pair
	hidden.Hidden = []string{"code", "note"}
	res = runVerify(t, hidden)
	fix.Reset()
	if err := res.WriteFixSQL(&fix); err != nil {
		t.Fatal(err)
	}
	if k := fmtKeys(res.Tables[0].Missing); k != "(hidden)" || strings.Contains(fix.String(), "甲") || strings.Contains(fix.String(), "INSERT") {
		t.Errorf("a hidden key: missing %s, fix SQL:\n%s", k, fix.String())
	}
	if res, err := verify.Run(context.Background(), []verify.Pair{{Name: "x", Source: pair.Source,
		Target: verify.Side{Driver: "sqlite", DSN: xcetl.NewSecret(dst), Table: dialects.Table{Name: "missing"}}}}, verify.Options{}); err != nil || res.Match || res.Tables[0].Status != verify.StatusError {
		t.Errorf("a missing table: %v %+v", err, res)
	}
}

func fmtKeys(keys [][]string) string {
	var out []string
	for _, k := range keys {
		out = append(out, strings.Join(k, ","))
	}
	return strings.Join(out, " ")
}

func fmtDiffs(ds []verify.Diff) string {
	var out []string
	for _, d := range ds {
		out = append(out, strings.Join(d.Key, ",")+": "+strings.Join(d.Columns, " "))
	}
	return strings.Join(out, "; ")
}

// TestSparseIntegerKeys narrows an integer key spread far apart (negative,
// near the int64 limits, a dense run) with small ranges, so that ranges
// are cut again, and finds exactly the changed keys.
func TestSparseIntegerKeys(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	stmts := []string{"CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
		"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000) INSERT INTO t SELECT n, 'v' || n FROM s",
		"INSERT INTO t VALUES (-9223372036854775808, 'min'), (9223372036854775807, 'max'), (-5, 'neg'), (1000000000000, 'far')"}
	sqliteExec(t, src, stmts...)
	sqliteExec(t, dst, stmts...)
	sqliteExec(t, dst, "UPDATE t SET v = 'x' WHERE id IN (9223372036854775807, 1500)", "DELETE FROM t WHERE id IN (-5, 2999)",
		"INSERT INTO t VALUES (1000000000001, 'extra')")
	pair := verify.Pair{Name: "t",
		Source: verify.Side{Driver: "sqlite", DSN: xcetl.NewSecret(src), Table: dialects.Table{Name: "t"}},
		Target: verify.Side{Driver: "sqlite", DSN: xcetl.NewSecret(dst), Table: dialects.Table{Name: "t"}}}
	for _, parallel := range []int{1, 3} {
		res := runVerifyWith(t, verify.Options{Logger: quiet, RangeRows: 10, Parallel: parallel}, pair)
		tr := res.Tables[0]
		got := strings.Join([]string{fmtKeys(tr.Missing), fmtKeys(tr.Extra), fmtDiffs(tr.Different)}, " | ")
		if want := "-5 2999 | 1000000000001 | 1500: v; 9223372036854775807: v"; got != want {
			t.Errorf("parallel %d: got %s, want %s", parallel, got, want)
		}
	}
}
