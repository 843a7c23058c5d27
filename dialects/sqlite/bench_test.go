package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/load"
)

// BenchmarkRowsPerInsert loads 200k rows × 10 columns through the loader
// with several statement sizes; it is how RowsPerInsert was chosen:
//
//	go test ./dialects/sqlite -run '^$' -bench RowsPerInsert -benchtime 1x
func BenchmarkRowsPerInsert(b *testing.B) {
	const rows = 200_000
	schema := &xcetl.Schema{}
	kinds := []string{"int", "string", "string", "string", "date", "decimal(10,2)", "string", "timestamp", "bool", "string"}
	for i, k := range kinds {
		ty, _ := xcetl.ParseType(k)
		schema.Columns = append(schema.Columns, xcetl.Column{Name: "c" + strconv.Itoa(i), Type: ty, Nullable: i > 0})
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var batches []*xcetl.Batch
	for start := 0; start < rows; start += 5000 {
		bt := &xcetl.Batch{Schema: schema}
		for i := start; i < start+5000; i++ {
			bt.Rows = append(bt.Rows, []any{int64(i), "110101199003077777", "张三", "13812345678", base,
				xcetl.Decimal("12.50"), "北京市东城区景山前街4号", base.Add(time.Duration(i) * time.Second), i%2 == 0, "note"})
		}
		batches = append(batches, bt)
	}
	defer func() { rowsPerInsert = RowsPerInsert }()
	for _, per := range []int{1, 10, 50, 100, 250, 500, 1000, 3000} {
		b.Run(fmt.Sprint(per), func(b *testing.B) {
			rowsPerInsert = per
			for i := 0; i < b.N; i++ {
				dsn := filepath.Join(b.TempDir(), "bench.db")
				n, err := config.Parse("t.yaml", []byte("type: sqlite\ndsn: "+dsn+"\ntable: t"), nil)
				if err != nil {
					b.Fatal(err)
				}
				l, err := load.NewSQL(Dialect, n, load.Env{})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				start := time.Now()
				if err := l.Open(ctx, schema); err != nil {
					b.Fatal(err)
				}
				for _, bt := range batches {
					c := &xcetl.Batch{Schema: schema, Rows: bt.Rows}
					if err := l.Prepare(c); err != nil {
						b.Fatal(err)
					}
					if _, err := l.Write(ctx, c); err != nil {
						b.Fatal(err)
					}
				}
				if err := l.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				_ = l.Close(ctx)
				b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
			}
		})
	}
}
