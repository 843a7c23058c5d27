package excel

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var regen = flag.Bool("regen", false, "rewrite testdata/*-lo.xlsx with LibreOffice (soffice must be on PATH)")

// loWorkbooks are the committed workbooks made by LibreOffice, each from a
// source (in dir, next to the .xlsx) with the import filter that reads it.
var loWorkbooks = []struct{ dir, src, infilter string }{
	// Column 3 (ID numbers) and 9 (phone numbers) imported as text, column
	// 4 as Y-M-D dates; the others detected (numbers, date-times,
	// booleans) with zh-CN (2052) conventions. FACTS.md explains the field.
	{"testdata", "residents-lo.csv", "CSV:44,34,76,1,3/2/4/5/9/2,2052,false,true"},
	{"testdata", "layout-lo.fods", "OpenDocument Spreadsheet Flat XML"},
	{"testdata", "date1904-lo.fods", "OpenDocument Spreadsheet Flat XML"},
	{exampleDir, "excel-residents.fods", "OpenDocument Spreadsheet Flat XML"},
}

// exampleDir holds examples/excel-residents.yaml and its workbook.
const exampleDir = "../../examples"

// convertWithLibreOffice converts every source of loWorkbooks to .xlsx, next
// to the source when outDir is "", else in outDir. Each conversion gets its
// own LibreOffice profile, so it does not collide with another soffice
// running on the machine.
func convertWithLibreOffice(t *testing.T, outDir string) {
	t.Helper()
	soffice := needSoffice(t)
	for _, w := range loWorkbooks {
		src, err := filepath.Abs(filepath.Join(w.dir, w.src))
		if err != nil {
			t.Fatal(err)
		}
		out := outDir
		if out == "" {
			out = w.dir
		}
		profile := t.TempDir()
		cmd := exec.Command(soffice, "-env:UserInstallation=file://"+profile, "--headless",
			"--infilter="+w.infilter, "--convert-to", "xlsx", "--outdir", out, src)
		msg, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("soffice %s: %v\n%s", w.src, err, msg)
		}
		xlsx := filepath.Join(out, w.src[:len(w.src)-len(filepath.Ext(w.src))]+".xlsx")
		if _, err := os.Stat(xlsx); err != nil {
			t.Fatalf("soffice did not write %s:\n%s", xlsx, msg)
		}
	}
}

// TestRegenerateLibreOfficeWorkbooks rewrites the committed workbooks:
//
//	go test ./extract/excel -run TestRegenerateLibreOfficeWorkbooks -regen
func TestRegenerateLibreOfficeWorkbooks(t *testing.T) {
	if !*regen {
		t.Skip("run with -regen to rewrite testdata/*-lo.xlsx")
	}
	convertWithLibreOffice(t, "")
	checkLibreOfficeWorkbooks(t, "testdata", exampleDir)
}

// The committed LibreOffice workbooks read right.
func TestLibreOfficeWorkbooks(t *testing.T) {
	checkLibreOfficeWorkbooks(t, "testdata", exampleDir)
}

// The workbooks the installed LibreOffice makes now read the same, so a
// change in LibreOffice's output shows here.
func TestLibreOfficeFreshConversion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts LibreOffice")
	}
	dir := t.TempDir()
	convertWithLibreOffice(t, dir)
	checkLibreOfficeWorkbooks(t, dir, dir)
}

func checkLibreOfficeWorkbooks(t *testing.T, dir, exampleDir string) {
	t.Run("residents", func(t *testing.T) { checkResidents(t, dir) })
	t.Run("layout", func(t *testing.T) { checkLayout(t, dir) })
	t.Run("date1904", func(t *testing.T) { check1904(t, dir) })
	t.Run("example", func(t *testing.T) { checkExample(t, exampleDir) })
}

// excel-residents.xlsx (examples/excel-residents.yaml): a ledger with a
// notes sheet, a title, a 填报单位 line, a two-row header with a line break
// in 出生⏎日期, districts merged down, an error cell and a totals row.
func checkExample(t *testing.T, dir string) {
	ex, err := build(t, dir, "path: excel-residents.xlsx\nsheet: 居民\nheader_row: 3\nheader_rows: 2\nmerged: fill\nskip_footer: 1")
	if err != nil {
		t.Fatal(err)
	}
	res, err := readAll(t, ex, 3)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, res, []string{"编号", "姓名", "地址_区", "地址_街道", "出生日期", "身份证号", "手机号", "积分", "在册", "登记时间"},
		[]string{"int", "string", "string", "string", "date", "string", "string", "float", "bool", "timestamp"},
		[][]any{
			{int64(1), "张三", "和平区", "南营门街", day(1990, 3, 7), "110101199003071234", "13812345678", 88.0, true, at(2024, 3, 1, 8, 15, 0)},
			{int64(2), "李四", "和平区", "劝业场街", day(1985, 12, 31), "11010119851231002X", "13900000000", 92.5, false, at(2024, 3, 2, 17, 30, 45)},
			{int64(3), "王小明", "和平区", "小白楼街", day(2001, 7, 15), "120101200107150037", nil, 76.25, true, at(2024, 3, 5, 9, 0, 0)},
			{int64(5), "赵六", "河西区", "越秀路街", day(1963, 5, 20), "120103196305200011", "02223456789", 65.0, true, at(2024, 3, 7, 14, 5, 30)},
			{int64(6), "钱七", "河西区", "马场街", day(1999, 1, 1), "000103199901010023", "18822223333", 100.0, false, at(2024, 3, 8, 16, 45, 0)},
			{int64(7), "孙八", "南开区", "长虹街", day(2010, 10, 10), "120104201010100015", nil, 58.5, true, at(2024, 3, 9, 8, 0, 0)},
			{int64(8), "周九", "南开区", "万兴街", day(1955, 2, 28), "120104195502280026", "13512345678", 81.0, true, at(2024, 3, 10, 11, 11, 11)},
		}, []int{5, 6, 7, 9, 10, 11, 12})
	if len(res.rejects) != 1 || res.rejects[0].Origin.Line != 8 || res.rejects[0].Reason != "cell H8: the cell holds the error #DIV/0!" ||
		res.rejects[0].Origin.Sheet != "居民" || res.rejects[0].Raw[1] != "欧阳娜娜" {
		t.Fatalf("rejects %+v", res.rejects)
	}
}

// readWorkbook reads a workbook of dir with the source configuration cfg
// (path included) and fails the test on any error or reject.
func readWorkbook(t *testing.T, dir, cfg string) result {
	t.Helper()
	ex, err := build(t, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := readAll(t, ex, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.rejects) != 0 {
		t.Fatalf("rejects: %+v", res.rejects)
	}
	return res
}

func checkRows(t *testing.T, res result, names, types []string, rows [][]any, lines []int) {
	t.Helper()
	if !reflect.DeepEqual(res.schema, names) {
		t.Errorf("columns %q\nwant    %q", res.schema, names)
	}
	if !reflect.DeepEqual(res.types, types) {
		t.Errorf("types %q\nwant  %q", res.types, types)
	}
	if !reflect.DeepEqual(res.rows, rows) {
		t.Errorf("rows\n%s\nwant\n%s", fmtRows(res.rows), fmtRows(rows))
	}
	for i, o := range res.origins {
		if i < len(lines) && o.Line != lines[i] {
			t.Errorf("row %d from spreadsheet row %d, want %d", i, o.Line, lines[i])
		}
	}
}

func fmtRows(rows [][]any) string {
	s := ""
	for _, r := range rows {
		s += fmt.Sprintf("%#v\n", r)
	}
	return s
}

// residents-lo.xlsx: LibreOffice's CSV import, Chinese headers, text ID and
// phone numbers, date cells, date-time cells, numbers and booleans.
func checkResidents(t *testing.T, dir string) {
	names := []string{"编号", "姓名", "身份证号", "出生日期", "积分", "登记时间", "在册", "比例", "手机号", "备注"}
	lines := []int{2, 3, 4, 5}
	t.Run("auto", func(t *testing.T) {
		res := readWorkbook(t, dir, "path: residents-lo.xlsx")
		checkRows(t, res, names,
			[]string{"int", "string", "string", "date", "float", "timestamp", "bool", "float", "string", "string"},
			[][]any{
				{int64(1), "张三", "110101199003071234", day(1990, 3, 7), 88.0, at(2024, 3, 1, 8, 15, 0), true, 0.25, "13812345678", nil},
				{int64(2), "李四", "11010119851231002X", day(1985, 12, 31), 92.5, at(2024, 3, 2, 17, 30, 45), false, 1.5, "13900000000", "含,逗号"},
				{int64(3), "王五", "120101200002290011", day(2000, 2, 29), -3.0, at(2024, 12, 31, 23, 59, 59), true, 100.0, nil, "低保户"},
				{int64(4), "赵六", "000101190001010000", day(1900, 3, 1), 1234567890123.0, at(2023, 1, 1, 0, 0, 0), false, 0.1, "01088886666", nil},
			}, lines)
		for _, o := range res.origins {
			if o.Sheet != "residents-lo" || o.File != "residents-lo.xlsx" {
				t.Errorf("origin %+v", o)
			}
		}
	})
	t.Run("text", func(t *testing.T) {
		res := readWorkbook(t, dir, "path: residents-lo.xlsx\ntypes: text")
		s := "string"
		checkRows(t, res, names, []string{s, s, s, s, s, s, s, s, s, s},
			[][]any{
				{"1", "张三", "110101199003071234", "1990-03-07", "88", "2024-03-01 08:15:00", "true", "0.25", "13812345678", nil},
				{"2", "李四", "11010119851231002X", "1985-12-31", "92.5", "2024-03-02 17:30:45", "false", "1.5", "13900000000", "含,逗号"},
				{"3", "王五", "120101200002290011", "2000-02-29", "-3", "2024-12-31 23:59:59", "true", "100", nil, "低保户"},
				{"4", "赵六", "000101190001010000", "1900-03-01", "1234567890123", "2023-01-01 00:00:00", "false", "0.1", "01088886666", nil},
			}, lines)
	})
}

// layout-lo.xlsx: sheet 居民 (the second) has a title row, a blank row, a
// two-row header with merged cells, 和平区 merged down across two
// residents, a formula, and a 合计 row.
func checkLayout(t *testing.T, dir string) {
	names := []string{"编号", "姓名", "地址_区", "地址_街道", "出生日期", "积分", "在册", "身份证号", "登记时间"}
	types := []string{"int", "string", "string", "string", "date", "float", "bool", "string", "timestamp"}
	rows := [][]any{
		{int64(1), "张三", "和平区", "南营门街", day(1990, 3, 7), 88.0, true, "110101199003071234", at(2024, 3, 1, 8, 15, 0)},
		{int64(2), "李四", "和平区", "劝业场街", day(1985, 12, 31), 92.5, false, "11010119851231002X", at(2024, 3, 2, 17, 30, 45)},
		{int64(3), "王五", "河西区", "友谊路街", day(1900, 3, 1), 46.25, true, "000101190001010000", at(2024, 12, 31, 23, 59, 59)},
	}
	base := "path: layout-lo.xlsx\nheader_row: 3\nheader_rows: 2\n"
	t.Run("fill and skip_footer", func(t *testing.T) {
		res := readWorkbook(t, dir, base+"sheet: 居民\nmerged: fill\nskip_footer: 1")
		checkRows(t, res, names, types, rows, []int{5, 6, 7})
	})
	t.Run("sheet by index, merged none", func(t *testing.T) {
		res := readWorkbook(t, dir, base+"sheet: 2\nskip_footer: 1")
		want := append([][]any{rows[0], append([]any(nil), rows[1]...)}, rows[2])
		want[1][2] = nil
		checkRows(t, res, names, types, want, []int{5, 6, 7})
	})
	t.Run("footer kept: 编号 is no longer all numbers", func(t *testing.T) {
		res := readWorkbook(t, dir, base+"sheet: 居民\nmerged: fill")
		if len(res.rows) != 4 || res.rows[3][0] != "合计" || res.rows[3][5] != 226.75 || res.types[0] != "string" || res.rows[0][0] != "1" {
			t.Fatalf("types %v rows\n%s", res.types, fmtRows(res.rows))
		}
	})
	t.Run("range", func(t *testing.T) {
		res := readWorkbook(t, dir, "path: layout-lo.xlsx\nsheet: 居民\nrange: B3:F7\nheader_rows: 2\nmerged: fill")
		checkRows(t, res, names[1:6], types[1:6], [][]any{rows[0][1:6], rows[1][1:6], rows[2][1:6]}, []int{5, 6, 7})
	})
}

// date1904-lo.xlsx is in the 1904 date system.
func check1904(t *testing.T, dir string) {
	res := readWorkbook(t, dir, "path: date1904-lo.xlsx")
	checkRows(t, res, []string{"日期", "时间", "数量"}, []string{"date", "timestamp", "float"},
		[][]any{
			{day(1904, 1, 1), at(2024, 3, 1, 8, 15, 0), 7.0},
			{day(2024, 2, 29), at(1999, 12, 31, 23, 59, 0), -2.5},
		}, []int{2, 3})
}

// Workbooks written by excelize: its date styles, 1904 system, booleans,
// merged cells.
func TestExcelizeWorkbook(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		t.Run(fmt.Sprint("date1904=", date1904), func(t *testing.T) {
			dir := t.TempDir()
			f := excelize.NewFile()
			defer f.Close()
			if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
				t.Fatal(err)
			}
			if err := f.SetSheetName("Sheet1", "居民"); err != nil {
				t.Fatal(err)
			}
			dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
			cn := `yyyy"年"m"月"d"日"`
			cnStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &cn})
			dtStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 22})
			textStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 49})
			rows := [][]any{
				{"区", "身份证号", "出生日期", "入住", "登记时间", "积分", "在册", "编号"},
				{"和平区", "110101199003071234", time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2021, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 8, 15, 0, 0, time.UTC), 88.0, true, 1},
				{nil, "11010119851231002X", time.Date(1985, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2022, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 2, 17, 30, 45, 0, time.UTC), 92.5, false, 2},
			}
			for i, r := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := f.SetSheetRow("居民", cell, &r); err != nil {
					t.Fatal(err)
				}
			}
			f.SetCellStyle("居民", "C2", "C3", dateStyle)
			f.SetCellStyle("居民", "D2", "D3", cnStyle)
			f.SetCellStyle("居民", "E2", "E3", dtStyle)
			f.SetCellStyle("居民", "B2", "B3", textStyle)
			if err := f.MergeCell("居民", "A2", "A3"); err != nil {
				t.Fatal(err)
			}
			if err := f.SaveAs(filepath.Join(dir, "e.xlsx")); err != nil {
				t.Fatal(err)
			}
			res := readWorkbook(t, dir, "path: e.xlsx\nsheet: 居民\nmerged: fill")
			checkRows(t, res, []string{"区", "身份证号", "出生日期", "入住", "登记时间", "积分", "在册", "编号"},
				[]string{"string", "string", "date", "date", "timestamp", "float", "bool", "int"},
				[][]any{
					{"和平区", "110101199003071234", day(1990, 3, 7), day(2021, 10, 1), at(2024, 3, 1, 8, 15, 0), 88.0, true, int64(1)},
					{"和平区", "11010119851231002X", day(1985, 12, 31), day(2022, 1, 2), at(2024, 3, 2, 17, 30, 45), 92.5, false, int64(2)},
				}, []int{2, 3})
		})
	}
}

// A workbook written by excelize's StreamWriter (inline strings), as the
// benchmark makes them.
func TestExcelizeStreamWorkbook(t *testing.T) {
	path := benchWorkbook(t, 50)
	res := readWorkbook(t, filepath.Dir(path), "path: "+filepath.Base(path))
	if want := []string{"int", "string", "string", "string", "string", "date", "string", "string", "float", "timestamp"}; !reflect.DeepEqual(res.types, want) {
		t.Fatalf("types %v, want %v", res.types, want)
	}
	if len(res.rows) != 50 {
		t.Fatalf("%d rows", len(res.rows))
	}
	got := res.rows[6] // id 7
	base := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []any{int64(7), "居民7", "女", "110101199000000007", "13800000007", base.AddDate(0, 0, 7), "天津市河西区友谊路7号", "社区7", 0.07,
		base.AddDate(70, 0, 7).Add(7 * time.Second)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("row 7\n%#v\nwant\n%#v", got, want)
	}
}
