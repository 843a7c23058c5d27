package excel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

// defaultBatch is used when Next is asked for max <= 0.
const defaultBatch = 4096

// Extractor reads one worksheet. Open, Next and Close are called from one
// goroutine; Progress may be called from any goroutine.
type Extractor struct {
	st  settings
	log *slog.Logger

	book    *book
	sheet   sheetInfo
	cur     *cursor
	feed    *rowFeed // reads cur in a goroutine once the typing sample is taken
	schema  *xcetl.Schema
	header  []string     // as read: the batches' RawHeader
	kinds   []xcetl.Kind // per column of the table
	c1      int          // first column of the table (1-based)
	width   int
	merges  []mergeRange // sorted by first row
	records int64
	warned  []bool       // per column: the lost-digits warning was logged
	peeked  *pendingRow  // read ahead to know whether a batch is the last
	held    []pendingRow // the first data rows, read to type the columns
	sampled int          // how many rows typed the columns
	// sampledAll: the sheet ended within the sample, so the types are the
	// whole sheet's.
	sampledAll bool
	opened     bool
	eof        bool

	done  atomic.Int64
	total atomic.Int64

	// For the checkpoints of commit: batch (resume.go).
	runID    string
	fileSize int64
	fileHash string
	found    extract.ResumeReport
}

var (
	_ extract.Extractor  = (*Extractor)(nil)
	_ extract.Progresser = (*Extractor)(nil)
	_ extract.Describer  = (*Extractor)(nil)
)

// Open opens the workbook, finds the sheet, reads the header and, with
// `types: auto`, reads the sheet once to type its columns. It returns one
// nullable column per header cell.
func (e *Extractor) Open(ctx context.Context) (*xcetl.Schema, error) {
	if e.opened {
		return nil, extract.Errorf("excel", "Open called twice")
	}
	if _, err := os.Stat(e.st.fullPath()); errors.Is(err, os.ErrNotExist) {
		return nil, extract.Errorf("excel", "file %s does not exist (looked for %s)", e.st.path, e.st.fullPath())
	}
	b, err := openBook(e.st.fullPath(), e.st.path)
	if err != nil {
		return nil, capErr(extract.Errorf("excel", "%w", err))
	}
	e.book = b
	if e.st.resumes {
		if err := e.fingerprint(); err != nil {
			e.Close()
			return nil, capErr(extract.Errorf("excel", "%w", err))
		}
	}
	schema, err := e.open(ctx)
	if err != nil {
		e.Close()
		return nil, capErr(extract.Errorf("excel", "%w", err))
	}
	e.opened = true
	return schema, nil
}

// pickSheet finds the configured sheet: by name first, then by 1-based
// index (a sheet may well be named "2024").
func pickSheet(b *book, want string) (sheetInfo, error) {
	si, err := findSheet(b, want)
	if err == nil && si.other != "" {
		return si, fmt.Errorf("%s: sheet %q is a %s, not a worksheet with cells", b.name, si.Name, si.other)
	}
	return si, err
}

func findSheet(b *book, want string) (sheetInfo, error) {
	if want == "" {
		for _, s := range b.sheets {
			if s.other == "" {
				return s, nil
			}
		}
	}
	names := make([]string, len(b.sheets))
	for i, s := range b.sheets {
		names[i] = s.Name
		if s.Name == want {
			return s, nil
		}
	}
	for _, s := range b.sheets {
		if strings.EqualFold(strings.TrimSpace(s.Name), want) {
			return s, nil
		}
	}
	if i, err := strconv.Atoi(want); err == nil {
		if i >= 1 && i <= len(b.sheets) {
			return b.sheets[i-1], nil
		}
		return sheetInfo{}, fmt.Errorf("%s has %d sheets, so there is no sheet %d; sheets: %s", b.name, len(b.sheets), i, quoteList(names))
	}
	return sheetInfo{}, fmt.Errorf("%s has no sheet %q%s; sheets: %s", b.name, want, xcetl.DidYouMean(want, names), quoteList(names))
}

// quoteList quotes names for a message: at most 10, each clipped.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(clip(n))
	}
	return capList(q, 10)
}

// capList joins the first n items with ", ", saying how many more there
// are: a message names a few, never thousands.
func capList(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// maxErrorLen caps the text of every error the source returns.
const maxErrorLen = 1024

// cappedError is an error whose message is cut at maxErrorLen; errors.Is
// and errors.As still see the error it wraps.
type cappedError struct{ err error }

func (c cappedError) Error() string {
	msg := c.err.Error()
	if len(msg) <= maxErrorLen {
		return msg
	}
	cut := maxErrorLen
	for cut > 0 && !isRuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

func (c cappedError) Unwrap() error { return c.err }

// capErr caps err's message (nil stays nil).
func capErr(err error) error {
	if err == nil {
		return nil
	}
	return cappedError{err}
}

func (e *Extractor) open(ctx context.Context) (*xcetl.Schema, error) {
	si, err := pickSheet(e.book, e.st.sheet)
	if err != nil {
		return nil, err
	}
	e.sheet = si
	if e.st.fill || e.st.headerRows == 2 {
		m, err := e.book.mergeCells(si)
		if err != nil {
			return nil, err
		}
		sort.Slice(m, func(i, j int) bool { return m[i].r1 < m[j].r1 })
		e.merges = m
	}
	if zf := e.book.file(si.part); zf != nil {
		e.total.Store(int64(zf.UncompressedSize64))
	}
	if e.cur, err = e.newCursor(); err != nil {
		return nil, err
	}
	hdr, err := e.cur.readHeader(ctx)
	if err != nil {
		return nil, err
	}
	names, err := e.tableColumns(hdr)
	if err != nil {
		return nil, err
	}
	e.schema = xcetl.NewStringSchema(names)
	e.kinds = make([]xcetl.Kind, e.width)
	for i := range e.kinds {
		e.kinds[i] = xcetl.KindString
	}
	if e.st.types == typesAuto {
		if err := e.sampleKinds(ctx); err != nil {
			return nil, err
		}
		for i, k := range e.kinds {
			e.schema.Columns[i].Type = xcetl.Type{Kind: k}
		}
		if !e.sampledAll {
			e.log.Info("excel: the column types come from the sheet's first data rows; a later cell that does not fit its column rejects its row",
				"file", e.st.path, "sheet", e.sheet.Name, "rows", e.sampled)
		}
	}
	return e.schema, nil
}

// DuplicateColumnsError is the error of a header with duplicate names (and
// no `columns`). Names are the table's column names as the header gives
// them (an empty cell named column_N), for tools that propose others
// (`xcetl inspect`).
type DuplicateColumnsError struct {
	msg   string
	Names []string
}

func (e *DuplicateColumnsError) Error() string { return e.msg }

// tableColumns finds the table's columns from the header row(s): they run
// from the first to the last non-empty header cell (or are the range's).
// It sets e.c1, e.width and e.header and returns the column names.
func (e *Extractor) tableColumns(hdr [2][]string) ([]string, error) {
	first, last := 0, 0
	for k := 0; k < e.st.headerRows; k++ {
		for c, v := range hdr[k] {
			if strings.TrimSpace(v) == "" {
				continue
			}
			if first == 0 || c+1 < first {
				first = c + 1
			}
			last = max(last, c+1)
		}
	}
	if e.st.rng != nil {
		first, last = e.st.rng.c1, e.st.rng.c2
	}
	if first == 0 {
		return nil, fmt.Errorf("%s: sheet %q: header row %d is empty; set header_row to the row holding the column names", e.book.name, clip(e.sheet.Name), e.st.headerRow)
	}
	e.c1, e.width = first, last-first+1
	cell := func(k, c int) string {
		if c-1 < len(hdr[k]) {
			return headerName(hdr[k][c-1])
		}
		return ""
	}
	names := make([]string, e.width)
	e.header = make([]string, e.width)
	seen := map[string]int{}
	var dups []string
	for i := range names {
		c := first + i
		name := cell(0, c)
		if e.st.headerRows == 2 {
			lo := cell(1, c)
			switch {
			case name == "" || name == lo:
				name = lo
			case lo != "":
				name = name + "_" + lo
			}
		}
		e.header[i] = name
		if name == "" {
			name = "column_" + strconv.Itoa(i+1)
		}
		if prev, ok := seen[name]; ok {
			dups = append(dups, fmt.Sprintf("%q in %s and %s", clip(name), colName(first+prev), colName(c)))
		}
		seen[name] = i
		names[i] = name
	}
	switch {
	case e.st.columns != nil:
		if len(e.st.columns) != e.width {
			return nil, fmt.Errorf("%s: sheet %q: the table has %d columns (%s to %s: %s) but `columns` lists %d names; give one name per column",
				e.book.name, clip(e.sheet.Name), e.width, colName(first), colName(last), quoteList(names), len(e.st.columns))
		}
		return e.st.columns, nil
	case len(dups) > 0:
		return nil, &DuplicateColumnsError{Names: names, msg: fmt.Sprintf("%s: sheet %q: duplicate column names in the header: %s; name the columns with `columns: [...]` (one name per column, in order) or rename them in the workbook",
			e.book.name, clip(e.sheet.Name), capList(dups, 5))}
	}
	return names, nil
}

// With `types: auto` the column types come from the first data rows,
// which are held until they are decided: sampleRows rows, or fewer when
// their text passes sampleBytes or the sheet ends first (then the types
// are those of the whole sheet). Variables so that tests can lower them.
var (
	sampleRows        = 100_000
	sampleBytes int64 = 32 << 20
)

// sampleKinds reads and holds the first data rows, as Next will read
// them, and types every column whose cells there all agree (see
// columnKind). Rows that will be rejected do not count. Next returns the
// held rows first.
func (e *Extractor) sampleKinds(ctx context.Context) error {
	sets := make([]kindSet, e.width)
	raw := make([]string, e.width)
	rk := make([]cellKind, e.width)
	var size int64
	for len(e.held) < sampleRows && size < sampleBytes {
		if len(e.held)%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pr, err := e.rows().read()
		if err == io.EOF {
			e.sampledAll = true
			break
		}
		if err != nil {
			return err
		}
		e.held = append(e.held, pr) // the feed's rows are not reused
		for _, v := range pr.vals {
			size += int64(len(v)) + 16
		}
		if bad, _ := e.place(pr, raw, rk); bad != "" {
			continue
		}
		for i, k := range rk {
			sets[i].add(k)
		}
	}
	e.sampled = len(e.held)
	for i, s := range sets {
		e.kinds[i] = columnKind(s)
	}
	return nil
}

// place puts a row's cells into the table's columns (raw and rk, of the
// table's width) and says why the row must be rejected ("" if it is fine)
// and, when that is a cell of the table, its 1-based field in the table.
func (e *Extractor) place(pr pendingRow, raw []string, rk []cellKind) (bad string, field int) {
	clear(raw)
	clear(rk)
	if pr.bad != "" && !e.outside(pr.badCol) {
		bad = pr.bad
		if i := pr.badCol - e.c1; i >= 0 && i < e.width {
			field = i + 1
		}
	}
	for c, v := range pr.vals {
		i := c + 1 - e.c1
		if i < 0 || i >= e.width {
			if v != "" && bad == "" && e.st.rng == nil {
				bad = fmt.Sprintf("cell %s%d holds %q but the header has no column there", colName(c+1), pr.num, clip(v))
			}
			continue
		}
		raw[i], rk[i] = v, pr.kinds[c]
	}
	return bad, field
}

// outside reports whether column c (1-based) is left out by the range, so
// that a cell there that cannot be read does not matter. Column 0 is the
// row as a whole, never outside.
func (e *Extractor) outside(c int) bool {
	return c > 0 && e.st.rng != nil && (c < e.st.rng.c1 || c > e.st.rng.c2)
}

// maxBatchText caps the text of one batch: a batch of rows as wide and
// long as a sheet allows ends early rather than fill memory.
var maxBatchText = 32 << 20

// Next returns up to max data rows.
func (e *Extractor) Next(ctx context.Context, max int) (*xcetl.Batch, error) {
	if !e.opened {
		return nil, extract.Errorf("excel", "Next called before Open")
	}
	if max <= 0 {
		max = defaultBatch
	}
	if e.eof {
		return nil, io.EOF
	}
	n := min(max, 16384) // room for the common batch, in one allocation each
	b := &xcetl.Batch{Schema: e.schema, RawHeader: e.header,
		Rows: make([][]any, 0, n), Raw: make([][]string, 0, n), Origin: make([]xcetl.Origin, 0, n)}
	rk := make([]cellKind, e.width)
	var raws []string // the rows' raw cells and values are cut from these
	var vals []any
	lastRow, text := 0, 0
	for b.Len()+len(b.Rejects) < max && text < maxBatchText {
		if (b.Len()+len(b.Rejects))%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		pr, err := e.read()
		if err == io.EOF {
			e.eof = true
			break
		}
		if err != nil {
			return nil, capErr(extract.Errorf("excel", "%w", err))
		}
		lastRow = pr.num
		e.records++
		org := xcetl.Origin{File: e.st.path, Sheet: e.sheet.Name, Line: pr.num, Record: e.records}
		if len(raws) < e.width {
			raws, vals = make([]string, e.width*n), make([]any, e.width*n)
		}
		raw := raws[:e.width:e.width]
		raws = raws[e.width:]
		bad, field := e.place(pr, raw, rk)
		for _, v := range raw {
			text += len(v)
		}
		e.warnLostDigits(pr.num, raw, rk)
		var row []any
		if bad == "" {
			row = vals[:e.width:e.width]
			if bad, field = e.values(row, pr.num, raw, rk); bad == "" {
				vals = vals[e.width:]
			}
		}
		if bad != "" {
			rej := xcetl.Reject{Origin: org, Raw: raw, Reason: bad, Field: field}
			if field > 0 {
				rej.Column = e.schema.Columns[field-1].Name
			}
			b.Rejects = append(b.Rejects, rej)
			continue
		}
		b.Rows = append(b.Rows, row)
		b.Raw = append(b.Raw, raw)
		b.Origin = append(b.Origin, org)
	}
	if b.Len() == 0 && len(b.Rejects) == 0 {
		return nil, io.EOF
	}
	if e.st.resumes {
		if err := e.lookAhead(); err != nil {
			return nil, capErr(extract.Errorf("excel", "%w", err))
		}
		b.Checkpoints = []xcetl.Checkpoint{e.checkpoint(lastRow)}
	}
	return b, nil
}

// lookAhead reads one record ahead, so that the checkpoint of the last
// batch says the run read everything and the next run starts afresh.
func (e *Extractor) lookAhead() error {
	if e.eof {
		return nil
	}
	pr, err := e.pull()
	switch {
	case err == io.EOF:
		e.eof = true
	case err != nil:
		return err
	default:
		e.peeked = &pr // the feed's rows are not reused
	}
	return nil
}

// read returns the next record, the one read ahead first.
func (e *Extractor) read() (pendingRow, error) {
	if e.peeked != nil {
		pr := *e.peeked
		e.peeked = nil
		return pr, nil
	}
	return e.pull()
}

// pull returns the next record after those read: the rows held to type
// the columns, then the sheet's.
func (e *Extractor) pull() (pendingRow, error) {
	if len(e.held) > 0 {
		pr := e.held[0]
		e.held[0] = pendingRow{}
		e.held = e.held[1:]
		return pr, nil
	}
	return e.rows().read()
}

// rows is the feed of the data rows, started on first use (after the
// header).
func (e *Extractor) rows() *rowFeed {
	if e.feed == nil {
		e.feed = startFeed(e.cur)
	}
	return e.feed
}

// warnLostDigits logs, once per column, a number whose last digits Excel
// dropped: Excel keeps 15 significant digits, so an ID number typed into a
// number cell lost its last digits when the workbook was saved
// (110101199003071234 is stored as 110101199003071000). Nothing can bring
// them back; the warning says where to look.
func (e *Extractor) warnLostDigits(num int, raw []string, rk []cellKind) {
	for i, k := range rk {
		if k != ckFloat || !lostDigits(raw[i]) {
			continue
		}
		if e.warned == nil {
			e.warned = make([]bool, e.width)
		}
		if e.warned[i] {
			continue
		}
		e.warned[i] = true
		e.log.Warn("excel: a number cell holds 16 or more digits; Excel keeps only 15 significant digits, so the digits after the 15th were lost when the workbook was saved (ID numbers must be stored as text)",
			"file", e.st.path, "sheet", e.sheet.Name, "cell", fmt.Sprintf("%s%d", colName(e.c1+i), num), "column", e.schema.Columns[i].Name, "value", raw[i])
	}
}

// lostDigits reports whether a number's text (as appendNumber writes it)
// shows digits lost: 16 or more digits before the point, of which the
// first 15 are all significant, the most Excel keeps. 1.23456789e+22 has 9
// significant digits and lost none; 110101199003071000 has 15 and 18
// digits: the last three are gone. (An ID number whose 15th digit is 0
// passes unseen, but its column's other cells do not.)
func lostDigits(text string) bool {
	text = strings.TrimPrefix(text, "-")
	if i := strings.IndexByte(text, '.'); i >= 0 {
		text = text[:i]
	}
	return len(text) >= 16 && len(strings.TrimRight(text, "0")) == 15
}

// values converts a placed row to the columns' types, into row.
func (e *Extractor) values(row []any, num int, raw []string, rk []cellKind) (string, int) {
	clear(row) // it may hold a rejected row's values
	for i, v := range raw {
		if rk[i] == ckEmpty {
			continue
		}
		k := e.kinds[i]
		if k == xcetl.KindString {
			row[i] = v
			continue
		}
		x, err := typedValue(v, k)
		if err != nil || !fits(k, rk[i]) {
			return fmt.Sprintf("cell %s%d: %q does not fit column %q, typed %s from the sheet's first %d data rows (types: auto); write the column's type with cast and set types: text, or correct the cell",
				colName(e.c1+i), num, clip(v), clip(e.schema.Columns[i].Name), k, e.sampled), i + 1
		}
		row[i] = x
	}
	return "", 0
}

// headerName cleans a header cell: surrounding spaces go, and a line
// break inside the cell (Alt+Enter, common in the headers of forms: 出生
// on one line, 日期 on the next) is removed between Chinese characters and
// becomes a space between others.
func headerName(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			b.WriteString(s)
			break
		}
		before := strings.TrimRight(s[:i], " \t")
		after := strings.TrimLeft(s[i:], " \t\r\n")
		b.WriteString(before)
		prev, _ := utf8.DecodeLastRuneInString(before)
		next, _ := utf8.DecodeRuneInString(after)
		if prev != utf8.RuneError && next != utf8.RuneError && (prev < utf8.RuneSelf || next < utf8.RuneSelf) {
			b.WriteByte(' ')
		}
		s = after
	}
	return b.String()
}

func clip(s string) string {
	if len(s) > 40 {
		cut := 37
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "..."
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Close releases the workbook.
func (e *Extractor) Close() error {
	if e.book == nil {
		return nil
	}
	if e.feed != nil {
		e.feed.close()
		e.feed = nil
	}
	if e.cur != nil {
		e.cur.sr.Close()
		e.cur = nil
	}
	err := e.book.Close()
	e.book = nil
	return err
}

// Progress reports the bytes of sheet XML inflated out of the total.
func (e *Extractor) Progress() (done, total int64) {
	return e.done.Load(), e.total.Load()
}

// cursor walks the rows of the sheet as the table sees them: merged areas
// applied, rows past the range ending the sheet, empty rows skipped, the
// footer held back. The data pass and the typing pass each have one.
type cursor struct {
	e       *Extractor
	sr      *sheetReader
	nextM   int // e.merges[:nextM] have started
	active  []activeMerge
	pending []pendingRow // rows held back for skip_footer
	held    *pendingRow  // a row read while looking for the header
	row     sheetRow
}

type activeMerge struct {
	m    mergeRange
	val  string
	kind cellKind
}

type pendingRow struct {
	num    int
	vals   []string
	kinds  []cellKind
	bad    string
	badCol int
}

func (e *Extractor) newCursor() (*cursor, error) {
	minCol, maxCol := 0, 0
	if e.st.rng != nil {
		minCol, maxCol = e.st.rng.c1, e.st.rng.c2
	}
	sr, err := e.book.openSheet(e.sheet, minCol, maxCol, &e.done)
	if err != nil {
		return nil, err
	}
	return &cursor{e: e, sr: sr}, nil
}

// readHeader reads the header row(s).
func (c *cursor) readHeader(ctx context.Context) ([2][]string, error) {
	var hdr [2][]string
	st := c.e.st
	for k := 0; k < st.headerRows; k++ {
		want := st.headerRow + k
		for {
			if err := ctx.Err(); err != nil {
				return hdr, err
			}
			err := c.sr.next(&c.row)
			if err == io.EOF {
				return hdr, fmt.Errorf("%s: sheet %q ends before header row %d", c.e.book.name, c.e.sheet.Name, want)
			}
			if err != nil {
				return hdr, err
			}
			c.fillMerges(&c.row, true)
			if c.row.num < want {
				continue
			}
			if c.row.num == want {
				hdr[k] = append([]string(nil), c.row.vals...)
			} else {
				// The header row has no cells at all: an empty row.
				hdr[k] = nil
				c.held = &pendingRow{num: c.row.num, vals: append([]string(nil), c.row.vals...),
					kinds: append([]cellKind(nil), c.row.kinds...), bad: c.row.bad, badCol: c.row.badCol}
			}
			break
		}
	}
	return hdr, nil
}

// fillMerges applies merged areas to a row: their top-left value is
// remembered, and with merged: fill (or in header rows) copied to every
// cell of the area.
func (c *cursor) fillMerges(r *sheetRow, header bool) {
	merges := c.e.merges
	if len(merges) == 0 {
		return
	}
	for c.nextM < len(merges) && merges[c.nextM].r1 <= r.num {
		m := merges[c.nextM]
		c.nextM++
		if m.r2 < r.num {
			continue
		}
		a := activeMerge{m: m}
		if m.r1 == r.num && m.c1-1 < len(r.vals) {
			a.val, a.kind = r.vals[m.c1-1], r.kinds[m.c1-1]
		}
		c.active = append(c.active, a)
	}
	keep := c.active[:0]
	for _, a := range c.active {
		if a.m.r2 < r.num {
			continue
		}
		keep = append(keep, a)
		if !c.e.st.fill && !header {
			continue
		}
		if a.kind == ckEmpty || a.kind == ckError {
			continue
		}
		for len(r.vals) < a.m.c2 {
			r.vals = append(r.vals, "")
			r.kinds = append(r.kinds, ckEmpty)
		}
		for col := a.m.c1; col <= a.m.c2; col++ {
			r.vals[col-1], r.kinds[col-1] = a.val, a.kind
		}
	}
	c.active = keep
}

// read returns the next non-empty data row within the range, holding back
// the last skip_footer rows. The row's slices are valid until the next
// call unless skip_footer is set.
func (c *cursor) read() (pendingRow, error) {
	st := c.e.st
	for {
		var pr pendingRow
		if c.held != nil {
			pr, c.held = *c.held, nil
		} else {
			err := c.sr.next(&c.row)
			if err == io.EOF {
				return pendingRow{}, io.EOF
			}
			if err != nil {
				return pendingRow{}, err
			}
			c.fillMerges(&c.row, false)
			pr = pendingRow{num: c.row.num, vals: c.row.vals, kinds: c.row.kinds, bad: c.row.bad, badCol: c.row.badCol}
		}
		if st.rng != nil && pr.num > st.rng.r2 {
			return pendingRow{}, io.EOF
		}
		if c.empty(pr.vals) && (pr.bad == "" || c.e.outside(pr.badCol)) {
			continue
		}
		if st.skipFooter == 0 {
			return pr, nil
		}
		pr.vals = append([]string(nil), pr.vals...)
		pr.kinds = append([]cellKind(nil), pr.kinds...)
		c.pending = append(c.pending, pr)
		if len(c.pending) > st.skipFooter {
			out := c.pending[0]
			c.pending = c.pending[1:]
			return out, nil
		}
	}
}

// empty reports whether a row has no value in the table's columns (with a
// range) or anywhere (without one).
func (c *cursor) empty(vals []string) bool {
	lo, hi := 0, len(vals)
	if c.e.st.rng != nil {
		lo, hi = c.e.c1-1, min(len(vals), c.e.c1-1+c.e.width)
	}
	for i := lo; i < hi; i++ {
		if vals[i] != "" {
			return false
		}
	}
	return true
}
