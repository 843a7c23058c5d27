package csv

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

// build parses cfg (the body of a `source:` mapping, one key per line) and
// calls New with dir as the pipeline's directory.
func build(t testing.TB, dir, cfg string) (*Extractor, error) {
	t.Helper()
	var b strings.Builder
	b.WriteString("source:\n")
	for _, l := range strings.Split(strings.TrimRight(cfg, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	root, err := config.Parse("p.yaml", []byte(b.String()), nil)
	if err != nil {
		t.Fatalf("YAML of the test is wrong: %v", err)
	}
	ex, err := extract.New(root.Get("source"), extract.Env{BaseDir: dir})
	if err != nil {
		return nil, err
	}
	return ex.(*Extractor), nil
}

// result is everything a source produced, batch boundaries flattened.
type result struct {
	schema     []string
	rows       [][]any
	origins    []xcetl.Origin
	raw        [][]string
	rawHeaders [][]string // one per batch
	rejects    []xcetl.Reject
	batches    int
}

// readAll opens ex and reads it to the end with batches of max, checking the
// invariants every batch must keep.
func readAll(t testing.TB, ex *Extractor, max int) result {
	t.Helper()
	ctx := context.Background()
	s, err := ex.Open(ctx)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer ex.Close()
	res := result{schema: s.Names()}
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("Next never returned io.EOF")
		}
		b, err := ex.Next(ctx, max)
		if err == io.EOF {
			if b != nil {
				t.Fatal("a batch returned with io.EOF")
			}
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		checkBatch(t, b, s, max)
		res.batches++
		res.rows = append(res.rows, b.Rows...)
		res.origins = append(res.origins, b.Origin...)
		res.raw = append(res.raw, b.Raw...)
		res.rawHeaders = append(res.rawHeaders, b.RawHeader)
		res.rejects = append(res.rejects, b.Rejects...)
	}
	return res
}

func checkBatch(t testing.TB, b *xcetl.Batch, s *xcetl.Schema, max int) {
	t.Helper()
	if b.Schema != s {
		t.Fatal("batch schema is not the schema Open returned")
	}
	if len(b.Rows)+len(b.Rejects) == 0 {
		t.Fatal("empty batch")
	}
	if len(b.Rows)+len(b.Rejects) > max {
		t.Fatalf("batch has %d rows and %d rejects, max %d", len(b.Rows), len(b.Rejects), max)
	}
	if len(b.Origin) != len(b.Rows) || len(b.Raw) != len(b.Rows) {
		t.Fatalf("rows %d, origins %d, raw %d", len(b.Rows), len(b.Origin), len(b.Raw))
	}
	for i, r := range b.Rows {
		if len(r) != len(s.Columns) || cap(r) != len(s.Columns) {
			t.Fatalf("row %d has len %d cap %d, schema has %d columns", i, len(r), cap(r), len(s.Columns))
		}
		if len(b.Raw[i]) != len(b.RawHeader) {
			t.Fatalf("raw row %d has %d fields, raw header %d", i, len(b.Raw[i]), len(b.RawHeader))
		}
		for _, v := range r {
			if _, ok := v.(string); !ok && v != nil {
				t.Fatalf("row %d holds a %T", i, v)
			}
		}
	}
}

func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func utf16be(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return string(b)
}

func big5(t testing.TB, s string) string {
	t.Helper()
	out, err := traditionalchinese.Big5.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gbk(t testing.TB, s string) string {
	t.Helper()
	out, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("encode %q as GBK: %v", s, err)
	}
	return out
}

func gb18030(t testing.TB, s string) string {
	t.Helper()
	out, err := simplifiedchinese.GB18030.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("encode %q as GB18030: %v", s, err)
	}
	return out
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type wantRow struct {
	line int
	vals []any
}

type wantReject struct {
	line   int
	field  int
	reason string // substring
	raw    []string
}

func TestRead(t *testing.T) {
	// 億 is 0x83 0x7C in GBK: its second byte is '|'. Splitting the raw
	// bytes at '|' would cut it in two.
	if b := gbk(t, "億"); b != "\x83\x7c" {
		t.Fatalf("test premise: 億 in GBK is % x", b)
	}
	gbkPipe := gbk(t, "编号|名称|备注\n1|億元|乗\n2|普通|\n")

	tests := []struct {
		name    string
		cfg     string // keys besides type and path
		content string
		schema  []string
		rows    []wantRow
		rejects []wantReject
	}{
		{
			name:    "utf-8 with header",
			content: "id,name\n1,张三\n2,李四\n",
			schema:  []string{"id", "name"},
			rows:    []wantRow{{2, []any{"1", "张三"}}, {3, []any{"2", "李四"}}},
		},
		{
			name:    "utf-8 BOM is stripped",
			content: "\xEF\xBB\xBFid,name\n1,a\n",
			schema:  []string{"id", "name"},
			rows:    []wantRow{{2, []any{"1", "a"}}},
		},
		{
			// Issue 12: a CRLF inside quotes is stored as written.
			name:    "CRLF line ends; CRLF inside quotes is kept",
			content: "id,name\r\n1,a\r\n2,\"b\r\nc\"\r\n3,d\r\n",
			schema:  []string{"id", "name"},
			rows:    []wantRow{{2, []any{"1", "a"}}, {3, []any{"2", "b\r\nc"}}, {5, []any{"3", "d"}}},
		},
		{
			name:    "quoted_newlines: lf",
			cfg:     "quoted_newlines: lf",
			content: "id,name\r\n2,\"b\r\nc\"\r\n",
			schema:  []string{"id", "name"},
			rows:    []wantRow{{2, []any{"2", "b\nc"}}},
		},
		{
			name:    "quoted delimiters, quotes and line breaks",
			content: "id,text\n1,\"a,b\"\n2,\"say \"\"hi\"\"\"\n3,\"line1\nline2\nline3\"\n4,after\n",
			schema:  []string{"id", "text"},
			rows: []wantRow{{2, []any{"1", "a,b"}}, {3, []any{"2", `say "hi"`}},
				{4, []any{"3", "line1\nline2\nline3"}}, {7, []any{"4", "after"}}},
		},
		{
			name:    "skip_rows counts physical lines; blank lines are skipped",
			cfg:     "skip_rows: 2",
			content: "report \"title\n\"exported, 2024\nid,name\n1,a\n\n2,b\n",
			schema:  []string{"id", "name"},
			rows:    []wantRow{{4, []any{"1", "a"}}, {6, []any{"2", "b"}}},
		},
		{
			name:    "skip_rows with CRLF",
			cfg:     "skip_rows: 1",
			content: "title\r\na,b\r\n1,2\r\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{3, []any{"1", "2"}}},
		},
		{
			name:    "last line without newline",
			content: "a,b\n1,2",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{"1", "2"}}},
		},
		{
			name:    "header only",
			content: "a,b\n",
			schema:  []string{"a", "b"},
		},
		{
			name:    "default null_values: empty cells are null",
			content: "a,b,c\n1,,x\n",
			schema:  []string{"a", "b", "c"},
			rows:    []wantRow{{2, []any{"1", nil, "x"}}},
		},
		{
			name:    "custom null_values replace the default",
			cfg:     `null_values: ["NULL", '\N']`,
			content: "a,b,c\n,NULL,\\N\n",
			schema:  []string{"a", "b", "c"},
			rows:    []wantRow{{2, []any{"", nil, nil}}},
		},
		{
			name:    "empty null_values: nothing is null",
			cfg:     "null_values: []",
			content: "a,b\n,NULL\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{"", "NULL"}}},
		},
		{
			name:    "trim_space",
			cfg:     "trim_space: true",
			content: "a , b\n 1 , \"x, y\"\n  ,2\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{"1", "x, y"}}, {3, []any{nil, "2"}}},
		},
		{
			name:    "without trim_space cells keep their spaces",
			content: "a,b\n 1 ,x \n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{" 1 ", "x "}}},
		},
		{
			name:    "ragged rows are rejected",
			content: "a,b,c\n1,2,3\n1,2\n1,2,3,4\n4,5,6\n",
			schema:  []string{"a", "b", "c"},
			rows:    []wantRow{{2, []any{"1", "2", "3"}}, {5, []any{"4", "5", "6"}}},
			rejects: []wantReject{
				{3, 0, "row has 2 fields, header has 3", []string{"1", "2"}},
				{4, 0, "row has 4 fields, header has 3", []string{"1", "2", "3", "4"}},
			},
		},
		{
			name:    "invalid UTF-8 is rejected",
			cfg:     "encoding: utf-8",
			content: "a,b\n1,x\xffy\n2,z\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{3, []any{"2", "z"}}},
			rejects: []wantReject{{2, 2, "undecodable bytes for encoding utf-8 in field 2", []string{"1", "x\xffy"}}},
		},
		{
			name:    "bare quote is one reject, reading goes on",
			content: "a,b\n1,x\"y\n2,z\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{3, []any{"2", "z"}}},
			rejects: []wantReject{{2, 2, `malformed CSV at line 2 column 4: bare " in an unquoted field (set lazy_quotes: true to keep such quotes as data)`, nil}},
		},
		{
			name:    "text after a closing quote",
			content: "a,b\n1,\"x\"y\n2,z\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{3, []any{"2", "z"}}},
			rejects: []wantReject{{2, 2, `malformed CSV at line 2 column 6: text after the closing " of a quoted field`, nil}},
		},
		{
			name:    "unterminated quote swallows to the end: one reject",
			content: "a,b\n0,ok\n1,\"open\n2,z\n3,w\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{"0", "ok"}}},
			rejects: []wantReject{{3, 2, `malformed CSV at line 3 column 3: the " opened here is never closed`, nil}},
		},
		{
			name:    "header false with columns",
			cfg:     "header: false\ncolumns: [id, name]",
			content: "1,a\n2,b\n3\n",
			schema:  []string{"id", "name"},
			rows:    []wantRow{{1, []any{"1", "a"}}, {2, []any{"2", "b"}}},
			rejects: []wantReject{{3, 0, "row has 1 field, columns lists 2", []string{"3"}}},
		},
		{
			name:    "header false with skip_rows",
			cfg:     "header: false\ncolumns: [id]\nskip_rows: 3",
			content: "x\ny\nz\n1\n",
			schema:  []string{"id"},
			rows:    []wantRow{{4, []any{"1"}}},
		},
		{
			name:    "columns rename the header",
			cfg:     "columns: [id, name]",
			content: "编号,姓名\n1,a\n",
			schema:  []string{"id", "name"},
			rows:    []wantRow{{2, []any{"1", "a"}}},
		},
		{
			name:    "columns rename a header with duplicate names",
			cfg:     "columns: [a, b, c]",
			content: "x,备注,备注\n1,2,3\n",
			schema:  []string{"a", "b", "c"},
			rows:    []wantRow{{2, []any{"1", "2", "3"}}},
		},
		{
			name:    "header names are trimmed, empty ones named column_N",
			content: "  id , ,name\n1,2,3\n",
			schema:  []string{"id", "column_2", "name"},
			rows:    []wantRow{{2, []any{"1", "2", "3"}}},
		},
		{
			name:    `delimiter "\t" (a TAB in double quotes)`,
			cfg:     `delimiter: "\t"`,
			content: "a\tb\n1\t\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{"1", nil}}},
		},
		{
			name:    `delimiter '\t' (backslash t)`,
			cfg:     `delimiter: '\t'`,
			content: "a\tb\n1\tx,y\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{"1", "x,y"}}},
		},
		{
			name:    "delimiter tab with trim_space keeps empty fields",
			cfg:     "delimiter: tab\ntrim_space: true",
			content: "a\tb\tc\n 1 \t\t3\n",
			schema:  []string{"a", "b", "c"},
			rows:    []wantRow{{2, []any{"1", nil, "3"}}},
		},
		{
			name:    "delimiter ;",
			cfg:     `delimiter: ";"`,
			content: "a;b\n1,5;2\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{"1,5", "2"}}},
		},
		{
			name:    "multi-byte delimiter character",
			cfg:     `delimiter: "，"`,
			content: "a，b\n1，\"x，y\"\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{"1", "x，y"}}},
		},
		{
			name:    "quote '",
			cfg:     `quote: "'"`,
			content: "a,b\n1,'x,y'\n2,'it''s'\n3,say \"hi\"\n4,'multi\nline'\n5,z\n",
			schema:  []string{"a", "b"},
			rows: []wantRow{{2, []any{"1", "x,y"}}, {3, []any{"2", "it's"}}, {4, []any{"3", `say "hi"`}},
				{5, []any{"4", "multi\nline"}}, {7, []any{"5", "z"}}},
		},
		{
			name:    "quote ' with delimiter \"",
			cfg:     "quote: \"'\"\ndelimiter: '\"'",
			content: "a\"b\n1\"'x\"y'\n",
			schema:  []string{"a", "b"},
			rows:    []wantRow{{2, []any{"1", `x"y`}}},
		},
		{
			name:    "GBK: a trail byte equal to the delimiter does not split the field",
			cfg:     "encoding: gbk\ndelimiter: '|'",
			content: gbkPipe,
			schema:  []string{"编号", "名称", "备注"},
			rows:    []wantRow{{2, []any{"1", "億元", "乗"}}, {3, []any{"2", "普通", nil}}},
		},
		{
			name:    "auto detects GBK (read as GB18030)",
			cfg:     "delimiter: '|'",
			content: gbk(t, "编号|名称|备注\n1|天津市|和平区\n2|普通|\n"),
			schema:  []string{"编号", "名称", "备注"},
			rows:    []wantRow{{2, []any{"1", "天津市", "和平区"}}, {3, []any{"2", "普通", nil}}},
		},
		{
			// 億 is 83 7C and 乗 81 7C: the second byte is '|'.
			name:    "GBK characters whose second byte is the delimiter",
			cfg:     "delimiter: '|'\nencoding: gbk",
			content: gbkPipe,
			schema:  []string{"编号", "名称", "备注"},
			rows:    []wantRow{{2, []any{"1", "億元", "乗"}}, {3, []any{"2", "普通", nil}}},
		},
		{
			name:    "GB18030 four-byte characters, multi-line field, line numbers",
			cfg:     "encoding: gb18030",
			content: gb18030(t, "姓名,地址\n𠀀,\"天津市\n和平区\"\n李四,€\n"),
			schema:  []string{"姓名", "地址"},
			rows:    []wantRow{{2, []any{"𠀀", "天津市\n和平区"}}, {4, []any{"李四", "€"}}},
		},
		{
			name:    "GB18030 byte order mark is stripped",
			cfg:     "encoding: gb18030",
			content: gb18030(t, "\uFEFF名,b\n1,2\n"),
			schema:  []string{"名", "b"},
			rows:    []wantRow{{2, []any{"1", "2"}}},
		},
		{
			name:    "GBK undecodable bytes are rejected",
			cfg:     "encoding: gbk",
			content: gbk(t, "名,城市\n1,天津\n") + "2,x\xffy\n" + gbk(t, "3,北京\n"),
			schema:  []string{"名", "城市"},
			rows:    []wantRow{{2, []any{"1", "天津"}}, {4, []any{"3", "北京"}}},
			rejects: []wantReject{{3, 2, "undecodable bytes for encoding gbk in field 2", []string{"2", "x\uFFFDy"}}},
		},
		{
			name:    "UTF-8 after the sniffed prefix is still validated",
			content: "a\n" + strings.Repeat("x\n", sniffSize/2) + "\xff\n",
			schema:  []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"in.csv": tt.content})
			ex, err := build(t, dir, "type: csv\npath: in.csv\n"+tt.cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			res := readAll(t, ex, 100)
			if !reflect.DeepEqual(res.schema, tt.schema) {
				t.Errorf("schema %q, want %q", res.schema, tt.schema)
			}
			if strings.HasPrefix(tt.name, "UTF-8 after") {
				// Only the end matters here: 2^19 rows and one reject.
				if len(res.rejects) != 1 || res.rejects[0].Origin.Line != sniffSize/2+2 ||
					!strings.Contains(res.rejects[0].Reason, "undecodable bytes for encoding utf-8 in field 1 (encoding auto chose it") {
					t.Fatalf("rejects %+v", res.rejects)
				}
				return
			}
			if len(res.rows) != len(tt.rows) {
				t.Fatalf("got %d rows %q, want %d; rejects %+v", len(res.rows), res.rows, len(tt.rows), res.rejects)
			}
			for i, w := range tt.rows {
				if !reflect.DeepEqual(res.rows[i], w.vals) {
					t.Errorf("row %d = %#v, want %#v", i, res.rows[i], w.vals)
				}
				if res.origins[i].Line != w.line || res.origins[i].File != "in.csv" {
					t.Errorf("row %d origin %+v, want line %d of in.csv", i, res.origins[i], w.line)
				}
			}
			if len(res.rejects) != len(tt.rejects) {
				t.Fatalf("got %d rejects %+v, want %d", len(res.rejects), res.rejects, len(tt.rejects))
			}
			for i, w := range tt.rejects {
				r := res.rejects[i]
				if r.Origin.Line != w.line || r.Field != w.field || !strings.Contains(r.Reason, w.reason) {
					t.Errorf("reject %d = line %d field %d %q, want line %d field %d %q",
						i, r.Origin.Line, r.Field, r.Reason, w.line, w.field, w.reason)
				}
				if !reflect.DeepEqual(r.Raw, w.raw) {
					t.Errorf("reject %d raw %q, want %q", i, r.Raw, w.raw)
				}
				if r.Origin.File != "in.csv" {
					t.Errorf("reject %d file %q", i, r.Origin.File)
				}
			}
			// Record numbers: every record once, in order, rows and
			// rejects together.
			var recs []int64
			for _, o := range res.origins {
				recs = append(recs, o.Record)
			}
			for _, r := range res.rejects {
				recs = append(recs, r.Origin.Record)
			}
			seen := map[int64]bool{}
			for _, r := range recs {
				if r < 1 || r > int64(len(recs)) || seen[r] {
					t.Fatalf("record numbers %v are not 1..%d", recs, len(recs))
				}
				seen[r] = true
			}
		})
	}
}

func TestRawAndRawHeader(t *testing.T) {
	tests := []struct {
		name, cfg, content string
		rawHeader          []string
		raw                []string
	}{
		{"header as read", "", " id ,\n1,\n", []string{" id ", ""}, []string{"1", ""}},
		{"header false: the columns", "header: false\ncolumns: [x, y]", "1,2\n", []string{"x", "y"}, []string{"1", "2"}},
		// trim_space drops leading spaces while splitting (so that `a, "b"`
		// is a quoted field); trailing ones stay in Raw.
		{"raw under trim_space", "trim_space: true", "a\n  v  \n", []string{"a"}, []string{"v"}},
		{"raw without trim_space", "", "a\n  v  \n", []string{"a"}, []string{"  v  "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"in.csv": tt.content})
			ex, err := build(t, dir, "type: csv\npath: in.csv\n"+tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			res := readAll(t, ex, 10)
			if !reflect.DeepEqual(res.rawHeaders[0], tt.rawHeader) || !reflect.DeepEqual(res.raw[0], tt.raw) {
				t.Errorf("raw header %q raw %q, want %q %q", res.rawHeaders[0], res.raw[0], tt.rawHeader, tt.raw)
			}
		})
	}
}

func TestBatches(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"in.csv": "a,b\n1,2\n3,4\nbad\n5,6\n7,8\n"})
	ex, err := build(t, dir, "type: csv\npath: in.csv")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := ex.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	var sizes [][2]int
	for {
		b, err := ex.Next(ctx, 2)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, [2]int{len(b.Rows), len(b.Rejects)})
		if len(b.Rows) == 2 {
			// Rows are full slices: growing one must not overwrite the next.
			_ = append(b.Rows[0], "grown")
			if b.Rows[1][0] == "grown" {
				t.Fatal("rows share capacity")
			}
		}
	}
	want := [][2]int{{2, 0}, {1, 1}, {1, 0}}
	if !reflect.DeepEqual(sizes, want) {
		t.Errorf("batches (rows, rejects) %v, want %v", sizes, want)
	}
}

func TestGlob(t *testing.T) {
	t.Run("lexical order, relative names, records per file, one file per batch", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"data/x-9.csv":      "id,name\n9,i\n",
			"data/x-10.csv":     "id,name\n10,j\n11,k\n",
			"data/x-1.csv":      "id,name\n1,a\n",
			"data/x-dir.csv/ok": "not read",
			"data/y-1.csv":      "other,header\n",
		})
		ex, err := build(t, dir, "type: csv\npath: data/x-*.csv")
		if err != nil {
			t.Fatal(err)
		}
		res := readAll(t, ex, 100)
		var got []string
		for i, o := range res.origins {
			got = append(got, o.File+":"+res.rows[i][0].(string))
			if o.Line != int(o.Record)+1 {
				t.Errorf("origin %+v: line should be record+1", o)
			}
		}
		want := []string{"data/x-1.csv:1", "data/x-10.csv:10", "data/x-10.csv:11", "data/x-9.csv:9"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rows %v, want %v", got, want)
		}
		if res.batches != 3 {
			t.Errorf("%d batches, want one per file", res.batches)
		}
	})
	t.Run("same names in another order are mapped to the first file's", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"a.csv": "id,name,phone\n1,a,p1\n",
			"b.csv": "name, phone ,id\nb,p2,2\nc,p3\n",
		})
		ex, err := build(t, dir, "type: csv\npath: '*.csv'\ncolumns: [ID, NAME, PHONE]")
		if err != nil {
			t.Fatal(err)
		}
		res := readAll(t, ex, 100)
		want := [][]any{{"1", "a", "p1"}, {"2", "b", "p2"}}
		if !reflect.DeepEqual(res.rows, want) {
			t.Errorf("rows %q, want %q", res.rows, want)
		}
		if !reflect.DeepEqual(res.raw[1], []string{"2", "b", "p2"}) || !reflect.DeepEqual(res.rawHeaders[1], []string{"id", "name", "phone"}) {
			t.Errorf("raw %q under header %q: want the first file's order", res.raw[1], res.rawHeaders[1])
		}
		if len(res.rejects) != 1 || res.rejects[0].Origin.File != "b.csv" || res.rejects[0].Origin.Line != 3 {
			t.Errorf("rejects %+v", res.rejects)
		}
	})
	t.Run("an undecodable field of a reordered file names the schema column", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"a.csv": "id,name\n1,a\n",
			"b.csv": "name,id\nx\xff,2\n",
		})
		ex, err := build(t, dir, "type: csv\npath: '*.csv'\nencoding: utf-8")
		if err != nil {
			t.Fatal(err)
		}
		res := readAll(t, ex, 100)
		if len(res.rejects) != 1 {
			t.Fatalf("rejects %+v", res.rejects)
		}
		r := res.rejects[0]
		if r.Column != "name" || r.Field != 2 || !reflect.DeepEqual(r.Raw, []string{"2", "x\xff"}) || !strings.Contains(r.Reason, "in field 1") {
			t.Errorf("reject %+v", r)
		}
	})
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"different names", map[string]string{"a.csv": "id,name\n", "b.csv": "id,phone\n"},
			[]string{"file b.csv: header differs from file a.csv", `missing "name"`, `not in a.csv: "phone"`}},
		{"an extra column", map[string]string{"a.csv": "id\n", "b.csv": "id,phone\n"},
			[]string{"file b.csv: header differs from file a.csv", `"phone"`}},
		{"duplicates in another order", map[string]string{"a.csv": "a,a,b\n", "b.csv": "a,b,a\n"},
			[]string{"file b.csv", "another order", "duplicate"}},
	} {
		t.Run("mismatch: "+tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			cfg := "type: csv\npath: '*.csv'"
			if strings.Contains(tt.files["a.csv"], "a,a") {
				cfg += "\ncolumns: [x, y, z]"
			}
			ex, err := build(t, dir, cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ex.Open(context.Background())
			if err == nil {
				t.Fatal("Open succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	t.Run("a file changed after Open fails at Next", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"a.csv": "id\n1\n", "b.csv": "id\n2\n"})
		ex, err := build(t, dir, "type: csv\npath: '*.csv'")
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := ex.Open(ctx); err != nil {
			t.Fatal(err)
		}
		defer ex.Close()
		writeFiles(t, dir, map[string]string{"b.csv": "code\n2\n"})
		if _, err := ex.Next(ctx, 10); err != nil {
			t.Fatal(err)
		}
		if _, err := ex.Next(ctx, 10); err == nil || !strings.Contains(err.Error(), "header differs") {
			t.Fatalf("second Next: %v", err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		cfg   string
		files map[string]string
		want  string
	}{
		{"no file matches", "data/x-*.csv", "", nil, `csv source: no file matches "data/x-*.csv"`},
		{"missing file", "in.csv", "", nil, "csv source: file in.csv does not exist"},
		{"a directory", "data", "", map[string]string{"data/a.csv": "a\n"}, "data is a directory"},
		{"empty file", "in.csv", "", map[string]string{"in.csv": ""}, "file in.csv: no header line (the file is empty)"},
		{"skip_rows past the end", "in.csv", "skip_rows: 5", map[string]string{"in.csv": "a\nb\n"}, "nothing left after skipping 2 lines"},
		{"duplicate header names", "in.csv", "", map[string]string{"in.csv": "a,b, a\n"}, `duplicate column names in the header: "a" (fields 1 and 3)`},
		{"columns count differs from the header", "in.csv", "columns: [x, y]", map[string]string{"in.csv": "a,b,c\n"}, "the header has 3 fields but `columns` lists 2 names"},
		{"UTF-16 byte order mark with another encoding", "in.csv", "encoding: gbk", map[string]string{"in.csv": "\xFF\xFEa\x00"}, "file in.csv starts with a UTF-16LE byte order mark, but encoding is gbk; set encoding: utf-16le (or auto)"},
		{"utf-16 without a byte order mark", "in.csv", "encoding: utf-16", map[string]string{"in.csv": "a\x00"}, "file in.csv has no UTF-16 byte order mark; set encoding: utf-16le or utf-16be"},
		// Issue 12: encoding: auto stored a Latin-1 héhé¶ as h閔槎, status ok.
		{"auto refuses Latin-1", "in.csv", "", map[string]string{"in.csv": "name\nh\xE9h\xE9\xB6\n"}, "cannot tell the encoding of in.csv; set `encoding:` (not UTF-8 (bytes E9 68 E9 B6 at line 2, byte 2); as GB18030 only 1 of 2 non-ASCII characters would be common Chinese characters"},
		{"undecodable header", "in.csv", "encoding: utf-8", map[string]string{"in.csv": "a,\xC4\xFA\n"}, "file in.csv line 1: header field 2 has undecodable bytes for encoding utf-8"},
		{"malformed header", "in.csv", "skip_rows: 1", map[string]string{"in.csv": "x\na,b\"c\n"}, "file in.csv line 2: cannot read the header: malformed CSV at line 2 column 4"},
		{"second file of a glob is empty", "*.csv", "", map[string]string{"a.csv": "a\n", "b.csv": ""}, "file b.csv: no header line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			ex, err := build(t, dir, "type: csv\npath: '"+tt.path+"'\n"+tt.cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			_, err = ex.Open(context.Background())
			if err == nil {
				ex.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if errors.Is(err, xcetl.ErrInvalid) {
				t.Errorf("a data problem is reported as an invalid pipeline: %v", err)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  string // after "type: csv" on line 2
		want []string
	}{
		{"unknown encoding", "path: a.csv\nencoding: latin9", []string{`p.yaml:4:13: source.encoding: unknown encoding "latin9"`}},
		{"encoding typo", "path: a.csv\nencoding: utf-9", []string{`p.yaml:4:13: source.encoding: unknown encoding "utf-9" (did you mean "utf-8"?)`}},
		{"multi-character delimiter", "path: a.csv\ndelimiter: ',;'", []string{`p.yaml:4:14: source.delimiter: delimiter must be a single character, got ",;"`}},
		{"empty delimiter", "path: a.csv\ndelimiter: ''", []string{`p.yaml:4`, "single character"}},
		{"line break delimiter", "path: a.csv\ndelimiter: \"\\n\"", []string{`p.yaml:4`, "line break"}},
		{"negative skip_rows", "path: a.csv\nskip_rows: -1", []string{`p.yaml:4:14: source.skip_rows: skip_rows must be at least 0, not -1`}},
		{"skip_rows not a number", "path: a.csv\nskip_rows: two", []string{`p.yaml:4`, "expected a whole number"}},
		{"header false without columns", "path: a.csv\nheader: false", []string{"p.yaml:4:11: source.header: header: false needs `columns`"}},
		{"duplicate columns", "path: a.csv\nheader: false\ncolumns:\n  - id\n  - name\n  - id", []string{`p.yaml:8:7: source.columns[2]: duplicate column name "id" (also columns[0])`}},
		{"empty column name", "path: a.csv\ncolumns: [id, '']", []string{`p.yaml:4`, "column name must not be empty"}},
		{"empty null_values", "path: a.csv\nnull_values:", []string{`p.yaml:4`, "null_values is empty"}},
		{"empty quote", "path: a.csv\nquote: ''", []string{`p.yaml:4`, "quote is empty; write one character, or none"}},
		{"quote with format postgres", "path: a.csv\nformat: postgres\nquote: '\"'", []string{`p.yaml:5`, "format postgres is COPY's text format, which has no quotes"}},
		{"bad max_field_size", "path: a.csv\nmax_field_size: 12XB", []string{`p.yaml:4`, `max_field_size "12XB" is not a size`}},
		{"comment of two characters", "path: a.csv\ncomment: '//'", []string{`p.yaml:4`, "comment must be one ASCII character"}},
		{"unknown missing_fields", "path: a.csv\nmissing_fields: fill", []string{`p.yaml:4`, `unknown missing_fields "fill" (did you mean "null"?); one of: reject, null`}},
		{"incremental mapping", "path: a.csv\nincremental: {column: id}", []string{`p.yaml:4`, "a csv source takes `incremental: files`"}},
		{"bad quote", "path: a.csv\nquote: \"''\"", []string{`p.yaml:4`, "quote must be a single ASCII character or none"}},
		{"delimiter equals quote", "path: a.csv\ndelimiter: \"'\"\nquote: \"'\"", []string{`p.yaml:5:10: source.quote: delimiter and quote are both "'"`}},
		{"quote equals the default delimiter", "path: a.csv\nquote: ','", []string{`p.yaml:4:10: source.quote: delimiter and quote are both ","`}},
		{"unknown key", "path: a.csv\ndelimeter: ';'", []string{`p.yaml:4:3: source.delimeter: unknown key "delimeter" (did you mean "delimiter"?)`}},
		{"missing path", "encoding: gbk", []string{`missing required key "path"`}},
		{"empty path", "path: ''", []string{"p.yaml:3", "path must not be empty"}},
		{"bad glob", "path: 'data/[x.csv'", []string{"p.yaml:3", "not a valid glob pattern"}},
		{"every problem at once, in file order", "path: a.csv\nencoding: x\ndelimiter: ab\nskip_rows: -2\nheader: false\nbogus: 1\nquote: ab",
			[]string{"p.yaml:4:13: source.encoding: unknown encoding \"x\"", "\np.yaml:5:14: source.delimiter", "\np.yaml:6:14: source.skip_rows",
				"\np.yaml:7:11: source.header", "\np.yaml:8:3: source.bogus: unknown key", "\np.yaml:9:10: source.quote"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := build(t, t.TempDir(), "type: csv\n"+tt.cfg)
			if err == nil {
				t.Fatal("New succeeded")
			}
			var se xcetl.SpecErrors
			if !errors.As(err, &se) || !errors.Is(err, xcetl.ErrInvalid) {
				t.Fatalf("error %v (%T) is not xcetl.SpecErrors", err, err)
			}
			last := -1
			for _, w := range tt.want {
				i := strings.Index(err.Error(), w)
				if i < 0 {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				} else if i < last {
					t.Errorf("error\n%v\nis not in file order at %q", err, w)
				}
				last = i
			}
		})
	}
}

func TestNewTouchesNoFile(t *testing.T) {
	ex, err := build(t, t.TempDir(), "type: csv\npath: nowhere/none-*.csv\nencoding: UTF8\nheader: no\ncolumns: [a]")
	if err != nil {
		t.Fatalf("New looked at files or refused valid settings: %v", err)
	}
	if ex.st.encoding != "utf-8" || ex.st.header {
		t.Errorf("settings %+v", ex.st)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct{ cfg, want string }{
		{"path: data/residents-*.csv", `csv data/residents-*.csv (encoding auto, delimiter ",")`},
		{"path: a.tsv\ndelimiter: tab\nencoding: GBK\nskip_rows: 2", `csv a.tsv (encoding gbk, delimiter "\t", skip_rows 2)`},
		{"path: a.csv\nheader: false\ncolumns: [a, b]\nquote: \"'\"", `csv a.csv (encoding auto, delimiter ",", quote "'", no header, columns [a b])`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			ex, err := build(t, t.TempDir(), "type: csv\n"+tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := ex.Describe(); got != tt.want {
				t.Errorf("Describe() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	zh := "姓名,城市\n张三,天津\n"
	tests := []struct {
		name     string
		head     []byte
		complete bool
		want     string
		reason   string // a part of the reason
		suggest  string
	}{
		{"empty", nil, true, "utf-8", "only ASCII", ""},
		{"ASCII", []byte("a,b\n1,2\n"), true, "utf-8", "only ASCII in the first file", ""},
		{"UTF-8", []byte(zh), true, "utf-8", "valid UTF-8 (8 non-ASCII characters", ""},
		{"UTF-8 BOM", append([]byte("\xEF\xBB\xBF"), "a"...), true, "utf-8", "UTF-8 byte order mark", ""},
		{"UTF-16LE BOM", []byte("\xFF\xFEa\x00"), true, "utf-16le", "UTF-16LE byte order mark", ""},
		{"UTF-16BE BOM", []byte("\xFE\xFF\x00a"), true, "utf-16be", "UTF-16BE byte order mark", ""},
		{"GB18030 BOM", []byte("\x84\x31\x95\x33a"), true, "gb18030", "GB18030 byte order mark", ""},
		{"UTF-8 cut inside the last character", []byte(zh)[:len("姓名,城市\n张三,天")+2], false, "utf-8", "valid UTF-8", ""},
		{"UTF-8 cut after the first byte", []byte("ab\xE5"), false, "utf-8", "valid UTF-8", ""},
		{"UTF-8 cut at the end of a whole file", []byte("ab\xE5"), true, "", "not UTF-8 (bytes E5 at line 1, byte 3)", "windows-1252"},
		{"GBK", []byte(gbk(t, zh)), true, "gb18030", "8 of 8 non-ASCII characters are common Chinese", ""},
		{"GBK cut inside the last character", []byte(gbk(t, zh))[:5], false, "gb18030", "as GB18030", ""},
		// Issue 12: a Latin-1 héhé¶ was stored as h閔槎.
		{"Latin-1", []byte("name\nh\xE9h\xE9\xB6\n"), true, "", "only 1 of 2 non-ASCII characters", "windows-1252"},
		{"Latin-1 words", []byte("city,name\nZ\xFCrich,M\xFCller\nK\xF6ln,G\xF6the\n"), true, "", "such as windows-1252 (Latin-1): \"Zürich,Müller\"", "windows-1252"},
		{"Big5", []byte(big5(t, "姓名,城市\n張三,臺北\n陳小明,高雄\n")), true, "", "as Big5", "big5"},
		{"invalid byte at the end", []byte("ab\xFF"), true, "", "not UTF-8 (bytes FF", "windows-1252"},
		{"GBK with a few UTF-8 rows is still GBK", []byte(gbk(t, strings.Repeat("张三,天津市河西区\n", 20)) + "张三,天津\n"), true, "gb18030", "common Chinese", ""},
		{"UTF-8 and GBK half and half", []byte(gbk(t, strings.Repeat("张三,天津\n", 5)) + strings.Repeat("李四,北京\n", 5)), true, "", "would be common Chinese", ""},
		{"UTF-16LE without BOM", []byte("a\x00,\x00b\x00\n\x00"), true, "", "all at odd offsets: UTF-16LE", "utf-16le"},
		{"NUL bytes", []byte("a,b\n\x00\x00\x00x\n"), true, "", "3 NUL bytes (the first at line 2, byte 1): not text", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Sniff(tt.head, tt.complete)
			if d.Encoding != tt.want || !strings.Contains(d.Reason, tt.reason) || d.Suggest != tt.suggest {
				t.Errorf("Sniff(% x) = %+v, want %q with reason containing %q, suggest %q", tt.head, d, tt.want, tt.reason, tt.suggest)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	dir := t.TempDir()
	var big bytes.Buffer
	big.WriteString("a,b\n")
	for i := 0; i < 50000; i++ {
		big.WriteString("1234567890,abcdefghij\n")
	}
	writeFiles(t, dir, map[string]string{"a.csv": big.String(), "b.csv": "a,b\n1,2\n"})
	ex, err := build(t, dir, "type: csv\npath: '*.csv'")
	if err != nil {
		t.Fatal(err)
	}
	total := int64(big.Len() + len("a,b\n1,2\n"))
	if d, tot := ex.Progress(); d != 0 || tot != 0 {
		t.Errorf("before Open: %d/%d", d, tot)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var last int64
	go func() { // Progress is read from another goroutine while Next runs.
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				d, tot := ex.Progress()
				if d < last || d > tot {
					t.Errorf("progress %d/%d after %d", d, tot, last)
					return
				}
				last = d
			}
		}
	}()
	ctx := context.Background()
	if _, err := ex.Open(ctx); err != nil {
		t.Fatal(err)
	}
	var mid []int64
	for {
		b, err := ex.Next(ctx, 1000)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		_ = b
		d, _ := ex.Progress()
		mid = append(mid, d)
	}
	close(stop)
	wg.Wait()
	ex.Close()
	if d, tot := ex.Progress(); d != total || tot != total {
		t.Errorf("at the end: %d/%d, want %d/%d", d, tot, total, total)
	}
	if len(mid) < 10 || mid[0] >= total/2 {
		t.Errorf("progress did not grow gradually: %v", mid)
	}
}

func TestContextCanceled(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"in.csv": "a\n1\n"})
	ex, err := build(t, dir, "type: csv\npath: in.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ex.Next(ctx, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with a canceled context: %v", err)
	}
}

func TestLifecycleMisuse(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"in.csv": "a\n1\n"})
	ex, err := build(t, dir, "type: csv\npath: in.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Next(context.Background(), 1); err == nil {
		t.Error("Next before Open succeeded")
	}
	if _, err := ex.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := ex.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ex.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := ex.Next(context.Background(), 1); err == nil {
		t.Error("Next after Close succeeded")
	}
}

// TestREADMEExample keeps the README's sample configuration valid.
func TestREADMEExample(t *testing.T) {
	md, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(md), "```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no yaml block")
	}
	root, err := config.Parse("README.md", []byte(block), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := extract.New(root.Get("source"), extract.Env{BaseDir: t.TempDir()}); err != nil {
		t.Errorf("the README's example is refused: %v", err)
	}
}

func TestRegistered(t *testing.T) {
	if _, ok := extract.Lookup("csv"); !ok {
		t.Error(`"csv" is not registered`)
	}
}

// TestReadmeOptions: every option example of README.md is accepted: a
// `source:` block as a whole, other blocks line by line.
func TestReadmeOptions(t *testing.T) {
	md, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(md), "```yaml\n")[1:]
	if len(blocks) < 10 {
		t.Fatalf("only %d yaml blocks", len(blocks))
	}
	for _, blk := range blocks {
		blk, _, _ = strings.Cut(blk, "```")
		var cfgs []string
		for _, line := range strings.Split(strings.TrimSpace(blk), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") || strings.TrimSpace(line) == "" {
				continue
			}
			if rest, ok := strings.CutPrefix(line, "source: "); ok {
				cfgs = append(cfgs, "source: "+rest)
			} else if strings.HasPrefix(line, "source:") {
				cfgs = append(cfgs, blk)
				break
			} else if !strings.HasPrefix(line, " ") {
				cfgs = append(cfgs, "source: {type: csv, path: a.csv}\n"+line)
			}
		}
		for _, c := range cfgs {
			if !strings.HasPrefix(c, "source: {type: csv, path: a.csv}\n") {
				root, err := config.Parse("README.md", []byte(c), nil)
				if err != nil {
					t.Errorf("%s: %v", c, err)
					continue
				}
				if _, err := extract.New(root.Get("source"), extract.Env{BaseDir: t.TempDir()}); err != nil {
					t.Errorf("README example refused:\n%s\n%v", c, err)
				}
				continue
			}
			line := strings.TrimPrefix(c, "source: {type: csv, path: a.csv}\n")
			cfg := "type: csv\npath: a.csv\n" + line + headerFor(line)
			if strings.HasPrefix(line, "path:") {
				cfg = "type: csv\n" + line
			}
			if _, err := build(t, t.TempDir(), cfg); err != nil {
				t.Errorf("README option %q refused: %v", line, err)
			}
		}
	}
}

// headerFor adds the columns an example of header: false needs.
func headerFor(line string) string {
	if strings.Contains(line, "header: false") {
		return "\ncolumns: [a]"
	}
	return ""
}

// TestPipelineDoc: the csv section of docs/pipeline.md shows a source that
// builds, and names every option of the spec.
func TestPipelineDoc(t *testing.T) {
	md, err := os.ReadFile("../../docs/pipeline.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(md), "### csv\n")
	if !ok {
		t.Fatal("docs/pipeline.md has no ### csv section")
	}
	sec, _, _ = strings.Cut(sec, "\n### ")
	_, rest, _ := strings.Cut(sec, "```yaml\n")
	block, _, _ := strings.Cut(rest, "```")
	root, err := config.Parse("pipeline.md", []byte(block), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := extract.New(root.Get("source"), extract.Env{BaseDir: t.TempDir()}); err != nil {
		t.Errorf("the docs' example is refused: %v", err)
	}
	for _, f := range config.Describe(Spec{}) {
		if !strings.Contains(block, "  "+f.Key+":") {
			t.Errorf("docs/pipeline.md's csv example lacks %s", f.Key)
		}
	}
}
