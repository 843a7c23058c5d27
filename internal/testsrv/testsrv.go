// Package testsrv is what the throwaway database servers of the tests
// (internal/pgtest for PostgreSQL, internal/mytest for MariaDB) share: their
// temp directories, found and reaped again when the process that started a
// server died without stopping it; a free port; and the rule by which a test
// gets a server — the DSN in an environment variable when it is set, else a
// server started once per test binary and stopped by [Main], and with
// CI=true a failure instead of a skip when none can be had.
package testsrv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Owner is the OS user a server runs as when the tests run as root (the
// servers refuse to run as root); nil means the current user.
type Owner struct{ UID, GID int }

// MakeDir creates a temp directory named prefix+random, records the current
// process as its owner (so that [Reap] can tell a dead owner's directory)
// and makes it usable by owner. As root it is made under /tmp, since TMPDIR
// may point somewhere the server's user cannot traverse.
func MakeDir(prefix string, owner *Owner) (string, error) {
	parent := os.TempDir()
	if owner != nil {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, prefix)
	if err != nil {
		return "", fmt.Errorf("create temp dir: %w", err)
	}
	fail := func(err error) (string, error) {
		_ = os.RemoveAll(dir)
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fail(fmt.Errorf("write owner file: %w", err))
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(fmt.Errorf("chmod %s: %w", dir, err))
	}
	if owner != nil {
		if err := os.Chown(dir, owner.UID, owner.GID); err != nil {
			return fail(fmt.Errorf("chown %s: %w", dir, err))
		}
	}
	return dir, nil
}

// Reap stops (with stop) and removes the directories named prefix* whose
// owning process is gone: servers left behind by a test binary killed on
// timeout, say, so that they do not pile up across runs.
func Reap(prefix string, stop func(dir string)) {
	for _, parent := range []string{"/tmp", os.TempDir()} {
		matches, _ := filepath.Glob(filepath.Join(parent, prefix+"*"))
		for _, dir := range matches {
			b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
			if err != nil {
				continue // not ours or still being created
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil || pid <= 0 || ProcessAlive(pid) {
				continue
			}
			stop(dir)
			_ = os.RemoveAll(dir)
		}
	}
}

// ProcessAlive reports whether a process with this pid exists.
func ProcessAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// KillPID sends sig to the process whose pid is the first line of file,
// then SIGKILL if it is still there after wait.
func KillPID(file string, sig syscall.Signal, wait time.Duration) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return fmt.Errorf("bad pid file %s", file)
	}
	_ = syscall.Kill(pid, sig)
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !ProcessAlive(pid) {
			return nil
		}
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill %d: %w", pid, err)
	}
	return nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LastLines keeps error messages short: tool output can be long and only
// its end says why.
func LastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// Server is a started server as [Shared] needs it.
type Server interface {
	URL() string
	Stop() error
}

// Shared resolves, once per test binary, the server that the tests of one
// kind of database use.
type Shared struct {
	// What names the database in messages ("PostgreSQL").
	What string
	// EnvDSN names the environment variable of an existing server.
	EnvDSN string
	// Ping checks that a DSN reaches a server; its error may quote the DSN
	// (Shared scrubs it with Scrub).
	Ping func(dsn string, timeout time.Duration) error
	// Start starts a throwaway server.
	Start func() (Server, error)
	// Scrub removes the DSN's password from an error.
	Scrub func(err error, dsn string) error

	mu     sync.Mutex
	done   bool   // resolution attempted
	dsn    string // result
	err    error  // why no server could be had
	server Server // started by this process, stopped by Main
}

var started struct {
	sync.Mutex
	active bool
	shared []*Shared
}

// DSN returns the DSN of the server for t: $EnvDSN if set; otherwise a
// server started once per test process and shared by all tests of the
// package, stopped by [Main]. Without Main (no TestMain routed through it)
// the server is started for this test alone and stopped by t.Cleanup, so
// that nothing outlives the test binary.
//
// If no server can be had the test is skipped with the reason, except when
// CI=true: there it fails, because integration tests must never silently
// skip in CI.
func (s *Shared) DSN(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.done {
		started.Lock()
		active := started.active
		if active {
			started.shared = append(started.shared, s)
		}
		started.Unlock()
		switch env := os.Getenv(s.EnvDSN); {
		case env != "":
			if err := s.Ping(env, 10*time.Second); err != nil {
				s.err = fmt.Errorf("%s is set but the server is unreachable: %w", s.EnvDSN, s.Scrub(err, env))
			} else {
				s.dsn = env
			}
		case active:
			srv, err := s.Start()
			if err != nil {
				s.err = err
			} else {
				s.server, s.dsn = srv, srv.URL()
			}
		default:
			srv, err := s.Start()
			if err != nil {
				s.unavailable(t, err)
				return ""
			}
			t.Logf("started a %s server for this test only; route TestMain through its Main to share one per package", s.What)
			t.Cleanup(func() {
				if err := srv.Stop(); err != nil {
					t.Errorf("%v", err)
				}
			})
			return srv.URL()
		}
		s.done = true
	}
	if s.err != nil {
		s.unavailable(t, s.err)
		return ""
	}
	return s.dsn
}

func (s *Shared) unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("no %s for integration tests (CI=true forbids skipping): %v", s.What, err)
	}
	t.Skipf("no %s for integration tests: %v", s.What, err)
}

// Main is for TestMain: it runs m, stops every server this process started
// for a Shared, and exits with m's code.
func Main(m *testing.M) {
	started.Lock()
	started.active = true
	started.Unlock()
	code := m.Run()
	started.Lock()
	shared := started.shared
	started.shared = nil
	started.Unlock()
	for _, s := range shared {
		s.mu.Lock()
		srv := s.server
		s.server = nil
		s.mu.Unlock()
		if srv == nil {
			continue
		}
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// OwnerFor returns the OS user name as an Owner when the tests run as root
// (servers refuse to run as root), nil otherwise.
func OwnerFor(name string) (*Owner, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root needs an OS user %q to run the server: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &Owner{UID: uid, GID: gid}, nil
}
