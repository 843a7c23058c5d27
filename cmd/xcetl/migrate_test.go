package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/migrate"
)

const cliMigration = `version: 1
name: grid_cli
kind: migration
source: {driver: mysql, dsn: "${SRC_DSN}", zero_dates: null}
target: {type: sqlite, dsn: "${DST}"}
tables: {include: ["*"], exclude: ["all_*"], parallel: 2}
columns:
  - match: "id_card"
    transforms: [{hash: {key: "${XCETL_HMAC_KEY}"}}]
overrides:
  residents: {table: resident_info}
`

// TestMigrateCLIIntegration runs xcetl migrate, explain and validate on a
// migration file of the grid schema into SQLite: the report has an entry
// per table, a rerun skips them all, explain shows the DDL without writing,
// and no secret is printed.
func TestMigrateCLIIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	dir := t.TempDir()
	file := writeFile(t, dir, "m.yaml", cliMigration)
	db := filepath.Join(dir, "grid.db")
	key := "0123456789abcdef-hmac-secret"
	sets := []string{"--set", "SRC_DSN=" + src, "--set", "DST=" + db, "--set", "XCETL_HMAC_KEY=" + key}

	code, out, stderr := runCLI(t, append([]string{"validate", file}, sets...)...)
	if code != 0 || !strings.Contains(out, "ok (migration grid_cli") {
		t.Fatalf("validate: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, append([]string{"explain", file}, sets...)...)
	if code != 0 || !strings.Contains(out, `CREATE TABLE "resident_info"`) || !strings.Contains(out, "[hash]") ||
		!strings.Contains(out, "visit_log → \"visit_log\" (pipeline grid_cli-visit_log, mode append, commit run") {
		t.Fatalf("explain: exit %d\n%s%s", code, out, stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("explain created the target database")
	}
	report := filepath.Join(dir, "report.json")
	code, _, stderr = runCLI(t, append([]string{"migrate", file, "--report", report}, sets...)...)
	if code != 0 || !strings.Contains(stderr, "residents: complete, 3 rows") || !strings.Contains(stderr, "migration grid_cli succeeded: 7 table(s): 7 complete") {
		t.Fatalf("migrate: exit %d\n%s", code, stderr)
	}
	var rep migrate.Report
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Tables) != 7 || rep.Totals.Rows != 2+3+3+3+3+3+4 || rep.Totals.Complete != 7 || rep.ForeignKeys != "complete" {
		t.Fatalf("report: %s", data)
	}
	for _, s := range []string{stderr, string(data), out} {
		if strings.Contains(s, key) || strings.Contains(s, "xcetl_test_pw") {
			t.Errorf("a secret was printed:\n%s", s)
		}
	}
	code, _, stderr = runCLI(t, append([]string{"migrate", file, "--report", report}, sets...)...)
	if code != 0 || !strings.Contains(stderr, "7 skipped") {
		t.Fatalf("rerun: exit %d\n%s", code, stderr)
	}
	// the id cards are hashed, not copied
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM resident_info WHERE id_card = '11010119900307777X'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("an id card was copied in clear: %d %v", n, err)
	}
	// verify on the migration file: every table matches; the hashed id
	// cards are not compared, and never printed
	code, out, stderr = runCLI(t, append([]string{"verify", file}, sets...)...)
	if code != 0 || strings.Count(out, "  match  ") != 7 || !strings.Contains(out, "not compared: id_card (hash") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, stderr)
	}
	if _, err := conn.Exec(`UPDATE resident_info SET name = '张叁' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`DELETE FROM resident_info WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	vrep := filepath.Join(dir, "verify.json")
	code, out, stderr = runCLI(t, append([]string{"verify", file, "--report", vrep}, sets...)...)
	if code != 1 || !strings.Contains(out, "different:         id = 1 (name)") || !strings.Contains(out, "missing in target: id = 3") ||
		strings.Count(out, "  match  ") != 6 {
		t.Fatalf("verify after changes: exit %d\n%s%s", code, out, stderr)
	}
	vdata, err := os.ReadFile(vrep)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{out, stderr, string(vdata)} {
		if strings.Contains(s, "11010119900307777X") || strings.Contains(s, "120102198001011234") || strings.Contains(s, "xcetl_test_pw") || strings.Contains(s, key) {
			t.Errorf("verify printed an id card or a secret:\n%s", s)
		}
	}
	failed := filepath.Join(dir, "failed.json")
	code, _, stderr = runCLI(t, "migrate", file, "--set", "SRC_DSN="+src, "--report", failed)
	if code != exitInvalid || !strings.Contains(stderr, "DST") {
		t.Errorf("unset variable: exit %d\n%s", code, stderr)
	}
	if data, err := os.ReadFile(failed); err != nil || !strings.Contains(string(data), `"status": "failed"`) || strings.Contains(string(data), "xcetl_test_pw") {
		t.Errorf("the report of an invalid file: %s %v", data, err)
	}
}

// TestMigrateKillIntegration kills xcetl migrate (SIGKILL at the n-th
// batch commit: internal/failpoint) in the middle of a table and runs it
// again: every row is in the target exactly once (the primary key, created
// after the data, would refuse a duplicate), complete tables are skipped.
func TestMigrateKillIntegration(t *testing.T) {
	fp, _ := xcetlBinaries(t)
	src := mytest.NewDatabase(t)
	stmts := []string{"CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(20))", "CREATE TABLE b (id INT PRIMARY KEY, v VARCHAR(20))",
		"CREATE TABLE c (v VARCHAR(20))"}
	for _, tbl := range []string{"a", "b"} {
		var vals []string
		for i := 1; i <= 40; i++ {
			vals = append(vals, fmt.Sprintf("(%d, '值%d')", i, i))
		}
		stmts = append(stmts, "INSERT INTO "+tbl+" VALUES "+strings.Join(vals, ", "))
	}
	stmts = append(stmts, "INSERT INTO c VALUES ('x'), ('y'), ('z')")
	mytest.Exec(t, src, stmts...)
	// commit_every 1: every batch commits; 3: groups of three batches
	// commit together (the migration's default groups 8).
	kills := []struct {
		every  int
		points []string
	}{{1, []string{"batch-commit:3", "batch-commit:10", "batch-commit:17"}}, {3, []string{"batch-commit:1", "batch-commit:3", "batch-commit:5"}}}
	for _, target := range []string{"sqlite", "postgres"} {
		for _, k := range kills {
			for _, point := range k.points {
				t.Run(fmt.Sprintf("%s/every_%d/%s", target, k.every, point), func(t *testing.T) {
					dir := t.TempDir()
					dst := filepath.Join(dir, "t.db")
					if target == "postgres" {
						dst = pgtest.NewDatabase(t)
					}
					file := writeFile(t, dir, "m.yaml", `version: 1
name: kill
kind: migration
source: {driver: mysql, dsn: "${SRC_DSN}"}
target: {type: `+target+`, dsn: "${DST}", batch_size: 4, commit_every: `+strconv.Itoa(k.every)+`}
tables: {parallel: 1, chunk_rows: 8}
`)
					args := []string{"migrate", file, "--progress", "never", "--set", "SRC_DSN=" + src, "--set", "DST=" + dst}
					cmd := exec.Command(fp, args...)
					cmd.Env = append(os.Environ(), "XCETL_FAILPOINT="+point)
					msg, err := cmd.CombinedOutput()
					if err == nil || !strings.Contains(string(msg), "failpoint") {
						t.Fatalf("not killed at %s: %v\n%s", point, err, msg)
					}
					code, _, stderr := runCLI(t, args...)
					if code != 0 {
						t.Fatalf("rerun: exit %d\n%s", code, stderr)
					}
					d, _ := dialects.Lookup(target)
					ctx := context.Background()
					conn, err := d.Open(ctx, dst, dialects.Env{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
					if err != nil {
						t.Fatal(err)
					}
					defer conn.Close(ctx)
					for tbl, want := range map[string]int{"a": 40, "b": 40, "c": 3} {
						rows, err := conn.Query(ctx, `SELECT count(*), count(DISTINCT v) FROM `+tbl)
						if err != nil || len(rows) != 1 || fmt.Sprint(rows[0][0]) != fmt.Sprint(want) || fmt.Sprint(rows[0][1]) != fmt.Sprint(want) {
							t.Errorf("%s: %v, want %d rows, all distinct: %v\n%s", tbl, rows, want, err, stderr)
						}
					}
				})
			}
		}
	}
}

// migrationExamplesTested are the migration examples that
// TestMigrationExamplesIntegration covers (TestExampleTests checks that
// none is left out).
var migrationExamplesTested = map[string]bool{"migrate-mysql-to-dm8.yaml": true}

// TestMigrationExamplesIntegration explains examples/migrate-mysql-to-dm8.yaml
// over the grid schema in MariaDB (no DM8 server exists here: explain
// never connects to the target) and checks the DDL against the golden
// file of the DM8 mapping (migrate/testdata/ddl_dm8.sql, the same
// settings but for the table names).
func TestMigrationExamplesIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	// the example's schema is grid: the test database has another name
	name := src[strings.LastIndex(src, "/")+1:]
	if i := strings.IndexByte(name, '?'); i >= 0 {
		name = name[:i]
	}
	data, err := os.ReadFile("../../examples/migrate-mysql-to-dm8.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, t.TempDir(), "migrate-mysql-to-dm8.yaml", strings.Replace(string(data), "schema: grid,", "schema: "+name+",", 1))
	code, out, stderr := runCLI(t, "explain", file, "--set", "SRC_DSN="+src, "--set", "DM_DSN=dm://SYSDBA:pw@127.0.0.1:1",
		"--set", "XCETL_SM4_KEY=0123456789abcdeffedcba9876543210")
	if code != 0 {
		t.Fatalf("explain: exit %d\n%s%s", code, out, stderr)
	}
	golden, err := os.ReadFile("../../migrate/testdata/ddl_dm8.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(string(golden), ";\n") {
		var sqlLines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(l, "--") && strings.TrimSpace(l) != "" {
				sqlLines = append(sqlLines, "    "+l)
			}
		}
		if len(sqlLines) == 0 || strings.Contains(stmt, "FOREIGN KEY") {
			continue
		}
		want := strings.TrimPrefix(strings.Join(sqlLines, "\n"), "    ")
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks the golden statement\n%s\n--- explain:\n%s", want, out)
			break
		}
	}
	for _, w := range []string{"ID_CARD", "[encrypt]", `REFERENCES "GRID"."RESIDENT_INFO" ("ID") ON DELETE CASCADE`} {
		if !strings.Contains(out, w) {
			t.Errorf("explain lacks %q", w)
		}
	}
	if strings.Contains(out, "0123456789abcdeffedcba9876543210") {
		t.Error("explain printed the SM4 key")
	}
}
