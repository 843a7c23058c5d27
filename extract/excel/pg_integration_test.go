package excel_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	_ "github.com/xcetl/xcetl/all"
	_ "github.com/xcetl/xcetl/extract/excel"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// runPipeline writes yaml as p.yaml into dir and runs it with PG_DSN set.
func runPipeline(t *testing.T, dir, yaml, dsn string) *pipelines.Report {
	t.Helper()
	return runPipelineWith(t, dir, yaml, dsn, pipelines.RunOptions{})
}

func runPipelineWith(t *testing.T, dir, yaml, dsn string, ro pipelines.RunOptions) *pipelines.Report {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := pipelines.Load(filepath.Join(dir, "p.yaml"), pipelines.WithVars(map[string]string{"PG_DSN": dsn}), pipelines.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.Run(context.Background(), ro)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// copyWorkbook copies testdata/name into dir as as.
func copyWorkbook(t *testing.T, name, dir, as string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, as), src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// query returns every row of sql as text (NULL as "<nil>"), so that a
// comparison covers the values exactly as PostgreSQL holds them.
func query(t *testing.T, conn *pgx.Conn, sql string) [][]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		r := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				r[i] = "<nil>"
			case time.Time:
				r[i] = x.Format("2006-01-02 15:04:05")
			default:
				r[i] = fmt.Sprint(x)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func checkTable(t *testing.T, got, want [][]string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// A workbook made by LibreOffice, with Chinese headers, date cells, date-time
// cells, numbers, booleans and text ID and phone numbers, loads into
// PostgreSQL with every value right: as it is (typed columns, Chinese column
// names) and through rename and cast.
func TestLibreOfficeWorkbookIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	t.Run("as is", func(t *testing.T) {
		dir := t.TempDir()
		copyWorkbook(t, "residents-lo.xlsx", dir, "台账.xlsx")
		rep := runPipeline(t, dir, `version: 1
name: excel-as-is
source: {type: excel, path: 台账.xlsx}
target: {type: postgres, dsn: "${PG_DSN}", table: 居民, mode: append}
`, dsn)
		if rep.RowsRead != 4 || rep.RowsWritten != 4 || rep.RowsRejected != 0 {
			t.Fatalf("report %+v", rep)
		}
		checkTable(t, query(t, conn, `SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_name = '居民' ORDER BY ordinal_position`), [][]string{
			{"编号", "bigint"}, {"姓名", "text"}, {"身份证号", "text"}, {"出生日期", "date"}, {"积分", "double precision"},
			{"登记时间", "timestamp without time zone"}, {"在册", "boolean"}, {"比例", "double precision"}, {"手机号", "text"}, {"备注", "text"},
		})
		checkTable(t, query(t, conn, `SELECT "编号", "姓名", "身份证号", "出生日期", "积分", "登记时间", "在册", "比例", "手机号", "备注" FROM "居民" ORDER BY "编号"`), [][]string{
			{"1", "张三", "110101199003071234", "1990-03-07 00:00:00", "88", "2024-03-01 08:15:00", "true", "0.25", "13812345678", "<nil>"},
			{"2", "李四", "11010119851231002X", "1985-12-31 00:00:00", "92.5", "2024-03-02 17:30:45", "false", "1.5", "13900000000", "含,逗号"},
			{"3", "王五", "120101200002290011", "2000-02-29 00:00:00", "-3", "2024-12-31 23:59:59", "true", "100", "<nil>", "低保户"},
			{"4", "赵六", "000101190001010000", "1900-03-01 00:00:00", "1.234567890123e+12", "2023-01-01 00:00:00", "false", "0.1", "01088886666", "<nil>"},
		})
		// The text PostgreSQL itself prints, so no Go formatting hides a
		// wrong digit.
		checkTable(t, query(t, conn, `SELECT "出生日期"::text, "积分"::text, "登记时间"::text, "比例"::text FROM "居民" ORDER BY "编号"`), [][]string{
			{"1990-03-07", "88", "2024-03-01 08:15:00", "0.25"},
			{"1985-12-31", "92.5", "2024-03-02 17:30:45", "1.5"},
			{"2000-02-29", "-3", "2024-12-31 23:59:59", "100"},
			{"1900-03-01", "1234567890123", "2023-01-01 00:00:00", "0.1"},
		})
	})

	t.Run("rename and cast", func(t *testing.T) {
		dir := t.TempDir()
		copyWorkbook(t, "residents-lo.xlsx", dir, "台账.xlsx")
		rep := runPipeline(t, dir, `version: 1
name: excel-cast
source: {type: excel, path: 台账.xlsx, sheet: 1}
transforms:
  - rename: {编号: id, 姓名: name, 身份证号: id_number, 出生日期: birth_date, 积分: score, 登记时间: registered_at, 在册: active, 比例: ratio, 手机号: phone, 备注: note}
  - cast: {id: int, birth_date: date, score: "decimal(16,1)", registered_at: timestamp, active: bool, ratio: "decimal(6,2)", phone: string}
target: {type: postgres, dsn: "${PG_DSN}", table: residents, mode: upsert, key: [id]}
errors: {max_rejects: 0}
`, dsn)
		if rep.RowsWritten != 4 || rep.RowsRejected != 0 {
			t.Fatalf("report %+v", rep)
		}
		checkTable(t, query(t, conn, `SELECT id::text, name, id_number, birth_date::text, score::text, registered_at::text, active::text, ratio::text, phone, coalesce(note, '<nil>') FROM residents ORDER BY id`), [][]string{
			{"1", "张三", "110101199003071234", "1990-03-07", "88.0", "2024-03-01 08:15:00", "true", "0.25", "13812345678", "<nil>"},
			{"2", "李四", "11010119851231002X", "1985-12-31", "92.5", "2024-03-02 17:30:45", "false", "1.50", "13900000000", "含,逗号"},
			{"3", "王五", "120101200002290011", "2000-02-29", "-3.0", "2024-12-31 23:59:59", "true", "100.00", "<nil>", "低保户"},
			{"4", "赵六", "000101190001010000", "1900-03-01", "1234567890123.0", "2023-01-01 00:00:00", "false", "0.10", "01088886666", "<nil>"},
		})
	})

	t.Run("commit batch resumes", func(t *testing.T) {
		dir := t.TempDir()
		copyWorkbook(t, "residents-lo.xlsx", dir, "台账.xlsx")
		yaml := `version: 1
name: excel-resume
source: {type: excel, path: 台账.xlsx}
target: {type: postgres, dsn: "${PG_DSN}", table: resumed, mode: append, commit: batch, batch_size: 2}
`
		// A run stopped after 3 rows (as if killed), then a full run: every
		// row once, in append mode.
		if rep := runPipelineWith(t, dir, yaml, dsn, pipelines.RunOptions{Limit: 3}); rep.RowsWritten != 3 {
			t.Fatalf("first run: %+v", rep)
		}
		if rep := runPipeline(t, dir, yaml, dsn); rep.RowsWritten != 1 {
			t.Fatalf("resumed run: %+v", rep)
		}
		checkTable(t, query(t, conn, `SELECT "编号"::text, count(*)::text FROM resumed GROUP BY 1 ORDER BY 1`), [][]string{{"1", "1"}, {"2", "1"}, {"3", "1"}, {"4", "1"}})
		// The sheet was read to its end: the next run of the unchanged
		// workbook loads nothing and says so.
		if rep := runPipeline(t, dir, yaml, dsn); rep.RowsWritten != 0 || len(rep.Unchanged) != 1 {
			t.Fatalf("next run: %+v", rep)
		}
	})

	t.Run("ledger layout", func(t *testing.T) {
		dir := t.TempDir()
		copyWorkbook(t, "layout-lo.xlsx", dir, "ledger.xlsx")
		rep := runPipeline(t, dir, `version: 1
name: excel-ledger
source: {type: excel, path: ledger.xlsx, sheet: 居民, header_row: 3, header_rows: 2, merged: fill, skip_footer: 1}
target: {type: postgres, dsn: "${PG_DSN}", table: ledger, mode: replace}
`, dsn)
		if rep.RowsWritten != 3 {
			t.Fatalf("report %+v", rep)
		}
		checkTable(t, query(t, conn, `SELECT "编号"::text, "姓名", "地址_区", "地址_街道", "出生日期"::text, "积分"::text, "在册"::text, "身份证号", "登记时间"::text FROM ledger ORDER BY 1`), [][]string{
			{"1", "张三", "和平区", "南营门街", "1990-03-07", "88", "true", "110101199003071234", "2024-03-01 08:15:00"},
			{"2", "李四", "和平区", "劝业场街", "1985-12-31", "92.5", "false", "11010119851231002X", "2024-03-02 17:30:45"},
			{"3", "王五", "河西区", "友谊路街", "1900-03-01", "46.25", "true", "000101190001010000", "2024-12-31 23:59:59"},
		})
	})
}
