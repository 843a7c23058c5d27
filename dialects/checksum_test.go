package dialects_test

import (
	"math"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// TestCanonicalText is the reference every dialect's canonical SQL is
// checked against (verify's integration tests compare them value by value).
func TestCanonicalText(t *testing.T) {
	at := time.Date(2024, 2, 29, 23, 59, 59, 999999000, time.FixedZone("CST", 8*3600))
	for _, tt := range []struct {
		v    any
		t    xcetl.Kind
		want string
	}{
		{int64(9223372036854775807), xcetl.KindInt, "9223372036854775807"},
		{int64(-9223372036854775808), xcetl.KindInt, "-9223372036854775808"},
		{xcetl.Decimal("18446744073709551615"), xcetl.KindDecimal, "18446744073709551615"},
		{xcetl.Decimal("1.50"), xcetl.KindDecimal, "1.5"},
		{xcetl.Decimal("1.5"), xcetl.KindDecimal, "1.5"},
		{xcetl.Decimal("10.000"), xcetl.KindDecimal, "10"},
		{xcetl.Decimal("-0.00"), xcetl.KindDecimal, "0"},
		{xcetl.Decimal("+007.250"), xcetl.KindDecimal, "7.25"},
		{xcetl.Decimal(".5"), xcetl.KindDecimal, "0.5"},
		{xcetl.Decimal("NaN"), xcetl.KindDecimal, "NaN"},
		{1.5, xcetl.KindFloat, "1.5"},
		{math.Copysign(0, -1), xcetl.KindFloat, "0"},
		{1e300, xcetl.KindFloat, "1e300"},
		{-2.25e-300, xcetl.KindFloat, "-2.25e-300"},
		{1e-7, xcetl.KindFloat, "1e-7"},
		{0.0001, xcetl.KindFloat, "0.0001"},
		{123456789012345.0, xcetl.KindFloat, "123456789012345"},
		{1e15, xcetl.KindFloat, "1e15"},
		{math.Inf(-1), xcetl.KindFloat, "-Infinity"},
		{true, xcetl.KindBool, "1"},
		{false, xcetl.KindBool, "0"},
		{at, xcetl.KindDate, "2024-02-29"},
		{at, xcetl.KindTimestamp, "2024-02-29 23:59:59.999999"},
		{at, xcetl.KindTimestampTZ, "2024-02-29 15:59:59.999999"},
		{[]byte{0, 0xff, 0x0a}, xcetl.KindBytes, "00ff0a"},
		{[]byte{}, xcetl.KindBytes, ""},
		{"张三", xcetl.KindString, "张三"},
		{"", xcetl.KindString, ""},
	} {
		got, ok := dialects.CanonicalText(tt.v, xcetl.Type{Kind: tt.t})
		if !ok || got != tt.want {
			t.Errorf("%v (%s): %q %v, want %q", tt.v, tt.t, got, ok, tt.want)
		}
	}
	if _, ok := dialects.CanonicalText(nil, xcetl.Type{Kind: xcetl.KindString}); ok {
		t.Error("NULL has a text")
	}
}

func TestNormalizeExponentAndEqual(t *testing.T) {
	for in, want := range map[string]string{"1e+300": "1e300", "1e-07": "1e-7", "1.5e+00": "1.5e0", "12": "12"} {
		if got := dialects.NormalizeExponent(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
	f, s := xcetl.Type{Kind: xcetl.KindFloat}, xcetl.Type{Kind: xcetl.KindString}
	if !dialects.EqualCanonical("0.0000001", "1e-7", f, f) || dialects.EqualCanonical("0.0000001", "1e-7", s, s) || dialects.EqualCanonical("1", "2", f, f) {
		t.Error("EqualCanonical: floats by value, others by text")
	}
}
