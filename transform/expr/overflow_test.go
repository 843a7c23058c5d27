package expr

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
)

// TestIntegerOverflow: integer arithmetic that leaves the 64-bit range
// rejects the row with the reason, in derive and in filter; everything in
// range still computes exactly.
func TestIntegerOverflow(t *testing.T) {
	in := mkSchema(col{"big", xcetl.KindInt}, col{"small", xcetl.KindInt}, col{"n", xcetl.KindInt}, col{"f", xcetl.KindFloat})
	row := []any{int64(math.MaxInt64), int64(math.MinInt64), int64(3), float64(1e19)}
	for _, tc := range []struct {
		expr string
		want any    // the derived value, when no overflow
		bad  string // part of the reject reason
	}{
		{"big + 1", nil, "integer overflow: 9223372036854775807 + 1"},
		{"1 + big", nil, "integer overflow"},
		{"small - 1", nil, "integer overflow: -9223372036854775808 - 1"},
		{"big - small", nil, "integer overflow"},
		{"big * 2", nil, "integer overflow: 9223372036854775807 * 2"},
		{"small * -1", nil, "integer overflow"},
		{"n * big", nil, "integer overflow"},
		{"-small", nil, "integer overflow: -(-9223372036854775808)"},
		{"abs(small)", nil, "integer overflow: abs(-9223372036854775808)"},
		{"(big - 1) + (n - 2)", int64(math.MaxInt64), ""},
		{"big - 1", int64(math.MaxInt64 - 1), ""},
		{"small + 1", int64(math.MinInt64 + 1), ""},
		{"-4611686018427387904 * 2", int64(math.MinInt64), ""},
		{"n * -3", int64(-9), ""},
		{"-n", int64(-3), ""},
		{"abs(-n)", int64(3), ""},
		{"big + small", int64(-1), ""},
		{"int(f)", nil, "integer overflow: int(1e+19)"},
		{"int(-f)", nil, "integer overflow"},
		{"int(f / 1e10)", int64(1e9), ""},
		{"int(-2.9)", int64(-2), ""},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			tr := mustNew(t, fmt.Sprintf("transforms:\n  - derive: {out: %q}\n", tc.expr))
			out, err := tr.Bind(in)
			if err != nil {
				t.Fatal(err)
			}
			if k := out.Columns[out.Index("out")].Type.Kind; k != xcetl.KindInt {
				t.Errorf("out is %v, want int", k)
			}
			b := batchOf(in, append([]any(nil), row...))
			if err := tr.Apply(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			if tc.bad != "" {
				if len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, tc.bad) || b.Rejects[0].Column != "out" {
					t.Fatalf("rejects %+v, want one naming %q", b.Rejects, tc.bad)
				}
				return
			}
			b.Compact()
			if len(b.Rejects) != 0 || len(b.Rows) != 1 {
				t.Fatalf("rejects %+v", b.Rejects)
			}
			if got := b.Rows[0][out.Index("out")]; got != tc.want {
				t.Errorf("%s = %v (%T), want %v", tc.expr, got, got, tc.want)
			}
		})
	}
	t.Run("filter", func(t *testing.T) {
		tr := mustNew(t, "transforms:\n  - filter: \"big + n > 0\"\n")
		if _, err := tr.Bind(in); err != nil {
			t.Fatal(err)
		}
		b := batchOf(in, append([]any(nil), row...), []any{int64(1), int64(0), int64(1), float64(0)})
		if err := tr.Apply(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, "integer overflow") || b.Filtered != 0 {
			t.Fatalf("rejects %+v filtered %d", b.Rejects, b.Filtered)
		}
	})
}

// TestDecimalPrecision: a decimal enters an expression as a float64 only
// when that holds it exactly; one with more digits rejects the row rather
// than compute with a rounded value.
func TestDecimalPrecision(t *testing.T) {
	in := mkSchema(col{"amount", xcetl.KindDecimal})
	tr := mustNew(t, "transforms:\n  - derive: {twice: \"amount * 2\"}\n")
	if _, err := tr.Bind(in); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want float64
		bad  bool
	}{
		{"0.10", 0.2, false},
		{"-12.50", -25, false},
		{"1234567890.123456", 2469135780.246912, false}, // 16 digits that a float gives back
		{"0.000000000000000001", 2e-18, false},
		{"12345678901234567.89", 0, true},
		{"-9007199254740993", 0, true},
	} {
		b := batchOf(in, []any{xcetl.Decimal(tc.in)})
		if err := tr.Apply(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if tc.bad {
			if len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, "decimal "+tc.in+" has more significant digits than an expression keeps") {
				t.Errorf("%s: rejects %+v", tc.in, b.Rejects)
			}
			continue
		}
		if len(b.Rejects) != 0 || b.Rows[0][1] != tc.want {
			t.Errorf("%s * 2 = %v, rejects %+v; want %v", tc.in, b.Rows[0][1], b.Rejects, tc.want)
		}
	}
}
