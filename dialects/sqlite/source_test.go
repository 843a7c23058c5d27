package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/sourcetest"
)

func source(t *testing.T) dialects.SourceDialect {
	d, ok := dialects.LookupSource("sqlite")
	if !ok {
		t.Fatal("no sqlite source dialect")
	}
	return d
}

func TestSourceConformance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "src.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("PRAGMA journal_mode = WAL"); err != nil {
		t.Fatal(err)
	}
	sourcetest.Run(t, source(t), path, func(t testing.TB, stmts ...string) {
		t.Helper()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	})
}

func TestSourceGolden(t *testing.T) {
	d := source(t)
	sourcetest.GoldenCatalog(t, d)
	sourcetest.GoldenTypes(t, d, []string{"INTEGER", "int", "BIGINT", "BOOLEAN", "TEXT", "varchar(20)", "CLOB", "BLOB", "REAL",
		"DOUBLE PRECISION", "FLOAT", "DATE", "DATETIME", "TIMESTAMP", "DECIMAL(10,2)", "NUMERIC", "", "JSON"})
}

func TestSourceNeverCreatesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.db")
	_, err := source(t).OpenSource(t.Context(), path, dialects.SourceEnv{})
	if err == nil || !strings.Contains(err.Error(), "missing.db") {
		t.Errorf("OpenSource of a missing file: %v", err)
	}
}
