package pgfamily

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

func TestAppendNumeric(t *testing.T) {
	// want: ndigits, weight, sign, dscale, digits (base 10000)
	tests := []struct {
		in   string
		want []int
	}{
		{"0", []int{0, 0, 0, 0}},
		{"0.00", []int{0, 0, 0, 2}},
		{"-0.00", []int{0, 0, 0, 2}},
		{"123.45", []int{2, 0, 0, 2, 123, 4500}},
		{"-123.45", []int{2, 0, 0x4000, 2, 123, 4500}},
		{"0.05", []int{1, -1, 0, 2, 500}},
		{"0.00005", []int{1, -2, 0, 5, 5000}},
		{"12345678.9", []int{3, 1, 0, 1, 1234, 5678, 9000}},
		{"100000000", []int{1, 2, 0, 0, 1}},
		{"10000", []int{1, 1, 0, 0, 1}},
		{"9999", []int{1, 0, 0, 0, 9999}},
		{"1.0000", []int{1, 0, 0, 4, 1}},
		{"0012.50", []int{2, 0, 0, 2, 12, 5000}},
		{"1234567890123456789012345678.1234567890", []int{10, 6, 0, 10, 1234, 5678, 9012, 3456, 7890, 1234, 5678, 1234, 5678, 9000}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			b, err := appendNumericText(nil, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i := 0; i+1 < len(b); i += 2 {
				got = append(got, int(int16(binary.BigEndian.Uint16(b[i:]))))
			}
			if tt.want[2] == 0x4000 {
				got[2] = int(binary.BigEndian.Uint16(b[4:]))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "-", ".", "1.2.3", "abc", "1e5", "１２"} {
		if _, err := appendNumericText(nil, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBinaryTimes(t *testing.T) {
	tests := []struct {
		enc  binEncoder
		v    time.Time
		want int64
	}{
		{encDate, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{encDate, time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), -1},
		{encDate, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), -10958},
		{encTimestamp, time.Date(2000, 1, 1, 0, 0, 1, 500000, time.UTC), 1_000_500},
		// A naive timestamp is its wall clock, whatever the location says.
		{encTimestamp, time.Date(2000, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)), 8 * 3600 * 1_000_000},
		// A timestamptz is the instant.
		{encTimestampTZ, time.Date(2000, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)), 0},
	}
	for i, tt := range tests {
		b, err := tt.enc(nil, tt.v)
		if err != nil {
			t.Fatal(err)
		}
		var got int64
		if len(b) == 4 {
			got = int64(int32(binary.BigEndian.Uint32(b)))
		} else {
			got = int64(binary.BigEndian.Uint64(b))
		}
		if got != tt.want {
			t.Errorf("case %d (%v): %d, want %d", i, tt.v, got, tt.want)
		}
	}
}

func TestBinaryEncoderChoice(t *testing.T) {
	tests := []struct {
		kind xcetl.Kind
		base string
		ok   bool
	}{
		{xcetl.KindInt, "int8", true}, {xcetl.KindInt, "int4", true}, {xcetl.KindInt, "numeric", false},
		{xcetl.KindString, "text", true}, {xcetl.KindString, "varchar", true}, {xcetl.KindString, "jsonb", false},
		{xcetl.KindString, "int8", false}, {xcetl.KindDecimal, "numeric", true}, {xcetl.KindDate, "timestamp", false},
	}
	for _, tt := range tests {
		if got := binaryEncoder(tt.kind, tt.base) != nil; got != tt.ok {
			t.Errorf("%s into %s: %v, want %v", tt.kind, tt.base, got, tt.ok)
		}
	}
	if _, err := encInt4(nil, int64(1)<<40); err == nil {
		t.Error("int4 overflow accepted")
	}
}
