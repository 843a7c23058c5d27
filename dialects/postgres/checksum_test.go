package postgres_test

import (
	"testing"

	"github.com/xcetl/xcetl/dialects"
	_ "github.com/xcetl/xcetl/dialects/postgres"
	"github.com/xcetl/xcetl/dialects/sourcetest"
)

// TestGoldenChecksum fixes the verify SQL (testdata/checksum.sql; rewrite
// it with -update-source).
func TestGoldenChecksum(t *testing.T) {
	d, ok := dialects.LookupSource("postgres")
	if !ok {
		t.Fatal("no source dialect postgres")
	}
	sourcetest.GoldenChecksum(t, d, []string{"bigint", "integer", "smallint", "numeric(20,5)", "numeric", "real", "double precision", "boolean", "date", "timestamp without time zone", "timestamp(6) with time zone", "character varying(64)", "text", "bytea", "uuid", "jsonb", "integer[]"})
}
