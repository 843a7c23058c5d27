package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsUpToDate fails when docs/pipeline.md differs from what the
// declared specs give: a key added, renamed or documented differently in
// the code must reach the reference.
func TestDocsUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "..", Doc)
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Rewrite(old)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(old) {
		t.Fatalf("%s is out of date with the plugins' declared specs: run `%s` and commit the result", Doc, Regenerate)
	}
}

func TestRewrite(t *testing.T) {
	doc := "intro\n<!-- specdoc transform drop -->\nstale\n<!-- /specdoc -->\nmiddle\n<!-- specdoc source api -->\n<!-- /specdoc -->\nend\n"
	out, err := Rewrite([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"intro\n<!-- specdoc transform drop -->\n`drop` takes a column name or a list", "middle\n", "| `pagination.type` | `none` \\| `page`", "end\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "stale") {
		t.Error("the region's old text stayed")
	}
	again, _ := Rewrite(out)
	if string(again) != s {
		t.Error("rewriting twice changes the output")
	}
	if _, err := Rewrite([]byte("<!-- specdoc source nosuch -->\n<!-- /specdoc -->\n")); err == nil || !strings.Contains(err.Error(), `no source named "nosuch"`) {
		t.Errorf("unknown plugin: %v", err)
	}
}
