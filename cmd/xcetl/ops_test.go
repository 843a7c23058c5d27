package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/xcetl/xcetl/internal/pgtest"
)

// The tests of running unattended: locks, resumable loads, run history and
// metrics, with real processes (the test binary re-executed as xcetl, see
// TestCLIChild) that are SIGKILLed, on SQLite and on a real PostgreSQL.

// TestCLIChild is not a test: it is xcetl's main when the test binary is
// re-executed by child().
func TestCLIChild(t *testing.T) {
	if os.Getenv("XCETL_CLI_CHILD") != "1" {
		t.Skip("helper process of the tests that run xcetl as a child process")
	}
	args := strings.Split(os.Getenv("XCETL_CLI_ARGS"), "\x1f")
	os.Exit(Main(args, os.Stdin, os.Stdout, os.Stderr))
}

// child returns xcetl with args as a process of its own (not started).
func child(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "XCETL_CLI_CHILD=1", "XCETL_CLI_ARGS="+strings.Join(args, "\x1f"))
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	return cmd, stderr
}

// syncBuffer is a buffer a child process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// opsTarget is a target database for the tests: a SQLite file or a fresh
// PostgreSQL database.
type opsTarget struct {
	name, typ, dsn string
	db             *sql.DB
}

func opsTargets(t *testing.T, dir string) []opsTarget {
	t.Helper()
	lite := filepath.Join(dir, "target.db")
	ldb, err := sql.Open("sqlite", lite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ldb.Close() })
	pg := pgtest.NewDatabase(t)
	pdb, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pdb.Close() })
	return []opsTarget{{"sqlite", "sqlite", lite, ldb}, {"postgres", "postgres", pg, pdb}}
}

func (o opsTarget) count(t *testing.T, q string) int64 {
	t.Helper()
	var n int64
	if err := o.db.QueryRow(q).Scan(&n); err != nil {
		if strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "does not exist") {
			return 0
		}
		t.Fatalf("%s: %s: %v", o.name, q, err)
	}
	return n
}

const opsPipeline = `version: 1
name: "${NAME}"
source: {type: csv, path: "${SRC}", encoding: "${ENC:-auto}"}
transforms:
  - cast: {id: int}
target: {type: "${TT}", dsn: "${DSN}", table: "${TABLE}", mode: append, commit: "${COMMIT}", batch_size: "${BATCH:-1000}"}
`

func opsArgs(file string, o opsTarget, src, table, commit string, extra ...string) []string {
	args := []string{"run", file, "--progress", "never", "--set", "NAME=" + table, "--set", "SRC=" + src,
		"--set", "TT=" + o.typ, "--set", "DSN=" + o.dsn, "--set", "TABLE=" + table, "--set", "COMMIT=" + commit}
	return append(args, extra...)
}

// runAfterKill runs xcetl after a child was SIGKILLed: a PostgreSQL
// server may not have seen the killed run's lock session end yet (exit 3,
// "released it a moment ago"), so it tries again for a few seconds.
func runAfterKill(t *testing.T, args ...string) (int, string) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		code, _, stderr := runCLI(t, args...)
		if code != 3 || time.Since(start) > 15*time.Second {
			return code, stderr
		}
	}
}

// TestLockIntegration: two runs of one pipeline started together never
// both load — the second exits 3 naming the holder's host, pid and start —
// and a SIGKILLed holder does not block the next run.
func TestLockIntegration(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "p.yaml", opsPipeline)
	host, _ := os.Hostname()
	for _, o := range opsTargets(t, dir) {
		t.Run(o.name, func(t *testing.T) {
			// The source is a FIFO: a run holds the lock, then blocks
			// opening its source until the test writes the data.
			fifo := filepath.Join(dir, o.name+".fifo")
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			// A FIFO cannot be sniffed for its encoding (no seeking back).
			args := opsArgs(file, o, fifo, "locked", "run", "--set", "ENC=utf-8", "--log-level", "debug")
			a, aerr := child(t, args...)
			b, berr := child(t, args...)
			if err := a.Start(); err != nil {
				t.Fatal(err)
			}
			if err := b.Start(); err != nil {
				t.Fatal(err)
			}
			// The loser exits at once with 3; the winner waits for data.
			lost := make(chan *exec.Cmd, 2)
			for _, c := range []*exec.Cmd{a, b} {
				go func(c *exec.Cmd) { _ = c.Wait(); lost <- c }(c)
			}
			var loser *exec.Cmd
			select {
			case loser = <-lost:
			case <-time.After(60 * time.Second):
				t.Fatal("neither run exited: both took the lock?")
			}
			winner, werr := a, aerr
			lerr := berr
			if loser == a {
				winner, werr, lerr = b, berr, aerr
			}
			if code := loser.ProcessState.ExitCode(); code != 3 {
				t.Fatalf("the second run exited %d, want 3:\n%s", code, lerr)
			}
			msg := lerr.String()
			for _, want := range []string{"is locked by another run", "host " + host, "pid " + strconv.Itoa(winner.Process.Pid), "since "} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
			// Let the winner load.
			if err := os.WriteFile(fifo, []byte("id,name\n1,a\n2,b\n3,c\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			<-lost
			if code := winner.ProcessState.ExitCode(); code != 0 {
				t.Fatalf("the winner exited %d:\n%s", code, werr)
			}
			if n := o.count(t, "SELECT count(*) FROM locked"); n != 3 {
				t.Errorf("rows = %d, want 3 (one load)", n)
			}
			if n := o.count(t, "SELECT count(*) FROM xcetl_runs WHERE pipeline = 'locked' AND status = 'locked'"); n != 1 {
				t.Errorf("run history has %d locked runs, want 1", n)
			}
			if n := o.count(t, "SELECT count(*) FROM xcetl_runs WHERE pipeline = 'locked' AND status = 'ok' AND rows_written = 3"); n != 1 {
				t.Errorf("run history has %d ok runs with 3 rows, want 1", n)
			}

			// A holder killed with SIGKILL blocks nobody.
			k, kerr := child(t, args...)
			if err := k.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(30 * time.Second); !strings.Contains(kerr.String(), "took the pipeline lock"); {
				if time.Now().After(deadline) {
					t.Fatalf("the child never took the lock:\n%s", kerr)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := k.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = k.Wait()
			go func() {
				// The next run blocks on the FIFO in its turn: feed it.
				time.Sleep(300 * time.Millisecond)
				_ = os.WriteFile(fifo, []byte("id,name\n4,d\n"), 0o644)
			}()
			var code int
			var stderr string
			for start := time.Now(); ; {
				code, _, stderr = runCLI(t, args...)
				if code != 3 || time.Since(start) > 10*time.Second {
					break
				}
				time.Sleep(200 * time.Millisecond) // the server has not seen the session end yet
			}
			if code != 0 {
				t.Fatalf("after the holder was killed the next run exited %d:\n%s", code, stderr)
			}
			if n := o.count(t, "SELECT count(*) FROM locked"); n != 4 {
				t.Errorf("rows = %d, want 4", n)
			}
		})
	}
}

// TestResumeAfterSIGKILLIntegration: a commit: batch load SIGKILLed in the
// middle, twice, then run again, ends with exactly the source rows — none
// lost, none twice — in append mode.
func TestResumeAfterSIGKILLIntegration(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "p.yaml", opsPipeline)
	const rows = 300_000
	var b bytes.Buffer
	b.WriteString("id,name\n")
	for i := 1; i <= rows; i++ {
		// Every 1000th row spans two lines, to exercise quoted line breaks.
		if i%1000 == 0 {
			fmt.Fprintf(&b, "%d,\"名字\n%d\"\n", i, i)
		} else {
			fmt.Fprintf(&b, "%d,名字%d\n", i, i)
		}
	}
	src := writeFile(t, dir, "big.csv", b.String())
	for _, o := range opsTargets(t, dir) {
		t.Run(o.name, func(t *testing.T) {
			args := opsArgs(file, o, src, "big", "batch", "--set", "BATCH=500")
			count := func() int64 { return o.count(t, "SELECT count(*) FROM big") }
			// Kill early, then in the middle of the file. A machine busy
			// enough to starve this test may let a run finish before the
			// kill lands: then start over with an earlier kill.
			killed := false
			for attempt := 0; attempt < 3 && !killed; attempt++ {
				if attempt > 0 {
					for _, q := range []string{"DROP TABLE big", "DELETE FROM xcetl_state WHERE pipeline = 'big'"} {
						if _, err := o.db.Exec(q); err != nil {
							t.Fatal(err)
						}
					}
				}
				killed = true
				for kill, after := range []int64{1, 120_000 >> (2 * attempt)} {
					before := count()
					c, stderr := child(t, args...)
					if err := c.Start(); err != nil {
						t.Fatal(err)
					}
					done := make(chan struct{})
					go func() { _ = c.Wait(); close(done) }()
					// Kill once this run has committed enough of its own.
					for count() < before+after {
						select {
						case <-done:
							t.Fatalf("the run ended before it could be killed (exit %d):\n%s", c.ProcessState.ExitCode(), stderr)
						case <-time.After(2 * time.Millisecond):
						}
					}
					_ = c.Process.Signal(syscall.SIGKILL)
					<-done
					n := count()
					if n >= rows {
						t.Logf("attempt %d: kill %d came too late (%d rows loaded); again", attempt+1, kill+1, n)
						killed = false
						break
					}
					t.Logf("kill %d: %d of %d rows committed", kill+1, n, rows)
				}
			}
			if !killed {
				t.Fatal("could not kill a run in the middle of the load in 3 attempts")
			}
			code, stderr := runAfterKill(t, args...)
			if code != 0 {
				t.Fatalf("the resumed run exited %d:\n%s", code, stderr)
			}
			if !strings.Contains(stderr, "resumed at line ") || !strings.Contains(stderr, " of "+src) {
				t.Errorf("the summary of the resumed run does not say where it resumed:\n%s", stderr)
			}
			if n := count(); n != rows {
				t.Errorf("rows = %d, want %d", n, rows)
			}
			if n := o.count(t, "SELECT count(DISTINCT id) FROM big"); n != rows {
				t.Errorf("distinct ids = %d, want %d (duplicates or gaps)", n, rows)
			}
			if n := o.count(t, "SELECT count(*) FROM big WHERE id = 1000 AND name = '名字\n1000'"); n != 1 {
				t.Errorf("the two-line row 1000 is not loaded exactly once (%d)", n)
			}
			// The run completed: the next one of the unchanged file loads
			// nothing, and says so.
			code, _, stderr = runCLI(t, args...)
			if code != 0 {
				t.Fatalf("the next run exited %d:\n%s", code, stderr)
			}
			if n := count(); n != rows {
				t.Errorf("after a complete run and one more: rows = %d, want %d", n, rows)
			}
			if !strings.Contains(stderr, "nothing to load: "+src+" loaded completely by an earlier run") {
				t.Errorf("the summary of the no-op run does not say why:\n%s", stderr)
			}
		})
	}
}

// TestMetricsAndManifestIntegration: incremental: files skips a file loaded
// before; the metrics file of each run passes promtool (when installed; in
// CI it must be).
func TestMetricsAndManifestIntegration(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "p.yaml", `version: 1
name: daily
source: {type: csv, path: "in/*.csv", incremental: files}
transforms:
  - cast: {id: int}
target: {type: "${TT}", dsn: "${DSN}", table: daily}
`)
	writeFile(t, dir, "in/2024-01-01.csv", "id,name\n1,a\n2,b\n")
	for _, o := range opsTargets(t, dir) {
		t.Run(o.name, func(t *testing.T) {
			prom := filepath.Join(dir, o.name+".prom")
			run := func() string {
				t.Helper()
				code, _, stderr := runCLI(t, "run", file, "--progress", "never", "--set", "TT="+o.typ, "--set", "DSN="+o.dsn, "--metrics-file", prom)
				if code != 0 {
					t.Fatalf("exit %d:\n%s", code, stderr)
				}
				data, err := os.ReadFile(prom)
				if err != nil {
					t.Fatal(err)
				}
				promtool(t, prom)
				return string(data)
			}
			m := run()
			if !strings.Contains(m, `xcetl_rows_written_total{pipeline="daily"} 2`) || !strings.Contains(m, `xcetl_run_success{pipeline="daily"} 1`) {
				t.Errorf("metrics of the first run:\n%s", m)
			}
			m = run()
			if !strings.Contains(m, `xcetl_rows_read_total{pipeline="daily"} 0`) {
				t.Errorf("the second run read rows (the file was loaded before):\n%s", m)
			}
			writeFile(t, dir, "in/2024-01-02.csv", "id,name\n3,c\n")
			m = run()
			if !strings.Contains(m, `xcetl_rows_written_total{pipeline="daily"} 1`) {
				t.Errorf("the third run should load the new file only:\n%s", m)
			}
			if n := o.count(t, "SELECT count(*) FROM daily"); n != 3 {
				t.Errorf("rows = %d, want 3", n)
			}
			if n := o.count(t, "SELECT count(*) FROM xcetl_state WHERE pipeline = 'daily'"); n != 2 {
				t.Errorf("manifest entries = %d, want 2", n)
			}
			if n := o.count(t, "SELECT count(*) FROM xcetl_runs WHERE pipeline = 'daily'"); n != 3 {
				t.Errorf("run history rows = %d, want 3", n)
			}
			_ = os.Remove(filepath.Join(dir, "in/2024-01-02.csv"))
		})
	}
}

// promtool runs `promtool check metrics` on a metrics file: skipped when
// promtool is not installed, except in CI, where it must be.
func promtool(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is not installed (CI=true requires it: apt-get install prometheus)")
		}
		t.Log("promtool not installed: metrics format not checked by it")
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "check", "metrics")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s\n--- metrics:\n%s", err, out, data)
	}
}
