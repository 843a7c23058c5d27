package dm8

import (
	"context"
	"errors"
	"fmt"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// NewWriter implements dialects.Conn.
func (c *conn) NewWriter(ctx context.Context, t dialects.Target) (dialects.Writer, error) {
	p, err := c.d.plan(t)
	if err != nil {
		return nil, err
	}
	identity := c.identity[tableKey(t.Table)]
	for _, col := range p.cols {
		if col == identity {
			p.identity = identity
		}
	}
	switch dialects.OptionsOf[Options](t.Options).IdentityInsert {
	case "on":
		p.identityOn = true
	case "off":
	default:
		p.identityOn = p.identity != ""
	}
	if p.identityOn {
		// First: nothing is written yet, should the statement end the
		// transaction the way DDL does.
		if err := c.Exec(ctx, p.identityStatement(true)); err != nil {
			return nil, fmt.Errorf("%s: %w", p.identityStatement(true), err)
		}
		c.identityOn = p.table
		c.log.Info("dm8: loading explicit values into the IDENTITY column", "table", t.Table.String(), "column", p.identity)
	}
	if p.clear != "" {
		if err := c.Exec(ctx, p.clear); err != nil {
			return nil, fmt.Errorf("replace: empty %s: %w", t.Table, err)
		}
	}
	w := &writer{c: c, p: p}
	for _, col := range t.Columns {
		w.kinds = append(w.kinds, col.Type.Kind)
		w.names = append(w.names, col.Name)
	}
	return w, nil
}

type writer struct {
	c     *conn
	p     *plan
	kinds []xcetl.Kind
	names []string
}

var (
	_ dialects.RowChecker = (*writer)(nil)
)

// dmPayload is a batch as flat bind arguments.
type dmPayload struct {
	args  []any // rows to insert or merge, row after row
	rows  []int // their payload rows
	dargs []any // cdc: key values of the rows to delete
	drows []int // their payload rows
}

// Encode implements dialects.Writer.
func (w *writer) Encode(b *xcetl.Batch, rows []int) (any, error) {
	n := len(b.Rows)
	if rows != nil {
		n = len(rows)
	}
	p := &dmPayload{args: make([]any, 0, n*len(w.kinds)), rows: make([]int, 0, n)}
	for i := 0; i < n; i++ {
		r := i
		if rows != nil {
			r = rows[i]
		}
		row := b.Rows[r]
		if len(row) != len(w.kinds) {
			return nil, &dialects.RowError{Row: i, Err: fmt.Errorf("has %d values for %d columns", len(row), len(w.kinds))}
		}
		if w.p.mode == dialects.CDC && b.Ops != nil && b.Ops[r] == xcetl.OpDelete {
			for _, j := range w.p.keyIdx {
				a, err := w.value(i, j, row[j])
				if err != nil {
					return nil, err
				}
				p.dargs = append(p.dargs, a)
			}
			p.drows = append(p.drows, i)
			continue
		}
		for j, v := range row {
			a, err := w.value(i, j, v)
			if err != nil {
				return nil, err
			}
			p.args = append(p.args, a)
		}
		p.rows = append(p.rows, i)
	}
	return p, nil
}

func (w *writer) value(i, j int, v any) (any, error) {
	a, err := Value(v, w.kinds[j])
	if err != nil {
		var ns errNotStorable
		if errors.As(err, &ns) {
			return nil, dialects.ErrCheckRows
		}
		return nil, &dialects.RowError{Row: i, Column: w.names[j], Err: err}
	}
	return a, nil
}

// CheckRows implements dialects.RowChecker: rows with values DM8 cannot
// store (NaN, infinities, years outside 1..9999) are rejected one by one.
func (w *writer) CheckRows(b *xcetl.Batch) {
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		for j, v := range row {
			if j >= len(w.kinds) {
				break
			}
			var ns errNotStorable
			if _, err := Value(v, w.kinds[j]); errors.As(err, &ns) {
				b.Reject(i, b.Schema.Columns[j].Name, ns.why)
				break
			}
		}
	}
}

// Write implements dialects.Writer: deletes (cdc) first, then the INSERTs
// or MERGEs, in statements of at most perStmt rows.
func (w *writer) Write(ctx context.Context, payload any) error {
	p, ok := payload.(*dmPayload)
	if !ok {
		return fmt.Errorf("payload of type %T was not made by this writer", payload)
	}
	if len(p.drows) > 0 {
		if err := w.run(ctx, w.p.delete, w.p.perDelete, len(w.p.keyIdx), p.dargs, p.drows, "delete by key"); err != nil {
			return err
		}
	}
	if len(p.rows) > 0 {
		what := "insert"
		if w.p.mode == dialects.Upsert || w.p.mode == dialects.CDC {
			what = "merge"
		}
		return w.run(ctx, w.p.write, w.p.perStmt, len(w.kinds), p.args, p.rows, what)
	}
	return nil
}

// run executes stmt(k) for chunks of at most per rows of width values.
func (w *writer) run(ctx context.Context, stmt func(int) string, per, width int, args []any, rows []int, what string) error {
	ex := w.c.ex()
	if w.p.prepared {
		st, err := ex.PrepareContext(ctx, stmt(1))
		if err != nil {
			return w.c.wrap(fmt.Errorf("prepare %s: %w", what, err))
		}
		defer st.Close()
		for i := range rows {
			if _, err := st.ExecContext(ctx, args[i*width:(i+1)*width]...); err != nil {
				return &dialects.RowError{Row: rows[i], Err: w.c.wrap(err)}
			}
		}
		return nil
	}
	for start := 0; start < len(rows); start += per {
		n := min(per, len(rows)-start)
		if _, err := ex.ExecContext(ctx, stmt(n), args[start*width:(start+n)*width]...); err != nil {
			return w.findRow(ctx, stmt, width, args, rows, start, n, what, err)
		}
	}
	return nil
}

// findRow runs the rows of a failed statement one at a time to tell which
// row failed. DM8 undoes a failed statement as a whole; the rows that
// succeed here are undone when the loader rolls the run (or batch) back.
func (w *writer) findRow(ctx context.Context, stmt func(int) string, width int, args []any, rows []int, start, n int, what string, stmtErr error) error {
	if n == 1 {
		return &dialects.RowError{Row: rows[start], Err: w.c.wrap(stmtErr)}
	}
	if ctx.Err() == nil {
		one := stmt(1)
		for i := start; i < start+n; i++ {
			if _, err := w.c.ex().ExecContext(ctx, one, args[i*width:(i+1)*width]...); err != nil {
				return &dialects.RowError{Row: rows[i], Err: w.c.wrap(err)}
			}
		}
	}
	return w.c.wrap(fmt.Errorf("%s: %w", what, stmtErr))
}
