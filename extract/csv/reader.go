package csv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/internal/box"
)

// defaultBatch is used when Next is asked for max <= 0.
const defaultBatch = 4096

// firstChunk is how many rows' worth of values a batch allocates first.
const firstChunk = 1024

// readBuffer is the size of the buffer between the file (or decoder) and
// the splitter: big reads keep system calls and decoder calls rare, and a
// record on one line shorter than this is split straight out of it.
const readBuffer = 64 << 10

// Extractor reads the files of one csv source, in lexical order of their
// paths. Open, Next and Close are called from one goroutine; Progress may be
// called from any goroutine at any time.
type Extractor struct {
	st  settings
	log *slog.Logger

	files       []file
	schema      *xcetl.Schema
	first       []string // the first file's normalised header: the order every file is mapped to
	firstHeader []string // the first file's header as read
	cur         *reader  // the file being read, nil between files
	next        int      // index in files of the next file to open
	doneFiles   int64    // bytes of the files read to the end
	opened      bool
	closed      bool

	done  atomic.Int64 // bytes consumed, for Progress
	total atomic.Int64 // bytes of all files

	decided     []fileDecision // what encoding: auto decided, per file
	shortFilled atomic.Int64   // rows whose missing trailing fields were filled with NULL
	longCut     atomic.Int64   // rows whose extra fields were dropped

	// Set by Resume (resume.go).
	resumed bool       // checkpoints are attached to batches
	runID   string     // the logical run, kept across resumes of a killed run
	plans   []filePlan // per file of files: where to start
	found   extract.ResumeReport
}

// file is one file to read.
type file struct {
	name string // as shown in origins and messages: the configured path or the glob match
	full string // the path to open
	size int64
}

// reader is an open file positioned after its header.
type reader struct {
	f       *os.File
	file    *file
	enc     string // one of the Encoding names (resolved, never auto)
	sp      *splitter
	lineOff int      // physical lines skipped before the splitter saw the stream
	header  []string // as read (or the configured columns): the batch's RawHeader
	names   []string // header names trimmed, empty ones named column_N
	width   int      // fields every record must have
	inv     []int    // inv[f] is the schema column of field f; nil when the order is the first file's
	records int64    // records read so far, rows and rejects

	prev     []any    // per schema column, the last value boxed
	prevText []string // and its text
	clean    *cleanReader
	mix      *mixWatch // marks lines of UTF-8 text in a GBK or Latin-1 file; nil otherwise
	markOff  int64     // decoder line = splitter line + markOff

	pad      []string // a short record filled up to the width
	padKinds []fieldKind

	// For resumable runs (see resume.go): trk follows the raw and decoded
	// bytes so that a batch's end can be checkpointed as a byte offset;
	// decStart is how many decoded bytes were consumed before the splitter
	// started (byte order marks, skip_rows).
	trk      *tracker
	decStart int64
}

var (
	_ extract.Extractor  = (*Extractor)(nil)
	_ extract.Progresser = (*Extractor)(nil)
	_ extract.Describer  = (*Extractor)(nil)
	_ xcetl.Statser      = (*Extractor)(nil)
)

// Stats implements xcetl.Statser: the ragged rows that missing_fields and
// extra_fields let through.
func (e *Extractor) Stats() []xcetl.Stat {
	return []xcetl.Stat{
		{Name: "short_rows_filled", Help: "csv rows with fewer fields than the header whose missing trailing fields were set to NULL (missing_fields: null)", Kind: xcetl.Counter, Value: float64(e.shortFilled.Load())},
		{Name: "long_rows_cut", Help: "csv rows with more fields than the header whose extra fields were dropped (extra_fields)", Kind: xcetl.Counter, Value: float64(e.longCut.Load())},
	}
}

// Open finds the files, reads the header of every file (so that a glob whose
// files disagree fails before any row is loaded) and returns the schema:
// one nullable string column per header field (or per `columns` name).
func (e *Extractor) Open(ctx context.Context) (*xcetl.Schema, error) {
	if e.opened {
		return nil, extract.Errorf("csv", "Open called twice")
	}
	files, err := e.resolve()
	if err != nil {
		return nil, err
	}
	var total int64
	for _, f := range files {
		total += f.size
	}
	e.files = files
	e.total.Store(total)

	r, err := e.openFile(&e.files[0], &e.done)
	if err != nil {
		return nil, err
	}
	first := r.names
	if e.st.header {
		if e.st.columns != nil && len(e.st.columns) != len(first) {
			r.f.Close()
			return nil, extract.Errorf("csv", "file %s: the header has %d fields but `columns` lists %d names; give one name per header field",
				r.file.name, len(first), len(e.st.columns))
		}
		if e.st.columns == nil {
			if d := duplicates(first); d != "" {
				r.f.Close()
				return nil, extract.Errorf("csv", "file %s: duplicate column names in the header: %s; rename them in the file or with `columns`", r.file.name, d)
			}
		}
	}
	e.first, e.firstHeader = first, r.header
	names := first
	if e.st.columns != nil {
		names = e.st.columns
	}
	e.schema = xcetl.NewStringSchema(names)
	r.width = len(first)

	var scratch atomic.Int64
	for i := 1; i < len(e.files); i++ {
		if err := ctx.Err(); err != nil {
			r.f.Close()
			return nil, err
		}
		o, err := e.openFile(&e.files[i], &scratch)
		if err == nil {
			err = e.bind(o)
			o.f.Close()
		}
		if err != nil {
			r.f.Close()
			return nil, err
		}
	}
	e.cur, e.next, e.opened = r, 1, true
	return e.schema, nil
}

// resolve lists the files to read.
func (e *Extractor) resolve() ([]file, error) {
	pattern := e.st.path
	full := pattern
	if !filepath.IsAbs(full) {
		full = filepath.Join(e.st.baseDir, pattern)
	}
	if !hasMeta(pattern) {
		fi, err := os.Stat(full)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, extract.Errorf("csv", "file %s does not exist (looked for %s)", pattern, full)
		}
		if err != nil {
			return nil, extract.Errorf("csv", "file %s: %w", pattern, err)
		}
		if fi.IsDir() {
			return nil, extract.Errorf("csv", "%s is a directory, not a file (use a glob such as %s)", pattern, filepath.Join(pattern, "*.csv"))
		}
		return []file{{name: pattern, full: full, size: fi.Size()}}, nil
	}
	matches, err := filepath.Glob(full)
	if err != nil {
		return nil, extract.Errorf("csv", "path %q: %w", pattern, err)
	}
	var files []file
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil {
			return nil, extract.Errorf("csv", "file %s: %w", m, err)
		}
		if fi.IsDir() {
			continue
		}
		name := m
		if !filepath.IsAbs(pattern) && e.st.baseDir != "" {
			if rel, err := filepath.Rel(e.st.baseDir, m); err == nil {
				name = rel
			}
		}
		files = append(files, file{name: name, full: m, size: fi.Size()})
	}
	if len(files) == 0 {
		return nil, extract.Errorf("csv", "no file matches %q", pattern)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].full < files[j].full })
	return files, nil
}

func hasMeta(path string) bool { return strings.ContainsAny(path, `*?[`) }

// openFile opens f, decides its encoding, skips skip_rows lines and reads
// the header. Bytes read from the file are added to counter.
func (e *Extractor) openFile(f *file, counter *atomic.Int64) (*reader, error) {
	fh, err := os.Open(f.full)
	if err != nil {
		return nil, extract.Errorf("csv", "file %s: %w", f.name, err)
	}
	r, err := e.start(fh, f, counter)
	if err != nil {
		fh.Close()
		return nil, err
	}
	return r, nil
}

// fileDecision is what encoding: auto decided for one file.
type fileDecision struct {
	file string
	Decision
}

// resolveEncoding decides the encoding of the open file fh (auto: from the
// evidence of its first MiB; otherwise the configured one, checked against
// a byte order mark). It returns the bytes it read, which come first when
// the file is read (fh may be a pipe: it is never rewound).
func (e *Extractor) resolveEncoding(fh *os.File, f *file) (string, []byte, error) {
	enc := e.st.encoding
	n := int64(len(gb18030BOM))
	if enc == encodingAuto {
		n = sniffSize
		if f.size > 0 {
			n = min(n, f.size)
		}
	}
	head := make([]byte, n)
	k, err := io.ReadFull(fh, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", nil, extract.Errorf("csv", "file %s: %w", f.name, err)
	}
	head = head[:k]
	complete := err != nil || int64(k) >= f.size && f.size > 0
	bom := bomOf(head)
	switch {
	case enc == encodingAuto:
		d := Sniff(head, complete)
		if d.Encoding == "" {
			hint := ""
			if d.Suggest != "" {
				hint = "; encoding: " + d.Suggest + " would fit, if that is what the sender used"
			}
			return "", nil, extract.Errorf("csv", "cannot tell the encoding of %s; set `encoding:` (%s%s)", f.name, d.Reason, hint)
		}
		e.noteDecision(f.name, d)
		return d.Encoding, head, nil
	case enc == encodingUTF16:
		if bom != EncodingUTF16LE && bom != EncodingUTF16BE {
			return "", nil, extract.Errorf("csv", "file %s has no UTF-16 byte order mark; set encoding: utf-16le or utf-16be", f.name)
		}
		return bom, head, nil
	case bom == "" || bom == enc:
	case bom == EncodingGB18030 && enc != EncodingGBK && !strings.HasPrefix(enc, "utf-"):
		// 84 31 95 33 is also text in single-byte encodings and Big5.
	default:
		return "", nil, extract.Errorf("csv", "file %s starts with a %s byte order mark, but encoding is %s; set encoding: %s (or auto)",
			f.name, strings.ToUpper(bom), enc, bom)
	}
	return enc, head, nil
}

// noteDecision keeps what auto decided for a file, for Describe (the
// report) and the log.
func (e *Extractor) noteDecision(name string, d Decision) {
	for _, x := range e.decided {
		if x.file == name {
			return
		}
	}
	e.decided = append(e.decided, fileDecision{file: name, Decision: d})
	e.log.Info("csv: encoding decided", "file", name, "encoding", d.Encoding, "why", d.Reason)
}

// start does openFile's work on the open file fh.
func (e *Extractor) start(fh *os.File, f *file, counter *atomic.Int64) (*reader, error) {
	enc, head, err := e.resolveEncoding(fh, f)
	if err != nil {
		return nil, err
	}
	e.log.Debug("csv: opening file", "file", f.name, "encoding", enc)

	trk := e.newTracker(enc, 0)
	st := e.chain(io.MultiReader(bytes.NewReader(head), fh), counter, enc, trk)
	br := st.br
	var decStart int64
	// A byte order mark is noise in any encoding (GB18030 and UTF-16 have
	// one too); after decoding it is always U+FEFF in UTF-8. Programs that
	// add one to a file that had one leave two: both go. Anywhere else it
	// is data.
	for range 2 {
		if p, _ := br.Peek(len(utf8BOM)); bytes.Equal(p, utf8BOM) {
			br.Discard(len(utf8BOM))
			decStart += int64(len(utf8BOM))
		}
	}
	// Lines that end with CR alone (classic Mac OS, Excel for Mac's "CSV
	// (Macintosh)"): read as one long line they would be one broken record.
	if p, _ := br.Peek(readBuffer); bytes.IndexByte(p, '\n') < 0 && bytes.Count(p, []byte{'\r'}) >= 2 {
		return nil, extract.Errorf("csv", "file %s: its lines end with CR alone (classic Mac OS, Excel for Mac's \"CSV (Macintosh)\"), not LF or CRLF; convert it first, e.g. tr '\\r' '\\n' < in.csv > out.csv", f.name)
	}
	skipped := 0
	for skipped < e.st.skipRows {
		line, err := br.ReadSlice('\n')
		decStart += int64(len(line))
		if err == bufio.ErrBufferFull {
			continue // the same long line goes on
		}
		if err == io.EOF {
			if len(line) > 0 {
				skipped++
			}
			break
		}
		if err != nil {
			return nil, extract.Errorf("csv", "file %s: %w", f.name, err)
		}
		skipped++
	}

	r := &reader{f: fh, file: f, enc: enc, lineOff: skipped, trk: trk, decStart: decStart}
	r.setStream(st, &e.st.split, int64(skipped))
	if !e.st.header {
		r.header = e.st.columns
		r.names = e.st.columns
		r.width = len(e.st.columns)
		return r, nil
	}
	if err := e.readHeader(r, skipped); err != nil {
		return nil, err
	}
	return r, nil
}

// readHeader reads r's header line.
func (e *Extractor) readHeader(r *reader, skipped int) error {
	f, enc := r.file, r.enc
	rec, err := r.sp.Read()
	if err == io.EOF {
		what := "the file is empty"
		if e.st.skipRows > 0 {
			what = fmt.Sprintf("nothing left after skipping %d lines", skipped)
		}
		return extract.Errorf("csv", "file %s: no header line (%s)", f.name, what)
	}
	var se *splitError
	if errors.As(err, &se) {
		return extract.Errorf("csv", "file %s line %d: cannot read the header: %s", f.name, se.StartLine+skipped, e.splitReason(se, skipped))
	}
	if err != nil {
		return extract.Errorf("csv", "file %s: %w", f.name, err)
	}
	line := r.sp.StartLine() + skipped
	for k, h := range rec {
		if undecodable(enc, h) {
			return extract.Errorf("csv", "file %s line %d: header field %d has undecodable bytes for encoding %s; set `encoding:` to the file's encoding",
				f.name, line, k+1, enc)
		}
	}
	if r.mixed() {
		if k, text := mixedField(enc, rec); k >= 0 {
			return extract.Errorf("csv", "file %s line %d: header field %d is UTF-8 text (%q) in a file read as %s; the file mixes encodings: save it in one, and set `encoding:`",
				f.name, line, k+1, cutText(text, 40), enc)
		}
	}
	r.header = slices.Clone(rec)
	r.names = normalizeHeader(rec)
	r.width = len(rec)
	return nil
}

// stream is the chain of readers of one file, from its bytes to the text
// the splitter reads.
type stream struct {
	clean *cleanReader
	mix   *mixWatch // nil unless the encoding can hide UTF-8 rows
	br    *bufio.Reader
}

// chain builds the stream the splitter reads from the open file fh: raw
// bytes (counted for Progress, and followed by trk when not nil), decoded
// from enc, checked for bad bytes, buffered.
func (e *Extractor) chain(fh io.Reader, counter *atomic.Int64, enc string, trk *tracker) stream {
	var src io.Reader = &countingReader{r: fh, n: counter}
	if trk != nil {
		src = &rawTap{r: src, t: trk}
	}
	var st stream
	if dec := decoderFor(enc); dec != nil {
		if k := mixCheck(enc); k != 0 {
			st.mix = newMixWatch(dec, k)
			dec = st.mix
		}
		src = transform.NewReader(src, dec)
	}
	st.clean = &cleanReader{r: src, replacement: enc != EncodingUTF8}
	var buffered io.Reader = st.clean
	if trk != nil && trk.gb {
		buffered = &decTap{r: st.clean, t: trk}
	}
	st.br = bufio.NewReaderSize(buffered, readBuffer)
	return st
}

// setStream makes r read st from here on; the decoder's first line is the
// splitter's line 1 + markOff.
func (r *reader) setStream(st stream, c *splitConf, markOff int64) {
	r.clean, r.mix, r.sp, r.markOff = st.clean, st.mix, newSplitter(c, st.br), markOff
}

// mixed reports whether the last record read spans a line that mixWatch
// marked as UTF-8 text.
func (r *reader) mixed() bool {
	return r.mix != nil && len(r.mix.marks) > 0 &&
		r.mix.marked(int64(r.sp.StartLine())+r.markOff, int64(r.sp.EndLine())+r.markOff)
}

// bind maps a later file of a glob onto the first file's columns.
func (e *Extractor) bind(r *reader) error {
	if !e.st.header || slices.Equal(r.names, e.first) {
		return nil
	}
	if len(r.names) == len(e.first) && duplicates(r.names) == "" && duplicates(e.first) == "" {
		pos := make(map[string]int, len(e.first))
		for j, n := range e.first {
			pos[n] = j
		}
		inv := make([]int, len(r.names))
		ok := true
		for f, n := range r.names {
			j, found := pos[n]
			if !found {
				ok = false
				break
			}
			inv[f] = j
		}
		if ok {
			r.inv = inv
			return nil
		}
	}
	missing, extra := setDiff(e.first, r.names), setDiff(r.names, e.first)
	if len(missing) == 0 && len(extra) == 0 {
		return extract.Errorf("csv", "file %s: header %v has the names of file %s's header %v in another order, and duplicate names make them ambiguous",
			r.file.name, r.names, e.files[0].name, e.first)
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+quoteList(missing))
	}
	if len(extra) > 0 {
		parts = append(parts, "not in "+e.files[0].name+": "+quoteList(extra))
	}
	return extract.Errorf("csv", "file %s: header differs from file %s: %s; every file of a glob needs the same columns",
		r.file.name, e.files[0].name, strings.Join(parts, "; "))
}

// Next returns the next up to max records of the current file, as rows or
// rejects. A batch never spans two files, so its RawHeader is that file's
// header (or the first file's, for a file whose header has the same names
// in another order: its rows and Raw are put in the first file's order).
func (e *Extractor) Next(ctx context.Context, max int) (*xcetl.Batch, error) {
	if !e.opened || e.closed {
		return nil, extract.Errorf("csv", "Next called before Open or after Close")
	}
	if max <= 0 {
		max = defaultBatch
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if e.cur == nil {
			if e.next >= len(e.files) {
				return nil, io.EOF
			}
			r, err := e.openFile(&e.files[e.next], &e.done)
			if err == nil {
				if err = e.bind(r); err != nil {
					r.f.Close()
				}
			}
			if err == nil && e.plans != nil {
				if err = e.continueAt(r, &e.plans[e.next], &e.done); err != nil {
					r.f.Close()
				}
			}
			if err != nil {
				return nil, err
			}
			e.cur = r
			e.next++
		}
		b, eof, err := e.read(ctx, e.cur, max)
		if err != nil {
			return nil, err
		}
		if e.resumed {
			if b, err = e.checkpoint(e.cur, b, eof); err != nil {
				return nil, err
			}
		}
		if eof {
			e.cur.f.Close()
			e.doneFiles += e.cur.file.size
			e.done.Store(e.doneFiles)
			e.cur = nil
		}
		if b != nil {
			return b, nil
		}
	}
}

// read reads up to max records of r. It returns a nil batch when r had no
// records left, and eof when r is exhausted.
func (e *Extractor) read(ctx context.Context, r *reader, max int) (*xcetl.Batch, bool, error) {
	n := len(e.schema.Columns)
	// A value shared with the row before (values) points at that row's
	// raw text: never share across batches, so that no batch keeps an
	// earlier one's texts alive.
	clear(r.prev)
	var (
		b *xcetl.Batch
		// The values and raw texts of the next rows: rows are full slices
		// out of these, one allocation for many rows.
		back    []any
		rawBack []string
		eof     bool
	)
	for count := 0; count < max; count++ {
		if count&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, false, err
			}
		}
		rec, err := r.sp.Read()
		if err == io.EOF {
			eof = true
			break
		}
		if b == nil {
			b = &xcetl.Batch{Schema: e.schema, RawHeader: r.header}
			if r.inv != nil {
				b.RawHeader = e.firstHeader
			}
		}
		r.records++
		if err != nil {
			var se *splitError
			if !errors.As(err, &se) {
				return nil, false, extract.Errorf("csv", "file %s: %w", r.file.name, err)
			}
			b.Rejects = append(b.Rejects, xcetl.Reject{
				Origin: xcetl.Origin{File: r.file.name, Line: se.StartLine + r.lineOff, Record: r.records},
				Field:  se.Field,
				Reason: e.splitReason(se, r.lineOff),
			})
			continue
		}
		org := xcetl.Origin{File: r.file.name, Line: r.sp.StartLine() + r.lineOff, Record: r.records}
		kinds := r.sp.Kinds()
		if len(rec) != r.width {
			var why string
			if rec, kinds, why = e.fit(r, rec, kinds); why != "" {
				b.Rejects = append(b.Rejects, xcetl.Reject{Origin: org, Raw: rawOfRagged(rec, r.width), Reason: why})
				continue
			}
		}
		if rj, bad := e.badBytes(r, rec); bad {
			rj.Origin = org
			b.Rejects = append(b.Rejects, rj)
			continue
		}
		if len(back) < n {
			if r.prev == nil {
				r.prev, r.prevText = make([]any, n), make([]string, n)
			}
			if b.Rows == nil {
				// Row headers are small: size them for a full batch at
				// once rather than growing them by copying.
				c := min(max, 1<<16)
				b.Rows, b.Origin, b.Raw = make([][]any, 0, c), make([]xcetl.Origin, 0, c), make([][]string, 0, c)
			}
			// Chunks double up to max rows, so that a short file or a
			// huge max does not allocate max rows up front.
			c := min(max-count, firstChunk+len(b.Rows))
			back, rawBack = make([]any, c*n), make([]string, c*n)
		}
		row := back[:n:n]
		back = back[n:]
		raw := rawBack[:n:n]
		rawBack = rawBack[n:]
		e.values(r, rec, kinds, row, raw)
		b.Rows = append(b.Rows, row)
		b.Origin = append(b.Origin, org)
		b.Raw = append(b.Raw, raw)
	}
	return b, eof, nil
}

// values fills row (the values) and raw (the texts as read) from rec, in
// the schema's order.
func (e *Extractor) values(r *reader, rec []string, kinds []fieldKind, row []any, raw []string) {
	st := &e.st
	for f, v := range rec {
		j := f
		if r.inv != nil {
			j = r.inv[f]
		}
		raw[j] = v
		switch k := kinds[f]; {
		case k == nullField:
			row[j] = nil
			if v == "" && st.format != formatCSV {
				raw[j] = `\N`
			}
		case (k == plainField || st.quotedNulls) && st.isNull(v):
			row[j] = nil
		case v == r.prevText[j] && r.prev[j] != nil:
			// Same text as the row before in this column (a code, a
			// date): share its boxed value instead of allocating.
			row[j] = r.prev[j]
		default:
			// any(v) without an allocation: the value points at raw[j],
			// which is never written again (xcetl.Batch.Raw is read-only).
			a := box.At(&raw[j])
			row[j], r.prev[j], r.prevText[j] = a, a, v
		}
	}
}

// fit applies missing_fields and extra_fields to a record that does not
// have the header's width. It returns the record to use, or why it is
// rejected.
func (e *Extractor) fit(r *reader, rec []string, kinds []fieldKind) ([]string, []fieldKind, string) {
	w := r.width
	switch {
	case len(rec) < w && e.st.fillMissing:
		r.pad = append(append(r.pad[:0], rec...), make([]string, w-len(rec))...)
		r.padKinds = append(r.padKinds[:0], kinds...)
		for len(r.padKinds) < w {
			r.padKinds = append(r.padKinds, nullField)
		}
		e.shortFilled.Add(1)
		return r.pad, r.padKinds, ""
	case len(rec) > w && e.st.extra == "drop":
		e.longCut.Add(1)
		return rec[:w], kinds[:w], ""
	case len(rec) > w && e.st.extra == "drop_empty":
		k := w
		for k < len(rec) && rec[k] == "" {
			k++
		}
		if k == len(rec) {
			e.longCut.Add(1)
			return rec[:w], kinds[:w], ""
		}
		return rec, kinds, fmt.Sprintf("row has %s, %s %d, and field %d past them is not empty (extra_fields: drop_empty drops only empty ones)",
			plural(len(rec), "field"), e.widthSource(), w, k+1)
	}
	why := "row has " + plural(len(rec), "field") + ", " + e.widthSource() + " " + strconv.Itoa(w)
	switch {
	case len(rec) < w && e.st.split.quote != 0 && strings.ContainsAny(rec[len(rec)-1], "\r\n"):
		why += " (a quoted field holds a line break: is a closing quote missing?)"
	}
	return rec, kinds, why
}

func (e *Extractor) widthSource() string {
	if !e.st.header {
		return "columns lists"
	}
	return "header has"
}

// rawOfRagged keeps a ragged record's fields for the reject file, at most
// a few more than the header has (a record can have thousands).
func rawOfRagged(rec []string, width int) []string {
	limit := width + 8
	if len(rec) <= limit {
		return slices.Clone(rec)
	}
	out := slices.Clone(rec[:limit])
	out = append(out, fmt.Sprintf("… %d more fields", len(rec)-limit))
	return out
}

// badBytes checks a record's bytes: text that did not decode, bytes made
// by escapes that are not UTF-8, UTF-8 rows in a GBK (or Latin-1) file.
func (e *Extractor) badBytes(r *reader, rec []string) (xcetl.Reject, bool) {
	// Until a bad byte has been read, records need no check.
	f, why := -1, ""
	if r.clean.dirty {
		if f = firstUndecodable(r.enc, rec); f >= 0 {
			why = "undecodable bytes for encoding " + r.enc + " in field " + strconv.Itoa(f+1) + e.autoHint()
		}
	}
	if f < 0 && r.sp.EscapedBytes() {
		if f = firstUndecodable(EncodingUTF8, rec); f >= 0 {
			why = "escaped bytes in field " + strconv.Itoa(f+1) + " are not UTF-8 text"
		}
	}
	if f < 0 && r.mixed() {
		var text string
		if f, text = mixedField(r.enc, rec); f >= 0 {
			why = fmt.Sprintf("field %d is UTF-8 text (%q) in a file read as %s: the file mixes encodings; save every row in one encoding", f+1, cutText(text, 40), r.enc)
		}
	}
	if f < 0 {
		return xcetl.Reject{}, false
	}
	j := r.column(f)
	raw := make([]string, len(rec))
	if r.inv == nil {
		copy(raw, rec)
	} else {
		for k, v := range rec {
			raw[r.inv[k]] = v
		}
	}
	return xcetl.Reject{Raw: raw, Field: j + 1, Column: e.schema.Columns[j].Name, Reason: why}, true
}

// column returns the schema column of field f.
func (r *reader) column(f int) int {
	if r.inv != nil {
		return r.inv[f]
	}
	return f
}

// autoHint explains an undecodable field when the encoding was guessed.
func (e *Extractor) autoHint() string {
	if e.st.encoding != encodingAuto {
		return ""
	}
	return " (encoding auto chose it from the file's first 1 MiB; set `encoding:` to the file's encoding)"
}

// isNull reports whether a (trimmed) cell text is one of null_values.
func (st *settings) isNull(v string) bool {
	if v == "" {
		return st.nullEmpty
	}
	for _, nv := range st.nullOthers {
		if v == nv {
			return true
		}
	}
	return false
}

// splitReason words a record that could not be split, with file line
// numbers.
func (e *Extractor) splitReason(se *splitError, lineOff int) string {
	what := "CSV"
	switch e.st.format {
	case formatMySQL:
		what = "MySQL text"
	case formatPostgres:
		what = "COPY text"
	}
	return fmt.Sprintf("malformed %s at line %d column %d: %s", what, se.Line+lineOff, se.Column, se.Msg)
}

// firstUndecodable returns the index of the first field that did not decode
// cleanly, or -1. GBK/GB18030 decoders turn bad bytes into U+FFFD; UTF-8 is
// not transformed, so its fields are validated instead.
func firstUndecodable(enc string, rec []string) int {
	for f, v := range rec {
		if undecodable(enc, v) {
			return f
		}
	}
	return -1
}

func undecodable(enc string, v string) bool {
	if enc == EncodingUTF8 {
		return !utf8.ValidString(v)
	}
	return strings.Contains(v, "\uFFFD")
}

// Progress reports bytes read out of the total size of all files.
func (e *Extractor) Progress() (done, total int64) {
	done, total = e.done.Load(), e.total.Load()
	return min(done, total), total
}

// Close closes the file being read.
func (e *Extractor) Close() error {
	e.closed = true
	if e.cur == nil {
		return nil
	}
	err := e.cur.f.Close()
	e.cur = nil
	if err != nil {
		return extract.Errorf("csv", "close: %w", err)
	}
	return nil
}

// normalizeHeader trims header names and names empty ones column_N.
func normalizeHeader(rec []string) []string {
	out := make([]string, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(h)
		if h == "" {
			h = "column_" + strconv.Itoa(i+1)
		}
		out[i] = h
	}
	return out
}

// duplicates describes the names that occur more than once, or "".
func duplicates(names []string) string {
	first := make(map[string]int, len(names))
	var out []string
	for i, n := range names {
		if j, dup := first[n]; dup {
			out = append(out, fmt.Sprintf("%q (fields %d and %d)", n, j+1, i+1))
			continue
		}
		first[n] = i
	}
	return strings.Join(out, ", ")
}

// setDiff returns the names of a that are not in b, in a's order.
func setDiff(a, b []string) []string {
	var out []string
	for _, n := range a {
		if !slices.Contains(b, n) {
			out = append(out, n)
		}
	}
	return out
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// countingReader adds the bytes it reads to n, for Progress.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// plural renders "1 field", "7 fields".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
