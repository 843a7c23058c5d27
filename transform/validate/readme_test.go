package validate

import (
	"testing"

	"github.com/xcetl/xcetl/transform/transformtest"
)

// TestReadmeExamples keeps the README honest: every example builds and
// binds against a source with the columns it names.
func TestReadmeExamples(t *testing.T) {
	transformtest.ReadmeExamples(t, [][]string{
		{"id_card", "phone", "org_code", "email", "zip", "name"},
	})
}
