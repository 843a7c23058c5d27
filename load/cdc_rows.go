package load

import (
	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
	"github.com/xcetl/xcetl/transform/cast"
)

// converters types the values of one writer column: cast's Converter with
// the column rules (cast.Options.Column), one per kind the values arrive
// with (it decides how a time renders as text), made on first use.
type converters struct {
	t  xcetl.Type
	by [xcetl.KindBytes + 1]*cast.Converter
}

func (c *converters) convert(v any, from xcetl.Kind) (any, error) {
	if v == nil {
		return nil, nil
	}
	if int(from) >= len(c.by) {
		from = xcetl.KindInvalid
	}
	conv := c.by[from]
	if conv == nil {
		var err error
		if conv, err = cast.NewConverter(c.t, cast.Options{From: from, Column: true}); err != nil {
			return nil, err
		}
		c.by[from] = conv
	}
	return conv.Convert(v)
}

// cdcSub is the part of a batch that goes to one table, typed.
type cdcSub struct {
	t      *cdcTable
	rows   [][]any
	ops    []xcetl.Op
	events []*change.Event
	hashes [][]byte // with versions on
}

func (s *cdcSub) keep(keep []bool) {
	n := 0
	for i := range s.rows {
		if !keep[i] {
			continue
		}
		s.rows[n], s.ops[n], s.events[n] = s.rows[i], s.ops[i], s.events[i]
		if s.hashes != nil {
			s.hashes[n] = s.hashes[i]
		}
		n++
	}
	s.rows, s.ops, s.events = s.rows[:n], s.ops[:n], s.events[:n]
	if s.hashes != nil {
		s.hashes = s.hashes[:n]
	}
}

// build types the events idx (indexes into p.events) of table t.
func (t *cdcTable) build(l *CDC, p *cdcPayload, idx []int) (*cdcSub, error) {
	sub := &cdcSub{t: t, rows: make([][]any, 0, len(idx)), ops: make([]xcetl.Op, 0, len(idx)), events: make([]*change.Event, 0, len(idx))}
	width := len(t.cols)
	rowWidth := len(t.schema.Columns)
	vals := make([]any, len(idx)*rowWidth)
	set := make([]bool, width)
	for n, i := range idx {
		e := p.events[i]
		if !t.keyChecked {
			if err := t.checkKey(l.d, e.Key); err != nil {
				return nil, l.errorf("event %s: %w", origin(e), err)
			}
			t.keyChecked = true
		}
		row := vals[n*rowWidth : (n+1)*rowWidth : (n+1)*rowWidth]
		clear(set)
		if err := t.fill(l, e, row, set); err != nil {
			return nil, err
		}
		if t.guarded {
			row[width] = p.hashes[i]
			if e.Position != nil {
				row[width+1] = e.Position
			}
		}
		sub.rows = append(sub.rows, row)
		sub.ops = append(sub.ops, e.Op.Row())
		sub.events = append(sub.events, e)
		if p.hashes != nil {
			sub.hashes = append(sub.hashes, p.hashes[i])
		}
	}
	return sub, nil
}

// fill types the row image of e into row (the writer's columns).
func (t *cdcTable) fill(l *CDC, e *change.Event, row []any, set []bool) error {
	del := e.Op == change.Delete
	for _, f := range e.Image() {
		j := t.column(l.d, f.Name)
		switch {
		case j >= 0:
		case del:
			continue // a delete needs the key only
		case j == -1:
			return l.errorf("event %s: table %s has no column for the field %q; add the column to the target table (the source table gained it?), then run again", origin(e), t.name, f.Name)
		default: // -2: a target column outside the writer's columns
			if f.Value == nil {
				continue
			}
			return l.errorf("event %s: field %q of table %s was not in the events this run started with; run again to apply it (the source table changed?)", origin(e), f.Name, t.name)
		}
		v, err := t.conv[j].convert(f.Value, f.Kind)
		if err != nil {
			return l.errorf("event %s: table %s column %q: %w", origin(e), t.name, t.cols[j].Name, err)
		}
		row[j], set[j] = v, true
	}
	for _, k := range t.keyIdx {
		if row[k] == nil {
			return l.errorf("event %s: table %s: key column %q is NULL or missing", origin(e), t.name, t.cols[k].Name)
		}
	}
	if !del {
		for j := range set {
			if !set[j] {
				return l.errorf("event %s: table %s: the event has no field for column %q, which the events this run started with had (the source table changed?); run again", origin(e), t.name, t.cols[j].Name)
			}
		}
	}
	return nil
}

// eventsAt returns the events idx of p.
func eventsAt(p *cdcPayload, idx []int) []*change.Event {
	out := make([]*change.Event, len(idx))
	for n, i := range idx {
		out[n] = p.events[i]
	}
	return out
}
