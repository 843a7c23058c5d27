package sqlite

import (
	"strings"

	"github.com/xcetl/xcetl/dialects"
)

var _ dialects.SchemaMigrator = dialect{}

// MigrationDDL implements dialects.SchemaMigrator. SQLite's ALTER TABLE
// cannot add a primary key, so it is declared in CREATE TABLE; nor can it
// add a foreign key, and the loader's connections enforce them (PRAGMA
// foreign_keys = ON), so that tables loaded in parallel would refuse each
// other's rows: a table with foreign keys is rebuilt after every table is
// loaded, the way SQLite's documentation describes (with foreign_keys off
// on the session, so that dropping the old table neither cascades nor
// fails: a new table with the keys, the rows copied, the old one dropped,
// the new one renamed, its indexes created again). A single integer auto-increment primary
// key becomes INTEGER PRIMARY KEY, SQLite's rowid, which continues after
// the largest value by itself. SQLite has no comments.
func (d dialect) MigrationDDL(t dialects.MigrationTable) (dialects.MigrationDDL, error) {
	fks := t.ForeignKeys
	t.ForeignKeys = nil
	style := dialects.MigrationStyle{
		InlineKeys: true,
		IndexName:  func(t dialects.Table, name string) string { return t.Name + "_" + name },
		Column: func(t dialects.MigrationTable, c dialects.MigrationColumn) (string, bool) {
			if !c.Identity || len(t.PrimaryKey) != 1 || t.PrimaryKey[0] != c.Name || !strings.EqualFold(c.Type, "INTEGER") {
				return "", false
			}
			return d.Quote(c.Name) + " INTEGER PRIMARY KEY NOT NULL", true
		},
	}
	out, err := dialects.StandardMigrationDDL(d, t, style)
	if err != nil || len(fks) == 0 {
		return out, err
	}
	// The rebuilt table: the same CREATE TABLE with the foreign keys, under
	// a temporary name.
	tmp := t
	tmp.Table.Name = t.Table.Name + "__xcetl_fk"
	tmp.ForeignKeys = fks
	tmp.Indexes = nil
	rebuilt, err := dialects.StandardMigrationDDL(d, tmp, style)
	if err != nil {
		return out, err
	}
	name, tmpName := dialects.QualifiedName(d, t.Table), dialects.QualifiedName(d, tmp.Table)
	w := dialects.WhenAfterAll
	out.ForeignKeys = append(out.ForeignKeys,
		dialects.Statement{When: dialects.WhenBeforeForeignKeys, SQL: "PRAGMA foreign_keys = OFF"},
		dialects.Statement{When: w, SQL: rebuilt.Create[0].SQL},
		dialects.Statement{When: w, SQL: "INSERT INTO " + tmpName + " SELECT * FROM " + name},
		dialects.Statement{When: w, SQL: "DROP TABLE " + name},
		dialects.Statement{When: w, SQL: "ALTER TABLE " + tmpName + " RENAME TO " + d.Quote(t.Table.Name)})
	for _, s := range out.After {
		if strings.HasPrefix(s.SQL, "CREATE ") {
			out.ForeignKeys = append(out.ForeignKeys, dialects.Statement{When: w, SQL: s.SQL})
		}
	}
	out.ForeignKeys = append(out.ForeignKeys, dialects.Statement{When: dialects.WhenAfterForeignKeys, SQL: "PRAGMA foreign_keys = ON"})
	return out, nil
}
