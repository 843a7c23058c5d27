package mask

import (
	"testing"

	"github.com/xcetl/xcetl/transform/transformtest"
)

// TestReadmeExamples keeps the README honest: every example builds and
// binds against a source with the columns it names.
func TestReadmeExamples(t *testing.T) {
	transformtest.ReadmeExamples(t, [][]string{
		{"name", "phone", "id_card", "address", "card_no"},
		{"remark", "code"},
	})
}
