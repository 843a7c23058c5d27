package sql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/extract"
)

// Extractor is the `type: sql` source.
type Extractor struct {
	spec     Spec
	d        dialects.SourceDialect
	env      extract.Env
	log      *slog.Logger
	table    dialects.Table // zero for a query
	perBatch bool           // commit: batch: checkpoint the progress
	wm       *extract.Watermark

	// Set by Open.
	opened bool
	conn   dialects.SourceConn // the first session: catalog, plan, and reader 1 or the coordinator
	st     *dialects.SourceTable
	schema *xcetl.Schema
	reads  []dialects.ColumnRead
	names  []string     // the schema's names (RawHeader)
	from   string       // the FROM clause
	key    *orderKey    // chunking and resume; nil: one chunk, no order
	origin string       // Origin.File of every row
	total  atomic.Int64 // row estimate, for Progress
	done   atomic.Int64 // rows handed on
	resume *resumeState // what Resume found (nil: start afresh)

	// Set by the first Next.
	run     *runState
	closeMu sync.Mutex
	closed  bool
}

var (
	_ extract.Resumer    = (*Extractor)(nil)
	_ extract.Describer  = (*Extractor)(nil)
	_ extract.Progresser = (*Extractor)(nil)
)

// New builds the source from its checked spec.
func New(s *Spec, env extract.Env) (extract.Extractor, error) {
	d, ok := dialects.LookupSource(s.Driver)
	if !ok {
		return nil, fmt.Errorf("%w: sql source: driver %s is not in this binary", xcetl.ErrInvalid, s.Driver)
	}
	e := &Extractor{spec: *s, d: d, env: env, log: env.Logger, perBatch: env.CommitPerBatch}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if s.Table != "" {
		t, err := d.ParseTable(s.Table)
		if err != nil {
			return nil, fmt.Errorf("%w: sql source: table: %v", xcetl.ErrInvalid, err)
		}
		e.table = t
	}
	if s.Incremental != nil {
		e.wm = extract.NewWatermark(extract.Incremental{Column: s.Incremental.Column, Initial: s.Incremental.Initial, Inclusive: s.Incremental.Inclusive})
	}
	return e, nil
}

// what names the source in messages: the table, or "query".
func (e *Extractor) what() string {
	if e.spec.Table != "" {
		return "table " + e.table.String()
	}
	return "query"
}

// Describe implements extract.Describer.
func (e *Extractor) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sql %s %s, %s", e.spec.Driver, e.d.RedactDSN(e.spec.DSN.Reveal()), e.what())
	if e.spec.Where != "" {
		fmt.Fprintf(&b, " where %s", e.spec.Where)
	}
	if e.key != nil && e.key.chunk != nil {
		fmt.Fprintf(&b, ", chunks of %d rows by %s", e.chunkRows(), e.key.chunk.name)
	}
	fmt.Fprintf(&b, ", %d reader(s)", e.spec.Parallel)
	if e.spec.Parallel > 1 {
		fmt.Fprintf(&b, ", snapshot %s", e.spec.Snapshot)
	}
	if e.wm != nil {
		fmt.Fprintf(&b, ", incremental on %s", e.wm.Column())
	}
	return b.String()
}

func (e *Extractor) chunkRows() int {
	if e.spec.Chunk != nil && e.spec.Chunk.Rows > 0 {
		return e.spec.Chunk.Rows
	}
	return DefaultChunkRows
}

// Progress implements extract.Progresser: rows handed on out of the
// catalog's estimate.
func (e *Extractor) Progress() (done, total int64) { return e.done.Load(), e.total.Load() }

// Resumes implements extract.Resumer: with commit: batch (chunk progress)
// or incremental (the watermark).
func (e *Extractor) Resumes() bool { return e.perBatch || e.wm != nil }

// errorf prefixes errors with the source.
func (e *Extractor) errorf(format string, args ...any) error {
	return fmt.Errorf("sql source (%s): "+format, append([]any{e.what()}, args...)...)
}

// Open implements extract.Extractor: it connects, reads the catalog and
// maps the columns.
func (e *Extractor) Open(ctx context.Context) (*xcetl.Schema, error) {
	if e.opened {
		return e.schema, nil
	}
	conn, err := e.d.OpenSource(ctx, e.spec.DSN.Reveal(), dialects.SourceEnv{Logger: e.log, BaseDir: e.env.BaseDir})
	if err != nil {
		return nil, e.errorf("%w", err)
	}
	e.conn = conn
	if err := e.describe(ctx); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		e.conn = nil
		return nil, err
	}
	e.opened = true
	return e.schema, nil
}

// describe reads the columns, maps their types and picks the order key.
func (e *Extractor) describe(ctx context.Context) error {
	var cols []dialects.SourceColumn
	if e.spec.Table != "" {
		st, err := e.conn.DescribeSource(ctx, e.table)
		if err != nil {
			return e.errorf("%w", err)
		}
		if st == nil {
			return e.errorf("no such table in the source database (%s)", e.d.Product())
		}
		e.st, e.table = st, st.Table
		cols = st.Columns
		e.from = dialects.QualifiedSourceName(e.d, st.Table)
		e.origin = st.Table.String()
		e.total.Store(max(st.RowEstimate, 0))
		if n, ok := e.d.(dialects.SnapshotNoter); ok {
			if note := n.SnapshotNote(st); note != "" {
				e.log.Warn("sql source: "+note, "table", st.Table.String())
			}
		}
	} else {
		qc, err := e.conn.DescribeQuery(ctx, e.spec.Query)
		if err != nil {
			return e.errorf("read the query's columns: %w", err)
		}
		cols = qc
		e.from = e.d.Subquery(e.spec.Query)
		e.origin = "query"
	}
	cols, err := e.pick(cols)
	if err != nil {
		return err
	}
	e.schema = &xcetl.Schema{Columns: make([]xcetl.Column, len(cols))}
	e.reads = make([]dialects.ColumnRead, len(cols))
	zero := dialects.ZeroDateReject
	if e.spec.ZeroDates == "null" {
		zero = dialects.ZeroDateNull
	}
	var errs []error
	for i, c := range cols {
		ov, err := e.spec.override(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r, err := e.d.ReadColumn(e.table, c, dialects.ReadOptions{Override: ov, ZeroDates: zero})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.reads[i] = r
		e.schema.Columns[i] = xcetl.Column{Name: c.Name, Type: r.Type, Nullable: c.Nullable || zero == dialects.ZeroDateNull && isDate(r.Type), Source: i}
	}
	if len(errs) > 0 {
		return e.errorf("%w", errors.Join(errs...))
	}
	e.names = e.schema.Names()
	if err := e.pickKey(cols); err != nil {
		return err
	}
	return e.incremental()
}

func isDate(t xcetl.Type) bool {
	return t.Kind == xcetl.KindDate || t.Kind == xcetl.KindTimestamp || t.Kind == xcetl.KindTimestampTZ
}

// pick applies `columns:` to the catalog's columns.
func (e *Extractor) pick(all []dialects.SourceColumn) ([]dialects.SourceColumn, error) {
	if len(e.spec.Columns) == 0 {
		return all, nil
	}
	byName := map[string]dialects.SourceColumn{}
	var names []string
	for _, c := range all {
		byName[c.Name] = c
		names = append(names, c.Name)
	}
	out := make([]dialects.SourceColumn, 0, len(e.spec.Columns))
	for _, n := range e.spec.Columns {
		c, ok := byName[n]
		if !ok {
			return nil, e.errorf("has no column %q%s; columns: %s", n, xcetl.DidYouMean(n, names), strings.Join(names, ", "))
		}
		out = append(out, c)
	}
	return out, nil
}

// Close implements extract.Extractor.
func (e *Extractor) Close() error {
	e.closeMu.Lock()
	defer e.closeMu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	var err error
	if e.run != nil {
		err = e.run.stop()
	}
	if e.conn != nil {
		err = errors.Join(err, e.conn.Close(context.Background()))
		e.conn = nil
	}
	if err != nil {
		// The sessions only read: a failure to end them (a connection the
		// cancelled readers left broken) loses nothing, and must not fail
		// a run whose rows were committed.
		e.log.Warn("sql source: closing the source sessions", "error", err.Error())
	}
	return nil
}
