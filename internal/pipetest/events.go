package pipetest

import (
	"encoding/hex"
	"sort"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
)

// The rows of a source of change events (package change) are views of
// their events; a test shows each event as the loader would get it: its
// operation, target table, source key and position, then the fields of the
// image it applies, after the transforms, by name.
var eventColumns = []string{opColumn, "_table", "_key", "_position"}

// eventRows collects the events of the batches of one case.
type eventRows struct {
	rows   []map[string]*string
	fields map[string]bool
}

// add takes the events of b (after the transforms and Compact).
func (er *eventRows) add(b *xcetl.Batch) error {
	events, err := change.Events(b)
	if err != nil {
		return err
	}
	if er.fields == nil {
		er.fields = map[string]bool{}
	}
	for _, e := range events {
		text := func(s string) *string { return &s }
		r := map[string]*string{opColumn: text(e.Op.Row().String()), "_table": text(e.Table), "_key": text(change.KeyText(e.Key))}
		if e.Position != nil {
			r["_position"] = text(hex.EncodeToString(e.Position))
		}
		for _, f := range e.Image() {
			er.fields[f.Name] = true
			if f.Value != nil {
				r[f.Name] = text(xcetl.FormatValue(f.Value, f.Kind))
			}
		}
		er.rows = append(er.rows, r)
	}
	return nil
}

// output puts the events into out: the columns are the fixed ones, then
// every field of any event, sorted (a field an image lacks is NULL).
func (er *eventRows) output(out *Output) {
	names := make([]string, 0, len(er.fields))
	for n := range er.fields {
		names = append(names, n)
	}
	sort.Strings(names)
	out.Columns = append(append([]string(nil), eventColumns...), names...)
	for _, r := range er.rows {
		row := make([]*string, len(out.Columns))
		for j, c := range out.Columns {
			row[j] = r[c]
		}
		out.Rows = append(out.Rows, row)
	}
}
