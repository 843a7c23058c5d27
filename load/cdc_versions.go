package load

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
	"github.com/xcetl/xcetl/dialects"
)

// The per-key version table (see dialects/guard.go for the contract):
//
//	xcetl_cdc_key_versions(key_hash, version, pipeline, updated_at), primary key (key_hash)
//
// in the schema of target.table, one row per key a pipeline ever applied
// (deleted keys included: that is what keeps an older, replayed insert from
// bringing a row back). key_hash is change.KeyHash of the pipeline, the
// event's table and its source key; the key itself is not stored.
//
// The dialect applies the guard in its own statements where it can
// (dialects.VersionGuarder: one statement per batch and table on
// PostgreSQL). Elsewhere the loader does: it reads the stored versions of
// the batch's keys (filter), drops the stale events, and upserts the new
// versions after the apply (save) — all in the batch's transaction.
const (
	versionsTableName = "xcetl_cdc_key_versions"
	// oldVersionsTableName is the layout before the key hash (keyed by the
	// key's JSON text): its versions are not read any more.
	oldVersionsTableName = "xcetl_cdc_versions"
)

var versionColumnNames = [...]string{"key_hash", "version", "pipeline", "updated_at"}

type versionTable struct {
	l   *SQL
	t   dialects.Table
	tgt dialects.Target
	w   dialects.Writer

	written, nextAnalyze int
	noAnalyze            bool
}

func newVersionTable(l *SQL) *versionTable {
	vt := &versionTable{l: l, t: dialects.Table{Schema: l.foldTable().Schema, Name: l.d.Fold(versionsTableName)}, nextAnalyze: 1000}
	types := [...]xcetl.Type{
		{Kind: xcetl.KindBytes, Precision: change.KeyHashSize},
		{Kind: xcetl.KindBytes},
		{Kind: xcetl.KindString, Precision: stateKeyLen},
		{Kind: xcetl.KindTimestampTZ},
	}
	vt.tgt = dialects.Target{Table: vt.t, Mode: dialects.Upsert, Pipeline: l.env.Pipeline, Options: l.s.options, Key: []string{l.d.Fold(versionColumnNames[0])}}
	for i, n := range versionColumnNames {
		vt.tgt.Columns = append(vt.tgt.Columns, dialects.Column{Name: l.d.Fold(n), Type: types[i], Nullable: i != 0})
	}
	return vt
}

// guard describes the table to a guarding writer.
func (vt *versionTable) guard() *dialects.VersionGuard {
	c := vt.tgt.Columns
	return &dialects.VersionGuard{Table: vt.t, KeyHash: c[0].Name, Version: c[1].Name, Pipeline: c[2].Name, UpdatedAt: c[3].Name, PipelineName: vt.l.env.Pipeline}
}

// createSQL is the table's CREATE TABLE.
func (vt *versionTable) createSQL() (string, error) {
	return vt.l.d.CreateTable(vt.t, vt.tgt.Columns, vt.tgt.Key)
}

func (vt *versionTable) open(ctx context.Context) error {
	l := vt.l
	create, err := vt.createSQL()
	if err != nil {
		return l.errorf("version table: %w", err)
	}
	if err := ensureTable(ctx, l.conn, vt.t, create); err != nil {
		return l.errorf("version table %s: %w", vt.t, err)
	}
	info, err := l.conn.Describe(ctx, vt.t)
	if err != nil || info == nil {
		return l.errorf("version table %s: %v", vt.t, err)
	}
	for i := range vt.tgt.Columns {
		found := false
		for _, c := range info.Columns {
			if c.Name == vt.tgt.Columns[i].Name {
				vt.tgt.Columns[i].Base = c.Base
				found = true
			}
		}
		if !found {
			return l.errorf("version table %s exists but has no column %s: it was not made by xcetl; rename it", vt.t, l.d.Quote(vt.tgt.Columns[i].Name))
		}
	}
	if vt.w, err = l.conn.NewWriter(ctx, vt.tgt); err != nil {
		return l.errorf("version table %s: %w", vt.t, err)
	}
	old := dialects.Table{Schema: vt.t.Schema, Name: l.d.Fold(oldVersionsTableName)}
	if info, err := l.conn.Describe(ctx, old); err == nil && info != nil {
		l.log.Warn("cdc: the version table of earlier xcetl versions exists and is not read any more: the per-key versions start again in the new table (the stored offsets keep protecting against replays); drop it when no older xcetl uses it",
			"old_table", old.String(), "table", vt.t.String())
	}
	return nil
}

// selectSQL returns the query of the stored versions of n keys.
func (vt *versionTable) selectSQL(n int) string {
	d := vt.l.d
	q := func(i int) string { return d.Quote(vt.tgt.Columns[i].Name) }
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s, %s FROM %s WHERE %s IN (", q(0), q(1), dialects.QualifiedName(d, vt.t), q(0))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Placeholder(i + 1))
	}
	b.WriteString(")")
	return b.String()
}

// versionChunk is the number of keys per version query (the last key
// repeated to fill, so that one statement is prepared and planned once).
const versionChunk = 512

// analyze refreshes the version table's statistics once it has grown
// (after 1,000 rows written by this run, and after 16,000): without them a
// planner may scan a fresh table whole for `key_hash IN (…)`. The
// statement is the dialect's (dialects.Analyzer); a database without one is
// left to its own statistics.
func (vt *versionTable) analyze(ctx context.Context) {
	if vt.noAnalyze || vt.written < vt.nextAnalyze {
		return
	}
	vt.nextAnalyze = 16 * vt.written
	if vt.written >= 16000 {
		vt.noAnalyze = true
	}
	a, ok := vt.l.d.(dialects.Analyzer)
	if !ok || a.AnalyzeSQL(vt.t) == "" {
		vt.noAnalyze = true
		return
	}
	if err := vt.l.conn.Exec(ctx, a.AnalyzeSQL(vt.t)); err != nil {
		vt.noAnalyze = true
		vt.l.log.Info("cdc: could not refresh the statistics of the version table; lookups rely on the database's own", "table", vt.t.String(), "error", err.Error())
	}
}

// filter drops from sub the events whose position is at or below the
// stored version of their key, and returns how many it dropped (the
// loader's guard, for dialects without their own).
func (vt *versionTable) filter(ctx context.Context, sub *cdcSub) (int, error) {
	stored := map[string][]byte{}
	uniq := make([][]byte, 0, len(sub.hashes))
	for i, h := range sub.hashes {
		if sub.events[i].Position != nil {
			uniq = append(uniq, h)
		}
	}
	q := vt.selectSQL(versionChunk)
	for len(uniq) > 0 {
		n := min(len(uniq), versionChunk)
		args := make([]any, 0, versionChunk)
		for _, k := range uniq[:n] {
			args = append(args, k)
		}
		for len(args) < versionChunk {
			args = append(args, uniq[n-1])
		}
		rows, err := vt.l.conn.Query(ctx, q, args...)
		if err != nil {
			return 0, fmt.Errorf("read the stored versions: %w", err)
		}
		for _, r := range rows {
			if len(r) == 2 {
				stored[string(bytesOf(r[0]))] = bytesOf(r[1])
			}
		}
		uniq = uniq[n:]
	}
	if len(stored) == 0 {
		return 0, nil
	}
	keep := make([]bool, len(sub.rows))
	dropped := 0
	for i := range sub.rows {
		s, ok := stored[string(sub.hashes[i])]
		pos := sub.events[i].Position
		keep[i] = !ok || pos == nil || bytes.Compare(pos, s) > 0
		if !keep[i] {
			dropped++
		}
	}
	if dropped > 0 {
		sub.keep(keep)
	}
	return dropped, nil
}

// save upserts the versions of the applied events (rows: the events of sub
// that were written; nil for all).
func (vt *versionTable) save(ctx context.Context, sub *cdcSub, rows []int) error {
	now := time.Now()
	var out [][]any
	add := func(i int) {
		if p := sub.events[i].Position; p != nil {
			out = append(out, []any{sub.hashes[i], p, vt.l.env.Pipeline, now})
		}
	}
	if rows == nil {
		for i := range sub.events {
			add(i)
		}
	} else {
		for _, i := range rows {
			add(i)
		}
	}
	if len(out) == 0 {
		return nil
	}
	b := &xcetl.Batch{Rows: out}
	data, err := vt.w.Encode(b, nil)
	if err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	if err := vt.w.Write(ctx, data); err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	vt.written += len(out)
	return nil
}

func bytesOf(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}
