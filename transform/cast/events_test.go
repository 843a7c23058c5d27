package cast

import (
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

// TestColumnConversion: the rules of Options.Column, by which the cdc
// loader types change events by their target columns.
func TestColumnConversion(t *testing.T) {
	cst := time.FixedZone("", 8*3600)
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    any
		from xcetl.Kind
		to   xcetl.Kind
		want string // FormatValue of the result in kind `to`, or "error: …"
	}{
		{"42", 0, xcetl.KindInt, "42"},
		{" 42 ", 0, xcetl.KindInt, "42"},
		{"12.00", 0, xcetl.KindInt, "12"},
		{"12.5", 0, xcetl.KindInt, "error: not an int"},
		{"", 0, xcetl.KindInt, "error: empty text is not a int"},
		{xcetl.Decimal("7.000"), xcetl.KindDecimal, xcetl.KindInt, "7"},
		{3.0, 0, xcetl.KindInt, "3"},
		{true, 0, xcetl.KindInt, "1"},
		{"12.50", 0, xcetl.KindDecimal, "12.50"},
		{"123456789012345678901234567890123456789012.5", 0, xcetl.KindDecimal, "123456789012345678901234567890123456789012.5"},
		{"+1e3", 0, xcetl.KindDecimal, "1000"},
		{"-1.25E-3", 0, xcetl.KindDecimal, "-0.00125"},
		{"1,5", 0, xcetl.KindDecimal, "error: not a decimal number"},
		{int64(5), 0, xcetl.KindDecimal, "5"},
		{0.1, 0, xcetl.KindDecimal, "0.1"},
		{"3.25", 0, xcetl.KindFloat, "3.25"},
		{"NaN", 0, xcetl.KindFloat, "NaN"},
		{"-Infinity", 0, xcetl.KindFloat, "-Infinity"},
		{int64(2), 0, xcetl.KindFloat, "2"},
		{"1", 0, xcetl.KindBool, "true"},
		{"F", 0, xcetl.KindBool, "false"},
		{"on", 0, xcetl.KindBool, "true"},
		{"maybe", 0, xcetl.KindBool, "error: not a bool"},
		{int64(1), 0, xcetl.KindBool, "true"},
		{"2024-05-01", 0, xcetl.KindDate, "2024-05-01"},
		{"2024-05-01 12:30:00", 0, xcetl.KindDate, "2024-05-01"},
		{int64(19844), 0, xcetl.KindDate, "2024-05-01"},
		{"2024-05-01 12:30:00.5", 0, xcetl.KindTimestamp, "2024-05-01 12:30:00.5"},
		{"2024-05-01T12:30:00+08:00", 0, xcetl.KindTimestamp, "2024-05-01 04:30:00"},
		{time.Date(2024, 5, 1, 12, 30, 0, 0, cst), xcetl.KindTimestampTZ, xcetl.KindTimestamp, "2024-05-01 04:30:00"},
		{int64(1714566600), 0, xcetl.KindTimestamp, "2024-05-01 12:30:00"},
		{int64(1714566600123), 0, xcetl.KindTimestamp, "2024-05-01 12:30:00.123"},
		{int64(1714566600123456), 0, xcetl.KindTimestamp, "2024-05-01 12:30:00.123456"},
		{"2024-05-01 12:30:00+08:00", 0, xcetl.KindTimestampTZ, "2024-05-01 12:30:00+08:00"},
		{"yesterday", 0, xcetl.KindTimestamp, "error: is not a date or timestamp"},
		{day, xcetl.KindDate, xcetl.KindString, "2024-05-01"},
		{int64(9), 0, xcetl.KindString, "9"},
		{1234567.5, 0, xcetl.KindString, "1234567.5"},
		{[]byte("ok"), xcetl.KindBytes, xcetl.KindString, "ok"},
		{[]byte{0xff}, xcetl.KindBytes, xcetl.KindString, "error: is not text"},
		{"ab", 0, xcetl.KindBytes, "6162"},
		{true, 0, xcetl.KindDate, "error: cannot be stored"},
		{nil, 0, xcetl.KindInt, ""},
	} {
		got, err := Convert(tc.v, xcetl.Type{Kind: tc.to}, Options{From: tc.from, Column: true})
		if strings.HasPrefix(tc.want, "error: ") {
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(tc.want, "error: ")) {
				t.Errorf("Convert(%#v → %s) = %v, %v; want %s", tc.v, tc.to, got, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("Convert(%#v → %s): %v", tc.v, tc.to, err)
			continue
		}
		if s := xcetl.FormatValue(got, tc.to); s != tc.want {
			t.Errorf("Convert(%#v → %s) = %q, want %q", tc.v, tc.to, s, tc.want)
		}
	}
}
