//go:build unix

package safefile

import (
	"errors"
	"io/fs"
	"syscall"
)

// noFollow makes open(2) fail with ELOOP on a symbolic link.
const noFollow = syscall.O_NOFOLLOW | syscall.O_CLOEXEC

func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }

// links is the number of hard links of fi's file.
func links(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
