package api

import (
	"os"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

// TestREADMEExamples keeps README.md honest: the full sample (the first
// yaml block) builds as it is, and every other yaml block — each group of
// keys, split where a key repeats — builds when added to a minimal source.
func TestREADMEExamples(t *testing.T) {
	md, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(md), "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		blocks = append(blocks, block)
	}
	if len(blocks) < 15 {
		t.Fatalf("found %d yaml blocks in README.md", len(blocks))
	}
	anything := func(name string) (string, bool) {
		if strings.Contains(name, "URL") || strings.Contains(name, "BASE") {
			return "http://127.0.0.1:1", true
		}
		return "value-from-env", true
	}
	build := func(name, src string) {
		t.Helper()
		root, err := config.Parse("README.md", []byte(src), anything)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, src)
		}
		if _, err := extract.New(root.Get("source"), extract.Env{BaseDir: t.TempDir()}); err != nil {
			t.Errorf("%s is refused: %v\n%s", name, err, src)
		}
	}
	if !strings.HasPrefix(blocks[0], "source:\n  type: api\n") {
		t.Fatalf("the first block is not the full sample:\n%s", blocks[0])
	}
	build("the sample", blocks[0])
	snippets := 0
	for i, block := range blocks[1:] {
		for _, group := range splitRepeated(block) {
			src := "source:\n  type: api\n"
			if !strings.Contains(group, "\nurl:") && !strings.HasPrefix(group, "url:") {
				src += "  url: http://127.0.0.1:1/r\n"
			}
			for _, l := range strings.Split(strings.TrimRight(group, "\n"), "\n") {
				src += "  " + l + "\n"
			}
			build("README block "+strings.TrimSpace(strings.Split(group, "\n")[0])+" (block "+string(rune('0'+i%10))+")", src)
			snippets++
		}
	}
	if snippets < 17 {
		t.Fatalf("only %d snippets checked", snippets)
	}
}

// splitRepeated splits a yaml block of top-level keys into groups, starting
// a new group where a key repeats (alternatives written one after another).
func splitRepeated(block string) []string {
	var groups []string
	var cur strings.Builder
	seen := map[string]bool{}
	for _, l := range strings.SplitAfter(block, "\n") {
		if l == "" {
			continue
		}
		if l[0] != ' ' && l[0] != '#' {
			key, _, _ := strings.Cut(l, ":")
			if seen[key] {
				groups = append(groups, cur.String())
				cur.Reset()
				seen = map[string]bool{}
			}
			seen[key] = true
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 {
		groups = append(groups, cur.String())
	}
	return groups
}

// The api section of docs/pipeline.md shows a source that builds.
func TestDocsExample(t *testing.T) {
	md, err := os.ReadFile("../../docs/pipeline.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(md), "\n### api\n")
	if !ok {
		t.Fatal("docs/pipeline.md has no ### api section")
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || !strings.Contains(block, "type: api") {
		t.Fatalf("no api example in the section:\n%s", block)
	}
	root, err := config.Parse("pipeline.md", []byte(block), func(string) (string, bool) { return "value-from-env", true })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := extract.New(root.Get("source"), extract.Env{BaseDir: t.TempDir()}); err != nil {
		t.Fatalf("the docs example is refused: %v", err)
	}
}
