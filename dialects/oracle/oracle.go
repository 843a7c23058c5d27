// Package oracle is the source dialect of Oracle Database (`driver:
// oracle`), read through github.com/sijms/go-ora/v2 (pure Go). xcetl has no
// Oracle loader. The catalog queries and the type mapping are those of
// dialects/oraclike; no Oracle server is available where xcetl is built,
// so they are fixed by golden files and unverified (docs/dialects.md).
//
// DSN: oracle://user:password@host:1521/service_name[?options] (go-ora's
// URL form). Every session sets TIME_ZONE to +00:00 and NLS numeric
// characters to '.,'; values are read as text with explicit formats.
// A reader runs in SET TRANSACTION READ ONLY (read consistency as of its
// start); several readers cannot share one point in time yet (flashback
// queries AS OF SCN would allow it): use parallel: 1, or snapshot:
// per_reader.
package oracle

import (
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	_ "github.com/sijms/go-ora/v2" // database/sql driver "oracle"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/oraclike"
)

// Dialect is the Oracle source dialect.
var Dialect = oraclike.New(oraclike.Config{
	Driver:         "oracle",
	Product:        "Oracle",
	Placeholder:    func(n int) string { return ":" + strconv.Itoa(n) },
	Types:          types,
	IdentityColumn: "IDENTITY_COLUMN",
	Session:        []string{"ALTER SESSION SET TIME_ZONE = '+00:00'", "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'"},
	Open:           func(dsn string) (*sql.DB, error) { return sql.Open("oracle", dsn) },
	Boundary:       boundary,
	CheckDSN:       checkDSN,
	RedactDSN:      xcetl.RedactDSN,
})

func init() { dialects.RegisterSource(Dialect) }

func checkDSN(dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "oracle" || u.Host == "" {
		return fmt.Errorf("write the dsn as oracle://user:password@host:1521/service_name")
	}
	return nil
}

// boundary is BoundarySQL with Oracle 12c's row limiting clause.
func boundary(from, col, where, ph string, offset int64) string {
	cond := col + " > " + ph
	if where != "" {
		cond += " AND " + where
	}
	return "SELECT " + col + " FROM " + from + " WHERE " + cond + " ORDER BY " + col +
		" OFFSET " + strconv.FormatInt(offset, 10) + " ROWS FETCH NEXT 1 ROWS ONLY"
}

// types is Oracle's mapping (docs/dialects.md has the table): NUMBER(p,0)
// with p ≤ 18 → int, other NUMBER and FLOAT → decimal (exact text), DATE →
// timestamp (it has a time of day), TIMESTAMP → timestamp, TIMESTAMP WITH
// [LOCAL] TIME ZONE → timestamptz, character types → string, LOBs and RAW
// → bytes or string, INTERVAL and ROWID → string.
func types(c oraclike.Column) (dialects.ColumnRead, bool) {
	q := dialects.QuoteDouble(c.Name)
	str := func(n int, expr string) (dialects.ColumnRead, bool) {
		return dialects.ColumnRead{Expr: expr, Type: xcetl.Type{Kind: xcetl.KindString, Precision: n}, Decode: dialects.DecodeString}, true
	}
	switch {
	case strings.HasPrefix(c.Type, "INTERVAL"):
		return str(0, "TO_CHAR("+q+")")
	case c.Type == "TIMESTAMP WITH TIME ZONE" || c.Type == "TIMESTAMP WITH LOCAL TIME ZONE":
		return oraclike.TimestampTZ(q), true
	}
	switch c.Type {
	case "NUMBER", "DECIMAL", "NUMERIC", "INTEGER", "INT", "SMALLINT":
		if c.HasPrecision && c.Scale == 0 && c.Precision <= 18 {
			return dialects.ColumnRead{Expr: "TO_CHAR(" + q + ")", Type: xcetl.Type{Kind: xcetl.KindInt}, Decode: dialects.DecodeInt}, true
		}
		return oraclike.Number(q, c.Precision, c.Scale, c.HasPrecision), true
	case "FLOAT":
		return oraclike.Number(q, 0, 0, false), true
	case "BINARY_FLOAT", "BINARY_DOUBLE":
		return dialects.ColumnRead{Expr: "TO_CHAR(" + q + ", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')", Type: xcetl.Type{Kind: xcetl.KindFloat}, Decode: dialects.DecodeFloat}, true
	case "DATE":
		return oraclike.DateTime(q), true
	case "TIMESTAMP":
		return oraclike.Timestamp(q), true
	case "VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "VARCHAR":
		return str(c.Char, q)
	case "CLOB", "NCLOB", "LONG":
		return str(0, q)
	case "ROWID", "UROWID":
		return str(0, "ROWIDTOCHAR("+q+")")
	case "BLOB", "RAW", "LONG RAW":
		return dialects.ColumnRead{Expr: q, Type: xcetl.Type{Kind: xcetl.KindBytes}, Decode: dialects.DecodeBytes}, true
	}
	return dialects.ColumnRead{}, false
}
