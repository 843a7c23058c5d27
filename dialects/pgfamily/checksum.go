package pgfamily

import (
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

var _ dialects.Checksummer = (*Dialect)(nil)

// CanonicalExpr implements dialects.Checksummer for the PostgreSQL family
// (dialects/checksum.go has the forms). The SQL is the same on
// PostgreSQL, openGauss and KingbaseES (no trim_scale, which openGauss
// lacks); a float's text is its shortest round-trip digits on PostgreSQL
// 12 and later only (older servers and openGauss write 15 significant
// digits, so float ranges are compared row by row, by value).
func (d *Dialect) CanonicalExpr(expr string, c dialects.SourceColumn, t xcetl.Type, o dialects.ReadOptions) (string, error) {
	if cast, ok := pgCasts[t.Kind]; ok && isTextType(c.NativeType) {
		// A text column read as another type (types: override, or a copy
		// of a typed column kept as text).
		expr = "(" + expr + ")::" + cast
	}
	switch t.Kind {
	case xcetl.KindInt, xcetl.KindString:
		return "(" + expr + ")::text", nil
	case xcetl.KindDecimal:
		return "CASE WHEN (" + expr + ")::text LIKE '%.%' THEN rtrim(rtrim((" + expr + ")::text, '0'), '.') ELSE (" + expr + ")::text END", nil
	case xcetl.KindFloat:
		return "CASE WHEN " + expr + " = 0 THEN '0' ELSE regexp_replace((" + expr + ")::text, 'e\\+?(-?)0*', 'e\\1') END", nil
	case xcetl.KindBool:
		return "CASE WHEN " + expr + " THEN '1' WHEN NOT " + expr + " THEN '0' END", nil
	case xcetl.KindDate:
		return "to_char(" + expr + ", 'YYYY-MM-DD')", nil
	case xcetl.KindTimestamp:
		return "to_char(" + expr + ", 'YYYY-MM-DD HH24:MI:SS.US')", nil
	case xcetl.KindTimestampTZ:
		return "to_char(" + expr + " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')", nil
	case xcetl.KindBytes:
		return "encode(" + expr + ", 'hex')", nil
	}
	return "(" + expr + ")::text", nil
}

// RowText implements dialects.Checksummer.
func (d *Dialect) RowText(canon []string, delimited []bool) string {
	return dialects.ConcatRowText(canon, delimited, func(e string) string { return "octet_length(" + e + ")::text" })
}

// Digest implements dialects.Checksummer.
func (d *Dialect) Digest(text string) string { return "md5(" + text + ")" }

// DigestWord implements dialects.Checksummer.
func (d *Dialect) DigestWord(dg string, i int) string {
	from := "1"
	if i == 1 {
		from = "9"
	}
	return "('x' || substr(" + dg + ", " + from + ", 8))::bit(32)::bigint"
}

// IntDiv implements dialects.Checksummer.
func (d *Dialect) IntDiv(a, b string) string { return "(" + a + ") / (" + b + ")" }

// Literal implements dialects.Checksummer: untyped literals, which
// PostgreSQL converts to the column's type ('1' is true for a boolean).
func (d *Dialect) Literal(canon string, t xcetl.Type) string {
	switch t.Kind {
	case xcetl.KindBytes:
		return "decode('" + canon + "', 'hex')"
	case xcetl.KindTimestampTZ:
		// The canonical text is UTC: say so, whatever the session's zone.
		return dialects.QuoteString(canon + "+00")
	}
	return dialects.QuoteString(canon)
}

var pgCasts = map[xcetl.Kind]string{
	xcetl.KindInt: "numeric", xcetl.KindDecimal: "numeric", xcetl.KindFloat: "float8", xcetl.KindBool: "boolean",
	xcetl.KindDate: "date", xcetl.KindTimestamp: "timestamp", xcetl.KindTimestampTZ: "timestamptz",
}

func isTextType(native string) bool {
	n := strings.ToLower(native)
	return n == "text" || strings.HasPrefix(n, "character") || strings.HasPrefix(n, "varchar") || n == "bpchar" || strings.HasPrefix(n, "char")
}

// Checksums implements dialects.Checksummer: one sum of the first 64 bits
// as a bigint (signed), exact as sum(bigint) is numeric.
func (d *Dialect) Checksums(text string) []string {
	return []string{"sum(('x' || substr(md5(" + text + "), 1, 16))::bit(64)::bigint)"}
}
