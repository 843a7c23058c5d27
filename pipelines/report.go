package pipelines

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
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
// directories), atomically: a reader never sees a half-written report.
func (r *Report) WriteFile(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write report: %w", err)
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
		rate = fmt.Sprintf(", %s rows/s", groupDigits(int64(float64(r.RowsRead)/secs)))
	}
	fmt.Fprintf(w, "xcetl %s: %s in %s%s\n", r.Pipeline, status, d.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "  rows read      %12s\n", groupDigits(r.RowsRead))
	fmt.Fprintf(w, "  rows %-11s%11s\n", verb, groupDigits(r.RowsWritten))
	fmt.Fprintf(w, "  rows rejected  %12s\n", groupDigits(r.RowsRejected))
	fmt.Fprintf(w, "  rows filtered  %12s\n", groupDigits(r.RowsFiltered))
	if r.Status != "ok" && !r.DryRun && r.RowsWritten != r.RowsCommitted {
		fmt.Fprintf(w, "  rows committed %12s (the rest was rolled back)\n", groupDigits(r.RowsCommitted))
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

func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
