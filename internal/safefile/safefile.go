// Package safefile creates the files xcetl writes — the report, the
// metrics file, the reject file, lock files, a new SQLite database — so
// that a file or symbolic link planted at a predictable name cannot make a
// run (often root, from cron) write somewhere else, and so that readers
// never see half a file.
//
//   - A file that is replaced as a whole (report, metrics, reject file) is
//     written under an unpredictable temporary name in its own directory
//     (os.CreateTemp: O_CREAT|O_EXCL, random suffix; a leading dot and no
//     final extension, so that collectors matching *.prom or *.json skip
//     it), synced, and renamed over the final name. rename(2) replaces a
//     symbolic link at the final name instead of following it, and an
//     existing directory, device or FIFO there is refused.
//   - A file that is opened in place (a lock file) is opened with
//     O_NOFOLLOW and must be a regular file with one link.
//
// Files are created with the mode given (0600 for anything that holds
// personal data) regardless of what a planted file had.
package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a file being written under a temporary name; Commit puts it in
// place, Abort removes it. Write through the embedded *os.File.
type File struct {
	*os.File
	final string
	done  bool
}

// Create starts writing path: it creates the parent directories (0755) if
// needed and a new temporary file next to path with mode perm.
func Create(path string, perm fs.FileMode) (*File, error) {
	if err := checkTarget(path); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.xcetl-tmp")
	if err != nil {
		return nil, err
	}
	// CreateTemp uses 0600; the umask may only take bits away from perm.
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{File: f, final: path}, nil
}

// checkTarget refuses a final name that is a directory, device, FIFO or
// socket: renaming over it would fail half-way or, as root, replace a
// device node.
func checkTarget(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode().IsRegular() || fi.Mode()&fs.ModeSymlink != 0:
		// A symbolic link is replaced by the rename, never followed.
		return nil
	case fi.IsDir():
		return fmt.Errorf("%s is a directory; give a file name", path)
	}
	return fmt.Errorf("%s is not a regular file (%s); give the name of a regular file", path, fi.Mode().Type())
}

// Commit syncs and closes the file and renames it to its final name.
func (f *File) Commit() error {
	if f.done {
		return errors.New("safefile: Commit after Commit or Abort")
	}
	f.done = true
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = checkTarget(f.final)
	}
	if err == nil {
		err = os.Rename(f.Name(), f.final)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	if d, err := os.Open(filepath.Dir(f.final)); err == nil {
		_ = d.Sync() // the rename itself survives a power cut
		d.Close()
	}
	return nil
}

// Abort closes and removes the temporary file. It does nothing after
// Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// WriteFile writes data to path as Create, Write and Commit do.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// OpenInPlace opens (creating it with mode perm if missing) a file that is
// used where it is, such as a lock file. It never follows a symbolic link
// at path and refuses anything but a regular file with a single link (a
// hard link planted there would point at someone else's file).
func OpenInPlace(path string, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|noFollow, perm)
	if err != nil {
		if isLoop(err) {
			return nil, fmt.Errorf("%s is a symbolic link; xcetl does not write through links here: remove it", path)
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s): remove it", path, fi.Mode().Type())
	}
	if n := links(fi); n > 1 {
		f.Close()
		return nil, fmt.Errorf("%s has %d hard links; xcetl does not write to a file linked elsewhere: remove it", path, n)
	}
	return f, nil
}

// CreateNew creates path, which must not exist, with mode perm, never
// following a symbolic link (for a new SQLite database, say). It returns
// fs.ErrExist when something is there already.
func CreateNew(path string, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|noFollow, perm)
	if err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
