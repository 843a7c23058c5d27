package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

// The API pages hold exactly the CSV's records, in order, in pages of the given size.
func TestAPIPages(t *testing.T) {
	dir := t.TempDir()
	path, _, err := ensureData(dir, 2500)
	if err != nil {
		t.Fatal(err)
	}
	pages, total, err := apiPages(path, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 {
		t.Fatalf("%d pages", len(pages))
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want = want[1:]
	var sum int64
	k := 0
	for p, page := range pages {
		sum += int64(len(page))
		d := json.NewDecoder(bytes.NewReader(page))
		d.UseNumber()
		var body struct {
			Code int
			Data []map[string]any
		}
		if err := d.Decode(&body); err != nil {
			t.Fatalf("page %d: %v", p+1, err)
		}
		if n := len(body.Data); n != min(1000, 2500-p*1000) {
			t.Fatalf("page %d has %d records", p+1, n)
		}
		for _, rec := range body.Data {
			if len(rec) != len(columns) {
				t.Fatalf("record %d has %d fields", k+1, len(rec))
			}
			for j, c := range columns {
				got := rec[c.name]
				if n, ok := got.(json.Number); ok {
					got = string(n)
				}
				if got != want[k][j] {
					t.Fatalf("record %d field %s = %v, want %q", k+1, c.name, got, want[k][j])
				}
			}
			k++
		}
	}
	if k != 2500 || sum != total {
		t.Fatalf("%d records, %d bytes (reported %d)", k, sum, total)
	}
}

func TestAPIPipelineYAML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, apiPipelineFile)
	if err := writeFile(path, apiPipelineYAML("http://127.0.0.1:1/residents")); err != nil {
		t.Fatal(err)
	}
	p, err := pipelines.Load(path, pipelines.WithVars(map[string]string{"XCETL_TEST_PG_DSN": "postgres://u@127.0.0.1:1/db"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Spec().Source().Settings(), "\n"); !strings.Contains(got, "pagination.size: 1000\n") {
		t.Fatalf("page size not 1000:\n%s", got)
	}
}

func TestOnlyAPIAccepted(t *testing.T) {
	o := options{rows: 10, rounds: 1, only: "api", prefill: "full"}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
}

// The api scenario end to end with a freshly built xcetl: a small run must load every record
// once, match the psql reference, and evaluate its targets.
func TestAPIScenarioIntegration(t *testing.T) {
	needPSQL(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "xcetl")
	build := exec.Command("go", "build", "-o", bin, "./cmd/xcetl")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, rows := range []int{2500, 3000} { // a short last page, and only full pages
		o := options{rows: rows, rounds: 2, psql: "psql", xcetl: bin, dir: filepath.Join(dir, "out"), dsn: pgtest.NewDatabase(t),
			only: "api", prefill: "full", timeout: defaultTestTimeout}
		var out strings.Builder
		res, err := runBench(context.Background(), o, io.MultiWriter(&out))
		if err != nil {
			t.Fatalf("rows %d: %v\n%s", rows, err, out.String())
		}
		c := findContender(res, "api", "xcetl api")
		if c == nil || len(c.Runs) != 2 || c.RowsPerSec <= 0 || c.PeakRSSMiB <= 0 {
			t.Fatalf("rows %d: contender %+v", rows, c)
		}
		names := map[string]bool{}
		for _, tg := range res.Targets {
			names[tg.Name] = true
		}
		if !names["api speed"] || !names["api memory"] {
			t.Fatalf("targets %+v", res.Targets)
		}
		if !strings.Contains(out.String(), "check: bench_api holds exactly the records psql loads") {
			t.Fatalf("output:\n%s", out.String())
		}
	}
}
