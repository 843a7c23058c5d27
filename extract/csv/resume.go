package csv

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/tjfoc/gmsm/sm3"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

// A csv source keeps state in the target (extract.Resumer) in two cases:
//
//   - `target.commit: batch`: every batch carries the position reached —
//     the file, the byte offset just after the batch's last record, the
//     line and record numbers there, and a hash of the file's bytes before
//     the offset (SHA-256; SM3 with incremental: files). A run killed at
//     any point resumes after the last committed batch, once the bytes
//     before the offset are verified unchanged; if they changed, the file
//     is read again from the start (with a warning: in append mode its
//     earlier rows are then loaded twice). Once a run has read every file
//     (the position says Done), the files it read to their end stay
//     loaded: later runs skip each of them while it is unchanged (size
//     and hash of its manifest entry) and read a changed one again from
//     the start — so a run killed after its last commit, while it writes
//     the run history or the report, is rerun without loading anything.
//   - `incremental: files`: a file manifest — for every file read to its
//     end: its size, the SM3 of its content and the line count — so that
//     a later run skips the files loaded before, loads again a file whose
//     content changed, and loads only the new lines of a file that grew
//     (whose old content is unchanged and ended with a line break).
//
// Both are xcetl.Checkpoints, committed in the transaction of the batch
// they describe: "csv/position", and "file/<path as matched>" per file.
//
// Offsets are byte offsets in the file as stored. GBK and GB18030 bytes are
// decoded before encoding/csv sees them, so the offset of a record's end is
// found through line breaks: a 0x0A byte is a line break in every supported
// encoding (it is never part of a multi-byte GBK or GB18030 character, and
// the decoders never swallow it), so the n-th line break of the decoded
// text is the n-th 0x0A of the file. Records, quoted ones spanning several
// lines included, always end just after a line break (or at the end of the
// file), which is where encoding/csv's InputOffset stands after a Read.

// positionKey is the checkpoint key of the position reached.
const positionKey = "csv/position"

// fileKeyPrefix starts the checkpoint keys of the file manifest.
const fileKeyPrefix = "file/"

// position is the value of the positionKey checkpoint.
type position struct {
	// Run identifies the logical run: a resumed run keeps the id of the
	// run it continues, so that it knows which manifest entries it wrote.
	Run      string `json:"run"`
	File     string `json:"file"`
	Offset   int64  `json:"offset"`
	Lines    int64  `json:"lines"`
	Records  int64  `json:"records"`
	Hash     string `json:"hash"` // of the file's bytes before Offset, hex
	Algo     string `json:"algo"` // "sm3" | "sha256"
	Encoding string `json:"encoding"`
	// Done: the run read every file; the next run starts afresh.
	Done bool `json:"done"`
}

// fileEntry is the value of a manifest checkpoint, written when a file
// was read to its end.
type fileEntry struct {
	Run      string    `json:"run"`
	Size     int64     `json:"size"`
	Hash     string    `json:"hash"` // of the whole content, hex
	Algo     string    `json:"algo"` // "sm3" (incremental: files) | "sha256"
	Lines    int64     `json:"lines"`
	Records  int64     `json:"records"`
	EndsLine bool      `json:"ends_line"` // the last byte is a line break
	Encoding string    `json:"encoding"`
	LoadedAt time.Time `json:"loaded_at"`
}

// filePlan says where a file is read from in this run.
type filePlan struct {
	offset, lines, records int64
	hash                   hash.Hash // state after the bytes before offset; nil for offset 0
	algo                   string
}

var (
	_ extract.Resumer        = (*Extractor)(nil)
	_ extract.ResumeReporter = (*Extractor)(nil)
)

// ResumeReport implements extract.ResumeReporter.
func (e *Extractor) ResumeReport() extract.ResumeReport { return e.found }

// Resumes implements extract.Resumer: with commit: batch or
// incremental: files.
func (e *Extractor) Resumes() bool { return e.st.position || e.st.manifest }

// fileKey is the manifest key of a file (hashed when the path is too long
// for the state table's key column).
func fileKey(name string) string {
	k := fileKeyPrefix + name
	if len(k) <= 500 {
		return k
	}
	h := sm3.Sm3Sum([]byte(name))
	return fileKeyPrefix + "sm3:" + hex.EncodeToString(h)
}

// Resume implements extract.Resumer: it decides, per file, whether to skip
// it, read it from the start, or continue where a killed run stopped.
func (e *Extractor) Resume(ctx context.Context, state xcetl.StateReader) error {
	if !e.opened {
		return extract.Errorf("csv", "Resume called before Open")
	}
	cps, err := state.ReadCheckpoints(ctx, "")
	if err != nil {
		return err
	}
	var pos *position
	if v, ok := cps[positionKey]; ok && e.st.position {
		pos = &position{}
		if err := json.Unmarshal(v, pos); err != nil {
			e.log.Warn("csv: the stored position is unreadable; reading every file from the start", "error", err)
			pos = nil
		}
		// A position that says Done stays: the files that run read to
		// their end (manifest entries of its run) are not read again while
		// they are unchanged, so that a run killed after its last commit —
		// or run again on the same files — loads nothing twice.
	}
	if pos != nil {
		e.runID = pos.Run
	} else {
		e.runID = newRunID()
	}
	var (
		files []file
		plans []filePlan
		total int64
	)
	for i := range e.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		f := e.files[i]
		plan, skip, err := e.planFile(f, cps, pos)
		if err != nil {
			return err
		}
		if skip {
			continue
		}
		files = append(files, f)
		plans = append(plans, plan)
		total += f.size - plan.offset
	}
	if e.cur != nil {
		e.cur.f.Close()
		e.cur = nil
	}
	e.files, e.plans, e.next = files, plans, 0
	e.total.Store(total)
	e.resumed = true
	return nil
}

// planFile decides what to do with f.
func (e *Extractor) planFile(f file, cps map[string][]byte, pos *position) (plan filePlan, skip bool, err error) {
	var entry *fileEntry
	if v, ok := cps[fileKey(f.name)]; ok {
		entry = &fileEntry{}
		if err := json.Unmarshal(v, entry); err != nil {
			e.log.Warn("csv: a stored manifest entry is unreadable; loading the file", "file", f.name, "error", err)
			entry = nil
		}
	}
	switch {
	case pos != nil && entry != nil && entry.Run == pos.Run && !e.st.manifest:
		// Read to its end by the run this one continues (an interrupted
		// one, or a complete one: pos.Done). With incremental: files the
		// manifest case below decides, and loads only the new lines of a
		// file that grew.
		if same, err := sameContent(f, entry); err != nil {
			return plan, false, err
		} else if same {
			e.log.Info("csv: file already loaded completely and unchanged since; skipping it", "file", f.name, "loaded_at", entry.LoadedAt)
			e.found.Unchanged = append(e.found.Unchanged, f.name)
			return plan, true, nil
		}
		e.log.Warn("csv: file changed since an earlier run loaded it; loading it again from the start (in append mode its earlier rows are loaded twice)", "file", f.name)
		return plan, false, nil
	case pos != nil && !pos.Done && pos.File == f.name:
		if pos.Encoding != "" && e.st.encodingFixed() && pos.Encoding != e.st.encoding {
			e.log.Warn("csv: the encoding changed since the interrupted run; reading the file from the start", "file", f.name)
			return plan, false, nil
		}
		h, ok, err := prefixMatches(f, pos.Offset, pos.Hash, pos.Algo)
		if err != nil {
			return plan, false, err
		}
		if !ok {
			e.log.Warn("csv: file changed since the interrupted run read it; reading it again from the start (in append mode the rows loaded from it before are loaded twice)",
				"file", f.name, "line", pos.Lines)
			return plan, false, nil
		}
		e.log.Info("csv: resuming the interrupted run", "file", f.name, "line", pos.Lines+1, "offset", pos.Offset, "records_done", pos.Records)
		e.found.ResumedAt = "line " + xcetl.GroupDigits(pos.Lines+1) + " of " + f.name
		return filePlan{offset: pos.Offset, lines: pos.Lines, records: pos.Records, hash: h, algo: pos.Algo}, false, nil
	case e.st.manifest && entry != nil:
		if f.size == entry.Size {
			same, err := sameContent(f, entry)
			if err != nil {
				return plan, false, err
			}
			if same {
				e.log.Info("csv: file already loaded; skipping it", "file", f.name, "loaded_at", entry.LoadedAt)
				e.found.Unchanged = append(e.found.Unchanged, f.name)
				return plan, true, nil
			}
		} else if f.size > entry.Size && entry.EndsLine {
			h, ok, err := prefixMatches(f, entry.Size, entry.Hash, entry.Algo)
			if err != nil {
				return plan, false, err
			}
			if ok {
				e.log.Info("csv: file grew since it was loaded; loading its new lines", "file", f.name, "from_line", entry.Lines+1)
				return filePlan{offset: entry.Size, lines: entry.Lines, records: entry.Records, hash: h, algo: entry.Algo}, false, nil
			}
		}
		e.log.Warn("csv: file changed since it was loaded; loading it again (in append mode its earlier rows are loaded twice)",
			"file", f.name, "loaded_at", entry.LoadedAt, "size_then", entry.Size, "size_now", f.size)
	}
	return plan, false, nil
}

// sameContent reports whether f still has the size and hash of entry.
func sameContent(f file, entry *fileEntry) (bool, error) {
	if f.size != entry.Size {
		return false, nil
	}
	_, ok, err := prefixMatches(f, entry.Size, entry.Hash, entry.Algo)
	return ok, err
}

// prefixMatches hashes the first n bytes of f with algo and compares them
// with the hex digest want; it returns the hash state for going on from n.
func prefixMatches(f file, n int64, want, algo string) (hash.Hash, bool, error) {
	h := newHash(algo)
	if f.size < n || h == nil || want == "" {
		return nil, false, nil
	}
	fh, err := os.Open(f.full)
	if err != nil {
		return nil, false, extract.Errorf("csv", "file %s: %w", f.name, err)
	}
	defer fh.Close()
	if _, err := io.CopyN(h, fh, n); err != nil {
		return nil, false, extract.Errorf("csv", "file %s: verify the part loaded before: %w", f.name, err)
	}
	return h, hex.EncodeToString(h.Sum(nil)) == want, nil
}

// continueAt moves r, just opened at the start of its file (header read and
// checked), to plan.offset: the decoder and encoding/csv start afresh there,
// which is a line start.
func (e *Extractor) continueAt(r *reader, plan *filePlan, counter *atomic.Int64) error {
	if plan.offset == 0 {
		return nil
	}
	if _, err := r.f.Seek(plan.offset, io.SeekStart); err != nil {
		return extract.Errorf("csv", "file %s: %w", r.file.name, err)
	}
	trk := e.newTracker(r.enc, plan.offset)
	trk.hash, trk.algo, trk.lines, trk.endsLine = plan.hash, plan.algo, plan.lines, true
	r.setStream(e.chain(r.f, counter, r.enc, trk), &e.st.split, 0)
	r.trk = trk
	r.decStart, r.lineOff, r.records = 0, int(plan.lines), plan.records
	return nil
}

// checkpoint attaches the position after b (and, at the end of a file, its
// manifest entry) to b; at the end of a file with no rows left it makes an
// empty batch to carry them.
func (e *Extractor) checkpoint(r *reader, b *xcetl.Batch, eof bool) (*xcetl.Batch, error) {
	t := r.trk
	if t == nil {
		return b, nil
	}
	if eof {
		t.advanceAll()
	} else if err := t.advance(r.decStart + r.sp.InputOffset()); err != nil {
		return nil, extract.Errorf("csv", "file %s: %w", r.file.name, err)
	}
	if b == nil {
		if !eof {
			return nil, nil
		}
		b = &xcetl.Batch{Schema: e.schema, RawHeader: r.header}
	}
	sum := hex.EncodeToString(t.hash.Sum(nil))
	if eof {
		v, _ := json.Marshal(fileEntry{Run: e.runID, Size: t.rawBase, Hash: sum, Algo: t.algo, Lines: t.lines, Records: r.records,
			EndsLine: t.endsLine, Encoding: r.enc, LoadedAt: time.Now().UTC()})
		b.Checkpoints = append(b.Checkpoints, xcetl.Checkpoint{Key: fileKey(r.file.name), Value: v})
	}
	if e.st.position {
		v, _ := json.Marshal(position{Run: e.runID, File: r.file.name, Offset: t.rawBase, Lines: t.lines,
			Records: r.records, Hash: sum, Algo: t.algo, Encoding: r.enc, Done: eof && e.next >= len(e.files)})
		b.Checkpoints = append(b.Checkpoints, xcetl.Checkpoint{Key: positionKey, Value: v})
	}
	return b, nil
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tracker follows the bytes of one file between checkpoints: the raw bytes
// read from the file since the last checkpoint (rawWin) and, for GBK and
// GB18030, the decoded bytes handed to encoding/csv since then (decWin).
// Reads run ahead of encoding/csv by the buffers in between, so the windows
// hold a batch's bytes plus those buffers: memory stays flat.
type tracker struct {
	hash     hash.Hash // of the file's bytes before rawBase
	algo     string
	rawWin   []byte
	rawBase  int64 // file offset of rawWin[0]
	lines    int64 // line breaks before rawBase
	endsLine bool  // the bytes before rawBase end with a line break
	utf16    utf16Order

	gb      bool // decoding changes lengths: map through line breaks
	decWin  []byte
	decBase int64 // offset in the decoded stream of decWin[0]
}

// newTracker returns a tracker for a file read from raw offset start, or
// nil when the run keeps no state.
func (e *Extractor) newTracker(enc string, start int64) *tracker {
	if !e.resumed {
		return nil
	}
	algo := algoSHA256
	if e.st.manifest {
		// The manifest promises SM3 of the content (GB/T 32905).
		algo = algoSM3
	}
	return &tracker{hash: newHash(algo), algo: algo, rawBase: start, gb: enc != EncodingUTF8, utf16: utf16Of(enc)}
}

// The hashes of a file's bytes: SM3 for the manifest of incremental: files;
// SHA-256 (about ten times faster here: hardware instructions) when only
// the resume position needs one.
const (
	algoSM3    = "sm3"
	algoSHA256 = "sha256"
)

func newHash(algo string) hash.Hash {
	switch algo {
	case algoSM3:
		return sm3.New()
	case algoSHA256:
		return sha256.New()
	}
	return nil
}

// advance moves the checkpoint to dec, an offset in the decoded stream
// where encoding/csv stands after a record (just after a line break).
func (t *tracker) advance(dec int64) error {
	var pos int
	if !t.gb {
		// UTF-8 is not transformed: decoded offsets are raw offsets from
		// where the stream started.
		pos = int(dec - t.decBase)
		t.decBase = dec
	} else {
		n := int(dec - t.decBase)
		if n < 0 || n > len(t.decWin) {
			return fmt.Errorf("internal error: record end %d outside the decoded window [%d, %d)", dec, t.decBase, t.decBase+int64(len(t.decWin)))
		}
		seg := t.decWin[:n]
		k := bytes.Count(seg, nl) // in decoded text: UTF-8
		// A record that ends without a line break ends the file:
		// encoding/csv read it up to the end of the input.
		toEnd := n > 0 && seg[n-1] != '\n'
		t.decWin = append(t.decWin[:0], t.decWin[n:]...)
		t.decBase = dec
		pos = 0
		for ; k > 0; k-- {
			i := t.afterLineBreak(t.rawWin[pos:])
			if i < 0 {
				return errors.New("internal error: fewer line breaks in the file than in its decoded text")
			}
			pos += i
		}
		if toEnd {
			pos = len(t.rawWin)
		}
	}
	if pos < 0 || pos > len(t.rawWin) {
		return fmt.Errorf("internal error: record end %d outside the raw window of %d bytes", pos, len(t.rawWin))
	}
	t.consume(pos)
	return nil
}

// advanceAll moves the checkpoint to the end of the file.
func (t *tracker) advanceAll() {
	t.consume(len(t.rawWin))
	t.decBase += int64(len(t.decWin))
	t.decWin = t.decWin[:0]
}

func (t *tracker) consume(n int) {
	if n == 0 {
		return
	}
	seg := t.rawWin[:n]
	t.hash.Write(seg)
	t.lines += t.countLineBreaks(seg)
	if t.utf16 == notUTF16 {
		t.endsLine = seg[n-1] == '\n'
	} else {
		t.endsLine = n >= 2 && t.afterLineBreak(seg[n-2:]) == 2
	}
	t.rawBase += int64(n)
	t.rawWin = append(t.rawWin[:0], t.rawWin[n:]...)
}

var nl = []byte{'\n'}

// afterLineBreak returns the index just after the first line break of b
// (raw bytes starting where a character starts), or -1. In UTF-16 a line
// break is the code unit 0x000A, at an even offset.
func (t *tracker) afterLineBreak(b []byte) int {
	if t.utf16 == notUTF16 {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return i + 1
		}
		return -1
	}
	for i := 0; i+1 < len(b); i += 2 {
		if t.utf16 == littleEndian && b[i] == '\n' && b[i+1] == 0 || t.utf16 == bigEndian && b[i] == 0 && b[i+1] == '\n' {
			return i + 2
		}
	}
	return -1
}

// countLineBreaks counts the line breaks of b (raw bytes starting where a
// character starts).
func (t *tracker) countLineBreaks(b []byte) int64 {
	if t.utf16 == notUTF16 {
		return int64(bytes.Count(b, nl))
	}
	var n int64
	for len(b) > 0 {
		i := t.afterLineBreak(b)
		if i < 0 {
			break
		}
		n++
		b = b[i:]
	}
	return n
}

// rawTap copies the file's bytes into the tracker's raw window.
type rawTap struct {
	r io.Reader
	t *tracker
}

func (a *rawTap) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.t.rawWin = append(a.t.rawWin, p[:n]...)
	return n, err
}

// decTap copies the decoded bytes into the tracker's decoded window.
type decTap struct {
	r io.Reader
	t *tracker
}

func (a *decTap) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.t.decWin = append(a.t.decWin, p[:n]...)
	return n, err
}
