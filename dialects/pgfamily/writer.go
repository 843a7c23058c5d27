package pgfamily

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// writer loads batches of one run through COPY.
type writer struct {
	c     *conn
	p     *plan
	kinds []xcetl.Kind
	names []string
	// copyIdent is the COPY destination for binary COPY.
	copyIdent pgx.Identifier
	// hint is the size of the last payload, so that the next buffer is
	// allocated once at about the right size.
	hint atomic.Int64
}

// textPayload is a batch in COPY text format.
type textPayload struct {
	buf  *[]byte
	rows int
}

// binaryPayload is a batch ready for pgx's binary COPY.
type binaryPayload struct {
	rows [][]any
}

var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// NewWriter implements dialects.Conn.
func (c *conn) NewWriter(ctx context.Context, t dialects.Target) (dialects.Writer, error) {
	p, err := c.d.plan(t, c.v)
	if err != nil {
		return nil, err
	}
	w := &writer{c: c, p: p}
	for _, col := range t.Columns {
		w.kinds = append(w.kinds, col.Type.Kind)
		w.names = append(w.names, col.Name)
	}
	if p.stage != "" {
		w.copyIdent = pgx.Identifier{StageName(t.Table.Name)}
	} else if t.Table.Schema != "" {
		w.copyIdent = pgx.Identifier{t.Table.Schema, t.Table.Name}
	} else {
		w.copyIdent = pgx.Identifier{t.Table.Name}
	}
	if p.clear != "" {
		if err := c.Exec(ctx, p.clear); err != nil {
			return nil, fmt.Errorf("replace: empty %s: %w", t.Table, err)
		}
	}
	if p.stageDDL != "" {
		if err := c.Exec(ctx, p.stageDDL); err != nil {
			return nil, fmt.Errorf("create staging table for %s: %w", t.Table, err)
		}
	}
	return w, nil
}

// CheckRows implements dialects.RowChecker: text columns of the family
// cannot hold NUL bytes, and the connection speaks UTF-8; such rows would
// fail the whole COPY, so they are rejected one by one instead. Encode
// returns dialects.ErrCheckRows when it meets such a value.
func (w *writer) CheckRows(b *xcetl.Batch) {
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		for j, v := range row {
			s, ok := v.(string)
			if !ok {
				continue
			}
			if strings.IndexByte(s, 0) >= 0 {
				b.Reject(i, b.Schema.Columns[j].Name, "text contains a NUL byte (0x00), which "+w.c.d.cfg.Product+" cannot store")
				break
			}
			if !utf8.ValidString(s) {
				b.Reject(i, b.Schema.Columns[j].Name, "text is not valid UTF-8")
				break
			}
		}
	}
}

// Encode implements dialects.Writer.
func (w *writer) Encode(b *xcetl.Batch, rows []int) (any, error) {
	n := len(b.Rows)
	if rows != nil {
		n = len(rows)
	}
	if w.p.binary {
		return w.encodeBinary(b, rows, n)
	}
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	if want := int(w.hint.Load()); cap(buf) < want {
		buf = make([]byte, 0, want+want/8)
	}
	var err error
	storable := true
	for i := 0; i < n; i++ {
		r := i
		if rows != nil {
			r = rows[i]
		}
		row := b.Rows[r]
		if len(row) != len(w.kinds) {
			return nil, &dialects.RowError{Row: i, Err: fmt.Errorf("has %d values for %d columns", len(row), len(w.kinds))}
		}
		for j, v := range row {
			if j > 0 {
				buf = append(buf, '\t')
			}
			if s, ok := v.(string); ok {
				var good bool
				buf, good = appendEscapedChecked(buf, s)
				storable = storable && good
				continue
			}
			if buf, err = AppendCopyText(buf, v, w.kinds[j]); err != nil {
				return nil, &dialects.RowError{Row: i, Column: w.names[j], Err: err}
			}
		}
		buf = append(buf, '\n')
	}
	if !storable {
		*bp = buf
		bufPool.Put(bp)
		return nil, dialects.ErrCheckRows
	}
	w.hint.Store(int64(len(buf)))
	*bp = buf
	return &textPayload{buf: bp, rows: n}, nil
}

func (w *writer) encodeBinary(b *xcetl.Batch, rows []int, n int) (any, error) {
	out := make([][]any, n)
	for i := range out {
		r := i
		if rows != nil {
			r = rows[i]
		}
		src := b.Rows[r]
		if len(src) != len(w.kinds) {
			return nil, &dialects.RowError{Row: i, Err: fmt.Errorf("has %d values for %d columns", len(src), len(w.kinds))}
		}
		row := make([]any, len(src))
		for j, v := range src {
			if s, ok := v.(string); ok && (strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)) {
				return nil, dialects.ErrCheckRows
			}
			if d, ok := v.(xcetl.Decimal); ok {
				var num pgtype.Numeric
				if err := num.Scan(string(d)); err != nil {
					return nil, &dialects.RowError{Row: i, Column: w.names[j], Err: fmt.Errorf("decimal %q: %w", string(d), err)}
				}
				v = num
			}
			row[j] = v
		}
		out[i] = row
	}
	return &binaryPayload{rows: out}, nil
}

// Write implements dialects.Writer.
func (w *writer) Write(ctx context.Context, payload any) error {
	var err error
	switch p := payload.(type) {
	case *textPayload:
		if p.rows > 0 {
			_, err = w.c.pg.PgConn().CopyFrom(ctx, bytes.NewReader(*p.buf), w.p.copy)
		}
		bufPool.Put(p.buf)
		p.buf = nil
		if p.rows == 0 {
			return nil
		}
	case *binaryPayload:
		if len(p.rows) == 0 {
			return nil
		}
		_, err = w.c.pg.CopyFrom(ctx, w.copyIdent, w.names, pgx.CopyFromRows(p.rows))
	default:
		return fmt.Errorf("payload of type %T was not made by this writer", payload)
	}
	if err != nil {
		return w.c.wrap(copyError(err))
	}
	if w.p.upsert != "" {
		if err := w.c.Exec(ctx, w.p.upsert); err != nil {
			return fmt.Errorf("apply staged rows (%s): %w", w.c.v.Upsert, err)
		}
		if err := w.c.Exec(ctx, w.p.truncStage); err != nil {
			return fmt.Errorf("empty staging table: %w", err)
		}
	}
	return nil
}

// copyWhere finds the row and column of a COPY error in the server's
// context line: `COPY t, line 3, column name: "…"`.
var copyWhere = regexp.MustCompile(`COPY .*?, line (\d+)(?:, column ([^:]+))?`)

// copyError turns a COPY failure into a *dialects.RowError when the server
// says which line (= payload row) failed.
func copyError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return fmt.Errorf("copy: %w", err)
	}
	m := copyWhere.FindStringSubmatch(pe.Where)
	if m == nil {
		return fmt.Errorf("copy: %w", describeError(err))
	}
	line, convErr := strconv.Atoi(m[1])
	if convErr != nil || line < 1 {
		return fmt.Errorf("copy: %w", describeError(err))
	}
	return &dialects.RowError{Row: line - 1, Column: m[2], Err: describeError(err)}
}
