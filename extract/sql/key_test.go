package sql

import (
	"reflect"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

func TestKeyRoundTrip(t *testing.T) {
	for _, v := range []any{int64(-9223372036854775808), "居民 a\x00b", xcetl.Decimal("-12.50"), 1.5, true,
		time.Date(2024, 2, 29, 23, 59, 59, 999999000, time.UTC), []byte{0, 0xff}} {
		s, err := encodeKey(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeKey(s, xcetl.KindOf(v))
		if v, ok := v.(xcetl.Decimal); ok {
			got, err = decodeKey(s, xcetl.KindDecimal)
			if got != v {
				t.Errorf("%v → %q → %v", v, s, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, v) {
			t.Errorf("%#v → %q → %#v, %v", v, s, got, err)
		}
	}
}

// FuzzDecodeKey: a stored key value (or watermark) of any text decodes or
// is refused, never panics; what decodes encodes back to a value that
// decodes the same.
func FuzzDecodeKey(f *testing.F) {
	for _, s := range []string{"12", "-0.5", "2024-01-01T00:00:00Z", "2024-01-01 10:00:00", "AP8=", "", "x"} {
		f.Add(s, uint8(xcetl.KindInt))
	}
	f.Fuzz(func(t *testing.T, s string, k uint8) {
		kind := xcetl.Kind(k % 10)
		v, err := decodeKey(s, kind)
		if err != nil {
			return
		}
		text, err := encodeKey(v)
		if err != nil {
			t.Fatalf("decodeKey(%q, %s) = %#v, which does not encode: %v", s, kind, v, err)
		}
		again, err := decodeKey(text, kind)
		if err != nil || !reflect.DeepEqual(fmtKey(again), fmtKey(v)) {
			t.Fatalf("%q → %#v → %q → %#v, %v", s, v, text, again, err)
		}
	})
}

func fmtKey(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return v
}
