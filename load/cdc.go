package load

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
	"github.com/xcetl/xcetl/dialects"
)

// CDC is the loader of `mode: cdc`. When the source sends change events
// (package change; load.Env.Changes) it routes every event to its table:
// one connection, one transaction per batch holding the changes of every
// table, the source's checkpoints, the truncates and the per-key versions.
// For any other batch with operations (b.Ops) it is the SQL loader in mode
// cdc for the one target table.
//
// The files of the routed loader, one job each:
//
//	cdc.go          the lifecycle: Open, Prepare, Write (one transaction per batch), stats
//	cdc_table.go    a target table of the run: catalog, key, the writer's columns
//	cdc_rows.go     the events of one table as typed rows (values converted by cast.Converter)
//	cdc_versions.go the version table and the per-key guard (the dialect's, or the loader's)
//	cdc_fence.go    the offset fence and truncates, in the batch's transaction
//	cdc_explain.go  the statements of a run, for `xcetl explain`
type CDC struct {
	*SQL

	routed bool
	tables map[string]*cdcTable // by change.Event.Table
	vt     *versionTable        // nil with versions: false
	fence  fenceSQL

	applied, stale, truncates atomic.Int64
	applyNanos                atomic.Int64 // the last batch
	totalNanos                atomic.Int64 // every batch: apply and commit
	keepNanos                 atomic.Int64 // every batch: offsets and versions (the bookkeeping)
}

var (
	_ Loader      = (*CDC)(nil)
	_ StateKeeper = (*CDC)(nil)
)

// newCDC wraps the SQL loader of a `mode: cdc` target. A change stream has
// no end, so every batch is its own transaction (commit: batch).
func newCDC(l *SQL) *CDC {
	l.s.perBatch = true
	return &CDC{SQL: l, routed: l.env.Changes}
}

// cdcPayload is what Prepare leaves in a routed batch's Payload.
type cdcPayload struct {
	events []*change.Event
	hashes [][]byte // per event, with versions on: change.KeyHash
}

// Open implements Loader.
func (l *CDC) Open(ctx context.Context, schema *xcetl.Schema) error {
	if !l.routed {
		return l.SQL.Open(ctx, schema)
	}
	l.schema = schema
	l.tables = map[string]*cdcTable{}
	if err := l.Preflight(); err != nil {
		return err
	}
	conn, err := l.connect(ctx)
	if err != nil {
		return l.errorf("%w", err)
	}
	l.conn = conn
	if l.env.State {
		if err := l.ensureStateTable(ctx); err != nil {
			return err
		}
	}
	if l.env.Versions {
		l.vt = newVersionTable(l.SQL)
		if err := l.vt.open(ctx); err != nil {
			return err
		}
	}
	// The target's own table must exist and hold the key, so that a wrong
	// pipeline fails now rather than at the first event.
	info, _, err := l.resolveTable(ctx)
	if err != nil {
		return err
	}
	if info == nil {
		return l.errorf("table does not exist; mode cdc applies changes to existing tables (xcetl does not guess a table from change events): create it first")
	}
	for _, k := range l.s.key {
		if matchColumn(l.d, k, info.Columns) < 0 {
			return l.errorf("key column %q is not a column of the table", k)
		}
	}
	return nil
}

// Prepare implements Loader: it takes the events back from the batch's
// rows (after the transforms) and hashes their keys for the version
// table, on the engine's workers. Rows are typed and written in Write,
// where the catalog of a table that appears first can be read.
func (l *CDC) Prepare(b *xcetl.Batch) error {
	if !l.routed {
		return l.SQL.Prepare(b)
	}
	events, err := change.Events(b)
	if err != nil {
		return l.errorf("%w", err)
	}
	p := &cdcPayload{events: events}
	if l.vt != nil {
		p.hashes = make([][]byte, len(events))
		all := make([]byte, len(events)*change.KeyHashSize)
		for i, e := range events {
			h := change.KeyHash(l.env.Pipeline, e.Table, e.Key)
			p.hashes[i] = all[i*change.KeyHashSize : (i+1)*change.KeyHashSize : (i+1)*change.KeyHashSize]
			copy(p.hashes[i], h[:])
		}
	}
	b.Payload = p
	return nil
}

// Write implements Loader: the batch in one transaction.
func (l *CDC) Write(ctx context.Context, b *xcetl.Batch) (bool, error) {
	if !l.routed {
		return l.SQL.Write(ctx, b)
	}
	start := time.Now()
	l.batches++
	p, ok := b.Payload.(*cdcPayload)
	if !ok {
		if err := l.Prepare(b); err != nil {
			return false, err
		}
		p = b.Payload.(*cdcPayload)
	}
	b.Payload = nil
	cps, truncs := splitActions(b.Checkpoints)
	groups, order := groupByTable(p.events)
	// Writers (and their staging tables) are made outside the batch's
	// transaction: a rolled-back batch must not take them along.
	for _, name := range append(truncs, order...) {
		if err := l.ensureTable(ctx, name, eventsAt(p, groups[name])); err != nil {
			return false, err
		}
	}
	subs := make([]*cdcSub, 0, len(order))
	for _, name := range order {
		sub, err := l.tables[name].build(l, p, groups[name])
		if err != nil {
			return false, err
		}
		subs = append(subs, sub)
	}
	if err := l.conn.Begin(ctx); err != nil {
		return false, l.errorf("batch %d: begin: %w", l.batches, err)
	}
	n, err := l.apply(ctx, cps, truncs, subs)
	if err != nil {
		if rbErr := l.conn.Rollback(context.WithoutCancel(ctx)); rbErr != nil {
			err = errors.Join(err, l.errorf("batch %d: rollback: %w", l.batches, rbErr))
		}
		return false, err
	}
	if err := l.conn.Commit(ctx); err != nil {
		return false, l.errorf("batch %d: commit: %w", l.batches, err)
	}
	l.applied.Add(int64(n))
	l.truncates.Add(int64(len(truncs)))
	took := time.Since(start)
	l.applyNanos.Store(int64(took))
	l.totalNanos.Add(int64(took))
	if l.vt != nil {
		l.vt.analyze(ctx)
	}
	return true, nil
}

// apply writes the batch in the open transaction — the fence first, then
// the truncates, each table's changes (guarded by the versions) and the
// checkpoints — and returns the number of events applied.
func (l *CDC) apply(ctx context.Context, cps []xcetl.Checkpoint, truncs []string, subs []*cdcSub) (int, error) {
	t0 := time.Now()
	cps, err := l.checkFence(ctx, cps)
	l.keepNanos.Add(int64(time.Since(t0)))
	if err != nil {
		return 0, err
	}
	for _, name := range truncs {
		if err := l.truncate(ctx, l.tables[name]); err != nil {
			return 0, err
		}
	}
	applied := 0
	for _, sub := range subs {
		n, err := l.applySub(ctx, sub)
		if err != nil {
			return 0, err
		}
		applied += n
	}
	t0 = time.Now()
	defer func() { l.keepNanos.Add(int64(time.Since(t0))) }()
	if err := l.saveCheckpoints(ctx, cps); err != nil {
		return 0, err
	}
	return applied, nil
}

// applySub writes one table's part of the batch and returns the number of
// events applied.
func (l *CDC) applySub(ctx context.Context, sub *cdcSub) (int, error) {
	t := sub.t
	if l.vt != nil && !t.guarded && len(sub.rows) > 0 {
		t0 := time.Now()
		skipped, err := l.vt.filter(ctx, sub)
		l.keepNanos.Add(int64(time.Since(t0)))
		if err != nil {
			return 0, l.errorf("batch %d table %s: %w", l.batches, t.name, err)
		}
		l.stale.Add(int64(skipped))
	}
	if len(sub.rows) == 0 {
		return 0, nil
	}
	sb := &xcetl.Batch{Schema: t.schema, Rows: sub.rows, Ops: sub.ops}
	rows := lastOfEachKey(sb.Rows, t.keyIdx)
	data, err := t.w.Encode(sb, rows)
	if errors.Is(err, dialects.ErrCheckRows) {
		return 0, l.errorf("batch %d table %s: a value cannot be stored (text with a NUL byte or invalid UTF-8)", l.batches, t.name)
	}
	if err != nil {
		return 0, l.subError(sub, rows, err)
	}
	if err := t.w.Write(ctx, data); err != nil {
		return 0, l.subError(sub, rows, err)
	}
	n := len(sb.Rows)
	if rows != nil {
		n = len(rows)
	}
	if gr, ok := t.w.(dialects.GuardReporter); ok && t.guarded {
		skipped, took := gr.LastGuard()
		l.stale.Add(skipped)
		l.keepNanos.Add(int64(took))
		n -= int(skipped)
	}
	if l.vt != nil && !t.guarded {
		t0 := time.Now()
		err := l.vt.save(ctx, sub, rows)
		l.keepNanos.Add(int64(time.Since(t0)))
		if err != nil {
			return 0, l.errorf("batch %d table %s: %w", l.batches, t.name, err)
		}
	}
	return n, nil
}

// subError names the event behind a writer's row error.
func (l *CDC) subError(sub *cdcSub, rows []int, err error) error {
	var re *dialects.RowError
	if errors.As(err, &re) {
		r := re.Row
		if rows != nil && r >= 0 && r < len(rows) {
			r = rows[r]
		}
		if r >= 0 && r < len(sub.events) {
			where := " (" + origin(sub.events[r]) + ")"
			if re.Column != "" {
				return l.errorf("batch %d table %s event%s: column %q: %w", l.batches, sub.t.name, where, re.Column, re.Err)
			}
			return l.errorf("batch %d table %s event%s: %w", l.batches, sub.t.name, where, re.Err)
		}
	}
	return l.errorf("batch %d table %s: %w", l.batches, sub.t.name, err)
}

// origin names an event for messages: "kafka:<topic>/<partition>@<offset>".
func origin(e *change.Event) string {
	return fmt.Sprintf("kafka:%s/%d@%d", e.Meta.Topic, e.Meta.Partition, e.Meta.Offset)
}

// groupByTable splits the events by their table, in order of first
// appearance.
func groupByTable(events []*change.Event) (map[string][]int, []string) {
	groups := map[string][]int{}
	var order []string
	for i, e := range events {
		if _, ok := groups[e.Table]; !ok {
			order = append(order, e.Table)
		}
		groups[e.Table] = append(groups[e.Table], i)
	}
	return groups, order
}

// Stats implements xcetl.Statser.
func (l *CDC) Stats() []xcetl.Stat {
	return []xcetl.Stat{
		{Name: "cdc_events_applied", Help: "change events applied to the target tables", Kind: xcetl.Counter, Value: float64(l.applied.Load())},
		{Name: "cdc_stale_skipped", Help: "events skipped because the key's stored version was the same or newer", Kind: xcetl.Counter, Value: float64(l.stale.Load())},
		{Name: "cdc_truncates_applied", Help: "truncate events applied (truncate: apply)", Kind: xcetl.Counter, Value: float64(l.truncates.Load())},
		{Name: "cdc_apply_seconds", Help: "time the last batch took to apply and commit", Kind: xcetl.Gauge, Value: time.Duration(l.applyNanos.Load()).Seconds()},
		{Name: "cdc_apply_seconds_total", Help: "time spent applying and committing batches", Kind: xcetl.Counter, Value: time.Duration(l.totalNanos.Load()).Seconds()},
		{Name: "cdc_bookkeeping_seconds_total", Help: "part of the apply time spent on the bookkeeping: the offsets' fence and checkpoints, and the per-key version guard", Kind: xcetl.Counter, Value: time.Duration(l.keepNanos.Load()).Seconds()},
	}
}

// ReadCheckpoints implements StateKeeper (also for routed runs).
func (l *CDC) ReadCheckpoints(ctx context.Context, prefix string) (map[string][]byte, error) {
	return l.SQL.ReadCheckpoints(ctx, prefix)
}
