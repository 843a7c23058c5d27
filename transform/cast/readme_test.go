package cast

import (
	"os"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

// readmeBlocks returns the ```yaml blocks of README.md that hold a
// `transforms:` list.
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
	blocks := readmeBlocks(t)
	if len(blocks) != 1 {
		t.Fatalf("found %d examples in README.md", len(blocks))
	}
	in := xcetl.NewStringSchema([]string{"id", "score", "birth_date", "updated_at", "signed_date", "legacy_date", "event_time", "photo", "nickname"})
	root, err := config.Parse("README.md", []byte(blocks[0]), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range root.Get("transforms").Items {
		tr, err := transform.New(item, transform.Env{})
		if err != nil {
			t.Fatal(err)
		}
		if in, err = tr.Bind(in); err != nil {
			t.Fatal(err)
		}
	}
}
