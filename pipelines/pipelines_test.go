package pipelines_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/pipelines"
)

func TestParseReportsEveryProblem(t *testing.T) {
	src := `version: 2
name: Bad Name
sourc: {type: gen}
transforms:
  - every: {reject: x}
  - nosuch: {}
  - {}
target: {type: rec, name: r, bogus: 1}
errors: {max_rejects: "2x", reject_fil: a.csv}
extra: ${UNSET_VAR_FOR_TEST}
`
	_, err := pipelines.Parse("p.yaml", []byte(src), pipelines.WithLookupEnv(noEnv))
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, xcetl.ErrInvalid) {
		t.Fatalf("error is not ErrInvalid: %v", err)
	}
	for _, want := range []string{
		`p.yaml:1:10: version: unsupported version "2"`,
		`p.yaml:2:7: name: name "Bad Name" must match [a-z0-9_-]+`,
		`p.yaml:3:1: sourc: unknown key "sourc" (did you mean "source"?)`,
		`p.yaml:9:23: errors.max_rejects: max_rejects "2x"`,
		`p.yaml:9:29: errors.reject_fil: unknown key "reject_fil" (did you mean "reject_file"?)`,
		`p.yaml:10:1: extra: unknown key "extra"`,
		`p.yaml:10:8: extra: variable ${UNSET_VAR_FOR_TEST} is not set`,
		`p.yaml:1:1: missing required key "source"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestNewReportsPluginProblems(t *testing.T) {
	src := `version: 1
name: ok
source: {type: gen, rows: many}
transforms:
  - every: {reject: x}
  - nosuch: {}
  - {}
target: {type: rec, name: r, bogus: 1}
`
	spec, err := pipelines.Parse("p.yaml", []byte(src), pipelines.WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pipelines.New(spec)
	for _, want := range []string{
		`p.yaml:3:27: source.rows: expected a whole number, got "many"`,
		`p.yaml:5:21: transforms[0].every.reject: expected a whole number`,
		`p.yaml:6:5: transforms[1]: unknown transform "nosuch"`,
		`p.yaml:7:5: transforms[2]: each item must be a mapping with exactly one key`,
		`p.yaml:8:30: target.bogus: unknown key "bogus"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func noEnv(string) (string, bool) { return "", false }

func build(t *testing.T, dir, body string, vars map[string]string) *pipelines.Pipeline {
	t.Helper()
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pipelines.Load(path, pipelines.WithVars(vars), pipelines.WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunKeepsOrderAndCounts(t *testing.T) {
	tests := []struct {
		name                                string
		rows, batch, reject, filter         int
		maxRejects                          string
		limit                               int64
		wantStatus                          pipelines.Status
		wantRead, wantWritten, wantRejected int64
		wantFiltered                        int64
		wantCommits, wantRollbacks          int
	}{
		{name: "clean", rows: 10000, batch: 7, wantStatus: "ok", wantRead: 10000, wantWritten: 10000, wantCommits: 1},
		{name: "rejects within limit", rows: 1000, batch: 64, reject: 10, filter: 7, maxRejects: "100",
			wantStatus: "ok", wantRead: 1000, wantRejected: 100, wantFiltered: 128, wantWritten: 772, wantCommits: 1},
		{name: "rejects over count", rows: 1000, batch: 64, reject: 10, maxRejects: "5",
			wantStatus: "failed", wantRollbacks: 1},
		{name: "rejects within percent", rows: 1000, batch: 64, reject: 10, maxRejects: "10%",
			wantStatus: "ok", wantRead: 1000, wantRejected: 100, wantWritten: 900, wantCommits: 1},
		{name: "rejects over percent", rows: 1000, batch: 64, reject: 10, maxRejects: "9.5%",
			wantStatus: "failed", wantRead: 1000, wantRejected: 100, wantWritten: 900, wantRollbacks: 1},
		{name: "limit", rows: 1000, batch: 64, limit: 100, wantStatus: "ok", wantRead: 100, wantWritten: 100, wantCommits: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			name := t.Name()
			body := fmt.Sprintf(`version: 1
name: order
source: {type: gen, rows: %d}
transforms:
  - every: {reject: %d, filter: %d}
target: {type: rec, name: %q, batch_size: %d}
errors: {max_rejects: %q, reject_file: out/rejects.csv}
`, tt.rows, tt.reject, tt.filter, name, tt.batch, orDefault(tt.maxRejects, "0"))
			p := build(t, dir, body, nil)
			rep, err := p.Run(context.Background(), pipelines.RunOptions{Limit: tt.limit, Workers: 4})
			if rep.Status != tt.wantStatus || (err == nil) != (tt.wantStatus == "ok") {
				t.Fatalf("status %s, err %v; want %s", rep.Status, err, tt.wantStatus)
			}
			if tt.wantStatus == "ok" || tt.wantRead > 0 {
				if rep.RowsRead != tt.wantRead || rep.RowsWritten != tt.wantWritten || rep.RowsRejected != tt.wantRejected || rep.RowsFiltered != tt.wantFiltered {
					t.Fatalf("counts read %d written %d rejected %d filtered %d", rep.RowsRead, rep.RowsWritten, rep.RowsRejected, rep.RowsFiltered)
				}
			}
			// The source's own stat reaches the report: one batch per
			// Next that returned rows.
			if want := float64((tt.rows + tt.batch - 1) / tt.batch); tt.wantStatus == "ok" && tt.limit == 0 && rep.Stats["gen_batches"] != want {
				t.Errorf("stats %v, want gen_batches %v", rep.Stats, want)
			}
			if rep.RowsRead != rep.RowsWritten+rep.RowsRejected+rep.RowsFiltered {
				t.Fatalf("invariant broken: %+v", rep)
			}
			r := rec(name)
			if r.commits != tt.wantCommits || r.rollbacks != tt.wantRollbacks || !r.closed {
				t.Fatalf("commits %d rollbacks %d closed %v", r.commits, r.rollbacks, r.closed)
			}
			// Rows arrive in source order, whatever the workers did.
			prev := 0
			for _, s := range r.rows {
				n, _ := strconv.Atoi(s)
				if n <= prev {
					t.Fatalf("row %d after %d: order lost", n, prev)
				}
				prev = n
			}
			if tt.wantStatus != "ok" && len(r.rows) != 0 {
				t.Fatalf("failed run left %d rows", len(r.rows))
			}
			if tt.wantRejected > 0 {
				checkRejectFile(t, filepath.Join(dir, "out/rejects.csv"), tt.wantRejected, tt.reject)
			}
		})
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func checkRejectFile(t *testing.T, path string, want int64, every int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "\uFEFF") {
		t.Fatal("reject file has no BOM")
	}
	// Rejected rows are personal data in clear: owner only.
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("reject file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "_file,_line,_field,_column,_reason,n,text" {
		t.Fatalf("header %q", got)
	}
	if int64(len(recs)-1) != want {
		t.Fatalf("%d rejects in file, want %d", len(recs)-1, want)
	}
	first := recs[1]
	wantFirst := []string{"gen", strconv.Itoa(every + 1), "1", "n", "multiple of " + strconv.Itoa(every), strconv.Itoa(every), "row " + strconv.Itoa(every)}
	if strings.Join(first, "|") != strings.Join(wantFirst, "|") {
		t.Fatalf("first reject %q, want %q", first, wantFirst)
	}
}

func TestRunFailuresRollBack(t *testing.T) {
	tests := []struct {
		name, source, target, want string
		perBatch                   bool
		wantCommitted              int
	}{
		{"source error", "{type: gen, rows: 100, fail_at: 50}", "fail_write: 0", "broken at row 50", false, 0},
		{"target error", "{type: gen, rows: 100}", "fail_write: 3", "disk full", false, 0},
		{"target error per batch", "{type: gen, rows: 100}", "fail_write: 3, per_batch: true", "disk full", true, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := t.Name()
			body := fmt.Sprintf("version: 1\nname: f\nsource: %s\ntarget: {type: rec, name: %q, batch_size: 10, %s}\n", tt.source, name, tt.target)
			p := build(t, t.TempDir(), body, nil)
			rep, err := p.Run(context.Background(), pipelines.RunOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || rep.Status != "failed" || !strings.Contains(rep.Error, tt.want) {
				t.Fatalf("err %v, report %+v", err, rep)
			}
			r := rec(name)
			if r.rollbacks != 1 || r.commits != 0 || len(r.rows) != tt.wantCommitted || rep.RowsCommitted != int64(tt.wantCommitted) {
				t.Fatalf("rollbacks %d commits %d rows %d committed %d", r.rollbacks, r.commits, len(r.rows), rep.RowsCommitted)
			}
		})
	}
}

func TestRunCancelRollsBack(t *testing.T) {
	name := t.Name()
	body := fmt.Sprintf("version: 1\nname: c\nsource: {type: gen, rows: 1000000, delay: 5ms}\ntarget: {type: rec, name: %q, batch_size: 10}\n", name)
	p := build(t, t.TempDir(), body, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	rep, err := p.Run(ctx, pipelines.RunOptions{})
	if !errors.Is(err, xcetl.ErrInterrupted) || rep.Status != "failed" {
		t.Fatalf("err %v status %s", err, rep.Status)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("cancel took too long")
	}
	r := rec(name)
	if r.rollbacks != 1 || len(r.rows) != 0 {
		t.Fatalf("rollbacks %d rows %d", r.rollbacks, len(r.rows))
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	name := t.Name()
	body := fmt.Sprintf("version: 1\nname: d\nsource: {type: gen, rows: 50}\ntarget: {type: rec, name: %q}\n", name)
	p := build(t, t.TempDir(), body, nil)
	rep, err := p.Run(context.Background(), pipelines.RunOptions{DryRun: true})
	if err != nil || rep.RowsWritten != 50 || !rep.DryRun {
		t.Fatalf("err %v report %+v", err, rep)
	}
	if r := rec(name); r.opened || r.writeCalls != 0 {
		t.Fatal("dry run touched the target")
	}
}

func TestReportJSONAndSecrets(t *testing.T) {
	name := t.Name()
	body := fmt.Sprintf("version: 1\nname: s\nsource: {type: gen, rows: 100, fail_at: 10}\ntarget: {type: rec, name: %q, batch_size: 10}\n", name)
	p := build(t, t.TempDir(), body, nil)
	rep, _ := p.Run(context.Background(), pipelines.RunOptions{})
	path := filepath.Join(t.TempDir(), "r", "report.json")
	if err := rep.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for _, key := range []string{`"pipeline": "s"`, `"status": "failed"`, `"rows_read": 10`, `"rows_written": 10`, `"rows_rejected": 0`,
		`"rows_filtered": 0`, `"started_at": "`, `"finished_at": "`, `"duration_ms": `, `"error": "gen source: broken at row 10"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("report lacks %s:\n%s", key, data)
		}
	}
}

// TestEngineAsksTheTarget: the batch size and whether each batch commits
// on its own come from the loader (load.BatchPolicy), not from keys the
// engine reads in the file.
func TestEngineAsksTheTarget(t *testing.T) {
	for _, perBatch := range []bool{false, true} {
		name := fmt.Sprintf("%s-%v", t.Name(), perBatch)
		body := fmt.Sprintf("version: 1\nname: spy\nsource: {type: spy, name: %q}\ntarget: {type: rec, name: %q, per_batch: %v, batch_size: 7}\n", name, name, perBatch)
		p := build(t, t.TempDir(), body, nil)
		got, _ := sawCommitPerBatch.Load(name)
		if got != perBatch {
			t.Errorf("per_batch %v: the source was built with CommitPerBatch %v", perBatch, got)
		}
		var out strings.Builder
		if err := p.Explain(context.Background(), &out); err != nil || !strings.Contains(out.String(), "batch size 7 rows") {
			t.Errorf("explain: %v\n%s", err, out.String())
		}
	}
}
