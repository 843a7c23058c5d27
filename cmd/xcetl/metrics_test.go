package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/pipelines"
)

// TestMetricsEndpoint: --metrics-addr serves the pipeline's metrics and the
// process's while a run goes on, in a format promtool accepts.
func TestMetricsEndpoint(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "in.csv", "id,name\n1,a\n2,b\n")
	path := writeFile(t, dir, "p.yaml", "version: 1\nname: served\nsource: {type: csv, path: in.csv}\ntarget: {type: sqlite, dsn: out.db, table: t}\n")
	log := slog.New(slog.DiscardHandler)
	p, err := pipelines.Load(path, pipelines.WithLookupEnv(func(string) (string, bool) { return "", false }), pipelines.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	addr, stop, err := listenMetrics("127.0.0.1:0", p, log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if _, err := p.Run(context.Background(), pipelines.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{`xcetl_rows_written_total{pipeline="served"} 2`, `xcetl_run_success{pipeline="served"} 1`, "go_goroutines", "process_start_time_seconds"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	f := filepath.Join(dir, "scrape.prom")
	if err := os.WriteFile(f, body, 0o644); err != nil {
		t.Fatal(err)
	}
	promtool(t, f)
	if _, _, err := listenMetrics(addr, p, log); err == nil {
		t.Error("a second listener on the same address started")
	}
}
