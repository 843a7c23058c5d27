package sqlite_test

import (
	"testing"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/sourcetest"
)

// TestGoldenChecksum fixes the verify SQL (testdata/checksum.sql; rewrite
// it with -update-source); verify's integration tests run it.
func TestGoldenChecksum(t *testing.T) {
	d, _ := dialects.LookupSource("sqlite")
	sourcetest.GoldenChecksum(t, d, []string{"INTEGER", "TEXT", "REAL", "NUMERIC(12,2)", "BOOLEAN", "DATE", "DATETIME", "BLOB"})
}
