package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/migrate"
)

// Every example must stay valid: docs point at them.
func TestExamplesValidate(t *testing.T) {
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.yaml") {
			continue // the tests of the examples (TestExampleTests)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, out, stderr := runCLI(t, "validate", f, "--set", "PG_DSN=postgres://u:p@127.0.0.1:1/db",
				"--set", "OG_DSN=postgres://u:p@127.0.0.1:1/db", "--set", "KB_DSN=postgres://u:p@127.0.0.1:1/db",
				"--set", "SRC_DSN=etl:pw@tcp(127.0.0.1:1)/grid", "--set", "DM_DSN=dm://SYSDBA:pw@127.0.0.1:1",
				"--set", "XCETL_SM4_KEY=0123456789abcdeffedcba9876543210", "--set", "XCETL_HMAC_KEY=0123456789abcdef0123456789abcdef")
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, stderr)
			}
		})
	}
}

// TestExampleTests: every example pipeline has a test file, and `xcetl
// test examples/` passes (CI also runs it through make test).
func TestExampleTests(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.yaml") {
			continue
		}
		if migrate.IsMigration(f) {
			// xcetl test runs pipelines; a migration example is run and
			// explained by TestMigrationExamplesIntegration.
			if !migrationExamplesTested[filepath.Base(f)] {
				t.Errorf("%s is a migration with no test in TestMigrationExamplesIntegration", f)
			}
			continue
		}
		if _, err := os.Stat(strings.TrimSuffix(f, ".yaml") + "_test.yaml"); err != nil {
			t.Errorf("%s has no test file: %v", f, err)
		}
	}
	code, out, errOut := runCLI(t, "test", "../../examples")
	if code != 0 || !strings.Contains(out, "ok: ") {
		t.Fatalf("xcetl test examples: exit %d\n%s%s", code, out, errOut)
	}
}

func TestSQLiteExamples(t *testing.T) {
	tests := []struct {
		file, table string
		rows        int
		check       string // a query returning one row that must be "ok"
	}{
		{"filter-derive.yaml", "adult_scores", -1,
			`SELECT CASE WHEN min(age) >= 18 AND min(CAST(score AS REAL)) >= 60 AND count(*) > 0 AND min(length(district_code)) = 6 THEN 'ok' ELSE 'bad' END FROM adult_scores`},
		{"mysqldump-tab.yaml", "residents", 5,
			`SELECT CASE WHEN (SELECT phone IS NULL FROM residents WHERE id = 2) AND (SELECT phone = '' AND community IS NULL AND registered IS NULL FROM residents WHERE id = 4)
				AND (SELECT note = '低保户' || char(9) || '二级' FROM residents WHERE id = 2) AND (SELECT note = '地址变更：' || char(10) || '原住址 红桥区' FROM residents WHERE id = 3)
				AND (SELECT name = 'NULL' AND note LIKE '%NULL%' FROM residents WHERE id = 5) AND (SELECT note = '路径 C:\temp\a.txt' FROM residents WHERE id = 4)
				AND (SELECT note = '' FROM residents WHERE id = 1) THEN 'ok' ELSE 'bad' END`},
		{"headerless-gbk.yaml", "visits", 20,
			`SELECT CASE WHEN visited_on LIKE '2024-__-__' AND follow_up IN (0, 1) AND resident <> '' THEN 'ok' ELSE 'bad' END FROM visits WHERE visit_id = 1001`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out := t.TempDir()
			code, _, stderr := runCLI(t, "run", "../../examples/"+tt.file, "--set", "XCETL_DEMO_OUT="+out, "--progress", "never")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			dbs, _ := filepath.Glob(filepath.Join(out, "*.db"))
			if len(dbs) != 1 {
				t.Fatalf("databases %v", dbs)
			}
			db, err := sql.Open("sqlite", dbs[0])
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM ` + tt.table).Scan(&n); err != nil || (tt.rows >= 0 && n != tt.rows) {
				t.Fatalf("count %d, %v", n, err)
			}
			var ok string
			if err := db.QueryRow(tt.check).Scan(&ok); err != nil || ok != "ok" {
				t.Fatalf("check: %q, %v", ok, err)
			}
		})
	}
}

func TestPostgresExamplesIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `CREATE SCHEMA grid`); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ file, table string }{
		{"csv-to-postgres.yaml", "public.residents"},
		{"upsert-opengauss.yaml", "grid.residents"},
		{"replace-kingbase.yaml", "public.community_residents"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out := t.TempDir()
			for run := 0; run < 2; run++ {
				code, _, stderr := runCLI(t, "run", "../../examples/"+tt.file, "--set", "XCETL_DEMO_OUT="+out,
					"--set", "PG_DSN="+dsn, "--set", "OG_DSN="+dsn, "--set", "KB_DSN="+dsn, "--progress", "never")
				if code != 0 {
					t.Fatalf("run %d: exit %d: %s", run, code, stderr)
				}
			}
			var n int
			if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM `+tt.table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			want := 37 // upsert: the same 37 good rows after two runs
			switch tt.file {
			case "csv-to-postgres.yaml":
				// append with commit: batch: the second run finds the
				// unchanged files loaded completely and loads nothing.
				want = 37
			case "replace-kingbase.yaml":
				want = 39 // no date or score cast: only the ragged row is rejected
			}
			if n != want {
				t.Fatalf("%d rows, want %d", n, want)
			}
		})
	}
}
