package csv

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

// writeBenchFile writes a header and rows records of 10 columns: about
// 150 bytes a row in UTF-8, with Chinese names and quoted addresses holding
// the delimiter when zh is set; in GBK when gbkFile is set.
func writeBenchFile(b *testing.B, path string, rows int, zh, gbkFile bool) int64 {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	names := []string{"Zhang San", "Li Si", "Wang Wu", "Zhao Liu"}
	addr := "Building %d, Binhai Road, Heping District, Tianjin"
	if zh {
		names = []string{"张三", "李四", "王五", "赵六"}
		addr = "天津市和平区滨海路%d号, 3单元"
	}
	flush := func(s string) {
		if gbkFile {
			s = gbk(b, s)
		}
		if _, err := io.WriteString(f, s); err != nil {
			b.Fatal(err)
		}
	}
	var sb strings.Builder
	sb.WriteString("id,name,id_card,phone,birth_date,district,address,score,updated_at,note\n")
	for i := range rows {
		fmt.Fprintf(&sb, "%d,%s%d,11010119900307%04d,1381234%04d,1990-03-07,120101,\""+addr+"\",%d.%02d,2024-05-01 12:30:00,\n",
			i+1, names[i%len(names)], i%1000, i%10000, i%10000, i%500, i%100, i%100)
		if sb.Len() > 1<<20 {
			flush(sb.String())
			sb.Reset()
		}
	}
	flush(sb.String())
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkNext reads 1,000,000 rows × 10 columns per iteration (ns/op is
// the time for the whole file; the budget is well under 2 s on one core;
// cpu-s/op is the CPU time, GC included, which other load on a shared
// machine disturbs less):
//
//	go test ./extract/csv -run XXX -bench Next -benchtime 3x -cpu 1
func BenchmarkNext(b *testing.B) {
	const rows = 1_000_000
	for _, bc := range []struct {
		name         string
		zh, gbk      bool
		encoding     string
		wantRejected int
	}{
		{name: "ascii-utf8-auto", encoding: "auto"},
		{name: "chinese-utf8-auto", zh: true, encoding: "auto"},
		{name: "chinese-gbk-auto", zh: true, gbk: true, encoding: "auto"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			size := writeBenchFile(b, filepath.Join(dir, "bench.csv"), rows, bc.zh, bc.gbk)
			root, err := config.Parse("p.yaml", []byte("type: csv\npath: bench.csv\nencoding: "+bc.encoding+"\n"), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				start := cpuTime()
				ex, err := extract.New(root, extract.Env{BaseDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				if _, err := ex.Open(ctx); err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					bt, err := ex.Next(ctx, 10000)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if len(bt.Rejects) > 0 {
						b.Fatalf("reject: %+v", bt.Rejects[0])
					}
					n += len(bt.Rows)
				}
				ex.Close()
				if n != rows {
					b.Fatalf("read %d rows", n)
				}
				cpu += cpuTime() - start
			}
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
