package pgfamily

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStorable(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 6)
	tests := []struct {
		s    string
		want bool
	}{
		{"", true},
		{"a", true},
		{long, true},
		{long + "\x00", false},
		{"\x00" + long, false},
		{long[:7] + "\x00" + long, false},
		{"abcdefgh\x00", false},
		{"街道办事处", true},
		{long + "街道", true},
		{"街道\x00" + long, false},
		{long + "\xff", false},
		{"abcdefg\xe8\xa1", false}, // a rune cut short at the end
		{"abcdefgh\xe8\xa1\x97" + long, true},
		{"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", true},
		{"\x01\x01\x01\x01\x01\x01\x01\x01", true},
		{"\x80", false},
	}
	for _, tt := range tests {
		if got := storable(tt.s); got != tt.want {
			t.Errorf("storable(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func FuzzStorable(f *testing.F) {
	for _, s := range []string{"", "abcdefgh", "abc\x00defgh", "街道办事处abcdefgh", "abcdefgh\xff", "\x00\x00\x00\x00\x00\x00\x00\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
		if got := storable(s); got != want {
			t.Fatalf("storable(%q) = %v, want %v", s, got, want)
		}
	})
}

func BenchmarkStorable(b *testing.B) {
	for _, s := range []string{"11010519491231002X", strings.Repeat("0123456789abcdef", 6), "北京市朝阳区建国路88号"} {
		b.Run("len"+string(rune('0'+len(s)/10)), func(b *testing.B) {
			b.Run("two-passes", func(b *testing.B) {
				for b.Loop() {
					_ = strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
				}
			})
			b.Run("storable", func(b *testing.B) {
				for b.Loop() {
					_ = storable(s)
				}
			})
		})
	}
}
