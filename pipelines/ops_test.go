package pipelines_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/pipelines"
	"github.com/xcetl/xcetl/transform"
)

// TestMetrics: the collector shows a run while it goes on (in progress,
// counts so far, the source's stats) and after it ended; the metrics file
// is valid Prometheus text (promtool, when installed; required in CI).
func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	body := "version: 1\nname: metered\nsource: {type: gen, rows: 40, delay: 30ms}\ntarget: {type: rec, name: metered, per_batch: true}\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	p, err := pipelines.Load(path, pipelines.WithLookupEnv(noEnv), pipelines.WithMetrics(reg))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 0 {
		t.Errorf("before the first run: %d metrics (%v), want none", n, err)
	}
	// A second pipeline of the same name cannot register in the same registry.
	if _, err := pipelines.Load(path, pipelines.WithLookupEnv(noEnv), pipelines.WithMetrics(reg)); err == nil {
		t.Error("two pipelines named metered registered in one registry")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := p.Run(context.Background(), pipelines.RunOptions{}); err != nil {
			t.Error(err)
		}
	}()
	// While running.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP xcetl_run_in_progress 1 while a run of the pipeline goes on, 0 after it ended.
# TYPE xcetl_run_in_progress gauge
xcetl_run_in_progress{pipeline="metered"} 1
`), "xcetl_run_in_progress"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run never showed as in progress")
		}
		time.Sleep(5 * time.Millisecond)
	}
	<-done
	const want = `
# HELP xcetl_gen_batches_total batches made
# TYPE xcetl_gen_batches_total counter
xcetl_gen_batches_total{pipeline="metered"} 1
# HELP xcetl_rows_read_total Source rows read by the run (rows_read of the report).
# TYPE xcetl_rows_read_total counter
xcetl_rows_read_total{pipeline="metered"} 40
# HELP xcetl_rows_written_total Rows handed to the target by the run (rows_written).
# TYPE xcetl_rows_written_total counter
xcetl_rows_written_total{pipeline="metered"} 40
# HELP xcetl_run_in_progress 1 while a run of the pipeline goes on, 0 after it ended.
# TYPE xcetl_run_in_progress gauge
xcetl_run_in_progress{pipeline="metered"} 0
# HELP xcetl_run_success 1 if the last run ended with status ok, 0 if it failed.
# TYPE xcetl_run_success gauge
xcetl_run_success{pipeline="metered"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "xcetl_gen_batches_total", "xcetl_rows_read_total",
		"xcetl_rows_written_total", "xcetl_run_in_progress", "xcetl_run_success"); err != nil {
		t.Error(err)
	}
	file := filepath.Join(dir, "out", "metered.prom")
	if err := p.WriteMetricsFile(file); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range pipelines.MetricNames {
		if name == "xcetl_run_end_time_seconds" || name == "xcetl_run_success" || strings.HasPrefix(name, "xcetl_") {
			if !bytes.Contains(data, []byte("\n"+name+"{")) && !bytes.HasPrefix(data, []byte(name+"{")) {
				t.Errorf("metrics file lacks %s", name)
			}
		}
	}
	promtool(t, data)
	leftovers, _ := filepath.Glob(filepath.Join(dir, "out", ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	// A failed run before any pipeline: the report alone.
	rep := &pipelines.Report{Pipeline: "broken", Status: "failed", StartedAt: time.Now(), FinishedAt: time.Now()}
	if err := rep.WriteMetricsFile(file); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(file)
	if !bytes.Contains(data, []byte(`xcetl_run_success{pipeline="broken"} 0`)) {
		t.Errorf("failed report metrics:\n%s", data)
	}
	promtool(t, data)
}

// promtool checks metrics with `promtool check metrics`: skipped when it is
// not installed, except in CI, where it must be.
func promtool(t *testing.T, data []byte) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is not installed (CI=true requires it: apt-get install prometheus)")
		}
		t.Log("promtool not installed: metrics format not checked by it")
		return
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s\n--- metrics:\n%s", err, out, data)
	}
}

// Plugins given to one pipeline only: nothing is registered globally.
type upper struct{}

func (upper) Bind(in *xcetl.Schema) (*xcetl.Schema, error) { return in, nil }
func (upper) Apply(_ context.Context, b *xcetl.Batch) error {
	for _, r := range b.Rows {
		r[1] = strings.ToUpper(r[1].(string))
	}
	return nil
}

type sliceSource struct {
	rows [][]any
	done bool
}

func (s *sliceSource) Open(context.Context) (*xcetl.Schema, error) {
	return xcetl.NewStringSchema([]string{"id", "name"}), nil
}

func (s *sliceSource) Next(_ context.Context, max int) (*xcetl.Batch, error) {
	if s.done {
		return nil, io.EOF
	}
	s.done = true
	b := &xcetl.Batch{Schema: xcetl.NewStringSchema([]string{"id", "name"}), Rows: s.rows}
	for i := range s.rows {
		b.Origin = append(b.Origin, xcetl.Origin{Record: int64(i + 1)})
	}
	return b, nil
}

func (s *sliceSource) Close() error { return nil }

func TestPerPipelinePlugins(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "out.db")
	spec, err := pipelines.Parse(filepath.Join(dir, "p.yaml"), []byte(`version: 1
name: custom
source: {type: memory}
transforms:
  - shout: {}
target: {type: sqlite, dsn: out.db, table: people}
`), pipelines.WithLookupEnv(noEnv))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipelines.New(spec); err == nil || !strings.Contains(err.Error(), `unknown source type "memory"`) || !strings.Contains(err.Error(), `unknown transform "shout"`) {
		t.Fatalf("without the options: %v", err)
	}
	p, err := pipelines.New(spec,
		pipelines.WithExtractor("memory", func(*config.Node, extract.Env) (extract.Extractor, error) {
			return &sliceSource{rows: [][]any{{"1", "zhang"}, {"2", "li"}}}, nil
		}),
		pipelines.WithTransform("shout", func(*config.Node, transform.Env) (transform.Transform, error) { return upper{}, nil }))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.Run(context.Background(), pipelines.RunOptions{})
	if err != nil || rep.RowsWritten != 2 || rep.RunID == "" {
		t.Fatalf("run: %v %+v", err, rep)
	}
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var names string
	if err := sdb.QueryRow("SELECT group_concat(name, ',') FROM people").Scan(&names); err != nil || names != "ZHANG,LI" {
		t.Errorf("names = %q (%v)", names, err)
	}
	var status, runID string
	if err := sdb.QueryRow("SELECT status, run_id FROM xcetl_runs WHERE pipeline = 'custom'").Scan(&status, &runID); err != nil || status != "ok" || runID != rep.RunID {
		t.Errorf("run history: %s %s (%v), want ok %s", status, runID, err, rep.RunID)
	}
	// A loader for this pipeline only.
	var got int
	p, err = pipelines.New(spec,
		pipelines.WithExtractor("memory", func(*config.Node, extract.Env) (extract.Extractor, error) {
			return &sliceSource{rows: [][]any{{"3", "wang"}}}, nil
		}),
		pipelines.WithTransform("shout", func(*config.Node, transform.Env) (transform.Transform, error) { return upper{}, nil }),
		pipelines.WithLoader("sqlite", func(*config.Node, load.Env) (load.Loader, error) { return &countLoader{n: &got}, nil }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(context.Background(), pipelines.RunOptions{}); err != nil || got != 1 {
		t.Errorf("custom loader got %d rows (%v)", got, err)
	}
}

type countLoader struct{ n *int }

func (countLoader) Open(context.Context, *xcetl.Schema) error { return nil }
func (countLoader) Prepare(*xcetl.Batch) error                { return nil }
func (l countLoader) Write(_ context.Context, b *xcetl.Batch) (bool, error) {
	*l.n += len(b.Rows)
	return false, nil
}
func (countLoader) Commit(context.Context) error   { return nil }
func (countLoader) Rollback(context.Context) error { return nil }
func (countLoader) Close(context.Context) error    { return nil }

// TestWithTargetDB: the target uses the program's pool (no dsn in the
// file), returns its connections and leaves the pool open.
func TestWithTargetDB(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.csv"), []byte("id,name\n1,张三\n2,李四\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	body := func(typ string) []byte {
		return []byte("version: 1\nname: pooled\nsource: {type: csv, path: in.csv}\ntransforms:\n  - cast: {id: int}\ntarget: {type: " + typ + ", table: people, mode: upsert, key: [id]}\n")
	}
	targets := []struct{ typ, driver, dsn string }{{"sqlite", "sqlite", filepath.Join(dir, "pool.db")}}
	if !testing.Short() {
		targets = append(targets, struct{ typ, driver, dsn string }{"postgres", "pgx", pgtest.NewDatabase(t)})
	}
	for _, tc := range targets {
		t.Run(tc.typ, func(t *testing.T) {
			db, err := sql.Open(tc.driver, tc.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			spec, err := pipelines.Parse(filepath.Join(dir, "p.yaml"), body(tc.typ), pipelines.WithLookupEnv(noEnv))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pipelines.New(spec); err == nil || !strings.Contains(err.Error(), `missing required key "dsn"`) {
				t.Errorf("without a DB: %v", err)
			}
			p, err := pipelines.New(spec, pipelines.WithTargetDB(db))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ {
				if _, err := p.Run(context.Background(), pipelines.RunOptions{}); err != nil {
					t.Fatalf("run %d: %v", i+1, err)
				}
			}
			var n int
			if err := db.QueryRow("SELECT count(*) FROM people").Scan(&n); err != nil || n != 2 {
				t.Errorf("rows = %d (%v)", n, err)
			}
			if err := db.QueryRow("SELECT count(*) FROM xcetl_runs WHERE pipeline = 'pooled' AND status = 'ok'").Scan(&n); err != nil || n != 2 {
				t.Errorf("run history = %d (%v)", n, err)
			}
			if s := db.Stats(); s.InUse != 0 {
				t.Errorf("%d connections still in use after the runs", s.InUse)
			}
		})
	}
	// A pool of the wrong driver is refused with what to do.
	lite, _ := sql.Open("sqlite", filepath.Join(dir, "x.db"))
	defer lite.Close()
	spec, _ := pipelines.Parse(filepath.Join(dir, "p.yaml"), body("postgres"), pipelines.WithLookupEnv(noEnv))
	p, err := pipelines.New(spec, pipelines.WithTargetDB(lite), pipelines.WithoutLock())
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Run(context.Background(), pipelines.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "needs pgx's database/sql driver") {
		t.Errorf("wrong driver: %v", err)
	}
	if errors.Is(err, xcetl.ErrLocked) {
		t.Error("a driver error is not a lock error")
	}
}
