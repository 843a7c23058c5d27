//go:build !unix

package safefile

import "io/fs"

// Outside Unix there is no O_NOFOLLOW; O_EXCL and the rename still keep
// files apart.
const noFollow = 0

func isLoop(err error) bool { return false }

func links(fs.FileInfo) uint64 { return 1 }
