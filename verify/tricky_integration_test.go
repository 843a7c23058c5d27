package verify_test

import (
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/verify"
)

// TestTrickyValuesIntegration: values the grid schema lacks — trailing
// zeros that are digits (decimal(20,0) 100), -0 in a double, floats the
// databases write differently (1e-7), 'N' and ” against NULL — give the
// expected canonical text in MariaDB and compare equal after a copy into
// PostgreSQL.
func TestTrickyValuesIntegration(t *testing.T) {
	src, dst := mytest.NewDatabase(t), pgtest.NewDatabase(t)
	mytest.Exec(t, src, "CREATE TABLE tricky (id INT PRIMARY KEY, d0 DECIMAL(20,0), d2 DECIMAL(5,2), f DOUBLE, s VARCHAR(10))",
		"INSERT INTO tricky VALUES (1, 100, -0.50, -0.0, 'N'), (2, 0, 0.00, 1e-7, ''), (3, 12345678901234567890, 10.10, 1e15, NULL)")
	got, names, types := canonicalRows(t, "mysql", src, "tricky", dialects.ReadOptions{}, []string{"id"}, nil)
	want := [][]string{{"1", "100", "-0.5", "0", "N"}, {"2", "0", "0", "1e-7", ""}, {"3", "12345678901234567890", "10.1", "1e15", "NULL"}}
	compareCanonical(t, "mysql", got, want, names, types)
	runPipeline(t, t.TempDir(), `version: 1
name: tricky
source: {type: sql, driver: mysql, dsn: "${SRC}", table: tricky}
target: {type: postgres, dsn: "${DST}", table: tricky}
`, map[string]string{"SRC": src, "DST": dst})
	got, names, types = canonicalRows(t, "postgres", dst, "tricky", dialects.ReadOptions{}, []string{"id"}, nil)
	compareCanonical(t, "postgres", got, want, names, types)
	res := runVerify(t, verify.Pair{Name: "tricky",
		Source: verify.Side{Driver: "mysql", DSN: xcetl.NewSecret(src), Table: dialects.Table{Name: "tricky"}},
		Target: verify.Side{Driver: "postgres", DSN: xcetl.NewSecret(dst), Table: dialects.Table{Name: "tricky"}}})
	if !res.Match {
		t.Errorf("%+v", res.Tables[0])
	}
}
