package load

import (
	"fmt"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

func TestLastOfEachKey(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	instant := time.Date(2024, 1, 1, 8, 0, 0, 0, cst)
	tests := []struct {
		name string
		rows [][]any
		key  []int
		want string
	}{
		{"unique int", [][]any{{int64(1)}, {int64(2)}, {int64(3)}}, []int{0}, "[]"},
		{"int duplicates", [][]any{{int64(1)}, {int64(2)}, {int64(1)}, {int64(1)}, {int64(3)}}, []int{0}, "[1 3 4]"},
		{"string duplicates", [][]any{{"a"}, {"b"}, {"a"}}, []int{0}, "[1 2]"},
		{"composite", [][]any{{int64(1), "x"}, {int64(1), "y"}, {int64(1), "x"}}, []int{0, 1}, "[1 2]"},
		{"composite is not concatenation", [][]any{{"ab", "c"}, {"a", "bc"}}, []int{0, 1}, "[]"},
		{"int and string of the same text differ", [][]any{{int64(1), "x"}, {"1", "x"}}, []int{0, 1}, "[]"},
		{"mixed types in one column", [][]any{{int64(1)}, {"1"}, {int64(1)}}, []int{0}, "[1 2]"},
		{"same instant, other zone", [][]any{{instant}, {instant.UTC()}}, []int{0}, "[1]"},
		{"decimal", [][]any{{xcetl.Decimal("1.50")}, {xcetl.Decimal("1.50")}}, []int{0}, "[1]"},
		{"bytes", [][]any{{[]byte{1}}, {[]byte{1, 0}}, {[]byte{1}}}, []int{0}, "[1 2]"},
		{"single row", [][]any{{int64(1)}}, []int{0}, "[]"},
		{"no key", [][]any{{int64(1)}, {int64(1)}}, nil, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(lastOfEachKey(tt.rows, tt.key)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func BenchmarkLastOfEachKey(b *testing.B) {
	rows := make([][]any, 5000)
	for i := range rows {
		rows[i] = []any{int64(i), fmt.Sprint(i)}
	}
	for _, key := range [][]int{{0}, {1}, {0, 1}} {
		b.Run(fmt.Sprint(key), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				lastOfEachKey(rows, key)
			}
		})
	}
}
