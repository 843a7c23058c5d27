package excel

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// sheetRow is one row of a worksheet as stored: cells by 1-based column
// (vals[c-1], kinds[c-1]); "" and ckEmpty for an empty cell.
type sheetRow struct {
	num    int
	vals   []string
	kinds  []cellKind
	bad    string // why a cell could not be read ("" if all were fine)
	badCol int    // the column of that cell
}

// rowCell is a cell of the row being read, before the row's text is made a
// string.
type rowCell struct {
	col  int
	kind cellKind
	sst  bool   // the value is str (a shared string); else out[a:b]
	str  string // shared string
	a, b int
}

// The limits of a sheet, from Excel's specifications (16,384 columns,
// 1,048,576 rows) and, for text, generous multiples of them: Excel holds at
// most 32,767 characters in a cell. They hold however a file is built: a
// cell's text is counted across all its runs, a row's cells however they
// are numbered. Variables so that tests can lower them.
var (
	maxCols = 16384
	maxRows = 1048576
	// maxCellText caps the decoded text of one cell or shared string.
	maxCellText = 1 << 20
	// maxRowText caps the converted text of one row's cells.
	maxRowText = 16 << 20
)

// sheetReader streams the rows of one worksheet part, holding one row at a
// time.
type sheetReader struct {
	b      *book
	rc     io.ReadCloser
	sc     *xmlScanner
	row    int // number of the last row returned
	minCol int // errors of cells before this column are ignored (a range's first)
	maxCol int // columns beyond this are not kept (0: all)
	done   bool

	text  []byte    // the current cell's value, decoded
	long  bool      // the current cell's text passed maxCellText
	out   []byte    // the current row's converted values, concatenated
	cells []rowCell // the current row's non-empty cells
	seen  []uint64  // bit c-1: column c has a cell in the current row
	setw  []int     // the words of seen that are not 0
	nrow  bool      // the current row's number came from its position, not r
}

func (b *book) openSheet(si sheetInfo, minCol, maxCol int, count *atomic.Int64) (*sheetReader, error) {
	zf := b.file(si.part)
	if zf == nil {
		return nil, fmt.Errorf("%s: sheet %q: part %s is missing from the workbook", b.name, si.Name, si.part)
	}
	rc, err := b.openPart(zf, unzipSizeLimit, count)
	if err != nil {
		return nil, err
	}
	ra := newReadAhead(rc)
	return &sheetReader{b: b, rc: ra, sc: newScanner(ra), minCol: minCol, maxCol: maxCol}, nil
}

func (s *sheetReader) Close() error { return s.rc.Close() }

func (s *sheetReader) xmlErr(err error) error {
	if isArchiveErr(err) {
		return err
	}
	return fmt.Errorf("%s: worksheet XML is damaged after row %d: %w", s.b.name, s.row, err)
}

// next returns the next stored row (rows with no cells may be left out by
// the file itself), reusing r's slices. It returns io.EOF after the last.
func (s *sheetReader) next(r *sheetRow) error {
	if s.done {
		return io.EOF
	}
	for {
		err := s.sc.next()
		if err == io.EOF {
			s.done = true
			return io.EOF
		}
		if err != nil {
			return s.xmlErr(err)
		}
		switch s.sc.kind {
		case tokStart, tokEmpty:
			if string(s.sc.name) != "row" {
				continue
			}
			num := s.row + 1
			v, err := plainAttr(s.sc.attrs, "r")
			if err != nil {
				return s.xmlErr(err)
			}
			if v != nil {
				n, ok := atoi(v)
				if !ok || n < 1 {
					return fmt.Errorf("%s: worksheet XML has a row numbered %q after row %d", s.b.name, clip(string(v)), s.row)
				}
				num = n
			}
			if num > maxRows {
				return fmt.Errorf("%s: worksheet XML has a row numbered %d after row %d, past the last row a sheet can have (%d)", s.b.name, num, s.row, maxRows)
			}
			s.row, s.nrow = num, v == nil
			s.startRow(r, num)
			if s.sc.kind == tokEmpty {
				s.finishRow(r)
				return nil
			}
			return s.readCells(r)
		case tokEnd:
			if string(s.sc.name) == "sheetData" {
				s.done = true
				return io.EOF
			}
		}
	}
}

// plainAttr returns the raw value of the unprefixed attribute name, or nil.
func plainAttr(attrs []byte, name string) ([]byte, error) {
	for {
		n, v, rest, ok, err := nextAttr(attrs)
		if err != nil || !ok {
			return nil, err
		}
		if string(n) == name {
			return v, nil
		}
		attrs = rest
	}
}

// atoi parses a small non-negative decimal number.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// readCells reads the cells of the row just started, up to </row>.
func (s *sheetReader) readCells(r *sheetRow) error {
	var pos cellPos
	for {
		err := s.sc.next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return s.xmlErr(err)
		}
		switch s.sc.kind {
		case tokStart, tokEmpty:
			if string(s.sc.name) != "c" {
				continue
			}
			var typ, style, ref []byte
			attrs := s.sc.attrs
			for {
				n, v, rest, ok, err := nextAttr(attrs)
				if err != nil {
					return s.xmlErr(err)
				}
				if !ok {
					break
				}
				attrs = rest
				switch string(n) {
				case "r":
					ref = v
				case "t":
					typ = v
				case "s":
					style = v
				}
			}
			// The attributes point into the scanner's buffer: keep them
			// before reading on.
			var tb, sb, rb [16]byte
			typ, style = append(tb[:0], typ...), append(sb[:0], style...)
			if ref != nil {
				ref = append(rb[:0], ref...)
			}
			s.text, s.long = s.text[:0], false
			inline := false
			if s.sc.kind == tokStart {
				if inline, err = s.cellValue(); err != nil {
					return err
				}
			}
			s.cell(r, &pos, ref, typ, style, inline)
		case tokEnd:
			if string(s.sc.name) == "row" {
				s.finishRow(r)
				return nil
			}
		}
	}
}

// cellPos is where the cells of a row have got to.
type cellPos struct {
	col int // column of the last cell
	n   int // cells so far
}

// cell places one stored cell of row r, its text in s.text (s.long if cut):
// its column comes from its reference ref (nil: the one after the last
// cell's), within the limits of a row. The scanner and the reference reader
// of the tests share it.
func (s *sheetReader) cell(r *sheetRow, pos *cellPos, ref, typ, style []byte, inline bool) {
	pos.col++
	pos.n++
	if ref != nil && pos.col <= maxCols {
		if c, ok := s.cellRef(r, ref); ok {
			pos.col = c
		} else {
			pos.col = maxCols + 1 // nothing more of this row is kept
		}
	}
	switch {
	case pos.col > maxCols || pos.n > maxCols:
		if r.bad == "" {
			r.bad = fmt.Sprintf("row %d holds a cell past column %s, the last a sheet can have", r.num, colName(maxCols))
			if pos.col <= maxCols {
				r.bad = fmt.Sprintf("row %d holds more than %d cells, the most a sheet's row can have", r.num, maxCols)
			}
		}
	case r.bad != "" && r.badCol == 0:
		// The row is rejected as a whole: keep nothing more.
	default:
		s.addCell(r, pos.col, typ, style, s.text, inline)
	}
}

// cellRef checks a cell's r attribute against its row and returns its
// column. A reference that is not a cell (XFD1048577, ZZZZZZZZZZZZZZ3) or
// names another row rejects the row, rather than moving the value to
// another cell. A row without its own number takes its cells' row.
func (s *sheetReader) cellRef(r *sheetRow, ref []byte) (int, bool) {
	c, row, ok := parseRef(string(ref))
	if !ok || c == 0 {
		if r.bad == "" {
			r.bad = fmt.Sprintf("the cell reference %q in row %d is not a cell (columns run from A to %s, rows from 1 to %d)", clip(string(ref)), r.num, colName(maxCols), maxRows)
		}
		return 0, false
	}
	if row != 0 && row != r.num {
		if s.nrow && len(s.cells) == 0 && row > s.row-1 && r.bad == "" {
			s.row, r.num = row, row // <row> without r after rows left out
		} else if r.bad == "" {
			r.bad = fmt.Sprintf("cell %s is stored in row %d", clip(string(ref)), r.num)
			return 0, false
		}
	}
	s.nrow = false
	return c, true
}

// cellValue reads a <c> element's content into s.text: the text of <v>, or
// of an inline string's <t> elements (inline is true then). Formulas (<f>)
// are skipped: the cached value in <v> is what the user last saw.
// Phonetic hints (<rPh>) are not part of the text.
func (s *sheetReader) cellValue() (inline bool, err error) {
	for _, sh := range simpleCells {
		if raw, ok := s.sc.simple(sh.open, sh.close, 1); ok { // 1: the </c>
			if s.text, err = appendText(s.text, raw); err != nil {
				return false, s.xmlErr(err)
			}
			s.capText()
			return sh.inline, nil
		}
	}
	in, rph := false, 0
	for {
		err := s.sc.next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return false, s.xmlErr(err)
		}
		switch s.sc.kind {
		case tokStart, tokEmpty:
			switch string(s.sc.name) {
			case "v":
				in = s.sc.kind == tokStart
			case "is":
				inline = true
			case "t":
				if inline && rph == 0 && s.sc.kind == tokStart {
					in = true
				}
			case "rPh":
				if s.sc.kind == tokStart {
					rph++
				}
			case "c":
				if s.sc.kind == tokEmpty {
					return inline, nil
				}
			}
		case tokEnd:
			switch string(s.sc.name) {
			case "c":
				return inline, nil
			case "v", "t":
				in = false
			case "rPh":
				rph--
			}
		case tokText:
			if in && !s.long {
				if s.text, err = appendText(s.text, s.sc.text); err != nil {
					return false, s.xmlErr(err)
				}
				s.capText()
			}
		case tokCDATA:
			if in && !s.long {
				s.text = append(s.text, s.sc.text...)
				s.capText()
			}
		}
	}
}

// simpleCells are the contents of a <c> element read without tokens (see
// xmlScanner.simple), after the <c> start tag up to and with its end tag.
var simpleCells = []struct {
	open, close []byte
	inline      bool
}{
	{[]byte("<v>"), []byte("</v></c>"), false},
	{[]byte("<is><t>"), []byte("</t></is></c>"), true},
}

// capText stops collecting a cell's text once it passes maxCellText,
// keeping its start for the reject file.
func (s *sheetReader) capText() {
	if len(s.text) > maxCellText {
		s.text, s.long = s.text[:rejectTextMax], true
	}
}

// rejectTextMax is how much of a cell too long to read the reject file
// keeps.
const rejectTextMax = 1024

// startRow resets r for row num.
func (s *sheetReader) startRow(r *sheetRow, num int) {
	r.num, r.vals, r.kinds, r.bad, r.badCol = num, r.vals[:0], r.kinds[:0], "", 0
	if s.seen == nil {
		s.seen = make([]uint64, (maxCols+63)/64)
	}
	for _, w := range s.setw {
		s.seen[w] = 0
	}
	s.out, s.cells, s.setw = s.out[:0], s.cells[:0], s.setw[:0]
}

// addCell converts one stored cell and keeps it for the row. A cell that
// cannot be read keeps its stored text (for the reject file) with kind
// ckError, and its row is rejected.
func (s *sheetReader) addCell(r *sheetRow, col int, typ, style, raw []byte, inline bool) {
	if s.maxCol > 0 && col > s.maxCol {
		return
	}
	w, bit := (col-1)>>6, uint64(1)<<((col-1)&63)
	if s.seen[w]&bit != 0 {
		if r.bad == "" {
			r.bad, r.badCol = fmt.Sprintf("cell %s%d is stored twice", colName(col), r.num), col
		}
		return
	}
	if s.seen[w] == 0 {
		s.setw = append(s.setw, w)
	}
	s.seen[w] |= bit
	a := len(s.out)
	c := rowCell{col: col, a: a}
	var err error
	if s.long {
		err = fmt.Errorf("the text is longer than %d MiB, which xcetl does not read (Excel holds at most 32,767 characters in a cell)", maxCellText>>20)
	} else {
		c.str, c.sst, c.kind, err = s.convert(typ, style, raw, inline)
	}
	if err == nil && len(s.out) > maxRowText {
		err = fmt.Errorf("the row's text passes %d MiB, which xcetl does not read", maxRowText>>20)
	}
	c.b = len(s.out)
	if err != nil {
		// Keep the cell's text as stored, for the reject file. Left of a
		// range, a cell's value is kept (a merged area may start there)
		// but its error is not the table's.
		if c.sst { // a shared string too long: its start
			raw, s.long = []byte(c.str), true
		}
		s.out = append(s.out[:a], storedText(raw, s.long)...)
		c.b, c.sst, c.kind = len(s.out), false, ckError
		if r.bad == "" && col >= s.minCol {
			r.bad, r.badCol = fmt.Sprintf("cell %s%d: %v", colName(col), r.num, err), col
		}
	}
	if c.kind == ckEmpty {
		s.out = s.out[:a]
		return
	}
	s.cells = append(s.cells, c)
}

// storedText is a cell's stored text as the reject file shows it: valid
// UTF-8, at most rejectTextMax bytes (then "…").
func storedText(raw []byte, long bool) string {
	t := string(raw)
	if len(t) > rejectTextMax {
		t, long = t[:rejectTextMax], true
	}
	t = strings.ToValidUTF8(t, "\uFFFD")
	if long {
		t += "…"
	}
	return t
}

// finishRow turns the row's cells into r.vals and r.kinds, with one string
// allocation for all of the row's converted text.
func (s *sheetReader) finishRow(r *sheetRow) {
	text := string(s.out)
	for _, c := range s.cells {
		for len(r.vals) < c.col {
			r.vals = append(r.vals, "")
			r.kinds = append(r.kinds, ckEmpty)
		}
		if c.sst {
			r.vals[c.col-1] = c.str
		} else {
			r.vals[c.col-1] = text[c.a:c.b]
		}
		r.kinds[c.col-1] = c.kind
	}
}

// convert turns a stored cell into its text (see README: Cell values):
// shared strings are returned as str with sst set, everything else is
// appended to s.out.
func (s *sheetReader) convert(typ, style, raw []byte, inline bool) (str string, sst bool, k cellKind, err error) {
	switch string(typ) {
	case "s":
		i, ok := atoi(raw)
		if !ok || i >= s.b.sstLen() {
			if len(raw) == 0 {
				return "", false, ckEmpty, nil
			}
			return "", false, ckEmpty, fmt.Errorf("shared string %q does not exist", clip(string(raw)))
		}
		v := s.b.sstAt(i)
		if s.b.sstLong != nil && s.b.sstLong[i] {
			return v, true, ckEmpty, fmt.Errorf("shared string %d is longer than %d MiB, which xcetl does not read (Excel holds at most 32,767 characters in a cell)", i, maxCellText>>20)
		}
		if v == "" {
			return "", false, ckEmpty, nil
		}
		return v, true, ckText, nil
	case "inlineStr", "str":
		return "", false, s.appendString(raw), s.checkUTF8(raw)
	case "b":
		switch string(raw) {
		case "1", "true":
			s.out = append(s.out, "true"...)
		case "0", "false":
			s.out = append(s.out, "false"...)
		case "":
			return "", false, ckEmpty, nil
		default:
			return "", false, ckEmpty, fmt.Errorf("boolean cell holds %q", clip(string(raw)))
		}
		return "", false, ckBool, nil
	case "e":
		return "", false, ckEmpty, fmt.Errorf("the cell holds the error %s", clip(string(raw)))
	case "d":
		if len(raw) == 0 {
			return "", false, ckEmpty, nil
		}
		s.out, k, err = appendISOCellDate(s.out, string(raw))
		return "", false, k, err
	}
	if inline {
		return "", false, s.appendString(raw), s.checkUTF8(raw)
	}
	if len(raw) == 0 {
		return "", false, ckEmpty, nil
	}
	fk := fmtNumber
	if n, ok := atoi(style); ok {
		fk = s.b.kindOf(n)
	}
	if fk != fmtNumber {
		s.out, k, err = appendSerial(s.out, raw, fk, s.b.date1904)
		return "", false, k, err
	}
	s.out, k, err = appendNumber(s.out, raw)
	return "", false, k, err
}

// appendString appends a string cell's text, undoing _xHHHH_ escapes.
func (s *sheetReader) appendString(raw []byte) cellKind {
	if len(raw) == 0 {
		return ckEmpty
	}
	if bytes.Contains(raw, []byte("_x")) {
		s.out = append(s.out, decodeXString(string(raw))...)
	} else {
		s.out = append(s.out, raw...)
	}
	return ckText
}

func (s *sheetReader) checkUTF8(raw []byte) error {
	if !utf8.Valid(raw) {
		return errors.New("the text is not valid UTF-8")
	}
	return nil
}

// appendNumber appends a numeric cell's value the way Excel shows it in
// General format: at most 15 significant digits, no exponent, no ".0".
func appendNumber(dst, raw []byte) ([]byte, cellKind, error) {
	if isPlainInt(raw) {
		return append(dst, raw...), ckInt, nil
	}
	if isShortDecimal(raw) {
		return append(dst, raw...), ckFloat, nil
	}
	return appendFloat15(dst, raw)
}

// appendFloat15 is appendNumber for any stored number: parsed, rounded to
// 15 significant digits and written without an exponent.
func appendFloat15(dst, raw []byte) ([]byte, cellKind, error) {
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return dst, ckEmpty, fmt.Errorf("numeric cell holds %q, not a number", clip(string(raw)))
	}
	v = round15(v)
	if v == 0 {
		return append(dst, '0'), ckInt, nil
	}
	k := ckFloat
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		k = ckInt
	}
	return strconv.AppendFloat(dst, v, 'f', -1, 64), k, nil
}

// round15 rounds v to 15 significant digits, the precision Excel shows and
// keeps (0.1+0.2 is shown as 0.3).
func round15(v float64) float64 {
	var buf [32]byte
	r, _ := strconv.ParseFloat(string(strconv.AppendFloat(buf[:0], v, 'g', 15, 64)), 64)
	return r
}

// isShortDecimal reports whether s is written as appendFloat15 would
// write it, so that it needs no float round trip: an optional '-', digits
// without a leading zero (or one 0), a point and digits not ending in 0,
// 15 significant digits at most. Any decimal of 15 significant digits or
// fewer survives the trip through a float64 (DBL_DIG is 15), so the
// shortest text of its float is itself (FuzzCellText checks).
func isShortDecimal(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	dot := bytes.IndexByte(s, '.')
	if dot < 1 || dot == len(s)-1 || s[len(s)-1] == '0' || (dot > 1 && s[0] == '0') {
		return false
	}
	sig := 0
	for i, c := range s {
		switch {
		case i == dot:
		case c < '0' || c > '9':
			return false
		case c != '0' || sig > 0:
			sig++ // leading zeros (0.005) are not significant
		}
	}
	return sig <= 15
}

// isPlainInt reports whether s is an optional '-' and 1 to 15 digits
// without a leading zero, the common case, which needs no float round trip.
func isPlainInt(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
		if len(s) == 1 && s[0] == '0' {
			return false
		}
	}
	if len(s) == 0 || len(s) > 15 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// mergeRange is a merged area, 1-based and inclusive.
type mergeRange struct {
	c1, r1, c2, r2 int
}

// The limits of a sheet's merged areas: how many, and how many cells
// they cover together (filling them costs a copy per cell). A real sheet
// merges a title row, group headers, a 区 down its residents' rows.
var (
	maxMerges          = 1 << 20
	maxMergeArea int64 = 1 << 26
)

// mergeCells reads the <mergeCell ref="A1:B2"> list of a worksheet. It is
// stored after the cells, so this is a separate pass over the sheet that
// only tokenises it (no cell is converted).
func (b *book) mergeCells(si sheetInfo) ([]mergeRange, error) {
	zf := b.file(si.part)
	if zf == nil {
		return nil, fmt.Errorf("%s: sheet %q: part %s is missing from the workbook", b.name, si.Name, si.part)
	}
	rc, err := b.openPart(zf, unzipSizeLimit, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sc := newScanner(rc)
	var out []mergeRange
	var area int64
	for {
		err := sc.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			if isArchiveErr(err) {
				return nil, err
			}
			return nil, fmt.Errorf("%s: sheet %q: worksheet XML is damaged: %w", b.name, si.Name, err)
		}
		if (sc.kind == tokStart || sc.kind == tokEmpty) && string(sc.name) == "mergeCell" {
			ref, err := plainAttr(sc.attrs, "ref")
			if err != nil {
				return nil, fmt.Errorf("%s: sheet %q: worksheet XML is damaged: %w", b.name, si.Name, err)
			}
			if m, ok := parseRange(string(ref)); ok {
				out = append(out, m)
				area += int64(m.c2-m.c1+1) * int64(m.r2-m.r1+1)
			}
			if len(out) > maxMerges {
				return nil, fmt.Errorf("%s: sheet %q has more than %d merged areas, more than xcetl fills (use merged: none and header_rows: 1, or unmerge them)", b.name, clip(si.Name), maxMerges)
			}
			if area > maxMergeArea {
				return nil, fmt.Errorf("%s: sheet %q: its merged areas cover more than %d cells (the last read: %s), more than xcetl fills (use merged: none and header_rows: 1, or unmerge them)",
					b.name, clip(si.Name), maxMergeArea, clip(string(ref)))
			}
		}
	}
}

// parseRange parses "A1:H500" (or a single cell "B2").
func parseRange(s string) (mergeRange, bool) {
	a, z, found := bytes.Cut([]byte(s), []byte(":"))
	if !found {
		z = a
	}
	c1, r1, ok1 := parseRef(string(a))
	c2, r2, ok2 := parseRef(string(z))
	if !ok1 || !ok2 || c1 == 0 || c2 == 0 || r1 == 0 || r2 == 0 || c1 > c2 || r1 > r2 {
		return mergeRange{}, false
	}
	return mergeRange{c1, r1, c2, r2}, true
}
