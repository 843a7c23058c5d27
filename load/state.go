package load

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// The state table keeps every pipeline's checkpoints (xcetl.Checkpoint) in
// the target database, next to the data they describe, so that both commit
// in one transaction. It lives in the schema of the target table and is
// shared by all pipelines writing to that schema: one row per pipeline and
// checkpoint key.
//
//	xcetl_state(pipeline, state_key, state_value, updated_at), primary key (pipeline, state_key)
//
// state_value holds the checkpoint's bytes as lowercase hex, so that every
// dialect stores and returns it as plain text.
const (
	stateTableName = "xcetl_state"
	// stateKeyLen bounds pipeline names and checkpoint keys: primary key
	// columns need a bounded type on DM8 and an index-friendly one
	// everywhere.
	stateKeyLen = 512
)

// stateSQL holds the state statements once made: they are the same for
// every batch of a run.
type stateSQL struct {
	done                  bool
	create, del, ins, sel string
	err                   error
}

var stateColumnNames = [...]string{"pipeline", "state_key", "state_value", "updated_at"}

var _ StateKeeper = (*SQL)(nil)

// stateTarget is the state table with the dialect's folded names.
func (l *SQL) stateTarget() (dialects.Table, []dialects.Column, []string) {
	t := dialects.Table{Schema: l.foldTable().Schema, Name: l.d.Fold(stateTableName)}
	types := [...]xcetl.Type{
		{Kind: xcetl.KindString, Precision: stateKeyLen},
		{Kind: xcetl.KindString, Precision: stateKeyLen},
		{Kind: xcetl.KindString},
		{Kind: xcetl.KindTimestampTZ},
	}
	cols := make([]dialects.Column, len(stateColumnNames))
	for i, n := range stateColumnNames {
		cols[i] = dialects.Column{Name: l.d.Fold(n), Type: types[i], Nullable: i == 2}
	}
	return t, cols, []string{cols[0].Name, cols[1].Name}
}

// stateStatements returns the statements that keep the state: CREATE TABLE,
// and the DELETE + INSERT that replace one checkpoint (portable: no
// dialect's upsert is needed, and the run's lock keeps writers apart).
func (l *SQL) stateStatements() (create, del, ins, sel string, err error) {
	if st := &l.stateSQL; st.done {
		return st.create, st.del, st.ins, st.sel, st.err
	}
	defer func() {
		l.stateSQL = stateSQL{done: true, create: create, del: del, ins: ins, sel: sel, err: err}
	}()
	t, cols, key := l.stateTarget()
	if create, err = l.d.CreateTable(t, cols, key); err != nil {
		return "", "", "", "", err
	}
	name := dialects.QualifiedName(l.d, t)
	q := func(i int) string { return l.d.Quote(cols[i].Name) }
	del = fmt.Sprintf("DELETE FROM %s WHERE %s = %s AND %s = %s", name, q(0), l.d.Placeholder(1), q(1), l.d.Placeholder(2))
	ins = fmt.Sprintf("INSERT INTO %s (%s, %s, %s, %s) VALUES (%s, %s, %s, %s)", name, q(0), q(1), q(2), q(3),
		l.d.Placeholder(1), l.d.Placeholder(2), l.d.Placeholder(3), l.d.Placeholder(4))
	sel = fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = %s", q(1), q(2), name, q(0), l.d.Placeholder(1))
	return create, del, ins, sel, nil
}

// explainState lists the state statements for `xcetl explain`.
func (l *SQL) explainState() ([]Statement, error) {
	if !l.env.State {
		return nil, nil
	}
	create, del, ins, sel, err := l.stateStatements()
	if err != nil {
		return nil, l.errorf("state table: %w", err)
	}
	when := "per batch, in the batch's transaction"
	switch {
	case l.defers() && l.s.perBatch:
		when = fmt.Sprintf("once per %d batches (commit_every), before their COMMIT: the last checkpoint of each key they carry", l.s.commitEvery)
	case l.defers():
		when = "once at end, before COMMIT (commit: run: the last checkpoint of each key the run's batches carry)"
	}
	return []Statement{
		{When: "once at start, if the state table does not exist (it keeps the source's checkpoints)", SQL: create},
		{When: "once at start: the checkpoints of earlier runs, to resume from", SQL: sel},
		{When: when + ": replace each checkpoint", SQL: del},
		{When: when, SQL: ins},
	}, nil
}

// ensureStateTable creates the state table if it is missing. It runs before
// the run's transaction begins, so that a rolled-back run keeps the (empty)
// table and DDL that commits implicitly commits nothing else.
func (l *SQL) ensureStateTable(ctx context.Context) error {
	t, _, _ := l.stateTarget()
	info, err := l.conn.Describe(ctx, t)
	if err != nil {
		return l.errorf("state table %s: %w", t, err)
	}
	if info != nil {
		return l.checkStateTable(t, info)
	}
	create, _, _, _, err := l.stateStatements()
	if err != nil {
		return l.errorf("state table: %w", err)
	}
	if cerr := l.conn.Exec(ctx, create); cerr != nil {
		// Another run may have created it at the same moment.
		if info, err = l.conn.Describe(ctx, t); err == nil && info != nil {
			return l.checkStateTable(t, info)
		}
		return l.errorf("create state table %s: %w", t, cerr)
	}
	l.log.Info("created state table", "table", t.String())
	return nil
}

func (l *SQL) checkStateTable(t dialects.Table, info *dialects.TableInfo) error {
	_, cols, _ := l.stateTarget()
	have := map[string]bool{}
	for _, c := range info.Columns {
		have[c.Name] = true
	}
	for _, c := range cols {
		if !have[c.Name] {
			return l.errorf("state table %s exists but has no column %s: it was not made by xcetl, or by an incompatible version; rename it", t, l.d.Quote(c.Name))
		}
	}
	return nil
}

// saveCheckpoints stores cps in the transaction that is open (the batch's or
// the run's).
func (l *SQL) saveCheckpoints(ctx context.Context, cps []xcetl.Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	if err := l.checkCheckpoints(cps); err != nil {
		return err
	}
	_, del, ins, _, err := l.stateStatements()
	if err != nil {
		return l.errorf("state table: %w", err)
	}
	now := time.Now()
	for _, cp := range cps {
		if err := l.conn.Exec(ctx, del, l.env.Pipeline, cp.Key); err != nil {
			return l.errorf("save checkpoint %s: %w", cp.Key, err)
		}
		if err := l.conn.Exec(ctx, ins, l.env.Pipeline, cp.Key, hex.EncodeToString(cp.Value), now); err != nil {
			return l.errorf("save checkpoint %s: %w", cp.Key, err)
		}
	}
	return nil
}

// checkCheckpoints refuses checkpoints the state table cannot keep.
func (l *SQL) checkCheckpoints(cps []xcetl.Checkpoint) error {
	if !l.env.State {
		return l.errorf("the source attached checkpoints, but the target was not opened to keep state")
	}
	for _, cp := range cps {
		if cp.Key == "" || len(cp.Key) > stateKeyLen {
			return l.errorf("checkpoint key %q: must be 1 to %d bytes", cp.Key, stateKeyLen)
		}
	}
	return nil
}

// ReadCheckpoints implements StateKeeper.
func (l *SQL) ReadCheckpoints(ctx context.Context, prefix string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if l.conn == nil {
		return nil, l.errorf("read checkpoints: the target is not open")
	}
	if !l.env.State {
		return out, nil
	}
	_, _, _, sel, err := l.stateStatements()
	if err != nil {
		return nil, l.errorf("state table: %w", err)
	}
	rows, err := l.conn.Query(ctx, sel, l.env.Pipeline)
	if err != nil {
		return nil, l.errorf("read checkpoints: %w", err)
	}
	for _, r := range rows {
		if len(r) != 2 {
			return nil, l.errorf("read checkpoints: got %d columns, want 2", len(r))
		}
		k, v := textOf(r[0]), textOf(r[1])
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		b, err := hex.DecodeString(v)
		if err != nil {
			return nil, l.errorf("read checkpoint %s: stored value is not hex; was the state table edited by hand? %w", k, err)
		}
		out[k] = b
	}
	return out, nil
}

func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
