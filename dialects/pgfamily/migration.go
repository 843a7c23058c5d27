package pgfamily

import "github.com/xcetl/xcetl/dialects"

var _ dialects.SchemaMigrator = (*Dialect)(nil)

// MigrationDDL implements dialects.SchemaMigrator for the whole family.
// An auto-increment column gets a sequence after the data (CREATE
// SEQUENCE … OWNED BY, the column's DEFAULT nextval, setval past the
// loaded maximum) rather than an identity clause: openGauss has no
// identity columns, and a sequence leaves the load's explicit values
// alone on all three.
func (d *Dialect) MigrationDDL(t dialects.MigrationTable) (dialects.MigrationDDL, error) {
	return dialects.StandardMigrationDDL(d, t, dialects.MigrationStyle{
		Comments:     true,
		BoolLiterals: true,
		IndexName:    prefixTable,
		Identity: func(t dialects.Table, col string) []dialects.Statement {
			seq := dialects.Table{Schema: t.Schema, Name: t.Name + "_" + col + "_seq"}
			qs, qt := dialects.QualifiedName(d, seq), dialects.QualifiedName(d, t)
			w := dialects.WhenAfterData
			return []dialects.Statement{
				{When: w, SQL: "CREATE SEQUENCE " + qs + " OWNED BY " + qt + "." + d.Quote(col)},
				{When: w, SQL: "ALTER TABLE " + qt + " ALTER COLUMN " + d.Quote(col) + " SET DEFAULT nextval(" + dialects.QuoteString(qs) + ")"},
				{When: w, SQL: "SELECT setval(" + dialects.QuoteString(qs) + ", COALESCE((SELECT MAX(" + d.Quote(col) + ") FROM " + qt + "), 0) + 1, false)"},
			}
		},
	})
}

// prefixTable names an index after its table: index names are per schema
// in the family, per table in MySQL.
func prefixTable(t dialects.Table, name string) string { return t.Name + "_" + name }
