// Package inspect is the logic of `xcetl inspect DATAFILE`: it sniffs a CSV
// file (encoding, delimiter, title lines, header) or an .xlsx workbook
// (sheets, header row, two-row headers, a totals row), reads a sample of the
// rows through the real source (so what it reports is what a run will see),
// infers a type for every column and writes a starter pipeline that
// `xcetl validate` accepts and `xcetl run` runs.
package inspect

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/extract/csv"
	"github.com/xcetl/xcetl/extract/excel"
)

// DefaultSample is how many data rows are read to infer types when
// Options.Sample is 0.
const DefaultSample = 100_000

// Options tune Inspect.
type Options struct {
	// Sheet picks the sheet of a workbook by name or 1-based index; ""
	// is the first worksheet.
	Sheet string
	// Sample is how many data rows are read (0: DefaultSample). When the
	// file has more, the row count is estimated from the share of the
	// file the sample took.
	Sample int
}

// Report is what Inspect found.
type Report struct {
	File   string // as given
	Format string // "csv" or "xlsx"

	// CSV.
	Encoding      string // as encoding: auto decides it (csv.Sniff), or its suggestion
	EncodingNote  string // the evidence
	EncodingGuess bool   // auto would refuse the file: Encoding is a suggestion
	// NullValues are the texts that look like NULL in the sample (NULL,
	// \N, NA, -, 无 …), with "" first; NullCounts says how often each was
	// seen. The starter pipeline sets them as null_values.
	NullValues []string
	NullCounts map[string]int64
	Delimiter  rune
	Header     bool
	SkipRows   int // lines before the header (titles)

	// XLSX.
	Sheets     []excel.SheetInfo
	Sheet      string // the sheet inspected
	HeaderRow  int    // 1-based spreadsheet row of the header
	HeaderRows int    // 1 or 2
	SkipFooter int    // 1 when the last row is a 合计/总计 line
	// ColumnNames are the names the pipeline gives the sheet's columns
	// (`columns:`) when the header repeats a name; nil otherwise.
	ColumnNames []string

	Rows      int64 // data rows, counted or estimated
	RowsExact bool
	Estimate  string // how Rows was estimated, when not exact
	Sampled   int64  // data rows read
	Rejected  int64  // rows the source could not read
	Rejects   []string
	Columns   []Column
	Notes     []string // things worth knowing, one line each

	headRows, headBytes int // CSV: data records in the first MiB
	fileBytes           int64
}

// Column is one column's findings.
type Column struct {
	Name     string
	Type     xcetl.Type
	Format   string // a Go time layout when not cast's default form
	NonEmpty int64
	Empty    int64
	Example  string
	MaxLen   int // longest value, in characters
	Note     string
}

// Inspect sniffs the data file at path (relative to the current directory
// or absolute).
func Inspect(ctx context.Context, path string, opts Options) (*Report, error) {
	if opts.Sample <= 0 {
		opts.Sample = DefaultSample
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	head := make([]byte, 1<<20)
	n, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	head = head[:n]
	r := &Report{File: path}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}),
		hasExt(path, ".xlsx", ".xlsm", ".xls", ".et", ".ods"):
		r.Format = "xlsx"
		err = r.workbook(ctx, path, opts)
	default:
		r.Format = "csv"
		err = r.csvFile(ctx, path, head, opts)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

func hasExt(path string, exts ...string) bool {
	e := strings.ToLower(filepath.Ext(path))
	for _, x := range exts {
		if e == x {
			return true
		}
	}
	return false
}

// csvFile sniffs a delimited text file and reads its sample.
func (r *Report) csvFile(ctx context.Context, path string, head []byte, opts Options) error {
	fi, statErr := os.Stat(path)
	complete := statErr == nil && int64(len(head)) >= fi.Size()
	d := csv.Sniff(head, complete)
	r.Encoding, r.EncodingNote = d.Encoding, d.Reason
	if d.Encoding == "" {
		if d.Suggest == "" {
			hint := ""
			if bytes.IndexByte(head, 0) >= 0 {
				hint = " (for a workbook, give an .xlsx file)"
			}
			return fmt.Errorf("inspect %s: cannot tell the encoding: %s%s", path, d.Reason, hint)
		}
		// encoding: auto would refuse the file; the evidence points at
		// one encoding, which the user must confirm.
		r.Encoding, r.EncodingGuess = d.Suggest, true
		r.Notes = append(r.Notes, fmt.Sprintf("encoding: auto refuses this file (%s); the pipeline says encoding: %s — check that the text below reads right", d.Reason, d.Suggest))
	}
	text := csv.DecodeText(r.Encoding, head)
	// Whole lines only: the sample ends wherever 1 MiB did.
	if len(head) == 1<<20 {
		if i := bytes.LastIndexByte(text, '\n'); i > 0 {
			text = text[:i+1]
		}
	}
	r.Delimiter, r.SkipRows, r.Header = sniffCSV(text)
	if statErr == nil && len(head) > 0 {
		// For the estimate of a big file's rows: records per byte of the
		// first MiB.
		recs, _ := readRecords(text, r.Delimiter, -1)
		n := len(recs)
		if r.Header {
			n--
		}
		if n > 0 {
			r.headRows, r.headBytes, r.fileBytes = n, len(head), fi.Size()
		}
	}
	cfg := fmt.Sprintf("type: csv\npath: %s\nencoding: %s\ndelimiter: %s\nheader: %t\nskip_rows: %d\n",
		yamlValue(path), r.Encoding, yamlValue(string(r.Delimiter)), r.Header, r.SkipRows)
	if !r.Header {
		n := fieldsIn(text, r.Delimiter, r.SkipRows)
		cols := make([]string, n)
		for i := range cols {
			cols[i] = fmt.Sprintf("column_%d", i+1)
		}
		cfg += "columns: [" + strings.Join(cols, ", ") + "]\n"
	}
	return r.sample(ctx, cfg, opts.Sample, false)
}

// delimiters are the candidates, in order of preference on a tie.
var delimiters = []rune{',', '\t', ';', '|'}

// sniffCSV picks the delimiter that splits the sample's records into the
// same number of fields most consistently, counts leading title lines
// (records with fewer than half the fields filled), and decides whether the
// first record after them is a header.
func sniffCSV(text []byte) (delim rune, skip int, header bool) {
	best, bestScore := ',', -1.0
	var bestRecs [][]string
	var bestLines []int
	for _, d := range delimiters {
		recs, lines := readRecords(text, d, 200)
		if len(recs) == 0 {
			continue
		}
		mode := modeFields(recs)
		if mode < 2 {
			continue
		}
		same := 0
		for _, rec := range recs {
			if len(rec) == mode {
				same++
			}
		}
		score := float64(same) / float64(len(recs)) * (1 + 0.01*float64(min(mode, 50)))
		if score > bestScore {
			best, bestScore, bestRecs, bestLines = d, score, recs, lines
		}
	}
	if bestRecs == nil {
		return ',', 0, true
	}
	mode := modeFields(bestRecs)
	first := 0
	for first < len(bestRecs)-1 && filled(bestRecs[first]) < (mode+1)/2 {
		first++
	}
	skip = bestLines[first] - 1
	return best, skip, looksLikeHeader(bestRecs[first], bestRecs[first+1:])
}

// readRecords splits up to max records of text with delimiter d, returning
// each record's first line.
func readRecords(text []byte, d rune, max int) ([][]string, []int) {
	cr := stdcsv.NewReader(bytes.NewReader(text))
	cr.Comma = d
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var recs [][]string
	var lines []int
	for max < 0 || len(recs) < max {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue
		}
		line, _ := cr.FieldPos(0)
		recs = append(recs, rec)
		lines = append(lines, line)
	}
	return recs, lines
}

func modeFields(recs [][]string) int {
	count := map[int]int{}
	mode, most := 0, 0
	for _, r := range recs {
		count[len(r)]++
		if c := count[len(r)]; c > most || c == most && len(r) > mode {
			mode, most = len(r), c
		}
	}
	return mode
}

func filled(rec []string) int {
	n := 0
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			n++
		}
	}
	return n
}

// fieldsIn is the number of fields of the first data record.
func fieldsIn(text []byte, d rune, skip int) int {
	recs, lines := readRecords(text, d, 200)
	for i, rec := range recs {
		if lines[i] > skip {
			return max(len(rec), modeFields(recs))
		}
	}
	return 1
}

// looksLikeHeader: a first record is data, not names, when one of its cells
// looks like a number or a date in a column whose other cells do too.
func looksLikeHeader(first []string, rest [][]string) bool {
	if len(rest) == 0 {
		return true
	}
	for j, v := range first {
		if !valueLike(v) {
			continue
		}
		like, n := 0, 0
		for _, r := range rest {
			if j < len(r) && strings.TrimSpace(r[j]) != "" {
				n++
				if valueLike(r[j]) {
					like++
				}
			}
		}
		if n > 0 && like*2 >= n {
			return false
		}
	}
	return true
}

// valueLike reports whether s looks like a number or a date rather than a
// column name.
func valueLike(s string) bool {
	g := newGuess()
	g.add(s)
	t, _, _ := g.result()
	return t.Kind != xcetl.KindString || g.idLike
}

// workbook sniffs an .xlsx file and reads its sample.
func (r *Report) workbook(ctx context.Context, path string, opts Options) error {
	sheets, name, rows, err := excel.Preview(ctx, path, opts.Sheet, 30)
	r.Sheets = sheets
	if err != nil {
		return fmt.Errorf("inspect %w", err)
	}
	if opts.Sheet == "" {
		// The first worksheet is often a cover or notes sheet: take the
		// one with the widest table.
		best := widestRow(rows)
		for _, s := range sheets {
			if s.Kind != "" || s.Name == name {
				continue
			}
			_, n2, rows2, err := excel.Preview(ctx, path, s.Name, 30)
			if err != nil {
				return fmt.Errorf("inspect %w", err)
			}
			if w := widestRow(rows2); w > best {
				r.Notes = append(r.Notes, fmt.Sprintf("sheet %s has the widest table (%d columns, sheet %s has %d); give --sheet to inspect another", n2, w, name, best))
				best, name, rows = w, n2, rows2
			}
		}
	}
	r.Sheet = name
	r.HeaderRow, r.HeaderRows = 1, 1
	if len(rows) == 0 {
		return fmt.Errorf("inspect %s: sheet %q has no cells", path, name)
	}
	// The header is the first row about as wide as the table (titles and
	// notes above it fill one or two cells) that holds no numbers or dates.
	widest := widestRow(rows)
	hi := 0
	for i, row := range rows {
		if n := filled(row.Cells); n >= 2 && n*5 >= widest*3 && !anyValueLike(row.Cells) {
			hi = i
			break
		}
	}
	r.HeaderRow = rows[hi].Num
	// A second header row: directly below, only text, filling gaps of the
	// first (the columns under a merged group cell: 地址 over 区, 街道).
	if hi+1 < len(rows) && rows[hi+1].Num == r.HeaderRow+1 && !anyValueLike(rows[hi+1].Cells) && hi+2 < len(rows) {
		h, s := rows[hi].Cells, rows[hi+1].Cells
		under := false
		for c := range s {
			if strings.TrimSpace(s[c]) != "" && (c >= len(h) || strings.TrimSpace(h[c]) == "") {
				under = true
			}
		}
		if under && anyValueLike(rows[hi+2].Cells) {
			r.HeaderRows = 2
		}
	}
	cfg := fmt.Sprintf("type: excel\npath: %s\nsheet: %s\nheader_row: %d\nheader_rows: %d\ntypes: text\n",
		yamlValue(path), yamlValue(name), r.HeaderRow, r.HeaderRows)
	if r.HeaderRows == 2 {
		cfg += "merged: fill\n"
	}
	err = r.sample(ctx, cfg, opts.Sample, true)
	var dup *excel.DuplicateColumnsError
	if errors.As(err, &dup) {
		// Propose names: the header's, repeats numbered.
		r.ColumnNames = uniqueNames(dup.Names)
		var repeated []string
		for i, n := range r.ColumnNames {
			if n != dup.Names[i] {
				repeated = append(repeated, fmt.Sprintf("%q", dup.Names[i]))
			}
		}
		r.Notes = append(r.Notes, fmt.Sprintf("the header repeats %s: the pipeline names the columns with `columns:` (%s), rename them as you like",
			strings.Join(repeated[:min(len(repeated), 5)], ", "), strings.Join(r.ColumnNames[:min(len(r.ColumnNames), 8)], ", ")))
		err = r.sample(ctx, cfg+"columns: "+flowList(r.ColumnNames)+"\n", opts.Sample, true)
	}
	return err
}

// uniqueNames numbers the repeats of names: 姓名, 姓名 becomes 姓名, 姓名_2
// (a number no other name has taken).
func uniqueNames(names []string) []string {
	taken := map[string]bool{}
	for _, n := range names {
		taken[n] = true
	}
	seen := map[string]bool{}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if seen[n] {
			for k := 2; ; k++ {
				if c := n + "_" + strconv.Itoa(k); !taken[c] {
					out[i], taken[c] = c, true
					break
				}
			}
		}
		seen[n] = true
	}
	return out
}

// flowList writes names as a YAML flow sequence.
func flowList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = yamlValue(n)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func widestRow(rows []excel.PreviewRow) int {
	w := 0
	for _, row := range rows {
		w = max(w, filled(row.Cells))
	}
	return w
}

func anyValueLike(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" && valueLike(c) {
			return true
		}
	}
	return false
}

// footerWords start a totals or signature line at the end of a form.
var footerWords = []string{"合计", "总计", "小计", "共计", "填表人", "制表人", "审核人", "Total", "TOTAL"}

// sample reads up to max data rows through the real source configured by
// cfg (a `source:` mapping body) and infers the columns.
func (r *Report) sample(ctx context.Context, cfg string, max int, sheet bool) error {
	root, err := config.Parse("inspect", []byte("source:\n  "+strings.ReplaceAll(strings.TrimRight(cfg, "\n"), "\n", "\n  ")+"\n"), nil)
	if err != nil {
		return fmt.Errorf("inspect: internal configuration: %w", err)
	}
	ex, err := extract.New(root.Get("source"), extract.Env{})
	if err != nil {
		return fmt.Errorf("inspect: internal configuration: %w", err)
	}
	schema, err := ex.Open(ctx)
	if err != nil {
		return fmt.Errorf("inspect %w", err)
	}
	defer ex.Close()
	guesses := make([]*guess, len(schema.Columns))
	for i := range guesses {
		guesses[i] = newGuess()
	}
	// The last record (row or reject) is held back until another follows:
	// it may be a totals line.
	type item struct {
		rec    int64
		row    []any
		reject *xcetl.Reject
	}
	var held *item
	flush := func() {
		if held == nil {
			return
		}
		if held.reject != nil {
			r.Rejected++
			if len(r.Rejects) < 5 {
				r.Rejects = append(r.Rejects, held.reject.Origin.String()+": "+held.reject.Reason)
			}
		} else {
			for i, v := range held.row {
				s, _ := v.(string)
				if !sheet && isNullWord(s) {
					if r.NullCounts == nil {
						r.NullCounts = map[string]int64{}
					}
					r.NullCounts[s]++
					s = "" // as the pipeline will read it
				}
				guesses[i].add(s)
			}
			r.Sampled++
		}
		held = nil
	}
	eof, got := false, 0
	for got < max {
		b, err := ex.Next(ctx, min(1000, max-got))
		if errors.Is(err, io.EOF) {
			eof = true
			break
		}
		if err != nil {
			return fmt.Errorf("inspect %w", err)
		}
		items := make([]item, 0, len(b.Rows)+len(b.Rejects))
		for i, row := range b.Rows {
			items = append(items, item{rec: b.Origin[i].Record, row: row})
		}
		for i := range b.Rejects {
			items = append(items, item{rec: b.Rejects[i].Origin.Record, reject: &b.Rejects[i]})
		}
		sort.Slice(items, func(i, j int) bool { return items[i].rec < items[j].rec })
		got += len(items)
		for i := range items {
			flush()
			held = &items[i]
		}
	}
	if !eof {
		// Was the sample the whole file after all?
		if b, err := ex.Next(ctx, 1); errors.Is(err, io.EOF) || err == nil && b == nil {
			eof = true
		}
	}
	if held != nil && sheet && eof && isFooter(held.row, held.reject) {
		r.SkipFooter = 1
		first := firstValue(held.row)
		if held.reject != nil {
			first = firstText(held.reject.Raw)
		}
		r.Notes = append(r.Notes, fmt.Sprintf("the last row starts with %q: a totals or signature line, left out with skip_footer: 1", first))
		held = nil
	}
	flush()
	r.Rows, r.RowsExact = r.Sampled+r.Rejected, eof
	if !eof {
		// A CSV reader reads ahead in big blocks, so its progress says
		// little about a small sample: estimate from the rows in the first
		// MiB instead. A sheet's progress is the XML scanned, close to
		// the rows read.
		if r.headRows > 0 {
			r.Rows = int64(float64(r.headRows) * float64(r.fileBytes) / float64(r.headBytes))
			r.Estimate = fmt.Sprintf("from the %d rows in the first %d KiB of the %d KiB file", r.headRows, r.headBytes>>10, r.fileBytes>>10)
		} else if p, ok := ex.(extract.Progresser); ok {
			if done, total := p.Progress(); done > 0 && total > 0 {
				f := float64(done) / float64(total)
				r.Rows = int64(float64(r.Sampled+r.Rejected) / f)
				r.Estimate = fmt.Sprintf("the first %d rows were %.1f%% of the sheet", r.Sampled+r.Rejected, 100*f)
			}
		}
		if r.Estimate == "" {
			r.Estimate = "the file is bigger than the sample; no size to estimate from"
		}
	}
	r.suggestNulls()
	for i, c := range schema.Columns {
		g := guesses[i]
		t, format, note := g.result()
		r.Columns = append(r.Columns, Column{Name: c.Name, Type: t, Format: format, NonEmpty: g.nonEmpty, Empty: g.empty,
			Example: g.example, MaxLen: g.maxLen, Note: note})
	}
	return nil
}

func isFooter(row []any, rej *xcetl.Reject) bool {
	v := firstValue(row)
	if rej != nil {
		v = firstText(rej.Raw)
	}
	for _, w := range footerWords {
		if strings.HasPrefix(v, w) {
			return true
		}
	}
	return false
}

func firstText(raw []string) string {
	for _, v := range raw {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func firstValue(row []any) string {
	for _, v := range row {
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// nullWords are texts that exports write for a missing value.
var nullWords = []string{"NULL", "null", `\N`, "NA", "N/A", "#N/A", "-", "—", "无", "空"}

func isNullWord(s string) bool { return slices.Contains(nullWords, s) }

// suggestNulls turns the null words seen in the sample into null_values.
func (r *Report) suggestNulls() {
	if len(r.NullCounts) == 0 {
		return
	}
	r.NullValues = []string{""}
	var seen []string
	for _, w := range nullWords {
		if r.NullCounts[w] > 0 {
			r.NullValues = append(r.NullValues, w)
			seen = append(seen, fmt.Sprintf("%s (%d)", w, r.NullCounts[w]))
		}
	}
	r.Notes = append(r.Notes, fmt.Sprintf("cells that look like NULL: %s; the pipeline sets null_values to them (remove any that is data)", strings.Join(seen, ", ")))
	if r.NullCounts[`\N`] > 0 {
		r.Notes = append(r.Notes, `\N is how MySQL (SELECT … INTO OUTFILE, mysqldump --tab) and PostgreSQL (COPY … TO) write NULL: if the file came from there, format: mysql or format: postgres also reads their backslash escapes`)
	}
}
