//go:build failpoint

package failpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Enabled reports whether this binary was built with failpoints.
const Enabled = true

// envName selects the point: XCETL_FAILPOINT=NAME kills at the first hit
// of NAME, NAME:N at the N-th.
const envName = "XCETL_FAILPOINT"

var (
	mu   sync.Mutex
	hits = map[string]int{}
)

// Hit SIGKILLs the process when name is the point XCETL_FAILPOINT selects
// and this is the selected hit. It first says so on stderr, so that a test
// can tell a kill at the point from any other death.
func Hit(name string) {
	want, ok := os.LookupEnv(envName)
	if !ok {
		return
	}
	point, nth := want, 1
	if p, n, found := strings.Cut(want, ":"); found {
		if v, err := strconv.Atoi(n); err == nil && v > 0 {
			point, nth = p, v
		}
	}
	if point != name {
		return
	}
	mu.Lock()
	hits[name]++
	k := hits[name]
	mu.Unlock()
	if k != nth {
		return
	}
	fmt.Fprintf(os.Stderr, "\nfailpoint %s:%d: SIGKILL\n", name, k)
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}
