package migrate_test

import (
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/migrate"
	"github.com/xcetl/xcetl/pipelines"
)

// TestPlanTables plans a catalog built by hand (no server): names folded
// by the target, defaults kept or dropped with a warning, a foreign key to
// a table outside the migration left out with one, the state names, and
// what VerifyTables gives verify.
func TestPlanTables(t *testing.T) {
	def := func(s string) *string { return &s }
	orders := &dialects.SourceTable{Table: dialects.Table{Schema: "shop", Name: "订单"}, Comment: "orders", RowEstimate: -1,
		Columns: []dialects.SourceColumn{
			{Name: "Id", NativeType: "bigint", Identity: true},
			{Name: "status", NativeType: "varchar(10)", Default: def("'new'")},
			{Name: "created", NativeType: "datetime(3)", Default: def("current_timestamp(3)")},
			{Name: "phone", NativeType: "char(11)", Nullable: true},
			{Name: "customer", NativeType: "int", Nullable: true},
		},
		PrimaryKey:  []string{"Id"},
		ForeignKeys: []dialects.ForeignKey{{Name: "fk_customer", Columns: []string{"customer"}, RefTable: dialects.Table{Name: "customers"}, RefColumns: []string{"id"}}},
	}
	f, err := parse(`version: 1
name: shop
kind: migration
source: {driver: mysql, dsn: "${SRC_DSN}", schema: shop}
target: {type: dm8, dsn: "${DM_DSN}", schema: SHOP}
columns:
  - match: "phone|mobile"
    transforms: [{mask: mobile}]
overrides:
  订单: {table: "\"Orders\"", where: "status <> 'void'"}
`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrate.PlanTables(f, []*dialects.SourceTable{orders})
	if err != nil {
		t.Fatal(err)
	}
	tp := p.Tables[0]
	if tp.Target != (dialects.Table{Schema: "SHOP", Name: "Orders", SchemaQuoted: true, NameQuoted: true}) {
		t.Errorf("target %+v", tp.Target)
	}
	if !strings.HasPrefix(tp.State, "shop-__-") {
		t.Errorf("state name %q", tp.State)
	}
	ddl := p.DDL()
	for _, want := range []string{`"ID" BIGINT IDENTITY(1, 1) NOT NULL`, `"STATUS" VARCHAR(10 CHAR) DEFAULT 'new' NOT NULL`, `"CREATED" TIMESTAMP(3) NOT NULL`,
		`COMMENT ON TABLE "SHOP"."Orders" IS 'orders'`, `ALTER TABLE "SHOP"."Orders" ADD PRIMARY KEY ("ID")`} {
		if !strings.Contains(ddl, want) {
			t.Errorf("DDL lacks %s:\n%s", want, ddl)
		}
	}
	warnings := strings.Join(p.Warnings, "\n")
	for _, want := range []string{"订单.created: default current_timestamp(3) dropped", "订单: foreign key fk_customer left out"} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings)
		}
	}
	if strings.Contains(ddl, "FOREIGN KEY") {
		t.Errorf("a foreign key to a table outside the migration:\n%s", ddl)
	}
	def2 := p.Definition(tp, 1)
	if len(def2.Transforms) != 1 || def2.Transforms[0].Type != "mask" {
		t.Errorf("transforms %+v", def2.Transforms)
	}
	// the table's pipeline is checked like a file's (it is built, not run)
	if _, err := pipelines.Build(def2, pipelines.WithLogger(quiet)); err != nil {
		t.Errorf("build the table's pipeline: %v", err)
	}
	vt := p.VerifyTables()[0]
	if vt.Protected["phone"] != "mask" || len(vt.Protected) != 1 || vt.Key[0] != "Id" || vt.TargetKey[0] != "ID" ||
		vt.Where != "status <> 'void'" || vt.Columns[1] != (migrate.ColumnPair{Source: "status", Target: "STATUS"}) || vt.SourceDSN.Reveal() != testVars["SRC_DSN"] {
		t.Errorf("verify table %+v", vt)
	}
}
