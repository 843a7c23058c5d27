package mysql

import (
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

var _ dialects.Checksummer = Dialect{}

// CanonicalExpr implements dialects.Checksummer: MySQL/MariaDB SQL for
// the canonical text of a column (dialects/checksum.go has the forms).
// The session's time zone is UTC (OpenSource sets it), so a timestamp
// column's text is its UTC time.
func (Dialect) CanonicalExpr(expr string, c dialects.SourceColumn, t xcetl.Type, o dialects.ReadOptions) (string, error) {
	nt := parseNative(c.NativeType)
	if nt.base == "bit" && t.Kind != xcetl.KindBytes {
		expr = "CAST(" + expr + " AS UNSIGNED)"
	}
	switch t.Kind {
	case xcetl.KindInt:
		return "CAST(" + expr + " AS CHAR)", nil
	case xcetl.KindDecimal:
		switch {
		case isExactNumber(nt.base), isDecimal(nt.base) && nt.arg(1) == 0:
			// No fraction: trailing zeros are digits (100).
			return "CAST(" + expr + " AS CHAR)", nil
		case isDecimal(nt.base):
			return "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(" + expr + " AS CHAR)))", nil
		}
		// Text read as a decimal: trimmed only where it has a fraction.
		return "IF(LOCATE('.', " + expr + ") > 0, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM " + expr + ")), " + expr + ")", nil
	case xcetl.KindFloat:
		// MariaDB and MySQL 8 write a double's shortest round-trip digits
		// (a float's at single precision) and exponents without "+".
		return "CASE WHEN " + expr + " IS NULL THEN NULL WHEN " + expr + " = 0 THEN '0' ELSE CAST(" + expr + " AS CHAR) END", nil
	case xcetl.KindBool:
		return "CASE WHEN " + expr + " IS NULL THEN NULL WHEN " + expr + " = 0 THEN '0' ELSE '1' END", nil
	case xcetl.KindDate:
		return zeroDate(expr, "DATE_FORMAT("+expr+", '%Y-%m-%d')", nt, o), nil
	case xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		return zeroDate(expr, "DATE_FORMAT("+expr+", '%Y-%m-%d %H:%i:%s.%f')", nt, o), nil
	case xcetl.KindBytes:
		return "LOWER(HEX(" + expr + "))", nil
	}
	if isText(nt.base) && (c.Charset == "utf8mb4" || c.Charset == "utf8mb3" || c.Charset == "utf8") {
		return expr, nil
	}
	if isText(nt.base) {
		// latin1 and gbk columns: their text in UTF-8, so that LENGTH
		// counts UTF-8 bytes and MD5 hashes them.
		return "CONVERT(" + expr + " USING utf8mb4)", nil
	}
	return "CAST(" + expr + " AS CHAR)", nil
}

func isExactNumber(base string) bool {
	switch base {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year", "bit":
		return true
	}
	return false
}

func isDecimal(base string) bool {
	return base == "decimal" || base == "numeric" || base == "dec" || base == "fixed"
}

func isText(base string) bool {
	return strings.Contains(base, "char") || strings.Contains(base, "text") || base == "enum" || base == "set" || base == "json" || base == "long"
}

// zeroDate makes a zero date NULL when the pipeline reads them so
// (zero_dates: null); otherwise its text stays (the row was rejected, and
// verify reports it missing from the target).
func zeroDate(col, text string, nt nativeType, o dialects.ReadOptions) string {
	if o.ZeroDates != dialects.ZeroDateNull || !isDateKind(defaultKind(nt)) {
		return text
	}
	return "CASE WHEN YEAR(" + col + ") = 0 OR MONTH(" + col + ") = 0 OR DAYOFMONTH(" + col + ") = 0 THEN NULL ELSE " + text + " END"
}

func defaultKind(nt nativeType) xcetl.Kind {
	r, ok := defaultRead(nt, dialects.ReadOptions{})
	if !ok {
		return xcetl.KindInvalid
	}
	return r.Type.Kind
}

// RowText implements dialects.Checksummer.
func (Dialect) RowText(canon []string, delimited []bool) string {
	parts := make([]string, len(canon))
	for i, e := range canon {
		if i < len(delimited) && delimited[i] {
			parts[i] = "COALESCE(CONCAT(" + e + ", ';'), ';')"
			continue
		}
		parts[i] = "COALESCE(CONCAT(LENGTH(" + e + "), ':', " + e + "), 'N')"
	}
	if len(parts) == 0 {
		return "''"
	}
	return "CONCAT(" + strings.Join(parts, ", ") + ")"
}

// Digest implements dialects.Checksummer.
func (Dialect) Digest(text string) string { return "MD5(" + text + ")" }

// DigestWord implements dialects.Checksummer.
func (Dialect) DigestWord(d string, i int) string {
	from := "1"
	if i == 1 {
		from = "9"
	}
	return "CAST(CONV(SUBSTRING(" + d + ", " + from + ", 8), 16, 10) AS UNSIGNED)"
}

// IntDiv implements dialects.Checksummer.
func (Dialect) IntDiv(a, b string) string { return "(" + a + ") DIV (" + b + ")" }

// Literal implements dialects.Checksummer: backslashes are escapes in
// MySQL's string literals (unless NO_BACKSLASH_ESCAPES), so they are
// doubled too.
func (Dialect) Literal(canon string, t xcetl.Type) string {
	switch t.Kind {
	case xcetl.KindBytes:
		return "X'" + canon + "'"
	case xcetl.KindBool:
		return canon
	}
	return dialects.QuoteString(strings.ReplaceAll(canon, `\`, `\\`))
}

// Checksums implements dialects.Checksummer: one sum of the first 64 bits
// read as a signed integer (CONV to base -10), exact as a DECIMAL.
func (Dialect) Checksums(text string) []string {
	return []string{"SUM(CAST(CONV(SUBSTRING(MD5(" + text + "), 1, 16), 16, -10) AS SIGNED))"}
}
