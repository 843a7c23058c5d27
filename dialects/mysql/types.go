package mysql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// nativeType is a COLUMN_TYPE taken apart: "int(10) unsigned zerofill" →
// base int, args [10], unsigned.
type nativeType struct {
	base     string
	args     []string
	unsigned bool
}

func parseNative(s string) nativeType {
	n := dialects.ParseNativeType(s)
	base, unsigned := strings.CutSuffix(n.Key, " unsigned")
	return nativeType{base: base, args: n.Args, unsigned: unsigned}
}

func (nt nativeType) arg(i int) int {
	if i < len(nt.args) {
		n, _ := strconv.Atoi(nt.args[i])
		return n
	}
	return 0
}

// ReadColumn implements dialects.SourceDialect. The mapping (docs/dialects.md has the table):
//
//	tinyint … int, also tinyint(1), and unsigned ones   int (tinyint(1) → bool by override)
//	bigint unsigned                                     decimal(20,0) (exact beyond int64)
//	decimal(p,s)                                        decimal(p,s), p up to 65
//	float, double                                       float
//	bit(1) / bit(2..63) / bit(64)                       bool / int / decimal(20,0)
//	date, datetime(p)                                   date, timestamp (wall clock)
//	timestamp(p)                                        timestamptz (an instant; read in UTC)
//	time(p)                                             string (-838:59:59 … 838:59:59 is no time of day)
//	year                                                int
//	char(n), varchar(n)                                 string(n); text types → string
//	enum, set, json, uuid, inet4, inet6                 string
//	binary, varbinary, blobs                            bytes
//	geometry types                                      no default: types: {geometry: string} (WKT) or bytes (WKB)
func (d Dialect) ReadColumn(t dialects.Table, c dialects.SourceColumn, o dialects.ReadOptions) (dialects.ColumnRead, error) {
	nt := parseNative(c.NativeType)
	expr := d.Quote(c.Name)
	r, ok := defaultRead(nt, o)
	if isGeometry(nt.base) {
		switch {
		case o.Override != nil && o.Override.Kind == xcetl.KindString:
			return dialects.ColumnRead{Expr: "ST_AsText(" + expr + ")", Type: *o.Override, Decode: dialects.DecodeString}, nil
		case o.Override != nil && o.Override.Kind == xcetl.KindBytes:
			return dialects.ColumnRead{Expr: "ST_AsBinary(" + expr + ")", Type: *o.Override, Decode: dialects.DecodeBytes}, nil
		}
		return dialects.ColumnRead{}, &dialects.UnsupportedTypeError{Table: t, Column: c.Name, NativeType: c.NativeType,
			Hint: fmt.Sprintf("read it as text (WKT) with types: {%s: string} or as WKB with types: {%s: bytes}, or leave it out of columns", nt.base, nt.base)}
	}
	if !ok {
		return dialects.ColumnRead{}, &dialects.UnsupportedTypeError{Table: t, Column: c.Name, NativeType: c.NativeType,
			Hint: fmt.Sprintf("read its text with types: {%q: string}, or leave it out of columns", c.NativeType)}
	}
	r.Expr = expr
	if o.Override == nil || *o.Override == r.Type {
		return r, nil
	}
	return override(t, c, nt, r, *o.Override)
}

// override reads a column as the type the pipeline asked for. Values
// arrive as text, so any type can be read from its text; bit columns
// arrive as bytes and are turned into their number first.
func override(t dialects.Table, c dialects.SourceColumn, nt nativeType, r dialects.ColumnRead, to xcetl.Type) (dialects.ColumnRead, error) {
	if nt.base == "bit" {
		if to.Kind == xcetl.KindBytes {
			return dialects.ColumnRead{Expr: r.Expr, Type: to, Decode: dialects.DecodeBytes}, nil
		}
		r.Expr = "CAST(" + r.Expr + " AS UNSIGNED)"
	}
	if r.Type.Kind == xcetl.KindBytes && to.Kind != xcetl.KindString {
		return dialects.ColumnRead{}, fmt.Errorf("table %s column %q: type %s cannot be read as %s (only string or bytes)", t, c.Name, c.NativeType, to)
	}
	if isDateKind(to.Kind) {
		out, _ := dates(to, dialects.TextDecoder(to), dialects.ReadOptions{ZeroDates: dialects.ZeroDateReject})
		out.Expr = r.Expr
		return out, nil
	}
	return dialects.ColumnRead{Expr: r.Expr, Type: to, Decode: dialects.TextDecoder(to), Text: dialects.TextFor(to)}, nil
}

func isDateKind(k xcetl.Kind) bool {
	return k == xcetl.KindDate || k == xcetl.KindTimestamp || k == xcetl.KindTimestampTZ
}

func isGeometry(base string) bool {
	switch base {
	case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection", "geomcollection":
		return true
	}
	return false
}

// defaultRead is the mapping of a native type; false for types without one.
func defaultRead(nt nativeType, o dialects.ReadOptions) (dialects.ColumnRead, bool) {
	r := func(t xcetl.Type, dec func(any) (any, error)) (dialects.ColumnRead, bool) {
		return dialects.ColumnRead{Type: t, Decode: dec, Text: dialects.TextFor(t)}, true
	}
	switch nt.base {
	case "tinyint", "smallint", "mediumint", "int", "integer", "year":
		return r(xcetl.Type{Kind: xcetl.KindInt}, dialects.DecodeInt)
	case "bigint":
		if nt.unsigned {
			return r(xcetl.Type{Kind: xcetl.KindDecimal, Precision: 20}, dialects.DecodeDecimal)
		}
		return r(xcetl.Type{Kind: xcetl.KindInt}, dialects.DecodeInt)
	case "decimal", "numeric", "dec", "fixed":
		p, s := nt.arg(0), nt.arg(1)
		if p == 0 {
			p = 10 // MySQL's default precision
		}
		return r(xcetl.Type{Kind: xcetl.KindDecimal, Precision: p, Scale: s}, dialects.DecodeDecimal)
	case "float", "double", "real", "double precision":
		return r(xcetl.Type{Kind: xcetl.KindFloat}, dialects.DecodeFloat)
	case "bit":
		n := max(nt.arg(0), 1)
		switch {
		case n == 1:
			return bits(xcetl.Type{Kind: xcetl.KindBool}, decodeBitBool)
		case n < 64:
			return bits(xcetl.Type{Kind: xcetl.KindInt}, decodeBitInt)
		}
		return bits(xcetl.Type{Kind: xcetl.KindDecimal, Precision: 20}, decodeBitDecimal)
	case "date":
		return dates(xcetl.Type{Kind: xcetl.KindDate}, dialects.DecodeDate, o)
	case "datetime":
		return dates(xcetl.Type{Kind: xcetl.KindTimestamp}, dialects.DecodeTimestamp, o)
	case "timestamp":
		return dates(xcetl.Type{Kind: xcetl.KindTimestampTZ}, dialects.DecodeTimestampUTC, o)
	case "char", "varchar", "nchar", "nvarchar", "national char", "national varchar":
		return r(xcetl.Type{Kind: xcetl.KindString, Precision: nt.arg(0)}, dialects.DecodeString)
	case "tinytext", "text", "mediumtext", "longtext", "long", "long varchar", "enum", "set", "json", "time", "uuid", "inet4", "inet6":
		return r(xcetl.Type{Kind: xcetl.KindString}, dialects.DecodeString)
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "long varbinary":
		return r(xcetl.Type{Kind: xcetl.KindBytes}, dialects.DecodeBytes)
	}
	return dialects.ColumnRead{}, false
}

// bits reads BIT values, which arrive as bytes, not text: no Text decoder.
func bits(t xcetl.Type, dec func(any) (any, error)) (dialects.ColumnRead, bool) {
	return dialects.ColumnRead{Type: t, Decode: dec}, true
}

// dates reads a date or time type with the zero date policy, on both paths.
func dates(t xcetl.Type, dec func(any) (any, error), o dialects.ReadOptions) (dialects.ColumnRead, bool) {
	zd := zeroDates(dec, o)
	text := dialects.TextFor(t)
	return dialects.ColumnRead{Type: t, Decode: zd, Text: func(s string) (any, error) {
		if v, err := text(s); err == nil {
			return v, nil
		}
		return zd(s)
	}}, true
}

// zeroDates wraps a date decoder with the zero date policy: MySQL stores
// '0000-00-00' (and, without NO_ZERO_IN_DATE, dates with a zero month or
// day) where no calendar has them.
func zeroDates(dec func(any) (any, error), o dialects.ReadOptions) func(any) (any, error) {
	return func(v any) (any, error) {
		out, err := dec(v)
		if err == nil {
			return out, nil
		}
		s, _ := dialects.TextOf(v)
		if !isZeroDate(s) {
			return nil, err
		}
		if o.ZeroDates == dialects.ZeroDateNull {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: zero date %q (set zero_dates: null to read such dates as NULL)", dialects.ErrRejectValue, s)
	}
}

// isZeroDate reports a date whose year, month or day is zero.
func isZeroDate(s string) bool {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	return s[:4] == "0000" || s[5:7] == "00" || s[8:10] == "00"
}

// bitValue reads a BIT value: the text protocol sends its bytes, big-endian.
func bitValue(v any) (uint64, error) {
	b, ok := v.([]byte)
	if !ok || len(b) > 8 {
		return 0, fmt.Errorf("unexpected bit value %T", v)
	}
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n, nil
}

func decodeBitBool(v any) (any, error) {
	n, err := bitValue(v)
	return n != 0, err
}

func decodeBitInt(v any) (any, error) {
	n, err := bitValue(v)
	return int64(n), err
}

func decodeBitDecimal(v any) (any, error) {
	n, err := bitValue(v)
	return xcetl.Decimal(strconv.FormatUint(n, 10)), err
}
