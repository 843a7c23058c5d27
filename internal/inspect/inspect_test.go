package inspect

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/pipelines"
)

func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func gbk(t *testing.T, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// types renders the inferred columns as "name type[/format]".
func types(r *Report) string {
	var out []string
	for _, c := range r.Columns {
		s := c.Name + " " + c.Type.String()
		if c.Format != "" {
			s += "/" + c.Format
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

const residentsCSV = `编号,姓名,身份证号,手机号,邮编,出生日期,积分,登记时间,在册,备注
1,张三,110101199003071234,13812345678,010010,1990-03-07,88,2024-03-01 08:15:00,是,
2,李四,11010119851231002X,13900000000,300000,1985-12-31,92.5,2024-03-02 17:30:45,否,"含,逗号"
3,王五,120101200002290011,,300100,2000-02-29,-3.25,2024-12-31T23:59:59,是,低保户
`

func TestCSV(t *testing.T) {
	tests := []struct {
		name, file, content string
		enc, delim          string
		header              bool
		skip                int
		rows                int64
		types               string
		note                string // in some column's note
	}{
		{
			name: "utf-8 with quotes and ID-like columns", file: "r.csv", content: residentsCSV,
			enc: "utf-8", delim: ",", header: true, rows: 3,
			types: "编号 int, 姓名 string, 身份证号 string, 手机号 string, 邮编 string, 出生日期 date, 积分 decimal(6,2), 登记时间 timestamp, 在册 bool, 备注 string",
		},
		{
			name: "gbk, pipe, two title lines, no header", file: "v.txt",
			content: gbk(t, "和平区居民登记导出\n导出时间：2024-06-01\n1001|王芳|20240620|2024/6/20|80.5\n1002|李强|20240621|2024/6/3|90\n"),
			enc:     "gb18030", delim: "|", header: false, skip: 2, rows: 2,
			types: "column_1 int, column_2 string, column_3 date/20060102, column_4 date/2006/1/2, column_5 decimal(5,1)",
		},
		{
			name: "tab, BOM, title padded with delimiters", file: "t.tsv",
			content: "\ufeff某街道居民信息表\t\t\t\n编号\t姓名\t积分\t日期\n1\t张三\t1.5\t2024年3月1日\n2\t李四\t2\t2024年12月31日\n3\t王五\t九十\t2024年1月2日\n",
			enc:     "utf-8", delim: "\t", header: true, skip: 1, rows: 3,
			types: "编号 int, 姓名 string, 积分 string, 日期 date/2006年1月2日",
		},
		{
			// Issue 12: Excel's "Unicode 文本" export.
			name: "Excel Unicode text: UTF-16LE with a BOM, tab-delimited", file: "u.txt",
			content: utf16le("\ufeff编号\t姓名\r\n1\t张三\r\n2\t李四\r\n"),
			enc:     "utf-16le", delim: "\t", header: true, rows: 2,
			types: "编号 int, 姓名 string",
		},
		{
			// Issue 12: inspect suggests the null_values it sees.
			name: "null words", file: "n.csv",
			content: "id,score,note\n1,NULL,无\n2,\\N,-\n3,5,ok\n4,NA,x\n",
			enc:     "utf-8", delim: ",", header: true, rows: 4,
			types: "id int, score int, note string", note: `cells that look like NULL: NULL (1), \N (1), NA (1), - (1), 无 (1)`,
		},
		{
			name: "Latin-1: auto refuses, windows-1252 is suggested", file: "l.csv",
			content: "name,city\nM\xfcller,K\xf6ln\nh\xe9h\xe9\xb6,Z\xfcrich\n",
			enc:     "windows-1252", delim: ",", header: true, rows: 2,
			types: "name string, city string", note: "encoding: auto refuses this file (not UTF-8 (bytes FC 6C 6C 65 at line 2, byte 2)",
		},
		{
			name: "semicolon, almost all dates", file: "s.csv",
			content: "id;born\n" + strings.Repeat("1;2001-02-03\n", 9) + "2;1985-13-40\n",
			enc:     "utf-8", delim: ";", header: true, rows: 10,
			types: "id int, born string", note: `9 of 10 values are dates, but not "1985-13-40"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, filepath.Base(tc.file))
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Inspect(context.Background(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Format != "csv" || r.Encoding != tc.enc || string(r.Delimiter) != tc.delim || r.Header != tc.header || r.SkipRows != tc.skip {
				t.Fatalf("format %s encoding %s delimiter %q header %t skip %d", r.Format, r.Encoding, r.Delimiter, r.Header, r.SkipRows)
			}
			if r.Rows != tc.rows || !r.RowsExact || r.Rejected != 0 {
				t.Fatalf("rows %d exact %t rejected %d %v", r.Rows, r.RowsExact, r.Rejected, r.Rejects)
			}
			if got := types(r); got != tc.types {
				t.Fatalf("types\n%s\nwant\n%s", got, tc.types)
			}
			if tc.note != "" && !strings.Contains(r.Summary(), tc.note) {
				t.Fatalf("summary lacks %q:\n%s", tc.note, r.Summary())
			}
			runStarter(t, r, dir, int(tc.rows))
		})
	}
}

// runStarter writes the starter pipeline into dir, loads it (validation)
// and runs it into SQLite: every row must arrive.
func runStarter(t *testing.T, r *Report, dir string, rows int) {
	t.Helper()
	y, err := r.Pipeline(PipelineOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "starter.yaml")
	if err := os.WriteFile(file, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := pipelines.Load(file, pipelines.WithLogger(quiet))
	if err != nil {
		t.Fatalf("the starter pipeline does not validate: %v\n%s", err, y)
	}
	rep, err := p.Run(context.Background(), pipelines.RunOptions{})
	if err != nil {
		t.Fatalf("the starter pipeline fails: %v\n%s", err, y)
	}
	if rep.RowsWritten != int64(rows) || rep.RowsRejected != 0 {
		t.Fatalf("written %d, rejected %d, want %d rows\n%s", rep.RowsWritten, rep.RowsRejected, rows, y)
	}
	dbs, _ := filepath.Glob(filepath.Join(dir, "*.db"))
	if len(dbs) != 1 {
		t.Fatalf("databases %v", dbs)
	}
	db, err := sql.Open("sqlite", dbs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM ` + strings.ReplaceAll(pipelineName(r.File), "-", "_")).Scan(&n); err != nil || n != rows {
		t.Fatalf("count %d, %v", n, err)
	}
}

func TestWorkbook(t *testing.T) {
	tests := []struct {
		file, sheet     string
		chosen          string
		headerRow, rows int
		headerRows      int
		footer          int
		types           string
	}{
		{"layout-lo.xlsx", "", "居民", 3, 3, 2, 1,
			"编号 int, 姓名 string, 地址_区 string, 地址_街道 string, 出生日期 date, 积分 decimal(6,2), 在册 bool, 身份证号 string, 登记时间 timestamp"},
		{"layout-lo.xlsx", "1", "说明", 1, 0, 1, 0, "居民台账见第二张表 string"},
		{"residents-lo.xlsx", "", "residents-lo", 1, 4, 1, 0,
			"编号 int, 姓名 string, 身份证号 string, 出生日期 date, 积分 decimal(16,1), 登记时间 timestamp, 在册 bool, 比例 decimal(7,2), 手机号 string, 备注 string"},
		{"date1904-lo.xlsx", "", "Mac", 1, 2, 1, 0, "日期 date, 时间 timestamp, 数量 decimal(4,1)"},
		// The error cell's row is unreadable (counted in rows); the 合计 row
		// is found although it follows it.
		{"../../../examples/excel-residents.xlsx", "", "居民", 3, 8, 2, 1,
			"编号 int, 姓名 string, 地址_区 string, 地址_街道 string, 出生日期 date, 身份证号 string, 手机号 string, 积分 decimal(7,2), 在册 bool, 登记时间 timestamp"},
	}
	for _, tc := range tests {
		t.Run(tc.file+" "+tc.sheet, func(t *testing.T) {
			dir := t.TempDir()
			data, err := os.ReadFile(filepath.Join("..", "..", "extract", "excel", "testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, filepath.Base(tc.file))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Inspect(context.Background(), path, Options{Sheet: tc.sheet})
			if err != nil {
				t.Fatal(err)
			}
			if r.Format != "xlsx" || r.Sheet != tc.chosen || r.HeaderRow != tc.headerRow || r.HeaderRows != tc.headerRows || r.SkipFooter != tc.footer {
				t.Fatalf("sheet %q header row %d rows %d footer %d\n%s", r.Sheet, r.HeaderRow, r.HeaderRows, r.SkipFooter, r.Summary())
			}
			if r.Rows != int64(tc.rows) || !r.RowsExact {
				t.Fatalf("rows %d exact %t", r.Rows, r.RowsExact)
			}
			if got := types(r); got != tc.types {
				t.Fatalf("types\n%s\nwant\n%s", got, tc.types)
			}
			if r.Rejected > 0 {
				if r.Rejected != 1 || !strings.Contains(r.Rejects[0], "cell H8: the cell holds the error #DIV/0!") {
					t.Fatalf("rejects %d %q", r.Rejected, r.Rejects)
				}
				return
			}
			if tc.rows > 0 {
				runStarter(t, r, dir, tc.rows)
			}
		})
	}
}

// A sample smaller than the file gives an estimate, and says so.
func TestEstimate(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 1; i <= 20000; i++ {
		fmt.Fprintf(&b, "%d,居民%d\n", i, i)
	}
	path := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Inspect(context.Background(), path, Options{Sample: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if r.RowsExact || r.Sampled != 1000 || r.Rows < 15000 || r.Rows > 25000 {
		t.Fatalf("rows %d exact %t sampled %d", r.Rows, r.RowsExact, r.Sampled)
	}
	if !strings.Contains(r.Summary(), "about") || !strings.Contains(r.Summary(), "estimated") {
		t.Fatalf("summary:\n%s", r.Summary())
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		path, want string
	}{
		{write("old.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...)), "soffice --headless --convert-to xlsx"},
		{write("nul.csv", []byte("a,b\n\x00\x00\x00x\n")), "not text (for a workbook, give an .xlsx file)"},
		{filepath.Join(dir, "missing.csv"), "no such file"},
	}
	for _, tc := range tests {
		_, err := Inspect(context.Background(), tc.path, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.path, err, tc.want)
		}
	}
	if _, err := (&Report{File: "a.csv", Format: "csv"}).Pipeline(PipelineOptions{Target: "mysql"}); err == nil {
		t.Error("unknown target accepted")
	}
}

func TestPipelineName(t *testing.T) {
	for in, want := range map[string]string{
		"data/residents-2024.csv": "residents-2024",
		"台账.xlsx":                 "starter",
		"Street Office 3.xlsx":    "street_office_3",
		"2024居民.csv":              "2024",
	} {
		if got := pipelineName(in); got != want {
			t.Errorf("pipelineName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzYAMLString: whatever a header holds, the starter pipeline writes it
// so that the pipeline parser reads it back unchanged, as a key and as a
// value.
func FuzzYAMLString(f *testing.F) {
	for _, s := range []string{"编号", "a: b", "- x", "true", "0012", "1e3", "${HOME}", "#x", `"q"`, "a\nb", " lead", "null", "2024-03-01", "|", ",", "\t", "a,b", "[x]", "{y}", "%p", "@a", "`b", "x #y", "k:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utfOK(s) {
			return
		}
		src := "key: " + yamlValue(s) + "\n" + yamlString(s) + ": v\n"
		root, err := config.Parse("f.yaml", []byte(src), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatalf("%q written as\n%s\ndoes not parse: %v", s, src, err)
		}
		if got := root.Get("key").Value; got != s {
			t.Fatalf("value %q written as %s reads back as %q", s, yamlValue(s), got)
		}
		if len(root.Entries) != 2 || root.Entries[1].Key != s {
			t.Fatalf("key %q written as %s reads back as %+v", s, yamlString(s), root.Entries)
		}
	})
}

// utfOK: text a header can hold (valid UTF-8, no NUL or other characters
// that YAML cannot carry, which extract/csv and excel never produce in
// names either).
func utfOK(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7F || r == 0xFEFF || r >= 0x80 && r < 0xA0 || r == 0x2028 || r == 0x2029 || r >= 0xD800 && r < 0xE000 || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}

// FuzzSniffCSV: any bytes give a delimiter among the candidates, a
// non-negative skip, and no panic.
func FuzzSniffCSV(f *testing.F) {
	f.Add([]byte(residentsCSV))
	f.Add([]byte("title\n\na|b\n1|2\n"))
	f.Add([]byte("\"unterminated,\n1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, skip, _ := sniffCSV(data)
		if skip < 0 || !bytes.ContainsRune([]byte(",\t;|"), d) {
			t.Fatalf("delimiter %q skip %d", d, skip)
		}
		g := newGuess()
		g.add(string(data))
		_, _, _ = g.result()
	})
}
