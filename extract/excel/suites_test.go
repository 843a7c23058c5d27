package excel

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden dumps of testdata/suites and the table in README.md")

// The workbooks of public spreadsheet libraries' test suites, kept in
// testdata/suites/<suite>/ with their licence and a README naming where
// each comes from. Every worksheet of every file is read to the end; the
// dump of what came out (each row's cells in the forms of types: text,
// unreadable cells marked) must equal the golden file next to it, and the
// summary of each file is the table in README.md ("Public test files").
// After a change that is meant to change the output, review the diff of
//
//	go test ./extract/excel -run TestPublicSuites -update
func TestPublicSuites(t *testing.T) {
	var rows []string
	err := filepath.WalkDir("testdata/suites", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".xlsx") || strings.HasSuffix(path, ".xlsm")) {
			return err
		}
		rel := strings.TrimPrefix(filepath.ToSlash(path), "testdata/suites/")
		suite, file, _ := strings.Cut(rel, "/")
		summary, dump := dumpWorkbook(path)
		rows = append(rows, fmt.Sprintf("| %s | `%s` | %s | %s |", suite, file, writer(path), summary))
		golden := path + ".txt"
		if *update {
			return os.WriteFile(golden, []byte(dump), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Errorf("%s: %v (run with -update)", rel, err)
			return nil
		}
		if string(want) != dump {
			t.Errorf("%s reads differently from %s:\n%s", rel, golden, firstDiff(string(want), dump))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	table := "| suite | file | written by (docProps/app.xml) | result |\n|---|---|---|---|\n" + strings.Join(rows, "\n") + "\n"
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)(<!-- suites:begin -->\n).*(<!-- suites:end -->)`)
	if !re.Match(readme) {
		t.Fatal("README.md has no <!-- suites:begin --> … <!-- suites:end --> section")
	}
	fixed := re.ReplaceAll(readme, []byte("${1}"+strings.ReplaceAll(table, "$", "$$")+"${2}"))
	if *update {
		if err := os.WriteFile("README.md", fixed, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(fixed, readme) {
		t.Errorf("the table of public test files in README.md is not what they read as now (run with -update):\n%s", table)
	}
}

// dumpWorkbook reads every worksheet of the workbook at path and returns
// a one-line summary and the dump: at most 60 rows of each sheet, then
// the count and a SHA-256 of the dump of all of them.
func dumpWorkbook(path string) (summary, dump string) {
	b, err := openBook(path, filepath.Base(path))
	if err != nil {
		return "refused: " + refusal(err), "refused: " + err.Error() + "\n"
	}
	defer b.Close()
	var out strings.Builder
	nsheets, nrows, ncells, nbad := 0, 0, 0, 0
	for _, si := range b.sheets {
		if si.other != "" {
			fmt.Fprintf(&out, "== sheet %q: %s\n", si.Name, si.other)
			continue
		}
		nsheets++
		fmt.Fprintf(&out, "== sheet %q\n", si.Name)
		h := sha256.New()
		n := 0
		err := sheetRows(b, si, func(r *sheetRow) {
			line := rowText(r)
			for _, k := range r.kinds {
				if k != ckEmpty {
					ncells++
				}
				if k == ckError {
					nbad++
				}
			}
			if n++; n <= 60 {
				out.WriteString(line)
			}
			h.Write([]byte(line))
		})
		if err != nil {
			fmt.Fprintf(&out, "error: %v\n", err)
			nbad++
		}
		nrows += n
		fmt.Fprintf(&out, "-- %d rows, sha256 %x\n", n, h.Sum(nil)[:8])
	}
	summary = fmt.Sprintf("read: %d worksheet(s), %d rows, %d cells", nsheets, nrows, ncells)
	if nbad > 0 {
		summary += fmt.Sprintf(", %d unreadable (rejected)", nbad)
	}
	return summary, out.String()
}

// rowText is one row of a dump: "row N: A=v, B=v" with each value quoted,
// a cell that cannot be read as !text, and the row's reason.
func rowText(r *sheetRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "row %d:", r.num)
	for c, v := range r.vals {
		if r.kinds[c] == ckEmpty {
			continue
		}
		mark := ""
		if r.kinds[c] == ckError {
			mark = "!"
		}
		fmt.Fprintf(&b, " %s=%s%s", colName(c+1), mark, strconv.Quote(v))
	}
	if r.bad != "" {
		fmt.Fprintf(&b, " [%s]", r.bad)
	}
	b.WriteByte('\n')
	return b.String()
}

// refusal says in a few words why a workbook was refused.
func refusal(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "old binary Excel") {
		return "an OLE2 file (.xls, .et, or password-protected)"
	}
	if i := strings.Index(msg, ": "); i > 0 {
		msg = msg[i+2:]
	}
	if errors.Is(err, errDamaged) {
		msg, _, _ = strings.Cut(msg, ": the file is damaged")
		return "damaged: " + msg
	}
	return msg
}

// writer is the application that wrote the workbook, from docProps/app.xml.
func writer(path string) string {
	b, err := openBook(path, path)
	if err != nil {
		return "—"
	}
	defer b.Close()
	var app struct {
		Application string `xml:"Application"`
		AppVersion  string `xml:"AppVersion"`
	}
	if ok, err := b.decodePart("docProps/app.xml", &app); !ok || err != nil || app.Application == "" {
		return "—"
	}
	w := app.Application
	if i := strings.IndexAny(w, "$"); i > 0 {
		w = w[:i]
	}
	if app.AppVersion != "" {
		w += " " + app.AppVersion
	}
	return strings.ReplaceAll(w, "|", "/")
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant %s\ngot  %s", i+1, w, g)
		}
	}
	return ""
}

// The values the suites' own tests expect of their files, read as xcetl
// gives them (types: text forms; "!" marks a cell that rejects its row).
func TestPublicSuiteValues(t *testing.T) {
	tests := []struct{ file, cell, want string }{
		// calamine tests/test.rs date_xlsx, date_xlsx_1904: 2021-01-01 and
		// the duration 255:10:10 (10.6320601851852 days under [h]:mm:ss).
		{"calamine/tests/date.xlsx", "Sheet1!A1", "2021-01-01"},
		{"calamine/tests/date.xlsx", "Sheet1!A3", "255:10:10"},
		{"calamine/tests/date_1904.xlsx", "Sheet1!A1", "2021-01-01"},
		{"calamine/tests/date_1904.xlsx", "Sheet1!A3", "255:10:10"},
		// date_xlsx_iso: t="d" cells.
		{"calamine/tests/date_iso.xlsx", "Sheet!A1", "2021-01-01"},
		{"calamine/tests/date_iso.xlsx", "Sheet!A2", "2021-01-01 10:10:10"},
		{"calamine/tests/date_iso.xlsx", "Sheet!A3", "10:10:10"},
		// date_xlsx_custom_format_with_quoted_text: four quoted formats.
		{"calamine/tests/date_quoted_format.xlsx", "Sheet1!A1", "2021-01-01"},
		{"calamine/tests/date_quoted_format.xlsx", "Sheet1!A4", "2021-01-01"},
		// error_file: every error value rejects its row.
		{"calamine/tests/errors.xlsx", "Feuil1!A1", "!#DIV/0!"},
		{"calamine/tests/errors.xlsx", "Feuil1!A4", "!#NULL!"},
		{"calamine/tests/errors.xlsx", "Feuil1!A7", "!#N/A"},
		// unescape_excel_xml: _x000D_ in shared and inline strings.
		{"calamine/tests/has_x000D_.xlsx", "Sheet1!A1", "ABC\r\nDEF"},
		{"calamine/tests/has_x000D_inline.xlsx", "Sheet1!A1", "ABC\r\nDEF"},
		// skip_phonetic_text, decode_xml_entities, inline CDATA.
		{"calamine/tests/rph.xlsx", "Sheet1!A1", "課きく　毛こ"},
		{"calamine/tests/encoded_entities.xlsx", "Sheet1!A1", "&"},
		{"calamine/tests/inlineStr_cdata.xlsx", "Sheet1!A1", "Hello CDATA"},
		// issue_261: a sheet without r attributes reads as Excel's fix of it.
		{"calamine/tests/issue_261.xlsx", "Some Sheet!A1", "String Value 32"},
		{"calamine/tests/issue_261_fixed_by_excel.xlsx", "Some Sheet!A1", "String Value 32"},
		// issue_530: entry names with backslashes.
		{"calamine/tests/issue_530.xlsx", "出勤分类组织汇总表!A1", "报表导出人："},
		// non_monotonic_si_shared_formula: the cached values.
		{"calamine/tests/non_monotonic_si.xlsx", "Sheet1!C6", "18"},
		// empty_shared_string: "abc", then an empty string (NULL here).
		{"calamine/tests/empty_shared_string.xlsx", "Sheet1!A1", "abc"},
		{"calamine/tests/empty_shared_string.xlsx", "Sheet1!A2", ""},
		// excelize cell_test.go TestOverflowNumericCell.
		{"excelize/test/OverflowNumericCell.xlsx", "Sheet1!A1", "8595602512225"},
	}
	cache := map[string]map[string]string{}
	for _, tc := range tests {
		cells, ok := cache[tc.file]
		if !ok {
			cells = suiteCells(t, filepath.Join("testdata/suites", tc.file))
			cache[tc.file] = cells
		}
		if got := cells[tc.cell]; got != tc.want {
			t.Errorf("%s %s = %q, want %q", tc.file, tc.cell, got, tc.want)
		}
	}
	// LibreOffice keeps whitespace at the ends of text without
	// xml:space="preserve", as xcetl does (calamine trims it).
	if got := suiteCells(t, "testdata/suites/calamine/tests/whitespace_trim.xlsx")["inlineStr!A1"]; got != "  trimmed value  " {
		t.Errorf("whitespace_trim.xlsx inlineStr!A1 = %q", got)
	}
}

// suiteCells reads every worksheet of a workbook into "sheet!A1" → text.
func suiteCells(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := openBook(path, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cells := map[string]string{}
	for _, si := range b.sheets {
		if si.other != "" {
			continue
		}
		err := sheetRows(b, si, func(r *sheetRow) {
			for c, v := range r.vals {
				if r.kinds[c] == ckError {
					v = "!" + v
				}
				if r.kinds[c] != ckEmpty {
					cells[fmt.Sprintf("%s!%s%d", si.Name, colName(c+1), r.num)] = v
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return cells
}

// sheetRows calls fn with every stored row of sheet si.
func sheetRows(b *book, si sheetInfo, fn func(r *sheetRow)) error {
	sr, err := b.openSheet(si, 0, 0, nil)
	if err != nil {
		return err
	}
	defer sr.Close()
	var r sheetRow
	for {
		if err := sr.next(&r); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		fn(&r)
	}
}
