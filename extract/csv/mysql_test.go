package csv

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// TestMySQLFiles reads the files that a real MariaDB server wrote with
// SELECT … INTO OUTFILE and mariadb-dump --tab (testdata/mysql, made by
// generate.sh from rows.sql) and compares every value with what the server
// itself wrote as JSON: NULL (\N) and ” apart, the word NULL, escaped TAB,
// line feed, backslash, quote, NUL, and raw CR and Ctrl-Z.
func TestMySQLFiles(t *testing.T) {
	raw, err := os.ReadFile("testdata/mysql/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var expected [][]any
	if err := dec.Decode(&expected); err != nil {
		t.Fatal(err)
	}
	var want [][]any
	for _, r := range expected {
		row := make([]any, len(r))
		for i, v := range r {
			switch x := v.(type) {
			case json.Number:
				row[i] = x.String()
			case string:
				row[i] = x
			}
		}
		want = append(want, row)
	}
	cols := "header: false\ncolumns: [id, name, note, amount]\nencoding: utf-8\n"
	tests := []struct{ name, path, cfg string }{
		{"INTO OUTFILE, default options", "outfile-default.txt", "format: mysql\n"},
		{"mariadb-dump --tab", "dump-tab/residents.txt", "format: mysql\n"},
		{"INTO OUTFILE … FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"'", "outfile-csv.txt", "format: mysql\ndelimiter: ','\nquote: '\"'\n"},
		{"mariadb-dump --tab --fields-enclosed-by", "dump-tab-enclosed/residents.txt", "format: mysql\ndelimiter: ','\nquote: '\"'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := build(t, "testdata/mysql", "type: csv\npath: "+tt.path+"\n"+tt.cfg+cols)
			if err != nil {
				t.Fatal(err)
			}
			res := readAll(t, ex, 3)
			if len(res.rejects) > 0 {
				t.Fatalf("rejects: %+v", res.rejects)
			}
			if !reflect.DeepEqual(res.rows, want) {
				for i := range max(len(res.rows), len(want)) {
					var g, w []any
					if i < len(res.rows) {
						g = res.rows[i]
					}
					if i < len(want) {
						w = want[i]
					}
					if !reflect.DeepEqual(g, w) {
						t.Errorf("row %d = %q, want %q", i+1, g, w)
					}
				}
			}
		})
	}
}
