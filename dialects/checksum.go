package dialects

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
)

// # Checksums (xcetl verify)
//
// `xcetl verify` compares a source table with its copy in another database
// without moving the rows: each database computes, over ranges of the key,
// the row count and a checksum of the rows' canonical text, and only the
// ranges whose checksums differ are read row by row. For equal values to
// compare equal across databases, every value is first turned, inside the
// database, into its canonical text, the same whatever the database's type
// and output format (CanonicalText is the reference, in Go):
//
//	int                whole number in decimal: -12, 9223372036854775807, 18446744073709551615
//	decimal            no exponent, no trailing zeros in the fraction, no "." without one: 1.5, 10, 0 (never -0)
//	float              shortest round-trip digits; plain for 1e-4 ≤ |x| < 1e15, else d.ddde±N without "+" or
//	                   leading zeros in N (1e21, 1.5e-7); -0 is 0; NaN, Infinity, -Infinity
//	bool               1 or 0 (so that MySQL's tinyint(1)/bit(1) equals PostgreSQL's boolean)
//	date               YYYY-MM-DD
//	timestamp[tz]      YYYY-MM-DD HH:MM:SS.ffffff, six fraction digits, timestamptz in UTC
//	bytes              lowercase hex
//	string             the text itself (UTF-8)
//
// NULL has no text: a row's text marks it apart from every string, '' included.
// A row's text is the concatenation, for each column in order, of its
// token, which no two different rows share:
//
//   - a column compared as a number, bool, date or timestamp on both sides
//     (Delimited: its text is never empty and has no ";"): the text and
//     ";", or ";" alone for NULL — one evaluation of the text per row;
//   - any other column: "N" for NULL or "<octets>:<text>" (the text's
//     length in UTF-8 bytes, a colon, the text). Its digest is the MD5 of
// that text; a range's checksum is the row count and the sum, modulo 2⁶⁴,
// of the digests' first 64 bits (a sum, not XOR, so that duplicate rows do
// not cancel out; modulo 2⁶⁴, so that reading the bits signed or unsigned
// gives the same checksum).
//
// Floats are the one type whose text databases do not agree on outside
// the plain range (MariaDB writes 0.0000001 where PostgreSQL writes
// 1e-07): such ranges checksum differently and are then compared row by
// row, where verify compares floats by value. So a float can cost time,
// never a false difference.

// Checksummer is implemented by source dialects that `xcetl verify` can
// compare tables of. Its methods return SQL of the dialect's database and
// must not connect, so that they can be golden-tested for databases no
// test server runs.
type Checksummer interface {
	// CanonicalExpr returns the expression of the canonical text of the
	// column c read as type t (ColumnRead.Type of the same column), NULL
	// when the value is NULL. expr is the column's ColumnRead.Expr (the
	// quoted name, or the expression that reads it: ST_AsText(…)). o are the options
	// the column is read with (MySQL's zero dates read as NULL are NULL).
	CanonicalExpr(expr string, c SourceColumn, t xcetl.Type, o ReadOptions) (string, error)
	// RowText returns the expression of a row's text from its columns'
	// canonical expressions (see above: "text;" or ";" where delimited[i],
	// else "N" or "<octets>:<text>").
	RowText(canon []string, delimited []bool) string
	// Digest returns the expression of the MD5 of text as 32 lowercase
	// hex characters.
	Digest(text string) string
	// DigestWord returns the expression of the i-th (0 or 1) 32-bit word
	// of a digest expression's hex as a non-negative integer.
	DigestWord(digest string, i int) string
	// Checksums returns the aggregates of a range's checksum over the row
	// text expression, evaluating it once per row: one, the sum of the
	// digests' first 64 bits as an integer (signed or not); or two, the
	// sums of their first and second 32 bits, combined as hi·2³² + lo.
	// Sums must be exact (no floating point, no overflow).
	Checksums(rowText string) []string
	// IntDiv returns the expression of the integer division a / b of two
	// integer expressions, rounded toward minus infinity (a ≥ 0 here).
	IntDiv(a, b string) string
	// Literal renders a canonical text as a literal that a column of
	// type t accepts in an INSERT or UPDATE (--fix-sql): quoted text the
	// database converts, bytes from their hex.
	Literal(canon string, t xcetl.Type) string
}

// QuoteString renders s as a standard SQL string literal (single quotes
// doubled).
func QuoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ChecksumQuery builds the statements of verify for one table side.
type ChecksumQuery struct {
	D  SourceDialect
	CS Checksummer
	// From is the quoted table; Where a condition on it ("" for none),
	// placeholders numbered from 1.
	From, Where string
	// Canon are the canonical expressions of the compared columns, and
	// Delimited their tokens (RowText).
	Canon     []string
	Delimited []bool
}

// Sums returns SELECT COUNT(*) and the Checksums aggregates over the rows
// that match cond (and Where), grouped by bucket when bucket is not ""
// (the bucket expression is then the first column).
func (q ChecksumQuery) Sums(bucket, cond string) string {
	if bucket == "" {
		return "SELECT COUNT(*), " + strings.Join(q.CS.Checksums(q.CS.RowText(q.Canon, q.Delimited)), ", ") + " FROM " + q.From + whereOf(q.Where, cond)
	}
	sums := "COUNT(*), " + strings.Join(q.CS.Checksums("xcetl_t"), ", ")
	s := "SELECT " + bucket + " AS xcetl_b, " + q.CS.RowText(q.Canon, q.Delimited) + " AS xcetl_t FROM " + q.From + whereOf(q.Where, cond)
	return "SELECT xcetl_b, " + sums + " FROM (" + s + ") xcetl_s GROUP BY xcetl_b"
}

// Rows returns SELECT of the canonical expressions of cols over the rows
// that match cond.
func (q ChecksumQuery) Rows(cols []string, cond string) string {
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + q.From + whereOf(q.Where, cond)
}

func whereOf(a, b string) string {
	switch {
	case a != "" && b != "":
		return " WHERE (" + a + ") AND (" + b + ")"
	case a != "":
		return " WHERE " + a
	case b != "":
		return " WHERE " + b
	}
	return ""
}

// ConcatRowText is RowText for databases whose || concatenates text and
// whose NULL || x is NULL (the PostgreSQL family): each column becomes
// COALESCE(text || ';', ';') or COALESCE(octets || ':' || text, 'N').
func ConcatRowText(canon []string, delimited []bool, octets func(string) string) string {
	parts := make([]string, len(canon))
	for i, e := range canon {
		if i < len(delimited) && delimited[i] {
			parts[i] = "COALESCE(" + e + " || ';', ';')"
			continue
		}
		parts[i] = "COALESCE(" + octets(e) + " || ':' || " + e + ", 'N')"
	}
	if len(parts) == 0 {
		return "''"
	}
	return strings.Join(parts, " || ")
}

// CanonicalText returns the canonical text of an xcetl value (int64,
// float64, xcetl.Decimal, bool, time.Time, string, []byte), false for
// NULL. t is the column's type: a time.Time of a date column is its date.
func CanonicalText(v any, t xcetl.Type) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return CanonicalFloat(x), true
	case xcetl.Decimal:
		return CanonicalDecimal(string(x)), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	case time.Time:
		if t.Kind == xcetl.KindDate {
			return x.Format("2006-01-02"), true
		}
		if t.Kind == xcetl.KindTimestampTZ {
			x = x.UTC()
		}
		return x.Format("2006-01-02 15:04:05.000000"), true
	case []byte:
		return hexLower(x), true
	case string:
		return x, true
	}
	s, err := TextOf(v)
	return s, err == nil
}

func hexLower(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// CanonicalDecimal normalises a decimal's text: no "+", no leading zeros,
// no trailing zeros in the fraction, no "." without a fraction, and no
// minus sign on zero.
func CanonicalDecimal(s string) string {
	if s == "NaN" || s == "Infinity" || s == "-Infinity" {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	whole, frac, _ := strings.Cut(s, ".")
	whole = strings.TrimLeft(whole, "0")
	frac = strings.TrimRight(frac, "0")
	if whole == "" {
		whole = "0"
	}
	out := whole
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// CanonicalFloat is the canonical text of a float (see the table above).
func CanonicalFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	if a := math.Abs(f); a >= 1e-4 && a < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return NormalizeExponent(strconv.FormatFloat(f, 'e', -1, 64))
}

// NormalizeExponent rewrites a float's exponent without "+" and leading
// zeros: 1e+07 → 1e7, 1.5e-07 → 1.5e-7.
func NormalizeExponent(s string) string {
	m, e, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	sign := ""
	if strings.HasPrefix(e, "-") {
		sign = "-"
	}
	e = strings.TrimLeft(e, "+-0")
	if e == "" {
		e = "0"
	}
	return m + "e" + sign + e
}

// EqualCanonical reports whether two canonical texts of columns of types a
// and b are the same value: the same text, or, for floats (whose text
// databases disagree on outside the plain range), the same number.
func EqualCanonical(x, y string, a, b xcetl.Type) bool {
	if x == y {
		return true
	}
	if a.Kind != xcetl.KindFloat && b.Kind != xcetl.KindFloat {
		return false
	}
	fx, err1 := strconv.ParseFloat(x, 64)
	fy, err2 := strconv.ParseFloat(y, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return fx == fy
}

// Delimits reports whether a column compared as a and b has a delimited
// token (RowText): both types' canonical text is never empty and never
// holds ";".
func Delimits(a, b xcetl.Type) bool { return delimitedKind(a.Kind) && delimitedKind(b.Kind) }

func delimitedKind(k xcetl.Kind) bool {
	switch k {
	case xcetl.KindInt, xcetl.KindDecimal, xcetl.KindFloat, xcetl.KindBool, xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		return true
	}
	return false
}
