package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	sqlsrc "github.com/xcetl/xcetl/extract/sql"
	"github.com/xcetl/xcetl/internal/safefile"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/pipelines"
)

// RunOptions are how a migration runs.
type RunOptions struct {
	Logger *slog.Logger
	// Scrubber learns the secrets of every table's pipeline.
	Scrubber *xcetl.Scrubber
	// Events, when set, is called as each table starts and ends (from the
	// table's goroutine: it must be safe for concurrent use).
	Events func(Event)
	// Progress, when set (a terminal), receives one line redrawn in place:
	// the progress of every table in flight. Writes to it are whole
	// redraws; a program that writes Events lines to the same terminal
	// starts them with "\r\033[K" and serialises the writes.
	Progress io.Writer
}

// Event is a table starting or ending.
type Event struct {
	Table  string
	Target string
	// Phase is "start" or the table's final status.
	Phase   string
	Rows    int64
	Rejects int64
	Seconds float64
	Err     error
}

// Table statuses in a Report.
const (
	StatusComplete = "complete"
	StatusSkipped  = "skipped" // complete in an earlier run
	StatusFailed   = "failed"
	StatusNotRun   = "not_run"
)

// Report is the outcome of a migration: one entry per table and the totals.
type Report struct {
	Migration   string        `json:"migration"`
	Status      string        `json:"status"`
	StartedAt   time.Time     `json:"started_at"`
	FinishedAt  time.Time     `json:"finished_at"`
	Seconds     float64       `json:"seconds"`
	Tables      []TableReport `json:"tables"`
	ForeignKeys string        `json:"foreign_keys"`
	Totals      Totals        `json:"totals"`
	Warnings    []string      `json:"warnings,omitempty"`
	Error       string        `json:"error,omitempty"`
}

// TableReport is one table of a Report.
type TableReport struct {
	Table   string  `json:"table"`
	Target  string  `json:"target"`
	Status  string  `json:"status"`
	Rows    int64   `json:"rows"`
	Rejects int64   `json:"rejects"`
	Seconds float64 `json:"seconds"`
	Resumed string  `json:"resumed,omitempty"`
	Error   string  `json:"error,omitempty"`
	// err is the error itself (xcetl.ErrLocked, …), for the exit code.
	err error
}

// Totals sums a Report's tables.
type Totals struct {
	Tables   int     `json:"tables"`
	Complete int     `json:"complete"`
	Skipped  int     `json:"skipped"`
	Failed   int     `json:"failed"`
	Rows     int64   `json:"rows"`
	Rejects  int64   `json:"rejects"`
	Seconds  float64 `json:"seconds"`
}

// WriteFile writes the report as JSON, atomically.
func (r *Report) WriteFile(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	f, err := safefile.Create(path, 0o644)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Abort()
		return fmt.Errorf("report: %w", err)
	}
	return f.Commit()
}

// Run migrates every table of the plan: at most tables.parallel at once,
// each by its own pipeline, then the foreign keys. It returns the report
// and an error when a table failed (the report says which).
func Run(ctx context.Context, p *Plan, o RunOptions) (*Report, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	f := p.File
	rep := &Report{Migration: f.Spec.Name, StartedAt: time.Now(), Warnings: p.Warnings, ForeignKeys: StatusNotRun}
	defer func() {
		rep.FinishedAt = time.Now()
		rep.Seconds = rep.FinishedAt.Sub(rep.StartedAt).Seconds()
		rep.total()
	}()
	if dc, ok := p.Target.(dialects.DriverChecker); ok {
		if err := dc.CheckDriver(); err != nil {
			return rep.fail(err)
		}
	}
	tg, err := openTarget(ctx, p.Target, f.Spec.Target.DSN.Reveal(), dialects.Env{BaseDir: f.Dir, Logger: o.Logger}, f.Spec.Name)
	if err != nil {
		return rep.fail(err)
	}
	defer tg.close(context.WithoutCancel(ctx))
	if dir := f.Spec.Errors.RejectDir; dir != "" {
		if err := os.MkdirAll(f.resolve(dir), 0o755); err != nil {
			return rep.fail(fmt.Errorf("errors.reject_dir: %w", err))
		}
	}
	lv := startLive(o.Progress)
	rep.Tables = make([]TableReport, len(p.Tables))
	sem := make(chan struct{}, f.Spec.Tables.Parallel)
	var wg sync.WaitGroup
	for i, tp := range p.Tables {
		rep.Tables[i] = TableReport{Table: tp.Source.Table.Name, Target: tp.Target.String(), Status: StatusNotRun}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			rep.Tables[i] = p.runTable(ctx, tg, tp, o, lv)
		}()
	}
	wg.Wait()
	lv.close()
	var errs []error
	for _, t := range rep.Tables {
		switch {
		case t.err != nil:
			errs = append(errs, fmt.Errorf("table %s: %w", t.Table, t.err))
		case t.Status == StatusFailed || t.Status == StatusNotRun:
			errs = append(errs, fmt.Errorf("table %s: %s", t.Table, orStatus(t.Error, t.Status)))
		}
	}
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return rep.fail(errors.Join(errs...))
	}
	if err := p.foreignKeys(ctx, tg); err != nil {
		rep.ForeignKeys = StatusFailed
		return rep.fail(err)
	}
	rep.ForeignKeys = StatusComplete
	rep.Status = "succeeded"
	return rep, nil
}

func orStatus(msg, status string) string {
	if msg != "" {
		return msg
	}
	return status
}

func (r *Report) fail(err error) (*Report, error) {
	r.Status = "failed"
	r.Error = err.Error()
	return r, err
}

func (r *Report) total() {
	r.Totals = Totals{Tables: len(r.Tables), Seconds: r.Seconds}
	for _, t := range r.Tables {
		r.Totals.Rows += t.Rows
		r.Totals.Rejects += t.Rejects
		switch t.Status {
		case StatusComplete:
			r.Totals.Complete++
		case StatusSkipped:
			r.Totals.Skipped++
		case StatusFailed:
			r.Totals.Failed++
		}
	}
}

// runTable prepares, loads and finishes one table.
func (p *Plan) runTable(ctx context.Context, tg *target, tp *TablePlan, o RunOptions, lv *live) (tr TableReport) {
	start := time.Now()
	tr = TableReport{Table: tp.Source.Table.Name, Target: tp.Target.String()}
	emit := func(phase string, err error) {
		if o.Events != nil {
			o.Events(Event{Table: tr.Table, Target: tr.Target, Phase: phase, Rows: tr.Rows, Rejects: tr.Rejects, Seconds: tr.Seconds, Err: err})
		}
	}
	fail := func(err error) TableReport {
		tr.Status, tr.Error, tr.err, tr.Seconds = StatusFailed, err.Error(), err, time.Since(start).Seconds()
		emit(StatusFailed, err)
		return tr
	}
	tg.mu.Lock()
	st, err := tg.status(ctx, tr.Table)
	tg.mu.Unlock()
	if err != nil {
		return fail(fmt.Errorf("state: %w", err))
	}
	if st == stateComplete {
		tr.Status = StatusSkipped
		emit(StatusSkipped, nil)
		return tr
	}
	emit("start", nil)
	resumed, err := tg.prepare(ctx, tp)
	if err != nil {
		return fail(err)
	}
	pl, err := pipelines.Build(p.Definition(tp, len(p.Tables)), pipelines.WithLogger(o.Logger), pipelines.WithScrubber(o.Scrubber))
	if err != nil {
		return fail(err)
	}
	prep, err := pl.Run(ctx, pipelines.RunOptions{Progress: lv.add(tr.Table)})
	lv.remove(tr.Table)
	if prep != nil {
		tr.Rows, tr.Rejects, tr.Resumed = prep.RowsCommitted, prep.RowsRejected, prep.ResumedAt
	}
	if resumed && tr.Resumed == "" {
		tr.Resumed = "the table was loading"
	}
	if err != nil {
		return fail(err)
	}
	if err := tg.finish(ctx, tp, tr.Rows); err != nil {
		return fail(fmt.Errorf("after the data: %w", err))
	}
	tr.Status, tr.Seconds = StatusComplete, time.Since(start).Seconds()
	emit(StatusComplete, nil)
	return tr
}

// Definition is the pipeline that loads one table: the sql source over
// the source table (where and chunk from its override), the columns:
// rules' and the override's transforms, the target's table (created by the
// migration beforehand: create never) written in batches that commit with
// their chunk's progress.
func (p *Plan) Definition(tp *TablePlan, tables int) pipelines.Definition {
	f := p.File
	readers := f.Spec.Tables.Parallel / min(f.Spec.Tables.Parallel, max(tables, 1))
	chunk := tp.Override.Chunk
	if chunk == nil {
		chunk = &sqlsrc.ChunkSpec{Rows: f.Spec.Tables.ChunkRows}
	}
	src := &sqlsrc.Spec{Driver: f.Spec.Source.Driver, DSN: f.Spec.Source.DSN, Table: tp.Source.Table.String(),
		Where: tp.Override.Where, Chunk: chunk, Parallel: max(readers, 1), Snapshot: f.Spec.Source.Snapshot,
		ZeroDates: f.Spec.Source.ZeroDates, Types: f.Spec.Types}
	tgt := &load.SQLSpec{DSN: f.Spec.Target.DSN, Table: tp.Target.String(), Mode: tp.Override.Mode, Create: "never",
		Commit: tp.Commit(), BatchSize: f.Spec.Target.BatchSize}
	if tgt.Commit == "batch" {
		tgt.CommitEvery = max(f.Spec.Target.CommitEvery, 1)
	}
	if tp.Override.Mode == "upsert" {
		for _, k := range tp.Key {
			tgt.Key = append(tgt.Key, p.Target.Fold(k))
		}
	}
	def := pipelines.Definition{Name: tp.State, Description: "migration " + f.Spec.Name + ": table " + tp.Source.Table.Name,
		Dir: f.Dir, Source: pipelines.Part{Type: "sql", Spec: src}, Transforms: tp.Transforms,
		Target: pipelines.Part{Type: f.Spec.Target.Type, Spec: tgt},
		Errors: pipelines.ErrorsSpec{MaxRejects: f.Spec.Errors.MaxRejects}}
	if def.Errors.MaxRejects == "" {
		def.Errors.MaxRejects = "0"
	}
	if f.Spec.Errors.RejectDir != "" {
		def.Errors.RejectFile = filepath.Join(f.resolve(f.Spec.Errors.RejectDir), tp.Source.Table.Name+".csv")
	}
	return def
}

// foreignKeyStatements splits the foreign keys' statements into those
// outside their transaction (each once) and those in it.
func (p *Plan) foreignKeyStatements() (before, in, after []dialects.Statement) {
	seen := map[string]bool{}
	once := func(list []dialects.Statement, s dialects.Statement) []dialects.Statement {
		if seen[s.When+s.SQL] {
			return list
		}
		seen[s.When+s.SQL] = true
		return append(list, s)
	}
	for _, tp := range p.Tables {
		for _, s := range tp.DDL.ForeignKeys {
			switch s.When {
			case dialects.WhenBeforeForeignKeys:
				before = once(before, s)
			case dialects.WhenAfterForeignKeys:
				after = once(after, s)
			default:
				in = append(in, s)
			}
		}
	}
	return before, in, after
}

// Commit is the table's commit: batch (resumable by chunk) when it has a
// primary key or a chunk column; otherwise run: the table loads in one
// transaction, and a killed run leaves it empty for the rerun.
func (tp *TablePlan) Commit() string {
	if len(tp.Key) > 0 || tp.Override.Chunk != nil && tp.Override.Chunk.Column != "" {
		return "batch"
	}
	return "run"
}

// foreignKeys creates every table's foreign keys once all are loaded.
func (p *Plan) foreignKeys(ctx context.Context, tg *target) error {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	st, err := tg.status(ctx, fkRow)
	if err != nil || st == stateComplete {
		return err
	}
	before, stmts, after := p.foreignKeyStatements()
	if err := tg.exec(ctx, before); err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	err = tg.inTx(ctx, func() error {
		if err := tg.exec(ctx, stmts); err != nil {
			return err
		}
		return tg.setStatus(ctx, fkRow, stateComplete, int64(len(stmts)))
	})
	if aerr := tg.exec(context.WithoutCancel(ctx), after); err == nil {
		err = aerr
	}
	if err != nil {
		return fmt.Errorf("foreign keys: %w", err)
	}
	return nil
}
