package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// inspect → the starter pipeline validates → it runs, for a GBK CSV with
// title lines and for a LibreOffice workbook with a two-row header.
func TestInspectEndToEnd(t *testing.T) {
	tests := []struct {
		name, src, table string
		rows             int
		check            string // a query returning "ok"
	}{
		{"gbk csv", "../../examples/data/visits-2024.txt", "visits_2024", 20,
			`SELECT CASE WHEN typeof(column_1) = 'integer' AND column_4 LIKE '2024-__-__' THEN 'ok' ELSE 'bad' END FROM visits_2024 LIMIT 1`},
		{"libreoffice workbook", "../../extract/excel/testdata/layout-lo.xlsx", "layout_lo", 3,
			`SELECT CASE WHEN "地址_区" = '和平区' AND "身份证号" = '11010119851231002X' AND "出生日期" = '1985-12-31' THEN 'ok' ELSE 'bad' END FROM layout_lo WHERE "编号" = 2`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			data, err := os.ReadFile(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			src := filepath.Join(dir, "data", filepath.Base(tc.src))
			if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(src, data, 0o644); err != nil {
				t.Fatal(err)
			}
			// To stdout: the pipeline, with the findings as comments.
			code, out, stderr := runCLI(t, "inspect", src)
			if code != 0 || !strings.HasPrefix(out, "# xcetl inspect ") || !strings.Contains(out, "\nversion: 1\n") {
				t.Fatalf("exit %d\n%s%s", code, out, stderr)
			}
			// To a file: the data path is relative to the file's directory.
			pipeline := filepath.Join(dir, "p.yaml")
			code, out, stderr = runCLI(t, "inspect", src, "-o", pipeline)
			if code != 0 || out != "" || !strings.Contains(stderr, "wrote "+pipeline) {
				t.Fatalf("exit %d\n%s%s", code, out, stderr)
			}
			y, _ := os.ReadFile(pipeline)
			if !strings.Contains(string(y), "path: data/"+filepath.Base(tc.src)) {
				t.Fatalf("pipeline:\n%s", y)
			}
			if code, out, stderr := runCLI(t, "validate", pipeline); code != 0 {
				t.Fatalf("validate: exit %d\n%s%s\n%s", code, out, stderr, y)
			}
			if code, out, stderr := runCLI(t, "run", pipeline, "--progress", "never"); code != 0 {
				t.Fatalf("run: exit %d\n%s%s\n%s", code, out, stderr, y)
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
			if err := db.QueryRow(`SELECT count(*) FROM ` + tc.table).Scan(&n); err != nil || n != tc.rows {
				t.Fatalf("count %d, %v\n%s", n, err, y)
			}
			var ok string
			if err := db.QueryRow(tc.check).Scan(&ok); err != nil || ok != "ok" {
				t.Fatalf("check: %q, %v\n%s", ok, err, y)
			}
		})
	}
}

func TestInspectErrors(t *testing.T) {
	dir := t.TempDir()
	xls := writeFile(t, dir, "old.xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"+strings.Repeat("\x00", 512))
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"inspect", filepath.Join(dir, "missing.csv")}, 1, "no such file"},
		{[]string{"inspect", xls}, 1, "soffice --headless --convert-to xlsx"},
		{[]string{"inspect", xls, "--target", "mysql"}, 2, `--target "mysql"`},
		{[]string{"inspect"}, 2, "accepts 1 arg"},
	}
	for _, tc := range tests {
		code, _, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
