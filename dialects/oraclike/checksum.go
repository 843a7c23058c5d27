package oraclike

import (
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

var _ dialects.Checksummer = (*Dialect)(nil)

// CanonicalExpr implements dialects.Checksummer for DM8 and Oracle
// (dialects/checksum.go has the forms). Golden-tested only: no server of
// either runs in the tests. Oracle stores ” as NULL, so its empty
// strings compare as NULL.
//
// The reads of these dialects convert values to text in SQL (TO_CHAR of
// dates, CAST of NUMBER): the canonical text starts from the column
// itself, not from expr.
func (d *Dialect) CanonicalExpr(_ string, c dialects.SourceColumn, t xcetl.Type, o dialects.ReadOptions) (string, error) {
	expr := d.Quote(c.Name)
	switch t.Kind {
	case xcetl.KindInt:
		return "TO_CHAR(" + expr + ")", nil
	case xcetl.KindDecimal:
		// TO_CHAR of a NUMBER has no trailing zeros but drops the 0
		// before the point (.5): put it back.
		s := "TO_CHAR(" + expr + ")"
		return "CASE WHEN " + s + " LIKE '.%' THEN '0' || " + s + " WHEN " + s + " LIKE '-.%' THEN '-0' || SUBSTR(" + s + ", 2) ELSE " + s + " END", nil
	case xcetl.KindFloat:
		return "CASE WHEN " + expr + " = 0 THEN '0' ELSE LOWER(TO_CHAR(" + expr + ")) END", nil
	case xcetl.KindBool:
		return "CASE WHEN " + expr + " IS NULL THEN NULL WHEN " + expr + " = 0 THEN '0' ELSE '1' END", nil
	case xcetl.KindDate:
		return "TO_CHAR(" + expr + ", 'YYYY-MM-DD')", nil
	case xcetl.KindTimestamp:
		return "TO_CHAR(" + expr + ", 'YYYY-MM-DD HH24:MI:SS.FF6')", nil
	case xcetl.KindTimestampTZ:
		return "TO_CHAR(SYS_EXTRACT_UTC(" + expr + "), 'YYYY-MM-DD HH24:MI:SS.FF6')", nil
	case xcetl.KindBytes:
		return "LOWER(RAWTOHEX(" + expr + "))", nil
	}
	return "TO_CHAR(" + expr + ")", nil
}

// RowText implements dialects.Checksummer: || treats NULL as ” here, so
// NULL is tested, not propagated.
func (d *Dialect) RowText(canon []string, delimited []bool) string {
	parts := make([]string, len(canon))
	for i, e := range canon {
		if i < len(delimited) && delimited[i] {
			parts[i] = e + " || ';'"
			continue
		}
		parts[i] = "CASE WHEN " + e + " IS NULL THEN 'N' ELSE LENGTHB(" + e + ") || ':' || " + e + " END"
	}
	if len(parts) == 0 {
		return "'-'"
	}
	return strings.Join(parts, " || ")
}

// Digest implements dialects.Checksummer: the Config's, else Oracle's
// STANDARD_HASH.
func (d *Dialect) Digest(text string) string {
	if d.cfg.Digest != nil {
		return d.cfg.Digest(text)
	}
	return "LOWER(RAWTOHEX(STANDARD_HASH(" + text + ", 'MD5')))"
}

// DigestWord implements dialects.Checksummer.
func (d *Dialect) DigestWord(dg string, i int) string {
	from := "1"
	if i == 1 {
		from = "9"
	}
	return "TO_NUMBER(SUBSTR(" + dg + ", " + from + ", 8), 'XXXXXXXX')"
}

// IntDiv implements dialects.Checksummer.
func (d *Dialect) IntDiv(a, b string) string { return "FLOOR((" + a + ") / (" + b + "))" }

// Literal implements dialects.Checksummer: typed literals for dates and
// timestamps (DATE '…', TIMESTAMP '…'), HEXTORAW for bytes.
func (d *Dialect) Literal(canon string, t xcetl.Type) string {
	switch t.Kind {
	case xcetl.KindBytes:
		return "HEXTORAW('" + canon + "')"
	case xcetl.KindDate:
		return "DATE " + dialects.QuoteString(canon)
	case xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		return "TIMESTAMP " + dialects.QuoteString(canon)
	case xcetl.KindInt, xcetl.KindDecimal, xcetl.KindFloat, xcetl.KindBool:
		return canon
	}
	return dialects.QuoteString(canon)
}

// Checksums implements dialects.Checksummer: the first 64 bits as an
// unsigned NUMBER (exact: 38 digits).
func (d *Dialect) Checksums(text string) []string {
	return []string{"SUM(TO_NUMBER(SUBSTR(" + d.Digest(text) + ", 1, 16), 'XXXXXXXXXXXXXXXX'))"}
}
