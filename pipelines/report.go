package pipelines

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/internal/safefile"
)

// Status is how a run ended: StatusOK or StatusFailed (the report's
// "status").
type Status string

// The statuses of a run.
const (
	StatusOK     Status = "ok"
	StatusFailed Status = "failed"
)

// Report is the outcome of a run. Its JSON form is part of the CLI contract
// (PIPELINE-SPEC.md): keys may be added, never renamed.
//
// For batch sources RowsRead = RowsWritten + RowsRejected + RowsFiltered:
// every row read is accounted for exactly once. RowsWritten counts rows
// handed to the target; after a failed run with commit: run they were rolled
// back (RowsCommitted says what stayed).
type Report struct {
	Pipeline string `json:"pipeline"`
	// RunID identifies the run in logs and in the xcetl_runs table; Host is
	// the machine it ran on.
	RunID         string    `json:"run_id,omitempty"`
	Host          string    `json:"host,omitempty"`
	Status        Status    `json:"status"`
	RowsRead      int64     `json:"rows_read"`
	RowsWritten   int64     `json:"rows_written"`
	RowsRejected  int64     `json:"rows_rejected"`
	RowsFiltered  int64     `json:"rows_filtered"`
	RowsCommitted int64     `json:"rows_committed"`
	Batches       int64     `json:"batches"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
	DurationMS    int64     `json:"duration_ms"`
	Error         string    `json:"error"`
	DryRun        bool      `json:"dry_run"`
	RejectFile    string    `json:"reject_file,omitempty"`
	Source        string    `json:"source,omitempty"`
	Target        string    `json:"target,omitempty"`
	// FirstRejects holds up to 5 reject reasons with their locations, so a
	// cron mail shows what went wrong without opening the reject file.
	FirstRejects []string `json:"first_rejects,omitempty"`
	// StateKept is true when the source keeps its state in the target
	// (commit: batch, incremental): a rerun then continues after what this
	// run committed and reads nothing again of an input this run loaded
	// completely, as long as it is unchanged.
	StateKept bool `json:"state_kept"`
	// ResumedAt says where this run continued an interrupted one: "line
	// 65,002 of data/a.csv".
	ResumedAt string `json:"resumed_at,omitempty"`
	// Unchanged lists the inputs that an earlier run loaded completely and
	// that are unchanged since: this run did not read them again.
	Unchanged []string `json:"unchanged,omitempty"`
	// Stats holds what the source, transforms and target report beyond the
	// row counts (xcetl.Statser), by name: events_skipped, consumer_lag, ….
	Stats map[string]float64 `json:"stats,omitempty"`
}

// MarshalJSON renders times as RFC 3339.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	return json.Marshal(&struct {
		*plain
		StartedAt  string `json:"started_at"`
		FinishedAt string `json:"finished_at"`
	}{(*plain)(r), r.StartedAt.Format(time.RFC3339), r.FinishedAt.Format(time.RFC3339)})
}

// WriteFile writes the report as JSON to path (creating parent
// directories), atomically: a reader never sees a half-written report, and
// a symbolic link planted at path is replaced, never followed. The file's
// mode is 0600: the first rejects may quote personal data.
func (r *Report) WriteFile(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := safefile.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}

// Summary writes the human-readable summary of the report.
func (r *Report) Summary(w io.Writer) {
	d := time.Duration(r.DurationMS) * time.Millisecond
	verb := "written"
	if r.DryRun {
		verb = "would write"
	}
	status := r.Status
	if r.DryRun {
		status += " (dry run)"
	}
	rate := ""
	if secs := d.Seconds(); secs > 0 && r.RowsRead > 0 {
		rate = fmt.Sprintf(", %s rows/s", xcetl.GroupDigits(int64(float64(r.RowsRead)/secs)))
	}
	fmt.Fprintf(w, "xcetl %s: %s in %s%s\n", r.Pipeline, status, d.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "  rows read      %12s\n", xcetl.GroupDigits(r.RowsRead))
	fmt.Fprintf(w, "  rows %-11s%11s\n", verb, xcetl.GroupDigits(r.RowsWritten))
	fmt.Fprintf(w, "  rows rejected  %12s\n", xcetl.GroupDigits(r.RowsRejected))
	fmt.Fprintf(w, "  rows filtered  %12s\n", xcetl.GroupDigits(r.RowsFiltered))
	if r.Status != "ok" && !r.DryRun && r.RowsWritten != r.RowsCommitted {
		fmt.Fprintf(w, "  rows committed %12s (the rest was rolled back)\n", xcetl.GroupDigits(r.RowsCommitted))
	}
	if r.ResumedAt != "" {
		fmt.Fprintf(w, "  resumed at %s (an interrupted run had committed what comes before)\n", r.ResumedAt)
	}
	if len(r.Unchanged) > 0 {
		names := listSome(r.Unchanged, 5)
		if r.RowsRead == 0 && r.ResumedAt == "" {
			fmt.Fprintf(w, "  nothing to load: %s loaded completely by an earlier run and unchanged since\n", names)
		} else {
			fmt.Fprintf(w, "  not read again %s (loaded completely by an earlier run, unchanged since)\n", names)
		}
	}
	if r.RejectFile != "" {
		fmt.Fprintf(w, "  reject file    %s\n", r.RejectFile)
	}
	for _, s := range r.FirstRejects {
		fmt.Fprintf(w, "  reject: %s\n", s)
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", strings.ReplaceAll(r.Error, "\n", "\n         "))
	}
}

// listSome renders up to max names, "a, b and 3 more".
func listSome(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// scrub removes the pipeline's secrets from every text of the report: it
// goes to a file, to stderr, to xcetl_runs and to a database server's log.
func (r *Report) scrub(sc *xcetl.Scrubber) {
	for _, s := range []*string{&r.Error, &r.Source, &r.Target, &r.RejectFile, &r.ResumedAt, &r.Host} {
		*s = sc.Scrub(*s)
	}
	for _, l := range [][]string{r.FirstRejects, r.Unchanged} {
		for i := range l {
			l[i] = sc.Scrub(l[i])
		}
	}
}
