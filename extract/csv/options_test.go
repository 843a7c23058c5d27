package csv

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestValueAsWritten: issue 12, "the value stored is the value written",
// through the whole source: quoted empty, quotes and spaces, bytes inside
// quotes, dialects, ragged rows, comments, byte order marks, encodings.
func TestValueAsWritten(t *testing.T) {
	type wantReject struct {
		line   int
		reason string
	}
	tests := []struct {
		name    string
		cfg     string
		content string
		rows    [][]any
		rejects []wantReject
		stats   map[string]float64
		openErr string
	}{
		{name: "quoted empty is the empty string", content: "a,b,c\n\"\",,x\n",
			rows: [][]any{{"", nil, "x"}}},
		{name: "quoted_nulls: \"\" is NULL too", cfg: "quoted_nulls: true", content: "a,b,c\n\"\",,x\n",
			rows: [][]any{{nil, nil, "x"}}},
		{name: "a quoted null word is text", cfg: "null_values: ['', NULL]", content: "a,b\n\"NULL\",NULL\n",
			rows: [][]any{{"NULL", nil}}},
		{name: "trim_space never trims inside quotes", cfg: "trim_space: true", content: "a,b\n \" a \" , b \n",
			rows: [][]any{{" a ", "b"}}},
		{name: "CRLF inside quotes is kept", content: "a,b\r\n\"x\r\ny\",z\r\n",
			rows: [][]any{{"x\r\ny", "z"}}},
		{name: "bare quote: a clear reject by default", content: "id,pos\n1,37°36'37.8\"N\n2,ok\n",
			rows:    [][]any{{"2", "ok"}},
			rejects: []wantReject{{2, `malformed CSV at line 2 column 13: bare " in an unquoted field (set lazy_quotes: true to keep such quotes as data)`}}},
		{name: "bare quote with lazy_quotes", cfg: "lazy_quotes: true", content: "id,pos\n1,37°36'37.8\"N\n",
			rows: [][]any{{"1", `37°36'37.8"N`}}},
		{name: "quote: none", cfg: "quote: none", content: "a,b\n\"x,y\"\n",
			rows: [][]any{{`"x`, `y"`}}},
		{name: "comment lines", cfg: "comment: '#'", content: "# exported 2024\na,b\n1,2\n# note\n3,4\n",
			rows: [][]any{{"1", "2"}, {"3", "4"}}},
		{name: "ragged rows are rejected by default", content: "a,b,c\n1\n1,2,3,\n",
			rejects: []wantReject{{2, "row has 1 field, header has 3"}, {3, "row has 4 fields, header has 3"}}},
		{name: "missing_fields: null", cfg: "missing_fields: 'null'", content: "a,b,c\n1\n1,\"\"\n",
			rows: [][]any{{"1", nil, nil}, {"1", "", nil}}, stats: map[string]float64{"short_rows_filled": 2}},
		{name: "extra_fields: drop_empty", cfg: "extra_fields: drop_empty", content: "a,b\n1,2,\n1,2,,\n1,2,3\n",
			rows:    [][]any{{"1", "2"}, {"1", "2"}},
			rejects: []wantReject{{4, "row has 3 fields, header has 2, and field 3 past them is not empty"}},
			stats:   map[string]float64{"long_rows_cut": 2}},
		{name: "extra_fields: drop", cfg: "extra_fields: drop", content: "a,b\n1,2,3\n",
			rows: [][]any{{"1", "2"}}, stats: map[string]float64{"long_rows_cut": 1}},
		{name: "a doubled byte order mark at the start is removed", content: "\uFEFF\uFEFFa,b\n1,2\n",
			rows: [][]any{{"1", "2"}}},
		{name: "a byte order mark anywhere else is data", content: "\uFEFFa,b\n\uFEFF1,x\uFEFF\n",
			rows: [][]any{{"\uFEFF1", "x\uFEFF"}}},
		{name: "format mysql", cfg: "format: mysql", content: "a\tb\tc\n\\N\t\tx\\ty\n",
			rows: [][]any{{nil, "", "x\ty"}}},
		{name: "format mysql with null_values", cfg: "format: mysql\nnull_values: ['']", content: "a\tb\n\\N\t\n",
			rows: [][]any{{nil, nil}}},
		{name: "format postgres", cfg: "format: postgres", content: "a\tb\n\\N\t\\\\N\n\\.\n",
			rows: [][]any{{nil, `\N`}}},
		{name: "PostgreSQL octal escapes that are not UTF-8", cfg: "format: postgres", content: "a\n\\377\n",
			rejects: []wantReject{{2, "escaped bytes in field 1 are not UTF-8 text"}}},
		{name: "max_field_size", cfg: "max_field_size: 4", content: "a,b\n1,12345\n2,ok\n",
			rows: [][]any{{"2", "ok"}}, rejects: []wantReject{{2, "malformed CSV at line 2 column 1: field 2 is longer than max_field_size (4 bytes)"}}},
		// Encodings.
		{name: "latin1 is windows-1252", cfg: "encoding: latin1", content: "name\nh\xe9h\xe9\xb6 \x80\n",
			rows: [][]any{{"héhé¶ €"}}},
		{name: "iso-8859-1", cfg: "encoding: iso-8859-1", content: "name\nh\xe9\x80\n",
			rows: [][]any{{"hé\u0080"}}},
		{name: "big5", cfg: "encoding: big5", content: big5(t, "名稱\n許功蓋\n臺北\n"),
			rows: [][]any{{"許功蓋"}, {"臺北"}}},
		{name: "Excel Unicode text: UTF-16LE, tab, BOM, by auto", cfg: "delimiter: tab", content: utf16le("\uFEFF编号\t姓名\r\n1\t张三\r\n"),
			rows: [][]any{{"1", "张三"}}},
		{name: "utf-16be", cfg: "encoding: utf-16be", content: utf16be("\uFEFFa\n\u4e2d\n"),
			rows: [][]any{{"中"}}},
		{name: "UTF-8 rows in a GBK file are rejected, never mojibake", cfg: "encoding: gbk", content: gbk(t, "id,name\n1,张三\n") + "2,张三\n" + gbk(t, "3,李四\n"),
			rows:    [][]any{{"1", "张三"}, {"3", "李四"}},
			rejects: []wantReject{{3, `field 2 is UTF-8 text ("张三") in a file read as gbk: the file mixes encodings; save every row in one encoding`}}},
		{name: "UTF-8 rows in a file auto decided as GB18030", content: gbk(t, "编号,姓名,住址\n1,张三,天津市河西区友谊路十二号\n2,李四,北京市海淀区中关村大街二十七号\n3,赵六,天津市南开区长江道六十号院三号楼\n4,钱七,天津市和平区南京路一百二十号\n5,孙八,天津市河东区大直沽八号路\n") + "6,王五,上海\n",
			rows:    [][]any{{"1", "张三", "天津市河西区友谊路十二号"}, {"2", "李四", "北京市海淀区中关村大街二十七号"}, {"3", "赵六", "天津市南开区长江道六十号院三号楼"}, {"4", "钱七", "天津市和平区南京路一百二十号"}, {"5", "孙八", "天津市河东区大直沽八号路"}},
			rejects: []wantReject{{7, `field 2 is UTF-8 text ("王五") in a file read as gb18030`}}},
		{name: "too many UTF-8 rows in a GBK file: auto refuses", content: gbk(t, "编号,姓名\n1,张三\n") + "2,王五\n3,李四\n",
			openErr: "cannot tell the encoding of in.csv; set `encoding:` (not UTF-8 (bytes B1 E0 BA C5 at line 1, byte 1); as GB18030 only 6 of 12 non-ASCII characters would be common Chinese characters)"},
		{name: "UTF-8 rows in a windows-1252 file", cfg: "encoding: windows-1252", content: "name\nM\xfcller\nMüller\n",
			rows:    [][]any{{"Müller"}},
			rejects: []wantReject{{3, `field 1 is UTF-8 text ("Müller") in a file read as windows-1252`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"in.csv": tt.content})
			ex, err := build(t, dir, "type: csv\npath: in.csv\n"+tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tt.openErr != "" {
				_, err := ex.Open(context.Background())
				if err == nil || !strings.Contains(err.Error(), tt.openErr) {
					t.Fatalf("Open: %v, want %q", err, tt.openErr)
				}
				return
			}
			res := readAll(t, ex, 2)
			if !reflect.DeepEqual(res.rows, tt.rows) && (len(res.rows) > 0 || len(tt.rows) > 0) {
				t.Errorf("rows %q, want %q", res.rows, tt.rows)
			}
			if len(res.rejects) != len(tt.rejects) {
				t.Fatalf("rejects %+v, want %+v", res.rejects, tt.rejects)
			}
			for i, w := range tt.rejects {
				r := res.rejects[i]
				if r.Origin.Line != w.line || !strings.Contains(r.Reason, w.reason) {
					t.Errorf("reject %d at line %d: %q; want line %d: %q", i, r.Origin.Line, r.Reason, w.line, w.reason)
				}
			}
			got := map[string]float64{}
			for _, st := range ex.Stats() {
				if st.Value != 0 {
					got[st.Name] = st.Value
				}
			}
			if len(got) > 0 || len(tt.stats) > 0 {
				if !reflect.DeepEqual(got, tt.stats) {
					t.Errorf("stats %v, want %v", got, tt.stats)
				}
			}
		})
	}
}

// TestEncodingDecisionIsReported: what encoding: auto decided and why is in
// Describe (the report's "source") once the files are open.
func TestEncodingDecisionIsReported(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"d/a.csv": gbk(t, "编号,姓名\n1,张三\n"),
		"d/b.csv": "编号,姓名\n2,李四\n",
		"d/c.csv": "\xEF\xBB\xBF编号,姓名\n3,王五\n",
	})
	ex, err := build(t, dir, "type: csv\npath: d/*.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	got := ex.Describe()
	for _, w := range []string{
		"encoding auto → gb18030 for d/a.csv: not UTF-8 (bytes B1 E0 BA C5 at line 1, byte 1); as GB18030, 6 of 6 non-ASCII characters are common Chinese characters or punctuation",
		"; utf-8 for d/b.csv: valid UTF-8 (6 non-ASCII characters in the first file)",
		"; utf-8 for d/c.csv: UTF-8 byte order mark",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("Describe() = %s\nwant it to contain %s", got, w)
		}
	}
}
