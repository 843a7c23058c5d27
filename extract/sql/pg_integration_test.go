package sql_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects/dialecttest"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

func pgExec(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

const pgTypesDDL = `CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE pg_types (
  id integer PRIMARY KEY, n numeric(20,5), nu numeric, u uuid, j jsonb, arr integer[], tarr text[],
  iv interval, b bytea, tz timestamptz, ts timestamp(6), d date, bo boolean, f8 float8, f4 real,
  t text, vc varchar(10), m money, e mood, ip inet)`

// TestPostgresSourceIntegration reads PostgreSQL's types (numeric, uuid,
// jsonb, arrays, interval, bytea, timestamptz, …) into PostgreSQL and
// SQLite and checks them value by value.
func TestPostgresSourceIntegration(t *testing.T) {
	src := pgtest.NewDatabase(t)
	pgExec(t, src, strings.Split(pgTypesDDL, ";\n")...)
	pgExec(t, src, "SET TimeZone = 'Asia/Shanghai'", "SET lc_monetary = 'C'",
		`INSERT INTO pg_types VALUES (1, 12345.6789, 3.14159265358979323846264338327950288, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"区": "和平", "a": 1}', '{1,2,NULL}', '{"a b",c}', '1 day 2 hours 3 minutes 4 seconds', '\x00ff0a', '2024-06-01 12:00:00.123456+08',
  '2024-02-29 23:59:59.999999', '1949-10-01', true, 1e300, 1.5, '张三', '和平区', 12.34, 'happy', '192.168.0.1')`,
		"INSERT INTO pg_types (id) VALUES (2)")
	day := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	at := func(s string) time.Time { v, _ := time.Parse("2006-01-02 15:04:05.999999", s); return v }
	wantRows := [][]any{
		{int64(1), xcetl.Decimal("12345.67890"), xcetl.Decimal("3.14159265358979323846264338327950288"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
			`{"a": 1, "区": "和平"}`, "{1,2,NULL}", `{"a b",c}`, "1 day 02:03:04", []byte{0, 0xff, 0x0a}, at("2024-06-01 04:00:00.123456"),
			at("2024-02-29 23:59:59.999999"), day("1949-10-01"), true, 1e300, 1.5, "张三", "和平区", xcetl.Decimal("12.34"), "happy", "192.168.0.1"},
		{int64(2), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
	kinds := []xcetl.Kind{xcetl.KindInt, xcetl.KindDecimal, xcetl.KindDecimal, xcetl.KindString, xcetl.KindString, xcetl.KindString, xcetl.KindString,
		xcetl.KindString, xcetl.KindBytes, xcetl.KindTimestampTZ, xcetl.KindTimestamp, xcetl.KindDate, xcetl.KindBool, xcetl.KindFloat, xcetl.KindFloat,
		xcetl.KindString, xcetl.KindString, xcetl.KindDecimal, xcetl.KindString, xcetl.KindString}
	names := []string{"id", "n", "nu", "u", "j", "arr", "tarr", "iv", "b", "tz", "ts", "d", "bo", "f8", "f4", "t", "vc", "m", "e", "ip"}
	schema := &xcetl.Schema{}
	for i, n := range names {
		schema.Columns = append(schema.Columns, xcetl.Column{Name: n, Type: xcetl.Type{Kind: kinds[i]}})
	}
	want := dialecttest.Expect(schema, wantRows...)
	targets := map[string]string{"postgres": pgtest.NewDatabase(t), "sqlite": filepath.Join(t.TempDir(), "pg.db")}
	for target, dst := range targets {
		for _, parallel := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/parallel=%d", target, parallel), func(t *testing.T) {
				yaml := fmt.Sprintf(`version: 1
name: pg_types
source: {type: sql, driver: postgres, dsn: "${SRC}", table: pg_types, parallel: %d, chunk: {rows: 1}}
target: {type: %s, dsn: "${DST}", table: pg_types_%d, create: if_missing}
`, parallel, target, parallel)
				rep := mustRun(t, t.TempDir(), yaml, map[string]string{"SRC": src, "DST": dst}, pipelines.RunOptions{})
				if rep.RowsWritten != 2 {
					t.Fatalf("wrote %d rows", rep.RowsWritten)
				}
				got := readBack(t, target, dst, fmt.Sprintf("pg_types_%d", parallel), schema)
				for i := range want {
					for j := range want[i] {
						if got[i][j] != want[i][j] {
							t.Errorf("row %d column %s: got %q, want %q", i+1, names[j], got[i][j], want[i][j])
						}
					}
				}
			})
		}
	}
}

// TestUnsupportedTypeIntegration: a column without an exact reading is an
// error naming the table and the column, unless types: overrides it.
func TestUnsupportedTypeIntegration(t *testing.T) {
	src := pgtest.NewDatabase(t)
	pgExec(t, src, "CREATE TABLE places (id int PRIMARY KEY, loc point)", "INSERT INTO places VALUES (1, '(1,2)')")
	dir := t.TempDir()
	yaml := `version: 1
name: places
source: {type: sql, driver: postgres, dsn: "${SRC}", table: places%s}
target: {type: sqlite, dsn: "${DST}", table: places}
`
	vars := map[string]string{"SRC": src, "DST": filepath.Join(dir, "p.db")}
	_, err := run(t, dir, fmt.Sprintf(yaml, ""), vars, pipelines.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `column "loc"`) || !strings.Contains(err.Error(), "places") || !strings.Contains(err.Error(), "types:") {
		t.Fatalf("err = %v, want one naming table places, column loc and the types: override", err)
	}
	rep := mustRun(t, dir, fmt.Sprintf(yaml, `, types: {point: string}`), vars, pipelines.RunOptions{})
	if rep.RowsWritten != 1 {
		t.Errorf("wrote %d rows", rep.RowsWritten)
	}
	got := readBack(t, "sqlite", vars["DST"], "places", &xcetl.Schema{Columns: []xcetl.Column{{Name: "loc", Type: xcetl.Type{Kind: xcetl.KindString}}}})
	if len(got) != 1 || got[0][0] != "(1,2)" {
		t.Errorf("loc = %v", got)
	}
}
