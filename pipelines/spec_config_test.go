package pipelines_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xcetl/xcetl/pipelines"
)

// TestPluginViewConfig: Config is the plugin's resolved configuration (a
// transform's under its name), and a copy: changing it changes nothing.
func TestPluginViewConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.yaml")
	body := "version: 1\nname: p\nsource: {type: csv, path: \"${IN}\"}\ntransforms: [{rename: {a: b}}]\ntarget: {type: sqlite, dsn: x.db, table: t}\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pipelines.Load(path, pipelines.WithVars(map[string]string{"IN": "in.csv"}))
	if err != nil {
		t.Fatal(err)
	}
	src := p.Spec().Source().Config()
	if got := src.Get("path").Value; got != "in.csv" {
		t.Errorf("path %q", got)
	}
	src.Get("path").Value = "changed"
	if got := p.Spec().Source().Config().Get("path").Value; got != "in.csv" {
		t.Errorf("the copy changed the pipeline: %q", got)
	}
	if tr := p.Spec().Transforms()[0].Config(); tr.Get("a") == nil || tr.Get("a").Value != "b" {
		t.Errorf("rename's configuration: %+v", tr)
	}
}
