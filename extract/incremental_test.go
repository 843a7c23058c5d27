package extract_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

type memState map[string][]byte

func (m memState) ReadCheckpoints(_ context.Context, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out, nil
}

func node(t *testing.T, yaml string) *config.Node {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte("incremental: "+yaml+"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return root.Get("incremental")
}

func TestDecodeIncremental(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want extract.Incremental
		err  string
	}{
		{"files", extract.Incremental{Files: true}, ""},
		{"{column: updated_at}", extract.Incremental{Column: "updated_at"}, ""},
		{"{column: v, initial: '2024-01-01', inclusive: true}", extract.Incremental{Column: "v", Initial: "2024-01-01", Inclusive: true}, ""},
		{"{column: v, param: since}", extract.Incremental{Column: "v", Param: "since"}, ""},
		{"file", extract.Incremental{}, "must be `files` or a mapping"},
		{"{initial: 1}", extract.Incremental{Initial: "1"}, `missing required key "column"`},
		{"{column: ''}", extract.Incremental{}, "column must name"},
		{"{column: a, colum: b}", extract.Incremental{Column: "a"}, "colum"},
		{"[a]", extract.Incremental{}, "must be `files` or a mapping"},
	} {
		got, errs := extract.DecodeIncremental(node(t, tc.yaml))
		if tc.err == "" && errs != nil || tc.err != "" && (errs == nil || !strings.Contains(errs.Error(), tc.err)) {
			t.Errorf("%s: errs = %v, want %q", tc.yaml, errs, tc.err)
		}
		if tc.err == "" && got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.yaml, got, tc.want)
		}
	}
	if got, errs := extract.DecodeIncremental(nil); errs != nil || got != (extract.Incremental{}) {
		t.Errorf("nil: %+v %v", got, errs)
	}
}

func batch(col string, vals ...any) *xcetl.Batch {
	s := xcetl.NewStringSchema([]string{"id", col})
	b := &xcetl.Batch{Schema: s}
	for i, v := range vals {
		b.Rows = append(b.Rows, []any{int64(i), v})
	}
	return b
}

// TestWatermark runs three "runs": the watermark commits with each batch,
// the next run keeps only newer rows, and it never moves backwards.
func TestWatermark(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		run1, run2              []any
		wantMark1, wantKeepRun2 string
		inclusive               bool
	}{
		{"times as text", []any{"2024-01-02 10:00:00", "2024-01-10 08:00:00", "2024-01-03 00:00:00"},
			[]any{"2024-01-10 08:00:00", "2024-01-10 08:00:01", "2024-01-09 23:59:59", nil}, "2024-01-10T08:00:00Z", "1", false},
		{"numbers as text compare as numbers", []any{"9", "10", "2"}, []any{"11", "9", "100"}, "10", "0,2", false},
		{"typed values", []any{int64(5), int64(7)}, []any{int64(7), int64(8)}, "7", "0,1", true},
		{"RFC 3339 with offsets", []any{"2024-01-01T10:00:00+08:00"}, []any{"2024-01-01T02:30:00Z", "2024-01-01T01:30:00Z"}, "2024-01-01T02:00:00Z", "0", false},
		{"time.Time", []any{time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}, []any{time.Date(2024, 5, 1, 0, 0, 1, 0, time.UTC)}, "2024-05-01T00:00:00Z", "0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := memState{}
			w := extract.NewWatermark(extract.Incremental{Column: "updated_at", Inclusive: tc.inclusive})
			if err := w.Resume(context.Background(), state); err != nil {
				t.Fatal(err)
			}
			if _, ok := w.Since(); ok {
				t.Fatal("a first run has a watermark")
			}
			b := batch("updated_at", tc.run1...)
			for _, r := range b.Rows {
				if !w.Keep(r[1]) {
					t.Fatalf("first run drops %v", r[1])
				}
			}
			if err := w.Observe(b); err != nil {
				t.Fatal(err)
			}
			for _, cp := range b.Checkpoints {
				state[cp.Key] = cp.Value
			}
			if !strings.Contains(string(state["watermark/updated_at"]), tc.wantMark1) {
				t.Errorf("checkpoint = %s, want %s", state["watermark/updated_at"], tc.wantMark1)
			}

			w2 := extract.NewWatermark(extract.Incremental{Column: "updated_at", Inclusive: tc.inclusive})
			if err := w2.Resume(context.Background(), state); err != nil {
				t.Fatal(err)
			}
			if v, ok := w2.Since(); !ok || v == "" {
				t.Errorf("Since = %q, %v", v, ok)
			}
			b2 := batch("updated_at", tc.run2...)
			var kept []string
			for i, r := range b2.Rows {
				if w2.Keep(r[1]) && r[1] != nil {
					kept = append(kept, string(rune('0'+i)))
				}
			}
			if got := strings.Join(kept, ","); got != tc.wantKeepRun2 {
				t.Errorf("second run keeps rows %s, want %s", got, tc.wantKeepRun2)
			}
		})
	}
}

func TestWatermarkNeverBackwards(t *testing.T) {
	state := memState{"watermark/v": []byte(`{"kind":"number","value":"50"}`)}
	w := extract.NewWatermark(extract.Incremental{Column: "v"})
	if err := w.Resume(context.Background(), state); err != nil {
		t.Fatal(err)
	}
	b := batch("v", "7") // an old row that the source sent anyway
	if err := w.Observe(b); err != nil {
		t.Fatal(err)
	}
	if len(b.Checkpoints) != 1 || !strings.Contains(string(b.Checkpoints[0].Value), `"50"`) {
		t.Errorf("checkpoints = %q", b.Checkpoints)
	}
	if err := w.Observe(batch("other", "1")); err == nil || !strings.Contains(err.Error(), `incremental column "v"`) {
		t.Errorf("missing column: %v", err)
	}
	bad := extract.NewWatermark(extract.Incremental{Column: "v"})
	if err := bad.Resume(context.Background(), memState{"watermark/v": []byte("{")}); err == nil {
		t.Error("an unreadable watermark was accepted")
	}
	init := extract.NewWatermark(extract.Incremental{Column: "v", Initial: "2024-01-01"})
	if init.Keep("2023-12-31") || !init.Keep("2024-01-02") {
		t.Error("the initial watermark is not applied")
	}
	if extract.NewWatermark(extract.Incremental{Files: true}) != nil {
		t.Error("a watermark without a column")
	}
}

// FuzzWatermarkCompare: any two values compare without panicking, and the
// order is antisymmetric.
func FuzzWatermarkCompare(f *testing.F) {
	f.Add("2024-01-01", "2024-01-01 10:00:00")
	f.Add("10", "9.5")
	f.Add("1e400", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if a == "" || b == "" {
			return // no initial watermark: everything is kept
		}
		w := extract.NewWatermark(extract.Incremental{Column: "v", Initial: a})
		ab := w.Keep(b)
		w2 := extract.NewWatermark(extract.Incremental{Column: "v", Initial: b})
		ba := w2.Keep(a)
		if ab && ba {
			t.Fatalf("%q > %q and %q > %q", b, a, a, b)
		}
	})
}

func TestWatermarkBehind(t *testing.T) {
	w := extract.NewWatermark(extract.Incremental{Column: "v"})
	if w.Behind("5") {
		t.Error("nothing seen yet: nothing is behind")
	}
	if err := w.Observe(batch("v", "5", "9")); err != nil {
		t.Fatal(err)
	}
	for v, want := range map[any]bool{"10": false, "9": false, "8": true, "10.5": false, nil: false, int64(3): true} {
		if got := w.Behind(v); got != want {
			t.Errorf("Behind(%v) = %v, want %v", v, got, want)
		}
	}
}
