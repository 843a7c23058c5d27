package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects/sqlite"
)

// TestPlantedLinks: a symbolic link planted at any file a run writes —
// the report, its old temporary name, the metrics file, the reject file,
// the SQLite lock file, the SQLite database and its WAL and journal — never
// makes the run write through it (as root from cron it would overwrite
// any file). Files that are replaced whole (report, metrics, rejects) are
// written beside the link and renamed over it; lock, database and WAL are
// refused with a message. Files holding personal data are 0600.
func TestPlantedLinks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links []string // relative to the run's directory
		fails string   // the run fails with this; "" = it succeeds
	}{
		{"report, metrics, rejects", []string{"report.json", "report.json.tmp", "m.prom", "rejects.csv"}, ""},
		{"lock file", []string{"target.db.xcetl-planted.lock"}, "is a symbolic link"},
		{"database", []string{"target.db"}, "is a symbolic link"},
		// SQLite removes a stale WAL or journal it finds (the link, not
		// its target) and makes its own, with the database's mode; it
		// opens its shared-memory file with O_NOFOLLOW.
		{"wal, journal", []string{"target.db-wal", "target.db-journal"}, ""},
		{"shm", []string{"target.db-shm"}, "unable to open database file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			victim := filepath.Join(dir, "victim")
			if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "in.csv", "id,name\n1,a\nx,b\n")
			file := writeFile(t, dir, "p.yaml", `version: 1
name: planted
source: {type: csv, path: in.csv}
transforms:
  - cast: {id: int}
target: {type: sqlite, dsn: target.db, table: t}
errors: {max_rejects: 5, reject_file: rejects.csv}
`)
			if want := filepath.Join(dir, "target.db.xcetl-planted.lock"); sqlite.LockFile(filepath.Join(dir, "target.db"), "planted") != want {
				t.Fatalf("the lock file is %s now: update the test", sqlite.LockFile(filepath.Join(dir, "target.db"), "planted"))
			}
			for _, l := range tc.links {
				if err := os.Symlink(victim, filepath.Join(dir, l)); err != nil {
					t.Fatal(err)
				}
			}
			code, _, stderr := runCLI(t, "run", file, "--progress", "never", "--report", filepath.Join(dir, "report.json"), "--metrics-file", filepath.Join(dir, "m.prom"))
			if data, err := os.ReadFile(victim); err != nil || string(data) != "precious" {
				t.Fatalf("the run wrote through a planted link: victim holds %q (%v)\n%s", data, err, stderr)
			}
			if tc.fails != "" {
				if code != 1 || !strings.Contains(stderr, tc.fails) {
					t.Fatalf("exit %d, want 1 with %q:\n%s", code, tc.fails, stderr)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			for name, mode := range map[string]os.FileMode{"report.json": 0o600, "rejects.csv": 0o600, "m.prom": 0o644, "target.db": 0o600, "target.db-wal": 0o600} {
				fi, err := os.Lstat(filepath.Join(dir, name))
				if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != mode {
					t.Errorf("%s: %v (%v), want a regular file of mode %v", name, fi.Mode(), err, mode)
				}
			}
		})
	}
}
