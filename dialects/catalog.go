package dialects

import (
	"strings"

	"github.com/xcetl/xcetl"
)

// CatalogTyper is implemented by dialects whose catalog type names need
// their own reading (DM8's BIT is a boolean, not a bit string).
type CatalogTyper interface {
	CatalogType(c CatalogColumn) xcetl.Type
}

// TypeOfColumn returns the xcetl type of an existing column: d's own
// reading (CatalogTyper), else CatalogTypeByName.
func TypeOfColumn(d Dialect, c CatalogColumn) xcetl.Type {
	if ct, ok := d.(CatalogTyper); ok {
		return ct.CatalogType(c)
	}
	return CatalogTypeByName(c)
}

// Analyzer is implemented by dialects that can refresh a table's planner
// statistics with one statement (the PostgreSQL family and SQLite: ANALYZE).
// Loaders that fill a table they also look up in (the CDC version table)
// call it so that lookups use the index; without it the database is left
// to its own statistics.
type Analyzer interface {
	AnalyzeSQL(t Table) string
}

// CatalogTypeByName maps a catalog column to the xcetl type its values are
// given when xcetl writes into an existing column it did not create (CDC
// events typed by the target table). It goes by the SQL type names the
// databases share (int8, bigint, numeric, NUMBER, timestamptz, DATETIME,
// BLOB, …); what it does not know stays text, which every database parses
// on input. A dialect whose names mean something else implements
// CatalogTyper.
func CatalogTypeByName(c CatalogColumn) xcetl.Type {
	name := strings.ToLower(strings.TrimSpace(c.Base))
	if name == "" {
		name = strings.ToLower(strings.TrimSpace(c.Type))
	}
	full := strings.ToLower(c.Type)
	if i := strings.IndexByte(name, '('); i >= 0 {
		name = strings.TrimSpace(name[:i])
	}
	switch name {
	case "int2", "int4", "int8", "smallint", "integer", "int", "bigint", "tinyint", "mediumint",
		"serial", "bigserial", "smallserial", "byte", "pls_integer", "binary_integer":
		return xcetl.Type{Kind: xcetl.KindInt}
	case "numeric", "decimal", "number", "dec", "money":
		if name == "money" {
			return xcetl.Type{Kind: xcetl.KindString}
		}
		return xcetl.Type{Kind: xcetl.KindDecimal, Precision: xcetl.MaxDecimalPrecision, Scale: 10}
	case "float4", "float8", "real", "double", "double precision", "float", "binary_float", "binary_double":
		return xcetl.Type{Kind: xcetl.KindFloat}
	case "bool", "boolean":
		return xcetl.Type{Kind: xcetl.KindBool}
	case "bit":
		// The SQL standard's (and PostgreSQL's) bit string: its text is
		// its input. DM8's BIT is a boolean: dm8 says so (CatalogTyper).
		return xcetl.Type{Kind: xcetl.KindString}
	case "date":
		return xcetl.Type{Kind: xcetl.KindDate}
	case "timestamp", "timestamp without time zone", "datetime", "datetime2", "smalldatetime":
		if strings.Contains(full, "with time zone") && !strings.Contains(full, "without") {
			return xcetl.Type{Kind: xcetl.KindTimestampTZ}
		}
		return xcetl.Type{Kind: xcetl.KindTimestamp}
	case "timestamptz", "timestamp with time zone", "datetimeoffset", "timestamp with local time zone":
		return xcetl.Type{Kind: xcetl.KindTimestampTZ}
	case "bytea", "blob", "binary", "varbinary", "image", "raw", "longblob", "mediumblob", "tinyblob", "long raw":
		return xcetl.Type{Kind: xcetl.KindBytes}
	}
	return xcetl.Type{Kind: xcetl.KindString}
}
