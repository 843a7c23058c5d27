package kingbase_test

import (
	"testing"

	"github.com/xcetl/xcetl/dialects"
	_ "github.com/xcetl/xcetl/dialects/kingbase"
	"github.com/xcetl/xcetl/dialects/sourcetest"
)

// TestGoldenChecksum fixes the verify SQL (testdata/checksum.sql; rewrite
// it with -update-source).
func TestGoldenChecksum(t *testing.T) {
	d, ok := dialects.LookupSource("kingbase")
	if !ok {
		t.Fatal("no source dialect kingbase")
	}
	sourcetest.GoldenChecksum(t, d, []string{"bigint", "integer", "smallint", "numeric(20,5)", "numeric", "real", "double precision", "boolean", "date", "timestamp without time zone", "timestamp(6) with time zone", "character varying(64)", "text", "bytea", "uuid", "jsonb", "integer[]"})
}
