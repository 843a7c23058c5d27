// Package transformtest holds test helpers shared by transform packages.
package transformtest

import (
	"os"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

// ReadmeExamples keeps a transform package's README honest: every ```yaml
// block of README.md that holds a `transforms:` list must build and bind,
// block i against a source with the columns sources[i] (all strings). The
// transforms must be registered (import their packages).
func ReadmeExamples(t *testing.T, sources [][]string) {
	t.Helper()
	src, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(src), "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.HasPrefix(block, "transforms:") {
			blocks = append(blocks, block)
		}
	}
	if len(blocks) != len(sources) {
		t.Fatalf("found %d examples in README.md, want %d", len(blocks), len(sources))
	}
	for i, block := range blocks {
		in := xcetl.NewStringSchema(sources[i])
		root, err := config.Parse("README.md", []byte(block), nil)
		if err != nil {
			t.Fatalf("example %d: %v", i+1, err)
		}
		for _, item := range root.Get("transforms").Items {
			tr, err := transform.New(item, transform.Env{})
			if err != nil {
				t.Fatalf("example %d: %v", i+1, err)
			}
			if in, err = tr.Bind(in); err != nil {
				t.Fatalf("example %d: %v", i+1, err)
			}
		}
	}
}
