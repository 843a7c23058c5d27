package pgfamily

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// ReadColumn implements dialects.SourceDialect. Values arrive in the
// server's text format; the mapping (docs/dialects.md has the table):
//
//	smallint, integer, bigint, oid          int
//	numeric(p,s) / numeric                  decimal(p,s) / decimal without a fixed scale (kept as written)
//	real, double precision                  float
//	money                                   decimal (read as numeric, not the locale's text)
//	boolean                                 bool
//	date                                    date
//	timestamp[(p)] / timestamptz            timestamp / timestamptz (read in UTC)
//	character varying(n), character(n)      string(n); text, name, citext → string
//	time, timetz, interval, uuid, json,
//	jsonb, xml, inet, cidr, macaddr, bit,
//	bit varying, enums, arrays              string (their text form: '{1,2}' for arrays)
//	bytea                                   bytes
//	others (geometric, ranges, tsvector,
//	composite types, extensions' types)     no default: types: {NAME: string} reads the text form
func (d *Dialect) ReadColumn(t dialects.Table, c dialects.SourceColumn, o dialects.ReadOptions) (dialects.ColumnRead, error) {
	native := strings.ToLower(strings.TrimSpace(c.NativeType))
	r, ok := pgRead(native)
	r.Expr = d.Quote(c.Name)
	if native == "money" {
		r.Expr += "::numeric"
	}
	if !ok {
		if o.Override == nil {
			return dialects.ColumnRead{}, &dialects.UnsupportedTypeError{Table: t, Column: c.Name, NativeType: c.NativeType,
				Hint: fmt.Sprintf("read its text form with types: {%q: string}, or leave it out of columns", c.NativeType)}
		}
		r.Type = xcetl.Type{Kind: xcetl.KindString}
		r.Decode, r.Text = dialects.DecodeString, dialects.TextString
	}
	if o.Override == nil || *o.Override == r.Type {
		return r, nil
	}
	if r.Type.Kind == xcetl.KindBytes {
		return dialects.ColumnRead{}, fmt.Errorf("table %s column %q: type %s can only be read as bytes", t, c.Name, c.NativeType)
	}
	return dialects.ColumnRead{Expr: r.Expr, Type: *o.Override, Decode: dialects.TextDecoder(*o.Override), Text: dialects.TextFor(*o.Override)}, nil
}

// pgRead maps a format_type name; false for types without an exact reading.
func pgRead(native string) (dialects.ColumnRead, bool) {
	r := func(k xcetl.Kind, p, s int, dec func(any) (any, error)) (dialects.ColumnRead, bool) {
		t := xcetl.Type{Kind: k, Precision: p, Scale: s}
		text := dialects.TextFor(t)
		switch k {
		case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
			// infinity and BC dates: the general decoder's reject.
			fast := text
			text = func(s string) (any, error) {
				if v, err := fast(s); err == nil {
					return v, nil
				}
				return dec(s)
			}
		case xcetl.KindBytes:
			text = func(s string) (any, error) { return decodeBytea(s) }
		}
		return dialects.ColumnRead{Type: t, Decode: dec, Text: text}, true
	}
	base, args, _ := strings.Cut(native, "(")
	args, _, _ = strings.Cut(args, ")")
	if strings.HasSuffix(native, "[]") || strings.HasPrefix(native, "enum ") {
		return r(xcetl.KindString, 0, 0, dialects.DecodeString)
	}
	switch {
	case strings.HasPrefix(native, "timestamp") && strings.HasSuffix(native, "with time zone") && !strings.HasSuffix(native, "without time zone"):
		return r(xcetl.KindTimestampTZ, 0, 0, decodePGTime(dialects.DecodeTimestampUTC))
	case strings.HasPrefix(native, "timestamp"):
		return r(xcetl.KindTimestamp, 0, 0, decodePGTime(dialects.DecodeTimestamp))
	}
	switch strings.TrimSpace(base) {
	case "smallint", "integer", "bigint", "oid":
		return r(xcetl.KindInt, 0, 0, dialects.DecodeInt)
	case "numeric":
		p, s := 0, 0
		if args != "" {
			ps := strings.Split(args, ",")
			p, _ = strconv.Atoi(strings.TrimSpace(ps[0]))
			if len(ps) > 1 {
				s, _ = strconv.Atoi(strings.TrimSpace(ps[1]))
			}
		}
		return r(xcetl.KindDecimal, p, s, dialects.DecodeDecimal)
	case "money":
		return r(xcetl.KindDecimal, 0, 0, dialects.DecodeDecimal)
	case "real", "double precision":
		return r(xcetl.KindFloat, 0, 0, dialects.DecodeFloat)
	case "boolean":
		return r(xcetl.KindBool, 0, 0, dialects.DecodeBool)
	case "date":
		return r(xcetl.KindDate, 0, 0, decodePGTime(dialects.DecodeDate))
	case "character varying", "character", "varchar", "char", "bpchar":
		n, _ := strconv.Atoi(strings.TrimSpace(args))
		return r(xcetl.KindString, n, 0, dialects.DecodeString)
	case "text", "name", "citext", "time without time zone", "time with time zone", "time", "timetz", "interval",
		"uuid", "json", "jsonb", "xml", "inet", "cidr", "macaddr", "macaddr8", "bit", "bit varying", "\"char\"":
		return r(xcetl.KindString, 0, 0, dialects.DecodeString)
	case "bytea":
		return r(xcetl.KindBytes, 0, 0, decodeBytea)
	}
	return dialects.ColumnRead{}, false
}

// decodePGTime refuses infinity and dates before the common era with a
// reject naming the value, rather than a parse error.
func decodePGTime(dec func(any) (any, error)) func(any) (any, error) {
	return func(v any) (any, error) {
		out, err := dec(v)
		if err != nil {
			s, _ := dialects.TextOf(v)
			if strings.Contains(s, "infinity") || strings.HasSuffix(s, " BC") {
				return nil, fmt.Errorf("%w: %q has no xcetl date or time", dialects.ErrRejectValue, s)
			}
		}
		return out, err
	}
}

// decodeBytea reads bytea's hex text form (\x…).
func decodeBytea(v any) (any, error) {
	var text string
	switch x := v.(type) {
	case []byte:
		text = string(x)
	case string:
		text = x
	default:
		return dialects.DecodeBytes(v)
	}
	h, ok := strings.CutPrefix(text, `\x`)
	if !ok {
		return nil, fmt.Errorf("bytea value not in hex format")
	}
	out := make([]byte, len(h)/2)
	if _, err := hex.Decode(out, []byte(h)); err != nil {
		return nil, fmt.Errorf("bytea: %w", err)
	}
	return out, nil
}
