package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchPages renders pages of size records of 10 fields each, like a
// resident register: a number, Chinese text, an 18-digit ID number, dates,
// a decimal, a nested object (2 of the 10 fields).
func benchPages(pages, size int) [][]byte {
	out := make([][]byte, pages)
	id := 0
	for p := range out {
		var b strings.Builder
		b.WriteString(`{"code":0,"data":[`)
		for k := 0; k < size; k++ {
			id++
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"name":"欧阳%s","gender":"%s","id_card":"1201011990%08d","phone":"138%08d",`+
				`"birth_date":"19%02d-%02d-%02d","addr":{"district":"和平区","street":"南京路%d号"},"score":%d.%02d,"registered_at":"2024-03-01 08:%02d:%02d"}`,
				id, strconv.Itoa(id%97), []string{"男", "女"}[id%2], id, id, id%100, 1+id%12, 1+id%28, id%400, id%100, id%100, id%60, id%60)
		}
		b.WriteString(`],"total":`)
		b.WriteString(strconv.Itoa(pages * size))
		b.WriteString(`}`)
		out[p] = []byte(b.String())
	}
	return out
}

// BenchmarkAPIExtract measures records/s through the extractor (HTTP,
// JSON scanning, flattening, rows) from a local server returning pages of
// 1,000 records of 10 fields. The target is at least 20,000
// records/s.
//
//	go test -run '^$' -bench BenchmarkAPIExtract -benchtime 5x ./extract/api/
func BenchmarkAPIExtract(b *testing.B) {
	const pages, size = 50, 1000
	bodies := benchPages(pages, size)
	empty := []byte(`{"code":0,"data":[],"total":0}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Header().Set("Content-Type", "application/json")
		if p < 1 || p > pages {
			w.Write(empty)
			return
		}
		w.Write(bodies[p-1])
	}))
	defer srv.Close()
	var bytesPerRun int64
	for _, body := range bodies {
		bytesPerRun += int64(len(body))
	}
	b.SetBytes(bytesPerRun)
	b.ReportAllocs()
	var elapsed time.Duration
	records := 0
	for i := 0; i < b.N; i++ {
		e := newSource(b, "type: api\nurl: "+srv.URL+"/residents\nrecords: data\npagination: {type: page, size: 1000}\n", nil, nil)
		start := time.Now()
		ctx := context.Background()
		if _, err := e.Open(ctx); err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			batch, err := e.Next(ctx, 5000)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(batch.Rows)
		}
		e.Close()
		elapsed += time.Since(start)
		if n != pages*size {
			b.Fatalf("%d records, want %d", n, pages*size)
		}
		records += n
	}
	b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
}
