package load

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/transform/cdc"
)

// CDC is the loader of `mode: cdc`. For batches laid out as change events
// (the columns _table, _key, _row of package transform/cdc, as the kafka
// source makes them) it routes every event to its table: one connection,
// one transaction per batch holding the changes of every table, the
// source's checkpoints and the per-key versions. For any other batch with
// operations (b.Ops) it is the SQL loader in mode cdc for the one target
// table.
//
// A run has one schema, but the tables of a change stream each have their
// own columns; so the event's fields travel in _row (and, for fields the
// source was told to expose to transforms, in columns of their own) and
// are matched, here, to the columns of each target table, found in the
// catalog, which also types them: Canal's strings become the integers,
// decimals and timestamps the target holds.
//
// Per table, the writer's columns are the target columns the first full
// row image names; a later event that names a target column outside them,
// or a field the target does not have, fails the run with the column's
// name (the source table changed: change the target, then restart).
type CDC struct {
	*SQL

	routed bool
	col    struct{ table, key, version, row int }
	exp    map[string]int // exposed column name → position in the schema
	tables map[string]*cdcTable
	ver    *versionStore

	applied, stale atomic.Int64
	applyNanos     atomic.Int64 // the last batch
	totalNanos     atomic.Int64 // every batch: apply and commit
	keepNanos      atomic.Int64 // every batch: offsets and versions (the bookkeeping)
}

var (
	_ Loader      = (*CDC)(nil)
	_ StateKeeper = (*CDC)(nil)
)

// newCDC wraps the SQL loader of a `mode: cdc` target. A change stream has
// no end, so every batch is its own transaction (commit: batch).
func newCDC(l *SQL) *CDC {
	l.s.perBatch = true
	return &CDC{SQL: l}
}

// isEventSchema reports whether schema is the layout of transform/cdc.
func isEventSchema(s *xcetl.Schema) bool {
	return s != nil && s.Index(cdc.ColTable) >= 0 && s.Index(cdc.ColKey) >= 0 && s.Index(cdc.ColRow) >= 0
}

// Explain implements Explainer.
func (l *CDC) Explain(schema *xcetl.Schema) ([]Statement, error) {
	if !isEventSchema(schema) {
		return l.SQL.Explain(schema)
	}
	out, err := l.explainState()
	if err != nil {
		return nil, err
	}
	t := l.foldTable()
	info := l.mainInfoGuess()
	tgt, err := l.cdcTarget(t, info, info.PrimaryKey)
	if err != nil {
		return nil, err
	}
	stmts, err := l.d.Explain(tgt)
	if err != nil {
		return nil, l.errorf("%w", err)
	}
	out = append(out, Statement{When: "per batch (each batch is one transaction for every table it changes)", SQL: "BEGIN"})
	if schema.Index(cdc.ColVersion) >= 0 {
		vs := newVersionStore(l.SQL)
		sel, err := vs.selectSQL(1)
		if err != nil {
			return nil, err
		}
		out = append(out, Statement{When: "per batch and table: the stored versions of the batch's keys (events at or below them are skipped)", SQL: sel})
	}
	for _, s := range stmts {
		out = append(out, Statement{When: s.When + " (for each table the events name; shown for " + t.String() + ")", SQL: s.SQL})
	}
	if schema.Index(cdc.ColVersion) >= 0 {
		out = append(out, Statement{When: "per batch: the applied keys' versions are upserted into " + versionsTableName, SQL: "(upsert into " + versionsTableName + " by pipeline, table_name, row_key)"})
	}
	out = append(out, Statement{When: "per batch, last (ROLLBACK instead if the batch fails)", SQL: "COMMIT"})
	return out, nil
}

// mainInfoGuess describes the target table for explain, without a
// connection: its key columns only.
func (l *CDC) mainInfoGuess() *dialects.TableInfo {
	info := &dialects.TableInfo{}
	for _, k := range l.s.key {
		info.Columns = append(info.Columns, dialects.CatalogColumn{Name: l.d.Fold(k), Type: "?"})
		info.PrimaryKey = append(info.PrimaryKey, l.d.Fold(k))
	}
	// The columns come from the catalog and the events at run time; one
	// stand-in shows where they go in the statements.
	info.Columns = append(info.Columns, dialects.CatalogColumn{Name: "<other columns>", Type: "?", Nullable: true})
	return info
}

// Open implements Loader.
func (l *CDC) Open(ctx context.Context, schema *xcetl.Schema) error {
	if !isEventSchema(schema) {
		return l.SQL.Open(ctx, schema)
	}
	l.routed = true
	l.schema = schema
	l.col.table, l.col.key, l.col.version, l.col.row = schema.Index(cdc.ColTable), schema.Index(cdc.ColKey), schema.Index(cdc.ColVersion), schema.Index(cdc.ColRow)
	l.exp = map[string]int{}
	for j, c := range schema.Columns {
		switch c.Name {
		case cdc.ColTable, cdc.ColKey, cdc.ColVersion, cdc.ColRow:
		default:
			l.exp[c.Name] = j
		}
	}
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
	if l.col.version >= 0 {
		l.ver = newVersionStore(l.SQL)
		if err := l.ver.open(ctx); err != nil {
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

// Prepare implements Loader. Routed batches are typed and written in
// Write (the catalog of a table the batch names first is read on the
// connection, which only Write may use).
func (l *CDC) Prepare(b *xcetl.Batch) error {
	if !l.routed {
		return l.SQL.Prepare(b)
	}
	if b.Ops != nil && len(b.Ops) != len(b.Rows) {
		return l.errorf("batch has %d operations for %d rows", len(b.Ops), len(b.Rows))
	}
	return nil
}

// Write implements Loader.
func (l *CDC) Write(ctx context.Context, b *xcetl.Batch) (bool, error) {
	if !l.routed {
		return l.SQL.Write(ctx, b)
	}
	start := time.Now()
	l.batches++
	groups, order, err := l.group(b)
	if err != nil {
		return false, err
	}
	// Writers (and their staging tables) are made outside the batch's
	// transaction: a rolled-back batch must not take them along.
	for _, name := range order {
		if err := l.ensureTable(ctx, name, b, groups[name]); err != nil {
			return false, err
		}
	}
	subs := make([]*cdcSub, 0, len(order))
	for _, name := range order {
		sub, err := l.tables[name].build(l, b, groups[name])
		if err != nil {
			return false, err
		}
		subs = append(subs, sub)
	}
	if err := l.conn.Begin(ctx); err != nil {
		return false, l.errorf("batch %d: begin: %w", l.batches, err)
	}
	n, err := l.apply(ctx, b, subs)
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
	l.applyNanos.Store(int64(time.Since(start)))
	l.totalNanos.Add(int64(time.Since(start)))
	if l.ver != nil {
		l.ver.analyze(ctx)
	}
	return true, nil
}

// apply writes the batch's changes, versions and checkpoints in the open
// transaction and returns the number of events applied.
func (l *CDC) apply(ctx context.Context, b *xcetl.Batch, subs []*cdcSub) (int, error) {
	applied := 0
	var vrows [][]any
	for _, sub := range subs {
		if l.ver != nil && len(sub.rows) > 0 {
			t0 := time.Now()
			skipped, err := l.ver.filter(ctx, sub)
			l.keepNanos.Add(int64(time.Since(t0)))
			if err != nil {
				return 0, l.errorf("batch %d: %w", l.batches, err)
			}
			l.stale.Add(int64(skipped))
		}
		if len(sub.rows) == 0 {
			continue
		}
		t := sub.t
		sb := &xcetl.Batch{Schema: t.schema, Rows: sub.rows, Ops: sub.ops}
		rows := lastOfEachKey(sb.Rows, t.keyIdx)
		data, err := t.w.Encode(sb, rows)
		if errors.Is(err, dialects.ErrCheckRows) {
			return 0, l.errorf("batch %d table %s: a value cannot be stored (text with a NUL byte or invalid UTF-8)", l.batches, t.name)
		}
		if err != nil {
			return 0, l.subError(b, sub, rows, t, err)
		}
		if err := t.w.Write(ctx, data); err != nil {
			return 0, l.subError(b, sub, rows, t, err)
		}
		if rows == nil {
			applied += len(sb.Rows)
		} else {
			applied += len(rows)
		}
		if l.ver != nil {
			vrows = append(vrows, sub.versionRows(l.env.Pipeline, t.label)...)
		}
	}
	t0 := time.Now()
	defer func() { l.keepNanos.Add(int64(time.Since(t0))) }()
	cps, err := l.fence(ctx, b.Checkpoints)
	if err != nil {
		return 0, err
	}
	if len(vrows) > 0 {
		if err := l.ver.save(ctx, vrows); err != nil {
			return 0, l.errorf("batch %d: %w", l.batches, err)
		}
	}
	if err := l.saveCheckpoints(ctx, cps); err != nil {
		return 0, err
	}
	return applied, nil
}

// fence checks the batch's fences (cdc.FencePrefix) against the stored
// checkpoints, in the batch's transaction, and returns the checkpoints to
// store.
func (l *CDC) fence(ctx context.Context, cps []xcetl.Checkpoint) ([]xcetl.Checkpoint, error) {
	var fences []xcetl.Checkpoint
	out := cps[:0:0]
	for _, cp := range cps {
		if strings.HasPrefix(cp.Key, cdc.FencePrefix) {
			fences = append(fences, cp)
			continue
		}
		out = append(out, cp)
	}
	if len(fences) == 0 || !l.env.State {
		return out, nil
	}
	stored, err := l.SQL.ReadCheckpoints(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, f := range fences {
		key := strings.TrimPrefix(f.Key, cdc.FencePrefix)
		v, ok := stored[key]
		if !ok {
			continue
		}
		have, err1 := strconv.ParseInt(string(v), 10, 64)
		want, err2 := strconv.ParseInt(string(f.Value), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, l.errorf("batch %d: checkpoint %s: stored %q, batch starts at %q: not offsets", l.batches, key, v, f.Value)
		}
		if have > want {
			return nil, l.errorf("batch %d: %s: the target already holds the events up to offset %d, but this batch starts at %d: another consumer of the group applied this partition meanwhile (a rebalance); the batch is rolled back, and a new run continues from the target's offsets", l.batches, key, have, want)
		}
	}
	return out, nil
}

// subError names the event behind a writer's row error.
func (l *CDC) subError(b *xcetl.Batch, sub *cdcSub, rows []int, t *cdcTable, err error) error {
	var re *dialects.RowError
	if errors.As(err, &re) {
		r := re.Row
		if rows != nil && r >= 0 && r < len(rows) {
			r = rows[r]
		}
		if r >= 0 && r < len(sub.from) {
			where := ""
			if i := sub.from[r]; i < len(b.Origin) {
				where = " (" + b.Origin[i].String() + ")"
			}
			if re.Column != "" {
				return l.errorf("batch %d table %s event%s: column %q: %w", l.batches, t.name, where, re.Column, re.Err)
			}
			return l.errorf("batch %d table %s event%s: %w", l.batches, t.name, where, re.Err)
		}
	}
	return l.errorf("batch %d table %s: %w", l.batches, t.name, err)
}

// group splits the batch's rows by their _table, in order of first
// appearance.
func (l *CDC) group(b *xcetl.Batch) (map[string][]int, []string, error) {
	groups := map[string][]int{}
	var order []string
	for i, row := range b.Rows {
		if len(row) != len(l.schema.Columns) {
			return nil, nil, l.errorf("row %d has %d values for %d columns", i+1, len(row), len(l.schema.Columns))
		}
		name, _ := row[l.col.table].(string)
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], i)
	}
	return groups, order, nil
}

// Stats implements xcetl.Statser.
func (l *CDC) Stats() []xcetl.Stat {
	return []xcetl.Stat{
		{Name: "cdc_events_applied", Help: "change events applied to the target tables", Kind: xcetl.Counter, Value: float64(l.applied.Load())},
		{Name: "cdc_stale_skipped", Help: "events skipped because the key's stored version was the same or newer", Kind: xcetl.Counter, Value: float64(l.stale.Load())},
		{Name: "cdc_apply_seconds", Help: "time the last batch took to apply and commit", Kind: xcetl.Gauge, Value: time.Duration(l.applyNanos.Load()).Seconds()},
		{Name: "cdc_apply_seconds_total", Help: "time spent applying and committing batches", Kind: xcetl.Counter, Value: time.Duration(l.totalNanos.Load()).Seconds()},
		{Name: "cdc_bookkeeping_seconds_total", Help: "part of the apply time spent on the bookkeeping: stored offsets and per-key versions", Kind: xcetl.Counter, Value: time.Duration(l.keepNanos.Load()).Seconds()},
	}
}

// ReadCheckpoints implements StateKeeper (also for routed runs).
func (l *CDC) ReadCheckpoints(ctx context.Context, prefix string) (map[string][]byte, error) {
	return l.SQL.ReadCheckpoints(ctx, prefix)
}

// cdcTable is one target table of a routed run.
type cdcTable struct {
	label  string // the _table value ("" = the target's table), for state and messages
	name   dialects.Table
	info   *dialects.TableInfo
	cols   []dialects.Column // the writer's columns
	byName map[string]int    // writer column by source field name (memo)
	keyIdx []int             // key columns' positions in cols
	schema *xcetl.Schema
	w      dialects.Writer
	// keyNames are the key's column names (table names), to compare with
	// the source's key once.
	keyNames   []string
	keyChecked bool
}

// cdcSub is the part of a batch that goes to one table, typed.
type cdcSub struct {
	t        *cdcTable
	rows     [][]any
	ops      []xcetl.Op
	from     []int // batch row of each sub row
	keys     []string
	versions [][]byte
}

func (s *cdcSub) keep(keep []bool) {
	n := 0
	for i := range s.rows {
		if !keep[i] {
			continue
		}
		s.rows[n], s.ops[n], s.from[n], s.keys[n] = s.rows[i], s.ops[i], s.from[i], s.keys[i]
		if s.versions != nil {
			s.versions[n] = s.versions[i]
		}
		n++
	}
	s.rows, s.ops, s.from, s.keys = s.rows[:n], s.ops[:n], s.from[:n], s.keys[:n]
	if s.versions != nil {
		s.versions = s.versions[:n]
	}
}

func (s *cdcSub) versionRows(pipeline, table string) [][]any {
	now := time.Now()
	out := make([][]any, 0, len(s.rows))
	seen := make(map[string]int, len(s.rows))
	for i := range s.rows {
		if s.versions == nil || s.versions[i] == nil {
			continue
		}
		row := []any{pipeline, table, s.keys[i], hex.EncodeToString(s.versions[i]), now}
		if j, ok := seen[s.keys[i]]; ok {
			out[j] = row // the later event of the key wins, as in the apply
			continue
		}
		seen[s.keys[i]] = len(out)
		out = append(out, row)
	}
	return out
}

// resolve parses a _table value into the table it names: "" is the
// target's table; an unqualified name lives in the target table's schema.
func (l *CDC) resolve(label string) (dialects.Table, error) {
	if label == "" {
		return l.s.table, nil
	}
	t, err := l.d.ParseTable(label)
	if err != nil {
		return t, err
	}
	if t.Schema == "" {
		t.Schema, t.SchemaQuoted = l.s.table.Schema, l.s.table.SchemaQuoted
	}
	return t, nil
}

// describe finds a table as written, then folded (like resolveTable).
func (l *CDC) describe(ctx context.Context, t dialects.Table) (*dialects.TableInfo, dialects.Table, error) {
	info, err := l.conn.Describe(ctx, t)
	if err != nil || info != nil {
		return info, t, err
	}
	f := t
	if !f.SchemaQuoted {
		f.Schema = l.d.Fold(f.Schema)
	}
	if !f.NameQuoted {
		f.Name = l.d.Fold(f.Name)
	}
	if f == t {
		return nil, t, nil
	}
	info, err = l.conn.Describe(ctx, f)
	return info, f, err
}

// ensureTable makes the writer of the table named label, from the catalog
// and the first full row image of the events rows.
func (l *CDC) ensureTable(ctx context.Context, label string, b *xcetl.Batch, rows []int) error {
	if _, ok := l.tables[label]; ok {
		return nil
	}
	t, err := l.resolve(label)
	if err != nil {
		return l.errorf("event %s: table %q: %w", l.origin(b, rows[0]), label, err)
	}
	info, t, err := l.describe(ctx, t)
	if err != nil {
		return l.errorf("table %s: %w", t, err)
	}
	if info == nil {
		return l.errorf("event %s: table %s does not exist in the target; create it (xcetl does not guess tables from change events), or map the source table elsewhere with source.table_map", l.origin(b, rows[0]), t)
	}
	// The key: the configured one for the target's table, else the
	// table's primary key.
	var key []string
	sameAsMain := label == "" || (t.Name == l.foldTable().Name && t.Schema == l.foldTable().Schema) || t == l.s.table
	if sameAsMain {
		for _, k := range l.s.key {
			i := matchColumn(l.d, k, info.Columns)
			if i < 0 {
				return l.errorf("table %s: key column %q is not a column of the table", t, k)
			}
			key = append(key, info.Columns[i].Name)
		}
	} else {
		key = info.PrimaryKey
		if len(key) == 0 {
			return l.errorf("table %s has no primary key: mode cdc applies changes by key; add one (or map this source table to the target's table, whose key: is configured)", t)
		}
	}
	// The writer's columns: the target columns named by the first event
	// that carries a whole row (any insert or update); without one, every
	// target column.
	var names map[string]bool
	for _, i := range rows {
		if b.Ops != nil && b.Ops[i] == xcetl.OpDelete {
			continue
		}
		fields, err := l.fields(b, i)
		if err != nil {
			return err
		}
		names = map[string]bool{}
		for _, f := range fields {
			names[f.Name] = true
		}
		break
	}
	tgt, err := l.cdcTarget(t, info, key)
	if err != nil {
		return err
	}
	if names != nil {
		keep := tgt.Columns[:0:0]
		used := map[int]bool{}
		for n := range names {
			if i := matchColumn(l.d, n, info.Columns); i >= 0 {
				used[i] = true
			}
		}
		for _, k := range key {
			used[indexOf(info.Columns, k)] = true
		}
		for i, c := range tgt.Columns {
			if used[indexOf(info.Columns, c.Name)] {
				keep = append(keep, tgt.Columns[i])
			}
		}
		tgt.Columns = keep
	}
	ct := &cdcTable{label: label, name: t, info: info, cols: tgt.Columns, byName: map[string]int{}, keyNames: key}
	ct.schema = &xcetl.Schema{}
	for _, c := range tgt.Columns {
		ct.schema.Columns = append(ct.schema.Columns, xcetl.Column{Name: c.Name, Type: c.Type, Nullable: c.Nullable, Source: -1})
	}
	for _, k := range key {
		for j, c := range tgt.Columns {
			if c.Name == k {
				ct.keyIdx = append(ct.keyIdx, j)
			}
		}
	}
	if ct.w, err = l.conn.NewWriter(ctx, tgt); err != nil {
		return l.errorf("table %s: %w", t, err)
	}
	l.tables[label] = ct
	l.log.Info("cdc: applying changes to table", "table", t.String(), "columns", len(tgt.Columns), "key", strings.Join(key, ","))
	return nil
}

func indexOf(cols []dialects.CatalogColumn, name string) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// cdcTarget is the writer's target for table t: every catalog column,
// typed by its catalog type.
func (l *CDC) cdcTarget(t dialects.Table, info *dialects.TableInfo, key []string) (dialects.Target, error) {
	tgt := dialects.Target{Table: t, Mode: dialects.CDC, Options: l.s.options, Pipeline: l.env.Pipeline, Key: key}
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	for _, c := range info.Columns {
		tgt.Columns = append(tgt.Columns, dialects.Column{Name: c.Name, Type: dialects.TypeOfColumn(l.d, c), Nullable: c.Nullable && !isKey[c.Name], Base: c.Base})
	}
	if len(tgt.Columns) == 0 {
		return tgt, l.errorf("table %s: the catalog lists no columns", t)
	}
	return tgt, nil
}

func (l *CDC) origin(b *xcetl.Batch, i int) string {
	if i < len(b.Origin) {
		return b.Origin[i].String()
	}
	return "row " + strconv.Itoa(i+1)
}

// fields returns the row image of batch row i: the exposed columns, then
// the fields in _row.
func (l *CDC) fields(b *xcetl.Batch, i int) ([]cdc.Field, error) {
	row := b.Rows[i]
	var out []cdc.Field
	if enc, ok := row[l.col.row].([]byte); ok && len(enc) > 0 {
		f, err := cdc.DecodeRow(enc)
		if err != nil {
			return nil, l.errorf("event %s: %w", l.origin(b, i), err)
		}
		out = f
	}
	for name, j := range l.exp {
		out = append(out, cdc.Field{Name: name, Value: row[j], Kind: b.Schema.Columns[j].Type.Kind})
	}
	return out, nil
}

// build types the rows of one table.
func (t *cdcTable) build(l *CDC, b *xcetl.Batch, rows []int) (*cdcSub, error) {
	sub := &cdcSub{t: t}
	width := len(t.cols)
	for _, i := range rows {
		fields, err := l.fields(b, i)
		if err != nil {
			return nil, err
		}
		op := xcetl.OpInsert
		if b.Ops != nil {
			op = b.Ops[i]
		}
		key, _ := b.Rows[i][l.col.key].(string)
		if !t.keyChecked {
			if err := t.checkKey(l, key); err != nil {
				return nil, l.errorf("event %s: %w", l.origin(b, i), err)
			}
			t.keyChecked = true
		}
		row := make([]any, width)
		set := make([]bool, width)
		for _, f := range fields {
			j, ok := t.byName[f.Name]
			if !ok {
				j = t.column(l, f.Name)
				t.byName[f.Name] = j
			}
			switch {
			case j >= 0:
			case j == -1 && op == xcetl.OpDelete:
				continue // a delete needs the key only
			case j == -1:
				return nil, l.errorf("event %s: table %s has no column for the field %q; add the column to the target table (the source table gained it?), then run again", l.origin(b, i), t.name, f.Name)
			default: // -2: a target column outside the writer's columns
				if op == xcetl.OpDelete || f.Value == nil {
					continue
				}
				return nil, l.errorf("event %s: field %q of table %s was not in the events this run started with; run again to apply it (the source table changed?)", l.origin(b, i), f.Name, t.name)
			}
			v, err := toKind(f.Value, f.Kind, t.cols[j].Type.Kind)
			if err != nil {
				return nil, l.errorf("event %s: table %s column %q: %w", l.origin(b, i), t.name, t.cols[j].Name, err)
			}
			row[j], set[j] = v, true
		}
		for _, k := range t.keyIdx {
			if row[k] == nil {
				return nil, l.errorf("event %s: table %s: key column %q is NULL or missing", l.origin(b, i), t.name, t.cols[k].Name)
			}
		}
		if op != xcetl.OpDelete {
			for j := range row {
				if !set[j] {
					return nil, l.errorf("event %s: table %s: the event has no field for column %q, which the events this run started with had (the source table changed?); run again", l.origin(b, i), t.name, t.cols[j].Name)
				}
			}
		}
		sub.rows = append(sub.rows, row)
		sub.ops = append(sub.ops, op)
		sub.from = append(sub.from, i)
		sub.keys = append(sub.keys, key)
		if l.col.version >= 0 {
			v, _ := b.Rows[i][l.col.version].([]byte)
			sub.versions = append(sub.versions, v)
		}
	}
	return sub, nil
}

// column finds the writer column of a source field: -1 when the table has
// no such column, -2 when it has one the writer does not write.
func (t *cdcTable) column(l *CDC, field string) int {
	i := matchColumn(l.d, field, t.info.Columns)
	if i < 0 {
		return -1
	}
	name := t.info.Columns[i].Name
	for j, c := range t.cols {
		if c.Name == name {
			return j
		}
	}
	return -2
}

// checkKey compares the source's key (the names in _key) with the table's
// key once per run: applying by another key would update the wrong rows.
func (t *cdcTable) checkKey(l *CDC, keyText string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(keyText), &m); err != nil {
		return fmt.Errorf("the event's key %q is not the key text xcetl makes: %w", keyText, err)
	}
	var src []string
	for n := range m {
		i := matchColumn(l.d, n, t.info.Columns)
		if i < 0 {
			return fmt.Errorf("table %s has no column for the source key field %q", t.name, n)
		}
		src = append(src, t.info.Columns[i].Name)
	}
	if !sameSet(src, t.keyNames) {
		sort.Strings(src)
		return fmt.Errorf("the source key (%s) is not the key of table %s (%s): events would be applied to the wrong rows; make them the same (target key: or the table's primary key)", strings.Join(src, ", "), t.name, strings.Join(t.keyNames, ", "))
	}
	return nil
}

// Versions: the per-key version table.
//
//	xcetl_cdc_versions(pipeline, table_name, row_key, version, updated_at),
//	primary key (row_key, table_name, pipeline)
//
// row_key is the source key as canonical JSON text (transform/cdc.KeyText);
// version is the event's version in lowercase hex, so that every database
// compares it as the bytes compare. A row stays after its key was deleted:
// it is what keeps an older, replayed insert from bringing the row back.
const versionsTableName = "xcetl_cdc_versions"

var versionColumnNames = [...]string{"pipeline", "table_name", "row_key", "version", "updated_at"}

type versionStore struct {
	l   *SQL
	t   dialects.Table
	tgt dialects.Target
	w   dialects.Writer

	written, nextAnalyze int
	noAnalyze            bool
}

func newVersionStore(l *SQL) *versionStore {
	vs := &versionStore{l: l, t: dialects.Table{Schema: l.foldTable().Schema, Name: l.d.Fold(versionsTableName)}, nextAnalyze: 1000}
	types := [...]xcetl.Type{
		{Kind: xcetl.KindString, Precision: stateKeyLen},
		{Kind: xcetl.KindString, Precision: stateKeyLen},
		{Kind: xcetl.KindString, Precision: 1024},
		{Kind: xcetl.KindString, Precision: 256},
		{Kind: xcetl.KindTimestampTZ},
	}
	vs.tgt = dialects.Target{Table: vs.t, Mode: dialects.Upsert, Pipeline: l.env.Pipeline, Options: l.s.options}
	for i, n := range versionColumnNames {
		vs.tgt.Columns = append(vs.tgt.Columns, dialects.Column{Name: l.d.Fold(n), Type: types[i]})
	}
	// row_key leads the primary key: the lookup of a batch's keys
	// (row_key IN (…)) is then an index condition whatever the planner
	// knows about the table (with pipeline first, PostgreSQL filtered the
	// pipeline's whole range row by row until the table was analyzed).
	vs.tgt.Key = []string{vs.tgt.Columns[2].Name, vs.tgt.Columns[1].Name, vs.tgt.Columns[0].Name}
	return vs
}

func (vs *versionStore) open(ctx context.Context) error {
	l := vs.l
	create, err := l.d.CreateTable(vs.t, vs.tgt.Columns, vs.tgt.Key)
	if err != nil {
		return l.errorf("version table: %w", err)
	}
	if err := ensureTable(ctx, l.conn, vs.t, create); err != nil {
		return l.errorf("version table %s: %w", vs.t, err)
	}
	info, err := l.conn.Describe(ctx, vs.t)
	if err != nil || info == nil {
		return l.errorf("version table %s: %v", vs.t, err)
	}
	for i := range vs.tgt.Columns {
		found := false
		for _, c := range info.Columns {
			if c.Name == vs.tgt.Columns[i].Name {
				vs.tgt.Columns[i].Base = c.Base
				found = true
			}
		}
		if !found {
			return l.errorf("version table %s exists but has no column %s: it was not made by xcetl; rename it", vs.t, l.d.Quote(vs.tgt.Columns[i].Name))
		}
	}
	if vs.w, err = l.conn.NewWriter(ctx, vs.tgt); err != nil {
		return l.errorf("version table %s: %w", vs.t, err)
	}
	return nil
}

// selectSQL returns the query of the stored versions of n keys of one
// table.
func (vs *versionStore) selectSQL(n int) (string, error) {
	d := vs.l.d
	q := func(i int) string { return d.Quote(vs.tgt.Columns[i].Name) }
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s, %s FROM %s WHERE %s = %s AND %s = %s AND %s IN (", q(2), q(3), dialects.QualifiedName(d, vs.t), q(0), d.Placeholder(1), q(1), d.Placeholder(2), q(2))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Placeholder(i + 3))
	}
	b.WriteString(")")
	return b.String(), nil
}

// versionChunk is the number of keys per version query (the last key
// repeated to fill, so that one statement is prepared and planned once).
const versionChunk = 512

// analyze refreshes the version table's statistics once it has grown
// (after 1,000 rows written by this run, and after 16,000). Without them
// PostgreSQL plans `row_key IN (…)` with a default selectivity per
// element and, on a fresh table, scanned it whole comparing every row with
// every key: seconds per batch at 40,000 rows, where with statistics
// (row_key is all distinct) it is index lookups. The statement is the
// dialect's (dialects.Analyzer); a database without one is left to its own
// statistics (an error is logged once).
func (vs *versionStore) analyze(ctx context.Context) {
	if vs.noAnalyze || vs.written < vs.nextAnalyze {
		return
	}
	// Twice is enough: the statistics say row_key is all distinct, which
	// stays true as the table grows (and autovacuum takes over).
	vs.nextAnalyze = 16 * vs.written
	if vs.written >= 16000 {
		vs.noAnalyze = true
	}
	a, ok := vs.l.d.(dialects.Analyzer)
	if !ok || a.AnalyzeSQL(vs.t) == "" {
		vs.noAnalyze = true
		return
	}
	if err := vs.l.conn.Exec(ctx, a.AnalyzeSQL(vs.t)); err != nil {
		vs.noAnalyze = true
		vs.l.log.Info("cdc: could not refresh the statistics of the version table; lookups rely on the database's own", "table", vs.t.String(), "error", err.Error())
	}
}

// filter drops from sub the events whose version is at or below the
// stored version of their key, and returns how many it dropped.
func (vs *versionStore) filter(ctx context.Context, sub *cdcSub) (int, error) {
	stored := map[string][]byte{}
	uniq := make([]string, 0, len(sub.keys))
	seen := make(map[string]bool, len(sub.keys))
	for i, k := range sub.keys {
		if sub.versions[i] != nil && !seen[k] {
			seen[k] = true
			uniq = append(uniq, k)
		}
	}
	for len(uniq) > 0 {
		n := min(len(uniq), versionChunk)
		size := versionChunk
		q, _ := vs.selectSQL(size)
		args := make([]any, 0, size+2)
		args = append(args, vs.l.env.Pipeline, sub.t.label)
		for _, k := range uniq[:n] {
			args = append(args, k)
		}
		for len(args) < size+2 {
			args = append(args, uniq[n-1])
		}
		rows, err := vs.l.conn.Query(ctx, q, args...)
		if err != nil {
			return 0, fmt.Errorf("read versions of table %s: %w", sub.t.name, err)
		}
		for _, r := range rows {
			if len(r) != 2 {
				continue
			}
			v, err := hex.DecodeString(textOf(r[1]))
			if err != nil {
				return 0, fmt.Errorf("version table: stored version %q of key %s is not hex (edited by hand?)", textOf(r[1]), textOf(r[0]))
			}
			stored[textOf(r[0])] = v
		}
		uniq = uniq[n:]
	}
	if len(stored) == 0 {
		return 0, nil
	}
	keep := make([]bool, len(sub.rows))
	dropped := 0
	for i := range sub.rows {
		s, ok := stored[sub.keys[i]]
		keep[i] = !ok || sub.versions[i] == nil || bytes.Compare(sub.versions[i], s) > 0
		if !keep[i] {
			dropped++
		}
	}
	if dropped > 0 {
		sub.keep(keep)
	}
	return dropped, nil
}

// save upserts the versions of the applied events.
func (vs *versionStore) save(ctx context.Context, rows [][]any) error {
	b := &xcetl.Batch{Rows: rows}
	data, err := vs.w.Encode(b, nil)
	if err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	if err := vs.w.Write(ctx, data); err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	vs.written += len(rows)
	return nil
}
