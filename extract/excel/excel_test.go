package excel

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, cfg, want string
	}{
		{"missing path", "sheet: a", `missing required key "path"`},
		{"empty path", `path: ""`, "path must not be empty"},
		{"unknown key", "path: a.xlsx\nheader_rwo: 2", `did you mean "header_row"`},
		{"header_row zero", "path: a.xlsx\nheader_row: 0", "header_row is a 1-based row number"},
		{"header_rows 3", "path: a.xlsx\nheader_rows: 3", "header_rows must be 1..2, not 3"},
		{"bad range", "path: a.xlsx\nrange: A1-H5", `range "A1-H5" is not a cell range`},
		{"reversed range", "path: a.xlsx\nrange: H5:A1", "is not a cell range"},
		{"header outside range", "path: a.xlsx\nrange: A3:H5\nheader_row: 1", "header_row 1 is outside range"},
		{"negative footer", "path: a.xlsx\nskip_footer: -1", "skip_footer must be at least 0, not -1"},
		{"bad types", "path: a.xlsx\ntypes: txt", `unknown types "txt" (did you mean "text"?); one of: auto, text`},
		{"empty columns", "path: a.xlsx\ncolumns: []", "columns must list at least one name"},
		{"duplicate columns", "path: a.xlsx\ncolumns: [a, b, a]", `duplicate column name "a" (also columns[0])`},
		{"empty column name", "path: a.xlsx\ncolumns: [a, \" \"]", "column name must not be empty"},
		{"long range", "path: a.xlsx\nrange: " + strings.Repeat("A", 5000), "is not a cell range"},
		{"bad merged", "path: a.xlsx\nmerged: fil", `did you mean "fill"`},
		{"empty sheet", "path: a.xlsx\nsheet: \"\"", "sheet must not be empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := build(t, t.TempDir(), tc.cfg)
			var se xcetl.SpecErrors
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want SpecErrors", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "p.yaml:") {
				t.Fatalf("error %q does not contain %q with a position", err, tc.want)
			}
			if len(err.Error()) > 300 {
				t.Fatalf("error of %d bytes: %.300s", len(err.Error()), err)
			}
		})
	}
}

// A spec built in Go gets the defaults and checks of a file's.
func TestBuildFromGo(t *testing.T) {
	ex, err := extract.Build("excel", Spec{Path: "a.xlsx", Range: "B2:C9"}, extract.Env{})
	if err != nil {
		t.Fatal(err)
	}
	st := ex.(*Extractor).st
	if st.headerRow != 2 || st.headerRows != 1 || st.types != typesAuto || st.fill || st.rng == nil || st.rng.c1 != 2 {
		t.Fatalf("settings %+v", st)
	}
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{}, `missing required key "path"`},
		{Spec{Path: "a.xlsx", Types: "txt"}, `unknown types "txt"`},
		{Spec{Path: "a.xlsx", HeaderRow: -1}, "header_row is a 1-based row number, got -1"},
		{Spec{Path: "a.xlsx", Columns: []string{"a", "a"}}, `duplicate column name "a"`},
		{Spec{Path: "a.xlsx", Range: "A1"}, `range "A1" is not a cell range`},
	} {
		if _, err := extract.Build("excel", &tc.spec, extract.Env{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.spec, err, tc.want)
		}
	}
}

// A sheet with every kind of cell, written by hand as writers store them.
func typedBook() pkg {
	p := one(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c><c r="G1" t="inlineStr"><is><t>公式</t></is></c></row>
<row r="2"><c r="A2" t="s"><v>6</v></c><c r="B2" s="1"><v>45352</v></c><c r="C2" s="2"><v>45352.34375</v></c><c r="D2"><v>3.5</v></c><c r="E2" t="b"><v>1</v></c><c r="F2" s="3"><v>0.5</v></c><c r="G2"><f>D2*2</f><v>7</v></c></row>
<row r="3"><c r="A3" t="s"><v>7</v></c><c r="B3" s="4"><v>45353</v></c><c r="C3" t="d"><v>2024-03-02T08:00:00</v></c><c r="D3"><v>1.0E+2</v></c><c r="E3" t="b"><v>0</v></c><c r="F3" s="5"><v>0.75</v></c><c r="G3" t="str"><f>A3&amp;""</f><v>x</v></c></row>
<row r="5"><c r="A5" t="s"><v>8</v></c><c r="D5"><v>0.30000000000000004</v></c><c r="G5"><f>1/0</f></c></row>`)
	p.sst = []string{"身份证号", "出生日期", "登记时间", "积分", "在册", "时刻", "110101199003071234", "11010119900307123X", "00012"}
	p.numFmts = `<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/><numFmt numFmtId="165" formatCode="[$-804]hh:mm;@"/>`
	p.xfs = []int{14, 22, 21, 164, 165}
	return p
}

func TestTypedCells(t *testing.T) {
	text := [][]any{
		{"110101199003071234", "2024-03-01", "2024-03-01 08:15:00", "3.5", "true", "12:00:00", "7"},
		{"11010119900307123X", "2024-03-02", "2024-03-02 08:00:00", "100", "false", "18:00:00", "x"},
		{"00012", nil, nil, "0.3", nil, nil, nil},
	}
	tests := []struct {
		types string
		kinds []string
		want  [][]any
	}{
		{"text", []string{"string", "string", "string", "string", "string", "string", "string"}, text},
		{"auto", []string{"string", "date", "timestamp", "float", "bool", "string", "string"}, [][]any{
			{"110101199003071234", day(2024, 3, 1), at(2024, 3, 1, 8, 15, 0), 3.5, true, "12:00:00", "7"},
			{"11010119900307123X", day(2024, 3, 2), at(2024, 3, 2, 8, 0, 0), 100.0, false, "18:00:00", "x"},
			{"00012", nil, nil, 0.3, nil, nil, nil},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.types, func(t *testing.T) {
			dir := t.TempDir()
			typedBook().write(t, dir, "t.xlsx")
			ex, err := build(t, dir, "path: t.xlsx\ntypes: "+tc.types)
			if err != nil {
				t.Fatal(err)
			}
			res, err := readAll(t, ex, 100)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"身份证号", "出生日期", "登记时间", "积分", "在册", "时刻", "公式"}; !reflect.DeepEqual(res.schema, want) {
				t.Fatalf("schema %v, want %v", res.schema, want)
			}
			if !reflect.DeepEqual(res.types, tc.kinds) {
				t.Fatalf("types %v, want %v", res.types, tc.kinds)
			}
			if !reflect.DeepEqual(res.rows, tc.want) {
				t.Fatalf("rows\n%#v\nwant\n%#v", res.rows, tc.want)
			}
			lines := []int{2, 3, 5}
			for i, o := range res.origins {
				if o.File != "t.xlsx" || o.Sheet != "Sheet1" || o.Line != lines[i] || o.Record != int64(i+1) {
					t.Errorf("origin %d = %+v", i, o)
				}
			}
			// Raw (for the reject file) is the text in both modes.
			for i, r := range res.raw {
				for j, v := range r {
					if w, _ := text[i][j].(string); v != w {
						t.Errorf("raw[%d][%d] = %q, want %q", i, j, v, w)
					}
				}
			}
		})
	}
}

func TestDateSystems(t *testing.T) {
	tests := []struct {
		name     string
		date1904 bool
		serial   string
		want     any
		reject   string
	}{
		{"1900 first day", false, "1", day(1900, 1, 1), ""},
		{"1900 before the bug", false, "59", day(1900, 2, 28), ""},
		{"1900 fictitious leap day", false, "60", nil, "1900-02-29, a day that does not exist"},
		{"1900 after the bug", false, "61", day(1900, 3, 1), ""},
		{"1900 modern", false, "45352", day(2024, 3, 1), ""},
		{"1904 epoch", true, "0", day(1904, 1, 1), ""},
		{"1904 modern", true, "43890", day(2024, 3, 1), ""},
		{"negative", false, "-1", nil, "outside Excel's dates"},
		{"not a number", false, "abc", nil, "not a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := one(`<row r="1"><c r="A1" t="inlineStr"><is><t>d</t></is></c></row><row r="2"><c r="A2" s="1"><v>` + tc.serial + `</v></c></row>`)
			p.xfs, p.date1904 = []int{14}, tc.date1904
			p.write(t, dir, "d.xlsx")
			ex, err := build(t, dir, "path: d.xlsx")
			if err != nil {
				t.Fatal(err)
			}
			res, err := readAll(t, ex, 10)
			if err != nil {
				t.Fatal(err)
			}
			if tc.reject != "" {
				if len(res.rejects) != 1 || !strings.Contains(res.rejects[0].Reason, tc.reject) || res.rejects[0].Origin.Line != 2 {
					t.Fatalf("rejects %+v, want one at row 2 with %q", res.rejects, tc.reject)
				}
				if !strings.Contains(res.rejects[0].Reason, "cell A2") {
					t.Errorf("reason %q does not name the cell", res.rejects[0].Reason)
				}
				return
			}
			if len(res.rows) != 1 || res.rows[0][0] != tc.want {
				t.Fatalf("rows %v, want %v", res.rows, tc.want)
			}
		})
	}
}

func TestLayout(t *testing.T) {
	is := func(ref, v string) string {
		return `<c r="` + ref + `" t="inlineStr"><is><t>` + v + `</t></is></c>`
	}
	num := func(ref, v string) string { return `<c r="` + ref + `"><v>` + v + `</v></c>` }
	row := func(n string, cells ...string) string {
		return `<row r="` + n + `">` + strings.Join(cells, "") + `</row>`
	}
	tests := []struct {
		name    string
		rows    string
		extra   string
		cfg     string
		schema  []string
		want    [][]any
		lines   []int
		rejects []string
		err     string
	}{
		{
			name:   "title rows above the header, blank rows skipped",
			rows:   row("1", is("A1", "某街道居民台账")) + row("3", is("A3", "编号"), is("B3", "姓名")) + row("4", num("A4", "1"), is("B4", "张三")) + row("6", num("A6", "2"), is("B6", "李四")),
			cfg:    "header_row: 3",
			schema: []string{"编号", "姓名"},
			want:   [][]any{{"1", "张三"}, {"2", "李四"}},
			lines:  []int{4, 6},
		},
		{
			name:   "skip_footer drops the totals",
			rows:   row("1", is("A1", "名称"), is("B1", "数量")) + row("2", is("A2", "a"), num("B2", "1")) + row("3", is("A3", "b"), num("B3", "2")) + row("4", is("A4", "合计"), num("B4", "3")),
			cfg:    "skip_footer: 1",
			schema: []string{"名称", "数量"},
			want:   [][]any{{"a", "1"}, {"b", "2"}},
			lines:  []int{2, 3},
		},
		{
			name:   "range cuts columns and rows",
			rows:   row("1", is("A1", "说明"), is("B1", "x"), is("C1", "y"), is("D1", "备注")) + row("2", is("A2", "n"), num("B2", "1"), num("C2", "2"), is("D2", "zz")) + row("3", is("A3", "n"), num("B3", "3"), num("C3", "4")) + row("4", is("B4", "合计")),
			cfg:    "range: B1:C3",
			schema: []string{"x", "y"},
			want:   [][]any{{"1", "2"}, {"3", "4"}},
			lines:  []int{2, 3},
		},
		{
			name:   "two-row header joined, merged group filled",
			rows:   row("1", is("A1", "编号"), is("B1", "地址")) + row("2", is("B2", "区"), is("C2", "街道")) + row("3", num("A3", "7"), is("B3", "和平区"), is("C3", "南营门")),
			extra:  `<mergeCells count="2"><mergeCell ref="A1:A2"/><mergeCell ref="B1:C1"/></mergeCells>`,
			cfg:    "header_rows: 2",
			schema: []string{"编号", "地址_区", "地址_街道"},
			want:   [][]any{{"7", "和平区", "南营门"}},
			lines:  []int{3},
		},
		{
			name:   "merged: fill copies a vertical merge down",
			rows:   row("1", is("A1", "区"), is("B1", "姓名")) + row("2", is("A2", "和平区"), is("B2", "张三")) + row("3", is("B3", "李四")) + row("4", is("A4", "河西区"), is("B4", "王五")),
			extra:  `<mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells>`,
			cfg:    "merged: fill",
			schema: []string{"区", "姓名"},
			want:   [][]any{{"和平区", "张三"}, {"和平区", "李四"}, {"河西区", "王五"}},
			lines:  []int{2, 3, 4},
		},
		{
			name:   "merged: none leaves merged cells empty",
			rows:   row("1", is("A1", "区"), is("B1", "姓名")) + row("2", is("A2", "和平区"), is("B2", "张三")) + row("3", is("B3", "李四")),
			extra:  `<mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells>`,
			schema: []string{"区", "姓名"},
			want:   [][]any{{"和平区", "张三"}, {nil, "李四"}},
			lines:  []int{2, 3},
		},
		{
			name:    "a value right of the header rejects its row",
			rows:    row("1", is("A1", "a"), is("B1", "b")) + row("2", num("A2", "1"), num("B2", "2"), is("D2", "备注")) + row("3", num("A3", "3")),
			schema:  []string{"a", "b"},
			want:    [][]any{{"3", nil}},
			lines:   []int{3},
			rejects: []string{`cell D2 holds "备注" but the header has no column there`},
		},
		{
			name:    "error cell rejects its row",
			rows:    row("1", is("A1", "a")) + row("2", `<c r="A2" t="e"><f>1/0</f><v>#DIV/0!</v></c>`) + row("3", num("A3", "1")),
			schema:  []string{"a"},
			want:    [][]any{{"1"}},
			lines:   []int{3},
			rejects: []string{"cell A2: the cell holds the error #DIV/0!"},
		},
		{
			name:   "empty header cell named by position",
			rows:   row("1", is("A1", "a"), is("C1", "c")) + row("2", num("A2", "1"), num("B2", "2"), num("C2", "3")),
			schema: []string{"a", "column_2", "c"},
			want:   [][]any{{"1", "2", "3"}},
			lines:  []int{2},
		},
		{
			name: "duplicate header names",
			rows: row("1", is("A1", "a"), is("B1", "a")),
			err:  `duplicate column names in the header: "a" in A and B`,
		},
		{
			name: "header row empty",
			rows: row("1", is("A1", "a")) + row("2", ""),
			cfg:  "header_row: 2",
			err:  "header row 2 is empty",
		},
		{
			name: "sheet ends before the header",
			rows: row("1", is("A1", "a")),
			cfg:  "header_row: 5",
			err:  "ends before header row 5",
		},
		{
			name:   "cells without references",
			rows:   `<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row><row><c><v>1</v></c><c><v>2</v></c></row>`,
			schema: []string{"a", "b"},
			want:   [][]any{{"1", "2"}},
			lines:  []int{2},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := one(tc.rows)
			p.extra = tc.extra
			p.write(t, dir, "l.xlsx")
			cfg := "path: l.xlsx\ntypes: text"
			if tc.cfg != "" {
				cfg += "\n" + tc.cfg
			}
			ex, err := build(t, dir, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, max := range []int{1, 100} {
				res, err := readAll(t, ex, max)
				if tc.err != "" {
					if err == nil || !strings.Contains(err.Error(), tc.err) {
						t.Fatalf("error %v, want %q", err, tc.err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(res.schema, tc.schema) {
					t.Fatalf("schema %q, want %q", res.schema, tc.schema)
				}
				if !reflect.DeepEqual(res.rows, tc.want) {
					t.Fatalf("max %d: rows %q, want %q", max, res.rows, tc.want)
				}
				for i, o := range res.origins {
					if o.Line != tc.lines[i] {
						t.Errorf("row %d from line %d, want %d", i, o.Line, tc.lines[i])
					}
				}
				var got []string
				for _, r := range res.rejects {
					got = append(got, r.Reason)
				}
				if !reflect.DeepEqual(got, tc.rejects) {
					t.Fatalf("rejects %q, want %q", got, tc.rejects)
				}
				ex, _ = build(t, dir, cfg)
			}
		})
	}
}

func TestSheetSelection(t *testing.T) {
	dir := t.TempDir()
	p := pkg{names: []string{"图表", "说明", "居民", "2024"}, charts: map[string]bool{"图表": true}, sheets: map[string]string{
		"图表":   ``,
		"说明":   `<row r="1"><c r="A1" t="inlineStr"><is><t>readme</t></is></c></row>`,
		"居民":   `<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c></row>`,
		"2024": `<row r="1"><c r="A1" t="inlineStr"><is><t>year</t></is></c></row>`,
	}}
	p.write(t, dir, "s.xlsx")
	tests := []struct{ sheet, col, err string }{
		{"", "readme", ""}, // the first worksheet: the chart sheet is passed over
		{"居民", "name", ""},
		{`"3"`, "name", ""},
		{"3", "name", ""},
		{"2024", "year", ""},
		{"5", "", "has 4 sheets, so there is no sheet 5"},
		{"居", "", `has no sheet "居"`},
		{"1", "", `sheet "图表" is a chart sheet, not a worksheet`},
	}
	for _, tc := range tests {
		t.Run("sheet "+tc.sheet, func(t *testing.T) {
			cfg := "path: s.xlsx"
			if tc.sheet != "" {
				cfg += "\nsheet: " + tc.sheet
			}
			ex, err := build(t, dir, cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := readAll(t, ex, 10)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), `"图表", "说明", "居民", "2024"`) && !strings.Contains(err.Error(), "chart") {
					t.Fatalf("error %v, want %q and the sheet list", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.schema[0] != tc.col {
				t.Fatalf("schema %v, want %s", res.schema, tc.col)
			}
		})
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("old.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...))
	write("wps.et", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...))
	write("text.xlsx", []byte("id,name\n1,a\n"))
	write("trunc.xlsx", []byte("PK\x03\x04garbage"))
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("hello.txt")
	w.Write([]byte("not a workbook"))
	zw.Close()
	write("other.zip.xlsx", zb.Bytes())
	zb.Reset()
	zw = zip.NewWriter(&zb)
	for _, name := range []string{"mimetype", "content.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	}
	zw.Close()
	write("calc.ods", zb.Bytes())
	tests := []struct{ file, want string }{
		{"old.xls", "soffice --headless --convert-to xlsx old.xls"},
		{"wps.et", "old binary Excel (.xls) or WPS (.et) file"},
		{"text.xlsx", "is not an .xlsx workbook (no zip signature)"},
		{"trunc.xlsx", "is not a readable .xlsx workbook"},
		{"other.zip.xlsx", "is not an .xlsx workbook (no xl/workbook.xml)"},
		{"calc.ods", "calc.ods is an OpenDocument spreadsheet (.ods), not an .xlsx workbook; convert it with `soffice --headless --convert-to xlsx calc.ods`"},
		{"missing.xlsx", "file missing.xlsx does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ex, err := build(t, dir, "path: "+tc.file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = readAll(t, ex, 10)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "excel source: ") {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// A sheet that inflates past the limit is refused, both when its declared
// size says so and when the declared size lies.
func TestZipBomb(t *testing.T) {
	dir := t.TempDir()
	var rows strings.Builder
	rows.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>`)
	for i := 2; i < 5000; i++ {
		rows.WriteString(`<row r="` + itoa(i) + `"><c r="A` + itoa(i) + `"><v>1</v></c></row>`)
	}
	one(rows.String()).write(t, dir, "bomb.xlsx")
	old := unzipSizeLimit
	defer func() { unzipSizeLimit = old }()
	unzipSizeLimit = 50 << 10
	ex, err := build(t, dir, "path: bomb.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(t, ex, 100)
	if err == nil || !strings.Contains(err.Error(), "zip bomb") {
		t.Fatalf("error %v, want a size-limit refusal", err)
	}

	// A shared strings table bigger than the in-memory limit is refused too.
	unzipSizeLimit = old
	oldXML := unzipXMLSizeLimit
	defer func() { unzipXMLSizeLimit = oldXML }()
	unzipXMLSizeLimit = 1 << 10
	p := one(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`)
	p.sst = []string{strings.Repeat("很长的文本", 200)}
	p.write(t, dir, "sst.xlsx")
	ex, err = build(t, dir, "path: sst.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(t, ex, 100)
	if err == nil || !strings.Contains(err.Error(), "sharedStrings.xml") || !strings.Contains(err.Error(), "size limit") {
		t.Fatalf("error %v, want a size-limit refusal of the shared strings", err)
	}
	unzipXMLSizeLimit = oldXML

	// A sheet whose zip entry declares fewer bytes than it unpacks to.
	lie := lyingZip(t, filepath.Join(dir, "bomb.xlsx"), "xl/worksheets/sheet1.xml", 1000)
	if err := os.WriteFile(filepath.Join(dir, "lie.xlsx"), lie, 0o644); err != nil {
		t.Fatal(err)
	}
	ex, err = build(t, dir, "path: lie.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(t, ex, 100)
	if err == nil || !strings.Contains(err.Error(), "unpacks to more than the 1000 bytes its zip entry declares") || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("error %v, want a refusal of the lying entry", err)
	}
}

// lyingZip copies the zip archive at path with the declared unpacked size
// of part replaced by size.
func lyingZip(t *testing.T, path, part string, size uint64) []byte {
	t.Helper()
	return rewriteZip(t, path, func(fh *zip.FileHeader) {
		if fh.Name == part {
			fh.UncompressedSize64 = size
		}
	})
}

// rewriteZip copies the zip archive at path, every entry's compressed data
// unchanged, with edit applied to each entry's header (name, sizes, CRC).
func rewriteZip(t *testing.T, path string, edit func(fh *zip.FileHeader)) []byte {
	t.Helper()
	return copyZip(t, path, edit, "", "")
}

// replacePart copies the zip archive at path with part's content replaced.
func replacePart(t *testing.T, path, part, content string) []byte {
	t.Helper()
	return copyZip(t, path, func(*zip.FileHeader) {}, part, content)
}

// copyZip copies the zip archive at path: part (if not "") with content,
// every other entry's compressed data unchanged with edit applied to its
// header.
func copyZip(t *testing.T, path string, edit func(fh *zip.FileHeader), part, content string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name == part {
			w, err := zw.Create(part)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, content)
			continue
		}
		raw, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		fh := f.FileHeader
		edit(&fh)
		w, err := zw.CreateRaw(&fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// What Office opens is read: entry names with backslashes. A part that
// fails the archive's checks is reported as damaged, not as a zip bomb; a
// part that compresses too well is refused before it is inflated; styles
// nested deep are refused at once.
func TestArchiveChecks(t *testing.T) {
	dir := t.TempDir()
	src := one(`<row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c></row><row r="2"><c r="A2"><v>7</v></c></row>`).write(t, dir, "ok.xlsx")
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("backslash.xlsx", rewriteZip(t, src, func(fh *zip.FileHeader) { fh.Name = strings.ReplaceAll(fh.Name, "/", "\\") }))
	write("crc.xlsx", rewriteZip(t, src, func(fh *zip.FileHeader) {
		if fh.Name == "xl/worksheets/sheet1.xml" {
			fh.CRC32 ^= 1
		}
	}))
	write("short.xlsx", rewriteZip(t, src, func(fh *zip.FileHeader) {
		if fh.Name == "xl/styles.xml" {
			fh.UncompressedSize64 += 10
		}
	}))
	// A sheet that compresses more than 100 times, past the grace size
	// (lowered for the test).
	oldGrace := ratioGrace
	defer func() { ratioGrace = oldGrace }()
	ratioGrace = 4 << 20
	var big bytes.Buffer
	zw := zip.NewWriter(&big)
	for _, e := range [][2]string{{"xl/workbook.xml", `<workbook><sheets><sheet name="S" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`}} {
		w, _ := zw.Create(e[0])
		io.WriteString(w, e[1])
	}
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	io.WriteString(w, "<worksheet><sheetData>")
	row := []byte(strings.Repeat(`<row><c><v>1</v></c></row>`, 1000))
	for n := 0; n < int(ratioGrace)/len(row)+1; n++ {
		w.Write(row)
	}
	io.WriteString(w, "</sheetData></worksheet>")
	zw.Close()
	write("ratio.xlsx", big.Bytes())
	// styles.xml nested 100,000 deep.
	deep := pkg{sheets: map[string]string{"Sheet1": `<row r="1"><c r="A1"><v>1</v></c></row>`}}
	deepPath := deep.write(t, dir, "deep.xlsx")
	write("deep.xlsx", replacePart(t, deepPath, "xl/styles.xml", `<styleSheet>`+strings.Repeat("<a>", 100000)+strings.Repeat("</a>", 100000)+`</styleSheet>`))

	ex, err := build(t, dir, "path: backslash.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	res, err := readAll(t, ex, 10)
	if err != nil || !reflect.DeepEqual(res.rows, [][]any{{int64(7)}}) {
		t.Fatalf("backslash names: rows %v, err %v", res.rows, err)
	}
	for _, tc := range []struct{ file, want, not string }{
		{"crc.xlsx", "part xl/worksheets/sheet1.xml fails its CRC check: the file is damaged", "zip bomb"},
		{"short.xlsx", "part xl/styles.xml unpacks to ", "zip bomb"},
		{"ratio.xlsx", "more than 100 times its compressed size, which exceeds the size limit (a zip bomb", "damaged"},
		{"deep.xlsx", "part xl/styles.xml is not valid XML: elements are nested more than 256 deep", "zip bomb"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			ex, err := build(t, dir, "path: "+tc.file)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = readAll(t, ex, 10)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.not) {
				t.Fatalf("error %v, want %q (and not %q)", err, tc.want, tc.not)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

func TestColumnsOption(t *testing.T) {
	dir := t.TempDir()
	one(`<row r="1"><c r="A1" t="inlineStr"><is><t>备注</t></is></c><c r="B1" t="inlineStr"><is><t>备注</t></is></c></row><row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>x</t></is></c></row>`).write(t, dir, "d.xlsx")
	tests := []struct{ cfg, err string }{
		{"", `duplicate column names in the header: "备注" in A and B; name the columns with ` + "`columns: [...]`"},
		{"columns: [note1, note2]", ""},
		{"columns: [only_one]", "the table has 2 columns (A to B: \"备注\", \"备注\") but `columns` lists 1 names"},
	}
	for _, tc := range tests {
		t.Run(tc.cfg, func(t *testing.T) {
			ex, err := build(t, dir, "path: d.xlsx\n"+tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := readAll(t, ex, 10)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res.schema, []string{"note1", "note2"}) || !reflect.DeepEqual(res.header, []string{"备注", "备注"}) ||
				!reflect.DeepEqual(res.rows, [][]any{{int64(1), "x"}}) {
				t.Fatalf("schema %q header %q rows %v", res.schema, res.header, res.rows)
			}
		})
	}
	for _, cfg := range []string{"columns: []", "columns: [a, a]", `columns: [a, ""]`, "types: txt"} {
		if _, err := build(t, dir, "path: d.xlsx\n"+cfg); err == nil {
			t.Errorf("%s: accepted", cfg)
		}
	}
	if _, err := build(t, dir, "path: d.xlsx\ntypes: txt"); err == nil || !strings.Contains(err.Error(), `did you mean "text"`) {
		t.Errorf("types: txt: %v", err)
	}
}

func TestHeaderName(t *testing.T) {
	tests := []struct{ in, want string }{
		{" 姓名 ", "姓名"},
		{"出生\n日期", "出生日期"},
		{"身份证\r\n 号码", "身份证号码"},
		{"Birth\nDate", "Birth Date"},
		{"积分\n(分)", "积分 (分)"},
		{"a\n\nb", "a b"},
	}
	for _, tc := range tests {
		if got := headerName(tc.in); got != tc.want {
			t.Errorf("headerName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Text cells: escapes of ST_Xstring, XML entities, rich text runs and
// phonetic hints, in shared and inline strings.
func TestStringCells(t *testing.T) {
	dir := t.TempDir()
	p := one(`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c><c r="C1" t="inlineStr"><is><t>c</t></is></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><r><t>富</t></r><r><rPr><b/></rPr><t>文本</t></r><rPh><t>ふ</t></rPh></is></c><c r="C2" t="s"><v>1</v></c></row>` +
		`<row r="3"><c r="A3" t="inlineStr"><is><t>x&amp;y&lt;&#x4e2d;&#25991;</t></is></c><c r="B3" t="str"><f>A3</f><v>&quot;q&quot;</v></c><c r="C3" t="s"><v>2</v></c></row>`)
	p.sst = []string{"第一行_x000D_\n第二行", "_x005F_x0041_ and _x0041_", "制表\t符"}
	p.write(t, dir, "s.xlsx")
	res := readWorkbook(t, dir, "path: s.xlsx")
	want := [][]any{
		{"第一行\r\n第二行", "富文本", "_x0041_ and A"},
		{"x&y<中文", `"q"`, "制表\t符"},
	}
	if !reflect.DeepEqual(res.rows, want) {
		t.Fatalf("rows %q, want %q", res.rows, want)
	}
}

// A number cell with more than 15 digits (an ID number typed as a number)
// lost digits in Excel already: the run says so, once per column.
func TestLostDigitsWarning(t *testing.T) {
	dir := t.TempDir()
	one(`<row r="1"><c r="A1" t="inlineStr"><is><t>身份证号</t></is></c></row><row r="2"><c r="A2"><v>1.10101199003071E+17</v></c></row><row r="3"><c r="A3"><v>1.20101199003071E+17</v></c></row>`).write(t, dir, "n.xlsx")
	var log bytes.Buffer
	ex, err := buildLog(t, dir, "path: n.xlsx", &log)
	if err != nil {
		t.Fatal(err)
	}
	res, err := readAll(t, ex, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.rows) != 2 || res.raw[0][0] != "110101199003071000" {
		t.Fatalf("raw %q", res.raw)
	}
	if n := strings.Count(log.String(), "Excel keeps only 15 significant digits"); n != 1 || !strings.Contains(log.String(), "cell=A2") {
		t.Fatalf("%d warnings:\n%s", n, log.String())
	}

	// Large numbers of fewer than 15 significant digits lost nothing.
	one(`<row r="1"><c r="A1" t="inlineStr"><is><t>n</t></is></c></row><row r="2"><c r="A2"><v>1.23456789e+22</v></c></row><row r="3"><c r="A3"><v>-5E+20</v></c></row><row r="4"><c r="A4"><v>1.2345678901234E+16</v></c></row>`).write(t, dir, "big.xlsx")
	log.Reset()
	ex, err = buildLog(t, dir, "path: big.xlsx", &log)
	if err != nil {
		t.Fatal(err)
	}
	res, err = readAll(t, ex, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.rows) != 3 || res.raw[0][0] != "12345678900000000000000" || res.raw[1][0] != "-500000000000000000000" {
		t.Fatalf("raw %q", res.raw)
	}
	if strings.Contains(log.String(), "significant digits") {
		t.Fatalf("a warning for numbers that lost no digits:\n%s", log.String())
	}
}

func TestLostDigits(t *testing.T) {
	for text, want := range map[string]bool{
		"110101199003071000": true, "-110101199003071000": true, "1234567890123460": true,
		"12345678900000000000000": false, "999999999999999": false, "1000000000000000": false,
		"11010119900307": false, "1101011990030700": false, "92.5": false,
	} {
		if got := lostDigits(text); got != want {
			t.Errorf("lostDigits(%s) = %v, want %v", text, got, want)
		}
	}
}

// TestREADMEExample keeps the README's sample configurations valid.
func TestREADMEExample(t *testing.T) {
	md, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(md), "```yaml\n")[1:]
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d yaml blocks, want at least 2", len(blocks))
	}
	for i, part := range blocks {
		block, _, _ := strings.Cut(part, "```")
		if !strings.HasPrefix(block, "source:") {
			block = "source:\n  type: excel\n  path: a.xlsx\n  " + strings.ReplaceAll(strings.TrimRight(block, "\n"), "\n", "\n  ") + "\n"
		}
		root, err := config.Parse("README.md", []byte(block), nil)
		if err != nil {
			t.Fatalf("block %d: %v", i+1, err)
		}
		if _, err := New(root.Get("source"), extract.Env{BaseDir: t.TempDir()}); err != nil {
			t.Errorf("block %d of the README is refused: %v", i+1, err)
		}
	}
}

func TestRegistered(t *testing.T) {
	if _, ok := extract.Lookup("excel"); !ok {
		t.Error(`"excel" is not registered`)
	}
}

// A cell that cannot be read rejects its row naming the table's column and
// field; outside a range it does not matter.
func TestRejectFields(t *testing.T) {
	dir := t.TempDir()
	one(`<row r="1"><c r="A1" t="inlineStr"><is><t>备注</t></is></c><c r="B1" t="inlineStr"><is><t>a</t></is></c><c r="C1" t="inlineStr"><is><t>b</t></is></c></row>`+
		`<row r="2"><c r="A2" t="e"><v>#REF!</v></c><c r="B2"><v>1</v></c><c r="C2" t="e"><v>#N/A</v></c></row>`+
		`<row r="3"><c r="A3" t="e"><v>#REF!</v></c><c r="B3"><v>2</v></c><c r="C3"><v>3</v></c></row>`+
		`<row r="4"><c r="A4" t="e"><v>#REF!</v></c></row>`).write(t, dir, "e.xlsx")
	ex, err := build(t, dir, "path: e.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	res, err := readAll(t, ex, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.rows) != 0 || len(res.rejects) != 3 {
		t.Fatalf("rows %v rejects %+v", res.rows, res.rejects)
	}
	if r := res.rejects[0]; r.Field != 1 || r.Column != "备注" || r.Reason != "cell A2: the cell holds the error #REF!" {
		t.Fatalf("reject %+v", r)
	}
	ex, err = build(t, dir, "path: e.xlsx\nrange: B1:C4")
	if err != nil {
		t.Fatal(err)
	}
	res, err = readAll(t, ex, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.rows, [][]any{{int64(2), int64(3)}}) || len(res.rejects) != 1 ||
		res.rejects[0].Field != 2 || res.rejects[0].Column != "b" || res.rejects[0].Origin.Line != 2 {
		t.Fatalf("rows %v rejects %+v", res.rows, res.rejects)
	}
}

// The excel section of docs/pipeline.md shows a source that builds.
func TestDocsExample(t *testing.T) {
	md, err := os.ReadFile("../../docs/pipeline.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(md), "\n### excel\n")
	if !ok {
		t.Fatal("docs/pipeline.md has no ### excel section")
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || !strings.Contains(block, "type: excel") {
		t.Fatalf("no excel example in the section:\n%s", block)
	}
	root, err := config.Parse("pipeline.md", []byte(block), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(root.Get("source"), extract.Env{BaseDir: t.TempDir()}); err != nil {
		t.Fatalf("the docs example is refused: %v", err)
	}
}

// The reject file shows a cell that cannot be read as it is stored, not
// blank: the error, the number outside Excel's dates, the missing shared
// string's index.
func TestRejectKeepsStoredText(t *testing.T) {
	dir := t.TempDir()
	p := one(`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>` +
		`<row r="2"><c r="A2" t="e"><v>#DIV/0!</v></c><c r="B2"><v>1</v></c></row>` +
		`<row r="3"><c r="A3" s="1"><v>-1.2</v></c><c r="B3" t="s"><v>9</v></c></row>` +
		`<row r="4"><c r="A4" t="b"><v>maybe</v></c><c r="B4" t="e"/></row>`)
	p.xfs = []int{14}
	p.write(t, dir, "r.xlsx")
	ex, err := build(t, dir, "path: r.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	res, err := readAll(t, ex, 10)
	if err != nil {
		t.Fatal(err)
	}
	var raws [][]string
	for _, r := range res.rejects {
		raws = append(raws, r.Raw)
	}
	want := [][]string{{"#DIV/0!", "1"}, {"-1.2", "9"}, {"maybe", ""}}
	if !reflect.DeepEqual(raws, want) {
		t.Fatalf("reject raw %q, want %q", raws, want)
	}
}

// Elapsed-time formats are durations: hours:minutes:seconds, not dates.
func TestDurations(t *testing.T) {
	dir := t.TempDir()
	p := one(`<row r="1"><c r="A1" t="inlineStr"><is><t>工时</t></is></c><c r="B1" t="inlineStr"><is><t>用时</t></is></c></row>` +
		`<row r="2"><c r="A2" s="1"><v>12345.6789</v></c><c r="B2" s="2"><v>0.0625</v></c></row>` +
		`<row r="3"><c r="A3" s="1"><v>-0.25</v></c><c r="B3" s="2"><v>1.5</v></c></row>`)
	p.numFmts = `<numFmt numFmtId="164" formatCode="[mm]:ss"/>`
	p.xfs = []int{46, 164}
	p.write(t, dir, "d.xlsx")
	for _, types := range []string{"auto", "text"} {
		ex, err := build(t, dir, "path: d.xlsx\ntypes: "+types)
		if err != nil {
			t.Fatal(err)
		}
		res, err := readAll(t, ex, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]any{{"296296:17:36.960", "1:30:00"}, {"-6:00:00", "36:00:00"}}
		if !reflect.DeepEqual(res.rows, want) || !reflect.DeepEqual(res.types, []string{"string", "string"}) {
			t.Fatalf("types: %s: rows %q (%v), want %q", types, res.rows, res.types, want)
		}
	}
}

// types: auto reads the sheet once: the first rows are held until the
// columns are typed. A sheet within the sample is typed as a whole; past
// it, a cell that does not fit its column rejects its row, naming why.
func TestTypesFromFirstRows(t *testing.T) {
	dir := t.TempDir()
	var rows strings.Builder
	rows.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>出生日期</t></is></c><c r="B1" t="inlineStr"><is><t>n</t></is></c></row>`)
	for i := 2; i <= 6; i++ {
		rows.WriteString(`<row r="` + itoa(i) + `"><c r="A` + itoa(i) + `" s="1"><v>45352</v></c><c r="B` + itoa(i) + `"><v>` + itoa(i) + `</v></c></row>`)
	}
	rows.WriteString(`<row r="7"><c r="A7" t="inlineStr"><is><t>不详</t></is></c><c r="B7"><v>7.5</v></c></row>`)
	p := one(rows.String())
	p.xfs = []int{14}
	p.write(t, dir, "s.xlsx")

	read := func() result {
		t.Helper()
		ex, err := build(t, dir, "path: s.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		res, err := readAll(t, ex, 2)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := read()
	if !reflect.DeepEqual(res.types, []string{"string", "float"}) || len(res.rows) != 6 || len(res.rejects) != 0 {
		t.Fatalf("whole sheet in the sample: types %v, %d rows, rejects %+v", res.types, len(res.rows), res.rejects)
	}
	// One pass: the sheet's XML is read once in all.
	zr, err := zip.OpenReader(filepath.Join(dir, "s.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	size := int64(zr.File[2].UncompressedSize64)
	zr.Close()
	if ex, _ := build(t, dir, "path: s.xlsx"); ex != nil {
		if _, err := ex.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		if done, total := ex.Progress(); total != size || done != size {
			t.Fatalf("progress %d of %d after Open, for a sheet of %d bytes", done, total, size)
		}
		ex.Close()
	}

	old := sampleRows
	defer func() { sampleRows = old }()
	sampleRows = 3
	res = read()
	if !reflect.DeepEqual(res.types, []string{"date", "int"}) || len(res.rows) != 5 || len(res.rejects) != 1 {
		t.Fatalf("sample of 3 rows: types %v, %d rows, rejects %+v", res.types, len(res.rows), res.rejects)
	}
	r := res.rejects[0]
	want := `cell A7: "不详" does not fit column "出生日期", typed date from the sheet's first 3 data rows (types: auto); write the column's type with cast and set types: text, or correct the cell`
	if r.Reason != want || r.Field != 1 || r.Origin.Line != 7 || !reflect.DeepEqual(r.Raw, []string{"不详", "7.5"}) {
		t.Fatalf("reject %+v, want reason %q", r, want)
	}
	if !reflect.DeepEqual(res.origins[3].Line, 5) || res.rows[4][1] != int64(6) {
		t.Fatalf("the held rows and the rest: origins %v rows %v", res.origins, res.rows)
	}

	// The sample also ends at sampleBytes of text.
	sampleRows = old
	oldBytes := sampleBytes
	defer func() { sampleBytes = oldBytes }()
	sampleBytes = 100 // three rows of two values pass it
	res = read()
	if len(res.rejects) != 1 || !strings.Contains(res.rejects[0].Reason, "typed date from the sheet's first 3 data rows") {
		t.Fatalf("sample of 100 bytes: rejects %+v", res.rejects)
	}
}

// A cell reference that is not a cell, or names another row, rejects its
// row naming the cell; it never moves the value to another column. A row
// without r takes the row of its cells (rows left out before it).
func TestCellReferences(t *testing.T) {
	dir := t.TempDir()
	one(`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>`+
		`<row r="2"><c r="A2"><v>1</v></c><c r="XFD1048577"><v>2</v></c></row>`+
		`<row r="3"><c r="ZZZZZZZZZZZZZZ3"><v>3</v></c><c><v>4</v></c></row>`+
		`<row r="4"><c r="A5"><v>5</v></c></row>`+
		`<row><c r="A7"><v>7</v></c><c r="B7"><v>8</v></c></row>`+
		`<row><c><v>9</v></c></row>`).write(t, dir, "refs.xlsx")
	ex, err := build(t, dir, "path: refs.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	res, err := readAll(t, ex, 10)
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, r := range res.rejects {
		reasons = append(reasons, fmt.Sprintf("%s row %d: %s", r.Origin.Sheet, r.Origin.Line, r.Reason))
	}
	want := []string{
		`Sheet1 row 2: the cell reference "XFD1048577" in row 2 is not a cell (columns run from A to XFD, rows from 1 to 1048576)`,
		`Sheet1 row 3: the cell reference "ZZZZZZZZZZZZZZ3" in row 3 is not a cell (columns run from A to XFD, rows from 1 to 1048576)`,
		`Sheet1 row 4: cell A5 is stored in row 4`,
	}
	if !reflect.DeepEqual(reasons, want) {
		t.Fatalf("rejects:\n%s\nwant:\n%s", strings.Join(reasons, "\n"), strings.Join(want, "\n"))
	}
	var lines []int
	for _, o := range res.origins {
		lines = append(lines, o.Line)
	}
	if !reflect.DeepEqual(res.rows, [][]any{{int64(7), int64(8)}, {int64(9), nil}}) || !reflect.DeepEqual(lines, []int{7, 8}) {
		t.Fatalf("rows %v at lines %v", res.rows, lines)
	}
}
