package pipelines

import (
	"testing"

	"github.com/xcetl/xcetl"
)

// TestTrimToLimit: a batch cut by --limit keeps its first rows only when it
// carries no checkpoint; a batch of a source that keeps state is loaded
// whole or not at all, since committing its first rows without its
// checkpoint would load them again on resume.
func TestTrimToLimit(t *testing.T) {
	batch := func(rows int, cps bool) *xcetl.Batch {
		b := &xcetl.Batch{}
		for i := 0; i < rows; i++ {
			b.Rows = append(b.Rows, []any{int64(i)})
			b.Origin = append(b.Origin, xcetl.Origin{Line: i + 1})
			b.Raw = append(b.Raw, []string{"x"})
		}
		if cps {
			b.Checkpoints = []xcetl.Checkpoint{{Key: "csv/position", Value: []byte("5")}}
			b.Last = xcetl.Position("5")
		}
		return b
	}
	tests := []struct {
		name     string
		rows     int
		cps      bool
		rem      int64
		wantRows int
		wantCps  bool
	}{
		{"fits", 5, true, 5, 5, true},
		{"stateless source cut", 5, false, 3, 3, false},
		{"stateful source not cut in the middle", 5, true, 3, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := batch(tt.rows, tt.cps)
			trimToLimit(b, tt.rem)
			if len(b.Rows) != tt.wantRows || len(b.Origin) != tt.wantRows || len(b.Raw) != tt.wantRows {
				t.Errorf("rows %d origin %d raw %d, want %d", len(b.Rows), len(b.Origin), len(b.Raw), tt.wantRows)
			}
			if (len(b.Checkpoints) > 0) != tt.wantCps || (b.Last != nil) != tt.wantCps {
				t.Errorf("checkpoints %v last %q, want kept %v", b.Checkpoints, b.Last, tt.wantCps)
			}
		})
	}
}
