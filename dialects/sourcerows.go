package dialects

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/xcetl/xcetl"
)

// SnapshotNoter is implemented by source dialects that know when a table
// has no snapshot to read in (MySQL's MyISAM): the note is logged as a
// warning, "" when the table's reads are consistent.
type SnapshotNoter interface {
	SnapshotNote(t *SourceTable) string
}

// sqlRows streams a database/sql result for Stream implementations.
type sqlRows struct {
	rows  *sql.Rows
	raw   []sql.RawBytes
	typed []any
	dest  []any
	vals  []any
	text  [][]byte
	scrub *xcetl.Scrubber
	err   error
}

// NewRawRows wraps a result whose driver sends every value as text or
// bytes (go-sql-driver/mysql): values are scanned as sql.RawBytes, without
// a copy, and are valid until the next Next.
func NewRawRows(rows *sql.Rows, columns int, scrub *xcetl.Scrubber) SourceRows {
	r := &sqlRows{rows: rows, raw: make([]sql.RawBytes, columns), dest: make([]any, columns), vals: make([]any, columns), scrub: scrub}
	for i := range r.raw {
		r.dest[i] = &r.raw[i]
	}
	return r
}

// NewTypedRows wraps a result whose driver returns typed values (int64,
// float64, string, []byte, time.Time: SQLite, go-ora, dm).
func NewTypedRows(rows *sql.Rows, columns int, scrub *xcetl.Scrubber) SourceRows {
	r := &sqlRows{rows: rows, typed: make([]any, columns), dest: make([]any, columns), scrub: scrub}
	for i := range r.typed {
		r.dest[i] = &r.typed[i]
	}
	return r
}

func (r *sqlRows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	if err := r.rows.Scan(r.dest...); err != nil {
		r.err = err
		return false
	}
	return true
}

func (r *sqlRows) Values() []any {
	if r.typed != nil {
		return r.typed
	}
	for i, b := range r.raw {
		if b == nil {
			r.vals[i] = nil
		} else {
			r.vals[i] = []byte(b)
		}
	}
	return r.vals
}

func (r *sqlRows) Err() error {
	err := r.err
	if err == nil {
		err = r.rows.Err()
	}
	if err != nil && r.scrub != nil {
		return r.scrub.ScrubError(err)
	}
	return err
}

func (r *sqlRows) Close() error { return r.rows.Close() }

// TextRows is implemented by SourceRows whose every value is text or bytes
// (MySQL's text protocol, the PostgreSQL family's text format): Text
// returns the current row's values without boxing them, nil for NULL,
// valid until the next call of Next. Readers use it with ColumnRead.Text.
type TextRows interface {
	SourceRows
	Text() [][]byte
}

// Text implements TextRows for results scanned as sql.RawBytes.
func (r *sqlRows) Text() [][]byte {
	if r.raw == nil {
		return nil
	}
	if r.text == nil {
		r.text = make([][]byte, len(r.raw))
	}
	for i, b := range r.raw {
		r.text[i] = b
	}
	return r.text
}

// QueryAll runs a statement through c.Stream and returns every row, []byte
// values copied (a SourceConn's Query for small results).
func QueryAll(ctx context.Context, c interface {
	Stream(ctx context.Context, sql string, args ...any) (SourceRows, error)
}, sql string, args ...any) ([][]any, error) {
	rows, err := c.Stream(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := rows.Values()
		r := make([]any, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				r[i] = append([]byte(nil), b...)
			} else {
				r[i] = v
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// TableList runs a migration's table listing (one name per row) on c and
// returns the tables of schema.
func TableList(ctx context.Context, c SourceConn, schema, sql string, args ...any) ([]Table, error) {
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("list the tables of %q: %w", schema, err)
	}
	out := make([]Table, len(rows))
	for i, r := range rows {
		name, _ := TextOf(r[0])
		out[i] = Table{Schema: schema, Name: name, SchemaQuoted: schema != "", NameQuoted: true}
	}
	return out, nil
}
