package excel

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needSoffice returns the path of LibreOffice's soffice. Without it the
// test is skipped, except under CI=true, where it fails: CI installs
// libreoffice-calc-nogui (.ci/run).
func needSoffice(t *testing.T) string {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("soffice (LibreOffice) is not installed but CI=true: .ci/run installs libreoffice-calc-nogui")
		}
		t.Skip("soffice (LibreOffice) is not installed; apt-get install libreoffice-calc-nogui")
	}
	return soffice
}

// resaved are public test files whose cells LibreOffice keeps when it
// saves them again: text (runs, escapes, whitespace, phonetic hints),
// numbers, dates in both systems, durations, booleans, errors, rows
// without numbers, the namespaces and layouts of other writers. Left out,
// because LibreOffice itself changes them: errors.xlsx (#NULL! becomes
// #REF!), has_x000D_.xlsx (CR LF becomes LF), issue_530.xlsx (it cannot
// open entry names with backslashes), Book1.xlsx and ErrorTypes.xlsx (it
// calculates formulas again), xlsx-stream-d-date-cell.xlsx (it drops the
// milliseconds of t="d" cells).
var resaved = []string{
	"calamine/tests/date.xlsx", "calamine/tests/date_1904.xlsx",
	"calamine/tests/rph.xlsx", "calamine/tests/whitespace_trim.xlsx",
	"calamine/tests/issue_261.xlsx", "calamine/tests/strict_iso_paths.xlsx", "calamine/tests/nonstandard-xml-ns-prefix.xlsx",
	"calamine/tests/encoded_entities.xlsx", "excelize/test/MergeCell.xlsx",
	"tealeg-xlsx/testdocs/googleDocsTest.xlsx", "tealeg-xlsx/testdocs/wpsBlankLineTest.xlsx", "tealeg-xlsx/testdocs/namespaced.xlsx",
	"tealeg-xlsx/testdocs/testcelltypes.xlsx", "tealeg-xlsx/testdocs/macNumbersTest.xlsx",
	"sheetjs/DataTypesFormats.xlsx", "sheetjs/rich_text_stress.xlsx", "sheetjs/LONumbers-2010.xlsx", "sheetjs/number_format_entities.xlsx",
}

// The public test files saved again by the installed LibreOffice (as a
// person would, opening and saving them) read as the originals do: the
// same sheets, rows and values.
func TestLibreOfficeResave(t *testing.T) {
	if testing.Short() {
		t.Skip("starts LibreOffice")
	}
	soffice := needSoffice(t)
	in, out := t.TempDir(), t.TempDir()
	var args []string
	for i, f := range resaved {
		data, err := os.ReadFile(filepath.Join("testdata/suites", f))
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(in, resaveName(i, f))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name)
	}
	cmd := exec.Command(soffice, append([]string{"-env:UserInstallation=file://" + t.TempDir(), "--headless",
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", out}, args...)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, msg)
	}
	for i, f := range resaved {
		t.Run(f, func(t *testing.T) {
			_, orig := dumpWorkbook(filepath.Join("testdata/suites", f))
			_, again := dumpWorkbook(filepath.Join(out, resaveName(i, f)))
			if o, a := cellsOnly(orig), cellsOnly(again); o != a {
				t.Errorf("saved again by LibreOffice, %s reads differently:\n%s", f, firstDiff(o, a))
			}
		})
	}
}

func resaveName(i int, f string) string {
	base := filepath.Base(f)
	return strings.TrimSuffix(base, filepath.Ext(base)) + "-" + itoa(i+1) + ".xlsx"
}

// cellsOnly keeps the sheets and rows with cells of a dump (LibreOffice
// leaves out rows without cells, and the hash covers them).
func cellsOnly(dump string) string {
	var b strings.Builder
	for _, l := range strings.Split(dump, "\n") {
		if strings.HasPrefix(l, "-- ") || strings.HasSuffix(l, ":") && strings.HasPrefix(l, "row ") || l == "" {
			continue
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}
