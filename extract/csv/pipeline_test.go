package csv_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/text/encoding/simplifiedchinese"
	_ "modernc.org/sqlite"

	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// runPipeline writes yaml (and files) into a new directory and runs it.
func runPipeline(t *testing.T, yaml string, files map[string]string, vars map[string]string) (*pipelines.Report, string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if vars == nil {
		vars = map[string]string{}
	}
	vars["DIR"] = dir
	p, err := pipelines.Load(path, pipelines.WithVars(vars), pipelines.WithLogger(quiet))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	rep, err := p.Run(context.Background(), pipelines.RunOptions{})
	if err != nil {
		t.Fatalf("run: %v (report %+v)", err, rep)
	}
	return rep, dir
}

// target is a database the end-to-end tests load into, and how to read a
// table back: every value as text, NULL as nil.
type target struct {
	name string
	yaml func(dir, table string) string // the target: mapping
	rows func(t *testing.T, dir, query string) [][]any
}

func targets(pgDSN string) []target {
	return []target{
		{
			name: "sqlite",
			yaml: func(dir, table string) string {
				return fmt.Sprintf("{type: sqlite, dsn: %q, table: %s, create: if_missing}", filepath.Join(dir, "t.db"), table)
			},
			rows: func(t *testing.T, dir, query string) [][]any {
				db, err := sql.Open("sqlite", filepath.Join(dir, "t.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				return scanAll(t, db, query)
			},
		},
		{
			name: "postgres",
			yaml: func(dir, table string) string {
				return fmt.Sprintf(`{type: postgres, dsn: "${PG_DSN}", table: %s, create: if_missing}`, table)
			},
			rows: func(t *testing.T, _ string, query string) [][]any {
				db, err := sql.Open("pgx", pgDSN)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				return scanAll(t, db, query)
			},
		},
	}
}

func scanAll(t *testing.T, db *sql.DB, query string) [][]any {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]any, len(cols))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	return out
}

// TestQuotedEmptyIntegration: issue 12, "quoted empty is not NULL". An
// unquoted empty field is NULL (null_values), a quoted one is the empty
// string, and the difference survives cast, default, validate, mask and
// both loaders (COPY for PostgreSQL, INSERT for SQLite); CRLF inside quotes
// and spaces inside quotes arrive as written.
func TestQuotedEmptyIntegration(t *testing.T) {
	pgDSN := pgtest.NewDatabase(t)
	data := "id,name,note,phone\r\n" +
		"1,\"\",,\"\"\r\n" +
		"2,,\"\",13812345678\r\n" +
		"3,\" x \",\"a\r\nb\",\r\n"
	for _, tg := range targets(pgDSN) {
		t.Run(tg.name, func(t *testing.T) {
			for _, qn := range []bool{false, true} {
				table := fmt.Sprintf("quoted_empty_%t", qn)
				yaml := fmt.Sprintf(`version: 1
name: quoted-empty
source: {type: csv, path: in.csv, quoted_nulls: %t}
transforms:
  - cast: {id: int, name: string}
  - default: {note: "未登记"}
  - validate: {phone: mobile}
  - mask: {phone: mobile}
target: %s
`, qn, tg.yaml("${DIR}", table))
				rep, dir := runPipeline(t, yaml, map[string]string{"in.csv": data}, map[string]string{"PG_DSN": pgDSN})
				if rep.RowsWritten != 3 || rep.RowsRejected != 0 {
					t.Fatalf("report %+v", rep)
				}
				got := tg.rows(t, dir, "SELECT id, name, note, phone FROM "+table+" ORDER BY id")
				want := [][]any{
					{"1", "", "未登记", ""},
					{"2", nil, "", "138****5678"},
					{"3", " x ", "a\r\nb", nil},
				}
				if qn {
					// quoted_nulls: "" means NULL too.
					want[0] = []any{"1", nil, "未登记", nil}
					want[1] = []any{"2", nil, "未登记", "138****5678"}
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("quoted_nulls %t: table holds\n%q\nwant\n%q", qn, got, want)
				}
			}
		})
	}
}

// TestPostgresCopyTextIntegration: a file written by the throwaway
// PostgreSQL's own COPY … TO (text format, with HEADER) is read back by
// format: postgres, and the loaded table equals the original row for row:
// NULL and ” apart, tabs, line breaks, backslashes, CR, Chinese text.
func TestPostgresCopyTextIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	setup := `CREATE TABLE src (id int, name text, note text);
INSERT INTO src VALUES
 (1, '', NULL),
 (2, NULL, ''),
 (3, E'tab\there', E'line1\nline2\r\nline3'),
 (4, E'back\\slash \\N', E'\\.'),
 (5, '张三', E'caf\u00e9 \u2603'),
 (6, 'NULL', '\N');`
	if _, err := conn.Exec(ctx, setup); err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if _, err := conn.PgConn().CopyTo(ctx, writerFunc(func(p []byte) (int, error) { return buf.Write(p) }), "COPY src TO STDOUT (FORMAT text, HEADER true)"); err != nil {
		t.Fatal(err)
	}
	yaml := `version: 1
name: pg-copy-text
source: {type: csv, path: src.txt, format: postgres, encoding: utf-8}
transforms:
  - cast: {id: int}
target: {type: postgres, dsn: "${PG_DSN}", table: back, create: if_missing}
`
	rep, _ := runPipeline(t, yaml, map[string]string{"src.txt": buf.String()}, map[string]string{"PG_DSN": dsn})
	if rep.RowsWritten != 6 || rep.RowsRejected != 0 {
		t.Fatalf("report %+v\nfile:\n%s", rep, buf.String())
	}
	var diff int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM ((SELECT id, name, note FROM src EXCEPT ALL SELECT id, name, note FROM back)
		UNION ALL (SELECT id, name, note FROM back EXCEPT ALL SELECT id, name, note FROM src)) d`).Scan(&diff); err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Fatalf("%d rows differ between src and the table loaded from its COPY text:\n%s", diff, buf.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestReportSaysEncodingAndRaggedRows: the report's source says what
// encoding: auto decided for the file and why, and its stats count the
// ragged rows missing_fields and extra_fields let through.
func TestReportSaysEncodingAndRaggedRows(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("编号,姓名,住址\n1,张三,天津市和平区\n2,李四\n3,王五,天津市河西区,\n")
	if err != nil {
		t.Fatal(err)
	}
	yaml := `version: 1
name: report-encoding
source: {type: csv, path: in.csv, missing_fields: "null", extra_fields: drop_empty}
target: {type: sqlite, dsn: "${DIR}/t.db", table: t, create: if_missing}
`
	rep, _ := runPipeline(t, yaml, map[string]string{"in.csv": gbk}, nil)
	if rep.RowsWritten != 3 {
		t.Fatalf("report %+v", rep)
	}
	if want := "encoding auto → gb18030 for in.csv: not UTF-8 (bytes B1 E0 BA C5 at line 1, byte 1); as GB18030, 24 of 24 non-ASCII characters are common Chinese characters or punctuation"; !strings.Contains(rep.Source, want) {
		t.Errorf("report source %q\nwant it to contain %q", rep.Source, want)
	}
	if rep.Stats["short_rows_filled"] != 1 || rep.Stats["long_rows_cut"] != 1 {
		t.Errorf("stats %v", rep.Stats)
	}
}
