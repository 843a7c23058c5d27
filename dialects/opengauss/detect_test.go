package opengauss

import (
	"testing"

	"github.com/xcetl/xcetl/dialects/pgfamily"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		compat    string
		present   bool
		emptyNull bool
	}{
		{"", false, false},
		{"A", true, true},
		{"a", true, true},
		{"B", true, false},
		{"PG", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.compat, func(t *testing.T) {
			v, err := detect(func(name string) (string, bool, error) {
				if name != "sql_compatibility" {
					t.Errorf("asked for setting %q", name)
				}
				return tt.compat, tt.present, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if v.Upsert != pgfamily.Merge || (v.EmptyIsNull != "") != tt.emptyNull {
				t.Errorf("got %+v, want MERGE and empty-is-null %v", v, tt.emptyNull)
			}
		})
	}
}
