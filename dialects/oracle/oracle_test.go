package oracle

import (
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/sourcetest"
)

// No Oracle server exists where xcetl is built: the catalog statements and
// the type mapping are fixed here (docs/dialects.md: unverified).
func TestGolden(t *testing.T) {
	sourcetest.GoldenCatalog(t, Dialect)
	sourcetest.GoldenTypes(t, Dialect, []string{"NUMBER(10,0)", "NUMBER(19,0)", "NUMBER(12,2)", "NUMBER", "FLOAT(126)",
		"BINARY_DOUBLE", "DATE", "TIMESTAMP(6)", "TIMESTAMP(6) WITH TIME ZONE", "TIMESTAMP(6) WITH LOCAL TIME ZONE",
		"INTERVAL DAY(2) TO SECOND(6)", "VARCHAR2(64)", "NVARCHAR2(20)", "CHAR(6)", "CLOB", "BLOB", "RAW(16)", "ROWID",
		"XMLTYPE", "SDO_GEOMETRY"})
	var b strings.Builder
	q := dialects.NewSelect(Dialect)
	q.Where(q.KeyAfter([]string{`"ID"`, `"SEQ"`}, []any{int64(1), int64(2)}))
	b.WriteString(q.SQL([]string{`"ID"`}, dialects.QualifiedSourceName(Dialect, dialects.Table{Schema: "GRID", Name: "RESIDENTS"}), []string{`"ID"`, `"SEQ"`}) + "\n")
	b.WriteString(Dialect.BoundarySQL(`"GRID"."RESIDENTS"`, `"ID"`, `"DELETED" = 0`, ":2", 99999) + "\n")
	sourcetest.Golden(t, "source_select.sql", b.String())
}

func TestParseTableAndDSN(t *testing.T) {
	got, err := Dialect.ParseTable(`grid."Residents"`)
	if err != nil || got.Schema != "GRID" || got.Name != "Residents" {
		t.Errorf("ParseTable = %+v, %v", got, err)
	}
	if err := Dialect.CheckDSN("oracle://u:s3cret@db:1521/ORCL"); err != nil {
		t.Error(err)
	}
	if err := Dialect.CheckDSN("u/s3cret@db:1521/ORCL"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("CheckDSN of an EZConnect string: %v", err)
	}
	if got := Dialect.RedactDSN("oracle://u:s3cret@db:1521/ORCL"); strings.Contains(got, "s3cret") {
		t.Errorf("RedactDSN = %q", got)
	}
}
