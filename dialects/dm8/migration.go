package dm8

import "github.com/xcetl/xcetl/dialects"

var _ dialects.SchemaMigrator = dialect{}

// MigrationDDL implements dialects.SchemaMigrator. An auto-increment
// column becomes IDENTITY(1, 1): the loader writes the loaded values with
// SET IDENTITY_INSERT ON (identity_insert: auto), and DM8 moves the
// identity past explicit values larger than its current one, as SQL
// Server does (not verified here: no DM8 server in the tests). Index names
// are per schema in DM8, so they are prefixed with the table's.
func (d dialect) MigrationDDL(t dialects.MigrationTable) (dialects.MigrationDDL, error) {
	return dialects.StandardMigrationDDL(d, t, dialects.MigrationStyle{
		Comments:       true,
		IdentityClause: "IDENTITY(1, 1)",
		IndexName:      func(t dialects.Table, name string) string { return t.Name + "_" + name },
	})
}
