package mytest

import (
	_ "embed"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

// GridSQL is testdata/grid.sql: the shared MySQL test schema (see the file's header).
//
//go:embed testdata/grid.sql
var GridSQL string

// GridStatements splits GridSQL into statements (each ends with ";" at the end of a line;
// comment lines are dropped).
func GridStatements() []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(GridSQL, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			if s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	return out
}

// LoadGrid creates the grid schema in a new database and returns its DSN.
func LoadGrid(t testing.TB) string {
	t.Helper()
	dsn := NewDatabase(t)
	Exec(t, dsn, append([]string{"SET SESSION sql_mode = ''", "SET time_zone = '+08:00'"}, GridStatements()...)...)
	return dsn
}

// GridTable is one table of the grid schema with the values a reader must get back, as
// xcetl values (the sql source's default type mapping, zero dates read as NULL), rows in
// primary key order (visit_log: as inserted).
type GridTable struct {
	Name    string
	Columns []string
	Rows    [][]any
}

func ts(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05.999999999", s)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// Grid returns the expected contents of every table of testdata/grid.sql.
func Grid() []GridTable {
	d := func(s string) xcetl.Decimal { return xcetl.Decimal(s) }
	allTypes := []string{"id", "flag", "tiny", "small", "medium", "regular", "big", "ubig", "money", "wide",
		"f", "d", "dt", "dt6", "ts", "dte", "tm", "yr", "b1", "b12", "b64", "color", "tags", "doc",
		"bin", "vbin", "blb", "lblb", "name", "note", "code"}
	nulls := make([]any, len(allTypes))
	nulls[0], nulls[len(nulls)-1] = int64(2), ""
	return []GridTable{
		{Name: "all_types", Columns: allTypes, Rows: [][]any{
			{int64(1), int64(1), int64(-128), int64(65535), int64(-8388608), int64(4294967295), int64(-9223372036854775808), d("18446744073709551615"),
				d("-1234567890.12"), d("12345678901234567890123456789012345.123456789012345678901234567890"),
				1.5, -2.25e-300, ts("2024-02-29 23:59:59"), ts("2024-02-29 23:59:59.999999"), ts("2024-06-01 04:00:00.123"),
				day("1949-10-01"), "-838:59:59.00", int64(2024), true, int64(2730), d("18446744073709551615"),
				"红", "a,c", `{"区": "和平", "n": [1, 2]}`, []byte{0, 0xff, 0x0a, 0x0d}, []byte{0xde, 0xad, 0xbe, 0xef}, []byte{}, []byte{0, 1, 2},
				"张三", "第一行\n第二行\t制表", "110101"},
			nulls,
			{int64(3), int64(0), int64(127), int64(0), int64(8388607), int64(0), int64(9223372036854775807), d("9223372036854775808"),
				d("0.00"), d("0.000000000000000000000000000001"),
				0.0, 1e300, ts("1970-01-01 00:00:00"), ts("2000-01-01 00:00:00.000001"), ts("1970-01-02 00:00:00"),
				day("9999-12-31"), "12:34:56.78", int64(1901), false, int64(1), d("9223372036854775808"),
				"blue", "", "[]", []byte("abcd"), []byte{}, []byte("中"), []byte{},
				`O'Brien \ "q"`, "", "ABCDEF"},
		}},
		{Name: "zero_dates", Columns: []string{"id", "d", "dt"}, Rows: [][]any{
			{int64(1), day("2024-01-15"), ts("2024-01-15 08:30:00")},
			{int64(2), nil, nil},
			{int64(3), nil, nil},
			{int64(4), nil, nil},
		}},
		{Name: "residents_gbk", Columns: []string{"id", "name", "address"}, Rows: [][]any{
			{int64(1), "张三", "天津市和平区南京路100号"}, {int64(2), "欧阳娜娜", nil}, {int64(3), "王小明", ""},
		}},
		{Name: "legacy_latin1", Columns: []string{"id", "city"}, Rows: [][]any{
			{int64(1), "Zürich"}, {int64(2), "café €5"}, {int64(3), nil},
		}},
		{Name: "districts", Columns: []string{"code", "name"}, Rows: [][]any{
			{"120101", "和平区"}, {"120102", "河东区"},
		}},
		{Name: "residents", Columns: []string{"id", "district", "name", "id_card", "updated_at"}, Rows: [][]any{
			{int64(1), "120101", "张三", "11010119900307777X", ts("2024-01-01 09:00:00")},
			{int64(2), "120101", "李四", nil, ts("2024-01-02 09:00:00")},
			{int64(3), "120102", "王五", "120102198001011234", ts("2024-01-03 09:00:00")},
		}},
		{Name: "household_members", Columns: []string{"household_id", "member_no", "relation"}, Rows: [][]any{
			{int64(1), int64(1), "户主"}, {int64(1), int64(2), "配偶"}, {int64(3), int64(1), "户主"},
		}},
		{Name: "visit_log", Columns: []string{"visited_on", "district", "note"}, Rows: [][]any{
			{day("2024-03-01"), "120101", "走访"}, {day("2024-03-01"), "120101", "走访"}, {day("2024-03-02"), nil, nil},
		}},
	}
}
