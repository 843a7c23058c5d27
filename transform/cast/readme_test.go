package cast

import (
	"testing"

	"github.com/xcetl/xcetl/transform/transformtest"
)

// TestReadmeExamples keeps the README honest: every example builds and
// binds against a source with the columns it names.
func TestReadmeExamples(t *testing.T) {
	sources := [][]string{
		{"id", "score", "birth_date", "updated_at", "signed_date", "legacy_date", "excel_date", "old_date", "event_time", "photo", "nickname"},
	}
	transformtest.ReadmeExamples(t, sources)
}
