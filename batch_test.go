package xcetl

import (
	"reflect"
	"testing"
)

// TestCompactKeepsRecordsAligned: the rows a transform rejects or filters
// leave with their operation, origin, raw text and typed record.
func TestCompactKeepsRecordsAligned(t *testing.T) {
	b := &Batch{
		Rows:    [][]any{{"a"}, {"b"}, {"c"}, {"d"}},
		Ops:     []Op{OpInsert, OpUpdate, OpDelete, OpInsert},
		Records: []any{"rec-a", "rec-b", "rec-c", "rec-d"},
		Origin:  []Origin{{Line: 1}, {Line: 2}, {Line: 3}, {Line: 4}},
		Raw:     [][]string{{"a"}, {"b"}, {"c"}, {"d"}},
	}
	b.Reject(1, "", "bad")
	b.Filter(2)
	b.Compact()
	if !reflect.DeepEqual(b.Records, []any{"rec-a", "rec-d"}) || !reflect.DeepEqual(b.Ops, []Op{OpInsert, OpInsert}) ||
		len(b.Rows) != 2 || b.Rows[1][0] != "d" || b.Origin[1].Line != 4 || b.Raw[1][0] != "d" {
		t.Fatalf("after Compact: rows %v ops %v records %v origin %v", b.Rows, b.Ops, b.Records, b.Origin)
	}
	if len(b.Rejects) != 1 || b.Rejects[0].Origin.Line != 2 || b.Filtered != 1 {
		t.Errorf("rejects %+v, filtered %d", b.Rejects, b.Filtered)
	}
}
