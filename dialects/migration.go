package dialects

import (
	"fmt"
	"regexp"
	"strings"
)

// # Migrations: whole tables from a source catalog
//
// `xcetl migrate` recreates source tables (SourceTable) on a target. The
// planner (package migrate) does what is the same everywhere: it maps each
// column's type through the type map of the (source driver, target) pair
// (MapColumnType, typemap*.go), folds every name with the target's Fold,
// keeps the portable defaults (PortableDefault) and drops the others with a
// warning. What differs per target is the DDL: a loader dialect implements
// SchemaMigrator to render it. Its statements come in three groups, run in
// this order:
//
//  1. Create, before the data: CREATE TABLE without the keys and indexes
//     that would slow the load (unless the database cannot add them
//     later: SQLite declares its primary key and foreign keys here),
//     and the comments.
//  2. After, once the table's data is loaded: the primary key, the unique
//     and secondary indexes, and the identity (sequence values set past
//     the largest loaded value).
//  3. ForeignKeys, once every table of the migration is loaded.
//
// Statements must be safe to render without connecting: `xcetl explain`
// prints them and golden files keep them. Use StandardMigrationDDL with a
// MigrationStyle for the common SQL; a dialect that does not implement
// SchemaMigrator cannot be a migration's target.

// MigrationTable is a source table mapped onto a target: final names
// (folded), target column types, portable defaults.
type MigrationTable struct {
	Table   Table
	Comment string
	Columns []MigrationColumn
	// PrimaryKey names the key columns (target names); nil for none.
	PrimaryKey []string
	// Indexes and ForeignKeys use target names (RefTable included).
	Indexes     []SourceIndex
	ForeignKeys []ForeignKey
	// KeyBeforeData asks for the primary key in CREATE TABLE (a table
	// loaded by upsert needs it during the load).
	KeyBeforeData bool
}

// MigrationColumn is one column of a MigrationTable.
type MigrationColumn struct {
	Name string
	// Type is the target's column type ("varchar(40)", "BIGINT").
	Type    string
	NotNull bool
	// Default is a portable default (see PortableDefault), "" for none.
	Default string
	Comment string
	// Identity is set for an auto-increment column of the source: the
	// target continues its values after the loaded maximum.
	Identity bool
	// Bool is set when Type stores booleans (a default 0/1 of MySQL's
	// tinyint(1) is written FALSE/TRUE where the database wants it).
	Bool bool
}

// MigrationDDL is the DDL of one migrated table, in the order it runs.
type MigrationDDL struct {
	Create      []Statement
	After       []Statement
	ForeignKeys []Statement
}

// SchemaMigrator is implemented by loader dialects that can be the target
// of a migration (see "Migrations" above).
type SchemaMigrator interface {
	MigrationDDL(t MigrationTable) (MigrationDDL, error)
}

// MigrationStyle is what differs between targets in StandardMigrationDDL.
type MigrationStyle struct {
	// InlineKeys declares the primary key and foreign keys inside CREATE
	// TABLE (SQLite, whose ALTER TABLE cannot add them).
	InlineKeys bool
	// Comments writes COMMENT ON TABLE / COLUMN statements.
	Comments bool
	// BoolLiterals renders defaults of boolean columns as TRUE/FALSE
	// (otherwise 1/0).
	BoolLiterals bool
	// IdentityClause, when set, is appended to an identity column's
	// definition in CREATE TABLE ("IDENTITY(1, 1)").
	IdentityClause string
	// Identity, when set, returns the statements run after the data that
	// make new rows of table t get values of column col after the loaded
	// maximum.
	Identity func(t Table, col string) []Statement
	// IndexName returns the name of an index of table t created from the
	// source index name (databases whose index names are per schema
	// prefix the table). Default: the name as is.
	IndexName func(t Table, name string) string
	// Column, when set, renders one column definition instead of the
	// standard `"name" type [DEFAULT d] [NOT NULL]` (SQLite's INTEGER
	// PRIMARY KEY).
	Column func(t MigrationTable, c MigrationColumn) (string, bool)
}

// When words of the migration statements.
const (
	WhenBeforeData = "before the data"
	WhenAfterData  = "after the table's data"
	WhenAfterAll   = "after every table's data"
	// WhenBeforeForeignKeys and WhenAfterForeignKeys mark statements of
	// ForeignKeys that run outside the transaction of the foreign keys,
	// before and after it, once however many tables give them (SQLite's
	// PRAGMA foreign_keys, a no-op inside a transaction).
	WhenBeforeForeignKeys = "before the foreign keys, outside their transaction"
	WhenAfterForeignKeys  = "after the foreign keys, outside their transaction"
)

// StandardMigrationDDL renders the DDL of t with d's quoting, in standard
// SQL adjusted by style.
func StandardMigrationDDL(d Dialect, t MigrationTable, style MigrationStyle) (MigrationDDL, error) {
	if len(t.Columns) == 0 {
		return MigrationDDL{}, fmt.Errorf("create table %s: no columns", t.Table)
	}
	name := QualifiedName(d, t.Table)
	var b strings.Builder
	b.WriteString("CREATE TABLE " + name + " (\n")
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("  ")
		if s, ok := callColumn(style, t, c); ok {
			b.WriteString(s)
			continue
		}
		b.WriteString(standardColumn(d, c, style))
	}
	var out MigrationDDL
	fks := foreignKeySQL(d, t, style.InlineKeys)
	if t.KeyBeforeData && !style.InlineKeys && len(t.PrimaryKey) > 0 {
		b.WriteString(",\n  PRIMARY KEY (" + QuoteList(d, "", t.PrimaryKey) + ")")
	}
	if style.InlineKeys {
		if len(t.PrimaryKey) > 0 && !inlinedKey(style, t) {
			b.WriteString(",\n  PRIMARY KEY (" + QuoteList(d, "", t.PrimaryKey) + ")")
		}
		for _, fk := range fks {
			b.WriteString(",\n  " + fk)
		}
	}
	b.WriteString("\n)")
	out.Create = append(out.Create, Statement{When: WhenBeforeData, SQL: b.String()})
	if style.Comments {
		out.Create = append(out.Create, commentSQL(d, t)...)
	}
	if len(t.PrimaryKey) > 0 && !style.InlineKeys && !t.KeyBeforeData {
		out.After = append(out.After, Statement{When: WhenAfterData,
			SQL: "ALTER TABLE " + name + " ADD PRIMARY KEY (" + QuoteList(d, "", t.PrimaryKey) + ")"})
	}
	for _, ix := range t.Indexes {
		iname := ix.Name
		if style.IndexName != nil {
			iname = style.IndexName(t.Table, ix.Name)
		}
		kind := "INDEX "
		if ix.Unique {
			kind = "UNIQUE INDEX "
		}
		out.After = append(out.After, Statement{When: WhenAfterData,
			SQL: "CREATE " + kind + d.Quote(iname) + " ON " + name + " (" + QuoteList(d, "", ix.Columns) + ")"})
	}
	if style.Identity != nil {
		for _, c := range t.Columns {
			if c.Identity {
				out.After = append(out.After, style.Identity(t.Table, c.Name)...)
			}
		}
	}
	if !style.InlineKeys {
		for _, fk := range fks {
			out.ForeignKeys = append(out.ForeignKeys, Statement{When: WhenAfterAll, SQL: "ALTER TABLE " + name + " ADD " + fk})
		}
	}
	return out, nil
}

func callColumn(style MigrationStyle, t MigrationTable, c MigrationColumn) (string, bool) {
	if style.Column == nil {
		return "", false
	}
	return style.Column(t, c)
}

// inlinedKey says whether style.Column already declared the primary key
// on its column.
func inlinedKey(style MigrationStyle, t MigrationTable) bool {
	if style.Column == nil || len(t.PrimaryKey) != 1 {
		return false
	}
	for _, c := range t.Columns {
		if c.Name == t.PrimaryKey[0] {
			s, ok := style.Column(t, c)
			return ok && strings.Contains(s, "PRIMARY KEY")
		}
	}
	return false
}

// standardColumn renders `"name" type [identity] [DEFAULT d] [NOT NULL]`.
func standardColumn(d Dialect, c MigrationColumn, style MigrationStyle) string {
	s := d.Quote(c.Name) + " " + c.Type
	if c.Identity && style.IdentityClause != "" {
		s += " " + style.IdentityClause
	}
	if c.Default != "" {
		s += " DEFAULT " + BoolDefault(c, style.BoolLiterals)
	}
	if c.NotNull {
		s += " NOT NULL"
	}
	return s
}

// BoolDefault renders the default of c, turning 0/1 into FALSE/TRUE for a
// boolean column when literals is set (and the other way round).
func BoolDefault(c MigrationColumn, literals bool) string {
	if !c.Bool {
		return c.Default
	}
	v := strings.ToUpper(strings.Trim(c.Default, "'"))
	switch {
	case v == "0" || v == "FALSE" || v == "B0":
		if literals {
			return "FALSE"
		}
		return "0"
	case v == "1" || v == "TRUE" || v == "B1":
		if literals {
			return "TRUE"
		}
		return "1"
	}
	return c.Default
}

func commentSQL(d Dialect, t MigrationTable) []Statement {
	var out []Statement
	name := QualifiedName(d, t.Table)
	if t.Comment != "" {
		out = append(out, Statement{When: WhenBeforeData, SQL: "COMMENT ON TABLE " + name + " IS " + QuoteString(t.Comment)})
	}
	for _, c := range t.Columns {
		if c.Comment != "" {
			out = append(out, Statement{When: WhenBeforeData, SQL: "COMMENT ON COLUMN " + name + "." + d.Quote(c.Name) + " IS " + QuoteString(c.Comment)})
		}
	}
	return out
}

func foreignKeySQL(d Dialect, t MigrationTable, inline bool) []string {
	var out []string
	for _, fk := range t.ForeignKeys {
		s := ""
		if fk.Name != "" {
			s = "CONSTRAINT " + d.Quote(fk.Name) + " "
		}
		ref := fk.RefTable
		if inline {
			ref.Schema = "" // SQLite: a foreign key names a table of the same database
		}
		s += "FOREIGN KEY (" + QuoteList(d, "", fk.Columns) + ") REFERENCES " + QualifiedName(d, ref) + " (" + QuoteList(d, "", fk.RefColumns) + ")"
		if fk.OnDelete != "" && fk.OnDelete != "NO ACTION" && fk.OnDelete != "RESTRICT" {
			s += " ON DELETE " + fk.OnDelete
		}
		if fk.OnUpdate != "" && fk.OnUpdate != "NO ACTION" && fk.OnUpdate != "RESTRICT" {
			s += " ON UPDATE " + fk.OnUpdate
		}
		out = append(out, s)
	}
	return out
}

var (
	numberRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)
	nowRE    = regexp.MustCompile(`(?i)^(current_timestamp|now|localtimestamp)\s*(\(\s*\))?$`)
)

// PortableDefault returns the default expression of a source catalog
// (SourceColumn.Default) in a form every target accepts: a number, a
// string literal, NULL, TRUE/FALSE, or CURRENT_TIMESTAMP (without
// precision). ok is false for anything else (functions, expressions,
// sequences): the planner drops it with a warning.
func PortableDefault(expr string) (string, bool) {
	e := strings.TrimSpace(expr)
	for strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")") {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	switch u := strings.ToUpper(e); {
	case e == "":
		return "", false
	case u == "NULL":
		return "", true // the same as no default
	case u == "TRUE" || u == "FALSE":
		return u, true
	case numberRE.MatchString(e):
		return e, true
	case nowRE.MatchString(e):
		return "CURRENT_TIMESTAMP", true
	case isStringLiteral(e):
		return e, true
	}
	return "", false
}

// isStringLiteral is true for '…' with every inner quote doubled and no
// backslash escape (whose meaning differs between databases).
func isStringLiteral(e string) bool {
	if len(e) < 2 || e[0] != '\'' || e[len(e)-1] != '\'' || strings.Contains(e, `\`) {
		return false
	}
	inner := e[1 : len(e)-1]
	return !strings.Contains(strings.ReplaceAll(inner, "''", ""), "'")
}
