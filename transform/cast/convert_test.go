package cast

import (
	"bytes"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

func mustType(t testing.TB, s string) xcetl.Type {
	t.Helper()
	typ, err := xcetl.ParseType(s)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

type convCase struct {
	name    string
	in      any
	typ     string
	opts    Options
	want    any
	wantErr string // substring of the error; "" = success expected
}

func runConvCases(t *testing.T, cases []convCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Convert(tc.in, mustType(t, tc.typ), tc.opts)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Convert(%#v, %s) = %#v, want error containing %q", tc.in, tc.typ, got, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Convert(%#v, %s) error %q, want it to contain %q", tc.in, tc.typ, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Convert(%#v, %s): unexpected error %v", tc.in, tc.typ, err)
			}
			if !equalValue(got, tc.want) {
				t.Fatalf("Convert(%#v, %s) = %#v (%T), want %#v (%T)", tc.in, tc.typ, got, got, tc.want, tc.want)
			}
		})
	}
}

func equalValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		// Same instant and same location name: timestamptz results are
		// promised in the configured location.
		return ok && x.Equal(y) && x.Location().String() == y.Location().String()
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}

func TestConvertNilAndEmpty(t *testing.T) {
	var cases []convCase
	for _, typ := range []string{"int", "float", "decimal(10,2)", "bool", "date", "timestamp", "timestamptz", "bytes", "string"} {
		cases = append(cases, convCase{name: "nil→" + typ, in: nil, typ: typ, want: nil})
	}
	for _, typ := range []string{"int", "float", "decimal(10,2)", "bool", "date", "timestamp", "timestamptz", "bytes"} {
		if typ != "bytes" { // raw bytes are taken as they are, blanks included
			cases = append(cases, convCase{name: "blank→" + typ, in: "  \t", typ: typ, want: nil})
		}
		cases = append(cases, convCase{name: "empty→" + typ, in: "", typ: typ, want: nil})
	}
	cases = append(cases,
		convCase{name: "string keeps empty", in: "", typ: "string", want: ""},
		convCase{name: "string keeps spaces", in: "  a ", typ: "string", want: "  a "},
		convCase{name: "raw bytes keep blanks", in: " ", typ: "bytes", want: []byte(" ")},
		convCase{name: "hex bytes trimmed", in: " ", typ: "bytes", opts: Options{Formats: []string{"hex"}}, want: nil},
		convCase{name: "ideographic space trimmed", in: "\u3000 42\u3000", typ: "int", want: int64(42)},
	)
	runConvCases(t, cases)
}

func TestConvertInt(t *testing.T) {
	runConvCases(t, []convCase{
		{name: "plain", in: "42", typ: "int", want: int64(42)},
		{name: "spaces", in: " 42 ", typ: "int", want: int64(42)},
		{name: "plus", in: "+7", typ: "int", want: int64(7)},
		{name: "minus", in: "-7", typ: "int", want: int64(-7)},
		{name: "leading zeros", in: "007", typ: "int", want: int64(7)},
		{name: "excel .0", in: "12.0", typ: "int", want: int64(12)},
		{name: "excel .00", in: "12.00", typ: "int", want: int64(12)},
		{name: "trailing dot", in: "12.", typ: "int", want: int64(12)},
		{name: "max", in: "9223372036854775807", typ: "int", want: int64(9223372036854775807)},
		{name: "min", in: "-9223372036854775808", typ: "int", want: int64(-9223372036854775808)},
		{name: "fraction", in: "12.5", typ: "int", wantErr: `"12.5" is not an int`},
		{name: "thousands", in: "1,234", typ: "int", wantErr: `"1,234" is not an int`},
		{name: "underscore", in: "1_000", typ: "int", wantErr: `"1_000" is not an int`},
		{name: "exponent", in: "1e3", typ: "int", wantErr: `"1e3" is not an int`},
		{name: "dot only", in: ".0", typ: "int", wantErr: `".0" is not an int`},
		{name: "letters", in: "abc", typ: "int", wantErr: `"abc" is not an int`},
		{name: "overflow", in: "9223372036854775808", typ: "int", wantErr: `"9223372036854775808" is out of range for int`},
		{name: "inner space", in: "1 2", typ: "int", wantErr: `"1 2" is not an int`},
		{name: "from int64", in: int64(5), typ: "int", want: int64(5)},
		{name: "from int", in: 5, typ: "int", want: int64(5)},
		{name: "from whole float", in: 12.0, typ: "int", want: int64(12)},
		{name: "from fractional float", in: 12.5, typ: "int", wantErr: "float 12.5 is not a whole number"},
		{name: "from huge float", in: 1e19, typ: "int", wantErr: "out of range for int"},
		{name: "from decimal", in: xcetl.Decimal("12.00"), typ: "int", want: int64(12)},
		{name: "from decimal fraction", in: xcetl.Decimal("12.50"), typ: "int", wantErr: `"12.50" is not an int`},
		{name: "from bool", in: true, typ: "int", want: int64(1)},
		{name: "from huge uint64", in: uint64(1 << 63), typ: "int", wantErr: "out of range for int"},
		{name: "from time", in: day(2024, 1, 1), typ: "int", wantErr: "cannot cast time 2024-01-01T00:00:00Z to int"},
	})
}

func TestConvertFloat(t *testing.T) {
	runConvCases(t, []convCase{
		{name: "plain", in: "1.5", typ: "float", want: 1.5},
		{name: "int text", in: "3", typ: "float", want: 3.0},
		{name: "exponent", in: "1.5E3", typ: "float", want: 1500.0},
		{name: "negative", in: "-0.25", typ: "float", want: -0.25},
		{name: "leading dot", in: ".5", typ: "float", want: 0.5},
		{name: "underflow is zero", in: "1e-400", typ: "float", want: 0.0},
		{name: "NaN", in: "NaN", typ: "float", wantErr: `"NaN" is not a float`},
		{name: "Inf", in: "Inf", typ: "float", wantErr: `"Inf" is not a float`},
		{name: "infinity", in: "-infinity", typ: "float", wantErr: `"-infinity" is not a float`},
		{name: "hex", in: "0x1p-2", typ: "float", wantErr: `"0x1p-2" is not a float`},
		{name: "overflow", in: "1e400", typ: "float", wantErr: `"1e400" is out of range for float`},
		{name: "comma", in: "1,5", typ: "float", wantErr: `"1,5" is not a float`},
		{name: "two dots", in: "1.2.3", typ: "float", wantErr: `"1.2.3" is not a float`},
		{name: "from int64", in: int64(3), typ: "float", want: 3.0},
		{name: "from int64 2^53", in: int64(1 << 53), typ: "float", want: float64(1 << 53)},
		{name: "from int64 not exact", in: int64(1<<53 + 1), typ: "float", wantErr: "int 9007199254740993 has more digits than a float holds exactly"},
		{name: "from max int64", in: int64(math.MaxInt64), typ: "float", wantErr: "has more digits than a float holds exactly"},
		{name: "from huge uint64", in: uint64(1<<64 - 1), typ: "float", wantErr: "has more digits than a float holds exactly"},
		{name: "from decimal", in: xcetl.Decimal("2.50"), typ: "float", want: 2.5},
		{name: "from float", in: 2.5, typ: "float", want: 2.5},
		{name: "from bytes", in: []byte("1"), typ: "float", wantErr: "cannot cast bytes (1) to float"},
	})
}

func TestConvertDecimal(t *testing.T) {
	runConvCases(t, []convCase{
		{name: "canonical", in: "12.50", typ: "decimal(10,2)", want: xcetl.Decimal("12.50")},
		{name: "pad", in: "12.5", typ: "decimal(10,2)", want: xcetl.Decimal("12.50")},
		{name: "int", in: "12", typ: "decimal(10,2)", want: xcetl.Decimal("12.00")},
		{name: "plus", in: "+12.5", typ: "decimal(10,2)", want: xcetl.Decimal("12.50")},
		{name: "precision overflow from int", in: int64(123456), typ: "decimal(5,0)", wantErr: `value "123456" does not fit decimal(5,0)`},
		{name: "precision overflow from max int", in: int64(math.MaxInt64), typ: "decimal(18,0)", wantErr: "does not fit decimal(18,0)"},
		{name: "precision overflow from float", in: 1e300, typ: "decimal(38,2)", wantErr: "does not fit decimal(38,2)"},
		{name: "precision overflow by rounding", in: "999.995", typ: "decimal(5,2)", wantErr: `value "999.995" does not fit decimal(5,2)`},
		{name: "leading zeros", in: "000012.5", typ: "decimal(10,2)", want: xcetl.Decimal("12.50")},
		{name: "leading dot", in: ".5", typ: "decimal(10,2)", want: xcetl.Decimal("0.50")},
		{name: "trailing dot", in: "5.", typ: "decimal(10,2)", want: xcetl.Decimal("5.00")},
		{name: "round half up", in: "1.005", typ: "decimal(10,2)", want: xcetl.Decimal("1.01")},
		{name: "round down", in: "1.00499999", typ: "decimal(10,2)", want: xcetl.Decimal("1.00")},
		{name: "round half away from zero negative", in: "-1.005", typ: "decimal(10,2)", want: xcetl.Decimal("-1.01")},
		{name: "negative zero", in: "-0.00", typ: "decimal(10,2)", want: xcetl.Decimal("0.00")},
		{name: "negative rounds to zero", in: "-0.004", typ: "decimal(10,2)", want: xcetl.Decimal("0.00")},
		{name: "small rounds up", in: "-0.005", typ: "decimal(10,2)", want: xcetl.Decimal("-0.01")},
		{name: "tiny", in: "0.0000001", typ: "decimal(10,2)", want: xcetl.Decimal("0.00")},
		{name: "zero", in: "0", typ: "decimal(10,2)", want: xcetl.Decimal("0.00")},
		{name: "zeros", in: "000.000", typ: "decimal(5,0)", want: xcetl.Decimal("0")},
		{name: "scale 0 rounds", in: "2.5", typ: "decimal(5,0)", want: xcetl.Decimal("3")},
		{name: "scale 0 negative", in: "-2.5", typ: "decimal(5,0)", want: xcetl.Decimal("-3")},
		{name: "exponent", in: "1.5E3", typ: "decimal(10,2)", want: xcetl.Decimal("1500.00")},
		{name: "negative exponent", in: "15e-3", typ: "decimal(10,2)", want: xcetl.Decimal("0.02")},
		{name: "exponent plus", in: "1.5e+2", typ: "decimal(10,2)", want: xcetl.Decimal("150.00")},
		{name: "huge negative exponent", in: "1e-99999999999", typ: "decimal(10,2)", want: xcetl.Decimal("0.00")},
		{name: "carry", in: "9.995", typ: "decimal(10,2)", want: xcetl.Decimal("10.00")},
		{name: "fits exactly", in: "999.99", typ: "decimal(5,2)", want: xcetl.Decimal("999.99")},
		{name: "carry overflows", in: "999.995", typ: "decimal(5,2)", wantErr: `value "999.995" does not fit decimal(5,2)`},
		{name: "too big", in: "123456.7", typ: "decimal(5,2)", wantErr: `value "123456.7" does not fit decimal(5,2)`},
		{name: "huge exponent", in: "1e99999999999", typ: "decimal(10,2)", wantErr: "does not fit decimal(10,2)"},
		{name: "all fraction", in: "0.123456", typ: "decimal(3,3)", want: xcetl.Decimal("0.123")},
		{name: "all fraction overflow", in: "1.5", typ: "decimal(3,3)", wantErr: "does not fit decimal(3,3)"},
		{name: "38 digits", in: "12345678901234567890123456789012345678", typ: "decimal(38,0)", want: xcetl.Decimal("12345678901234567890123456789012345678")},
		{name: "39 digits", in: "123456789012345678901234567890123456789", typ: "decimal(38,0)", wantErr: "does not fit decimal(38,0)"},
		{name: "long fraction", in: "0.12345678901234567890123456789012345678901234567890", typ: "decimal(38,37)", want: xcetl.Decimal("0.1234567890123456789012345678901234568")},
		{name: "beyond float precision", in: "12345678901234567.89", typ: "decimal(20,2)", want: xcetl.Decimal("12345678901234567.89")},
		{name: "letters", in: "abc", typ: "decimal(10,2)", wantErr: `"abc" is not a decimal(10,2)`},
		{name: "two dots", in: "1.2.3", typ: "decimal(10,2)", wantErr: `"1.2.3" is not a decimal(10,2)`},
		{name: "dangling exponent", in: "1e", typ: "decimal(10,2)", wantErr: `"1e" is not a decimal(10,2)`},
		{name: "exponent junk", in: "1e5x", typ: "decimal(10,2)", wantErr: `"1e5x" is not a decimal(10,2)`},
		{name: "sign only", in: "-", typ: "decimal(10,2)", wantErr: `"-" is not a decimal(10,2)`},
		{name: "dot only", in: ".", typ: "decimal(10,2)", wantErr: `"." is not a decimal(10,2)`},
		{name: "thousands", in: "1,234.00", typ: "decimal(10,2)", wantErr: `"1,234.00" is not a decimal(10,2)`},
		{name: "NaN", in: "NaN", typ: "decimal(10,2)", wantErr: `"NaN" is not a decimal(10,2)`},
		{name: "from int64", in: int64(-42), typ: "decimal(10,2)", want: xcetl.Decimal("-42.00")},
		{name: "from float", in: 0.1, typ: "decimal(10,2)", want: xcetl.Decimal("0.10")},
		{name: "from float exponent", in: 1.5e-7, typ: "decimal(10,8)", want: xcetl.Decimal("0.00000015")},
		{name: "from float rounds", in: 2.675, typ: "decimal(10,2)", want: xcetl.Decimal("2.68")},
		{name: "from big float", in: 1e21, typ: "decimal(10,2)", wantErr: `value "1e+21" does not fit decimal(10,2)`},
		{name: "from decimal rescale", in: xcetl.Decimal("1.239"), typ: "decimal(10,2)", want: xcetl.Decimal("1.24")},
		{name: "from decimal same", in: xcetl.Decimal("1.24"), typ: "decimal(10,2)", want: xcetl.Decimal("1.24")},
		{name: "from bool", in: true, typ: "decimal(3,1)", want: xcetl.Decimal("1.0")},
		{name: "from date", in: day(2024, 1, 1), typ: "decimal(3,1)", wantErr: "cannot cast time"},
	})
}

func TestConvertDecimalNoFloatDrift(t *testing.T) {
	// 0.1+0.2 style drift must never appear: every 2-decimal value from
	// -999.99 to 999.99 round-trips exactly.
	typ := mustType(t, "decimal(5,2)")
	c, err := NewConverter(typ, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := -99999; i <= 99999; i += 7 {
		neg := i < 0
		a := i
		if neg {
			a = -a
		}
		want := itoa(a/100) + "." + pad2(a%100)
		if neg {
			want = "-" + want
		}
		got, err := c.Convert(want)
		if err != nil || got != xcetl.Decimal(want) {
			t.Fatalf("Convert(%q) = %v, %v", want, got, err)
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

func TestParseDecimal(t *testing.T) {
	d, err := ParseDecimal(" 3.14159 ", mustType(t, "decimal(6,3)"))
	if err != nil || d != "3.142" {
		t.Fatalf("ParseDecimal = %q, %v; want 3.142", d, err)
	}
	if _, err := ParseDecimal("1000", mustType(t, "decimal(6,3)")); err == nil || err.Error() != `value "1000" does not fit decimal(6,3)` {
		t.Fatalf("ParseDecimal(1000) error = %v", err)
	}
}

func TestConvertBool(t *testing.T) {
	var cases []convCase
	for _, s := range []string{"true", "TRUE", "True", "t", "T", "1", "yes", "YES", "y", "Y", "是"} {
		cases = append(cases, convCase{name: "true " + s, in: s, typ: "bool", want: true})
	}
	for _, s := range []string{"false", "FALSE", "f", "F", "0", "no", "No", "n", "N", "否"} {
		cases = append(cases, convCase{name: "false " + s, in: s, typ: "bool", want: false})
	}
	cases = append(cases,
		convCase{name: "spaces", in: " yes ", typ: "bool", want: true},
		convCase{name: "maybe", in: "maybe", typ: "bool", wantErr: `"maybe" is not a bool (true/false, yes/no, 1/0, 是/否)`},
		convCase{name: "2", in: "2", typ: "bool", wantErr: `"2" is not a bool`},
		convCase{name: "on is not accepted", in: "on", typ: "bool", wantErr: `"on" is not a bool`},
		convCase{name: "from int 1", in: int64(1), typ: "bool", want: true},
		convCase{name: "from int 0", in: int64(0), typ: "bool", want: false},
		convCase{name: "from int 2", in: int64(2), typ: "bool", wantErr: "2 is not a bool (1/0)"},
		convCase{name: "from float 1", in: 1.0, typ: "bool", want: true},
		convCase{name: "from bool", in: false, typ: "bool", want: false},
		convCase{name: "from decimal", in: xcetl.Decimal("1"), typ: "bool", want: true},
	)
	runConvCases(t, cases)
}

func TestConvertDate(t *testing.T) {
	runConvCases(t, []convCase{
		{name: "default", in: "1990-03-07", typ: "date", want: day(1990, 3, 7)},
		{name: "spaces", in: " 1990-03-07 ", typ: "date", want: day(1990, 3, 7)},
		{name: "leap day", in: "2000-02-29", typ: "date", want: day(2000, 2, 29)},
		{name: "not leap 1900", in: "1900-02-29", typ: "date", wantErr: `"1900-02-29" is not a date (format 2006-01-02)`},
		{name: "not leap", in: "2023-02-29", typ: "date", wantErr: `"2023-02-29" is not a date (format 2006-01-02)`},
		{name: "month 13", in: "1990-13-01", typ: "date", wantErr: `"1990-13-01" is not a date (format 2006-01-02)`},
		{name: "april 31", in: "2024-04-31", typ: "date", wantErr: `is not a date`},
		{name: "day 0", in: "2024-04-00", typ: "date", wantErr: `is not a date`},
		{name: "year 0", in: "0000-01-01", typ: "date", wantErr: `is not a date`},
		{name: "slashes", in: "1990/03/07", typ: "date", wantErr: `"1990/03/07" is not a date (format 2006-01-02)`},
		{name: "short", in: "1990-3-7", typ: "date", wantErr: `is not a date`},
		{name: "with time", in: "1990-03-07 10:00:00", typ: "date", wantErr: `is not a date`},
		{name: "chinese", in: "1990年03月07日", typ: "date", opts: Options{Formats: []string{"2006年01月02日"}}, want: day(1990, 3, 7)},
		{name: "compact", in: "19900307", typ: "date", opts: Options{Formats: []string{"20060102"}}, want: day(1990, 3, 7)},
		{name: "no padding", in: "1990/3/7", typ: "date", opts: Options{Formats: []string{"2006/1/2"}}, want: day(1990, 3, 7)},
		{name: "list second", in: "1990/3/7", typ: "date", opts: Options{Formats: []string{"20060102", "2006/1/2"}}, want: day(1990, 3, 7)},
		{name: "list none", in: "7.3.1990", typ: "date", opts: Options{Formats: []string{"20060102", "2006/1/2"}}, wantErr: `"7.3.1990" is not a date (formats 20060102, 2006/1/2)`},
		{name: "custom validates", in: "2023/2/29", typ: "date", opts: Options{Formats: []string{"2006/1/2"}}, wantErr: `"2023/2/29" is not a date (format 2006/1/2)`},
		{name: "custom replaces default", in: "1990-03-07", typ: "date", opts: Options{Formats: []string{"2006/1/2"}}, wantErr: "is not a date"},
		{name: "layout with time truncates", in: "1990-03-07 23:59", typ: "date", opts: Options{Formats: []string{"2006-01-02 15:04"}}, want: day(1990, 3, 7)},
		{name: "year month", in: "2024-03", typ: "date", opts: Options{Formats: []string{"2006-01"}}, want: day(2024, 3, 1)},
		{name: "from timestamp", in: time.Date(2024, 5, 6, 23, 59, 0, 0, time.UTC), typ: "date", want: day(2024, 5, 6)},
		{name: "from local instant uses its wall date", in: time.Date(2024, 5, 6, 1, 0, 0, 0, shanghai), typ: "date", want: day(2024, 5, 6)},
		{name: "from int", in: int64(20240101), typ: "date", wantErr: "cannot cast int 20240101 to date"},
	})
}

func TestConvertTimestamp(t *testing.T) {
	ts := func(h, m, s, ns int) time.Time { return time.Date(2024, 3, 15, h, m, s, ns, time.UTC) }
	runConvCases(t, []convCase{
		{name: "space", in: "2024-03-15 10:20:30", typ: "timestamp", want: ts(10, 20, 30, 0)},
		{name: "T", in: "2024-03-15T10:20:30", typ: "timestamp", want: ts(10, 20, 30, 0)},
		{name: "fraction", in: "2024-03-15 10:20:30.123456", typ: "timestamp", want: ts(10, 20, 30, 123456000)},
		{name: "fraction 1", in: "2024-03-15 10:20:30.5", typ: "timestamp", want: ts(10, 20, 30, 500000000)},
		{name: "fraction 9", in: "2024-03-15 10:20:30.123456789", typ: "timestamp", want: ts(10, 20, 30, 123456789)},
		{name: "fraction beyond ns is cut", in: "2024-03-15 10:20:30.1234567899", typ: "timestamp", want: ts(10, 20, 30, 123456789)},
		{name: "minutes only", in: "2024-03-15 10:20", typ: "timestamp", want: ts(10, 20, 0, 0)},
		{name: "bare date", in: "2024-03-15", typ: "timestamp", want: ts(0, 0, 0, 0)},
		{name: "end of day", in: "2024-03-15 23:59:59", typ: "timestamp", want: ts(23, 59, 59, 0)},
		{name: "hour 24", in: "2024-03-15 24:00:00", typ: "timestamp", wantErr: `"2024-03-15 24:00:00" is not a timestamp (format 2006-01-02 15:04:05)`},
		{name: "second 60", in: "2024-03-15 10:00:60", typ: "timestamp", wantErr: "is not a timestamp"},
		{name: "bad date", in: "2024-02-30 10:00:00", typ: "timestamp", wantErr: "is not a timestamp"},
		{name: "empty fraction", in: "2024-03-15 10:20:30.", typ: "timestamp", wantErr: "is not a timestamp"},
		{name: "zone refused", in: "2024-03-15T10:20:30Z", typ: "timestamp", wantErr: "is not a timestamp"},
		{name: "junk", in: "2024-03-15 10:20:30 x", typ: "timestamp", wantErr: "is not a timestamp"},
		{name: "custom", in: "15/03/2024 10.20", typ: "timestamp", opts: Options{Formats: []string{"02/01/2006 15.04"}}, want: ts(10, 20, 0, 0)},
		{name: "custom with zone keeps wall clock", in: "2024-03-15T10:20:30+08:00", typ: "timestamp", opts: Options{Formats: []string{time.RFC3339}}, want: ts(10, 20, 30, 0)},
		{name: "from date", in: day(2024, 3, 15), typ: "timestamp", want: ts(0, 0, 0, 0)},
		{name: "from local instant keeps wall clock", in: time.Date(2024, 3, 15, 10, 20, 30, 0, shanghai), typ: "timestamp", want: ts(10, 20, 30, 0)},
	})
}

func TestConvertTimestampTZ(t *testing.T) {
	at := func(h int, loc *time.Location) time.Time { return time.Date(2024, 3, 15, h, 0, 0, 0, loc) }
	sh := Options{Location: shanghai}
	runConvCases(t, []convCase{
		{name: "RFC3339 Z", in: "2024-03-15T02:00:00Z", typ: "timestamptz", opts: sh, want: at(10, shanghai)},
		{name: "offset colon", in: "2024-03-15 10:00:00+08:00", typ: "timestamptz", opts: sh, want: at(10, shanghai)},
		{name: "offset hours", in: "2024-03-15 10:00:00+08", typ: "timestamptz", opts: sh, want: at(10, shanghai)},
		{name: "offset compact", in: "2024-03-15 10:00:00+0800", typ: "timestamptz", opts: sh, want: at(10, shanghai)},
		{name: "negative offset", in: "2024-03-14 21:00:00-05:00", typ: "timestamptz", opts: sh, want: at(10, shanghai)},
		{name: "space before offset", in: "2024-03-15 10:00:00 +08:00", typ: "timestamptz", opts: sh, want: at(10, shanghai)},
		{name: "fraction and offset", in: "2024-03-15T10:00:00.5+08:00", typ: "timestamptz", opts: sh, want: at(10, shanghai).Add(500 * time.Millisecond)},
		{name: "no offset uses tz", in: "2024-03-15 10:00:00", typ: "timestamptz", opts: sh, want: at(10, shanghai)},
		{name: "no offset UTC", in: "2024-03-15 10:00:00", typ: "timestamptz", opts: Options{Location: time.UTC}, want: at(10, time.UTC)},
		{name: "no offset local", in: "2024-03-15 10:00:00", typ: "timestamptz", want: at(10, time.Local)},
		{name: "bare date", in: "2024-03-15", typ: "timestamptz", opts: sh, want: at(0, shanghai)},
		{name: "bad offset", in: "2024-03-15 10:00:00+8", typ: "timestamptz", opts: sh, wantErr: `"2024-03-15 10:00:00+8" is not a timestamptz (format 2006-01-02 15:04:05-07:00)`},
		{name: "offset 24", in: "2024-03-15 10:00:00+24:00", typ: "timestamptz", opts: sh, wantErr: "is not a timestamptz"},
		{name: "trailing junk", in: "2024-03-15 10:00:00+08:00x", typ: "timestamptz", opts: sh, wantErr: "is not a timestamptz"},
		{name: "Z junk", in: "2024-03-15 10:00:00Zx", typ: "timestamptz", opts: sh, wantErr: "is not a timestamptz"},
		{name: "custom layout in tz", in: "2024/03/15 10:00", typ: "timestamptz", opts: Options{Location: shanghai, Formats: []string{"2006/01/02 15:04"}}, want: at(10, shanghai)},
		{name: "naive value read in tz", in: at(10, time.UTC), typ: "timestamptz", opts: Options{Location: shanghai, From: xcetl.KindTimestamp}, want: at(10, shanghai)},
		{name: "instant kept", in: at(2, time.UTC), typ: "timestamptz", opts: Options{Location: shanghai, From: xcetl.KindTimestampTZ}, want: at(10, shanghai)},
		{name: "unknown UTC is naive", in: at(10, time.UTC), typ: "timestamptz", opts: sh, want: at(10, shanghai)},
		{name: "unknown zoned is instant", in: at(2, time.FixedZone("x", 0)), typ: "timestamptz", opts: sh, want: at(10, shanghai)},
	})
}

func TestConvertBytes(t *testing.T) {
	runConvCases(t, []convCase{
		{name: "raw", in: " ab ", typ: "bytes", want: []byte(" ab ")},
		{name: "raw empty", in: "", typ: "bytes", want: nil},
		{name: "hex", in: "DEADbeef", typ: "bytes", opts: Options{Formats: []string{"hex"}}, want: []byte{0xde, 0xad, 0xbe, 0xef}},
		{name: "hex 0x", in: "0x00ff", typ: "bytes", opts: Options{Formats: []string{"hex"}}, want: []byte{0, 0xff}},
		{name: "hex postgres", in: `\x00ff`, typ: "bytes", opts: Options{Formats: []string{"HEX"}}, want: []byte{0, 0xff}},
		{name: "hex bad", in: "xyz", typ: "bytes", opts: Options{Formats: []string{"hex"}}, wantErr: `"xyz" is not hex`},
		{name: "hex odd", in: "abc", typ: "bytes", opts: Options{Formats: []string{"hex"}}, wantErr: `"abc" is not hex`},
		{name: "base64", in: "aGk=", typ: "bytes", opts: Options{Formats: []string{"base64"}}, want: []byte("hi")},
		{name: "base64 unpadded", in: "aGk", typ: "bytes", opts: Options{Formats: []string{"base64"}}, want: []byte("hi")},
		{name: "base64 bad", in: "!!", typ: "bytes", opts: Options{Formats: []string{"base64"}}, wantErr: `"!!" is not base64`},
		{name: "from bytes", in: []byte{1}, typ: "bytes", want: []byte{1}},
		{name: "from int", in: int64(1), typ: "bytes", wantErr: "cannot cast int 1 to bytes"},
	})
}

func TestConvertString(t *testing.T) {
	runConvCases(t, []convCase{
		{name: "as is", in: "abc", typ: "string", want: "abc"},
		{name: "fits", in: "张三丰", typ: "string(3)", want: "张三丰"},
		{name: "too long runes", in: "欧阳娜娜", typ: "string(3)", wantErr: `"欧阳娜娜" is longer than 3 characters (4)`},
		{name: "too long ascii", in: "abcd", typ: "string(3)", wantErr: `"abcd" is longer than 3 characters (4)`},
		{name: "long value quoted short", in: strings.Repeat("x", 100), typ: "string(3)", wantErr: `"` + strings.Repeat("x", 60) + `"… is longer than 3 characters (100)`},
		{name: "int", in: int64(-12), typ: "string", want: "-12"},
		{name: "go int", in: 7, typ: "string", want: "7"},
		{name: "float", in: 1.5, typ: "string", want: "1.5"},
		{name: "decimal", in: xcetl.Decimal("1.50"), typ: "string", want: "1.50"},
		{name: "bool", in: true, typ: "string", want: "true"},
		{name: "bytes", in: []byte{0xab}, typ: "string", want: "ab"},
		{name: "date", in: day(2024, 1, 2), typ: "string", opts: Options{From: xcetl.KindDate}, want: "2024-01-02"},
		{name: "timestamp", in: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), typ: "string", want: "2024-01-02 03:04:05"},
		{name: "timestamptz", in: time.Date(2024, 1, 2, 3, 4, 5, 0, shanghai), typ: "string", want: "2024-01-02 03:04:05+08:00"},
		{name: "typed too long", in: int64(12345), typ: "string(3)", wantErr: `"12345" is longer than 3 characters (5)`},
	})
}

func TestNewConverterErrors(t *testing.T) {
	cases := []struct {
		name string
		typ  xcetl.Type
		opts Options
		want string
	}{
		{"format on int", mustType(t, "int"), Options{Formats: []string{"2006"}}, "format applies only to date, timestamp, timestamptz and bytes, not int"},
		{"YYYY layout", mustType(t, "date"), Options{Formats: []string{"YYYY-MM-DD"}}, `format "YYYY-MM-DD" is not a Go time layout with a year and a month`},
		{"layout without year", mustType(t, "date"), Options{Formats: []string{"01-02"}}, `format "01-02" is not a Go time layout`},
		{"bytes unknown format", mustType(t, "bytes"), Options{Formats: []string{"base32"}}, `unknown bytes format "base32" (formats: hex, base64)`},
		{"bytes two formats", mustType(t, "bytes"), Options{Formats: []string{"hex", "base64"}}, "bytes take one format: hex or base64"},
		{"invalid kind", xcetl.Type{}, Options{}, "invalid type invalid"},
		{"invalid decimal", xcetl.Type{Kind: xcetl.KindDecimal, Precision: 50}, Options{}, "invalid type decimal(50,0)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewConverter(tc.typ, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewConverter error = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestConvertSuccessAllocations keeps the hot path honest: converting text
// allocates at most the boxed result.
func TestConvertSuccessAllocations(t *testing.T) {
	cases := []struct {
		typ  string
		in   any
		max  float64
		opts Options
	}{
		{"int", "123456", 1, Options{}},
		{"float", "1234.5", 1, Options{}},
		{"decimal(10,2)", "1234.56", 1, Options{}}, // canonical: the input's bytes are reused
		{"decimal(10,2)", "1234.5", 2, Options{}},  // new text + box
		{"bool", "yes", 0, Options{}},
		{"date", "2024-03-15", 1, Options{}},
		{"timestamp", "2024-03-15 10:20:30.123", 1, Options{}},
		{"timestamptz", "2024-03-15 10:20:30+08:00", 1, Options{Location: shanghai}},
		{"date", "2024年03月15日", 1, Options{Formats: []string{"2006年01月02日"}}},
		{"string(10)", "abc", 0, Options{}},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			c, err := NewConverter(mustType(t, tc.typ), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			n := testing.AllocsPerRun(100, func() {
				if _, err := c.Convert(tc.in); err != nil {
					t.Fatal(err)
				}
			})
			if n > tc.max {
				t.Fatalf("%s: %v allocations per value, want ≤ %v", tc.typ, n, tc.max)
			}
		})
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-1.005", "1e5", "999.995", ".5", "1.2.3", "+", "1e-99999"} {
		f.Add(s)
	}
	typ := xcetl.Type{Kind: xcetl.KindDecimal, Precision: 12, Scale: 3}
	c, _ := NewConverter(typ, Options{})
	f.Fuzz(func(t *testing.T, s string) {
		v, err := c.Convert(s)
		if err != nil || v == nil {
			return
		}
		d := string(v.(xcetl.Decimal))
		// Canonical: converting the output again gives it back unchanged.
		again, err := c.Convert(d)
		if err != nil || again != xcetl.Decimal(d) {
			t.Fatalf("%q → %q → %v, %v", s, d, again, err)
		}
		if strings.HasPrefix(d, "-0") && strings.Trim(d, "-0.") == "" {
			t.Fatalf("%q → negative zero %q", s, d)
		}
		if i := strings.IndexByte(d, '.'); i < 0 || len(d)-i-1 != 3 {
			t.Fatalf("%q → %q: want exactly 3 fractional digits", s, d)
		}
		// Same value as exact rational arithmetic (FloatString also rounds
		// half away from zero), when the exponent is small enough for big.Rat.
		if e := strings.IndexAny(s, "eE"); e >= 0 && len(s)-e > 4 {
			return
		}
		r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
		if !ok {
			t.Fatalf("%q accepted but big.Rat refuses it", s)
		}
		want := r.FloatString(3)
		if strings.Trim(want, "-0.") == "" {
			want = "0.000"
		}
		if d != want {
			t.Fatalf("%q → %q, exact arithmetic gives %q", s, d, want)
		}
	})
}

func FuzzScanISO(f *testing.F) {
	for _, s := range []string{"2024-03-15", "2024-03-15 10:20:30.5+08:00", "2024-02-29T00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl, ok := scanISO(s)
		if !ok {
			return
		}
		// Whatever is accepted is a real calendar date.
		tm := time.Date(fl.y, time.Month(fl.mo), fl.d, fl.h, fl.mi, fl.s, 0, time.UTC)
		if tm.Year() != fl.y || int(tm.Month()) != fl.mo || tm.Day() != fl.d || tm.Hour() != fl.h {
			t.Fatalf("%q accepted as invalid fields %+v", s, fl)
		}
	})
}
