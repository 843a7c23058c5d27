package mysql

import (
	"testing"

	"github.com/xcetl/xcetl/dialects/sourcetest"
)

// TestGoldenChecksum fixes the verify SQL (testdata/checksum.sql; rewrite
// it with -update-source); verify's integration tests run it on MariaDB.
func TestGoldenChecksum(t *testing.T) {
	sourcetest.GoldenChecksum(t, Dialect{}, []string{"bigint(20)", "int(11)", "tinyint(1)", "bigint(20) unsigned", "decimal(12,2)",
		"decimal(20,0)", "float", "double", "bit(1)", "bit(12)", "bit(64)", "date", "datetime(6)", "timestamp(3)", "time(2)", "year(4)",
		"varchar(64)", "text", "enum('红','green')", "json", "varbinary(16)", "blob"})
}
