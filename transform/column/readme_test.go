package column

import (
	"testing"

	"github.com/xcetl/xcetl/transform/transformtest"
)

// TestReadmeExamples keeps the README honest: every example builds and
// binds against a source with the columns it names.
func TestReadmeExamples(t *testing.T) {
	sources := [][]string{
		{"编号", "姓名", "身份证号", "手机号"},
		{"a", "tmp", "note", "remark"},
		{"编号", "姓名", "身份证号", "手机号", "住址"},
		{"phone", "score", "joined", "active"},
	}
	transformtest.ReadmeExamples(t, sources)
}
