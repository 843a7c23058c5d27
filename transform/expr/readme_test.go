package expr

import (
	"testing"

	"github.com/xcetl/xcetl/transform/transformtest"
)

// TestReadmeExamples keeps the README honest: every example builds and
// binds against a source with the columns it names.
func TestReadmeExamples(t *testing.T) {
	sources := [][]string{
		{"score", "district"},
		{"name", "birth_date", "score", "signed_text", "nickname"},
	}
	transformtest.ReadmeExamples(t, sources)
}
