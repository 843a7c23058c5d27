package excel

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

// With `target.commit: batch` an excel source keeps state in the target
// (extract.Resumer), like a csv source: every batch carries the position
// reached — the data records read so far and the spreadsheet row of the
// last — with the workbook's size and SHA-256. A run killed at any point
// resumes after the last committed batch when the workbook is unchanged;
// a changed workbook (it cannot be checked in part: it is a zip archive)
// is read again from the start, with a warning. Once a run has read every
// row (the position says Done), later runs of the same, unchanged sheet
// read nothing — so a run killed after its last commit is rerun without
// loading a row twice — and a changed workbook is read from the start.

// positionKey is the checkpoint key of the position reached.
const positionKey = "excel/position"

// position is the value of the positionKey checkpoint.
type position struct {
	// Run identifies the logical run: a resumed run keeps the id of the
	// run it continues.
	Run     string `json:"run"`
	File    string `json:"file"`
	Sheet   string `json:"sheet"`
	Size    int64  `json:"size"`
	Hash    string `json:"hash"` // SHA-256 of the workbook, hex
	Records int64  `json:"records"`
	Row     int    `json:"row"` // spreadsheet row of the last record
	Done    bool   `json:"done"`
}

var _ extract.Resumer = (*Extractor)(nil)

// Resumes implements extract.Resumer: with commit: batch.
func (e *Extractor) Resumes() bool { return e.st.resumes }

// Resume implements extract.Resumer: it skips the records an interrupted
// run of the same workbook committed.
func (e *Extractor) Resume(ctx context.Context, state xcetl.StateReader) error {
	if !e.opened {
		return extract.Errorf("excel", "Resume called before Open")
	}
	cps, err := state.ReadCheckpoints(ctx, positionKey)
	if err != nil {
		return err
	}
	v, ok := cps[positionKey]
	if !ok {
		return nil
	}
	var pos position
	if err := json.Unmarshal(v, &pos); err != nil {
		e.log.Warn("excel: the stored position is unreadable; reading the sheet from the start", "error", err)
		return nil
	}
	switch {
	case pos.File != e.st.path || pos.Sheet != e.sheet.Name:
		e.log.Warn("excel: the interrupted run read another workbook or sheet; reading this one from the start",
			"file", e.st.path, "sheet", e.sheet.Name, "interrupted_file", pos.File, "interrupted_sheet", pos.Sheet)
		return nil
	case pos.Size != e.fileSize || pos.Hash != e.fileHash:
		e.log.Warn("excel: the workbook changed since the interrupted run read it; reading it again from the start (in append mode the rows loaded from it before are loaded twice)",
			"file", e.st.path, "sheet", e.sheet.Name, "row", pos.Row)
		return nil
	case pos.Done:
		e.log.Info("excel: sheet already loaded completely and unchanged since; reading nothing", "file", e.st.path, "sheet", e.sheet.Name)
		e.eof, e.peeked, e.runID = true, nil, pos.Run
		e.found.Unchanged = []string{e.st.path + " sheet " + e.sheet.Name}
		return nil
	}
	for e.records < pos.Records {
		if e.records%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if _, err := e.pull(); err == io.EOF {
			return extract.Errorf("excel", "%s: sheet %q: the interrupted run read %d records but the unchanged workbook has only %d", e.st.path, e.sheet.Name, pos.Records, e.records)
		} else if err != nil {
			return extract.Errorf("excel", "%w", err)
		}
		e.records++
	}
	e.runID = pos.Run
	e.log.Info("excel: resuming the interrupted run", "file", e.st.path, "sheet", e.sheet.Name, "row", pos.Row+1, "records_done", pos.Records)
	e.found.ResumedAt = "row " + xcetl.GroupDigits(int64(pos.Row+1)) + " of " + e.st.path + " sheet " + e.sheet.Name
	return nil
}

var _ extract.ResumeReporter = (*Extractor)(nil)

// ResumeReport implements extract.ResumeReporter.
func (e *Extractor) ResumeReport() extract.ResumeReport { return e.found }

// fingerprint reads the workbook's size and SHA-256 for the checkpoints.
func (e *Extractor) fingerprint() error {
	f, err := os.Open(e.st.fullPath())
	if err != nil {
		return fmt.Errorf("open %s: %w", e.st.path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("read %s: %w", e.st.path, err)
	}
	e.fileSize, e.fileHash = n, hex.EncodeToString(h.Sum(nil))
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	e.runID = hex.EncodeToString(b)
	return nil
}

// checkpoint is the position after the batch just read.
func (e *Extractor) checkpoint(row int) xcetl.Checkpoint {
	v, _ := json.Marshal(position{Run: e.runID, File: e.st.path, Sheet: e.sheet.Name, Size: e.fileSize, Hash: e.fileHash,
		Records: e.records, Row: row, Done: e.eof})
	return xcetl.Checkpoint{Key: positionKey, Value: v}
}
