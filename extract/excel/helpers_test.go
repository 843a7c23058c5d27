package excel

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

// buildLog is build with a logger writing text to log.
func buildLog(t testing.TB, dir, cfg string, log io.Writer) (*Extractor, error) {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte("source:\n  type: excel\n  "+strings.ReplaceAll(strings.TrimRight(cfg, "\n"), "\n", "\n  ")+"\n"), nil)
	if err != nil {
		t.Fatalf("YAML of the test is wrong: %v", err)
	}
	ex, err := extract.New(root.Get("source"), extract.Env{BaseDir: dir, Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		return nil, err
	}
	return ex.(*Extractor), nil
}

// build parses cfg (the body of a `source:` mapping) and calls New with dir
// as the pipeline's directory.
func build(t testing.TB, dir, cfg string) (*Extractor, error) {
	t.Helper()
	var b strings.Builder
	b.WriteString("source:\n  type: excel\n")
	for _, l := range strings.Split(strings.TrimRight(cfg, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	root, err := config.Parse("p.yaml", []byte(b.String()), nil)
	if err != nil {
		t.Fatalf("YAML of the test is wrong: %v", err)
	}
	ex, err := extract.New(root.Get("source"), extract.Env{BaseDir: dir})
	if err != nil {
		return nil, err
	}
	return ex.(*Extractor), nil
}

// result is everything a source produced, batch boundaries flattened.
type result struct {
	schema  []string
	types   []string // the schema's column types
	header  []string
	rows    [][]any
	origins []xcetl.Origin
	raw     [][]string
	rejects []xcetl.Reject
}

// readAll opens ex and reads it to the end with batches of max, checking the
// invariants every batch must keep.
func readAll(t testing.TB, ex *Extractor, max int) (result, error) {
	t.Helper()
	ctx := context.Background()
	s, err := ex.Open(ctx)
	if err != nil {
		return result{}, err
	}
	defer ex.Close()
	res := result{schema: s.Names()}
	for _, c := range s.Columns {
		res.types = append(res.types, c.Type.String())
	}
	for {
		b, err := ex.Next(ctx, max)
		if errors.Is(err, io.EOF) {
			if b != nil {
				t.Fatal("Next returned a batch with io.EOF")
			}
			return res, nil
		}
		if err != nil {
			return res, err
		}
		if b.Len()+len(b.Rejects) > max || b.Len()+len(b.Rejects) == 0 {
			t.Fatalf("batch of %d rows + %d rejects for max %d", b.Len(), len(b.Rejects), max)
		}
		if len(b.Origin) != b.Len() || len(b.Raw) != b.Len() {
			t.Fatalf("batch: %d rows, %d origins, %d raw", b.Len(), len(b.Origin), len(b.Raw))
		}
		res.header = b.RawHeader
		for _, r := range b.Rows {
			if len(r) != len(s.Columns) {
				t.Fatalf("row of %d values for %d columns", len(r), len(s.Columns))
			}
		}
		res.rows = append(res.rows, b.Rows...)
		res.origins = append(res.origins, b.Origin...)
		res.raw = append(res.raw, b.Raw...)
		res.rejects = append(res.rejects, b.Rejects...)
	}
}

// pkg describes a hand-written workbook: parts not given get minimal
// defaults. Hand-written XML covers what writers produce but excelize
// cannot be asked to (cached formula values, error cells, t="d").
type pkg struct {
	sheets   map[string]string // sheet name → <sheetData> content; order by names
	names    []string
	charts   map[string]bool // sheets written as chart sheets
	extra    string          // after </sheetData> in the first sheet (mergeCells)
	sst      []string
	numFmts  string // <numFmts> content
	xfs      []int  // numFmtId per cell style
	date1904 bool
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// write saves the workbook in dir under name and returns its path.
func (p pkg) write(t testing.TB, dir, name string) string {
	t.Helper()
	full := filepath.Join(dir, name)
	f, err := os.Create(full)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	var wb, rels strings.Builder
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`)
	if p.date1904 {
		wb.WriteString(`<workbookPr date1904="1"/>`)
	}
	wb.WriteString(`<sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	names := p.names
	if names == nil {
		names = []string{"Sheet1"}
	}
	for i, n := range names {
		id := "rId" + string(rune('1'+i))
		wb.WriteString(`<sheet name="` + xmlEscape(n) + `" sheetId="` + string(rune('1'+i)) + `" r:id="` + id + `"/>`)
		kind := "worksheet"
		if p.charts[n] {
			kind = "chartsheet"
		}
		rels.WriteString(`<Relationship Id="` + id + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/` + kind + `" Target="worksheets/sheet` + string(rune('1'+i)) + `.xml"/>`)
		extra := ""
		if i == 0 {
			extra = p.extra
		}
		put("xl/worksheets/sheet"+string(rune('1'+i))+".xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+p.sheets[n]+`</sheetData>`+extra+`</worksheet>`)
	}
	wb.WriteString(`</sheets></workbook>`)
	rels.WriteString(`<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`)
	put("xl/workbook.xml", wb.String())
	put("xl/_rels/workbook.xml.rels", rels.String())
	var st strings.Builder
	st.WriteString(`<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	if p.numFmts != "" {
		st.WriteString(`<numFmts>` + p.numFmts + `</numFmts>`)
	}
	st.WriteString(`<cellXfs><xf numFmtId="0"/>`)
	for _, id := range p.xfs {
		st.WriteString(`<xf numFmtId="` + itoa(id) + `" applyNumberFormat="1"/>`)
	}
	st.WriteString(`</cellXfs></styleSheet>`)
	put("xl/styles.xml", st.String())
	if p.sst != nil {
		var s strings.Builder
		s.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
		for _, v := range p.sst {
			s.WriteString(`<si><t xml:space="preserve">` + xmlEscape(v) + `</t></si>`)
		}
		s.WriteString(`</sst>`)
		put("xl/sharedStrings.xml", s.String())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return full
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for i > 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}

// one wraps a single sheet's rows.
func one(rows string) pkg { return pkg{sheets: map[string]string{"Sheet1": rows}} }

// day and at make the time values of typed date and timestamp columns.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func at(y int, m time.Month, d, h, min, sec int) time.Time {
	return time.Date(y, m, d, h, min, sec, 0, time.UTC)
}
