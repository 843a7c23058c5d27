package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/verify"
)

// bigRows is the size of the table of TestBigTableIntegration (smaller
// with -short).
func bigRows() int {
	if testing.Short() {
		return 100_000
	}
	return 1_000_000
}

const bigDDL = `CREATE TABLE residents (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64), gender VARCHAR(8),
  id_card VARCHAR(18), phone VARCHAR(16), birth_date DATE, address VARCHAR(255), community VARCHAR(64),
  score DECIMAL(10,2), registered_at DATETIME(6)) DEFAULT CHARSET=utf8mb4`

// bigInsert fills residents inside MariaDB from its sequence engine.
func bigInsert(n int) string {
	return fmt.Sprintf(`INSERT INTO residents SELECT seq, CONCAT('居民', seq), IF(seq %% 2 = 0, '女', '男'),
  CONCAT('1101011990', LPAD(seq %% 100000000, 8, '0')), CONCAT('138', LPAD(seq, 8, '0')),
  DATE_ADD('1950-01-01', INTERVAL seq %% 20000 DAY), CONCAT('天津市和平区南京路', seq, '号'),
  CONCAT('社区', seq %% 100), (seq %% 10000) / 4, TIMESTAMPADD(MICROSECOND, seq * 1000003, '2020-01-01 00:00:00')
  FROM seq_1_to_%d`, n)
}

func pgExec(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestBigTableIntegration copies a large MariaDB table into PostgreSQL
// with a `type: sql` pipeline, then changes one cell, deletes one row and
// adds one in the target: verify reports exactly those three keys (and
// the changed column), never the hidden column's values, and its
// --fix-sql statements, run on the target, make a second verify pass.
func TestBigTableIntegration(t *testing.T) {
	n := bigRows()
	src := mytest.NewDatabase(t)
	start := time.Now()
	mytest.Exec(t, src, bigDDL, bigInsert(n))
	t.Logf("MariaDB table of %d rows built in %s", n, time.Since(start).Round(time.Millisecond))
	dst := pgtest.NewDatabase(t)
	start = time.Now()
	runPipeline(t, t.TempDir(), `version: 1
name: big
source: {type: sql, driver: mysql, dsn: "${SRC}", table: residents, parallel: 2}
target: {type: postgres, dsn: "${DST}", table: residents}
`, map[string]string{"SRC": src, "DST": dst})
	migrate := time.Since(start)
	pair := verify.Pair{Name: "residents",
		Source: verify.Side{Driver: "mysql", DSN: xcetl.NewSecret(src), Table: dialects.Table{Name: "residents"}},
		Target: verify.Side{Driver: "postgres", DSN: xcetl.NewSecret(dst), Table: dialects.Table{Name: "residents"}},
		Hidden: []string{"id_card"}, Skip: map[string]string{"id_card": "encrypted by the pipeline"}}
	start = time.Now()
	res := runVerify(t, pair)
	t.Logf("%d rows: pipeline %s, verify of equal tables %s", n, migrate.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if !res.Match {
		t.Fatalf("equal tables: %+v", res.Tables[0])
	}
	start = time.Now()
	if res := runVerifyWith(t, verify.Options{Logger: quiet, Parallel: 3}, pair); !res.Match {
		t.Fatalf("equal tables, parallel 3: %+v", res.Tables[0])
	}
	t.Logf("verify of equal tables, 3 sessions a side: %s", time.Since(start).Round(time.Millisecond))
	changed, deleted := n/3, n/2
	pgExec(t, dst,
		fmt.Sprintf("UPDATE residents SET address = address || '!' WHERE id = %d", changed),
		fmt.Sprintf("DELETE FROM residents WHERE id = %d", deleted),
		"INSERT INTO residents (id, name, phone) VALUES (-7, '多余', '13900000000')")
	start = time.Now()
	res = runVerifyWith(t, verify.Options{Logger: quiet, Parallel: 2}, pair)
	t.Logf("verify with 3 differences: %s", time.Since(start).Round(time.Millisecond))
	tr := res.Tables[0]
	if res.Match || tr.Status != verify.StatusMismatch {
		t.Fatalf("status %s", tr.Status)
	}
	want := fmt.Sprintf("missing [[%d]] extra [[-7]] different [{[%d] [address]}]", deleted, changed)
	if got := fmt.Sprintf("missing %v extra %v different %v", tr.Missing, tr.Extra, tr.Different); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if tr.SourceRows != int64(n) || tr.TargetRows != int64(n) {
		t.Errorf("rows %d / %d", tr.SourceRows, tr.TargetRows)
	}
	var fix bytes.Buffer
	if err := res.WriteFixSQL(&fix); err != nil {
		t.Fatal(err)
	}
	report, _ := json.Marshal(res)
	for _, secret := range []string{"13900000000", fmt.Sprintf("1101011990%08d", deleted)} {
		if strings.Contains(fix.String()+string(report), secret) {
			t.Errorf("a hidden value %s is in the output:\n%s\n%s", secret, report, fix.String())
		}
	}
	var stmts []string
	for _, line := range strings.Split(fix.String(), "\n") {
		if line != "" && !strings.HasPrefix(line, "--") {
			stmts = append(stmts, line)
		}
	}
	if len(stmts) != 3 {
		t.Fatalf("fix SQL:\n%s", fix.String())
	}
	pgExec(t, dst, stmts...)
	if res := runVerify(t, pair); !res.Match {
		t.Fatalf("after the fix SQL:\n%s\n%+v", fix.String(), res.Tables[0])
	}
}

func runVerify(t *testing.T, pairs ...verify.Pair) *verify.Result {
	t.Helper()
	return runVerifyWith(t, verify.Options{Logger: quiet}, pairs...)
}

func runVerifyWith(t *testing.T, opts verify.Options, pairs ...verify.Pair) *verify.Result {
	t.Helper()
	res, err := verify.Run(context.Background(), pairs, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range res.Tables {
		if tr.Error != "" {
			t.Fatalf("%s: %s", tr.Name, tr.Error)
		}
	}
	return res
}
