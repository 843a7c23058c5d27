package load

import (
	"errors"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// prepareCDC encodes a batch of change rows (mode cdc, rows with b.Ops):
// the events of each key are collapsed to the last one and the writer gets
// the rest (see "Mode cdc and delete by key" in package dialects). An
// update that changes the key arrives as a delete of the old key and an
// upsert of the new one.
func (l *SQL) prepareCDC(b *xcetl.Batch) error {
	rows := lastOfEachKey(b.Rows, l.keyIdx)
	data, err := l.w.Encode(b, rows)
	if errors.Is(err, dialects.ErrCheckRows) {
		if rc, ok := l.w.(dialects.RowChecker); ok {
			rc.CheckRows(b)
			b.Compact()
			rows = lastOfEachKey(b.Rows, l.keyIdx)
			data, err = l.w.Encode(b, rows)
		}
	}
	if err != nil {
		return l.rowError("encode", b.Origin, len(b.Rows), rows, err)
	}
	n := len(b.Rows)
	if rows != nil {
		n = len(rows)
	}
	b.Payload = &payload{rows: rows, n: n, data: data}
	return nil
}
