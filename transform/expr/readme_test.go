package expr

import (
	"os"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

func readmeBlocks(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, part := range strings.Split(string(src), "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.HasPrefix(block, "transforms:") {
			out = append(out, block)
		}
	}
	return out
}

// TestReadmeExamples keeps the README honest: every example builds and
// binds against a source with the columns it names.
func TestReadmeExamples(t *testing.T) {
	sources := [][]string{
		{"score", "district"},
		{"name", "birth_date", "score", "signed_text", "nickname"},
	}
	blocks := readmeBlocks(t)
	if len(blocks) != len(sources) {
		t.Fatalf("found %d examples in README.md, want %d", len(blocks), len(sources))
	}
	for i, block := range blocks {
		in := xcetl.NewStringSchema(sources[i])
		root, err := config.Parse("README.md", []byte(block), nil)
		if err != nil {
			t.Fatal(err)
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
