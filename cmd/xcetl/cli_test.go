package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExitCodesAndMessages(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.yaml", `version: 1
name: good
source: {type: csv, path: in.csv}
transforms:
  - cast: {id: int}
target: {type: sqlite, dsn: out.db, table: t}
`)
	bad := writeFile(t, dir, "bad.yaml", `version: 1
name: bad
source: {type: csv, pth: in.csv}
transforms:
  - cats: {id: int}
target: {type: sqlite, dsn: "${NOT_SET_ANYWHERE_XCETL}", table: t, mode: upsrt}
`)
	tests := []struct {
		name     string
		args     []string
		code     int
		inOut    string
		inErr    []string
		notInErr string
	}{
		{name: "version", args: []string{"version"}, code: 0, inOut: "xcetl "},
		{name: "validate ok", args: []string{"validate", good}, code: 0, inOut: "ok (pipeline good"},
		{name: "validate bad", args: []string{"validate", bad}, code: 2, inErr: []string{
			`bad.yaml:3:21: source.pth: unknown key "pth" (did you mean "path"?)`,
			`bad.yaml:5:5: transforms[0]: unknown transform "cats" (did you mean "cast"?)`,
			`bad.yaml:6:`, `${NOT_SET_ANYWHERE_XCETL} is not set`,
			`upsrt`,
		}},
		{name: "validate with set", args: []string{"validate", "--set", "NOT_SET_ANYWHERE_XCETL=x.db", bad}, code: 2, notInErr: "is not set"},
		{name: "missing file", args: []string{"validate", filepath.Join(dir, "nope.yaml")}, code: 2, inErr: []string{"nope.yaml"}},
		{name: "run missing file", args: []string{"run", filepath.Join(dir, "nope.yaml")}, code: 2},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, inErr: []string{"unknown command"}},
		{name: "unknown flag", args: []string{"run", "--frob", good}, code: 2, inErr: []string{"unknown flag"}},
		{name: "bad progress", args: []string{"run", "--progress", "sometimes", good}, code: 2, inErr: []string{"--progress"}},
		{name: "bad set", args: []string{"validate", "--set", "novalue", good}, code: 2, inErr: []string{"KEY=VALUE"}},
		{name: "bad log format", args: []string{"validate", "--log-format", "xml", good}, code: 2, inErr: []string{"--log-format"}},
		{name: "run source missing", args: []string{"run", good, "--progress", "never"}, code: 1, inErr: []string{"in.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			if tt.inOut != "" && !strings.Contains(out, tt.inOut) {
				t.Errorf("stdout %q lacks %q", out, tt.inOut)
			}
			for _, w := range tt.inErr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if tt.notInErr != "" && strings.Contains(errs, tt.notInErr) {
				t.Errorf("stderr has %q:\n%s", tt.notInErr, errs)
			}
		})
	}
}

func TestInvalidRunWritesFailedReport(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", "version: 1\nname: bad\n")
	rep := filepath.Join(dir, "r.json")
	code, _, _ := runCLI(t, "run", bad, "--report", rep)
	if code != 2 {
		t.Fatalf("exit %d", code)
	}
	data, err := os.ReadFile(rep)
	if err != nil || !strings.Contains(string(data), `"status": "failed"`) || !strings.Contains(string(data), `missing required key`) {
		t.Fatalf("report %s, %v", data, err)
	}
}

// TestExplainShowsEffectiveSettings: explain lists each declared plugin's
// keys with the defaults filled in and marked, values from ${VAR} as the
// reference, and literal secrets redacted.
func TestExplainShowsEffectiveSettings(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "in.csv", "id,card\n1,11010519491231002X\n")
	key := "0123456789abcdef0123456789abcdef"
	p := writeFile(t, dir, "p.yaml", `version: 1
name: settings
source: {type: csv, path: in.csv}
transforms:
  - encrypt: {fields: [card], key: "`+key+`", mode: gcm}
target: {type: sqlite, dsn: "${OUT_DB:-out.db}", table: t, batch_size: 100}
`)
	code, out, errOut := runCLI(t, "explain", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"     settings:\n       fields: [card]\n       key: [redacted]\n       mode: gcm\n       encoding: hex (default)\n",
		"  settings:\n    dsn: ${OUT_DB:-out.db}\n    table: t\n    mode: append (default)\n",
		"    batch_size: 100\n    commit: run (default)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, key) {
		t.Errorf("explain shows the key:\n%s", out)
	}
}

// TestValidateReadsHeaderAndExplainExitCode: validate reads a local CSV or
// workbook's header and exits 2 for a transform naming a column the
// header lacks (never touching the database of the target); explain exits
// 2 when it prints a plan problem.
func TestValidateReadsHeaderAndExplainExitCode(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "in.csv", "id,name,birth\n1,a,2000-01-01\n")
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"编号", "姓名"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{1, "张三"})
	if err := x.SaveAs(filepath.Join(dir, "in.xlsx")); err != nil {
		t.Fatal(err)
	}
	// A target on a closed local port (tests send traffic to this machine
	// only): validate and explain must not try it — a connection attempt
	// fails at once and would fail the cases that expect exit 0.
	pipeline := func(name, source, cast string) string {
		return writeFile(t, dir, name+".yaml", `version: 1
name: `+name+`
source: `+source+`
transforms:
  - cast: `+cast+`
target: {type: postgres, dsn: "postgres://u:p@127.0.0.1:1/db?connect_timeout=30", table: t, mode: upsert, key: [id]}
`)
	}
	csvTypo := pipeline("csv_typo", "{type: csv, path: in.csv}", "{id: int, brith: date}")
	csvOK := pipeline("csv_ok", "{type: csv, path: in.csv}", "{id: int, birth: date}")
	xlsxTypo := pipeline("xlsx_typo", "{type: excel, path: in.xlsx}", "{编号: int, 性名: string}")
	missing := pipeline("missing", "{type: csv, path: \"inbox/*.csv\"}", "{id: int}")
	noKey := pipeline("no_key", "{type: csv, path: nokey.csv}", "{name: string}")
	writeFile(t, dir, "nokey.csv", "name\nx\n")
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		inOut string
		inErr string
	}{
		{"validate csv typo", []string{"validate", csvTypo}, 2, "", `csv_typo.yaml:5:21: transforms[0].cast.brith:`},
		{"validate csv typo names the column", []string{"validate", csvTypo}, 2, "", `"brith"`},
		{"validate csv ok", []string{"validate", csvOK}, 0, "columns checked against the source's header: id int, name string, birth date", ""},
		{"validate xlsx typo", []string{"validate", xlsxTypo}, 2, "", `性名`},
		{"validate missing input", []string{"validate", missing}, 0, "columns not checked: no input to preview", ""},
		{"validate key not in columns", []string{"validate", noKey}, 2, "", `key column "id" is not a column of the pipeline`},
		{"explain plan error", []string{"explain", csvTypo}, 2, "error: ", "the plan has 1 problem(s)"},
		{"explain ok", []string{"explain", csvOK}, 0, "COPY", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
			if tc.inOut != "" && !strings.Contains(out, tc.inOut) {
				t.Errorf("stdout lacks %q:\n%s", tc.inOut, out)
			}
			if tc.inErr != "" && !strings.Contains(errs, tc.inErr) {
				t.Errorf("stderr lacks %q:\n%s", tc.inErr, errs)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s: did it try the database?", d)
			}
		})
	}
}
