package xcetl

import (
	"math"
	"testing"
)

func TestAppendFloat(t *testing.T) {
	for f, want := range map[float64]string{
		0:                 "0",
		1234567.5:         "1234567.5",
		13812345678:       "13812345678",
		-0.25:             "-0.25",
		0.000001:          "0.000001",
		0.0000001:         "1e-07",
		1e20:              "100000000000000000000",
		1e21:              "1e+21",
		math.NaN():        "NaN",
		math.Inf(1):       "Infinity",
		math.Inf(-1):      "-Infinity",
		123456789012.3456: "123456789012.3456",
	} {
		if got := FormatValue(f, KindFloat); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", f, got, want)
		}
	}
}
