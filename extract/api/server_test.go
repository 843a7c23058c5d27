package api

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

// Values come out as the API sent them: strings as strings, numbers as
// their text (an 18-digit number is not damaged by a float64), booleans as
// true/false, null as NULL, nested objects flattened with "_", arrays as
// their compact JSON text; columns in the order first seen.
func TestValues(t *testing.T) {
	srv := newAPIServer(t, "none", []string{
		resident(1),
		`{"id":2,"name":"O\"Brien \u5f20\ud83d\ude00","big":-0.5e-3,"extra_first_page":"x"}`,
	}, nil)
	e := newSource(t, "type: api\nurl: "+srv.URL+"\nrecords: data.items\n", nil, nil)
	res := mustDrain(t, e, 100)
	wantCols := []string{"id", "name", "id_card", "big", "score", "addr_city", "addr_street_no", "active", "note", "tags", "extra_first_page"}
	if got := res.schema.Names(); !reflect.DeepEqual(got, wantCols) {
		t.Fatalf("columns %v\nwant    %v", got, wantCols)
	}
	want := [][]any{
		{"1", "居民1", "110101199000000001", "110101199000000001", "1.50", "天津", "1", "false", nil, `["a",1]`, nil},
		{"2", "O\"Brien 张😀", nil, "-0.5e-3", nil, nil, nil, nil, nil, nil, "x"},
	}
	if !reflect.DeepEqual(res.rows, want) {
		t.Fatalf("rows\n%q\nwant\n%q", res.rows, want)
	}
	for _, c := range res.schema.Columns {
		if c.Type.Kind.String() != "string" || !c.Nullable {
			t.Fatalf("column %+v: want nullable string", c)
		}
	}
}

// Records come from wherever `records` points, also the body itself; a
// null list is an empty page.
func TestRecordsPath(t *testing.T) {
	tests := []struct {
		name, body, records string
		want                int
		err                 string
	}{
		{"body itself", `[{"a":1},{"a":2}]`, "", 2, ""},
		{"nested", `{"x":{"y":{"z":[{"a":1}]}}}`, "x.y.z", 1, ""},
		{"null is empty", `{"data":null}`, "data", 0, ""},
		{"BOM tolerated", "\uFEFF[{\"a\":1}]", "", 1, ""},
		{"missing key", `{"data":{"rows":[]}}`, "data.items", 0, `records path "data.items": data has no key "items"`},
		{"not an object", `{"data":[1]}`, "data.items", 0, `records path "data.items": data is an array, not an object with key "items"`},
		{"not an array", `{"data":{"items":{"a":1}}}`, "data.items", 0, `records path "data.items" is an object, not an array of records`},
		{"body not an array", `{"a":1}`, "", 0, `the body (records is empty) is an object, not an array of records`},
		{"string", `{"data":"oops"}`, "data", 0, `records path "data" is a string, not an array`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tt.body) }))
			defer srv.Close()
			e := newSource(t, fmt.Sprintf("type: api\nurl: %s\nrecords: %q\ncolumns: [a]\n", srv.URL, tt.records), nil, nil)
			res, err := drain(context.Background(), e, 10)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), "the body starts: ") {
					t.Fatalf("error %v; want it to contain %q, the URL and the body", err, tt.err)
				}
				return
			}
			if err != nil || len(res.rows) != tt.want {
				t.Fatalf("%v rows, err %v; want %d", res, err, tt.want)
			}
		})
	}
}

// Bad responses fail the run with the URL (secrets redacted), the status
// and the first 200 bytes of the body.
func TestBadResponses(t *testing.T) {
	long := strings.Repeat("错", 150) // 450 bytes
	tests := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"html", 200, "<html><body>Service Unavailable</body></html>", []string{"HTTP 200, but the response is not valid JSON", "invalid JSON at byte 0", "<html><body>Service"}},
		{"truncated", 200, `{"data":{"items":[{"id":1},{"id":`, []string{"the JSON ends too early at byte 33 (truncated response?)"}},
		{"trailing garbage", 200, `{"data":{"items":[]}} x`, []string{`invalid JSON at byte 22: expected the end of the JSON, found 'x'`}},
		{"404", 404, `{"error":"no such district"}`, []string{"HTTP 404 Not Found", `{"error":"no such district"}`}},
		{"403 long body", 403, long, []string{"HTTP 403 Forbidden", strings.Repeat("错", 66) + " …"}},
		{"400 empty", 400, "", []string{"HTTP 400 Bad Request: (empty body)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			e := newSource(t, "type: api\nurl: "+srv.URL+"/r?access_token=${TOKEN}&district=120101\nrecords: data.items\ncolumns: [id]\nbackoff: 1ms\n",
				map[string]string{"TOKEN": "s3cr3t-token"}, nil)
			_, err := drain(context.Background(), e, 10)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range append(tt.want, srv.URL+"/r?access_token=***&district=120101") {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "s3cr3t") {
				t.Errorf("error shows the token: %s", msg)
			}
			if hits.Load() != 1 {
				t.Errorf("%d requests; a bad response must not be retried", hits.Load())
			}
		})
	}
}

// Transient failures (500, 503, 429, 408, a dropped connection) are retried
// and the load completes with every record exactly once.
func TestTransientFailuresRetried(t *testing.T) {
	drop := func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n%3 != 0 {
			return false
		}
		// Promise a body and hang up halfway through it.
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		io.WriteString(w, `{"data":{"items":[`)
		w.(http.Flusher).Flush()
		conn, _, _ := http.NewResponseController(w).Hijack()
		conn.Close()
		return true
	}
	tests := []struct {
		name string
		f    fault
	}{
		{"every 2nd request 500", everyNth(2, 500)},
		{"every 3rd request 503", everyNth(3, 503)},
		{"every 2nd request 429", everyNth(2, 429)},
		{"every 2nd request 408", everyNth(2, 408)},
		{"connection dropped mid-body", drop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAPIServer(t, "page", records(95), tt.f)
			e := newSource(t, "type: api\nurl: "+srv.URL+"/r\nrecords: data.items\npagination: {type: page, size: 10}\nbackoff: 1ms\nretries: 3\n", nil, nil)
			res := mustDrain(t, e, 1000)
			ids := res.col(t, "id")
			if len(ids) != 95 {
				t.Fatalf("%d rows, want 95", len(ids))
			}
			for i, id := range ids {
				if id != strconv.Itoa(i+1) {
					t.Fatalf("row %d has id %v: a record was lost or loaded twice", i, id)
				}
			}
		})
	}
}

// Retries are capped: after `retries` retries the run fails with the last
// status; a connection refused is retried too.
func TestRetriesExhausted(t *testing.T) {
	srv := newAPIServer(t, "page", records(5), failFirst(100, 502, ""))
	e := newSource(t, "type: api\nurl: "+srv.URL+"/r\nrecords: data.items\ncolumns: [id]\nretries: 2\nbackoff: 1ms\n", nil, nil)
	_, err := drain(context.Background(), e, 10)
	if err == nil || !strings.Contains(err.Error(), "HTTP 502 Bad Gateway") || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Fatalf("error %v", err)
	}
	if n := srv.requests.Load(); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	e = newSource(t, "type: api\nurl: "+url+"\ncolumns: [id]\nretries: 1\nbackoff: 1ms\n", nil, nil)
	_, err = drain(context.Background(), e, 10)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "gave up after 2 attempts") {
		t.Fatalf("error %v", err)
	}
}

// Retry-After is honoured in both forms, and capped by max_backoff.
func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		header   func() string
		extra    string
		min, max time.Duration
	}{
		{"seconds", func() string { return "1" }, "", 900 * time.Millisecond, 10 * time.Second},
		{"http-date", func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }, "", 900 * time.Millisecond, 10 * time.Second},
		{"capped by max_backoff", func() string { return "3600" }, "max_backoff: 300ms\n", 250 * time.Millisecond, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAPIServer(t, "none", records(3), func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n > 1 {
					return false
				}
				w.Header().Set("Retry-After", tt.header())
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return true
			})
			e := newSource(t, "type: api\nurl: "+srv.URL+"\nrecords: data.items\nbackoff: 1ms\n"+tt.extra, nil, nil)
			start := time.Now()
			res := mustDrain(t, e, 10)
			within(t, "the load", time.Since(start), tt.min, tt.max)
			if len(res.rows) != 3 {
				t.Fatalf("%d rows", len(res.rows))
			}
		})
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"-5", 0}, {"7", 7 * time.Second}, {" 120 ", 2 * time.Minute},
		{"Fri, 01 Mar 2024 12:00:30 GMT", 30 * time.Second}, {"Fri, 01 Mar 2024 11:00:00 GMT", 0},
		{"soon", 0}, {"99999999999", 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	e := newSource(t, "type: api\nurl: http://h/\nbackoff: 100ms\nmax_backoff: 1s\n", nil, nil)
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for k := 0; k < 50; k++ {
			d := e.backoffFor(n)
			if d < want/2 || d > want {
				t.Fatalf("backoff %d = %s, want within [%s, %s]", n, d, want/2, want)
			}
		}
	}
}

// A slow server hits the timeout; the attempt is retried; a server that is
// always too slow fails the run naming the timeout.
func TestTimeout(t *testing.T) {
	slowFirst := func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 1 {
			// Far longer than any machine is slow: only the 200ms
			// timeout gets the load done in time.
			select {
			case <-time.After(30 * time.Second):
			case <-r.Context().Done():
			}
		}
		return false
	}
	srv := newAPIServer(t, "none", records(3), slowFirst)
	e := newSource(t, "type: api\nurl: "+srv.URL+"\nrecords: data.items\ntimeout: 200ms\nbackoff: 1ms\n", nil, nil)
	start := time.Now()
	res := mustDrain(t, e, 10)
	if len(res.rows) != 3 {
		t.Fatalf("%d rows", len(res.rows))
	}
	within(t, "the load", time.Since(start), 150*time.Millisecond, 15*time.Second)

	always := newAPIServer(t, "none", records(3), func(n int, w http.ResponseWriter, r *http.Request) bool {
		// Headers at once, then the body never finishes: the timeout
		// covers reading the body too.
		w.WriteHeader(200)
		io.WriteString(w, `{"data":{"items":[`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return true
	})
	e = newSource(t, "type: api\nurl: "+always.URL+"\nrecords: data.items\ntimeout: 100ms\nretries: 1\nbackoff: 1ms\ncolumns: [id]\n", nil, nil)
	_, err := drain(context.Background(), e, 10)
	if err == nil || !strings.Contains(err.Error(), "no complete response within timeout 100ms") || !strings.Contains(err.Error(), "gave up after 2 attempts") {
		t.Fatalf("error %v", err)
	}
}

// Cancelling the context stops a backoff wait at once.
func TestCancelDuringBackoff(t *testing.T) {
	srv := newAPIServer(t, "none", records(3), failFirst(100, 503, "30"))
	e := newSource(t, "type: api\nurl: "+srv.URL+"\ncolumns: [id]\nretries: 5\n", nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.requests.Load() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, err := drain(ctx, e, 10)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	within(t, "the cancelled load", time.Since(start), 0, 10*time.Second) // the server asked for 30s
}

// rate_limit spaces requests.
func TestRateLimit(t *testing.T) {
	srv := newAPIServer(t, "page", records(40), nil)
	e := newSource(t, "type: api\nurl: "+srv.URL+"/r\nrecords: data.items\npagination: {type: page, size: 10}\nrate_limit: 20/s\n", nil, nil)
	start := time.Now()
	res := mustDrain(t, e, 100)
	// 5 requests (4 full pages and an empty one) at 50ms intervals.
	within(t, "5 requests at 20/s", time.Since(start), 190*time.Millisecond, 10*time.Second)
	if len(res.rows) != 40 {
		t.Fatalf("%d rows", len(res.rows))
	}
}

// A response larger than max_response_size is an error, never a silently
// truncated page; with and without Content-Length.
func TestMaxResponseSize(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body := `[` + strings.Join(records(100), ",") + `]`
				if !chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				}
				io.WriteString(w, body)
			}))
			defer srv.Close()
			e := newSource(t, "type: api\nurl: "+srv.URL+"\nmax_response_size: 4KiB\n", nil, nil)
			_, err := drain(context.Background(), e, 10)
			if err == nil || !strings.Contains(err.Error(), "max_response_size 4KiB") {
				t.Fatalf("error %v", err)
			}
		})
	}
}

// A page larger than the batch is handed out over several Next calls, and
// a batch can span pages; memory holds one page at a time.
func TestPageSplitAcrossBatches(t *testing.T) {
	srv := newAPIServer(t, "page", records(250), nil)
	e := newSource(t, "type: api\nurl: "+srv.URL+"\nrecords: data.items\npagination: {type: page, size: 100}\n", nil, nil)
	ctx := context.Background()
	if _, err := e.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var sizes []int
	total := 0
	for {
		b, err := e.Next(ctx, 30)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(b.Rows))
		total += len(b.Rows)
		if got := srv.requests.Load(); int(got) > total/100+2 {
			t.Fatalf("after %d rows, %d pages were requested: pages are fetched ahead", total, got)
		}
	}
	if total != 250 || len(sizes) != 9 || sizes[3] != 30 || sizes[8] != 10 {
		t.Fatalf("batch sizes %v (total %d)", sizes, total)
	}
	if done, all := e.Progress(); done != 250 || all != 250 {
		t.Fatalf("progress %d/%d", done, all)
	}
}

// Fields not in the schema are rejected, never dropped: the reject names
// them; with columns: they are left out by default (that is what columns
// is for), or rejected with extra_fields: reject.
func TestExtraFields(t *testing.T) {
	recs := []string{`{"id":1,"name":"a"}`, `{"id":2,"name":"b"}`, `{"id":3,"name":"c","phone":"138"}`, `{"id":4,"addr":{"city":"x"}}`, `[1,2]`}
	tests := []struct {
		name, extra string
		rows        int
		rejects     []string
	}{
		{"inferred", "", 2, []string{`field "phone" is not a column (the columns come from the records of the first page`, `field "addr_city" is not a column`, "the record is an array, not a JSON object: [1,2]"}},
		{"inferred ignore", "extra_fields: ignore\n", 4, []string{"the record is an array"}},
		{"columns", "columns: [id, name]\n", 4, []string{"the record is an array"}},
		{"columns reject", "columns: [id, name]\nextra_fields: reject\n", 2, []string{`field "phone" is not a column (not in ` + "`columns:`", `field "addr_city"`, "the record is an array"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAPIServer(t, "page", recs, nil)
			srv.size = 2
			e := newSource(t, "type: api\nurl: "+srv.URL+"\nrecords: data.items\npagination: {type: page, size: 2}\n"+tt.extra, nil, nil)
			res := mustDrain(t, e, 100)
			if len(res.rows) != tt.rows || len(res.rejects) != len(tt.rejects) {
				t.Fatalf("%d rows, rejects %+v", len(res.rows), res.rejects)
			}
			for i, w := range tt.rejects {
				rj := res.rejects[i]
				if !strings.Contains(rj.Reason, w) || rj.Origin.Record == 0 || !strings.Contains(rj.Origin.File, "(page ") {
					t.Errorf("reject %d: %+v; want reason with %q", i, rj, w)
				}
			}
			if tt.name == "inferred" {
				if rj := res.rejects[0]; rj.Origin.Record != 3 || !reflect.DeepEqual(rj.Raw, []string{"3", "c"}) || !strings.HasSuffix(rj.Origin.File, "?page=2&size=2 (page 2)") {
					t.Errorf("reject %+v: want record 3 of page 2 with its values", rj)
				}
				if rj := res.rejects[2]; rj.Origin.Record != 5 || !strings.HasSuffix(rj.Origin.File, "(page 3)") {
					t.Errorf("reject %+v: want record 5 of page 3", rj)
				}
			}
		})
	}
}

// Two fields that flatten to one column reject the record.
func TestFlattenCollision(t *testing.T) {
	srv := newAPIServer(t, "none", []string{`{"a_b":1,"a":{"b":2}}`, `{"a_b":3}`, `{"a_b":4,"a_b":5}`}, nil)
	e := newSource(t, "type: api\nurl: "+srv.URL+"\nrecords: data.items\n", nil, nil)
	res := mustDrain(t, e, 10)
	if len(res.rows) != 1 || res.rows[0][0] != "3" || len(res.rejects) != 2 || !strings.Contains(res.rejects[0].Reason, `two fields of the record give column "a_b"`) {
		t.Fatalf("rows %v rejects %+v", res.rows, res.rejects)
	}
}

// The first page must say what the columns are, unless columns: does.
func TestSchemaInferenceErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{`[]`, "the first page has no records"},
		{`[1, "x"]`, "are not JSON objects"},
		{`[{}, {"a":{}}]`, "empty objects"},
		{`[{"":1}]`, "a field with an empty name"},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tt.body) }))
		e := newSource(t, "type: api\nurl: "+srv.URL+"\n", nil, nil)
		_, err := e.Open(context.Background())
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.body, err, tt.want)
		}
	}
}

// Servers that would make pagination go on forever fail the run (or end it
// where that is safe) instead of loading the same records again.
func TestLoopGuards(t *testing.T) {
	page := func(items, next string, link string) fault {
		return func(n int, w http.ResponseWriter, r *http.Request) bool {
			if link != "" {
				w.Header().Set("Link", link)
			}
			fmt.Fprintf(w, `{"items":[%s,{"n":%d}],"next":%s}`, items, n, next)
			return true
		}
	}
	tests := []struct {
		name, pag string
		f         fault
		rows      int
		err       string
	}{
		{"page ignored", "{type: page, size: 1}", func(n int, w http.ResponseWriter, r *http.Request) bool {
			io.WriteString(w, `{"items":[{"id":1}]}`)
			return true
		}, 0, "returned exactly the same response as page 1: the API ignores the paging parameter (page_param \"page\"), or it answers pages past the end with the last page again"},
		{"last page repeated past the end", "{type: page, size: 1}", func(n int, w http.ResponseWriter, r *http.Request) bool {
			p, _ := strconv.Atoi(r.URL.Query().Get("page"))
			fmt.Fprintf(w, `{"items":[{"n":%d}]}`, min(p, 3))
			return true
		}, 3, ""},
		{"cursor to itself", "{type: cursor, cursor_path: next}", func(n int, w http.ResponseWriter, r *http.Request) bool {
			fmt.Fprintf(w, `{"items":[{"n":%d}],"next":"c1"}`, n)
			return true
		}, 2, ""},
		{"cursor cycle", "{type: cursor, cursor_path: next}", func(n int, w http.ResponseWriter, r *http.Request) bool {
			fmt.Fprintf(w, `{"items":[{"n":%d}],"next":"c%d"}`, n, n%2)
			return true
		}, 0, "the cursor leads back to page 2; the API is going round in circles"},
		{"link to itself", "{type: link}", page(`{"id":1}`, "null", `</r?p=1>; rel="next"`), 0, ""},
		{"link cycle", "{type: link}", func(n int, w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Link", fmt.Sprintf(`</r?p=%d>; rel="next"`, n%2))
			fmt.Fprintf(w, `{"items":[{"n":%d}]}`, n)
			return true
		}, 0, "the next link leads back to page 2"},
		{"link to another server", "{type: link}", page(`{"id":1}`, "null", `<http://elsewhere.example/r?p=2>; rel="next"`), 0, "the next link points to another server (http://elsewhere.example)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAPIServer(t, "none", nil, tt.f)
			url := srv.URL + "/r"
			if strings.Contains(tt.name, "link to itself") {
				url += "?p=1"
			}
			e := newSource(t, "type: api\nurl: "+url+"\nrecords: items\ncolumns: [n]\npagination: "+tt.pag+"\n", nil, nil)
			res, err := drain(context.Background(), e, 100)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.rows > 0 && len(res.rows) != tt.rows {
				t.Fatalf("%d rows, want %d", len(res.rows), tt.rows)
			}
			if srv.requests.Load() > 4 {
				t.Fatalf("%d requests", srv.requests.Load())
			}
		})
	}
}

// Static headers with ${SECRET}, params, and a JSON body for POST, also with
// the paging values in the body.
func TestRequestShape(t *testing.T) {
	type seen struct{ method, uri, auth, key, ctype, body string }
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Content-Type"), string(b)})
		if len(got) == 1 {
			io.WriteString(w, `{"rows":[{"id":1},{"id":2}]}`)
		} else {
			io.WriteString(w, `{"rows":[{"id":3}]}`)
		}
	}))
	defer srv.Close()
	vars := map[string]string{"TOKEN": "tok-123456", "KEY": "key-abcdef"}
	e := newSource(t, `type: api
url: `+srv.URL+`/q?v=2
method: post
headers: {Authorization: "Bearer ${TOKEN}", X-Api-Key: "${KEY}"}
params: {district: "120101", 区: 和平}
body: {query: {status: active, since: "2024-01-01", limit: 5, ok: true, none: null, codes: ["01", 2]}}
records: rows
pagination: {type: page, size: 2}
`, vars, nil)
	if res := mustDrain(t, e, 10); len(res.rows) != 3 {
		t.Fatalf("%d rows", len(res.rows))
	}
	wantBody := `{"query":{"status":"active","since":"2024-01-01","limit":5,"ok":true,"none":null,"codes":["01",2]}}`
	want := []seen{
		{"POST", "/q?v=2&district=120101&%E5%8C%BA=%E5%92%8C%E5%B9%B3&page=1&size=2", "Bearer tok-123456", "key-abcdef", "application/json", wantBody},
		{"POST", "/q?v=2&district=120101&%E5%8C%BA=%E5%92%8C%E5%B9%B3&page=2&size=2", "Bearer tok-123456", "key-abcdef", "application/json", wantBody},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("requests\n%+v\nwant\n%+v", got, want)
	}

	got = nil
	e = newSource(t, `type: api
url: `+srv.URL+`/q
method: POST
body: {filter: {area: "120101"}}
records: rows
pagination: {type: page, page_param: pageNo, size_param: pageSize, size: 2, in: body}
`, nil, nil)
	mustDrain(t, e, 10)
	if len(got) != 2 || got[0].uri != "/q" || got[0].body != `{"filter":{"area":"120101"},"pageNo":1,"pageSize":2}` || got[1].body != `{"filter":{"area":"120101"},"pageNo":2,"pageSize":2}` {
		t.Fatalf("requests %+v", got)
	}
}

// Basic auth sends the credentials; a wrong password fails with 401 and
// the password appears nowhere.
func TestBasicAuth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "etl" || p != "pa55-w0rd" {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":"bad credentials for %s:%s"}`, u, p)
			return
		}
		io.WriteString(w, `[{"id":1}]`)
	}))
	defer srv.Close()
	for _, pw := range []string{"pa55-w0rd", "wrong-pass"} {
		e := newSource(t, "type: api\nurl: "+srv.URL+"\nauth: {type: basic, username: etl, password: \"${PW}\"}\n", map[string]string{"PW": pw}, nil)
		res, err := drain(context.Background(), e, 10)
		if pw == "pa55-w0rd" {
			if err != nil || len(res.rows) != 1 {
				t.Fatalf("rows %v err %v", res, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "HTTP 401 Unauthorized") || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "etl:***") {
			t.Fatalf("error %v", err)
		}
	}
}

// oauth2_client_credentials: the token is fetched once and cached, sent as
// Bearer, fetched again when it expires, and refreshed once when the API
// answers 401; a second 401 fails the run.
func TestOAuth2(t *testing.T) {
	type state struct {
		tokens      atomic.Int64
		revokeAfter int64 // API requests after which the current token is revoked
		apiCalls    atomic.Int64
		expiresIn   string
		always401   bool
	}
	setup := func(t *testing.T, st *state) *httptest.Server {
		mux := http.NewServeMux()
		mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
			id, secret, _ := r.BasicAuth()
			// RFC 6749 2.3.1: form-encoded before Basic.
			id, _ = url.QueryUnescape(id)
			secret, _ = url.QueryUnescape(secret)
			if r.Method != "POST" || id != "client-1" || secret != "cl!ent secret" || r.FormValue("grant_type") != "client_credentials" || r.FormValue("scope") != "read" {
				w.WriteHeader(401)
				io.WriteString(w, `{"error":"invalid_client"}`)
				return
			}
			n := st.tokens.Add(1)
			fmt.Fprintf(w, `{"access_token":"tok-%d-xyz","token_type":"bearer","expires_in":%s}`, n, st.expiresIn)
		})
		mux.HandleFunc("/r", func(w http.ResponseWriter, r *http.Request) {
			calls := st.apiCalls.Add(1)
			want := fmt.Sprintf("Bearer tok-%d-xyz", st.tokens.Load())
			if st.always401 || r.Header.Get("Authorization") != want || (st.revokeAfter > 0 && calls == st.revokeAfter+1) {
				w.WriteHeader(401)
				fmt.Fprintf(w, `{"error":"token %s rejected"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
				return
			}
			p, _ := strconv.Atoi(r.URL.Query().Get("page"))
			if p > 4 {
				io.WriteString(w, `{"items":[]}`)
				return
			}
			fmt.Fprintf(w, `{"items":[{"id":%d}]}`, p)
		})
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		return srv
	}
	src := func(srv *httptest.Server) string {
		return "type: api\nurl: " + srv.URL + "/r\nrecords: items\npagination: {type: page, size: 1, stop_on_short_page: false}\n" +
			"auth: {type: oauth2_client_credentials, token_url: " + srv.URL + "/token, client_id: client-1, client_secret: \"${CS}\", scope: read}\n"
	}
	vars := map[string]string{"CS": "cl!ent secret"}

	t.Run("cached", func(t *testing.T) {
		st := &state{expiresIn: "3600"}
		srv := setup(t, st)
		res := mustDrain(t, newSource(t, src(srv), vars, nil), 10)
		if len(res.rows) != 4 || st.tokens.Load() != 1 {
			t.Fatalf("%d rows, %d tokens; want 4 rows with 1 token", len(res.rows), st.tokens.Load())
		}
	})
	t.Run("expired", func(t *testing.T) {
		st := &state{expiresIn: `"0.000001"`}
		srv := setup(t, st)
		res := mustDrain(t, newSource(t, src(srv), vars, nil), 10)
		if len(res.rows) != 4 || st.tokens.Load() != 5 {
			t.Fatalf("%d rows, %d tokens; want a token per request", len(res.rows), st.tokens.Load())
		}
	})
	t.Run("refresh on 401", func(t *testing.T) {
		st := &state{expiresIn: "3600", revokeAfter: 2}
		srv := setup(t, st)
		var logs logBuf
		res := mustDrain(t, newSource(t, src(srv), vars, slog.New(slog.NewTextHandler(&logs, nil))), 10)
		if len(res.rows) != 4 || st.tokens.Load() != 2 {
			t.Fatalf("%d rows, %d tokens; want 4 rows, 2 tokens", len(res.rows), st.tokens.Load())
		}
		if !strings.Contains(logs.String(), "fetching a new oauth2 token") || strings.Contains(logs.String(), "tok-") {
			t.Fatalf("logs:\n%s", logs.String())
		}
	})
	t.Run("401 twice fails", func(t *testing.T) {
		st := &state{expiresIn: "3600", always401: true}
		srv := setup(t, st)
		_, err := drain(context.Background(), newSource(t, src(srv), vars, nil), 10)
		if err == nil || !strings.Contains(err.Error(), "HTTP 401") || st.tokens.Load() != 2 || strings.Contains(err.Error(), "tok-") {
			t.Fatalf("error %v, %d tokens", err, st.tokens.Load())
		}
	})
	t.Run("bad client secret", func(t *testing.T) {
		st := &state{expiresIn: "3600"}
		srv := setup(t, st)
		_, err := drain(context.Background(), newSource(t, src(srv), map[string]string{"CS": "wrong-secret"}, nil), 10)
		if err == nil || !strings.Contains(err.Error(), "oauth2 token request to "+srv.URL+"/token: HTTP 401") || strings.Contains(err.Error(), "wrong-secret") {
			t.Fatalf("error %v", err)
		}
		if st.apiCalls.Load() != 0 {
			t.Fatalf("the API was called without a token")
		}
	})
}

func TestParseToken(t *testing.T) {
	tests := []struct {
		body, tok string
		exp       time.Duration
		err       string
	}{
		{`{"access_token":"a","token_type":"Bearer","expires_in":60}`, "a", time.Minute, ""},
		{`{"access_token":"a","expires_in":"90"}`, "a", 90 * time.Second, ""},
		{`{"access_token":"a"}`, "a", 0, ""},
		{"\uFEFF" + `{"access_token":"a\u0062"}`, "ab", 0, ""},
		{`{"token_type":"bearer"}`, "", 0, "no access_token"},
		{`{"access_token":"a","token_type":"mac"}`, "", 0, `token_type is "mac"`},
		{`{"access_token":"a","expires_in":"soon"}`, "", 0, `expires_in "soon"`},
		{`<html>`, "", 0, "not JSON"},
		{`[1]`, "", 0, "not a JSON object"},
	}
	for _, tt := range tests {
		tok, exp, err := parseToken([]byte(tt.body))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.body, err, tt.err)
			}
			continue
		}
		if err != nil || tok != tt.tok || exp != tt.exp {
			t.Errorf("%s: %q %s %v", tt.body, tok, exp, err)
		}
	}
}

// TLS: an untrusted certificate fails with a hint; ca_file trusts it;
// insecure_skip_verify works and warns.
func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `[{"id":1}]`) }))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	cert := srv.Certificate()
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParseCertificate(cert.Raw); err != nil {
		t.Fatal(err)
	}

	e := newSource(t, "type: api\nurl: "+srv.URL+"\nretries: 3\n", nil, nil)
	_, err := drain(context.Background(), e, 10)
	if err == nil || !strings.Contains(err.Error(), "give its certificate authority in ca_file") || strings.Contains(err.Error(), "gave up") {
		t.Fatalf("error %v; want a certificate error that is not retried", err)
	}

	e = newSource(t, "type: api\nurl: "+srv.URL+"\nca_file: "+ca+"\n", nil, nil)
	if res := mustDrain(t, e, 10); len(res.rows) != 1 {
		t.Fatalf("rows %v", res.rows)
	}

	var logs logBuf
	e = newSource(t, "type: api\nurl: "+srv.URL+"\ninsecure_skip_verify: true\n", nil, slog.New(slog.NewTextHandler(&logs, nil)))
	if res := mustDrain(t, e, 10); len(res.rows) != 1 {
		t.Fatalf("rows %v", res.rows)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "insecure_skip_verify is on") {
		t.Fatalf("no warning: %s", logs.String())
	}

	e = newSource(t, "type: api\nurl: "+srv.URL+"\nca_file: missing.pem\n", nil, nil)
	if _, err := e.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "ca_file missing.pem") {
		t.Fatalf("error %v", err)
	}
}

// Secrets never appear in errors, origins, logs or Describe: header
// values, tokens in the URL, userinfo passwords, interpolated params.
func TestSecretsStayHidden(t *testing.T) {
	secrets := map[string]string{"TOKEN": "tok-SECRET-1", "SIGN": "sig-SECRET-2", "HDR": "hdr-SECRET-3", "PW": "pw-SECRET-4"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			w.WriteHeader(418)
			// An unhelpful server echoes everything back.
			fmt.Fprintf(w, "you sent %s %s %v", r.URL.RawQuery, r.Header.Get("X-Auth"), r.Header.Get("Authorization"))
			return
		}
		io.WriteString(w, `[{"id":1},{"id":2,"extra":"x"}]`)
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://etl:${PW}@", 1)
	var logs logBuf
	e := newSource(t, `type: api
url: `+u+`/r?access_token=${TOKEN}
headers: {X-Auth: "${HDR}"}
params: {s: "${SIGN}"}
columns: [id]
extra_fields: reject
pagination: {type: page, size: 1}
`, secrets, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	res, err := drain(context.Background(), e, 2)
	if err == nil {
		t.Fatal("no error")
	}
	texts := []string{err.Error(), logs.String(), e.Describe()}
	for _, rj := range res.rejects {
		texts = append(texts, rj.Origin.String(), rj.Reason)
	}
	for _, o := range res.origins {
		texts = append(texts, o.String())
	}
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) || strings.Contains(text, "SECRET") {
				t.Errorf("secret %s shown in %q", s, text)
			}
		}
	}
	if !strings.Contains(err.Error(), "HTTP 418") || !strings.Contains(err.Error(), "access_token=***") || len(res.rows) != 1 || len(res.rejects) != 1 {
		t.Fatalf("error %v, rows %v", err, res.rows)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://h/r?page=2", "http://h/r?page=2"},
		{"https://u:p4ss@h:8443/r", "https://u:***@h:8443/r"},
		{"http://h/r?api_key=abc&x=1&Signature=zz&appKey=k#frag", "http://h/r?api_key=***&x=1&Signature=***&appKey=***"},
		{"http://h/r?access%5Ftoken=abc", "http://h/r?access%5Ftoken=***"},
		{"http://h/r?flag&token=", "http://h/r?flag&token=***"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		var s xcetl.Scrubber
		if got := redactURL(u, &s); got != tt.want {
			t.Errorf("redactURL(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	var s xcetl.Scrubber
	s.Add("topsecret")
	tests := []struct{ in, want string }{
		{"", "(empty body)"},
		{"  \n ", "(empty body)"},
		{"line1\nline2\ttab\x00nul", "line1 line2 tab\uFFFDnul"},
		{"key=topsecret", "key=***"},
		{strings.Repeat("a", 199) + "中文", strings.Repeat("a", 199) + " …"},
		{strings.Repeat("a", 197) + "中文", strings.Repeat("a", 197) + "中 …"},
		{"\xff\xfe bad", "\uFFFD bad"},
	}
	for _, tt := range tests {
		if got := snippet([]byte(tt.in), &s); got != tt.want {
			t.Errorf("snippet(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A redirect to another host is followed without the source's headers and
// credentials; a redirect on the same host keeps them.
func TestRedirects(t *testing.T) {
	var otherSaw, sameSaw string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherSaw = r.Header.Get("X-Api-Key") + "|" + r.Header.Get("Authorization")
		io.WriteString(w, `[{"id":1}]`)
	}))
	defer other.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL+"/x", http.StatusFound) })
	mux.HandleFunc("/here", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) {
		sameSaw = r.Header.Get("X-Api-Key") + "|" + r.Header.Get("Authorization")
		io.WriteString(w, `[{"id":2}]`)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	src := func(path string) string {
		return "type: api\nurl: " + srv.URL + path + "\nheaders: {X-Api-Key: k-123456}\nauth: {type: basic, username: u, password: p-123456}\nretries: 0\n"
	}
	if res := mustDrain(t, newSource(t, src("/away"), nil, nil), 10); len(res.rows) != 1 || otherSaw != "|" {
		t.Fatalf("rows %v; the other host saw %q", res.rows, otherSaw)
	}
	if res := mustDrain(t, newSource(t, src("/here"), nil, nil), 10); len(res.rows) != 1 || sameSaw != "k-123456|Basic dTpwLTEyMzQ1Ng==" {
		t.Fatalf("rows %v; the same host saw %q", res.rows, sameSaw)
	}
	if _, err := drain(context.Background(), newSource(t, src("/loop"), nil, nil), 10); err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Fatalf("error %v", err)
	}
}

// Stats count pages, requests, retries, bytes and tokens.
func TestStats(t *testing.T) {
	srv := newAPIServer(t, "page", records(25), everyNth(3, 503))
	e := newSource(t, "type: api\nurl: "+srv.URL+"\nrecords: data.items\npagination: {type: page, size: 10}\nbackoff: 1ms\n", nil, nil)
	mustDrain(t, e, 100)
	got := map[string]float64{}
	for _, s := range e.Stats() {
		got[s.Name] = s.Value
	}
	// Pages 1, 2, 3 (short); request 3 fails and is repeated: 4 requests, 1 retry.
	if got["api_pages"] != 3 || got["api_requests"] != 4 || got["api_retries"] != 1 || got["api_response_bytes"] < 25*150 || got["api_oauth2_tokens"] != 0 {
		t.Fatalf("stats %v", got)
	}
}
