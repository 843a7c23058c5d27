package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plant makes victim (a file that must never change) and returns its path.
func plant(t *testing.T, dir string) string {
	t.Helper()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	return victim
}

func unchanged(t *testing.T, victim string) {
	t.Helper()
	if data, err := os.ReadFile(victim); err != nil || string(data) != "precious" {
		t.Fatalf("the victim was written through a link: %q %v", data, err)
	}
}

// TestWriteFileReplacesPlantedLinks: a symbolic link at the final name,
// or at any temporary name an attacker could guess, is never followed;
// the file gets its mode whatever was there; no temporary file stays.
func TestWriteFileReplacesPlantedLinks(t *testing.T) {
	dir := t.TempDir()
	victim := plant(t, dir)
	path := filepath.Join(dir, "report.json")
	for _, name := range []string{path, path + ".tmp", filepath.Join(dir, ".report.json.tmp")} {
		if err := os.Symlink(victim, name); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteFile(path, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	unchanged(t, victim)
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("report: %v %v, want a regular file of mode 0600", fi.Mode(), err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*xcetl-tmp*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestCreateRefusesSpecialFiles: a directory or device at the final name
// is refused before anything is written, and nothing is left behind.
func TestCreateRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ path, want string }{
		{dir, "is a directory"},
		{"/dev/null", "is not a regular file"},
	} {
		if err := WriteFile(tc.path, []byte("x"), 0o600); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WriteFile(%s) = %v, want %q", tc.path, err, tc.want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
}

// TestAbortAndFailedCommit: an aborted file leaves nothing, and the old
// file stays as it was until a commit succeeds.
func TestAbortAndFailedCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.prom")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Abort()
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Errorf("after Abort: %q", data)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("left: %v", left)
	}
}

// TestOpenInPlace: a lock file that is a symbolic link or a hard link to
// another file is refused; a fresh one is created with the mode given.
func TestOpenInPlace(t *testing.T) {
	dir := t.TempDir()
	victim := plant(t, dir)
	sym, hard := filepath.Join(dir, "sym.lock"), filepath.Join(dir, "hard.lock")
	if err := os.Symlink(victim, sym); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(victim, hard); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{{sym, "is a symbolic link"}, {hard, "hard links"}} {
		f, err := OpenInPlace(tc.path, 0o600)
		if err == nil {
			f.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OpenInPlace(%s) = %v, want %q", tc.path, err, tc.want)
		}
	}
	unchanged(t, victim)
	f, err := OpenInPlace(filepath.Join(dir, "new.lock"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
}

// TestCreateNew: never follows a link (dangling or not), never reuses a
// file.
func TestCreateNew(t *testing.T) {
	dir := t.TempDir()
	victim := plant(t, dir)
	dangling := filepath.Join(dir, "dangling.db")
	if err := os.Symlink(filepath.Join(dir, "elsewhere.db"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := CreateNew(dangling, 0o600); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateNew through a dangling link = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere.db")); err == nil {
		t.Error("the dangling link's target was created")
	}
	if err := CreateNew(victim, 0o600); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateNew over a file = %v", err)
	}
	unchanged(t, victim)
}
