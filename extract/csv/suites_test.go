package csv

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var updateSuites = flag.Bool("update", false, "rewrite the suites table in README.md")

// suiteCase is one file of a public test suite (testdata/suites, each with
// its licence and a README saying where it is from), read with cfg, and
// what must come out.
type suiteCase struct {
	suite, file string
	cfg         string
	expect      string // for the table: what is checked
	// check returns "" when the file reads as expected, else what differs.
	check func(t *testing.T, res result, openErr error) string
}

func rowsAre(want [][]any) func(*testing.T, result, error) string {
	return func(t *testing.T, res result, err error) string {
		switch {
		case err != nil:
			return "refused: " + err.Error()
		case len(res.rejects) > 0:
			return fmt.Sprintf("%d rejects, the first: %s", len(res.rejects), res.rejects[0].Reason)
		case !reflect.DeepEqual(res.rows, want):
			return fmt.Sprintf("rows %q, want %q", res.rows, want)
		}
		return ""
	}
}

func refused(want string) func(*testing.T, result, error) string {
	return func(t *testing.T, res result, err error) string {
		if err == nil || !strings.Contains(err.Error(), want) {
			return fmt.Sprintf("Open: %v, want a refusal saying %q", err, want)
		}
		return ""
	}
}

// rejectsAt: the rows are want and the records at lines are rejected.
func rejectsAt(want [][]any, lines ...int) func(*testing.T, result, error) string {
	return func(t *testing.T, res result, err error) string {
		if err != nil {
			return "refused: " + err.Error()
		}
		var got []int
		for _, r := range res.rejects {
			got = append(got, r.Origin.Line)
		}
		if !reflect.DeepEqual(got, lines) || !reflect.DeepEqual(res.rows, want) {
			return fmt.Sprintf("rows %q rejects at %v, want rows %q rejects at %v", res.rows, got, want, lines)
		}
		return ""
	}
}

// spectrum compares a csv-spectrum file with the suite's own JSON.
func spectrum(name string) suiteCase {
	return suiteCase{suite: "csv-spectrum", file: "csvs/" + name + ".csv", cfg: "null_values: []",
		expect: "the suite's json/" + name + ".json, value for value",
		check: func(t *testing.T, res result, err error) string {
			if err != nil {
				return "refused: " + err.Error()
			}
			raw, rerr := os.ReadFile("testdata/suites/csv-spectrum/json/" + name + ".json")
			if rerr != nil {
				t.Fatal(rerr)
			}
			var want []map[string]string
			if json.Unmarshal(raw, &want) != nil {
				var one map[string]string // location_coordinates.json holds one object
				if err := json.Unmarshal(raw, &one); err != nil {
					t.Fatal(err)
				}
				want = []map[string]string{one}
			}
			var got []map[string]string
			for _, r := range res.rows {
				m := map[string]string{}
				for i, v := range r {
					m[res.schema[i]] = v.(string)
				}
				got = append(got, m)
			}
			if !reflect.DeepEqual(got, want) {
				return fmt.Sprintf("%q, the suite says %q", got, want)
			}
			return ""
		}}
}

func suiteCases() []suiteCase {
	var cs []suiteCase
	for _, n := range []string{"comma_in_quotes", "empty", "empty_crlf", "escaped_quotes", "json", "newlines", "newlines_crlf",
		"quotes_and_newlines", "simple", "simple_crlf", "utf8"} {
		cs = append(cs, spectrum(n))
	}
	cs = append(cs,
		suiteCase{suite: "csv-spectrum", file: "csvs/location_coordinates.csv", expect: `bare quotes: a reject by default, the value as written with lazy_quotes (the suite's JSON has another phone number than its CSV, and the CSV's ° is already U+FFFD)`,
			check: rejectsAt(nil, 2)},
		suiteCase{suite: "csv-spectrum", file: "csvs/location_coordinates.csv", cfg: "lazy_quotes: true", expect: "lazy_quotes: true",
			check: rowsAre([][]any{{"2095257564", "37\uFFFD36'37.8\"N 121\uFFFD2'17.9\"W", "Modesto", "Stanislaus"}})},

		suiteCase{suite: "csvkit", file: "test_latin1.csv", expect: "auto refuses (not UTF-8, not Chinese) and suggests windows-1252",
			check: refused("cannot tell the encoding of test_latin1.csv; set `encoding:`")},
		suiteCase{suite: "csvkit", file: "test_latin1.csv", cfg: "encoding: latin1", expect: "encoding: latin1 reads ©",
			check: rowsAre([][]any{{"1", "2", "3"}, {"4", "5", "©"}})},
		suiteCase{suite: "csvkit", file: "test_utf16_little.csv", expect: "auto: UTF-16LE by its byte order mark",
			check: rowsAre([][]any{{"1", "2", "3"}, {"4", "5", "ʤ"}})},
		suiteCase{suite: "csvkit", file: "test_utf16_big.csv", expect: "auto: UTF-16BE by its byte order mark",
			check: rowsAre([][]any{{"1", "2", "3"}, {"4", "5", "ʤ"}})},
		suiteCase{suite: "csvkit", file: "test_utf8.csv", expect: "UTF-8", check: rowsAre([][]any{{"1", "2", "3"}, {"4", "5", "ʤ"}})},
		suiteCase{suite: "csvkit", file: "test_utf8_bom.csv", expect: "the byte order mark is not part of the first name",
			check: func(t *testing.T, res result, err error) string {
				if s := rowsAre([][]any{{"1", "2", "3"}, {"4", "5", "ʤ"}})(t, res, err); s != "" {
					return s
				}
				if res.schema[0] != "foo" {
					return fmt.Sprintf("first column %q", res.schema[0])
				}
				return ""
			}},
		suiteCase{suite: "csvkit", file: "bad.csv", expect: "the ragged rows are rejected with their lines; the good row loads",
			check: rejectsAt([][]any{{"0", "mixed types.... uh oh", "17"}}, 2, 3)},
		suiteCase{suite: "csvkit", file: "bad.csv", cfg: "missing_fields: 'null'\nextra_fields: drop_empty", expect: "missing_fields: null fills the short row; the long row's extra field is not empty: still a reject",
			check: rejectsAt([][]any{{nil, "I'm too short!", nil}, {"0", "mixed types.... uh oh", "17"}}, 2)},
		suiteCase{suite: "csvkit", file: "blanks.csv", cfg: "null_values: ['', NA, N/A, NONE, NULL, .]", expect: "every null word of null_values is NULL",
			check: rowsAre([][]any{{nil, nil, nil, nil, nil, nil}})},
		suiteCase{suite: "csvkit", file: "blanks.csv", expect: "by default only the empty cell is NULL",
			check: rowsAre([][]any{{nil, "NA", "N/A", "NONE", "NULL", "."}})},
		suiteCase{suite: "csvkit", file: "mac_newlines.csv", expect: "lines ending with CR alone are refused with what to do",
			check: refused("its lines end with CR alone")},
		suiteCase{suite: "csvkit", file: "null_byte.csv", expect: "auto: NUL bytes are not text", check: refused("NUL bytes (the first at line 2, byte 1): not text")},
		suiteCase{suite: "csvkit", file: "null_byte.csv", cfg: "encoding: utf-8", expect: "with an encoding, a NUL byte is data (the target decides: PostgreSQL refuses it)",
			check: rowsAre([][]any{{"\x00", "2", "3"}})},
		suiteCase{suite: "csvkit", file: "optional_quote_characters.csv", expect: "quoted fields", check: rowsAre([][]any{{"1", "2", "3"}})},
		suiteCase{suite: "csvkit", file: "test_empty_columns_long_row.csv", expect: "a row with a trailing delimiter is rejected by default",
			check: rejectsAt(nil, 2)},
		suiteCase{suite: "csvkit", file: "test_empty_columns_long_row.csv", cfg: "extra_fields: drop_empty", expect: "extra_fields: drop_empty",
			check: rowsAre([][]any{{nil, nil, nil}})},
		suiteCase{suite: "csvkit", file: "test_empty_columns_short_row.csv", cfg: "missing_fields: 'null'", expect: "missing_fields: null",
			check: rowsAre([][]any{{nil, nil, nil}})},
		suiteCase{suite: "csvkit", file: "test_extra_header.csv", expect: "a row shorter than the header is rejected", check: rejectsAt(nil, 2)},
		suiteCase{suite: "csvkit", file: "test_header_newline.csv", expect: "a header name with line breaks inside quotes is trimmed; the data row's line is 5",
			check: func(t *testing.T, res result, err error) string {
				if s := rowsAre([][]any{{"d", "e", "f"}})(t, res, err); s != "" {
					return s
				}
				if res.schema[0] != "start \t\n\v\f\r end" || res.origins[0].Line != 5 {
					return fmt.Sprintf("schema %q, line %d", res.schema, res.origins[0].Line)
				}
				return ""
			}},
		suiteCase{suite: "csvkit", file: "dummy.tsv", cfg: "delimiter: tab", expect: "TAB", check: rowsAre([][]any{{"1", "2", "3"}})},
		suiteCase{suite: "csvkit", file: "no_header_row.csv", cfg: "header: false\ncolumns: [a, b, c]", expect: "header: false", check: rowsAre([][]any{{"1", "2", "3"}})},
		suiteCase{suite: "csvkit", file: "empty.csv", expect: "an empty file is refused", check: refused("no header line")},
		suiteCase{suite: "csvkit", file: "test_skip_lines.csv", expect: "blank lines before the header are skipped",
			check: rowsAre([][]any{{"1", "2", "3"}})},
		suiteCase{suite: "csvkit", file: "test_no_leading_zeroes.csv", expect: "text stays text (01, 00.11)", check: rowsAre([][]any{{"01", "00.11", "0.1"}})},
		suiteCase{suite: "csvkit", file: "sort_ints_nulls.csv", expect: "empty cells are NULL", check: rowsAre([][]any{{"1", "2", "3"}, {"4", nil, "6"}, {"5", "1", "7"}})},

		suiteCase{suite: "rust-csv", file: "strange.csv", cfg: "delimiter: ';'\nescape: '\\'\ncomment: '#'\nheader: false\ncolumns: [name, year]",
			expect: `escape: \, comment: #, as rust-csv's own test reads it; the one-field row is a reject`,
			check:  rejectsAt([][]any{{`"Hacksaw" Jim Duggan`, "1987"}, {`Bret "Hit Man" Hart`, "1984"}, {`"Big Cat" Ernie Ladd`, "1964"}, {`"Macho Man" Randy Savage`, "1985"}, {`Jake "The Snake" Roberts`, "1986"}}, 4)},
		suiteCase{suite: "rust-csv", file: "smallpop-colon.csv", cfg: "delimiter: ':'", expect: "delimiter :",
			check: func(t *testing.T, res result, err error) string {
				if err != nil || len(res.rows) != 10 || res.rows[0][0] != "Southborough" || res.rows[0][3] != "9686" {
					return fmt.Sprintf("%v %q", err, res.rows)
				}
				return ""
			}},
		suiteCase{suite: "rust-csv", file: "smallpop-no-headers.csv", cfg: "header: false\ncolumns: [city, region, country, population]", expect: "10 rows",
			check: func(t *testing.T, res result, err error) string {
				if err != nil || len(res.rows) != 10 || len(res.rejects) != 0 {
					return fmt.Sprintf("%v %d rows %d rejects", err, len(res.rows), len(res.rejects))
				}
				return ""
			}},
		suiteCase{suite: "rust-csv", file: "uspop-null.csv", expect: "100 rows; empty populations are NULL",
			check: func(t *testing.T, res result, err error) string {
				if err != nil || len(res.rows) != 100 || res.rows[0][2] != nil || res.rows[1][2] != "7610" {
					return fmt.Sprintf("%v %d rows", err, len(res.rows))
				}
				return ""
			}},
		suiteCase{suite: "rust-csv", file: "uspop-latin1.csv", expect: "auto refuses Latin-1", check: refused("cannot tell the encoding of uspop-latin1.csv")},
		suiteCase{suite: "rust-csv", file: "uspop-latin1.csv", cfg: "encoding: latin1", expect: "encoding: latin1 reads Õakman",
			check: func(t *testing.T, res result, err error) string {
				if err != nil || len(res.rows) != 100 || res.rows[2][0] != "Õakman" {
					return fmt.Sprintf("%v %d rows %q", err, len(res.rows), res.rows[2])
				}
				return ""
			}},
	)
	// Real text in legacy encodings, read as one column of lines: the
	// values are the file's lines as the encoding's decoder gives them.
	for _, d := range []struct{ dir, cfg string }{{"GB2312", "encoding: auto"}, {"Big5", "encoding: big5"}, {"windows-1252", "encoding: windows-1252"}, {"UTF-16", "encoding: utf-16"}} {
		files, _ := filepath.Glob("testdata/suites/chardet/" + d.dir + "/*")
		sort.Strings(files)
		for _, f := range files {
			name := d.dir + "/" + filepath.Base(f)
			cs = append(cs, suiteCase{suite: "chardet", file: name, cfg: d.cfg + "\nheader: false\ncolumns: [line]\ndelimiter: \"\\x01\"\nquote: none\nnull_values: []",
				expect: "every line, as decoded by x/text",
				check: func(t *testing.T, res result, err error) string {
					if err != nil {
						return "refused: " + err.Error()
					}
					want := decodedLines(t, f, d.cfg)
					var got []string
					for _, r := range res.rows {
						got = append(got, r[0].(string))
					}
					if len(res.rejects) > 0 || !reflect.DeepEqual(got, want) {
						return fmt.Sprintf("%d lines, %d rejects; want %d lines", len(got), len(res.rejects), len(want))
					}
					return ""
				}})
		}
	}
	return cs
}

// decodedLines decodes a whole file the simple way and splits it into its
// non-blank lines.
func decodedLines(t *testing.T, path, cfg string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := strings.TrimPrefix(cfg, "encoding: ")
	switch enc {
	case "auto":
		enc = Sniff(b, false).Encoding
	case "utf-16":
		enc = bomOf(b)
	}
	text := string(DecodeText(enc, b))
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSuffix(l, "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// TestSuites reads the files of public CSV test suites and checks each
// against the suite's expected values (csv-spectrum) or against what a
// reader of that file must do; the table in README.md is this test's
// output (go test ./extract/csv -run TestSuites -update rewrites it).
func TestSuites(t *testing.T) {
	var table []string
	for _, c := range suiteCases() {
		dir := filepath.Join("testdata/suites", c.suite)
		ex, err := build(t, dir, "type: csv\npath: '"+c.file+"'\n"+c.cfg)
		if err != nil {
			t.Fatalf("%s %s: %v", c.suite, c.file, err)
		}
		var res result
		openErr := func() (err error) {
			if _, err = ex.Open(context.Background()); err != nil {
				return err
			}
			ex.Close()
			ex, _ = build(t, dir, "type: csv\npath: '"+c.file+"'\n"+c.cfg)
			res = readAll(t, ex, 7)
			return nil
		}()
		outcome := "pass"
		if d := c.check(t, res, openErr); d != "" {
			t.Errorf("%s %s (%s): %s", c.suite, c.file, c.cfg, d)
			outcome = "FAIL: " + d
		}
		opts := strings.ReplaceAll(strings.TrimSpace(c.cfg), "\n", ", ")
		if opts == "" {
			opts = "defaults"
		}
		table = append(table, fmt.Sprintf("| %s | `%s` | `%s` | %s | %s |", c.suite, c.file, mdCell(opts), mdCell(c.expect), outcome))
	}
	table = append(table, chardetTable(t)...)
	checkReadmeTable(t, table)
}

// TestSniffChardet: encoding: auto on the real texts of chardet's test
// suite (testdata/suites/chardet: GB2312, Big5, EUC-KR, EUC-JP, Shift_JIS,
// KOI8-R, windows-125x, ISO-8859-x, UTF-8, UTF-16, UTF-32, …, the first
// 16 KiB of up to four files per encoding) never decides a wrong encoding:
// GB2312 text is read as GB18030, UTF-8 as UTF-8, UTF-16 by its byte order
// mark, and everything else is refused (or read as UTF-8 when what was
// looked at is pure ASCII, which every one of these encodings reads alike).
func TestSniffChardet(t *testing.T) { chardetTable(t) }

func chardetTable(t *testing.T) []string {
	dirs, _ := filepath.Glob("testdata/suites/chardet/*")
	sort.Strings(dirs)
	var rows []string
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			continue
		}
		enc := filepath.Base(d)
		files, _ := filepath.Glob(d + "/*")
		counts := map[string]int{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := Sniff(b, false).Encoding
			want := map[string]string{"GB2312": EncodingGB18030, "utf-8": EncodingUTF8, "utf-8-sig": EncodingUTF8, "ascii": EncodingUTF8}[enc]
			switch {
			case enc == "UTF-16":
				want = got // decided by the byte order mark: checked below
				if !bytes.HasPrefix(b, utf16LEBOM) && !bytes.HasPrefix(b, utf16BEBOM) || got != bomOf(b) {
					t.Errorf("chardet %s/%s: %q", enc, filepath.Base(f), got)
				}
			case got == EncodingUTF8 && isASCIIBytes(b):
			case got != want && (want != "" || got != "") && !(enc == "ascii" && got == ""):
				t.Errorf("chardet %s/%s: auto decided %q, want %q", enc, filepath.Base(f), got, want)
			}
			if got == "" {
				got = "refused"
			}
			counts[got]++
		}
		var parts []string
		for k, v := range counts {
			parts = append(parts, fmt.Sprintf("%s %d", k, v))
		}
		sort.Strings(parts)
		rows = append(rows, fmt.Sprintf("| chardet | `%s/` (%d files) | `encoding: auto` | never a wrong encoding | pass: %s |", enc, len(files), strings.Join(parts, ", ")))
	}
	return rows
}

func isASCIIBytes(b []byte) bool { return indexNonASCII(b) < 0 && bytes.IndexByte(b, 0) < 0 }

func mdCell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

const (
	tableBegin = "<!-- suites table: generated by TestSuites; go test ./extract/csv -run TestSuites -update -->"
	tableEnd   = "<!-- end of suites table -->"
)

func checkReadmeTable(t *testing.T, rows []string) {
	md, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := tableBegin + "\n| suite | file | options | checked | result |\n|---|---|---|---|---|\n" + strings.Join(rows, "\n") + "\n" + tableEnd
	s := string(md)
	i, j := strings.Index(s, tableBegin), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no suites table between %q and %q", tableBegin, tableEnd)
	}
	if s[i:j+len(tableEnd)] == table {
		return
	}
	if *updateSuites {
		if err := os.WriteFile("README.md", []byte(s[:i]+table+s[j+len(tableEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the suites table in README.md is out of date; run go test ./extract/csv -run TestSuites -update")
}
