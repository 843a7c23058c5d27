package main

import (
	"context"
	"database/sql"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmbedProgramIntegration builds the example program with the go tool and runs it
// against a SQLite file, as a user would.
func TestEmbedProgramIntegration(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "embed")
	goTool, err := exec.LookPath("go") // go test puts its own go first in PATH
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "grid.db")
	out, err := exec.Command(bin, "-db", db).CombinedOutput()
	if err != nil {
		t.Fatalf("embed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"pipeline grid_residents: csv → sqlite, 3 transforms",
		"run 1: ok, read 3, written 3, rejected 0",
		"run 2: ok, read 3, written 3, rejected 0",
		"1 张三 DC01", "2 李四 XC07", "3 王五 DC02",
		"run history: 2 runs",
		"metric xcetl_rows_written_total = 3",
		"metric xcetl_run_success = 1",
		"metric xcetl_grid_codes_total = 3",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The program's database holds the rows (upsert: no duplicates).
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var n int
	if err := sdb.QueryRowContext(context.Background(), "SELECT count(*) FROM residents").Scan(&n); err != nil || n != 3 {
		t.Errorf("rows = %d (%v)", n, err)
	}
}
