package load

import (
	"errors"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// prepareCDC encodes a batch of change events (mode cdc): key changes
// become a delete of the old key plus an upsert of the new one, the events
// of each key are collapsed to the last one, and the writer gets the rest
// (see "Mode cdc and delete by key" in package dialects).
func (l *SQL) prepareCDC(b *xcetl.Batch) error {
	eb, orig := l.expandKeyChanges(b)
	rows := lastOfEachKey(eb.Rows, l.keyIdx)
	data, err := l.w.Encode(eb, rows)
	if errors.Is(err, dialects.ErrCheckRows) {
		if rc, ok := l.w.(dialects.RowChecker); ok {
			rc.CheckRows(b)
			b.Compact()
			eb, orig = l.expandKeyChanges(b)
			rows = lastOfEachKey(eb.Rows, l.keyIdx)
			data, err = l.w.Encode(eb, rows)
		}
	}
	n := len(eb.Rows)
	if rows != nil {
		n = len(rows)
	}
	// toBatch maps each payload row to the source row it came from, for
	// error messages (a synthetic delete names the update that caused it).
	toBatch := make([]int, n)
	for i := range toBatch {
		r := i
		if rows != nil {
			r = rows[i]
		}
		if orig != nil {
			r = orig[r]
		}
		toBatch[i] = r
	}
	if err != nil {
		return l.rowError("encode", b.Origin, len(b.Rows), toBatch, err)
	}
	b.Payload = &payload{rows: toBatch, n: n, data: data}
	return nil
}

// expandKeyChanges returns the events to apply for b: b itself when no
// update changes its key, else a batch where each such update is preceded
// by a delete of its old key (b.Before[i], in the order of the target
// key). orig maps the returned batch's rows to b's rows (nil: the same).
func (l *SQL) expandKeyChanges(b *xcetl.Batch) (*xcetl.Batch, []int) {
	changed := false
	for i, before := range b.Before {
		if before != nil && i < len(b.Rows) && !sameKey(before, b.Rows[i], l.keyIdx) {
			changed = true
			break
		}
	}
	if !changed {
		return b, nil
	}
	eb := &xcetl.Batch{Schema: b.Schema}
	var orig []int
	width := len(l.schema.Columns)
	for i, row := range b.Rows {
		if i < len(b.Before) && b.Before[i] != nil && !sameKey(b.Before[i], row, l.keyIdx) {
			del := make([]any, width)
			for k, j := range l.keyIdx {
				if k < len(b.Before[i]) {
					del[j] = b.Before[i][k]
				}
			}
			eb.Rows = append(eb.Rows, del)
			eb.Ops = append(eb.Ops, xcetl.OpDelete)
			orig = append(orig, i)
		}
		op := xcetl.OpInsert
		if b.Ops != nil {
			op = b.Ops[i]
		}
		eb.Rows = append(eb.Rows, row)
		eb.Ops = append(eb.Ops, op)
		orig = append(orig, i)
	}
	return eb, orig
}

// sameKey reports whether the old key values (in key order) equal the
// key of row.
func sameKey(before, row []any, keyIdx []int) bool {
	if len(before) != len(keyIdx) {
		return false
	}
	var a, b []byte
	for k, j := range keyIdx {
		a = appendKeyPart(a, before[k])
		b = appendKeyPart(b, row[j])
	}
	return string(a) == string(b)
}
