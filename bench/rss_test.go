package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/xcetl/xcetl"
)

// TestChildRSSIsTheChilds: a child's peak RSS is its own, however big the
// bench process has grown (Linux starts a child's ru_maxrss with its
// parent's high-water mark).
func TestChildRSSIsTheChilds(t *testing.T) {
	big := make([]byte, 300<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = 1
	}
	res, err := runChild(context.Background(), []string{"/bin/sh", "-c", "sleep 0.3"}, os.Environ(),
		filepath.Join(t.TempDir(), "log"), &xcetl.Scrubber{})
	runtime.KeepAlive(big)
	if err != nil {
		t.Fatal(err)
	}
	if res.maxRSSKB <= 0 || res.maxRSSKB > 50<<10 {
		t.Errorf("sleep's peak RSS = %d kB, want a few MB (the bench holds 300 MB)", res.maxRSSKB)
	}
}
