package sqlite

import (
	"crypto/md5"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"modernc.org/sqlite"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// SQLite has no MD5 and no way to format a value by a type it does not
// store: verify's pieces are Go functions registered with the driver,
// computed inside the database as the others' SQL is.
//
//	xcetl_canon(x, kind)   the canonical text of x read as kind (dialects.CanonicalText)
//	xcetl_rowtext(c, …)    a row's text from its canonical texts
//	xcetl_md5(text)        the MD5 of text, 32 lowercase hex characters
//	xcetl_word(d, i)       the i-th 32-bit word of a digest's hex
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("xcetl_canon", 2, canonFunc)
	sqlite.MustRegisterDeterministicScalarFunction("xcetl_rowtext", -1, rowTextFunc)
	sqlite.MustRegisterDeterministicScalarFunction("xcetl_md5", 1, md5Func)
	sqlite.MustRegisterDeterministicScalarFunction("xcetl_word", 2, wordFunc)
}

var _ dialects.Checksummer = dialect{}

var kinds = map[string]xcetl.Type{}

func init() {
	for k := xcetl.KindString; k <= xcetl.KindBytes; k++ {
		kinds[k.String()] = xcetl.Type{Kind: k}
	}
}

func canonFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	if args[0] == nil {
		return nil, nil
	}
	t, ok := kinds[fmt.Sprint(args[1])]
	if !ok {
		return nil, fmt.Errorf("xcetl_canon: unknown kind %v", args[1])
	}
	v, err := dialects.TextDecoder(t)(args[0])
	if err != nil {
		// A value that is not of its column's type (SQLite stores what
		// it is given): its own text, which then differs.
		s, _ := dialects.TextOf(args[0])
		return "?" + s, nil
	}
	s, ok := dialects.CanonicalText(v, t)
	if !ok {
		return nil, nil
	}
	return s, nil
}

func rowTextFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	var b strings.Builder
	flags, _ := dialects.TextOf(args[0])
	for i, a := range args[1:] {
		delimited := i < len(flags) && flags[i] == 'd'
		if a == nil {
			if delimited {
				b.WriteByte(';')
			} else {
				b.WriteByte('N')
			}
			continue
		}
		s, err := dialects.TextOf(a)
		if err != nil {
			return nil, err
		}
		if delimited {
			b.WriteString(s)
			b.WriteByte(';')
			continue
		}
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String(), nil
}

func md5Func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	s, err := dialects.TextOf(args[0])
	if err != nil {
		return nil, err
	}
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:]), nil
}

func wordFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	s, err := dialects.TextOf(args[0])
	i, ok := args[1].(int64)
	if err != nil || !ok || i < 0 || i > 1 || len(s) < 16 {
		return nil, fmt.Errorf("xcetl_word: bad arguments")
	}
	n, err := strconv.ParseUint(s[8*i:8*i+8], 16, 32)
	return int64(n), err
}

// CanonicalExpr implements dialects.Checksummer.
func (dialect) CanonicalExpr(expr string, c dialects.SourceColumn, t xcetl.Type, o dialects.ReadOptions) (string, error) {
	return "xcetl_canon(" + expr + ", '" + t.Kind.String() + "')", nil
}

// RowText implements dialects.Checksummer.
// The first argument says which columns are delimited ("d") or length
// prefixed ("l").
func (dialect) RowText(canon []string, delimited []bool) string {
	flags := make([]byte, len(canon))
	for i := range flags {
		flags[i] = 'l'
		if i < len(delimited) && delimited[i] {
			flags[i] = 'd'
		}
	}
	return "xcetl_rowtext('" + string(flags) + "', " + strings.Join(canon, ", ") + ")"
}

// Digest implements dialects.Checksummer.
func (dialect) Digest(text string) string { return "xcetl_md5(" + text + ")" }

// DigestWord implements dialects.Checksummer.
func (dialect) DigestWord(d string, i int) string {
	return "xcetl_word(" + d + ", " + strconv.Itoa(i) + ")"
}

// IntDiv implements dialects.Checksummer.
func (dialect) IntDiv(a, b string) string { return "(" + a + ") / (" + b + ")" }

// Literal implements dialects.Checksummer: numbers as numbers (SQLite
// keeps a quoted one as text in a column without affinity), bytes as a
// blob literal, the rest quoted.
func (dialect) Literal(canon string, t xcetl.Type) string {
	switch t.Kind {
	case xcetl.KindInt, xcetl.KindFloat, xcetl.KindBool:
		if _, err := strconv.ParseFloat(canon, 64); err == nil {
			return canon
		}
	case xcetl.KindBytes:
		return "X'" + canon + "'"
	}
	return dialects.QuoteString(canon)
}

// Checksums implements dialects.Checksummer: SQLite's sum of 64-bit
// integers overflows, so two sums of 32-bit words (each computed by Go).
func (dialect) Checksums(text string) []string {
	return []string{"SUM(xcetl_word(xcetl_md5(" + text + "), 0))", "SUM(xcetl_word(xcetl_md5(" + text + "), 1))"}
}
