package sql

import (
	"reflect"
	"strconv"
	"strings"
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

// The plan is committed in parts small enough for any state table, and
// read back whole.
func TestPlanParts(t *testing.T) {
	pl := plan{Run: "r", Source: "s", Null: true}
	for i := 0; i < 3000; i++ {
		pl.Bounds = append(pl.Bounds, strings.Repeat("x", i%40)+strconv.Itoa(i))
	}
	pl.build()
	cps := map[string][]byte{}
	for _, cp := range pl.checkpoints() {
		if len(cp.Value) > 4000 {
			t.Fatalf("checkpoint %s is %d bytes", cp.Key, len(cp.Value))
		}
		cps[cp.Key] = cp.Value
	}
	got, ok, err := readPlan(cps)
	if err != nil || !ok || !reflect.DeepEqual(got.Bounds, pl.Bounds) || len(got.Chunks) != 3002 || !got.Chunks[3001].Null {
		t.Fatalf("read back: ok %v err %v, %d bounds, %d chunks", ok, err, len(got.Bounds), len(got.Chunks))
	}
	delete(cps, planKey+"/1")
	if _, _, err := readPlan(cps); err == nil {
		t.Errorf("a missing part went unnoticed")
	}
	r := plan{Range: &intRange{Lo: 1, Step: 100, N: 3}}
	r.build()
	if len(r.Chunks) != 4 || *r.Chunks[0].Hi != "100" || *r.Chunks[3].Lo != "300" || r.Chunks[3].Hi != nil {
		t.Errorf("range chunks: %+v", r.Chunks)
	}
}
