package csv

import (
	"bufio"
	"bytes"
	"context"
	stdcsv "encoding/csv"
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
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

// defaultBatch is used when Next is asked for max <= 0.
const defaultBatch = 4096

// firstChunk is how many rows' worth of values a batch allocates first.
const firstChunk = 1024

// readBuffer is the size of the buffer between the file (or decoder) and
// encoding/csv: big reads keep system calls and decoder calls rare.
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
	enc     string // utf-8 | gbk | gb18030 (resolved, never auto)
	cr      *stdcsv.Reader
	lineOff int      // physical lines skipped before encoding/csv saw the stream
	header  []string // as read (or the configured columns): the batch's RawHeader
	names   []string // header names trimmed, empty ones named column_N
	width   int      // fields every record must have
	inv     []int    // inv[f] is the schema column of field f; nil when the order is the first file's
	records int64    // records read so far, rows and rejects

	prev     []any    // per schema column, the last value boxed
	prevText []string // and its text
	clean    *cleanReader

	// For resumable runs (see resume.go): trk follows the raw and decoded
	// bytes so that a batch's end can be checkpointed as a byte offset;
	// decStart is how many decoded bytes were consumed before encoding/csv
	// started (byte order mark, skip_rows).
	trk      *tracker
	decStart int64
}

var (
	_ extract.Extractor  = (*Extractor)(nil)
	_ extract.Progresser = (*Extractor)(nil)
	_ extract.Describer  = (*Extractor)(nil)
)

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

// start does openFile's work on the open file fh.
func (e *Extractor) start(fh *os.File, f *file, counter *atomic.Int64) (*reader, error) {
	enc := e.st.encoding
	if enc == encodingAuto {
		head := make([]byte, min(sniffSize, max(f.size, 4)))
		n, err := io.ReadFull(fh, head)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, extract.Errorf("csv", "file %s: %w", f.name, err)
		}
		head = head[:n]
		if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
			return nil, extract.Errorf("csv", "file %s starts with a UTF-16 byte order mark; csv reads UTF-8, GBK and GB18030: save the file as UTF-8", f.name)
		}
		enc = DetectEncoding(head)
		if enc == EncodingUTF8BOM {
			enc = EncodingUTF8
		}
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			return nil, extract.Errorf("csv", "file %s: %w", f.name, err)
		}
	}
	if e.log != nil {
		e.log.Debug("csv: opening file", "file", f.name, "encoding", enc)
	}

	trk := e.newTracker(enc, 0)
	clean, br := e.chain(fh, counter, enc, trk)
	var decStart int64
	// A byte order mark is noise in any encoding (GB18030 can encode one
	// too); after decoding it is always U+FEFF in UTF-8.
	if p, _ := br.Peek(len(utf8BOM)); bytes.Equal(p, utf8BOM) {
		br.Discard(len(utf8BOM))
		decStart += int64(len(utf8BOM))
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

	cr := e.csvReader(br)
	r := &reader{f: fh, file: f, enc: enc, cr: cr, lineOff: skipped, clean: clean, trk: trk, decStart: decStart}
	if !e.st.header {
		r.header = e.st.columns
		r.names = e.st.columns
		r.width = len(e.st.columns)
		return r, nil
	}
	rec, err := cr.Read()
	if err == io.EOF {
		what := "the file is empty"
		if e.st.skipRows > 0 {
			what = fmt.Sprintf("nothing left after skipping %d lines", skipped)
		}
		return nil, extract.Errorf("csv", "file %s: no header line (%s)", f.name, what)
	}
	var pe *stdcsv.ParseError
	if errors.As(err, &pe) {
		return nil, extract.Errorf("csv", "file %s line %d: cannot read the header: %s", f.name, pe.Line+skipped, e.parseReason(pe, skipped))
	}
	if err != nil {
		return nil, extract.Errorf("csv", "file %s: %w", f.name, err)
	}
	line, _ := cr.FieldPos(0)
	e.unswap(rec)
	for k, h := range rec {
		if undecodable(enc, h) {
			return nil, extract.Errorf("csv", "file %s line %d: header field %d has undecodable bytes for encoding %s; set `encoding:` to the file's encoding",
				f.name, line+skipped, k+1, enc)
		}
	}
	r.header = slices.Clone(rec)
	r.names = normalizeHeader(rec)
	r.width = len(rec)
	return r, nil
}

// chain builds the stream encoding/csv reads from the open file fh: raw
// bytes (counted for Progress, and followed by trk when not nil), decoded
// from enc, quote characters swapped, checked for bad bytes, buffered.
func (e *Extractor) chain(fh io.Reader, counter *atomic.Int64, enc string, trk *tracker) (*cleanReader, *bufio.Reader) {
	var src io.Reader = &countingReader{r: fh, n: counter}
	if trk != nil {
		src = &rawTap{r: src, t: trk}
	}
	switch enc {
	case encodingGBK:
		src = transform.NewReader(src, gbDecoder(false))
	case EncodingGB18030:
		src = transform.NewReader(src, gbDecoder(true))
	}
	if e.st.quote != '"' {
		src = &swapReader{r: src, q: e.st.quote}
	}
	clean := &cleanReader{r: src, replacement: enc != EncodingUTF8}
	var buffered io.Reader = clean
	if trk != nil && trk.gb {
		buffered = &decTap{r: clean, t: trk}
	}
	return clean, bufio.NewReaderSize(buffered, readBuffer)
}

// csvReader configures encoding/csv on br.
func (e *Extractor) csvReader(br *bufio.Reader) *stdcsv.Reader {
	cr := stdcsv.NewReader(br)
	cr.Comma = e.st.delim
	if e.st.quote != '"' && e.st.delim == '"' {
		cr.Comma = rune(e.st.quote) // the stream has the two swapped
	}
	cr.FieldsPerRecord = -1
	// encoding/csv's record slice is reused: Next copies the fields into
	// one array per batch instead of allocating a slice per record.
	cr.ReuseRecord = true
	// TrimLeadingSpace would eat empty fields between whitespace
	// delimiters (TAB), so those are trimmed after splitting only.
	cr.TrimLeadingSpace = e.st.trimSpace && !unicode.IsSpace(e.st.delim)
	return cr
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
	var (
		b *xcetl.Batch
		// The values and raw texts of the next rows: rows are full slices
		// out of these, one allocation for many rows.
		back    []any
		rawBack []string
		eof     bool
	)
	newBatch := func() {
		b = &xcetl.Batch{Schema: e.schema, RawHeader: r.header}
		if r.inv != nil {
			b.RawHeader = e.firstHeader
		}
	}
	for count := 0; count < max; count++ {
		if count&1023 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, false, err
			}
		}
		rec, err := r.cr.Read()
		if err == io.EOF {
			eof = true
			break
		}
		if b == nil {
			newBatch()
		}
		r.records++
		if err != nil {
			var pe *stdcsv.ParseError
			if !errors.As(err, &pe) {
				return nil, false, extract.Errorf("csv", "file %s: %w", r.file.name, err)
			}
			b.Rejects = append(b.Rejects, xcetl.Reject{
				Origin: xcetl.Origin{File: r.file.name, Line: pe.StartLine + r.lineOff, Record: r.records},
				Field:  len(rec) + 1,
				Reason: e.parseReason(pe, r.lineOff),
			})
			continue
		}
		line, _ := r.cr.FieldPos(0)
		org := xcetl.Origin{File: r.file.name, Line: line + r.lineOff, Record: r.records}
		e.unswap(rec)
		if len(rec) != r.width {
			what := "header has"
			if !e.st.header {
				what = "columns lists"
			}
			b.Rejects = append(b.Rejects, xcetl.Reject{Origin: org, Raw: slices.Clone(rec),
				Reason: "row has " + plural(len(rec), "field") + ", " + what + " " + strconv.Itoa(r.width)})
			continue
		}
		// Until a bad byte has been read, records need no check.
		if r.clean.dirty {
			if f := firstUndecodable(r.enc, rec); f >= 0 {
				j := r.column(f)
				b.Rejects = append(b.Rejects, xcetl.Reject{Origin: org, Raw: r.reorder(rec, make([]string, len(rec))), Field: j + 1,
					Column: e.schema.Columns[j].Name,
					Reason: "undecodable bytes for encoding " + r.enc + " in field " + strconv.Itoa(f+1) + e.autoHint()})
				continue
			}
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
		raw := r.reorder(rec, rawBack[:n:n])
		rawBack = rawBack[n:]
		for j, v := range raw {
			if e.st.trimSpace {
				v = strings.TrimSpace(v)
			}
			if e.st.isNull(v) {
				row[j] = nil
			} else if v == r.prevText[j] && r.prev[j] != nil {
				// Same text as the row before in this column (a code, a
				// date): share its boxed value instead of allocating.
				row[j] = r.prev[j]
			} else {
				a := any(v)
				row[j], r.prev[j], r.prevText[j] = a, a, v
			}
		}
		b.Rows = append(b.Rows, row)
		b.Origin = append(b.Origin, org)
		b.Raw = append(b.Raw, raw)
	}
	return b, eof, nil
}

// reorder puts the fields of a file whose header has the first file's names
// in another order into the first file's order, so that Raw lines up with
// the batch's RawHeader (the first file's) in one reject file.
// It writes into dst and returns it.
func (r *reader) reorder(rec, dst []string) []string {
	if r.inv == nil {
		copy(dst, rec)
		return dst
	}
	for f, v := range rec {
		dst[r.inv[f]] = v
	}
	return dst
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

// parseReason words a csv.ParseError with file line numbers, in the
// configured quote character.
func (e *Extractor) parseReason(pe *stdcsv.ParseError, lineOff int) string {
	msg := pe.Err.Error()
	if e.st.quote != '"' {
		msg = strings.ReplaceAll(msg, `"`, string(rune(e.st.quote)))
	}
	return fmt.Sprintf("malformed CSV at line %d column %d: %s", pe.Line+lineOff, pe.Column, msg)
}

// unswap restores quote characters in rec when the stream had them swapped.
func (e *Extractor) unswap(rec []string) {
	if e.st.quote == '"' {
		return
	}
	for i, v := range rec {
		if strings.IndexByte(v, '"') >= 0 || strings.IndexByte(v, e.st.quote) >= 0 {
			b := []byte(v)
			swapBytes(b, e.st.quote)
			rec[i] = string(b)
		}
	}
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

// swapReader exchanges the configured quote character with '"' so that
// encoding/csv, which only knows '"', splits by the configured one. Both are
// ASCII, so no UTF-8 sequence is touched; fields are swapped back after.
type swapReader struct {
	r io.Reader
	q byte
}

func (s *swapReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	swapBytes(p[:n], s.q)
	return n, err
}

func swapBytes(b []byte, q byte) {
	for i, c := range b {
		switch c {
		case '"':
			b[i] = q
		case q:
			b[i] = '"'
		}
	}
}

// plural renders "1 field", "7 fields".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
