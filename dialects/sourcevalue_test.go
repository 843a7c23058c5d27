package dialects

import (
	"reflect"
	"testing"
	"time"
)

// FuzzTextDecoders: the text fast path gives what the general decoders
// give, for every input, and never panics.
func FuzzTextDecoders(f *testing.F) {
	for _, s := range []string{"2024-02-29 23:59:59.999999", "2024-02-30 00:00:00", "0000-00-00", "1970-01-01", "2024-06-01 04:00:00.123+00",
		"12.50", "-0.01", ".5", "+3", "NaN", "1e5", "", "9223372036854775807", "9223372036854775808", "2024-01-01T10:00:00", "2024-01-01 10:00:00.1234567891"} {
		f.Add([]byte(s))
	}
	type pair struct {
		text func(string) (any, error)
		dec  func(any) (any, error)
	}
	pairs := map[string]pair{
		"int": {TextInt, DecodeInt}, "decimal": {TextDecimal, DecodeDecimal}, "date": {TextDate, DecodeDate},
		"timestamp": {TextTimestamp, DecodeTimestamp}, "timestamptz": {TextTimestampUTC, DecodeTimestampUTC},
		"string": {TextString, DecodeString}, "bytes": {TextBytes, DecodeBytes},
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for name, p := range pairs {
			got, gerr := p.text(string(b))
			want, werr := p.dec(b)
			if (gerr == nil) != (werr == nil) {
				t.Fatalf("%s(%q): text %v / %v, general %v / %v", name, b, got, gerr, want, werr)
			}
			if gerr != nil {
				continue
			}
			if gt, ok := got.(time.Time); ok {
				if !gt.Equal(want.(time.Time)) {
					t.Fatalf("%s(%q): text %v, general %v", name, b, got, want)
				}
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s(%q): text %#v, general %#v", name, b, got, want)
			}
		}
	})
}

func TestPadDecimal(t *testing.T) {
	for in, want := range map[string]string{".5": "0.50", "-.5": "-0.50", "12.5": "12.50", "3": "3.00", "1.234": "1.234", "NaN": "NaN"} {
		if got := PadDecimal(in, 2); got != want {
			t.Errorf("PadDecimal(%q, 2) = %q, want %q", in, got, want)
		}
	}
}
