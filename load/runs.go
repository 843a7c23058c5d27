package load

import (
	"context"
	"fmt"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// RunRecord is one row of the run history: what a run did, written at its
// end (also when it failed) on a connection of its own, outside the run's
// transaction, so that a rolled-back run is still on record.
type RunRecord struct {
	RunID      string
	Pipeline   string
	StartedAt  time.Time
	FinishedAt time.Time
	// Status is "ok", "failed" or "locked" (another run held the lock).
	Status        string
	RowsRead      int64
	RowsWritten   int64
	RowsRejected  int64
	RowsFiltered  int64
	RowsCommitted int64
	// Error is the run's error with secrets removed, "" on success.
	Error string
	Host  string
	PID   int
	// Report is the run's JSON report.
	Report []byte
}

// RunRecorder is implemented by loaders that keep the run history in the
// target. RecordRun is called once at the end of every run that was not a
// dry run, after Close; it opens and closes its own connection.
type RunRecorder interface {
	RecordRun(ctx context.Context, r RunRecord) error
}

var _ RunRecorder = (*SQL)(nil)

// The run history table, in the schema of the target table, shared by the
// pipelines writing to that schema:
//
//	xcetl_runs(run_id, pipeline, started_at, finished_at, status, rows_read,
//	  rows_written, rows_rejected, rows_filtered, rows_committed, error,
//	  host, pid, report), primary key (run_id)
//
// Times are timestamptz; report is the JSON report as text.
const runsTableName = "xcetl_runs"

var runsColumns = [...]struct {
	name string
	typ  xcetl.Type
}{
	{"run_id", xcetl.Type{Kind: xcetl.KindString, Precision: 64}},
	{"pipeline", xcetl.Type{Kind: xcetl.KindString, Precision: stateKeyLen}},
	{"started_at", xcetl.Type{Kind: xcetl.KindTimestampTZ}},
	{"finished_at", xcetl.Type{Kind: xcetl.KindTimestampTZ}},
	{"status", xcetl.Type{Kind: xcetl.KindString, Precision: 16}},
	{"rows_read", xcetl.Type{Kind: xcetl.KindInt}},
	{"rows_written", xcetl.Type{Kind: xcetl.KindInt}},
	{"rows_rejected", xcetl.Type{Kind: xcetl.KindInt}},
	{"rows_filtered", xcetl.Type{Kind: xcetl.KindInt}},
	{"rows_committed", xcetl.Type{Kind: xcetl.KindInt}},
	{"error", xcetl.Type{Kind: xcetl.KindString}},
	{"host", xcetl.Type{Kind: xcetl.KindString, Precision: 255}},
	{"pid", xcetl.Type{Kind: xcetl.KindInt}},
	{"report", xcetl.Type{Kind: xcetl.KindString}},
}

func (l *SQL) runsStatements() (dialects.Table, string, string, error) {
	t := dialects.Table{Schema: l.foldTable().Schema, Name: l.d.Fold(runsTableName)}
	cols := make([]dialects.Column, len(runsColumns))
	names := make([]string, len(runsColumns))
	phs := ""
	for i, c := range runsColumns {
		cols[i] = dialects.Column{Name: l.d.Fold(c.name), Type: c.typ, Nullable: c.name == "error" || c.name == "report"}
		names[i] = cols[i].Name
		if i > 0 {
			phs += ", "
		}
		phs += l.d.Placeholder(i + 1)
	}
	create, err := l.d.CreateTable(t, cols, []string{cols[0].Name})
	if err != nil {
		return t, "", "", err
	}
	ins := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", dialects.QualifiedName(l.d, t), dialects.QuoteList(l.d, "", names), phs)
	return t, create, ins, nil
}

func (l *SQL) runStatements() []Statement {
	_, create, ins, err := l.runsStatements()
	if err != nil {
		return nil
	}
	return []Statement{
		{When: "run history: at end of every run (also a failed one), on a connection of its own, if the table does not exist", SQL: create},
		{When: "run history: at end of every run, on that connection (committed on its own: a rolled-back run stays on record)", SQL: ins},
	}
}

// RecordRun implements RunRecorder.
func (l *SQL) RecordRun(ctx context.Context, r RunRecord) error {
	t, create, ins, err := l.runsStatements()
	if err != nil {
		return l.errorf("run history: %w", err)
	}
	c, err := l.connect(ctx)
	if err != nil {
		return l.errorf("run history: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	if err := ensureTable(ctx, c, t, create); err != nil {
		return l.errorf("run history table %s: %w", t, err)
	}
	var errText, report any
	if r.Error != "" {
		errText = r.Error
	}
	if len(r.Report) > 0 {
		report = string(r.Report)
	}
	if err := c.Exec(ctx, ins, r.RunID, r.Pipeline, r.StartedAt, r.FinishedAt, r.Status,
		r.RowsRead, r.RowsWritten, r.RowsRejected, r.RowsFiltered, r.RowsCommitted,
		errText, r.Host, int64(r.PID), report); err != nil {
		return l.errorf("run history: record run %s: %w", r.RunID, err)
	}
	return nil
}
