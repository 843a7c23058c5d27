package migrate_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/dialecttest"
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/migrate"
)

const gridMigration = `version: 1
name: grid
kind: migration
source: {driver: mysql, dsn: "${SRC}", zero_dates: null}
target: {type: %s, dsn: "${DST}"}
tables:
  include: ["*"]
  exclude: ["tmp_*"]
  parallel: 3
overrides:
  districts: {mode: upsert}
errors: {reject_dir: rejects}
`

// TestMigrateGridIntegration migrates the MariaDB grid schema into
// PostgreSQL and SQLite and checks every table value by value, the foreign
// keys, the identity continuing after the loaded maximum, and that a rerun
// skips every table.
func TestMigrateGridIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	catalog := map[string]*dialects.SourceTable{}
	for _, st := range gridCatalog(t, src) {
		catalog[st.Table.Name] = st
	}
	targets := map[string]string{
		"postgres": pgtest.NewDatabase(t),
		"sqlite":   filepath.Join(t.TempDir(), "grid.db"),
	}
	for target, dsn := range targets {
		t.Run(target, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), fmt.Sprintf(gridMigration, target))
			vars := map[string]string{"SRC": src, "DST": dsn}
			rep, err := migrateFile(t, path, vars)
			if err != nil {
				t.Fatalf("migrate: %v\n%+v", err, rep.Tables)
			}
			if rep.Totals.Complete != len(mytest.Grid()) || rep.ForeignKeys != migrate.StatusComplete {
				t.Fatalf("report: %+v", rep)
			}
			d, _ := dialects.Lookup(target)
			ctx := context.Background()
			c, err := d.Open(ctx, dsn, dialects.Env{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)
			for _, gt := range mytest.Grid() {
				schema := schemaOf(t, catalog[gt.Name])
				got := dialecttest.ReadBack(t, d, c, dialects.Table{Name: d.Fold(gt.Name)}, schema)
				want := dialecttest.Expect(schema, gt.Rows...)
				if len(got) != len(want) {
					t.Fatalf("%s: %d rows, want %d", gt.Name, len(got), len(want))
				}
				for i := range want {
					for j := range want[i] {
						if got[i][j] != want[i][j] {
							t.Errorf("%s row %d column %s: got %q, want %q", gt.Name, i+1, gt.Columns[j], got[i][j], want[i][j])
						}
					}
				}
			}
			checkKeys(t, target, c)
			// The identity continues after the loaded maximum (3).
			rows, err := c.Query(ctx, `INSERT INTO "residents" ("district", "name", "updated_at") VALUES ('120101', '新居民', CURRENT_TIMESTAMP) RETURNING "id"`)
			if err != nil || len(rows) != 1 || fmt.Sprint(rows[0][0]) != "4" {
				t.Errorf("insert after the migration: %v %v, want id 4", rows, err)
			}
			// The new row's district must exist (the foreign key holds on
			// PostgreSQL) and the unique key refuses a repeated id card.
			if target == "postgres" {
				if err := c.Exec(ctx, `INSERT INTO "residents" ("district", "name", "updated_at") VALUES ('999999', 'x', CURRENT_TIMESTAMP)`); err == nil {
					t.Error("the foreign key residents.district → districts did not refuse an unknown district")
				}
			}
			if err := c.Exec(ctx, `INSERT INTO "residents" ("district", "name", "id_card", "updated_at") VALUES ('120101', 'y', '11010119900307777X', CURRENT_TIMESTAMP)`); err == nil {
				t.Error("the unique index on id_card did not refuse a repeated value")
			}
			rep, err = migrateFile(t, path, vars)
			if err != nil || rep.Totals.Skipped != len(mytest.Grid()) || rep.Totals.Rows != 0 {
				t.Fatalf("rerun: %v %+v", err, rep.Totals)
			}
		})
	}
}

// checkKeys checks the primary keys, indexes and foreign keys in the
// target's catalog.
func checkKeys(t *testing.T, target string, c dialects.Conn) {
	t.Helper()
	ctx := context.Background()
	var q string
	switch target {
	case "postgres":
		q = `SELECT conrelid::regclass::text || ':' || contype::text || ':' || conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`
	case "sqlite":
		q = `SELECT m.name || ':' || p.type || ':' || p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.pk > 0
		     UNION ALL SELECT m.name || ':f:' || f."table" FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1`
	}
	rows, err := c.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprint(r[0]))
	}
	all := strings.Join(got, "\n")
	wants := map[string][]string{
		"postgres": {"household_members:f:fk_members_resident", "household_members:p:", "residents:f:fk_residents_district", "residents:p:", "districts:p:"},
		"sqlite":   {"household_members:f:residents", "household_members:", "residents:f:districts", "residents:INTEGER:id"},
	}
	for _, w := range wants[target] {
		if !strings.Contains(all, w) {
			t.Errorf("%s: no %q in the catalog:\n%s", target, w, all)
		}
	}
	if strings.Contains(all, "visit_log:p") {
		t.Errorf("visit_log has no primary key in the source, but got one:\n%s", all)
	}
}

// TestMigrateEncryptIntegration migrates residents with its id cards under
// SM4 (a columns: rule) into PostgreSQL: the column is created as text
// (the ciphertext is longer than the source's char(18)), every id card is
// encrypted, NULL stays NULL, and VerifyTables marks the column.
func TestMigrateEncryptIntegration(t *testing.T) {
	src, dst := mytest.LoadGrid(t), pgtest.NewDatabase(t)
	path := writeFile(t, t.TempDir(), `version: 1
name: enc
kind: migration
source: {driver: mysql, dsn: "${SRC}"}
target: {type: postgres, dsn: "${DST}"}
tables: {include: [residents, districts]}
columns:
  - match: "id_card|sfzh"
    transforms: [{encrypt: {mode: cbc, key: "${KEY}"}}]
`)
	vars := map[string]string{"SRC": src, "DST": dst, "KEY": "0123456789abcdeffedcba9876543210"}
	if rep, err := migrateFile(t, path, vars); err != nil {
		t.Fatalf("migrate: %v %+v", err, rep)
	}
	d, _ := dialects.Lookup("postgres")
	ctx := context.Background()
	c, err := d.Open(ctx, dst, dialects.Env{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT id, id_card, (SELECT data_type FROM information_schema.columns WHERE table_name = 'residents' AND column_name = 'id_card') FROM residents ORDER BY id`)
	if err != nil || len(rows) != 3 {
		t.Fatalf("%v %v", rows, err)
	}
	for _, r := range rows {
		card, _ := r[1].(string)
		switch {
		case fmt.Sprint(r[2]) != "text":
			t.Errorf("id_card is %v, want text", r[2])
		case fmt.Sprint(r[0]) == "2" && r[1] != nil:
			t.Errorf("row 2: a NULL id card became %v", r[1])
		case fmt.Sprint(r[0]) != "2" && (len(card) < 64 || strings.Contains(card, "1101") || strings.Contains(card, "1201")):
			t.Errorf("row %v: id card not encrypted: %q", r[0], card)
		}
	}
	f, err := migrate.Load(path, migrate.Options{Vars: vars})
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrate.Connect(ctx, f, quiet)
	if err != nil {
		t.Fatal(err)
	}
	for _, vt := range p.VerifyTables() {
		if vt.SourceTable.Name == "residents" && (vt.Protected["id_card"] != "encrypt" || len(vt.Protected) != 1) {
			t.Errorf("protected: %v", vt.Protected)
		}
	}
}
