package inspect

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeSheet writes a one-sheet workbook with rows as its sheetData.
func writeSheet(t *testing.T, path, rows string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{
		"xl/workbook.xml":            `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="名单" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   `<worksheet><sheetData>` + rows + `</sheetData></worksheet>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func str(ref, s string) string {
	return `<c r="` + ref + `" t="inlineStr"><is><t>` + s + `</t></is></c>`
}

// A header with repeated names gets a starter pipeline that names the
// columns uniquely, and the pipeline runs.
func TestWorkbookDuplicateHeader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dup.xlsx")
	writeSheet(t, path, `<row r="1">`+str("A1", "姓名")+str("B1", "备注")+str("C1", "备注")+str("D1", "备注_2")+str("E1", "姓名")+`</row>`+
		`<row r="2">`+str("A2", "张三")+str("B2", "甲")+str("C2", "乙")+str("D2", "丙")+`<c r="E2"><v>1</v></c></row>`+
		`<row r="3">`+str("A3", "李四")+str("B3", "丁")+str("C3", "戊")+str("D3", "己")+`<c r="E3"><v>2</v></c></row>`)
	r, err := Inspect(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := types(r), "姓名 string, 备注 string, 备注_3 string, 备注_2 string, 姓名_2 int"; got != want {
		t.Fatalf("columns %s, want %s", got, want)
	}
	y, err := r.Pipeline(PipelineOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(y, "  columns: [姓名, 备注, 备注_3, 备注_2, 姓名_2]") || !strings.Contains(y, `the header repeats "备注", "姓名"`) {
		t.Fatalf("pipeline:\n%s", y)
	}
	runStarter(t, r, dir, 2)
}

// A sheet whose cells are all errors has cells: inspect says the rows
// cannot be read instead of "no cells".
func TestWorkbookOnlyErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "err.xlsx")
	writeSheet(t, path, `<row r="1"><c r="A1" t="e"><v>#REF!</v></c><c r="B1" t="e"><v>#NAME?</v></c></row>`+
		`<row r="2"><c r="A2" t="e"><v>#DIV/0!</v></c><c r="B2" t="e"><v>#N/A</v></c></row>`)
	r, err := Inspect(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Rejected != 1 || !strings.Contains(r.Rejects[0], "cell A2: the cell holds the error #DIV/0!") || r.HeaderRow != 1 {
		t.Fatalf("rejected %d %q header row %d\n%s", r.Rejected, r.Rejects, r.HeaderRow, r.Summary())
	}
	if !strings.Contains(r.Summary(), "unreadable rows: 1") {
		t.Fatalf("summary:\n%s", r.Summary())
	}
}
