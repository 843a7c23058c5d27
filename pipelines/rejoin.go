package pipelines

import (
	"context"
	"errors"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/load"
)

// Runs of a source that shares its work (extract.WorkSharer: a Kafka
// consumer group) lose partitions to each other whenever a process joins
// or leaves the group. A batch read from a partition that moved meanwhile
// is refused by the target's offset fence (load.ErrFenced) and rolled back:
// nothing of it is applied, and nothing is lost, since the new owner
// continues from the offsets the target holds. The run then starts again
// in the same process — a fresh source rejoins the group and resumes from
// the target's offsets — instead of failing: that is the normal course of
// a rebalance, not an error.

// maxRejoins bounds the restarts of one Run after fenced batches in a row
// without a committed batch in between.
const maxRejoins = 20

// runRejoining is run, started again after a fenced batch. earlier holds
// the counters of the plugins of the runs before the last.
func (p *Pipeline) runRejoining(ctx context.Context, ro RunOptions, rep *Report, c *counters) (earlier map[string]float64, err error) {
	p.drained.Store(false)
	err = p.runOnce(ctx, ro, rep, c)
	for n := 0; n < maxRejoins && p.rejoinable(ctx, err); n++ {
		if p.drained.Load() {
			// Asked to stop: the refused batch was rolled back, and
			// everything before it is committed — a drained run.
			return earlier, nil
		}
		committed := c.committed.Load()
		wait := time.Duration(n+1) * 500 * time.Millisecond
		p.logger.Warn("the batch in hand was read from a partition another process of the consumer group applied meanwhile (a rebalance); it was rolled back, and the run starts again from the target's offsets",
			"pipeline", p.spec.Name, "run_id", rep.RunID, "wait", wait.String(), "error", p.Scrub(err.Error()))
		select {
		case <-ctx.Done():
			return earlier, err
		case <-time.After(wait):
		}
		if p.drained.Load() {
			return earlier, nil
		}
		for _, st := range p.Stats() {
			if st.Kind == xcetl.Counter {
				if earlier == nil {
					earlier = map[string]float64{}
				}
				earlier[st.Name] += st.Value
			}
		}
		pl, errs := p.build()
		if berr := errs.Err(); berr != nil {
			return earlier, berr
		}
		p.mu.Lock()
		p.source, p.transforms, p.target = pl.source, pl.transforms, pl.target
		p.mu.Unlock()
		if p.drained.Load() {
			// Drain came while the new source was built: hand it on.
			if d, ok := pl.source.(extract.Drainer); ok {
				d.Drain()
			}
		}
		err = p.runOnce(ctx, ro, rep, c)
		if c.committed.Load() > committed {
			n = -1 // progress: the bound counts restarts in a row
		}
	}
	return earlier, err
}

// runOnce is one run in a context of its own: a failed run cancels its
// context (stopping its source and workers), which must not cancel the
// runs that follow it. The pipeline's lock cancels ctx, and with it every
// run, when its lease is lost.
func (p *Pipeline) runOnce(ctx context.Context, ro RunOptions, rep *Report, c *counters) error {
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	return p.run(rctx, cancel, ro, rep, c)
}

// rejoinable reports a failure that a new run of the same process
// resolves: a fenced batch of a source that shares its work.
func (p *Pipeline) rejoinable(ctx context.Context, err error) bool {
	ws, ok := p.source.(extract.WorkSharer)
	return err != nil && ctx.Err() == nil && ok && ws.SharesWork() && errors.Is(err, load.ErrFenced)
}
