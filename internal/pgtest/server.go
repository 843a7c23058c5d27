// Package pgtest runs throwaway PostgreSQL clusters for integration tests and benchmarks.
//
// Tests call [DSN] or [NewDatabase]; a package that uses them should route its TestMain through
// [Main] so the shared server is stopped when the test binary ends. Set XCETL_TEST_PG_DSN to use
// an existing server instead (the Makefile does that with cmd/withpg so that all packages share
// one cluster).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl/internal/testsrv"
)

// dirPrefix names the temp directories so a later Start can find clusters whose owning process
// died without stopping them (a killed `go test`, for instance) and reap them.
const dirPrefix = "xcetl-pgtest-"

// startTimeout bounds how long Start waits for the cluster to accept connections.
const startTimeout = 30 * time.Second

// Server is a running PostgreSQL used by tests and benchmarks.
type Server struct {
	// DSN connects as the superuser "postgres" to database "postgres" over TCP, for example
	// postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable. It holds no password:
	// the cluster trusts local connections.
	DSN string
	// Port is the TCP port on 127.0.0.1 the server listens on.
	Port int

	dir     string // temp dir: data/, socket, log
	binDir  string // directory holding initdb and pg_ctl
	asOther bool   // run the PostgreSQL tools as user "postgres" (we are root)
}

// Start initialises and starts a throwaway cluster with the machine's initdb/pg_ctl (from PATH,
// else the newest /usr/lib/postgresql/*/bin) on a free 127.0.0.1 port. Durability is switched off
// (fsync, full_page_writes, synchronous_commit) because the data is disposable and tests and
// benchmarks should measure our code, not the disk. As root, the tools run as user "postgres",
// since PostgreSQL refuses to run as root.
func Start() (*Server, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	owner, err := testsrv.OwnerFor("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	asOther := owner != nil
	testsrv.Reap(dirPrefix, func(dir string) {
		data := filepath.Join(dir, "data")
		if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
			_ = killPostmaster(data)
		}
	})

	dir, err := testsrv.MakeDir(dirPrefix, owner)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, binDir: binDir, asOther: asOther}
	fail := func(err error) (*Server, error) {
		_ = s.Stop()
		return nil, err
	}

	data := filepath.Join(dir, "data")
	// -U postgres makes the superuser name independent of who runs the tests; C locale and UTF8
	// avoid depending on the machine's locales while still storing Chinese text.
	if out, err := s.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync"); err != nil {
		return fail(fmt.Errorf("pgtest: initdb: %w: %s", err, lastLines(out, 20)))
	}

	// A port from the kernel can be taken by someone else before the postmaster binds it; retry.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := testsrv.FreePort()
		if err != nil {
			return fail(fmt.Errorf("pgtest: %w", err))
		}
		if err := s.writeConf(data, port); err != nil {
			return fail(err)
		}
		logFile := filepath.Join(dir, "postgres.log")
		out, err := s.run("pg_ctl", "start", "-w", "-t", strconv.Itoa(int(startTimeout/time.Second)),
			"-D", data, "-l", logFile)
		if err != nil {
			logText, _ := os.ReadFile(logFile)
			lastErr = fmt.Errorf("pgtest: pg_ctl start: %w: %s %s", err, lastLines(out, 10), lastLines(logText, 20))
			// Make sure nothing half-started stays behind before retrying.
			_, _ = s.run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", data)
			continue
		}
		s.Port = port
		s.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
		if err := waitReady(s.DSN, startTimeout); err != nil {
			return fail(err)
		}
		return s, nil
	}
	return fail(lastErr)
}

// Stop stops the server immediately (its data is disposable) and removes its directory. It is
// safe to call on a partly started server and more than once.
func (s *Server) Stop() error {
	if s == nil || s.dir == "" {
		return nil
	}
	var errs []error
	data := filepath.Join(s.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		if out, err := s.run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", data); err != nil {
			// pg_ctl failing must not leave a postmaster running: signal it directly.
			if kerr := killPostmaster(data); kerr != nil {
				errs = append(errs, fmt.Errorf("pgtest: pg_ctl stop: %w: %s", err, lastLines(out, 10)), kerr)
			}
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, fmt.Errorf("pgtest: remove %s: %w", s.dir, err))
	}
	s.dir = ""
	return errors.Join(errs...)
}

// writeConf appends our settings to postgresql.conf; later lines win, so rewriting on a retry with
// another port is fine.
func (s *Server) writeConf(data string, port int) error {
	conf := fmt.Sprintf(`
# added by xcetl pgtest
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
fsync = off
full_page_writes = off
synchronous_commit = off
shared_buffers = 128MB
max_connections = 50
logging_collector = off
`, port, s.dir)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: open postgresql.conf: %w", err)
	}
	if _, err := f.WriteString(conf); err != nil {
		f.Close()
		return fmt.Errorf("pgtest: write postgresql.conf: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pgtest: write postgresql.conf: %w", err)
	}
	return nil
}

// run executes a PostgreSQL tool from binDir, as user postgres when we are root, with the
// working directory in our temp dir (initdb fails when it cannot read the current directory).
func (s *Server) run(tool string, args ...string) ([]byte, error) {
	return runTool(s.binDir, s.dir, s.asOther, tool, args...)
}

func runTool(binDir, dir string, asOther bool, tool string, args ...string) ([]byte, error) {
	path := filepath.Join(binDir, tool)
	var cmd *exec.Cmd
	switch {
	case !asOther:
		cmd = exec.Command(path, args...)
	case haveRunuser():
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	default:
		quoted := make([]string, 0, len(args)+1)
		for _, a := range append([]string{path}, args...) {
			quoted = append(quoted, shellQuote(a))
		}
		cmd = exec.Command("su", "postgres", "-s", "/bin/sh", "-c", strings.Join(quoted, " "))
	}
	cmd.Dir = dir
	// pg_ctl start leaves the postmaster holding the output pipe unless it is redirected (-l),
	// so CombinedOutput is safe only because every start uses -l.
	return cmd.CombinedOutput()
}

func haveRunuser() bool {
	_, err := exec.LookPath("runuser")
	return err == nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// findBinDir prefers initdb and pg_ctl on PATH (so a user can pick a version), else the newest
// Debian-style installation.
func findBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	type cand struct {
		dir string
		ver []int
	}
	var cands []cand
	for _, m := range matches {
		dir := filepath.Dir(m)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err != nil {
			continue
		}
		var ver []int
		for _, part := range strings.Split(filepath.Base(filepath.Dir(dir)), ".") {
			n, _ := strconv.Atoi(part)
			ver = append(ver, n)
		}
		cands = append(cands, cand{dir, ver})
	}
	if len(cands) == 0 {
		return "", errors.New("pgtest: no PostgreSQL server found: initdb/pg_ctl are neither on PATH nor in /usr/lib/postgresql/*/bin (install postgresql, or set XCETL_TEST_PG_DSN)")
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i].ver, cands[j].ver
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] > b[k]
			}
		}
		return len(a) > len(b)
	})
	return cands[0].dir, nil
}

// waitReady confirms with a real connection and query: pg_ctl -w only knows the postmaster's
// own view of readiness.
func waitReady(dsn string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		if lastErr = ping(dsn, 5*time.Second); lastErr == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("pgtest: server did not accept connections within %s: %w", timeout, lastErr)
}

// ping connects and runs SELECT 1.
func ping(dsn string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// killPostmaster is the fallback when pg_ctl stop fails: SIGQUIT is PostgreSQL's immediate
// shutdown, SIGKILL if it does not go away.
func killPostmaster(data string) error {
	if err := testsrv.KillPID(filepath.Join(data, "postmaster.pid"), syscall.SIGQUIT, 5*time.Second); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// lastLines keeps error messages short.
func lastLines(b []byte, n int) string { return testsrv.LastLines(b, n) }

// RequirePassword makes the server ask TCP logins of user for a password
// (scram-sha-256) and reloads its configuration; other users stay trusted.
// Give the user a password first (ALTER ROLE … PASSWORD …).
func (s *Server) RequirePassword(user string) error {
	hba := filepath.Join(s.dir, "data", "pg_hba.conf")
	old, err := os.ReadFile(hba)
	if err != nil {
		return fmt.Errorf("pgtest: read pg_hba.conf: %w", err)
	}
	// The first matching line wins.
	line := fmt.Sprintf("host all %s 127.0.0.1/32 scram-sha-256\n", user)
	if err := os.WriteFile(hba, append([]byte(line), old...), 0o600); err != nil {
		return fmt.Errorf("pgtest: write pg_hba.conf: %w", err)
	}
	if out, err := s.run("pg_ctl", "reload", "-D", filepath.Join(s.dir, "data")); err != nil {
		return fmt.Errorf("pgtest: pg_ctl reload: %w: %s", err, lastLines(out, 10))
	}
	return nil
}

// Kill stops the server at once, as a crash would (pg_ctl stop -m
// immediate): every client's connection is closed. Stop still removes the
// data directory afterwards.
func (s *Server) Kill() error {
	if out, err := s.run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", filepath.Join(s.dir, "data")); err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %w: %s", err, lastLines(out, 10))
	}
	return nil
}
