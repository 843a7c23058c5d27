package change

import (
	"errors"
	"fmt"

	"github.com/xcetl/xcetl"
)

// View is how a source shows its events to the pipeline as rows (see the
// package doc): one row per event, one column per exposed field, as text.
// A View is made once per run; it is safe for concurrent use.
type View struct {
	exposed []string
	index   map[string]int
	schema  *xcetl.Schema
}

// NewView returns the view whose rows have one text column per exposed
// field name. source is the position of the reject report's raw field that
// holds the message (for the columns' Source).
func NewView(exposed []string, source int) *View {
	v := &View{exposed: append([]string(nil), exposed...), index: map[string]int{}, schema: &xcetl.Schema{}}
	for i, name := range exposed {
		v.index[name] = i
		v.schema.Columns = append(v.schema.Columns, xcetl.Column{Name: name, Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true, Source: source})
	}
	return v
}

// Schema is the schema of the view's rows.
func (v *View) Schema() *xcetl.Schema { return v.schema }

// Append adds e to b as a row of the view, with its origin and raw text.
// b.Records keeps e; the row shows e's row image's exposed fields as text
// (NULL when the image has no such field or it is NULL).
func (v *View) Append(b *xcetl.Batch, e *Event, origin xcetl.Origin, raw []string) {
	row := make([]any, len(v.exposed))
	if len(v.exposed) > 0 {
		e.shown = make([]any, len(v.exposed))
		e.present = make([]bool, len(v.exposed))
		for _, f := range e.Image() {
			i, ok := v.index[f.Name]
			if !ok {
				continue
			}
			e.present[i] = true
			if f.Value != nil {
				row[i] = xcetl.FormatValue(f.Value, f.Kind)
			}
			e.shown[i] = row[i]
		}
	}
	e.view = v
	b.Rows = append(b.Rows, row)
	b.Records = append(b.Records, e)
	b.Ops = append(b.Ops, e.Op.Row())
	b.Origin = append(b.Origin, origin)
	b.Raw = append(b.Raw, raw)
}

// ErrNotEvents is returned by Events for a batch whose records are not
// events of a View.
var ErrNotEvents = errors.New("the batch's rows are not change events")

// Events returns the events of b after the transforms ran: those whose rows
// are still in the batch (a rejected or filtered row drops its event), in
// order, with the rows' values written back into their row images by the
// names of b.Schema — a renamed column renames the field, a dropped one
// removes it, a derived one adds it, a transformed one replaces the value
// (a column still holding the text the view showed keeps the field's typed
// value). An exposed field the image did not have stays absent. In the
// before image of an update, exposed fields are removed: the transforms
// never saw them, and nothing applies them. Call it once per batch.
func Events(b *xcetl.Batch) ([]*Event, error) {
	out := make([]*Event, 0, len(b.Rows))
	for i, row := range b.Rows {
		if i >= len(b.Records) {
			return nil, fmt.Errorf("%w: row %d has no record", ErrNotEvents, i+1)
		}
		e, ok := b.Records[i].(*Event)
		if !ok || e.view == nil {
			return nil, fmt.Errorf("%w: row %d holds a %T", ErrNotEvents, i+1, b.Records[i])
		}
		if err := e.view.writeBack(e, b.Schema, row); err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func (v *View) writeBack(e *Event, schema *xcetl.Schema, row []any) error {
	if len(v.exposed) == 0 && (schema == nil || len(schema.Columns) == 0) {
		return nil
	}
	if schema == nil || len(row) != len(schema.Columns) {
		return fmt.Errorf("%d values for %d columns", len(row), len(schemaCols(schema)))
	}
	if e.Op == Truncate {
		return nil
	}
	img := e.image()
	final := make(map[string]bool, len(schema.Columns))
	for j, c := range schema.Columns {
		final[c.Name] = true
		val := row[j]
		if k, ok := v.index[c.Name]; ok {
			if !e.present[k] {
				continue // the image has no such field: leave it out
			}
			if s, ok := val.(string); ok && e.shown[k] != nil && s == e.shown[k] {
				continue // untouched: the field keeps its typed value
			}
			if val == nil && e.shown[k] == nil {
				continue
			}
		}
		img.Set(Field{Name: c.Name, Value: val, Kind: kindOf(val, c.Type.Kind)})
	}
	for _, name := range v.exposed {
		if !final[name] {
			img.Remove(name) // renamed or dropped by a transform
		}
	}
	if e.Op == Update && len(e.Before) > 0 && len(v.exposed) > 0 {
		for _, name := range v.exposed {
			e.Before.Remove(name)
		}
	}
	return nil
}

// kindOf is the kind a written-back value keeps: the column's, except for
// text and NULL, which the target column types.
func kindOf(v any, k xcetl.Kind) xcetl.Kind {
	switch v.(type) {
	case nil, string:
		return xcetl.KindInvalid
	}
	return k
}

func schemaCols(s *xcetl.Schema) []xcetl.Column {
	if s == nil {
		return nil
	}
	return s.Columns
}
