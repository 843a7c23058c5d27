package csv

import (
	"bufio"
	"bytes"
	stdcsv "encoding/csv"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkSplit compares the splitter with encoding/csv on the bench file
// (both reuse their record): the splitter must not be the slower one.
//
//	go test ./extract/csv -run XXX -bench Split -cpu 1
func BenchmarkSplit(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.csv")
	size := writeBenchFile(b, path, 200_000, true, false)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("splitter", func(b *testing.B) {
		b.SetBytes(size)
		c := conf()
		for b.Loop() {
			s := newSplitter(c, bufio.NewReaderSize(bytes.NewReader(data), readBuffer))
			for {
				if _, err := s.Read(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			r := stdcsv.NewReader(bufio.NewReaderSize(bytes.NewReader(data), readBuffer))
			r.ReuseRecord = true
			r.FieldsPerRecord = -1
			for {
				if _, err := r.Read(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
