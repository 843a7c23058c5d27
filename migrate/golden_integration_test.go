package migrate_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/migrate"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenMigration is the grid schema's migration to each target for the
// golden DDL: tinyint(1) as bool, the 65-digit decimal as text where the
// target's decimals are shorter, residents renamed, id_card encrypted.
const goldenMigration = `version: 1
name: grid_ddl
kind: migration
source: {driver: mysql, dsn: "${SRC}"}
target: {type: %s, dsn: "unused", schema: %s}
types: {%s}
columns:
  - match: "id_card|sfzh"
    transforms: [{encrypt: {mode: cbc, key: "0123456789abcdef0123456789abcdef"}}]
overrides:
  residents: {table: resident_info}
`

// TestGoldenDDLIntegration plans the grid schema, as MariaDB's catalog
// describes it, for every target and compares the DDL with
// testdata/ddl_<target>.sql (go test -run TestGoldenDDL -update rewrites
// them). DM8, openGauss and KingbaseES have no server here: these files
// are what their DDL is checked by.
func TestGoldenDDLIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	tables := gridCatalog(t, src)
	for _, tc := range []struct{ target, schema, types string }{
		{"postgres", "grid", `"tinyint(1)": bool`},
		{"opengauss", "grid", `"tinyint(1)": bool`},
		{"kingbase", "grid", `"tinyint(1)": bool`},
		{"dm8", "GRID", `"tinyint(1)": bool, "decimal(65,30)": string`},
		{"sqlite", "main", `"tinyint(1)": bool`},
	} {
		t.Run(tc.target, func(t *testing.T) {
			f, err := migrate.Parse("m.yaml", []byte(fmt.Sprintf(goldenMigration, tc.target, tc.schema, tc.types)),
				migrate.Options{Vars: map[string]string{"SRC": src}, LookupEnv: func(string) (string, bool) { return "", false }})
			if err != nil {
				t.Fatal(err)
			}
			p, err := migrate.PlanTables(f, tables)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "ddl_"+tc.target+".sql"), p.DDL())
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s", path, got)
	}
}
