package pgfamily

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// writer loads batches of one run through COPY.
type writer struct {
	s     session
	v     Variant
	p     *plan
	kinds []xcetl.Kind
	names []string
	// encs holds one binary encoder per column when the run uses binary
	// COPY (nil for text).
	encs []binEncoder
	// hint is the size of the last payload, so that the next buffer is
	// allocated once at about the right size.
	hint atomic.Int64
	// numeric marks text columns loaded into numeric table columns that
	// must be checked before the server sees them ('i' integer, 'n' any
	// number; nil: no check, see Variant.StrictNumericText).
	numeric []byte
	// guard is the version guard of mode cdc (nil without); each row has
	// the key's hash and the version after the columns.
	guard        *dialects.VersionGuard
	guardSkipped int64
	guardTook    time.Duration

	// A deferred run's held work (stream.go); set only when the target
	// has Defer. seq counts the payloads given to Write.
	deferred bool
	stream   *copyStream
	staged   int
	seq      int
}

// copyPayload is a batch encoded in the run's COPY format: a COPY data
// stream in buf or, for sessions whose driver takes COPY rows as statement
// arguments (session.rowValues), rows × width values in vals.
type copyPayload struct {
	buf   *[]byte
	vals  []any
	width int
	rows  int
}

var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// session is what a writer needs from its connection: pgx (conn) or
// database/sql (sqlConn).
type session interface {
	dialect() *Dialect
	variant() Variant
	logger() *slog.Logger
	Exec(ctx context.Context, sql string, args ...any) error
	Query(ctx context.Context, sql string, args ...any) ([][]any, error)
	wrap(err error) error
	// rowValues reports that the driver takes COPY rows as arguments of
	// a prepared COPY statement (lib/pq and its forks) rather than as a
	// COPY data stream: Encode then makes text values, not the stream.
	rowValues() bool
	// copyFrom runs the COPY statement sql with the payload's rows.
	copyFrom(ctx context.Context, sql string, p *copyPayload) error
	// hold makes w the writer whose held work the session settles
	// around its own statements (holder).
	hold(w *writer)
}

func (c *conn) dialect() *Dialect    { return c.d }
func (c *conn) variant() Variant     { return c.v }
func (c *conn) logger() *slog.Logger { return c.log }
func (c *conn) rowValues() bool      { return false }

func (c *conn) copyFrom(ctx context.Context, sql string, p *copyPayload) error {
	_, err := c.pg.PgConn().CopyFrom(ctx, bytes.NewReader(*p.buf), sql)
	return err
}

// NewWriter implements dialects.Conn.
func (c *conn) NewWriter(ctx context.Context, t dialects.Target) (dialects.Writer, error) {
	return newWriter(ctx, c, t)
}

func newWriter(ctx context.Context, c session, t dialects.Target) (dialects.Writer, error) {
	v := c.variant()
	p, err := c.dialect().plan(t, v)
	if err != nil {
		return nil, err
	}
	w := &writer{s: c, v: v, p: p, guard: t.Guard, deferred: p.deferred}
	cols := t.Columns
	if t.Guard != nil {
		if c.rowValues() {
			return nil, fmt.Errorf("%s: the version guard needs a pgx connection", c.dialect().cfg.Name)
		}
		cols = append(cols[:len(cols):len(cols)],
			dialects.Column{Name: GuardHashColumn, Type: xcetl.Type{Kind: xcetl.KindBytes}, Nullable: true, Base: "bytea"},
			dialects.Column{Name: GuardVersionColumn, Type: xcetl.Type{Kind: xcetl.KindBytes}, Nullable: true, Base: "bytea"})
	}
	for _, col := range cols {
		w.kinds = append(w.kinds, col.Type.Kind)
		w.names = append(w.names, col.Name)
	}
	if v.StrictNumericText != "" {
		for j, col := range t.Columns {
			if col.Type.Kind != xcetl.KindString {
				continue
			}
			var kind byte
			switch col.Base {
			case "int2", "int4", "int8", "int1", "tinyint", "smallint", "integer", "bigint":
				kind = 'i'
			case "numeric", "float4", "float8", "decimal":
				kind = 'n'
			}
			if kind != 0 {
				if w.numeric == nil {
					w.numeric = make([]byte, len(cols))
				}
				w.numeric[j] = kind
			}
		}
	}
	if p.binary && c.rowValues() {
		// The driver encodes COPY rows itself, in text format.
		if p.format == "binary" {
			return nil, fmt.Errorf("copy_format binary: the database/sql driver %q sends COPY rows in text format only; use copy_format: text", c.dialect().cfg.SQLDriver)
		}
		p.binary = false
		p.copy = p.textCopy
	}
	if p.binary {
		encs, bad, ok := binaryEncoders(cols)
		switch {
		case ok:
			w.encs = encs
		case p.format == "binary":
			return nil, fmt.Errorf("copy_format binary: column %s has no binary encoding in xcetl; use copy_format: text", bad)
		default:
			// auto: the server parses text for this table.
			p.binary = false
			p.copy = p.textCopy
			c.logger().Info("copy: text format, a column has no binary encoding", "column", bad)
		}
	}
	if p.clear != "" {
		if err := c.Exec(ctx, p.clear); err != nil {
			return nil, fmt.Errorf("replace: empty %s: %w", t.Table, err)
		}
	}
	if p.swap != nil {
		if err := w.prepareSwap(ctx, t); err != nil {
			return nil, err
		}
	}
	if p.stageDDL != "" {
		if err := c.Exec(ctx, p.stageDDL); err != nil {
			return nil, fmt.Errorf("create staging table for %s: %w", t.Table, err)
		}
	}
	if w.deferred {
		c.hold(w)
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
				b.Reject(i, b.Schema.Columns[j].Name, "text contains a NUL byte (0x00), which "+w.s.dialect().cfg.Product+" cannot store")
				break
			}
			if w.numeric != nil && w.numeric[j] != 0 && !numericText(s, w.numeric[j]) {
				b.Reject(i, b.Schema.Columns[j].Name, fmt.Sprintf("%q is not a number for numeric column %s; %s", s, w.names[j], w.v.StrictNumericText))
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
	if w.encs != nil {
		return w.encodeBinary(b, rows, n)
	}
	if w.s.rowValues() {
		return w.encodeValues(b, rows, n)
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
				if w.numeric != nil && w.numeric[j] != 0 && !numericText(s, w.numeric[j]) {
					storable = false
				}
				continue
			}
			if buf, err = AppendCopyText(buf, v, w.kinds[j]); err != nil {
				return nil, &dialects.RowError{Row: i, Column: w.names[j], Err: err}
			}
		}
		if w.p.cdc {
			buf = append(buf, '\t', opCode(b, r))
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
	return &copyPayload{buf: bp, rows: n}, nil
}

func (w *writer) encodeBinary(b *xcetl.Batch, rows []int, n int) (any, error) {
	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	if want := int(w.hint.Load()); cap(buf) < want {
		buf = make([]byte, 0, want+want/8)
	}
	buf = append(buf, binaryHeader...)
	fields := uint16(len(w.encs))
	if w.p.cdc {
		fields++
	}
	var err error
	for i := 0; i < n; i++ {
		r := i
		if rows != nil {
			r = rows[i]
		}
		row := b.Rows[r]
		if len(row) != len(w.encs) {
			return nil, &dialects.RowError{Row: i, Err: fmt.Errorf("has %d values for %d columns", len(row), len(w.encs))}
		}
		buf = binary.BigEndian.AppendUint16(buf, fields)
		for j, v := range row {
			if v == nil {
				buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1: NULL
				continue
			}
			if s, ok := v.(string); ok && !storable(s) {
				*bp = buf
				bufPool.Put(bp)
				return nil, dialects.ErrCheckRows
			}
			at := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			if buf, err = w.encs[j](buf, v); err != nil {
				*bp = buf
				bufPool.Put(bp)
				return nil, &dialects.RowError{Row: i, Column: w.names[j], Err: err}
			}
			binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
		}
		if w.p.cdc {
			buf = binary.BigEndian.AppendUint32(buf, 1)
			buf = append(buf, opCode(b, r))
		}
	}
	buf = binary.BigEndian.AppendUint16(buf, math.MaxUint16) // -1: end of data
	w.hint.Store(int64(len(buf)))
	*bp = buf
	return &copyPayload{buf: bp, rows: n}, nil
}

// Write implements dialects.Writer.
func (w *writer) Write(ctx context.Context, payload any) error {
	p, ok := payload.(*copyPayload)
	if !ok {
		return fmt.Errorf("payload of type %T was not made by this writer", payload)
	}
	w.seq++
	defer func() {
		if p.buf != nil {
			bufPool.Put(p.buf)
		}
		p.buf, p.vals = nil, nil
	}()
	if p.rows == 0 {
		return nil
	}
	if w.deferred {
		// Held back until Flush (stream.go).
		if cs, ok := w.s.(copyStreamer); ok && p.buf != nil {
			if err := w.streamPayload(ctx, cs, p, w.seq); err != nil {
				return err
			}
		} else if err := w.s.copyFrom(ctx, w.p.copy, p); err != nil {
			return w.s.wrap(copyError(err))
		}
		w.staged += p.rows
		return nil
	}
	if err := w.s.copyFrom(ctx, w.p.copy, p); err != nil {
		return w.s.wrap(copyError(err))
	}
	if w.p.guard != "" {
		if err := w.runGuard(ctx); err != nil {
			return err
		}
	}
	if w.p.delete != "" {
		if err := w.s.Exec(ctx, w.p.delete); err != nil {
			return fmt.Errorf("apply staged deletes: %w", err)
		}
	}
	if w.p.upsert != "" {
		return w.apply(ctx)
	}
	return nil
}

// numericText reports whether s is an integer (kind 'i') or a number
// (kind 'n') as PostgreSQL's input functions take it, surrounding spaces
// allowed.
func numericText(s string, kind byte) bool {
	s = strings.TrimSpace(s)
	if kind == 'i' {
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		var ne *strconv.NumError
		// Out of float64's range is still a number for numeric.
		return errors.As(err, &ne) && ne.Err == strconv.ErrRange
	}
	return !strings.ContainsAny(s, "xXpP_") && !strings.EqualFold(s, "inf") && !strings.EqualFold(s, "infinity") && !strings.EqualFold(s, "+inf") && !strings.EqualFold(s, "-inf")
}

// opCode is the staging table's op value of batch row r in mode cdc.
func opCode(b *xcetl.Batch, r int) byte {
	if b.Ops != nil && b.Ops[r] == xcetl.OpDelete {
		return 'd'
	}
	return 'u'
}

// copyWhere finds the row and column of a COPY error in the server's
// context line: `COPY t, line 3, column name: "…"`.
var copyWhere = regexp.MustCompile(`COPY .*?, line (\d+)(?:, column ([^:]+))?`)

// copyError turns a COPY failure into a *dialects.RowError when the server
// says which line (= payload row) failed.
func copyError(err error) error {
	pe := pgError(err)
	if pe == nil {
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
