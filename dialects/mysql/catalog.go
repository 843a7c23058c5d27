package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/xcetl/xcetl/dialects"
)

// The catalog statements, each with the arguments (schema, table); schema
// "" is the DSN's database (DATABASE()).
const (
	sqlTable = `SELECT t.TABLE_SCHEMA, t.TABLE_TYPE, t.ENGINE, t.TABLE_ROWS, t.TABLE_COMMENT, c.CHARACTER_SET_NAME
FROM information_schema.TABLES t
LEFT JOIN information_schema.COLLATIONS c ON c.COLLATION_NAME = t.TABLE_COLLATION
WHERE t.TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND t.TABLE_NAME = ?`
	sqlColumns = `SELECT COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT,
  CHARACTER_SET_NAME, CHARACTER_MAXIMUM_LENGTH, COLLATION_NAME
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
ORDER BY ORDINAL_POSITION`
	sqlIndexes = `SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX`
	sqlForeignKeys = `SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME,
  k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
WHERE k.TABLE_SCHEMA = ? AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION`
	// MariaDB stores JSON as longtext with a CHECK (json_valid(col)).
	sqlJSONChecks = `SELECT CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? AND CHECK_CLAUSE LIKE 'json\_valid(%'`
	sqlTables = `SELECT TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND TABLE_TYPE = 'BASE TABLE'
ORDER BY TABLE_NAME`
)

// CatalogSQL implements dialects.SourceDialect.
func (Dialect) CatalogSQL() []dialects.Statement {
	return []dialects.Statement{
		{When: "describe: the table (schema, name)", SQL: sqlTable},
		{When: "describe: columns", SQL: sqlColumns},
		{When: "describe: primary key and indexes", SQL: sqlIndexes},
		{When: "describe: foreign keys", SQL: sqlForeignKeys},
		{When: "describe, MariaDB only: JSON columns (longtext with CHECK json_valid)", SQL: sqlJSONChecks},
		{When: "migrate: the base tables of a schema", SQL: sqlTables},
	}
}

// DescribeSource implements dialects.SourceConn.
func (c *conn) DescribeSource(ctx context.Context, t dialects.Table) (*dialects.SourceTable, error) {
	rows, err := c.Query(ctx, sqlTable, t.Schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("look up table %s: %w", t, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := texts(rows[0])
	if r[1] != "BASE TABLE" && r[1] != "SYSTEM VERSIONED" {
		return nil, fmt.Errorf("%s is a %s, not a table", t, strings.ToLower(r[1]))
	}
	st := &dialects.SourceTable{Table: dialects.Table{Schema: r[0], Name: t.Name, SchemaQuoted: true, NameQuoted: true},
		Engine: r[2], Comment: r[4], Charset: r[5], RowEstimate: -1}
	if rows[0][3] != nil {
		st.RowEstimate = int64(atoi(r[3]))
	}
	schema := st.Table.Schema
	cols, err := c.Query(ctx, sqlColumns, schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", t, err)
	}
	var json map[string]bool
	if c.mariadb {
		checks, err := c.Query(ctx, sqlJSONChecks, schema, t.Name)
		if err != nil {
			return nil, fmt.Errorf("read checks of %s: %w", t, err)
		}
		json = jsonColumns(checks)
	}
	for _, row := range cols {
		st.Columns = append(st.Columns, c.column(texts(row), row[4] == nil, json))
	}
	idx, err := c.Query(ctx, sqlIndexes, schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("read indexes of %s: %w", t, err)
	}
	addIndexes(st, idx)
	fks, err := c.Query(ctx, sqlForeignKeys, schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("read foreign keys of %s: %w", t, err)
	}
	addForeignKeys(st, fks)
	return st, nil
}

// column builds a SourceColumn from a sqlColumns row.
func (c *conn) column(r []string, noDefault bool, json map[string]bool) dialects.SourceColumn {
	col := dialects.SourceColumn{Name: r[0], NativeType: strings.ToLower(r[1]), Nullable: r[3] == "YES",
		Comment: r[6], Charset: r[7], Identity: strings.Contains(strings.ToLower(r[5]), "auto_increment")}
	if json[col.Name] && col.NativeType == "longtext" {
		col.NativeType = "json"
	}
	if !noDefault {
		col.Default = c.defaultExpr(r[4], r[2], r[5])
	}
	return col
}

// defaultExpr renders COLUMN_DEFAULT as an SQL expression. MariaDB (10.2.7
// and later) writes it as an expression already ('abc', 1, NULL,
// current_timestamp()); MySQL writes literals bare and marks expressions
// DEFAULT_GENERATED in EXTRA.
func (c *conn) defaultExpr(def, dataType, extra string) *string {
	if c.mariadb {
		if def == "NULL" {
			return nil
		}
		return &def
	}
	switch {
	case strings.Contains(strings.ToUpper(extra), "DEFAULT_GENERATED"),
		strings.EqualFold(def, "CURRENT_TIMESTAMP") || strings.HasPrefix(strings.ToUpper(def), "CURRENT_TIMESTAMP("):
	case isNumericType(dataType) && dialects.IsDecimalText(def):
	default:
		def = quoteString(def)
	}
	return &def
}

func isNumericType(t string) bool {
	switch strings.ToLower(t) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double", "real", "year":
		return true
	}
	return false
}

// jsonColumns finds the columns of CHECK (json_valid(`col`)) clauses.
func jsonColumns(rows [][]any) map[string]bool {
	out := map[string]bool{}
	for _, r := range rows {
		clause := texts(r)[0]
		inner := strings.TrimSuffix(strings.TrimPrefix(clause, "json_valid("), ")")
		if strings.HasPrefix(inner, "`") && strings.HasSuffix(inner, "`") && len(inner) >= 2 {
			out[strings.ReplaceAll(inner[1:len(inner)-1], "``", "`")] = true
		}
	}
	return out
}

// addIndexes fills the primary key and indexes from sqlIndexes rows.
func addIndexes(st *dialects.SourceTable, rows [][]any) {
	for _, row := range rows {
		r := texts(row)
		name, unique, col := r[0], r[1] == "0", r[2]
		if name == "PRIMARY" {
			st.PrimaryKey = append(st.PrimaryKey, col)
			continue
		}
		st.AddIndexColumn(name, unique, col)
	}
}

// addForeignKeys fills the foreign keys from sqlForeignKeys rows.
func addForeignKeys(st *dialects.SourceTable, rows [][]any) {
	for _, row := range rows {
		r := texts(row)
		st.AddForeignKeyColumn(dialects.ForeignKey{Name: r[0],
			RefTable: dialects.Table{Schema: r[2], Name: r[3], SchemaQuoted: true, NameQuoted: true},
			OnUpdate: rule(r[5]), OnDelete: rule(r[6])}, r[1], r[4])
	}
}

// rule maps the catalog's referential action; RESTRICT is MySQL's default
// and stays explicit.
func rule(s string) string {
	if s == "NO ACTION" {
		return ""
	}
	return s
}

// Tables implements dialects.SourceConn.
func (c *conn) Tables(ctx context.Context, schema string) ([]dialects.Table, error) {
	return dialects.TableList(ctx, c, schema, sqlTables, schema)
}

// texts turns a catalog row's values into strings ("" for NULL).
func texts(row []any) []string {
	out := make([]string, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case []byte:
			out[i] = string(x)
		case string:
			out[i] = x
		case nil:
		default:
			out[i] = fmt.Sprint(x)
		}
	}
	return out
}
