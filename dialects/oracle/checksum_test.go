package oracle

import (
	"testing"

	"github.com/xcetl/xcetl/dialects/sourcetest"
)

// TestGoldenChecksum fixes the verify SQL (testdata/checksum.sql; rewrite
// it with -update-source). No Oracle server runs here: golden only.
func TestGoldenChecksum(t *testing.T) {
	sourcetest.GoldenChecksum(t, Dialect, []string{"NUMBER(10,0)", "NUMBER(12,2)", "NUMBER", "BINARY_DOUBLE", "DATE", "TIMESTAMP(6)",
		"TIMESTAMP(6) WITH TIME ZONE", "VARCHAR2(64)", "NVARCHAR2(20)", "CHAR(6)", "CLOB", "RAW(16)", "BLOB"})
}
