package dm8

import (
	"database/sql"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/oraclike"
)

// Source is the source side of DM8 (`driver: dm8`): DM8's Oracle-style
// catalog views and type names through dialects/oraclike, with the same
// driver as the loader (build tag dm). Like the loader it has not run
// against a DM8 server: the statements are fixed by golden files
// (docs/dialects.md).
var Source = oraclike.New(oraclike.Config{
	Driver:      "dm8",
	Product:     "DM8",
	Placeholder: func(int) string { return "?" },
	Types:       sourceTypes,
	// DM8's MD5 returns the digest's hex.
	Digest: func(text string) string { return "LOWER(MD5(" + text + "))" },
	Open: func(dsn string) (*sql.DB, error) {
		if err := (dialect{driver: DriverName}).CheckDriver(); err != nil {
			return nil, err
		}
		return sql.Open(DriverName, ApplyDefaultPort(dsn))
	},
	Boundary:  dialects.LimitOffsetBoundary,
	CheckDSN:  checkDSN,
	RedactDSN: xcetl.RedactDSN,
})

func init() { dialects.RegisterSource(Source) }

// sourceTypes is DM8's mapping (docs/dialects.md has the table): the
// integer types → int, NUMBER/DECIMAL → decimal (exact text), BIT → bool
// (DM8's BIT is a boolean), DATE → date, TIMESTAMP and DATETIME →
// timestamp, … WITH TIME ZONE → timestamptz, character types and TEXT/CLOB
// → string, BLOB/IMAGE/BINARY → bytes, TIME and INTERVAL → string.
func sourceTypes(c oraclike.Column) (dialects.ColumnRead, bool) {
	q := dialects.QuoteDouble(c.Name)
	read := func(k xcetl.Kind, n int, expr string, dec func(any) (any, error)) (dialects.ColumnRead, bool) {
		return dialects.ColumnRead{Expr: expr, Type: xcetl.Type{Kind: k, Precision: n}, Decode: dec}, true
	}
	switch {
	case strings.HasSuffix(c.Type, "WITH TIME ZONE"):
		return oraclike.TimestampTZ(q), true
	case strings.HasPrefix(c.Type, "INTERVAL"), c.Type == "TIME":
		return read(xcetl.KindString, 0, "CAST("+q+" AS VARCHAR)", dialects.DecodeString)
	}
	switch c.Type {
	case "INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTE", "PLS_INTEGER":
		return read(xcetl.KindInt, 0, q, dialects.DecodeInt)
	case "NUMBER", "DECIMAL", "NUMERIC", "DEC":
		r := oraclike.Number(q, c.Precision, c.Scale, c.HasPrecision)
		r.Expr = "CAST(" + q + " AS VARCHAR)"
		return r, true
	case "FLOAT", "DOUBLE", "REAL", "DOUBLE PRECISION":
		return read(xcetl.KindFloat, 0, q, dialects.DecodeFloat)
	case "BIT", "BOOL", "BOOLEAN":
		return read(xcetl.KindBool, 0, q, dialects.DecodeBool)
	case "DATE":
		return read(xcetl.KindDate, 0, "TO_CHAR("+q+", 'YYYY-MM-DD')", dialects.DecodeDate)
	case "TIMESTAMP", "DATETIME":
		return oraclike.Timestamp(q), true
	case "CHAR", "CHARACTER", "VARCHAR", "VARCHAR2", "NCHAR", "NVARCHAR", "NVARCHAR2":
		return read(xcetl.KindString, c.Char, q, dialects.DecodeString)
	case "TEXT", "LONGVARCHAR", "CLOB", "NCLOB", "LONG":
		return read(xcetl.KindString, 0, q, dialects.DecodeString)
	case "BLOB", "IMAGE", "LONGVARBINARY", "BINARY", "VARBINARY", "RAW":
		return read(xcetl.KindBytes, 0, q, dialects.DecodeBytes)
	}
	return dialects.ColumnRead{}, false
}
