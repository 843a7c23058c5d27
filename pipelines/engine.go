package pipelines

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/internal/failpoint"
	"github.com/xcetl/xcetl/load"
)

// RunOptions are the per-run settings (the CLI's run flags).
type RunOptions struct {
	// DryRun extracts and transforms but writes nothing to the target (the
	// reject file is still written).
	DryRun bool
	// Limit stops after this many source rows (0 = no limit).
	Limit int64
	// Progress, if set, receives a one-line progress display, redrawn in
	// place; pass the terminal (os.Stderr) or nil.
	Progress io.Writer
	// Workers is the number of goroutines running transforms (0 =
	// GOMAXPROCS).
	Workers int
	// ExitWhenIdle ends the run of a streaming source (kafka) once no
	// event arrived for this long: it drains, the run commits and succeeds.
	// 0 runs until stopped. Batch sources end by themselves and ignore it.
	ExitWhenIdle time.Duration
}

// Drain asks a streaming source to end the run cleanly (the batch in hand
// is committed and acknowledged, the run succeeds). It reports false when
// the source cannot drain (batch sources): cancel the run's context
// instead. Safe to call from any goroutine while Run goes on.
func (p *Pipeline) Drain() bool {
	source := func() extract.Drainer {
		p.mu.RLock()
		defer p.mu.RUnlock()
		d, _ := p.source.(extract.Drainer)
		return d
	}
	if source() == nil {
		return false
	}
	// First the flag, then the source: a run that starts again with a new
	// source (rejoin.go) either sees the flag or gets drained here.
	p.drained.Store(true)
	if d := source(); d != nil {
		d.Drain()
	}
	return true
}

// runError carries a scrubbed message while keeping the cause for errors.Is.
type runError struct {
	msg   string
	cause error
}

func (e *runError) Error() string { return e.msg }
func (e *runError) Unwrap() error { return e.cause }

// job is one batch on its way through the workers, in source order.
type job struct {
	b    *xcetl.Batch
	err  error
	done chan struct{}
}

// counters are updated by the sink and read by the progress display.
type counters struct {
	read, written, rejected, filtered, committed, batches atomic.Int64
}

// Run executes the pipeline once and returns its report. The report is
// complete (status, counts, times, error) even when err is not nil. Cancel
// ctx to stop the run: with commit: run the target is rolled back.
//
// Errors wrap xcetl.ErrInvalid when the pipeline does not fit its data (a
// transform names a column the source does not have), ErrInterrupted when
// ctx was cancelled. Messages never contain the pipeline's secrets.
func (p *Pipeline) Run(ctx context.Context, ro RunOptions) (*Report, error) {
	rep := &Report{Pipeline: p.spec.Name, RunID: newRunID(), StartedAt: time.Now(), DryRun: ro.DryRun}
	rep.Host, _ = os.Hostname()
	if !p.running.CompareAndSwap(false, true) {
		err := fmt.Errorf("pipeline %s is already running in this program; a Pipeline runs once at a time", p.spec.Name)
		rep.Status, rep.Error, rep.FinishedAt = "failed", err.Error(), time.Now()
		return rep, err
	}
	defer p.running.Store(false)
	if p.used {
		// Plugins are good for one run: build fresh ones from the spec.
		pl, errs := p.build()
		if err := errs.Err(); err != nil {
			rep.Status, rep.Error, rep.FinishedAt = "failed", p.Scrub(err.Error()), time.Now()
			return rep, err
		}
		p.mu.Lock()
		p.source, p.transforms, p.target = pl.source, pl.transforms, pl.target
		p.mu.Unlock()
	}
	p.used = true
	if d, ok := p.source.(extract.Describer); ok {
		rep.Source = d.Describe()
	}
	if d, ok := p.target.(load.Describer); ok {
		rep.Target = d.Describe()
	}
	p.logger.Info("run started", "pipeline", p.spec.Name, "run_id", rep.RunID, "source", rep.Source, "target", rep.Target, "dry_run", ro.DryRun)
	var c counters
	lr := &liveRun{c: &c, started: rep.StartedAt}
	p.live.Store(lr)

	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	release := func() {}
	var err error
	var earlier map[string]float64
	if !ro.DryRun {
		release, err = p.prepareTarget(rctx, cancel, rep)
	}
	if err == nil {
		earlier, err = p.runRejoining(rctx, ro, rep, &c)
	}
	if d, ok := p.source.(extract.Describer); ok {
		// Again: a source says after Open what it found (the encoding
		// a csv source decided, and why).
		rep.Source = d.Describe()
	}
	stats := p.finishReport(rep, &c, earlier, err)
	if err != nil {
		err = &runError{msg: rep.Error, cause: err}
	}
	if !ro.DryRun && !errors.Is(err, xcetl.ErrConnect) {
		// A target that could not be reached cannot take the history row
		// either: trying again only repeats the same error.
		p.recordRun(ctx, rep, err)
		failpoint.Hit(failpoint.RunHistory)
	}
	if !ro.DryRun {
		release()
		failpoint.Hit(failpoint.Unlock)
	}
	lr.finish(rep, stats)
	return rep, err
}

// prepareTarget runs the checks that need no source (a driver missing from
// this binary) and takes the pipeline's lock. release gives the lock up;
// it is never nil.
func (p *Pipeline) prepareTarget(ctx context.Context, cancel context.CancelCauseFunc, rep *Report) (release func(), err error) {
	if pf, ok := p.target.(load.Preflighter); ok {
		// Before the source is read: a target that cannot work in this
		// binary (a driver behind a build tag) fails at once.
		if err := pf.Preflight(); err != nil {
			return func() {}, err
		}
	}
	release, err = p.lock(ctx, cancel, rep)
	if err != nil {
		return func() {}, interrupted(ctx, err)
	}
	return release, nil
}

// finishReport completes rep from the counters and the run's error and
// logs the outcome. It returns the plugins' stats.
func (p *Pipeline) finishReport(rep *Report, c *counters, earlier map[string]float64, err error) []xcetl.Stat {
	rep.RowsRead, rep.RowsWritten = c.read.Load(), c.written.Load()
	rep.RowsRejected, rep.RowsFiltered = c.rejected.Load(), c.filtered.Load()
	rep.RowsCommitted, rep.Batches = c.committed.Load(), c.batches.Load()
	stats := p.Stats()
	for _, st := range stats {
		if rep.Stats == nil {
			rep.Stats = map[string]float64{}
		}
		rep.Stats[st.Name] += st.Value
	}
	for name, v := range earlier {
		// The counters of the runs before a rejoin (rejoin.go).
		if rep.Stats == nil {
			rep.Stats = map[string]float64{}
		}
		rep.Stats[name] += v
	}
	rep.FinishedAt = time.Now()
	rep.DurationMS = rep.FinishedAt.Sub(rep.StartedAt).Milliseconds()
	rep.Status = "ok"
	if err != nil {
		rep.Status = "failed"
		rep.Error = err.Error()
	}
	rep.scrub(p.scrub)
	if err != nil {
		p.logger.Error(MsgRunFailed, "pipeline", p.spec.Name, "run_id", rep.RunID, "error", rep.Error,
			"rows_read", rep.RowsRead, "rows_written", rep.RowsWritten, "rows_rejected", rep.RowsRejected,
			"rows_filtered", rep.RowsFiltered, "rows_committed", rep.RowsCommitted, "duration_ms", rep.DurationMS)
	} else {
		p.logger.Info("run finished", "pipeline", p.spec.Name, "run_id", rep.RunID,
			"rows_read", rep.RowsRead, "rows_written", rep.RowsWritten, "rows_rejected", rep.RowsRejected,
			"rows_filtered", rep.RowsFiltered, "duration_ms", rep.DurationMS)
	}
	return stats
}

// MsgRunFailed is the message of the log record that ends a failed run.
// It carries the same error as the report's summary, which a program
// printing both (the CLI, with text logs) may leave out of one of them.
const MsgRunFailed = "run failed"

// Stats returns what the pipeline's source, transforms and target report
// (xcetl.Statser), in that order. It is safe to call while Run goes on.
func (p *Pipeline) Stats() []xcetl.Stat {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []xcetl.Stat
	add := func(x any) {
		if s, ok := x.(xcetl.Statser); ok {
			out = append(out, s.Stats()...)
		}
	}
	add(p.source)
	for _, t := range p.transforms {
		add(t)
	}
	add(p.target)
	return out
}

func (p *Pipeline) run(ctx context.Context, cancel context.CancelCauseFunc, ro RunOptions, rep *Report, c *counters) (err error) {
	parent := ctx
	schema, err := p.source.Open(ctx)
	if err != nil {
		return interrupted(ctx, err)
	}
	if ie, ok := p.source.(extract.IdleExiter); ok && ro.ExitWhenIdle > 0 {
		ie.SetExitWhenIdle(ro.ExitWhenIdle)
	}
	defer func() {
		if cerr := p.source.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close source: %w", cerr)
		}
	}()
	for i, t := range p.transforms {
		out, berr := t.Bind(schema)
		if berr != nil {
			return bindError(p.spec.transforms[i], berr)
		}
		schema = out
	}

	rejects := newRejectWriter(p.spec.Errors.RejectFile, p.scrub)
	if err := rejects.clearOld(); err != nil {
		return err
	}
	defer func() {
		if cerr := rejects.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if rejects.written > 0 {
			rep.RejectFile = rejects.path
		}
		rep.FirstRejects = rejects.first
	}()

	target := p.target
	if ro.DryRun {
		target = nil
	}
	if target != nil {
		if err := target.Open(ctx, schema); err != nil {
			p.closeTarget(target)
			return interrupted(ctx, err)
		}
		defer p.closeTarget(target)
	}

	if err := p.resume(ctx, target, rep); err != nil {
		return interrupted(ctx, err)
	}

	stopProgress := p.startProgress(ro.Progress, c)
	defer stopProgress()

	pending, err := p.stream(ctx, cancel, ro, target, rejects, c)
	if err == nil && p.spec.Errors.MaxRejects < 0 {
		if read := c.read.Load(); read > 0 {
			pct := float64(c.rejected.Load()) * 100 / float64(read)
			if pct > p.spec.Errors.MaxRejectsPct {
				err = fmt.Errorf("rejected %d of %d rows (%.2f%%), more than max_rejects %s%s",
					c.rejected.Load(), read, pct, p.spec.Errors, rejects.hint())
			}
		}
	}
	if target == nil {
		return err
	}
	if err != nil {
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(parent), 30*time.Second)
		defer rcancel()
		if rerr := target.Rollback(rctx); rerr != nil {
			p.logger.Error("rollback failed", "pipeline", p.spec.Name, "error", p.Scrub(rerr.Error()))
		}
		return err
	}
	if err := target.Commit(ctx); err != nil {
		return interrupted(ctx, fmt.Errorf("commit: %w", err))
	}
	c.committed.Store(c.written.Load())
	failpoint.Hit(failpoint.FinalCommit)
	if acker, ok := p.source.(extract.Acker); ok && pending != nil {
		if err := acker.Ack(ctx, pending); err != nil {
			return fmt.Errorf("acknowledge source position: %w", err)
		}
	}
	return nil
}

// resume hands the source the state earlier runs committed to the target,
// when the source keeps state and the target stores it. A dry run or a
// target without a state store starts the source from the beginning.
func (p *Pipeline) resume(ctx context.Context, target load.Loader, rep *Report) error {
	r, ok := p.source.(extract.Resumer)
	if !ok || !r.Resumes() || target == nil {
		return nil
	}
	sk, ok := target.(load.StateKeeper)
	if !ok {
		p.logger.Warn("the target keeps no state: the source starts from the beginning", "pipeline", p.spec.Name)
		return nil
	}
	if err := r.Resume(ctx, sk); err != nil {
		return fmt.Errorf("resume from the state in the target: %w", err)
	}
	rep.StateKept = true
	if rr, ok := p.source.(extract.ResumeReporter); ok {
		rs := rr.ResumeReport()
		rep.ResumedAt, rep.Unchanged = rs.ResumedAt, rs.Unchanged
	}
	return nil
}

func (p *Pipeline) closeTarget(t load.Loader) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := t.Close(ctx); err != nil {
		p.logger.Warn("closing the target failed", "pipeline", p.spec.Name, "error", p.Scrub(err.Error()))
	}
}

// stream moves batches from the source through the workers to the target:
// one reader goroutine, N transform workers, and this goroutine as the
// in-order sink. Channels are small and bounded, so a slow target slows the
// reader down (memory stays flat whatever the input size).
func (p *Pipeline) stream(ctx context.Context, cancel context.CancelCauseFunc, ro RunOptions,
	target load.Loader, rejects *rejectWriter, c *counters) (xcetl.Position, error) {
	workers := ro.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan *job, workers)
	order := make(chan *job, workers+2)
	var wg sync.WaitGroup

	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		defer func() {
			// A source must never take the whole process down (nor print
			// its state, secrets included, in a stack trace): the panic
			// becomes the run's error.
			if r := recover(); r != nil {
				j := &job{err: fmt.Errorf("internal error in the source: %v", r), done: make(chan struct{})}
				close(j.done)
				select {
				case order <- j:
				case <-ctx.Done():
				}
			}
		}()
		var read int64
		for {
			max := p.batchSize
			if ro.Limit > 0 {
				rem := ro.Limit - read
				if rem <= 0 {
					return
				}
				if rem < int64(max) {
					max = int(rem)
				}
			}
			b, err := p.source.Next(ctx, max)
			if err == io.EOF {
				return
			}
			j := &job{b: b, err: err, done: make(chan struct{})}
			if err != nil {
				close(j.done)
				select {
				case order <- j:
				case <-ctx.Done():
				}
				return
			}
			if ro.Limit > 0 {
				trimToLimit(b, ro.Limit-read)
			}
			read += int64(len(b.Rows) + len(b.Rejects))
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()

	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.err = p.process(ctx, j.b, target)
				close(j.done)
			}
		}()
	}

	pending, err := p.sink(ctx, order, target, rejects, c)
	if err != nil {
		cancel(err)
	}
	if !waitTimeout(&wg, readerGrace) {
		// A source blocked in a read that ignores the context (a FIFO,
		// stdin): go on with the rollback; Close will unblock it.
		p.logger.Warn("the source did not stop within the grace period; closing it", "pipeline", p.spec.Name, "grace", readerGrace)
	}
	if err == nil && ctx.Err() != nil {
		err = interrupted(ctx, ctx.Err())
	}
	return pending, err
}

// readerGrace is how long a cancelled run waits for the source and workers
// to notice before it goes on to roll back.
const readerGrace = 3 * time.Second

func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// trimToLimit drops rows past the limit (sources count rows and rejects
// toward max, so this only matters for sources that overshoot).
func trimToLimit(b *xcetl.Batch, rem int64) {
	if int64(len(b.Rows)+len(b.Rejects)) <= rem {
		return
	}
	keep := max(int(rem)-len(b.Rejects), 0)
	if len(b.Checkpoints) > 0 {
		// The batch's checkpoints describe its end, and no checkpoint
		// describes a row in its middle: committing the first rows
		// without them would make a resumed run read those rows again
		// and load them twice. So a batch of a source that keeps state
		// is loaded whole or not at all: --limit stops before it.
		keep, rem = 0, 0
	}
	b.Checkpoints, b.Last = nil, nil
	b.Rows = b.Rows[:keep]
	if b.Origin != nil {
		b.Origin = b.Origin[:min(keep, len(b.Origin))]
	}
	if b.Raw != nil {
		b.Raw = b.Raw[:min(keep, len(b.Raw))]
	}
	if b.Ops != nil {
		b.Ops = b.Ops[:min(keep, len(b.Ops))]
	}
	if b.Records != nil {
		b.Records = b.Records[:min(keep, len(b.Records))]
	}
	if int64(len(b.Rejects)) > rem {
		b.Rejects = b.Rejects[:rem]
	}
}

// process runs on a worker: transforms, then the loader's Prepare.
func (p *Pipeline) process(ctx context.Context, b *xcetl.Batch, target load.Loader) (err error) {
	defer func() {
		// A transform must never take the whole process down: turn a panic
		// into a failed run that says where it happened.
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error while transforming rows near %s: %v", firstOrigin(b), r)
		}
	}()
	if b.Raw == nil {
		fillRaw(b)
	}
	for i, t := range p.transforms {
		if err := t.Apply(ctx, b); err != nil {
			return fmt.Errorf("transform %d (%s): %w", i+1, transformName(p.spec.transforms[i]), err)
		}
		b.Compact()
	}
	if target != nil {
		if err := target.Prepare(b); err != nil {
			return err
		}
		b.Compact()
	}
	return nil
}

func firstOrigin(b *xcetl.Batch) string {
	if len(b.Origin) > 0 {
		return b.Origin[0].String()
	}
	return "the start of a batch"
}

// fillRaw snapshots typed rows as text before any transform, so rejects show
// the values as read.
func fillRaw(b *xcetl.Batch) {
	if b.Schema == nil {
		return
	}
	if b.RawHeader == nil {
		b.RawHeader = b.Schema.Names()
	}
	b.Raw = make([][]string, len(b.Rows))
	for i, row := range b.Rows {
		r := make([]string, len(row))
		for j, v := range row {
			r[j] = xcetl.FormatValue(v, b.Schema.Columns[j].Type.Kind)
		}
		b.Raw[i] = r
	}
}

// sink receives batches in source order, records rejects, enforces
// max_rejects and writes to the target.
func (p *Pipeline) sink(ctx context.Context, order <-chan *job, target load.Loader, rejects *rejectWriter, c *counters) (xcetl.Position, error) {
	acker, _ := p.source.(extract.Acker)
	var pending xcetl.Position
	for {
		var j *job
		select {
		case j = <-order:
		case <-ctx.Done():
			return nil, interrupted(ctx, ctx.Err())
		}
		if j == nil {
			break
		}
		select {
		case <-j.done:
		case <-ctx.Done():
			return nil, interrupted(ctx, ctx.Err())
		}
		if j.err != nil {
			return nil, interrupted(ctx, j.err)
		}
		b := j.b
		n := int64(len(b.Rows))
		// rows_read counts rows whose handling finished, so that
		// read = written + rejected + filtered holds even when a run stops
		// in the middle of a batch.
		c.read.Add(int64(len(b.Rejects)) + int64(b.Filtered))
		c.rejected.Add(int64(len(b.Rejects)))
		c.filtered.Add(int64(b.Filtered))
		c.batches.Add(1)
		if len(b.Rejects) > 0 {
			if err := rejects.write(b); err != nil {
				return nil, err
			}
			if max := p.spec.Errors.MaxRejects; max >= 0 && c.rejected.Load() > max {
				return nil, fmt.Errorf("rejected %d rows, more than max_rejects %d%s", c.rejected.Load(), max, rejects.hint())
			}
		}
		if b.Last != nil {
			pending = b.Last
		}
		if target == nil {
			c.written.Add(n)
			c.read.Add(n)
			continue
		}
		// A batch whose rows were all rejected or filtered still carries
		// its checkpoints: the target must store them, or a resumed run
		// would read those rows again.
		if n > 0 || len(b.Checkpoints) > 0 {
			committed, err := target.Write(ctx, b)
			if err != nil {
				return nil, interrupted(ctx, err)
			}
			c.written.Add(n)
			c.read.Add(n)
			if committed {
				c.committed.Store(c.written.Load())
				failpoint.Hit(failpoint.BatchCommit)
				if acker != nil && pending != nil {
					if err := acker.Ack(ctx, pending); err != nil {
						return nil, fmt.Errorf("acknowledge source position: %w", err)
					}
					pending = nil
				}
			}
		}
	}
	// What was not acknowledged batch by batch is acknowledged by the caller
	// after the final commit.
	return pending, nil
}

// interrupted turns a context error into ErrInterrupted with its cause, and
// passes other errors through.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	cause := context.Cause(ctx)
	if cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		// Cancelled by our own sink on an error: that error is the story.
		return cause
	}
	return fmt.Errorf("%w: the run was stopped before it finished (%v)", xcetl.ErrInterrupted, err)
}

// bindError makes sure a Bind failure points at the transform in the file.
func bindError(item any, err error) error {
	var se xcetl.SpecErrors
	var one *xcetl.SpecError
	if errors.As(err, &se) || errors.As(err, &one) {
		return err
	}
	if n, ok := item.(interface {
		Errorf(string, ...any) *xcetl.SpecError
	}); ok {
		return xcetl.SpecErrors{n.Errorf("%v", err)}
	}
	return fmt.Errorf("%w: %w", xcetl.ErrInvalid, err)
}

func transformName(item interface{ Keys() []string }) string {
	if k := item.Keys(); len(k) == 1 {
		return k[0]
	}
	return "?"
}
