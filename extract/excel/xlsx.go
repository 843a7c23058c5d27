package excel

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/klauspost/compress/flate"
)

// Size limits. A workbook is a zip archive; a few kilobytes can unpack to
// gigabytes (a zip bomb). Parts held in memory (shared strings, styles, the
// workbook) and the streamed sheet are both capped, on the sizes the archive
// declares (archive/zip's central directory) and again on the bytes actually
// inflated, since declared sizes can lie. Variables so that tests can lower
// them.
var (
	// unzipSizeLimit caps the total inflated size of the parts xcetl reads.
	unzipSizeLimit int64 = 16 << 30
	// unzipXMLSizeLimit caps each part that is held in memory.
	unzipXMLSizeLimit int64 = 1 << 30
	// unzipSmallXMLLimit caps the parts decoded with encoding/xml (the
	// workbook, relationships and styles), which a real workbook keeps
	// well below it even with Excel's 64,000 cell styles.
	unzipSmallXMLLimit int64 = 64 << 20
	// maxInflateRatio caps how many times its compressed size a part may
	// unpack to, once it is larger than ratioGrace. The XML of people's
	// workbooks compresses 5 to 30 times (a sheet of long repeated strings
	// in SheetJS's test files: 121 times, 57 MB); deflate can reach 1032.
	// Apache POI refuses parts above 100 in the same way. With both, a file
	// of 10 MB unpacks to at most a few hundred megabytes below the grace
	// size or 1 GB above it, read in seconds.
	maxInflateRatio int64 = 100
	ratioGrace      int64 = 256 << 20
)

// maxSheetName caps the length of a sheet's name, which every origin and
// reject carries; Excel allows 31 characters.
const maxSheetName = 1024

// errTooBig is wrapped by every size-limit failure.
var errTooBig = errors.New("exceeds the size limit (a zip bomb, or a workbook too big to read safely)")

// errDamaged is wrapped by every failure of the archive's own checks: a
// part that fails its CRC, unpacks to another size than its entry says, or
// whose compressed data is corrupt.
var errDamaged = errors.New("the file is damaged (a broken copy? ask for a new one, or open and save it again)")

// oleMagic starts every OLE2 compound file: BIFF .xls, WPS .et, and
// password-protected .xlsx files.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// sheetInfo is one sheet as the workbook lists it, in tab order.
type sheetInfo struct {
	Name  string
	part  string // path of the sheet XML inside the archive
	other string // "" for a worksheet; else what it is ("chart sheet")
}

// book is an open .xlsx archive with the parts every sheet needs.
type book struct {
	f        *os.File
	zr       *zip.Reader
	parts    map[string]*zip.File // by name with / separators, and lower-cased
	name     string               // as shown in messages
	sheets   []sheetInfo
	date1904 bool
	xfKinds  []fmtKind // per cell style index
	// The shared strings, all in one string: string i is
	// sst[sstOff[i]:sstOff[i+1]]. One allocation instead of one per string
	// keeps a table of millions of strings compact.
	sst     string
	sstOff  []uint32
	sstLong map[int]bool // strings longer than maxCellText (their start is kept)
	// opened holds the declared unpacked size of every part opened, each
	// counted once however often it is read, for the total limit.
	opened map[string]int64
}

// sstLen is the number of shared strings.
func (b *book) sstLen() int {
	if len(b.sstOff) == 0 {
		return 0
	}
	return len(b.sstOff) - 1
}

// sstAt returns shared string i (0 <= i < sstLen()).
func (b *book) sstAt(i int) string { return b.sst[b.sstOff[i]:b.sstOff[i+1]] }

// openBook opens the workbook at full (named name in messages) and reads its
// workbook, relationships, styles and shared strings.
func openBook(full, name string) (*book, error) {
	f, err := os.Open(full)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if bytes.Equal(head, oleMagic) {
		f.Close()
		return nil, fmt.Errorf("%s is an old binary Excel (.xls) or WPS (.et) file, or a password-protected workbook, which xcetl cannot read; "+
			"save it as .xlsx (without a password), e.g. `soffice --headless --convert-to xlsx %s`", name, name)
	}
	if !bytes.HasPrefix(head, []byte("PK")) {
		f.Close()
		return nil, fmt.Errorf("%s is not an .xlsx workbook (no zip signature); for .xls or .et files convert with `soffice --headless --convert-to xlsx`", name)
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		f.Close()
		return nil, fmt.Errorf("%s is not a readable .xlsx workbook: %w", name, err)
	}
	b := &book{f: f, zr: zr, name: name, parts: partIndex(zr)}
	if err := b.load(); err != nil {
		f.Close()
		return nil, err
	}
	return b, nil
}

func (b *book) Close() error { return b.f.Close() }

// partIndex indexes the archive's entries by name, with the separators
// some writers get wrong (xl\workbook.xml, which Office opens) made /, and
// again lower-cased, as some writers differ in case. The first entry of a
// name wins.
func partIndex(zr *zip.Reader) map[string]*zip.File {
	m := make(map[string]*zip.File, 2*len(zr.File))
	for _, zf := range zr.File {
		name := strings.TrimPrefix(strings.ReplaceAll(zf.Name, "\\", "/"), "/")
		if _, ok := m[name]; !ok {
			m[name] = zf
		}
	}
	for name, zf := range m {
		low := "\x00" + strings.ToLower(name)
		if _, ok := m[low]; !ok {
			m[low] = zf
		}
	}
	return m
}

// file finds a part by name, case-insensitively when no name matches
// exactly.
func (b *book) file(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	if zf, ok := b.parts[name]; ok {
		return zf
	}
	return b.parts["\x00"+strings.ToLower(name)]
}

// partReader inflates a part and checks it as archive/zip would (its size
// and CRC-32), reporting a damaged part as damaged, and stops once more
// than max bytes came out.
type partReader struct {
	r        io.Reader // the inflating reader
	closer   io.Closer // of the decompressor, or nil
	b        *book
	part     string
	n        int64
	max      int64
	declared int64
	crc      uint32
	wantCRC  uint32
	count    *atomic.Int64 // optional, for progress
	err      error
}

func (p *partReader) Read(buf []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.r.Read(buf)
	p.n += int64(n)
	if p.count != nil {
		p.count.Add(int64(n))
	}
	p.crc = crc32.Update(p.crc, crc32.IEEETable, buf[:n])
	switch {
	case p.n > p.declared:
		p.err = fmt.Errorf("%s: part %s unpacks to more than the %d bytes its zip entry declares (reading stopped there: a damaged file, or a zip bomb): %w", p.b.name, p.part, p.declared, errDamaged)
	case p.n > p.max:
		p.err = fmt.Errorf("%s: part %s %w", p.b.name, p.part, errTooBig)
	case err == io.EOF && p.n < p.declared:
		p.err = fmt.Errorf("%s: part %s unpacks to %d bytes, not the %d its zip entry declares: %w", p.b.name, p.part, p.n, p.declared, errDamaged)
	case err == io.EOF && p.crc != p.wantCRC:
		p.err = fmt.Errorf("%s: part %s fails its CRC check: %w", p.b.name, p.part, errDamaged)
	case err == io.ErrUnexpectedEOF:
		p.err = fmt.Errorf("%s: part %s ends early: %w", p.b.name, p.part, errDamaged)
	case err != nil && err != io.EOF:
		var ce flate.CorruptInputError
		if errors.As(err, &ce) {
			p.err = fmt.Errorf("%s: part %s: the compressed data is corrupt (%v): %w", p.b.name, p.part, err, errDamaged)
		} else {
			p.err = fmt.Errorf("%s: part %s: %w", p.b.name, p.part, err)
		}
	default:
		return n, err
	}
	return 0, p.err
}

func (p *partReader) Close() error {
	if p.closer != nil {
		return p.closer.Close()
	}
	return nil
}

// openPart opens a part for streaming with limit max on its inflated size.
// The declared sizes of the distinct parts opened must stay within
// unzipSizeLimit together, and a large part must not unpack to more than
// maxInflateRatio times its compressed size.
func (b *book) openPart(zf *zip.File, max int64, count *atomic.Int64) (io.ReadCloser, error) {
	size := zf.UncompressedSize64
	total := int64(0)
	for name, n := range b.opened {
		if name != zf.Name {
			total += n
		}
	}
	if size > math.MaxInt64 || int64(size) > max || total+int64(size) > unzipSizeLimit {
		return nil, fmt.Errorf("%s: part %s declares %d bytes unpacked, which %w", b.name, zf.Name, size, errTooBig)
	}
	if int64(size) > ratioGrace && zf.CompressedSize64 < size/uint64(maxInflateRatio) {
		return nil, fmt.Errorf("%s: part %s declares %d bytes unpacked from %d, more than %d times its compressed size, which %w",
			b.name, zf.Name, size, zf.CompressedSize64, maxInflateRatio, errTooBig)
	}
	if b.opened == nil {
		b.opened = map[string]int64{}
	}
	b.opened[zf.Name] = int64(size)
	raw, err := zf.OpenRaw()
	if err != nil {
		return nil, fmt.Errorf("%s: part %s: %v: %w", b.name, zf.Name, err, errDamaged)
	}
	p := &partReader{b: b, part: zf.Name, max: max, declared: int64(size), wantCRC: zf.CRC32, count: count}
	switch zf.Method {
	case zip.Store:
		p.r = raw
	case zip.Deflate:
		fr := flate.NewReader(raw)
		p.r, p.closer = fr, fr
	default:
		return nil, fmt.Errorf("%s: part %s is compressed with method %d, which xcetl cannot read (only deflate and stored parts); save the workbook again in Excel, WPS or LibreOffice",
			b.name, zf.Name, zf.Method)
	}
	return p, nil
}

// isArchiveErr reports whether err is a size-limit or damaged-archive
// failure, which is reported as it is rather than as bad XML.
func isArchiveErr(err error) bool { return errors.Is(err, errTooBig) || errors.Is(err, errDamaged) }

// maxDepth caps the nesting of elements in every XML part. Spreadsheet
// parts nest a dozen deep; a part nested millions deep is hostile (it cost
// encoding/xml minutes of CPU).
var maxDepth = 256

// errTooDeep is returned for XML nested deeper than maxDepth.
var errTooDeep = fmt.Errorf("elements are nested more than %d deep (a damaged or hostile file)", maxDepth)

// depthLimiter passes the tokens of an encoding/xml decoder on, failing
// once elements nest deeper than maxDepth.
type depthLimiter struct {
	d     *xml.Decoder
	depth int
}

func (l *depthLimiter) Token() (xml.Token, error) {
	t, err := l.d.Token()
	switch t.(type) {
	case xml.StartElement:
		if l.depth++; l.depth > maxDepth {
			return nil, errTooDeep
		}
	case xml.EndElement:
		l.depth--
	}
	return t, err
}

// decodePart unmarshals a small part into v.
func (b *book) decodePart(name string, v any) (bool, error) {
	zf := b.file(name)
	if zf == nil {
		return false, nil
	}
	rc, err := b.openPart(zf, min(unzipXMLSizeLimit, unzipSmallXMLLimit), nil)
	if err != nil {
		return true, err
	}
	defer rc.Close()
	if err := xml.NewTokenDecoder(&depthLimiter{d: xml.NewDecoder(rc)}).Decode(v); err != nil {
		if isArchiveErr(err) {
			return true, err
		}
		return true, fmt.Errorf("%s: part %s is not valid XML: %w", b.name, zf.Name, err)
	}
	return true, nil
}

type xWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name string `xml:"name,attr"`
		RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		// Strict Open XML (ISO/IEC 29500 strict) names the relationship
		// namespace differently.
		RIDStrict string `xml:"http://purl.oclc.org/ooxml/officeDocument/relationships id,attr"`
	} `xml:"sheets>sheet"`
}

type xRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type xStyles struct {
	NumFmts []struct {
		ID   int    `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	Xfs []struct {
		NumFmtID int `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

// workbookPart finds the main workbook part through the package
// relationships (it is xl/workbook.xml for every common writer).
func (b *book) workbookPart() string {
	var rels xRels
	if ok, err := b.decodePart("_rels/.rels", &rels); ok && err == nil {
		for _, r := range rels.Rels {
			if strings.HasSuffix(r.Target, "workbook.xml") {
				return strings.TrimPrefix(r.Target, "/")
			}
		}
	}
	return "xl/workbook.xml"
}

func (b *book) load() error {
	wbPart := b.workbookPart()
	var wb xWorkbook
	ok, err := b.decodePart(wbPart, &wb)
	if err != nil {
		return err
	}
	if !ok {
		if b.file("content.xml") != nil && b.file("mimetype") != nil {
			return fmt.Errorf("%s is an OpenDocument spreadsheet (.ods), not an .xlsx workbook; convert it with `soffice --headless --convert-to xlsx %s`", b.name, b.name)
		}
		return fmt.Errorf("%s is not an .xlsx workbook (no %s); for .xls, .et or .ods files convert with `soffice --headless --convert-to xlsx`", b.name, wbPart)
	}
	b.date1904 = wb.Pr.Date1904 == "1" || wb.Pr.Date1904 == "true"
	dir := path.Dir(wbPart)
	var rels xRels
	if _, err := b.decodePart(path.Join(dir, "_rels", path.Base(wbPart)+".rels"), &rels); err != nil {
		return err
	}
	type target struct{ part, typ string }
	targets := map[string]target{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(dir, t)
		}
		targets[r.ID] = target{t, r.Type}
	}
	worksheets := 0
	for _, s := range wb.Sheets {
		if len(s.Name) > maxSheetName {
			return fmt.Errorf("%s: the workbook names a sheet %q of %d bytes, longer than a spreadsheet program writes (Excel: 31 characters); a damaged or hostile file", b.name, clip(s.Name), len(s.Name))
		}
		id := s.RID
		if id == "" {
			id = s.RIDStrict
		}
		t, ok := targets[id]
		si := sheetInfo{Name: s.Name, part: t.part}
		switch {
		case !ok:
			si.other = "sheet without content (a broken relationship)"
		case strings.HasSuffix(t.typ, "/chartsheet"):
			si.other = "chart sheet"
		case strings.HasSuffix(t.typ, "/dialogsheet"):
			si.other = "dialog sheet"
		case strings.HasSuffix(t.typ, "/xlMacrosheet"), strings.HasSuffix(t.typ, "/xlIntlMacrosheet"):
			si.other = "macro sheet"
		default:
			worksheets++
		}
		b.sheets = append(b.sheets, si)
	}
	if worksheets == 0 {
		return fmt.Errorf("%s: the workbook has no worksheets", b.name)
	}

	var st xStyles
	if _, err := b.decodePart(path.Join(dir, "styles.xml"), &st); err != nil {
		return err
	}
	custom := map[int]string{}
	for _, nf := range st.NumFmts {
		custom[nf.ID] = nf.Code
	}
	b.xfKinds = make([]fmtKind, len(st.Xfs))
	for i, xf := range st.Xfs {
		if code, ok := custom[xf.NumFmtID]; ok {
			b.xfKinds[i] = formatKind(code)
		} else {
			b.xfKinds[i] = builtinKind(xf.NumFmtID)
		}
	}
	return b.loadSST(path.Join(dir, "sharedStrings.xml"))
}

// sstBudget caps the memory of the shared strings table (text and
// offsets) at the larger of sstMinBudget and sstRatio times the part's
// compressed size. A real table holds unique strings, which compress two
// to four times (LibreOffice's table of the bench's 500,000 rows: 37 MB of
// text from 19.7 MB); a crafted one repeats a string to fill memory.
var (
	sstMinBudget int64 = 64 << 20
	sstRatio     int64 = 8
)

// loadSST reads the shared strings table. Rich-text runs are joined;
// phonetic hints (<rPh>) are not part of the text; _xHHHH_ escapes are
// undone. A string longer than maxCellText keeps its start and is marked,
// so that the cells using it are rejected.
func (b *book) loadSST(name string) error {
	zf := b.file(name)
	if zf == nil {
		return nil
	}
	rc, err := b.openPart(zf, unzipXMLSizeLimit, nil)
	if err != nil {
		return err
	}
	defer rc.Close()
	budget := max(sstMinBudget, sstRatio*int64(min(zf.CompressedSize64, math.MaxInt64/uint64(sstRatio))))
	// Text is never longer than the part: reserving that much (up to the
	// budget) costs address space only, and spares the copies of a
	// growing slice.
	t := sstTable{arena: make([]byte, 0, min(budget, int64(zf.UncompressedSize64))), offs: []uint32{0}}
	tooBig := fmt.Errorf("%s: part %s holds more than %d MiB of strings, more than %d times its compressed size, which %w",
		b.name, zf.Name, budget>>20, sstRatio, errTooBig)
	sc := newScanner(rc)
	inSI, inT, depth := false, false, 0 // depth: inside <rPh>
	for {
		err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if isArchiveErr(err) {
				return err
			}
			return fmt.Errorf("%s: part %s is not valid XML: %w", b.name, zf.Name, err)
		}
		switch sc.kind {
		case tokStart, tokEmpty:
			switch string(sc.name) {
			case "si":
				inSI = sc.kind == tokStart
				t.begin()
				if !inSI {
					t.end()
				}
			case "t":
				inT = inSI && depth == 0 && sc.kind == tokStart
			case "rPh":
				if sc.kind == tokStart {
					depth++
				}
			}
		case tokEnd:
			switch string(sc.name) {
			case "si":
				if inSI {
					t.end()
				}
				inSI = false
			case "t":
				inT = false
			case "rPh":
				depth--
			}
		case tokText, tokCDATA:
			if !inT {
				break
			}
			// Text never grows when decoded: check before appending, so
			// the arena stays within its reserve.
			if int64(len(t.arena)+len(sc.text))+4*int64(len(t.offs)) > budget {
				return tooBig
			}
			if err := t.add(sc.text, sc.kind == tokCDATA); err != nil {
				return fmt.Errorf("%s: part %s is not valid XML: %w", b.name, zf.Name, err)
			}
		}
		if 4*int64(len(t.offs)) > budget {
			return tooBig
		}
	}
	if !utf8.Valid(t.arena) {
		return fmt.Errorf("%s: part %s holds text that is not valid UTF-8", b.name, zf.Name)
	}
	// The reserve counts as live memory for the garbage collector, which
	// would then let garbage grow to twice it before collecting: keep the
	// text in a string of its own size (one copy; the reserve's untouched
	// pages never took memory).
	arena := t.arena
	if cap(arena) > len(arena)+len(arena)/8 {
		arena = append(make([]byte, 0, len(arena)), arena...)
		if cap(t.arena) > 16<<20 {
			// Let the collector see now that the reserve is free, not
			// after garbage has grown to twice it. The heap is mostly
			// this table, which holds no pointers: a short collection.
			t.arena = nil
			runtime.GC()
		}
	}
	// The arena is never written again: share its bytes instead of
	// copying them into a string once more.
	b.sst, b.sstOff, b.sstLong = unsafe.String(unsafe.SliceData(arena), len(arena)), t.offs, t.long
	return nil
}

// sstTable is the shared strings table being read: string i is
// arena[offs[i]:offs[i+1]].
type sstTable struct {
	arena []byte
	offs  []uint32
	start int          // of the string being read
	cut   bool         // it passed maxCellText: only its start is kept
	long  map[int]bool // the strings cut
}

func (t *sstTable) begin() { t.start, t.cut = len(t.arena), false }

// add appends raw text (entities not decoded) or a CDATA section's to the
// string being read, keeping only the start of one longer than maxCellText.
func (t *sstTable) add(raw []byte, cdata bool) error {
	if t.cut {
		return nil
	}
	if cdata {
		t.arena = append(t.arena, raw...)
	} else {
		var err error
		if t.arena, err = appendText(t.arena, raw); err != nil {
			return err
		}
	}
	if len(t.arena)-t.start > maxCellText {
		cut := t.start + rejectTextMax
		for cut > t.start && !isRuneStart(t.arena[cut]) {
			cut--
		}
		t.arena, t.cut = t.arena[:cut], true
	}
	return nil
}

// end ends the string being read, undoing its _xHHHH_ escapes.
func (t *sstTable) end() {
	if t.cut {
		if t.long == nil {
			t.long = map[int]bool{}
		}
		t.long[len(t.offs)-1] = true
	} else if bytes.Contains(t.arena[t.start:], []byte("_x")) {
		t.arena = append(t.arena[:t.start], decodeXString(string(t.arena[t.start:]))...)
	}
	t.offs = append(t.offs, uint32(len(t.arena)))
}

// fmtKind is what a number format makes of a numeric cell.
type fmtKind uint8

const (
	fmtNumber fmtKind = iota
	fmtDate
	fmtTime
	fmtDateTime
	// fmtDuration: elapsed time ([h]:mm:ss), a span, not a moment.
	fmtDuration
	// fmtDateOrTime: a built-in format that is a time of day in some
	// locales (上午/下午h"时"mm"分") and a date in others (yyyy"年"m"月",
	// yyyy-mm-dd); the workbook does not say which. A value below one day
	// is read as a time, any other as a date.
	fmtDateOrTime
)

// builtinKinds classifies the built-in number formats, ECMA-376 Part 1
// §18.8.30 (ids the standard leaves out, 5–8, 23–26 and 41–44 in some
// locales, are currency and accounting formats: numbers). The East Asian
// ids 27–36 and 50–58 are dates or times in every locale the standard
// lists (zh-cn, zh-tw, ja-jp, ko-kr) except 34, 35, 52, 53, 55 and 56,
// which are dates in some and times in others; the Thai ids
// 59–81 are included too. TestBuiltinKinds checks each against its format
// code.
var builtinKinds = map[int]fmtKind{
	// 14 mm-dd-yy, 15 d-mmm-yy, 16 d-mmm, 17 mmm-yy
	14: fmtDate, 15: fmtDate, 16: fmtDate, 17: fmtDate,
	// 18 h:mm AM/PM, 19 h:mm:ss AM/PM, 20 h:mm, 21 h:mm:ss
	18: fmtTime, 19: fmtTime, 20: fmtTime, 21: fmtTime,
	22: fmtDateTime, // m/d/yy h:mm
	// zh-cn: 27 yyyy"年"m"月", 28/29 m"月"d"日", 30 m-d-yy, 31 yyyy"年"m"月"d"日",
	// 36 as 27; ja-jp and ko-kr: dates with eras or years as well.
	27: fmtDate, 28: fmtDate, 29: fmtDate, 30: fmtDate, 31: fmtDate, 36: fmtDate,
	// 32 h"时"mm"分", 33 h"时"mm"分"ss"秒" (hh"時"mm"分", h"시" mm"분" elsewhere)
	32: fmtTime, 33: fmtTime,
	// 34 上午/下午h"时"mm"分", 35 上午/下午h"时"mm"分"ss"秒" in zh-cn and zh-tw;
	// ja-jp: yyyy"年"m"月", m"月"d"日"; ko-kr: yyyy-mm-dd.
	34: fmtDateOrTime, 35: fmtDateOrTime,
	45: fmtTime,     // mm:ss
	46: fmtDuration, // [h]:mm:ss
	47: fmtTime,     // mmss.0
	// 50, 51, 54, 57, 58: the dates of 27–31 again (yyyy"年"m"月", m"月"d"日", …)
	50: fmtDate, 51: fmtDate, 54: fmtDate, 57: fmtDate, 58: fmtDate,
	// 52, 53: dates in zh-cn, ja-jp and ko-kr, 上午/下午 times in zh-tw;
	// 55, 56: 上午/下午 times in zh-cn and zh-tw, dates in ja-jp and ko-kr
	52: fmtDateOrTime, 53: fmtDateOrTime, 55: fmtDateOrTime, 56: fmtDateOrTime,
	// th-th: 71 ว/ด/ปปปป, 72 ว-ดดด-ปป, 73 ว-ดดด, 74 ดดด-ปป, 75 ช:นน, 76 ช:นน:ทท,
	// 77 ว/ด/ปปปป ช:นน, 78 นน:ทท, 79 [ช]:นน:ทท, 80 นน:ทท.0, 81 d/m/bb
	71: fmtDate, 72: fmtDate, 73: fmtDate, 74: fmtDate, 75: fmtTime, 76: fmtTime,
	77: fmtDateTime, 78: fmtTime, 79: fmtDuration, 80: fmtTime, 81: fmtDate,
}

// builtinKind classifies built-in number format id; every id not listed
// (General, 0.00, 0%, 0.00E+00, # ?/?, currency, @) is a number.
func builtinKind(id int) fmtKind { return builtinKinds[id] }

// formatKind classifies a custom number format code by the date and time
// letters (y, m, d, h, s) left after removing literals ("年", \-), colours
// and locales ([Red], [$-804]) and padding (_x, *x). LibreOffice writes
// "General" as a custom format. Elapsed-time formats ([h]:mm:ss, [mm]:ss,
// [s]) are durations, not times of day.
func formatKind(code string) fmtKind {
	if i := strings.IndexByte(code, ';'); i >= 0 {
		code = code[:i]
	}
	if strings.EqualFold(strings.TrimSpace(code), "general") {
		return fmtNumber
	}
	var hasDate, hasTime, hasM bool
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				i = len(code)
			} else {
				i += j + 1
			}
			continue
		case '\\', '_', '*':
			i++
			continue
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return fmtNumber
			}
			in := strings.ToLower(code[i+1 : i+j])
			if in != "" && (strings.Trim(in, "h") == "" || strings.Trim(in, "m") == "" || strings.Trim(in, "s") == "") {
				return fmtDuration
			}
			i += j
			continue
		}
		if c|0x20 == 'a' { // AM/PM and A/P mark a time; their M is no month
			if low := strings.ToLower(code[i:]); strings.HasPrefix(low, "am/pm") || strings.HasPrefix(low, "a/p") {
				hasTime = true
				i += strings.IndexByte(low, 'p')
				continue
			}
		}
		switch c | 0x20 {
		case 'y', 'd':
			hasDate = true
		case 'h', 's':
			hasTime = true
		case 'm':
			hasM = true
		}
	}
	if hasM && !hasTime {
		hasDate = true
	}
	switch {
	case hasDate && hasTime:
		return fmtDateTime
	case hasDate:
		return fmtDate
	case hasTime:
		return fmtTime
	}
	return fmtNumber
}

// kindOf returns the format kind of cell style s.
func (b *book) kindOf(s int) fmtKind {
	if s >= 0 && s < len(b.xfKinds) {
		return b.xfKinds[s]
	}
	return fmtNumber
}

// excelTime converts a serial date to a wall time. In the 1900 system
// Excel counts a 29 February 1900 that never was (Lotus 1-2-3's bug kept
// for compatibility): serials from 61 on are one day ahead of the real
// count, serial 60 is that fictitious day, and ok is false for it.
func excelTime(v float64, date1904 bool) (t time.Time, ok bool) {
	days := math.Floor(v)
	ms := math.Round((v - days) * 86400000)
	var epoch time.Time
	switch {
	case date1904:
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days == 60:
		return time.Time{}, false
	case days < 60:
		epoch = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	return epoch.AddDate(0, 0, int(days)).Add(time.Duration(ms) * time.Millisecond), true
}

// appendSerial appends a date-formatted numeric cell as ISO text: a date,
// a date and time, or (time formats, values below one day) a time of day.
func appendSerial(dst, raw []byte, k fmtKind, date1904 bool) ([]byte, cellKind, error) {
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return dst, ckEmpty, fmt.Errorf("date cell holds %q, not a number", clip(string(raw)))
	}
	if k == fmtDuration {
		if math.Abs(v) >= 1e8 { // 274,000 years: no span anyone measured
			return dst, ckEmpty, fmt.Errorf("duration cell holds %s days, too many to be a duration", clip(string(raw)))
		}
		return appendDuration(dst, v), ckText, nil
	}
	if (k == fmtTime || k == fmtDateOrTime) && v >= 0 && v < 1 {
		t, _ := excelTime(v, true)
		return appendTimeText(dst, t), ckText, nil
	}
	if v < 0 || v >= 2958466 { // 9999-12-31 is the last date Excel has
		return dst, ckEmpty, fmt.Errorf("date cell holds %s, outside Excel's dates", clip(string(raw)))
	}
	t, ok := excelTime(v, date1904)
	if !ok {
		return dst, ckEmpty, errors.New("date cell holds 1900-02-29, a day that does not exist (Excel's 1900 leap-year bug)")
	}
	if t.Year() > 9999 { // the 1904 system ends 1462 days earlier
		return dst, ckEmpty, fmt.Errorf("date cell holds %s, outside Excel's dates", clip(string(raw)))
	}
	midnight := t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	if (k == fmtDate || k == fmtDateOrTime) && midnight {
		return appendDateText(dst, t), ckDate, nil
	}
	dst = append(appendDateText(dst, t), ' ')
	return appendTimeText(dst, t), ckDateTime, nil
}

// appendDuration appends a number of days under an elapsed-time format as
// hours:minutes:seconds, the hours not wrapped at a day and milliseconds
// when not whole seconds: 12345.6789 is 296296:17:36.960, -0.5 is
// -12:00:00. It is the value [h]:mm:ss shows, to the millisecond, in a form
// PostgreSQL's interval reads.
func appendDuration(dst []byte, days float64) []byte {
	if days < 0 {
		dst = append(dst, '-')
		days = -days
	}
	ms := int64(math.Round(days * 86400000))
	dst = strconv.AppendInt(dst, ms/3600000, 10)
	dst = append(dst, ':', byte('0'+ms/600000%6), byte('0'+ms/60000%10), ':', byte('0'+ms/10000%6), byte('0'+ms/1000%10))
	if f := ms % 1000; f != 0 {
		dst = append(dst, '.', byte('0'+f/100), byte('0'+f/10%10), byte('0'+f%10))
	}
	return dst
}

// appendDateText appends t's date as 2006-01-02, what t.AppendFormat does
// for a year of four digits, without parsing the layout every cell.
func appendDateText(dst []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, "2006-01-02")
	}
	return append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10),
		'-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// appendTimeText appends t's time of day as 15:04:05, and .000 (the
// milliseconds, truncated as AppendFormat does) when t is not on a second.
func appendTimeText(dst []byte, t time.Time) []byte {
	h, m, s := t.Clock()
	dst = append(dst, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	if ns := t.Nanosecond(); ns != 0 {
		ms := ns / 1e6
		dst = append(dst, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	}
	return dst
}

// appendISOCellDate appends a t="d" cell (ISO 8601 text) in xcetl's forms.
func appendISOCellDate(dst []byte, s string) ([]byte, cellKind, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02", "15:04:05.999999999"} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		switch layout {
		case "2006-01-02":
			return appendDateText(dst, t), ckDate, nil
		case "15:04:05.999999999":
			return appendTimeText(dst, t.Round(time.Millisecond)), ckText, nil
		}
		t = t.Round(time.Millisecond)
		dst = append(appendDateText(dst, t), ' ')
		return appendTimeText(dst, t), ckDateTime, nil
	}
	return dst, ckEmpty, fmt.Errorf("date cell holds %q, not an ISO 8601 date", clip(s))
}

// parseRef splits a cell reference such as "AB12" into 1-based column and
// row; either may be 0 when absent ("AB" or "12").
func parseRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) {
		c := ref[i] | 0x20
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > 16384 {
			return 0, 0, false
		}
		i++
	}
	if i < len(ref) {
		n, err := strconv.Atoi(ref[i:])
		if err != nil || n < 1 || n > 1048576 {
			return 0, 0, false
		}
		row = n
	}
	return col, row, i > 0 || row > 0
}

// colName is the spreadsheet name of 1-based column c ("A", "AB").
func colName(c int) string {
	var b []byte
	for c > 0 {
		c--
		b = append([]byte{byte('A' + c%26)}, b...)
		c /= 26
	}
	return string(b)
}
