package load

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
	"github.com/xcetl/xcetl/dialects"
)

// ErrFenced is wrapped by the error of a batch that the offset fence
// refused: another consumer of the group applied one of its partitions
// meanwhile (a rebalance). The batch was rolled back; a new run continues
// from the target's offsets.
var ErrFenced = errors.New("another consumer of the group applied this partition meanwhile (a rebalance)")

// fenceSQL holds the statements of the offset fence, made once per number
// of fenced checkpoints.
type fenceSQL struct {
	lock map[int]string
}

// splitActions separates the truncates a batch carries
// (change.TruncatePrefix) from its checkpoints, in order.
func splitActions(cps []xcetl.Checkpoint) (rest []xcetl.Checkpoint, truncs []string) {
	rest = cps[:0:0]
	for _, cp := range cps {
		if t, ok := strings.CutPrefix(cp.Key, change.TruncatePrefix); ok {
			truncs = append(truncs, t)
			continue
		}
		rest = append(rest, cp)
	}
	return rest, truncs
}

// checkFence checks the batch's fences (change.FencePrefix) against the
// stored checkpoints, first thing in the batch's transaction, and returns
// the checkpoints to store. The stored rows are locked before they are read
// (a no-op UPDATE, which every database has), so that a consumer that lost
// its partitions in a rebalance waits for the one that took them over to
// commit, and then sees its offsets: of two consumers applying one
// partition at once, the later fails here instead of writing older events
// over newer ones and the offsets backwards.
func (l *CDC) checkFence(ctx context.Context, cps []xcetl.Checkpoint) ([]xcetl.Checkpoint, error) {
	var fences, gaps []xcetl.Checkpoint
	out := cps[:0:0]
	for _, cp := range cps {
		switch {
		case strings.HasPrefix(cp.Key, change.FencePrefix):
			fences = append(fences, cp)
		case strings.HasPrefix(cp.Key, change.GapPrefix):
			gaps = append(gaps, cp)
		default:
			out = append(out, cp)
		}
	}
	if len(fences) == 0 || !l.env.State {
		return out, nil
	}
	args := []any{l.env.Pipeline}
	for _, f := range fences {
		args = append(args, strings.TrimPrefix(f.Key, change.FencePrefix))
	}
	if err := l.conn.Exec(ctx, l.fenceLockSQL(len(fences)), args...); err != nil {
		return nil, l.errorf("batch %d: lock the stored offsets: %w", l.batches, err)
	}
	stored, err := l.SQL.ReadCheckpoints(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, g := range gaps {
		key := strings.TrimPrefix(g.Key, change.GapPrefix)
		have, want, ok, err := l.offsets(stored, key, g.Value)
		if err != nil {
			return nil, err
		}
		if ok && have < want {
			return nil, l.errorf("batch %d: %s: the target has applied the events before offset %d, but the consumer group continues at offset %d: events %d..%d would never be applied (was the target restored from a backup, or the group's offsets reset?). Reset the group's offset of this partition to %d (kafka-consumer-groups --reset-offsets --to-offset %d), or, to accept the gap, delete the checkpoint %q of this pipeline from the xcetl_state table",
				l.batches, key, have, want, have, want-1, have, have, key)
		}
	}
	for _, f := range fences {
		key := strings.TrimPrefix(f.Key, change.FencePrefix)
		have, want, ok, err := l.offsets(stored, key, f.Value)
		if err != nil {
			return nil, err
		}
		if ok && have > want {
			return nil, l.errorf("batch %d: %s: the target already holds the events up to offset %d, but this batch starts at %d: %w; the batch is rolled back, and a new run continues from the target's offsets", l.batches, key, have, want, ErrFenced)
		}
		if !ok {
			if err := l.claim(ctx, key, f.Value); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// claim stores the first offset of a partition the target holds none of,
// first thing in the batch's transaction. The no-op UPDATE of checkFence
// locks nothing when there is no row, so two consumers that both start a
// new partition (the first rebalance of a new group) would both apply it;
// the row inserted here is that lock: the later consumer's INSERT waits for
// the earlier to commit and then fails on the state table's primary key.
// Any failure of this INSERT is reported as fenced, so that the run starts
// again from the offsets the target now holds; a failure that is not a
// rebalance (the server went away) shows again on that next run.
func (l *CDC) claim(ctx context.Context, key string, first []byte) error {
	_, _, ins, _, err := l.stateStatements()
	if err != nil {
		return l.errorf("state table: %w", err)
	}
	if err := l.conn.Exec(ctx, ins, l.env.Pipeline, key, hex.EncodeToString(first), time.Now()); err != nil {
		return l.errorf("batch %d: %s: claim the partition's first offset %s: %v: %w; the batch is rolled back, and a new run continues from the target's offsets", l.batches, key, first, err, ErrFenced)
	}
	return nil
}

// offsets parses the stored offset of key and the batch's; ok is false when
// the target holds none.
func (l *CDC) offsets(stored map[string][]byte, key string, batch []byte) (have, want int64, ok bool, err error) {
	v, ok := stored[key]
	if !ok {
		return 0, 0, false, nil
	}
	have, err1 := strconv.ParseInt(string(v), 10, 64)
	want, err2 := strconv.ParseInt(string(batch), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false, l.errorf("batch %d: checkpoint %s: stored %q, batch starts at %q: not offsets", l.batches, key, v, batch)
	}
	return have, want, true, nil
}

// fenceLockSQL locks the state rows of n checkpoints of the pipeline.
func (l *CDC) fenceLockSQL(n int) string {
	if s, ok := l.fence.lock[n]; ok {
		return s
	}
	t, cols, _ := l.stateTarget()
	q := func(i int) string { return l.d.Quote(cols[i].Name) }
	var b strings.Builder
	fmt.Fprintf(&b, "UPDATE %s SET %s = %s WHERE %s = %s AND %s IN (", dialects.QualifiedName(l.d, t), q(3), q(3), q(0), l.d.Placeholder(1), q(1))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.d.Placeholder(i + 2))
	}
	b.WriteString(")")
	if l.fence.lock == nil {
		l.fence.lock = map[int]string{}
	}
	l.fence.lock[n] = b.String()
	return b.String()
}

// truncateSQL empties a table inside the transaction: DELETE, which every
// database runs transactionally and which leaves concurrent readers alone
// (PostgreSQL's TRUNCATE would lock them out until the batch commits).
func (l *CDC) truncateSQL(t dialects.Table) string {
	return "DELETE FROM " + dialects.QualifiedName(l.d, t)
}

// truncate applies a truncate event (truncate: apply) to table t, in the
// batch's transaction, before the batch's rows.
func (l *CDC) truncate(ctx context.Context, t *cdcTable) error {
	if err := l.conn.Exec(ctx, l.truncateSQL(t.name)); err != nil {
		return l.errorf("batch %d: truncate event: empty table %s: %w", l.batches, t.name, err)
	}
	l.log.Warn("cdc: truncate event applied: the table was emptied", "table", t.name.String(), "batch", l.batches)
	return nil
}
