//go:build unix

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/internal/safefile"
)

// lockFile takes an exclusive flock on path without waiting and writes h
// into the file. The file is opened without following a symbolic link and
// must be a regular file of one link: a link planted at its predictable
// name cannot make a run (as root, from cron) overwrite another file with
// the holder's host and pid.
func lockFile(path, name string, h dialects.LockHolder) (dialects.Lock, error) {
	f, err := safefile.OpenInPlace(path, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock %s: %w", name, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		// The holder writes who it is right after it took the lock: a run
		// started at the same moment can look in between. Look again for
		// a short while before calling the holder unknown.
		var holder dialects.LockHolder
		for try := 0; try < 25; try++ {
			data, _ := io.ReadAll(io.NewSectionReader(f, 0, 4096))
			if holder = parseHolderText(string(data)); holder.Detail == "" && !holder.Since.IsZero() {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		f.Close()
		return nil, &dialects.LockedError{Name: name, Holder: holder, Where: "file lock " + path}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sqlite: lock %s: flock %s: %w", name, path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(holderText(h)), 0)
	}
	return &fileLock{f: f}, nil
}

// fileLock is a held flock.
type fileLock struct{ f *os.File }

// Check implements dialects.Lock: a file lock cannot be lost.
func (l *fileLock) Check(context.Context) error { return nil }

// Release implements dialects.Lock.
func (l *fileLock) Release(context.Context) error {
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	return errors.Join(err, l.f.Close())
}
