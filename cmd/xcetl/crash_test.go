package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/xcetl/xcetl/internal/failpoint"
)

// The crash matrix: every source that keeps state, killed with SIGKILL at
// every phase boundary of a run (internal/failpoint), then run again: the
// target must hold every source row exactly once. The binary under test is
// xcetl built with -tags failpoint, once per test process; the release
// build is checked to contain no failpoint.

var builds struct {
	once          sync.Once
	dir           string
	fp, release   string
	fpErr, relErr error
}

// xcetlBinaries builds xcetl with and without the failpoint tag (in
// parallel, once).
func xcetlBinaries(t *testing.T) (withFailpoints, release string) {
	t.Helper()
	builds.once.Do(func() {
		dir, err := os.MkdirTemp("", "xcetl-crash-")
		if err != nil {
			builds.fpErr, builds.relErr = err, err
			return
		}
		builds.dir = dir
		build := func(out string, tags ...string) error {
			args := append([]string{"build", "-trimpath", "-o", out}, tags...)
			cmd := exec.Command("go", append(args, ".")...)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if msg, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
			}
			return nil
		}
		builds.fp, builds.release = filepath.Join(dir, "xcetl-failpoint"), filepath.Join(dir, "xcetl")
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); builds.fpErr = build(builds.fp, "-tags", "failpoint") }()
		go func() { defer wg.Done(); builds.relErr = build(builds.release) }()
		wg.Wait()
	})
	if builds.fpErr != nil {
		t.Fatal(builds.fpErr)
	}
	if builds.relErr != nil {
		t.Fatal(builds.relErr)
	}
	return builds.fp, builds.release
}

// TestReleaseHasNoFailpointsIntegration: the release build can never kill
// itself: it does not contain the failpoint code or its variable's name.
func TestReleaseHasNoFailpointsIntegration(t *testing.T) {
	if failpoint.Enabled {
		t.Fatal("the tests are built with the failpoint tag: make test must not be")
	}
	fp, release := xcetlBinaries(t)
	for _, c := range []struct {
		bin  string
		want bool
	}{{fp, true}, {release, false}} {
		data, err := os.ReadFile(c.bin)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(data, []byte("XCETL_FAILPOINT")); got != c.want {
			t.Errorf("%s contains XCETL_FAILPOINT: %v, want %v", filepath.Base(c.bin), got, c.want)
		}
	}
}

// crashSource is one kind of source of the matrix.
type crashSource struct {
	name   string
	yaml   string // the source: and transforms: part of the pipeline
	commit string
	points []string
	// noOpAfterCommit: a rerun after the final commit reads nothing and
	// the summary says "nothing to load".
	noOpAfterCommit bool
}

const crashRows = 10 // ids 1..10, batches of 3: 4 batches

// crashSources writes the inputs of every source into dir.
func crashSources(t *testing.T, dir, apiURL string) []crashSource {
	t.Helper()
	var csvData strings.Builder
	csvData.WriteString("id,name\n")
	for i := 1; i <= crashRows; i++ {
		fmt.Fprintf(&csvData, "%d,名字%d\n", i, i)
	}
	src := writeFile(t, dir, "in.csv", csvData.String())
	writeFile(t, dir, "files/a.csv", "id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n6,f\n")
	writeFile(t, dir, "files/b.csv", "id,name\n7,g\n8,h\n9,i\n10,j\n")

	x := excelize.NewFile()
	if err := x.SetSheetRow("Sheet1", "A1", &[]any{"id", "name"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= crashRows; i++ {
		if err := x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &[]any{i, fmt.Sprintf("名字%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	book := filepath.Join(dir, "in.xlsx")
	if err := x.SaveAs(book); err != nil {
		t.Fatal(err)
	}

	all := []string{failpoint.BatchCommit + ":1", failpoint.BatchCommit + ":4", failpoint.FinalCommit,
		failpoint.RunHistory, failpoint.Unlock, failpoint.Report, failpoint.Metrics}
	return []crashSource{
		{"csv", fmt.Sprintf("source: {type: csv, path: %q}\ntransforms:\n  - cast: {id: int}\n", src), "batch", all, true},
		{"excel", fmt.Sprintf("source: {type: excel, path: %q}\ntransforms:\n  - cast: {id: int}\n", book), "batch", all, true},
		{"api", fmt.Sprintf("source: {type: api, url: %q, records: items, incremental: {column: updated_at, param: since, ordered: true}}\n"+
			"transforms:\n  - cast: {id: int}\n", apiURL), "batch", all, false},
		// commit_every: 2 — 4 batches in 2 transactions: the 1st and the
		// 2nd commit, then the final one with nothing left.
		{"csv-grouped", fmt.Sprintf("source: {type: csv, path: %q}\ntransforms:\n  - cast: {id: int}\n", src), "batch, commit_every: 2",
			append([]string{failpoint.BatchCommit + ":1", failpoint.BatchCommit + ":2"}, all[2:]...), true},
		{"files", fmt.Sprintf("source: {type: csv, path: %q, incremental: files}\ntransforms:\n  - cast: {id: int}\n", filepath.Join(dir, "files", "*.csv")),
			"run", all[2:], true},
	}
}

// crashAPI serves crashRows records in order of updated_at, newer than
// ?since= when given.
func crashAPI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since := r.URL.Query().Get("since")
		var items []map[string]any
		for i := 1; i <= crashRows; i++ {
			ts := fmt.Sprintf("2024-01-01 00:00:%02d", i)
			if since == "" || ts > since {
				items = append(items, map[string]any{"id": i, "name": fmt.Sprintf("名字%d", i), "updated_at": ts})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items})
	}))
}

// TestCrashMatrixIntegration kills a run at every phase boundary — after
// the first and the last batch commit, after the final commit, after the
// run-history row, after the unlock, after the report and after the
// metrics file — and runs it again: the target holds every row exactly
// once, for csv, excel, an api with an incremental watermark and csv with
// incremental: files, and csv with batches grouped in transactions
// (commit_every), on SQLite and PostgreSQL.
func TestCrashMatrixIntegration(t *testing.T) {
	fp, _ := xcetlBinaries(t)
	dir := t.TempDir()
	srv := crashAPI()
	t.Cleanup(srv.Close)
	targets := opsTargets(t, dir)
	sources := crashSources(t, dir, srv.URL)
	for _, o := range targets {
		for _, s := range sources {
			file := writeFile(t, dir, s.name+".yaml", "version: 1\nname: \"${NAME}\"\n"+s.yaml+
				"target: {type: \"${TT}\", dsn: \"${DSN}\", table: \"${NAME}\", mode: append, commit: "+s.commit+", batch_size: 3}\n")
			for _, point := range s.points {
				name := strings.NewReplacer("-", "_", ":", "_").Replace(s.name + "_" + point)
				t.Run(o.name+"/"+s.name+"/"+point, func(t *testing.T) {
					t.Parallel()
					sdir := t.TempDir()
					dsn := o.dsn
					if o.typ == "sqlite" {
						dsn = filepath.Join(sdir, "target.db")
					}
					args := []string{"run", file, "--progress", "never", "--set", "NAME=" + name,
						"--set", "TT=" + o.typ, "--set", "DSN=" + dsn,
						"--report", filepath.Join(sdir, "report.json"), "--metrics-file", filepath.Join(sdir, "m.prom")}
					stderr, killed := runBinary(t, fp, point, args...)
					if !killed || !strings.Contains(stderr, "failpoint "+point) {
						t.Fatalf("the run was not killed at %s:\n%s", point, stderr)
					}
					var code int
					for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
						var k bool
						stderr, k = runBinary(t, fp, "", args...)
						code = exitCode(k, stderr)
						if code != 3 || time.Since(start) > 15*time.Second {
							break // 3: the server has not seen the killed run's lock session end yet
						}
					}
					if code != 0 {
						t.Fatalf("the rerun exited %d:\n%s", code, stderr)
					}
					db := o.db
					if o.typ == "sqlite" {
						db = openSQLite(t, dsn)
					}
					var n, distinct, lo, hi int64
					if err := db.QueryRow(fmt.Sprintf("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM %s", name)).Scan(&n, &distinct, &lo, &hi); err != nil {
						t.Fatal(err)
					}
					if n != crashRows || distinct != crashRows || lo != 1 || hi != crashRows {
						t.Fatalf("after a kill at %s and a rerun: %d rows, %d distinct ids %d..%d; want ids 1..%d once each\nrerun:\n%s",
							point, n, distinct, lo, hi, crashRows, stderr)
					}
					afterCommit := !strings.HasPrefix(point, failpoint.BatchCommit)
					if afterCommit && s.noOpAfterCommit && !strings.Contains(stderr, "nothing to load: ") {
						t.Errorf("the rerun after a kill at %s does not say it had nothing to load:\n%s", point, stderr)
					}
					if point == failpoint.BatchCommit+":1" && s.name != "api" && !strings.Contains(stderr, "resumed at ") {
						t.Errorf("the resumed run does not say where it resumed:\n%s", stderr)
					}
				})
			}
		}
	}
}

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// runBinary runs bin with args, killed at failpoint point ("" for none).
// It returns stderr and whether the process died of SIGKILL.
func runBinary(t *testing.T, bin, point string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	if point != "" {
		cmd.Env = append(cmd.Env, "XCETL_FAILPOINT="+point)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return stderr.String(), true
		}
		return stderr.String() + fmt.Sprintf("\n(exit code %d)", ee.ExitCode()), false
	} else if err != nil {
		t.Fatal(err)
	}
	return stderr.String(), false
}

// exitCode reads the code runBinary appended to stderr.
func exitCode(killed bool, stderr string) int {
	if killed {
		return -1
	}
	var code int
	if i := strings.LastIndex(stderr, "\n(exit code "); i >= 0 {
		fmt.Sscanf(stderr[i:], "\n(exit code %d)", &code)
	}
	return code
}

// TestReportNotWrittenIntegration: a run whose data committed but whose
// report or metrics file cannot be written (a directory as the report,
// a full disk) exits 4 saying the data is committed and whether a rerun
// would load it again; the rerun of a source that keeps state loads
// nothing.
func TestReportNotWrittenIntegration(t *testing.T) {
	_, release := xcetlBinaries(t)
	dir := t.TempDir()
	src := writeFile(t, dir, "in.csv", "id,name\n1,a\n2,b\n3,c\n")
	file := writeFile(t, dir, "p.yaml", `version: 1
name: "${NAME}"
source: {type: csv, path: "${SRC}", incremental: files}
target: {type: "${TT}", dsn: "${DSN}", table: "${NAME}", mode: append, commit: batch}
`)
	noState := writeFile(t, dir, "nostate.yaml", `version: 1
name: "${NAME}"
source: {type: csv, path: "${SRC}"}
target: {type: "${TT}", dsn: "${DSN}", table: "${NAME}"}
`)
	for _, o := range opsTargets(t, dir) {
		t.Run(o.name, func(t *testing.T) {
			name := "unreported_" + o.name
			args := []string{"run", file, "--progress", "never", "--set", "NAME=" + name, "--set", "SRC=" + src,
				"--set", "TT=" + o.typ, "--set", "DSN=" + o.dsn}
			code, _, stderr := runCLI(t, append(args, "--report", "/")...)
			if code != 4 {
				t.Fatalf("--report /: exit %d, want 4:\n%s", code, stderr)
			}
			for _, want := range []string{"the run succeeded and its data is committed (3 rows", "write report /: / is a directory",
				"a rerun of the same input loads nothing again"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("--report /: message lacks %q:\n%s", want, stderr)
				}
			}
			// A full disk: the file size limit makes every write of a
			// regular file fail (EFBIG), as ENOSPC would.
			if o.typ == "postgres" {
				// The database is a regular file too with SQLite: only
				// with a PostgreSQL target can the report and the metrics
				// alone be limited.
				fullDisk(t, release, o, dir, noState, src)
			}
			// The rerun loads nothing and its report says why.
			rep := filepath.Join(dir, name+"-ok.json")
			code, _, stderr = runCLI(t, append(args, "--report", rep)...)
			if code != 0 {
				t.Fatalf("rerun: exit %d:\n%s", code, stderr)
			}
			if n := o.count(t, "SELECT count(*) FROM "+name); n != 3 {
				t.Errorf("rows after the rerun = %d, want 3", n)
			}
			var r struct {
				RowsWritten int64    `json:"rows_written"`
				StateKept   bool     `json:"state_kept"`
				Unchanged   []string `json:"unchanged"`
			}
			data, _ := os.ReadFile(rep)
			if err := json.Unmarshal(data, &r); err != nil || r.RowsWritten != 0 || !r.StateKept || len(r.Unchanged) != 1 || r.Unchanged[0] != src {
				t.Errorf("rerun report %s (%v)", data, err)
			}
			if fi, err := os.Stat(rep); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("report mode: %v %v, want 0600", fi.Mode(), err)
			}
		})
	}
}

// fullDisk runs a pipeline whose source keeps no state with a file size
// limit of 0: every write of a regular file fails (EFBIG), as on a full
// disk. The data goes to PostgreSQL and commits; the report and metrics
// cannot be written.
func fullDisk(t *testing.T, bin string, o opsTarget, dir, file, src string) {
	t.Helper()
	name := "fulldisk"
	prom := filepath.Join(dir, name+".prom")
	cmd := exec.Command("sh", "-c", `ulimit -f 0; exec "$@"`, "sh", bin, "run", file, "--progress", "never",
		"--set", "NAME="+name, "--set", "SRC="+src, "--set", "TT="+o.typ, "--set", "DSN="+o.dsn,
		"--report", filepath.Join(dir, name+".json"), "--metrics-file", prom)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 4 {
		t.Fatalf("full disk: %v, want exit 4:\n%s", err, out)
	}
	for _, want := range []string{"the run succeeded and its data is committed (3 rows", "file too large", "write metrics " + prom,
		"do not rerun it to get the report: this source keeps no state"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("full disk: message lacks %q:\n%s", want, out)
		}
	}
	if n := o.count(t, "SELECT count(*) FROM "+name); n != 3 {
		t.Errorf("rows after the full-disk run = %d, want 3", n)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "."+name+"*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
