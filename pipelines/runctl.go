package pipelines

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/load"
)

// newRunID returns a random identifier for a run (16 hex digits).
func newRunID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return time.Now().UTC().Format("20060102T150405.000000000")
	}
	return hex.EncodeToString(b[:])
}

// lock takes the pipeline's lock when the target can hold one
// (load.Locker), and stops the run (cancel) if the lock is lost while it
// goes on. release gives the lock up; it is safe to call once.
func (p *Pipeline) lock(ctx context.Context, cancel context.CancelCauseFunc, rep *Report) (release func(), err error) {
	lk, ok := p.target.(load.Locker)
	if ws, shares := p.source.(extract.WorkSharer); shares && ws.SharesWork() {
		// Its runs share the input among themselves (a consumer group):
		// more of them at once is the way to scale out, not an overlap.
		ok = false
	}
	if !ok || p.noLock {
		return func() {}, nil
	}
	held, err := lk.Lock(ctx, load.LockHolder{Host: rep.Host, PID: os.Getpid(), Since: rep.StartedAt})
	if err != nil {
		return nil, err
	}
	p.logger.Debug("took the pipeline lock", "pipeline", p.spec.Name, "run_id", rep.RunID)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case lerr := <-held.Lost():
			p.logger.Error("lost the pipeline lock; stopping the run", "pipeline", p.spec.Name, "error", p.Scrub(lerr.Error()))
			cancel(lerr)
		case <-stop:
		}
	}()
	return func() {
		close(stop)
		<-done
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer rcancel()
		if err := held.Release(rctx); err != nil {
			p.logger.Warn("releasing the pipeline lock failed (the database or the kernel releases it when this process ends)",
				"pipeline", p.spec.Name, "error", p.Scrub(err.Error()))
		}
	}, nil
}

// recordRun writes the run's row of the run history, when the target keeps
// one. A failure is logged, never the run's failure.
func (p *Pipeline) recordRun(ctx context.Context, rep *Report, runErr error) {
	rr, ok := p.target.(load.RunRecorder)
	if !ok || p.noHistory {
		return
	}
	status := string(rep.Status)
	if errors.Is(runErr, xcetl.ErrLocked) {
		status = "locked"
	}
	js, _ := json.Marshal(rep)
	rec := load.RunRecord{
		RunID: rep.RunID, Pipeline: rep.Pipeline, StartedAt: rep.StartedAt, FinishedAt: rep.FinishedAt,
		Status: status, RowsRead: rep.RowsRead, RowsWritten: rep.RowsWritten, RowsRejected: rep.RowsRejected,
		RowsFiltered: rep.RowsFiltered, RowsCommitted: rep.RowsCommitted, Error: rep.Error,
		Host: rep.Host, PID: os.Getpid(), Report: js,
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := rr.RecordRun(rctx, rec); err != nil {
		p.logger.Warn("could not record the run in the run history", "pipeline", p.spec.Name, "run_id", rep.RunID, "error", p.Scrub(err.Error()))
	}
}
