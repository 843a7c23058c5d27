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

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

func init() {
	extract.Register("excel", New)
}

// spec is the YAML form of the source.
type spec struct {
	Type       string   `yaml:"type"`
	Path       string   `yaml:"path,required"`
	Sheet      string   `yaml:"sheet"`
	HeaderRow  int      `yaml:"header_row"`
	HeaderRows int      `yaml:"header_rows"`
	Range      string   `yaml:"range"`
	SkipFooter int      `yaml:"skip_footer"`
	Merged     string   `yaml:"merged"`
	Types      string   `yaml:"types"`
	Columns    []string `yaml:"columns"`
}

// The values of `types`.
const (
	typesAuto = "auto"
	typesText = "text"
)

// settings is the checked configuration with defaults applied.
type settings struct {
	path       string
	baseDir    string
	sheet      string // "" = the first sheet
	headerRow  int    // 0 = 1, or the first row of the range
	headerRows int
	rng        *mergeRange
	rangeText  string
	skipFooter int
	fill       bool
	types      string   // typesAuto or typesText
	columns    []string // names replacing the header's, by position
	resumes    bool     // commit: batch: checkpoint the position reached
}

// New builds an excel source from its `source:` mapping. It checks the
// configuration only; the workbook is opened by Open.
func New(n *config.Node, env extract.Env) (extract.Extractor, error) {
	var sp spec
	errs := config.Decode(n, &sp)
	at := func(key string) *config.Node {
		if v := n.Get(key); v != nil {
			return v
		}
		return n
	}
	st := settings{path: sp.Path, baseDir: env.BaseDir, sheet: strings.TrimSpace(sp.Sheet), headerRow: sp.HeaderRow, headerRows: 1,
		skipFooter: sp.SkipFooter, resumes: env.CommitPerBatch}
	if pn := n.Get("path"); pn != nil && pn.Kind == config.Scalar && strings.TrimSpace(sp.Path) == "" {
		errs = append(errs, pn.Errorf("path must not be empty"))
	}
	if sn := n.Get("sheet"); sn != nil && sn.Kind == config.Scalar && st.sheet == "" {
		errs = append(errs, sn.Errorf("sheet must not be empty; give a sheet name or a 1-based index, or leave it out for the first sheet"))
	}
	if n.Get("header_row") != nil && sp.HeaderRow < 1 {
		errs = append(errs, at("header_row").Errorf("header_row is a 1-based row number, got %d", sp.HeaderRow))
	}
	if n.Get("header_rows") != nil {
		if sp.HeaderRows != 1 && sp.HeaderRows != 2 {
			errs = append(errs, at("header_rows").Errorf("header_rows must be 1 or 2, got %d", sp.HeaderRows))
		} else {
			st.headerRows = sp.HeaderRows
		}
	}
	if sp.SkipFooter < 0 {
		errs = append(errs, at("skip_footer").Errorf("skip_footer must be 0 or more, got %d", sp.SkipFooter))
	}
	if rn := n.Get("range"); rn != nil && rn.Kind == config.Scalar {
		r, ok := parseRange(strings.ToUpper(strings.TrimSpace(sp.Range)))
		if !ok || !strings.Contains(sp.Range, ":") {
			errs = append(errs, rn.Errorf("range %q is not a cell range such as A1:H500", sp.Range))
		} else {
			st.rng, st.rangeText = &r, strings.ToUpper(strings.TrimSpace(sp.Range))
			if st.headerRow != 0 && (st.headerRow < r.r1 || st.headerRow+st.headerRows-1 > r.r2) {
				errs = append(errs, at("header_row").Errorf("header_row %d is outside range %s", st.headerRow, sp.Range))
			}
		}
	}
	if cn := n.Get("columns"); cn != nil {
		errs = append(errs, extract.CheckColumns(cn, sp.Columns, "")...)
		st.columns = sp.Columns
	}
	switch sp.Types {
	case "", typesAuto:
		st.types = typesAuto
	case typesText:
		st.types = typesText
	default:
		errs = append(errs, at("types").Errorf("types must be auto or text, got %q%s", sp.Types, xcetl.DidYouMean(sp.Types, []string{typesAuto, typesText})))
	}
	switch sp.Merged {
	case "", "none":
	case "fill":
		st.fill = true
	default:
		errs = append(errs, at("merged").Errorf("merged must be none or fill, got %q%s", sp.Merged, xcetl.DidYouMean(sp.Merged, []string{"none", "fill"})))
	}
	if st.headerRow == 0 {
		st.headerRow = 1
		if st.rng != nil {
			st.headerRow = st.rng.r1
		}
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Extractor{st: st, log: log}, nil
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
		b.WriteString(", columns typed from their cells")
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
