package main

import (
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

func TestExcelPipelineYAML(t *testing.T) {
	dir := t.TempDir()
	for _, types := range []string{"", "text"} {
		path := filepath.Join(dir, "excel-"+types+".yaml")
		if err := writeFile(path, excelPipelineYAML("bench_excel", "w.xlsx", excelTable, types)); err != nil {
			t.Fatal(err)
		}
		p, err := pipelines.Load(path, pipelines.Options{Vars: map[string]string{"XCETL_TEST_PG_DSN": "postgres://u@127.0.0.1:1/db"}})
		if err != nil {
			t.Fatal(err)
		}
		src := p.Spec.Source
		if src.Get("type").Value != "excel" || src.Get("path").Value != "w.xlsx" || src.Get("encoding") != nil ||
			(types != "") != (src.Get("types") != nil) || len(p.Spec.Transforms) != 2 {
			t.Fatalf("types %q: source %+v, %d transforms", types, src, len(p.Spec.Transforms))
		}
	}
}

func TestOnlyExcelAccepted(t *testing.T) {
	o := options{rows: 10, rounds: 1, only: "excel", prefill: "full"}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
}

// The excel scenario end to end with a freshly built xcetl: the workbook made from the CSV loads,
// with both types settings, into tables equal to psql's load of the CSV.
func TestExcelScenarioIntegration(t *testing.T) {
	needPSQL(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "xcetl")
	build := exec.Command("go", "build", "-o", bin, "./cmd/xcetl")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	o := options{rows: 3000, rounds: 1, psql: "psql", xcetl: bin, dir: filepath.Join(dir, "out"), dsn: pgtest.NewDatabase(t),
		only: "excel", prefill: "full", timeout: defaultTestTimeout}
	var out strings.Builder
	res, err := runBench(context.Background(), o, io.MultiWriter(&out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, name := range []string{"xcetl excel", "xcetl excel types:text"} {
		c := findContender(res, "excel", name)
		if c == nil || c.Name != name || len(c.Runs) != 1 || c.RowsPerSec <= 0 || c.PeakRSSMiB <= 0 {
			t.Fatalf("contender %s: %+v", name, c)
		}
	}
	if len(res.Targets) != 2 || res.Targets[0].Name != "excel speed" || res.Targets[1].Name != "excel memory" || !strings.Contains(out.String(), "check: bench_excel and bench_excel_text hold exactly") {
		t.Fatalf("targets %+v\n%s", res.Targets, out.String())
	}
}
