package excel

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// benchWorkbook writes (once per row count, in the temp directory) a
// 10-column resident workbook with excelize's StreamWriter: text, ID
// numbers as text, dates, numbers and date-times.
func benchWorkbook(tb testing.TB, rows int) string {
	tb.Helper()
	full := filepath.Join(os.TempDir(), fmt.Sprintf("xcetl-excel-bench-%d.xlsx", rows))
	if _, err := os.Stat(full); err == nil {
		return full
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	dtStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 22})
	header := []any{"编号", "姓名", "性别", "身份证号", "手机号", "出生日期", "住址", "社区", "积分", "登记时间"}
	if err := sw.SetRow("A1", header); err != nil {
		tb.Fatal(err)
	}
	base := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	row := make([]any, 10)
	for i := 1; i <= rows; i++ {
		row[0] = i
		row[1] = "居民" + strconv.Itoa(i)
		row[2] = []string{"男", "女"}[i%2]
		row[3] = fmt.Sprintf("1101011990%08d", i)
		row[4] = fmt.Sprintf("138%08d", i)
		row[5] = excelize.Cell{StyleID: dateStyle, Value: base.AddDate(0, 0, i%20000)}
		row[6] = "天津市河西区友谊路" + strconv.Itoa(i%500) + "号"
		row[7] = "社区" + strconv.Itoa(i%40)
		row[8] = float64(i%10000) / 100
		row[9] = excelize.Cell{StyleID: dtStyle, Value: base.AddDate(70, 0, i%1000).Add(time.Duration(i%86400) * time.Second)}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(full + ".tmp.xlsx"); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(full+".tmp.xlsx", full); err != nil {
		tb.Fatal(err)
	}
	return full
}

// BenchmarkExtract reads a 100,000-row workbook (set XCETL_EXCEL_BENCH_ROWS
// for another size, XCETL_EXCEL_BENCH_FILE for another workbook of the
// bench's columns, such as LibreOffice's save of it) with types auto and text, and reports rows/s, the CPU
// time (user+system, which a busy machine changes less than wall time) and
// the process's peak RSS.
func BenchmarkExtract(b *testing.B) {
	rows := 100000
	if s := os.Getenv("XCETL_EXCEL_BENCH_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	path := os.Getenv("XCETL_EXCEL_BENCH_FILE") // another workbook of that many rows
	if path == "" {
		path = benchWorkbook(b, rows)
	}
	for _, types := range []string{"auto", "text"} {
		b.Run("types="+types, func(b *testing.B) {
			cpu := cpuSeconds()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ex, err := build(b, filepath.Dir(path), "path: "+filepath.Base(path)+"\ntypes: "+types)
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				if _, err := ex.Open(ctx); err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					bt, err := ex.Next(ctx, 5000)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n += bt.Len()
					if len(bt.Rejects) > 0 {
						b.Fatalf("reject: %+v", bt.Rejects[0])
					}
				}
				ex.Close()
				if n != rows {
					b.Fatalf("%d rows, want %d", n, rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
			b.ReportMetric(maxRSSMiB(), "maxRSS-MiB")
		})
	}
}

// cpuSeconds is the user and system CPU time of this process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// maxRSSMiB is the peak resident set size of this process so far. Run one
// benchmark per process (-test.bench with an exact name) to compare them.
func maxRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024
}

// BenchmarkExcelizeRows reads the same workbook with excelize's Rows
// iterator, for comparison with BenchmarkExtract: display text (the form
// that tells dates from numbers, by formatting them) and raw values.
func BenchmarkExcelizeRows(b *testing.B) {
	rows := 100000
	if s := os.Getenv("XCETL_EXCEL_BENCH_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	path := os.Getenv("XCETL_EXCEL_BENCH_FILE") // another workbook of that many rows
	if path == "" {
		path = benchWorkbook(b, rows)
	}
	for _, raw := range []bool{false, true} {
		b.Run(fmt.Sprint("raw=", raw), func(b *testing.B) {
			cpu := cpuSeconds()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: 16 << 30, UnzipXMLSizeLimit: 16 << 20})
				if err != nil {
					b.Fatal(err)
				}
				it, err := f.Rows(f.GetSheetList()[0])
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for it.Next() {
					cols, err := it.Columns(excelize.Options{RawCellValue: raw})
					if err != nil {
						b.Fatal(err)
					}
					if len(cols) > 0 {
						n++
					}
				}
				it.Close()
				f.Close()
				if n != rows+1 {
					b.Fatalf("%d rows, want %d", n, rows+1)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
			b.ReportMetric(maxRSSMiB(), "maxRSS-MiB")
		})
	}
}

// BenchmarkEncodingXMLReader reads the same workbook's rows with the
// reference reader on encoding/xml (the first version of this package; see
// ref_test.go), for comparison with the scanner.
func BenchmarkEncodingXMLReader(b *testing.B) {
	rows := 100000
	if s := os.Getenv("XCETL_EXCEL_BENCH_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	path := os.Getenv("XCETL_EXCEL_BENCH_FILE") // another workbook of that many rows
	if path == "" {
		path = benchWorkbook(b, rows)
	}
	cpu := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bk, err := openBook(path, path)
		if err != nil {
			b.Fatal(err)
		}
		rc, err := bk.openPart(bk.file(bk.sheets[0].part), unzipSizeLimit, nil)
		if err != nil {
			b.Fatal(err)
		}
		rr := newRefReader(bk, rc, 0)
		var r sheetRow
		n := 0
		for {
			if err := rr.next(&r); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
		rc.Close()
		bk.Close()
		if n != rows+1 {
			b.Fatalf("%d rows, want %d", n, rows+1)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
	b.ReportMetric(maxRSSMiB(), "maxRSS-MiB")
}
