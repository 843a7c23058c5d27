package sm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

// TestReadmeExamples keeps the README honest: every example builds and
// binds. It is transformtest.ReadmeExamples with ${…} resolved from the
// environment, where the keys the examples name are set to valid values
// (that helper resolves nothing, and these examples must not show keys).
func TestReadmeExamples(t *testing.T) {
	for _, v := range []string{"XCETL_SM4_KEY", "K1", "K2"} {
		t.Setenv(v, stdKey)
	}
	t.Setenv("XCETL_HMAC_KEY", "0123456789abcdef0123")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys", "k2025.hex"), []byte(key2+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sources := [][]string{
		{"id_card", "phone", "name"},
		{"id_card", "phone", "photo"},
		{"id_card", "phone"},
	}
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
		root, err := config.Parse("README.md", []byte(block), os.LookupEnv)
		if err != nil {
			t.Fatalf("example %d: %v", i+1, err)
		}
		for _, item := range root.Get("transforms").Items {
			tr, err := transform.New(item, transform.Env{BaseDir: dir})
			if err != nil {
				t.Fatalf("example %d: %v", i+1, err)
			}
			if in, err = tr.Bind(in); err != nil {
				t.Fatalf("example %d: %v", i+1, err)
			}
		}
	}
}
