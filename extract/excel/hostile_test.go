package excel

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/internal/hostile"
)

// The hostile workbooks of issue 11, made by the test (nothing is
// committed): each is under 10 MB and must be read or refused within
// 300 MB of peak memory and 30 s (internal/hostile runs each in a child
// process and measures it). Each is built in the ways that slipped past
// the earlier limits: as a zip bomb (refused before it is inflated, by the
// compression ratio) and, where the limit is not the ratio, padded with
// random comments to unpack just under 100 times its size, so that the
// reader's own limit is what holds.

// part is one part of a hostile workbook: head, then unit repeated n times,
// then tail. pad mixes random comments in (between units, and inside a
// unit where it holds a \x00) to keep the compression ratio below the
// refusal's; store writes it uncompressed.
type part struct {
	name             string
	head, unit, tail string
	n                int
	pad, store       bool
}

// hostileBook writes a workbook of one sheet: the given parts, plus the
// minimal others that are not given.
func hostileBook(path string, parts ...part) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	defaults := []part{
		{name: "xl/workbook.xml", head: `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`},
		{name: "xl/_rels/workbook.xml.rels", head: `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{name: "xl/styles.xml", head: `<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>`},
		{name: "xl/worksheets/sheet1.xml", head: `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row></sheetData></worksheet>`},
	}
	have := map[string]bool{}
	for _, p := range parts {
		have[p.name] = true
	}
	for _, d := range defaults {
		if !have[d.name] {
			parts = append(parts, d)
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 700)
	for _, p := range parts {
		fh := &zip.FileHeader{Name: p.name, Method: zip.Deflate}
		if p.store {
			fh.Method = zip.Store
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		bw.WriteString(p.head)
		since := 0
		segs := strings.Split(p.unit, "\x00")
		for i := 0; i < p.n; i++ {
			for _, seg := range segs {
				bw.WriteString(seg)
				if since += len(seg); p.pad && since >= 32<<10 {
					for j := range noise {
						noise[j] = 'a' + byte(rnd.IntN(26))
					}
					fmt.Fprintf(bw, "<!--%s-->", noise)
					since = 0
				}
			}
		}
		bw.WriteString(p.tail)
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

const (
	sheetHead = `<worksheet><sheetData>`
	sheetTail = `</sheetData></worksheet>`
	header    = `<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>`
)

func sheet(head, unit, tail string, n int, pad bool) part {
	return part{name: "xl/worksheets/sheet1.xml", head: sheetHead + header + head, unit: unit, tail: tail + sheetTail, n: n, pad: pad}
}

// outcome reads the workbook at path with the extractor configured by cfg
// and says what came out: the error, or the rows and the first reject, as
// the refusal text the parent checks. The rows are counted, not kept.
func outcome(t *testing.T, path, cfg string) error {
	ex, err := build(t, filepath.Dir(path), "path: "+filepath.Base(path)+"\n"+cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	rows, rejects, first := 0, 0, ""
	_, err = ex.Open(ctx)
	for err == nil {
		var b *xcetl.Batch
		if b, err = ex.Next(ctx, 5000); err == nil {
			rows += b.Len()
			if rejects += len(b.Rejects); first == "" && len(b.Rejects) > 0 {
				first = b.Rejects[0].Reason
			}
		}
	}
	ex.Close()
	if err != io.EOF {
		if len(err.Error()) > maxErrorLen+8 {
			return fmt.Errorf("an error of %d bytes", len(err.Error()))
		}
		return err
	}
	msg := fmt.Sprintf("read: %d rows, %d rejects", rows, rejects)
	if first != "" {
		msg += ", first: " + first
	}
	return fmt.Errorf("%s", msg)
}

func TestHostileWorkbooks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and reads workbooks of hundreds of megabytes unpacked")
	}
	// A run of 1,000 bytes of text, then a comment.
	aRun := `<r><t>` + strings.Repeat("啊", 333) + `</t></r><!-- -->`
	// Long texts with room for padding every 16,000 characters.
	long := func(c string, n int) string { return strings.Repeat(strings.Repeat(c, 16000)+"\x00", n/16000) }
	merges := func(unit string, n int, pad bool) []part {
		return []part{{name: "xl/worksheets/sheet1.xml", head: sheetHead + header + `<row r="2"><c r="A2"><v>1</v></c></row></sheetData><mergeCells>`,
			unit: unit, tail: `</mergeCells></worksheet>`, n: n, pad: pad}}
	}
	type hcase struct {
		name, cfg string
		parts     func() []part // built in the child only: big strings
		want      string
	}
	one := func(p ...part) func() []part { return func() []part { return p } }
	cases := []hcase{
		// A cell's text in runs between comments (6.6 GB before): 1 GB.
		{"runs bomb", "", one(sheet(`<row r="2"><c r="A2" t="inlineStr"><is>`, aRun, `</is></c></row>`, 1_000_000, false)),
			"more than 100 times its compressed size, which exceeds the size limit"},
		{"runs", "", one(sheet(`<row r="2"><c r="A2" t="inlineStr"><is>`, aRun, `</is></c></row><row r="3"><c r="A3"><v>1</v></c></row>`, 50_000, true)),
			`^read: 1 rows, 1 rejects, first: cell A2: the text is longer than 1 MiB`},
		{"shared string runs", "", one(
			part{name: "xl/sharedStrings.xml", head: `<sst><si><t>a</t></si><si>`, unit: aRun, tail: `</si></sst>`, n: 50_000, pad: true},
			sheet(`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>0</v></c></row>`, "", "", 0, false)),
			`^read: 0 rows, 1 rejects, first: cell A2: shared string 1 is longer than 1 MiB`},
		{"shared strings", "", func() []part {
			return []part{{name: "xl/sharedStrings.xml", head: `<sst>`, unit: `<si><t>` + long("x", 64000) + `</t></si>`, tail: `</sst>`, n: 6000, pad: true}}
		}, `holds more than 64 MiB of strings, more than 8 times its compressed size`},
		// 30 million cells in one row (2.7 GB before).
		{"cells bomb", "", one(sheet(`<row r="2">`, `<c r="A2"><v>1</v></c>`, `</row>`, 30_000_000, false)),
			"more than 100 times its compressed size"},
		{"cells", "", one(sheet(`<row r="2">`, `<c r="A2"><v>1</v></c>`, `</row><row r="3"><c r="B3"><v>2</v></c></row>`, 2_000_000, true)),
			`^read: 1 rows, 1 rejects, first: cell A2 is stored twice`},
		{"cells in order", "", one(sheet(`<row r="2">`, `<c r="B2"><v>1</v></c><c r="A2"><v>1</v></c>`, `</row>`, 1_000_000, true)),
			`^read: 0 rows, 1 rejects, first: cell B2 is stored twice`},
		// Cells without r past column 16384 (989 MB before).
		{"cells without r", "", one(sheet(`<row r="2">`, `<c><v>1</v></c>`, `</row><row r="3"><c r="B3"><v>2</v></c></row>`, 2_000_000, true)),
			`^read: 1 rows, 1 rejects, first: row 2 holds a cell past column XFD`},
		{"cells without r stored", "", one(part{name: "xl/worksheets/sheet1.xml", head: sheetHead + header + `<row r="2">`, unit: `<c><v>1</v></c>`, tail: `</row>` + sheetTail, n: 600_000, store: true}),
			`^read: 0 rows, 1 rejects, first: row 2 holds a cell past column XFD`},
		// styles.xml nested 10 million deep (3 minutes of CPU before).
		{"deep styles bomb", "", one(part{name: "xl/styles.xml", head: `<styleSheet>`, unit: `<a>`, n: 10_000_000}),
			`part xl/styles.xml is not valid XML: elements are nested more than 256 deep`},
		{"big styles", "", one(part{name: "xl/styles.xml", head: `<styleSheet><cellXfs>`, unit: `<xf/>`, n: 20_000_000}),
			`part xl/styles.xml declares \d+ bytes unpacked, which exceeds the size limit`},
		{"deep styles", "", one(part{name: "xl/styles.xml", head: `<styleSheet>`, unit: `<a>`, n: 5_000_000}),
			`part xl/styles.xml is not valid XML: elements are nested more than 256 deep`},
		{"deep workbook", "", one(part{name: "xl/workbook.xml", head: `<workbook>`, unit: `<a>`, n: 5_000_000}),
			`part xl/workbook.xml is not valid XML: elements are nested more than 256 deep`},
		{"deep sheet", "", one(sheet(`<row r="2">`, `<x>`, ``, 5_000_000, false)),
			`worksheet XML is damaged after row 2: elements are nested more than 256 deep`},
		{"deep shared strings", "", one(part{name: "xl/sharedStrings.xml", head: `<sst>`, unit: `<si>`, n: 4_000_000}),
			`part xl/sharedStrings.xml is not valid XML: elements are nested more than 256 deep`},
		// A million merged areas spanning the whole sheet (59 s and a
		// 342 KB message before).
		{"merges bomb", "merged: fill", func() []part { return merges(`<mergeCell ref="A1:XFD1048576"/>`, 1_000_000, false) },
			`sheet "S": its merged areas cover more than 67108864 cells`},
		{"merges", "merged: fill", func() []part { return merges(`<mergeCell ref="A1:XFD1048576"/>`, 1_000_000, true) },
			`sheet "S": its merged areas cover more than 67108864 cells \(the last read: A1:XFD1048576\)`},
		{"many merges", "header_rows: 2", func() []part { return merges(`<mergeCell ref="A5:A5"/>`, 1_100_000, true) },
			`sheet "S" has more than 1048576 merged areas`},
		// Rows past the sheet's end.
		{"rows", "", one(sheet(``, `<row><c><v>1</v></c></row>`, ``, 1_100_000, true)),
			`worksheet XML has a row numbered 1048577 after row 1048576, past the last row a sheet can have \(1048576\)`},
		// Rows as long as the limits allow: read, in bounded memory.
		{"wide text", "", func() []part {
			return []part{sheet(``, `<row><c t="inlineStr"><is><t>`+long("x", 900_000)+`</t></is></c><c t="inlineStr"><is><t>`+long("y", 900_000)+`</t></is></c></row>`, ``, 200, true)}
		}, `^read: 200 rows, 0 rejects$`},
		{"long row", "", func() []part {
			return []part{sheet(`<row r="2">`, `<c t="inlineStr"><is><t>`+long("x", 900_000)+`</t></is></c>`, `</row>`, 100, true)}
		}, `^read: 0 rows, 1 rejects, first: cell \w+2: the row's text passes 16 MiB`},
	}
	for _, tc := range cases {
		hostile.Check(t, tc.name, hostile.Limits{Want: tc.want}, func() error {
			dir, err := os.MkdirTemp("", "xcetl-hostile-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			path := filepath.Join(dir, "h.xlsx")
			if err := hostileBook(path, tc.parts()...); err != nil {
				return err
			}
			if fi, err := os.Stat(path); err != nil || fi.Size() >= 10<<20 {
				return fmt.Errorf("the hostile file is %d bytes, not under 10 MB (%v)", fi.Size(), err)
			}
			return outcome(t, path, tc.cfg)
		})
	}
}
