package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

// quiet discards logs; logs(t) collects them for assertions.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type logBuf struct {
	mu sync.Mutex
	sb strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sb.String()
}

// parseSource parses a `source:` mapping written as YAML (the mapping's
// body, without the `source:` line) with vars for ${…}.
func parseSource(t testing.TB, body string, vars map[string]string) *config.Node {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte("source:\n"+indent(body)), func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return root.Get("source")
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// newSource builds an api source from YAML, failing the test on errors.
func newSource(t testing.TB, body string, vars map[string]string, log *slog.Logger) *Extractor {
	t.Helper()
	if log == nil {
		log = quiet
	}
	x, err := extract.New(parseSource(t, body, vars), extract.Env{BaseDir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return x.(*Extractor)
}

// result is everything a source gave.
type result struct {
	schema  *xcetl.Schema
	rows    [][]any
	origins []xcetl.Origin
	rejects []xcetl.Reject
	batches int
}

// col returns the values of column name.
func (r *result) col(t testing.TB, name string) []any {
	t.Helper()
	j := r.schema.Index(name)
	if j < 0 {
		t.Fatalf("no column %q in %v", name, r.schema.Names())
	}
	out := make([]any, len(r.rows))
	for i, row := range r.rows {
		out[i] = row[j]
	}
	return out
}

// drain opens e and reads it to the end with batches of max.
func drain(ctx context.Context, e *Extractor, max int) (*result, error) {
	s, err := e.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	r := &result{schema: s}
	for {
		b, err := e.Next(ctx, max)
		if err == io.EOF {
			return r, nil
		}
		if err != nil {
			return r, err
		}
		if b.Schema != s {
			return r, errors.New("batch schema differs from Open's")
		}
		if len(b.Origin) != len(b.Rows) || len(b.Raw) != len(b.Rows) {
			return r, fmt.Errorf("batch has %d rows, %d origins, %d raw", len(b.Rows), len(b.Origin), len(b.Raw))
		}
		if n := len(b.Rows) + len(b.Rejects); n == 0 || n > max {
			return r, fmt.Errorf("batch of %d records for max %d", n, max)
		}
		r.batches++
		r.rows = append(r.rows, b.Rows...)
		r.origins = append(r.origins, b.Origin...)
		r.rejects = append(r.rejects, b.Rejects...)
	}
}

func mustDrain(t testing.TB, e *Extractor, max int) *result {
	t.Helper()
	r, err := drain(context.Background(), e, max)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	return r
}

// resident is the JSON of test record i (1-based): an 18-digit ID number
// that a float64 would damage, Chinese text, a nested object, a boolean, a
// null, a decimal and an array.
func resident(i int) string {
	return fmt.Sprintf(`{"id":%d,"name":"居民%d","id_card":"1101011990%08d","big":1101011990%08d,"score":%d.50,`+
		`"addr":{"city":"天津","street":{"no":%d}},"active":%t,"note":null,"tags":["a", %d]}`,
		i, i, i, i, i%100, i, i%2 == 0, i)
}

// records returns n test records.
func records(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = resident(i + 1)
	}
	return out
}

// fault decides what to do with request n (1-based) before it is served;
// it returns true when it wrote the response itself.
type fault func(n int, w http.ResponseWriter, r *http.Request) bool

// apiServer serves records with one pagination style.
type apiServer struct {
	*httptest.Server
	recs     []string
	style    string // none | page | offset | cursor | link
	size     int    // default page size when the client sends none
	fault    fault
	requests atomic.Int64
	mu       sync.Mutex
	log      []string // request URIs, in order
	// wrap builds the body around the page's records (default: {"data":{"items":[…]}, …}).
	wrap func(items string, next string) string
}

func newAPIServer(t testing.TB, style string, recs []string, f fault) *apiServer {
	s := &apiServer{recs: recs, style: style, size: 10, fault: f}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *apiServer) uris() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func (s *apiServer) serve(w http.ResponseWriter, r *http.Request) {
	n := int(s.requests.Add(1))
	s.mu.Lock()
	s.log = append(s.log, r.URL.RequestURI())
	s.mu.Unlock()
	if s.fault != nil && s.fault(n, w, r) {
		return
	}
	q := r.URL.Query()
	size := s.size
	if v := q.Get("size"); v != "" {
		size, _ = strconv.Atoi(v)
	}
	from := 0
	switch s.style {
	case "page":
		p, _ := strconv.Atoi(q.Get("page"))
		from = (p - 1) * size
	case "offset":
		from, _ = strconv.Atoi(q.Get("offset"))
	case "cursor", "link":
		if c := q.Get("cursor"); c != "" {
			b, _ := base64.RawURLEncoding.DecodeString(c)
			from, _ = strconv.Atoi(string(b))
		}
	case "none":
		size = len(s.recs)
	}
	from = max(from, 0)
	to := min(from+size, len(s.recs))
	var items string
	if from < len(s.recs) {
		items = strings.Join(s.recs[from:to], ",")
	}
	next := ""
	if to < len(s.recs) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(to)))
	}
	if s.style == "link" && next != "" {
		w.Header().Add("Link", fmt.Sprintf(`<%s?cursor=%s&size=%d>; rel="next", </r?cursor=>; rel="first"`, r.URL.Path, next, size))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Total-Count", strconv.Itoa(len(s.recs)))
	if s.wrap != nil {
		io.WriteString(w, s.wrap(items, next))
		return
	}
	nextJSON := "null"
	if next != "" {
		nextJSON = strconv.Quote(next)
	}
	fmt.Fprintf(w, `{"code":0,"data":{"items":[%s]},"meta":{"next":%s,"total":%d}}`, items, nextJSON, len(s.recs))
}

// failFirst makes the first k requests answer status (with Retry-After ra
// when not empty).
func failFirst(k, status int, ra string) fault {
	return func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n > k {
			return false
		}
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		http.Error(w, `{"error":"busy"}`, status)
		return true
	}
}

// everyNth makes every nth request fail with status.
func everyNth(nth, status int) fault {
	return func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n%nth != 0 {
			return false
		}
		http.Error(w, "upstream hiccup", status)
		return true
	}
}

// within checks a duration lies in [lo, hi].
// within checks a duration. Lower bounds are what the tests are about
// (a backoff, a rate limit); upper bounds only catch a wait that did not
// end (an hour of Retry-After, a 30s server delay), so they leave room for
// a loaded machine or qemu.
func within(t testing.TB, what string, d, lo, hi time.Duration) {
	t.Helper()
	if d < lo || d > hi {
		t.Errorf("%s took %s, want between %s and %s", what, d, lo, hi)
	}
}
