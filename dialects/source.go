package dialects

import "github.com/xcetl/xcetl"

// The model of a table read from a source database's catalog: what a
// `type: sql` source reads, what `xcetl migrate` recreates on a target
// (columns, keys, indexes, foreign keys, identity) and what `xcetl verify`
// compares. Source dialects (dialects/mysql, dialects/oracle, and the
// source side of the loaders' dialects) fill it from their catalogs; the
// migration planner maps it to a target dialect's DDL.

// SourceTable is one table as the source catalog describes it.
type SourceTable struct {
	Table   Table
	Comment string
	Columns []SourceColumn
	// PrimaryKey names the primary key's columns in key order; nil for a
	// table without one.
	PrimaryKey []string
	// PrimaryKeyName is the constraint's name in the source ("" if the
	// database does not name it, as MySQL's PRIMARY).
	PrimaryKeyName string
	// Indexes are the unique and secondary indexes besides the primary key.
	Indexes     []SourceIndex
	ForeignKeys []ForeignKey
	// RowEstimate is the catalog's row count estimate; -1 when unknown.
	RowEstimate int64
	// Charset is the table's default character set where the database has
	// one (MySQL: latin1, gbk, utf8mb4); "" otherwise.
	Charset string
}

// SourceColumn is one column of a SourceTable.
type SourceColumn struct {
	Name string
	// NativeType is the catalog's full type as the source writes it:
	// "tinyint(1)", "bigint unsigned", "decimal(65,30)", "datetime(6)",
	// "enum('a','b')", "character varying(64)", "NUMBER(10,2)".
	NativeType string
	// Type is how the source reads the column's values (the source
	// dialect's mapping, after the pipeline's type overrides).
	Type     xcetl.Type
	Nullable bool
	// Default is the catalog's default expression, nil when the column has
	// none.
	Default *string
	Comment string
	// Identity is true for auto_increment / IDENTITY / serial columns.
	Identity bool
	// Charset is the declared character set of a text column ("latin1",
	// "gbk", "utf8mb4"); "" when not applicable or the database default.
	Charset string
}

// SourceIndex is a unique or secondary index.
type SourceIndex struct {
	Name    string
	Columns []string
	Unique  bool
}

// ForeignKey is a foreign key constraint.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefTable   Table
	RefColumns []string
	// OnDelete and OnUpdate are the referential actions as SQL words
	// ("CASCADE", "SET NULL", "RESTRICT", "NO ACTION"); "" for the default.
	OnDelete, OnUpdate string
}

// Column returns the column named name, or nil.
func (t *SourceTable) Column(name string) *SourceColumn {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}
