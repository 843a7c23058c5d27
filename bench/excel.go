package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// The excel scenario (`-only excel`): `xcetl run` of a `type: excel` pipeline reading a
// 500,000-row, 10-column .xlsx into PostgreSQL.
const (
	excelRowsMax      = 500_000 // rows in the workbook (fewer when -rows is smaller)
	excelRSSTargetMiB = 300.0   // peak RSS, from the issue
	excelRateTarget   = 100_000 // rows/s with types: auto, from issue 15
	excelTable        = "bench_excel"
	excelTextTable    = "bench_excel_text"
	excelSeedTable    = "bench_excel_seed"
	// excelGenVersion is part of the workbook's name: change it when excelWorkbook's output
	// changes, so a cached workbook from an older version is not reused.
	excelGenVersion = "x1"
)

// excelWorkbookName names the workbook made from the CSV of rows rows (the cache key).
func excelWorkbookName(rows int) string {
	return fmt.Sprintf("residents-%s-%d-%s.xlsx", genVersion, rows, excelGenVersion)
}

// ensureExcelWorkbook writes, once, the bench's CSV at csvPath as an .xlsx next to it with
// excelize's StreamWriter, with the cells typed as a person's spreadsheet would have them: 编号
// and 积分 as numbers, 出生日期 as date cells (format 14), 登记时间 as date-time cells (format 22),
// ID and phone numbers as text. It writes to a temporary name and renames at the end.
func ensureExcelWorkbook(csvPath string, rows int) (path string, generated bool, err error) {
	path = filepath.Join(filepath.Dir(csvPath), excelWorkbookName(rows))
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, false, nil
	}
	in, err := os.Open(csvPath)
	if err != nil {
		return "", false, fmt.Errorf("excel workbook: %w", err)
	}
	defer in.Close()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return "", false, err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return "", false, err
	}
	dtStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		return "", false, err
	}
	cr := csv.NewReader(in)
	cr.ReuseRecord = true
	row := make([]any, len(header))
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false, fmt.Errorf("excel workbook: read %s: %w", csvPath, err)
		}
		if n == 0 {
			for i, h := range rec {
				row[i] = h
			}
		} else if err := excelRow(rec, row, dateStyle, dtStyle); err != nil {
			return "", false, fmt.Errorf("excel workbook: %s record %d: %w", csvPath, n, err)
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+1)
		if err := sw.SetRow(cell, row); err != nil {
			return "", false, err
		}
	}
	if err := sw.Flush(); err != nil {
		return "", false, err
	}
	tmp := path + ".tmp.xlsx"
	if err := f.SaveAs(tmp); err != nil {
		return "", false, err
	}
	return path, true, os.Rename(tmp, path)
}

// excelRow converts one CSV record of the bench data into typed cells.
func excelRow(rec []string, row []any, dateStyle, dtStyle int) error {
	id, err := strconv.ParseInt(rec[0], 10, 64)
	if err != nil {
		return err
	}
	birth, err := time.Parse("2006-01-02", rec[5])
	if err != nil {
		return err
	}
	score, err := strconv.ParseFloat(rec[8], 64)
	if err != nil {
		return err
	}
	reg, err := time.Parse("2006-01-02 15:04:05", rec[9])
	if err != nil {
		return err
	}
	row[0], row[1], row[2], row[3], row[4] = id, rec[1], rec[2], rec[3], rec[4]
	row[5] = excelize.Cell{StyleID: dateStyle, Value: birth}
	row[6], row[7], row[8] = rec[6], rec[7], score
	row[9] = excelize.Cell{StyleID: dtStyle, Value: reg}
	return nil
}

// excelPipelineYAML is the bench pipeline with an excel source (types: auto unless types is
// given) in place of the CSV one: the same rename and cast into the same table layout.
func excelPipelineYAML(name, workbook, table, types string) string {
	y := pipelineYAML(name, workbook, table, "append")
	src := "  type: excel\n  path: " + strconv.Quote(workbook) + "\n"
	if types != "" {
		src += "  types: " + types + "\n"
	}
	start := strings.Index(y, "source:\n") + len("source:\n")
	end := strings.Index(y, "transforms:\n")
	return y[:start] + src + y[end:]
}

// excelScenario (`-only excel`): `xcetl run` loads the workbook into PostgreSQL, with the default
// `types: auto` (one pass, the first rows held to type the columns) and with `types: text`. Afterwards both
// tables must equal, row for row, the same rows loaded from the CSV by psql.
func (b *bench) excelScenario(ctx context.Context) error {
	rows := min(b.o.rows, excelRowsMax)
	data, err := b.data(rows)
	if err != nil {
		return err
	}
	start := time.Now()
	book, generated, err := ensureExcelWorkbook(data.path, rows)
	if err != nil {
		return broken("excel: %v", err)
	}
	st, err := os.Stat(book)
	if err != nil {
		return broken("excel: %v", err)
	}
	how := "cached"
	if generated {
		how = fmt.Sprintf("generated in %.1fs", time.Since(start).Seconds())
	}
	fmt.Fprintf(b.out, "workbook: %s, %d rows, %.1f MB (%s)\n", book, rows, float64(st.Size())/1e6, how)
	defer func() {
		if !b.o.keep {
			_ = b.db.exec(context.Background(), "DROP TABLE IF EXISTS "+excelTable+", "+excelTextTable+", "+excelSeedTable)
		}
	}()
	if err := b.db.exec(ctx, "DROP TABLE IF EXISTS "+excelTable+", "+excelTextTable+", "+excelSeedTable,
		createTableSQL(excelTable, false), createTableSQL(excelTextTable, false), createTableSQL(excelSeedTable, false)); err != nil {
		return broken("excel: create tables: %v", err)
	}
	if _, err := runChild(ctx, b.psqlArgv("-c", copyCommand(excelSeedTable, data.path)), b.env,
		filepath.Join(b.o.dir, "logs", "excel-seed.log"), b.scrub); err != nil {
		return broken("excel: load the reference table: %v", err)
	}
	auto := filepath.Join(b.o.dir, "excel.yaml")
	text := filepath.Join(b.o.dir, "excel-text.yaml")
	if err := writeFile(auto, excelPipelineYAML("bench_excel", filepath.Base(book), excelTable, "")); err != nil {
		return broken("%v", err)
	}
	if err := writeFile(text, excelPipelineYAML("bench_excel_text", filepath.Base(book), excelTextTable, "text")); err != nil {
		return broken("%v", err)
	}
	sc := &Scenario{Name: "excel", Rows: rows, File: book, FileBytes: st.Size(),
		Note: "type: excel, 10 columns (numbers, text, date and date-time cells); empty tables without indexes"}
	sc.Contenders = append(sc.Contenders,
		b.xcetlContender("xcetl excel", "excel", auto, excelTable, rows,
			func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE "+excelTable) }, nil),
		b.xcetlContender("xcetl excel types:text", "excel-text", text, excelTextTable, rows,
			func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE "+excelTextTable) }, nil))
	if err := b.runScenario(ctx, sc, b.o.rounds); err != nil {
		return err
	}
	for _, t := range []string{excelTable, excelTextTable} {
		if err := b.db.sameRows(ctx, t, excelSeedTable); err != nil {
			return broken("excel: %s differs from the CSV loaded by psql: %v", t, err)
		}
	}
	fmt.Fprintf(b.out, "check: %s and %s hold exactly the rows psql loads from the same data as CSV\n", excelTable, excelTextTable)
	return nil
}

// excelTargets is the excel scenario's PASS/FAIL line.
func excelTargets(res *Results) []Target {
	c := findContender(res, "excel", "xcetl excel")
	if c == nil || c.RowsPerSec <= 0 {
		return nil
	}
	rows := findScenario(res, "excel").Rows
	return []Target{
		{Name: "excel speed", Value: c.RowsPerSec, Op: ">=", Threshold: excelRateTarget,
			Detail: fmt.Sprintf("xcetl excel (types: auto, one pass) rows/s, loading %d rows", rows)},
		{Name: "excel memory", Value: c.PeakRSSMiB, Op: "<", Threshold: excelRSSTargetMiB,
			Detail: fmt.Sprintf("xcetl excel (types: auto) peak RSS, MiB, loading %d rows at %.0f rows/s", rows, c.RowsPerSec)}}
}
