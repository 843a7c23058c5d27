package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
)

// TestVerifyCLIIntegration runs examples/sql-mysql-verify.yaml from the
// MariaDB grid schema into PostgreSQL, then `xcetl verify`s it: a match
// (exit 0, the masked column listed as not compared), then, with the
// target changed, the three differing keys (exit 1) in the output and
// the report, never a masked or plain ID card; the --fix-sql file run on
// the target makes verify pass again.
func TestVerifyCLIIntegration(t *testing.T) {
	src, dst := mytest.LoadGrid(t), pgtest.NewDatabase(t)
	args := []string{"../../examples/sql-mysql-verify.yaml", "--set", "SRC_DSN=" + src, "--set", "PG_DSN=" + dst}
	if code, _, stderr := runCLI(t, append([]string{"run", "--progress", "never"}, args...)...); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	code, out, stderr := runCLI(t, append([]string{"verify"}, args...)...)
	if code != 0 || !strings.Contains(out, "match") || !strings.Contains(out, "not compared: id_card (mask") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, stderr)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range []string{"UPDATE public.residents_verified SET full_name = '王六' WHERE id = 3",
		"DELETE FROM public.residents_verified WHERE id = 2",
		"INSERT INTO public.residents_verified (id, district, full_name, id_card, updated_at) VALUES (9, '120101', '多余', '120102199901011111', now())"} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	report, fix := filepath.Join(dir, "verify.json"), filepath.Join(dir, "fix.sql")
	code, out, stderr = runCLI(t, append([]string{"verify", "--report", report, "--fix-sql", fix}, args...)...)
	if code != 1 {
		t.Fatalf("verify of a changed target: exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{"missing in target: id = 2", "extra in target:   id = 9", "different:         id = 3 (name)", "mismatch"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	rep, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	fixSQL, err := os.ReadFile(fix)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"120102199901011111", "120102198001011234", "120102********1234", "11010119900307777X"} {
		if strings.Contains(out+stderr+string(rep)+string(fixSQL), secret) {
			t.Errorf("an ID card %s is in the output, the report or the fix SQL", secret)
		}
	}
	if !strings.Contains(string(rep), `"different"`) || !strings.Contains(string(rep), `"status": "mismatch"`) {
		t.Errorf("report:\n%s", rep)
	}
	for _, line := range strings.Split(string(fixSQL), "\n") {
		if line == "" || strings.HasPrefix(line, "--") {
			continue
		}
		if _, err := conn.Exec(ctx, line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	if code, out, stderr := runCLI(t, append([]string{"verify"}, args...)...); code != 0 {
		t.Fatalf("verify after the fix SQL: exit %d\n%s%s\n%s", code, out, stderr, fixSQL)
	}
	if code, _, stderr := runCLI(t, "verify", "../../examples/sql-mysql-verify.yaml", "--max-diffs", "0"); code != 2 {
		t.Errorf("--max-diffs 0: exit %d %s", code, stderr)
	}
}

// TestVerifySQLiteTargetIntegration verifies a pipeline whose SQLite
// target path is relative to the pipeline file, run from another
// directory, through keep and a where: the source's where limits it.
func TestVerifySQLiteTargetIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	dir := t.TempDir()
	p := writeFile(t, dir, "p.yaml", `version: 1
name: grid_members
source: {type: sql, driver: mysql, dsn: "${SRC}", table: household_members, where: "household_id = 1"}
transforms:
  - keep: [household_id, member_no, relation]
target: {type: sqlite, dsn: out/grid.db, table: members}
`)
	if code, _, stderr := runCLI(t, "run", p, "--set", "SRC="+src, "--progress", "never"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	code, out, stderr := runCLI(t, "verify", p, "--set", "SRC="+src)
	if code != 0 || !strings.Contains(out, "rows 2 / 2  match") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, stderr)
	}
	if strings.Contains(out+stderr, src) {
		t.Error("the DSN is printed")
	}
}
