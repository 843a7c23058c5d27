package excel_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/pipelines"
)

// examples/excel-residents.yaml runs into SQLite: every good row with its
// values, the error cell's row in the reject file with sheet and row.
func TestExcelExample(t *testing.T) {
	out := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := pipelines.Load("../../examples/excel-residents.yaml", pipelines.Options{Vars: map[string]string{"XCETL_DEMO_OUT": out}}, pipelines.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ { // mode: replace: a second run leaves the same table
		rep, err := p.Run(context.Background(), pipelines.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.RowsRead != 8 || rep.RowsWritten != 7 || rep.RowsRejected != 1 {
			t.Fatalf("run %d: read %d written %d rejected %d", run, rep.RowsRead, rep.RowsWritten, rep.RowsRejected)
		}
	}
	db, err := sql.Open("sqlite", filepath.Join(out, "excel-residents.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, name, district, street, birth_date, id_card, coalesce(phone, ''), CAST(score AS TEXT), active, registered_at FROM residents ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, active int
		var name, district, street, birth, idCard, phone, score, reg string
		if err := rows.Scan(&id, &name, &district, &street, &birth, &idCard, &phone, &score, &active, &reg); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{name, district, street, birth[:10], idCard, phone, score, map[int]string{0: "f", 1: "t"}[active], reg[:19]}, "|"))
	}
	want := []string{
		"张三|和平区|南营门街|1990-03-07|110101199003071234|13812345678|88.00|t|2024-03-01 08:15:00",
		"李四|和平区|劝业场街|1985-12-31|11010119851231002X|13900000000|92.50|f|2024-03-02 17:30:45",
		"王小明|和平区|小白楼街|2001-07-15|120101200107150037||76.25|t|2024-03-05 09:00:00",
		"赵六|河西区|越秀路街|1963-05-20|120103196305200011|02223456789|65.00|t|2024-03-07 14:05:30",
		"钱七|河西区|马场街|1999-01-01|000103199901010023|18822223333|100.00|f|2024-03-08 16:45:00",
		"孙八|南开区|长虹街|2010-10-10|120104201010100015||58.50|t|2024-03-09 08:00:00",
		"周九|南开区|万兴街|1955-02-28|120104195502280026|13512345678|81.00|t|2024-03-10 11:11:11",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	f, err := os.Open(filepath.Join(out, "excel-residents-rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("reject file %q", recs)
	}
	line := strings.Join(recs[1], "|")
	for _, s := range []string{"excel-residents.xlsx", "居民", "8", "cell H8: the cell holds the error #DIV/0!", "欧阳娜娜", "120103197811020048"} {
		if !strings.Contains(line, s) {
			t.Errorf("reject %q lacks %q (header %q)", line, s, recs[0])
		}
	}
	// The bad cell keeps its text in its column, as the workbook shows it.
	for i, h := range recs[0] {
		if h == "积分" && recs[1][i] != "#DIV/0!" {
			t.Errorf("the reject file's 积分 is %q, want the cell's #DIV/0! (header %q)", recs[1][i], recs[0])
		}
	}
	if !strings.Contains(strings.Join(recs[0], "|"), "积分") {
		t.Errorf("reject file header %q", recs[0])
	}
}
