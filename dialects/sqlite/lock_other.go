//go:build !unix

package sqlite

import (
	"errors"

	"github.com/xcetl/xcetl/dialects"
)

// lockFile: file locks are implemented for Unix systems (Linux, the BSDs,
// macOS) only; elsewhere a run says so instead of running unguarded.
func lockFile(path, name string, h dialects.LockHolder) (dialects.Lock, error) {
	return nil, errors.New("sqlite: pipeline locks (flock) need a Unix system")
}
