package dm8

import (
	"context"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/sourcetest"
)

// No DM8 server exists where xcetl is built: the catalog statements and
// the type mapping of the source side are fixed here (docs/dialects.md).
func TestSourceGolden(t *testing.T) {
	sourcetest.GoldenCatalog(t, Source)
	sourcetest.GoldenTypes(t, Source, []string{"INT", "BIGINT", "TINYINT", "NUMBER(10,2)", "DECIMAL(38,0)", "NUMBER", "DOUBLE",
		"BIT", "DATE", "TIME", "TIMESTAMP", "DATETIME", "TIMESTAMP WITH TIME ZONE", "VARCHAR(64)", "VARCHAR2(20)", "CHAR(6)", "TEXT",
		"CLOB", "BLOB", "IMAGE", "VARBINARY(16)", "INTERVAL DAY TO SECOND", "ROWID"})
}

// Without the dm build tag the source fails before connecting, with the
// instruction to rebuild.
func TestSourceWithoutDriver(t *testing.T) {
	if (dialect{driver: DriverName}).CheckDriver() == nil {
		t.Skip("built with the DM8 driver")
	}
	_, err := Source.OpenSource(context.Background(), "dm://SYSDBA:s3cretpw@127.0.0.1:5236", dialects.SourceEnv{})
	if err == nil || !strings.Contains(err.Error(), "TAGS=dm") || strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("err = %v, want the build instruction without the password", err)
	}
}
