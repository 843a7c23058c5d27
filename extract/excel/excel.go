// Package excel is the `type: excel` source: one worksheet of an .xlsx
// workbook, streamed row by row, with every row located by its sheet name
// and spreadsheet row number.
//
// The worksheet XML is read with this package's own streaming tokenizer
// rather than excelize's Rows iterator: Rows returns either display text
// (formatted by locale-dependent number formats) or raw values without the
// cell's type and style, and typed cells (dates in the 1900 and 1904
// systems, booleans, errors, text that looks like a number) need both. It
// is also several times faster and leaner (see README.md, "Why not
// excelize's Rows"). Only the current row, the shared strings table and
// the styles are held in memory.
//
// With `types: auto` (the default) the sheet is read twice: once to find
// the columns whose cells all have one type (dates, numbers, booleans),
// which become typed columns, and once for the data.
package excel

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

func init() {
	extract.RegisterSpec("excel", config.Doc{
		Summary: "one worksheet of an .xlsx/.xlsm workbook, streamed row by row, every row located by sheet and spreadsheet row",
		Example: "path: data/台账.xlsx\nsheet: 居民\nheader_row: 1",
	}, newExtractor)
}

// Spec is the configuration of `type: excel` (the `source:` mapping
// without `type`). See README.md for every option.
type Spec struct {
	Path       string   `yaml:"path,required" doc:"the workbook (.xlsx, .xlsm), relative to the pipeline file's directory unless absolute; one file, no glob" example:"data/台账.xlsx"`
	Sheet      string   `yaml:"sheet" doc:"a sheet name, or a 1-based index in tab order (a name is tried first); default: the first worksheet" example:"居民"`
	HeaderRow  int      `yaml:"header_row" doc:"the 1-based spreadsheet row holding the column names; rows above it are skipped (default 1, or the first row of range)" example:"3"`
	HeaderRows int      `yaml:"header_rows" default:"1" min:"1" max:"2" doc:"2: two header rows, header_row and the one below, joined as 上级_下级"`
	Range      string   `yaml:"range" doc:"only these columns and rows are read (the header is the range's first row unless header_row says otherwise)" example:"A1:H500"`
	SkipFooter int      `yaml:"skip_footer" min:"0" doc:"data rows to drop at the end (a 合计 line, a 填表人 signature)"`
	Merged     string   `yaml:"merged" default:"none" enum:"none,fill" doc:"fill: a merged area's top-left value fills every cell of the area"`
	Types      string   `yaml:"types" default:"auto" enum:"auto,text" doc:"auto: typed columns where the cells of the first rows agree (see README); text: every column text"`
	Columns    []string `yaml:"columns" doc:"names replacing the header's, one per column of the table, in order" example:"[id, name]"`
}

// The values of `types`.
const (
	typesAuto = "auto"
	typesText = "text"
)

// Check checks what tags cannot say: non-empty path and sheet, the range
// and the header inside it, and the column names.
func (s *Spec) Check(c *config.Check) {
	if c.Has("path") && strings.TrimSpace(s.Path) == "" {
		c.Errorf("path", "path must not be empty")
	}
	if c.Has("sheet") && strings.TrimSpace(s.Sheet) == "" {
		c.Errorf("sheet", "sheet must not be empty; give a sheet name or a 1-based index, or leave it out for the first sheet")
	}
	if c.Has("header_row") && s.HeaderRow < 1 {
		c.Errorf("header_row", "header_row is a 1-based row number, got %d", s.HeaderRow)
	}
	if c.Has("range") {
		if r, ok := s.parsedRange(); !ok {
			c.Errorf("range", "range %q is not a cell range such as A1:H500", clip(s.Range))
		} else if hr, n := s.HeaderRow, max(s.HeaderRows, 1); hr > 0 && (hr < r.r1 || hr+n-1 > r.r2) {
			c.Errorf("header_row", "header_row %d is outside range %s", hr, clip(s.Range))
		}
	}
	if c.Has("columns") || s.Columns != nil {
		if len(s.Columns) == 0 {
			c.Errorf("columns", "columns must list at least one name")
		}
		seen := map[string]int{}
		for i, name := range s.Columns {
			if strings.TrimSpace(name) == "" {
				c.ErrorfAt(c.Item("columns", i), "column name must not be empty")
				continue
			}
			if first, dup := seen[name]; dup {
				c.ErrorfAt(c.Item("columns", i), "duplicate column name %q (also columns[%d])", clip(name), first)
				continue
			}
			seen[name] = i
		}
	}
}

// parsedRange parses Range ("A1:H500", a colon required).
func (s *Spec) parsedRange() (mergeRange, bool) {
	text := strings.ToUpper(strings.TrimSpace(s.Range))
	r, ok := parseRange(text)
	return r, ok && strings.Contains(text, ":")
}

// settings is the checked configuration with defaults applied.
type settings struct {
	path       string
	baseDir    string
	sheet      string // "" = the first sheet
	headerRow  int
	headerRows int
	rng        *mergeRange
	rangeText  string
	skipFooter int
	fill       bool
	types      string   // typesAuto or typesText
	columns    []string // names replacing the header's, by position
	resumes    bool     // commit: batch: checkpoint the position reached
}

// newExtractor makes an excel source from its checked spec. The workbook is
// opened by Open.
func newExtractor(sp *Spec, env extract.Env) (extract.Extractor, error) {
	st := settings{path: sp.Path, baseDir: env.BaseDir, sheet: strings.TrimSpace(sp.Sheet), headerRow: sp.HeaderRow,
		headerRows: sp.HeaderRows, skipFooter: sp.SkipFooter, fill: sp.Merged == "fill", types: sp.Types,
		columns: sp.Columns, resumes: env.CommitPerBatch}
	if st.headerRows == 0 {
		st.headerRows = 1
	}
	if st.types == "" {
		st.types = typesAuto
	}
	if sp.Range != "" {
		r, _ := sp.parsedRange()
		st.rng, st.rangeText = &r, strings.ToUpper(strings.TrimSpace(sp.Range))
	}
	if st.headerRow == 0 {
		st.headerRow = 1
		if st.rng != nil {
			st.headerRow = st.rng.r1
		}
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Extractor{st: st, log: log}, nil
}

// New builds an excel source from its `source:` mapping (with or without
// `type`), as extract.New does.
func New(n *config.Node, env extract.Env) (extract.Extractor, error) {
	p, _ := extract.Lookup("excel")
	return p.FromNode(config.Without(n, "type"), env)
}

// Describe returns one line for `xcetl explain`.
func (e *Extractor) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "excel %s (sheet ", e.st.path)
	if e.st.sheet == "" {
		b.WriteString("1")
	} else {
		b.WriteString(strconv.Quote(e.st.sheet))
	}
	fmt.Fprintf(&b, ", header row %d", e.st.headerRow)
	if e.st.headerRows == 2 {
		fmt.Fprintf(&b, "-%d joined", e.st.headerRow+1)
	}
	if e.st.rng != nil {
		fmt.Fprintf(&b, ", range %s", e.st.rangeText)
	}
	if e.st.skipFooter > 0 {
		fmt.Fprintf(&b, ", skip_footer %d", e.st.skipFooter)
	}
	if e.st.fill {
		b.WriteString(", merged cells filled")
	}
	if e.st.columns != nil {
		fmt.Fprintf(&b, ", header renamed to %v", e.st.columns)
	}
	if e.st.types == typesText {
		b.WriteString(", every column text")
	} else {
		fmt.Fprintf(&b, ", columns typed from the cells of the first %d data rows", sampleRows)
	}
	b.WriteByte(')')
	return b.String()
}

// fullPath is the workbook's path on disk.
func (s settings) fullPath() string {
	if filepath.IsAbs(s.path) {
		return s.path
	}
	return filepath.Join(s.baseDir, s.path)
}
