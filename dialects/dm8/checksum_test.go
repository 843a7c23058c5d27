package dm8

import (
	"testing"

	"github.com/xcetl/xcetl/dialects/sourcetest"
)

// TestGoldenChecksum fixes the verify SQL (testdata/checksum.sql; rewrite
// it with -update-source). No DM8 server runs here: golden only.
func TestGoldenChecksum(t *testing.T) {
	sourcetest.GoldenChecksum(t, Source, []string{"BIGINT", "INT", "NUMBER(10,2)", "DECIMAL(38,0)", "NUMBER", "DOUBLE", "BIT", "DATE",
		"TIMESTAMP", "DATETIME", "TIMESTAMP WITH TIME ZONE", "VARCHAR(64)", "CHAR(6)", "TEXT", "CLOB", "BLOB", "VARBINARY(16)"})
}
