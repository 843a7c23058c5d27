package api_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// jsonServer imitates json-server 0.17's paging of one collection:
// ?_page=N&_limit=M (default limit 10) answers that page with Link
// first/prev/next/last and X-Total-Count; without _page, everything.
// fail, when set, may answer a request itself (faults).
type jsonServer struct {
	*httptest.Server
	recs     []json.RawMessage
	fail     func(n int64, w http.ResponseWriter) bool
	requests atomic.Int64
}

func newJSONServer(t testing.TB, path string, recs []json.RawMessage) *jsonServer {
	s := &jsonServer{recs: recs}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.requests.Add(1)
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		if s.fail != nil && s.fail(n, w) {
			return
		}
		q := r.URL.Query()
		items := s.recs
		if p := q.Get("_page"); p != "" {
			page, _ := strconv.Atoi(p)
			page = max(page, 1)
			limit, _ := strconv.Atoi(q.Get("_limit"))
			if limit <= 0 {
				limit = 10
			}
			last := max((len(s.recs)+limit-1)/limit, 1)
			from, to := min((page-1)*limit, len(s.recs)), min(page*limit, len(s.recs))
			items = s.recs[from:to]
			link := func(p int) string {
				q.Set("_page", strconv.Itoa(p))
				return "http://" + r.Host + r.URL.Path + "?" + q.Encode()
			}
			links := []string{fmt.Sprintf(`<%s>; rel="first"`, link(1))}
			if page > 1 {
				links = append(links, fmt.Sprintf(`<%s>; rel="prev"`, link(page-1)))
			}
			if page < last {
				links = append(links, fmt.Sprintf(`<%s>; rel="next"`, link(page+1)))
			}
			links = append(links, fmt.Sprintf(`<%s>; rel="last"`, link(last)))
			w.Header().Set("Link", strings.Join(links, ", "))
			w.Header().Set("X-Total-Count", strconv.Itoa(len(s.recs)))
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		b, _ := json.MarshalIndent(items, "", "  ")
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

// exampleRecords reads the example's sample data.
func exampleRecords(t testing.TB) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("../../examples/data/api-residents.json")
	if err != nil {
		t.Fatal(err)
	}
	var db struct{ Residents []json.RawMessage }
	if err := json.Unmarshal(b, &db); err != nil {
		t.Fatal(err)
	}
	return db.Residents
}

// run loads and runs a pipeline file with vars.
func run(t testing.TB, path string, vars map[string]string) (*pipelines.Report, error) {
	t.Helper()
	p, err := pipelines.Load(path, pipelines.WithVars(vars), pipelines.WithLogger(quiet))
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return p.Run(context.Background(), pipelines.RunOptions{})
}

// TestExamplePipeline runs examples/api-residents.yaml against a server
// that pages like json-server and fails every third request with a 500:
// every record lands exactly once in SQLite, with every value right.
func TestExamplePipeline(t *testing.T) {
	recs := exampleRecords(t)
	srv := newJSONServer(t, "/residents", recs)
	var faults atomic.Int64
	srv.fail = func(n int64, w http.ResponseWriter) bool {
		if n%3 == 0 {
			faults.Add(1)
			http.Error(w, "Internal Server Error", 500)
			return true
		}
		return false
	}
	out := t.TempDir()
	vars := map[string]string{"API_URL": srv.URL + "/residents", "XCETL_DEMO_OUT": out}
	for round := 1; round <= 2; round++ { // upsert: a rerun changes nothing
		rep, err := run(t, "../../examples/api-residents.yaml", vars)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if rep.RowsRead != 45 || rep.RowsWritten != 45 || rep.RowsRejected != 0 {
			t.Fatalf("round %d: report %+v", round, rep)
		}
	}
	// Two rounds of 3 pages, every third request failing.
	if f, n := faults.Load(), srv.requests.Load(); f < 2 || n != 6+f {
		t.Fatalf("%d requests, %d faults", n, f)
	}
	db, err := sql.Open("sqlite", filepath.Join(out, "api-residents.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, distinct, sum int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT id), sum(id) FROM residents`).Scan(&n, &distinct, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 45 || distinct != 45 || sum != 45*46/2 {
		t.Fatalf("%d rows, %d distinct ids, sum %d", n, distinct, sum)
	}
	// Every value as the API sent it (encoding/json is the reference).
	for _, raw := range recs {
		var r struct {
			ID           int
			Name         string
			Gender       string
			IDCard       string `json:"id_card"`
			BirthDate    string `json:"birth_date"`
			RegisteredAt string `json:"registered_at"`
			Phone        *string
			Address      struct{ District, Street, Detail string }
			Score        json.Number
			LowIncome    bool `json:"low_income"`
			Tags         []string
		}
		d := json.NewDecoder(strings.NewReader(string(raw)))
		d.UseNumber()
		if err := d.Decode(&r); err != nil {
			t.Fatal(err)
		}
		var name, gender, idCard, phone, birth, district, street, address, score, reg, tags string
		var low bool
		if err := db.QueryRow(`SELECT name, gender, id_card, phone, birth_date, district, street, address, CAST(score AS TEXT), registered_at, low_income, tags
			FROM residents WHERE id = ?`, r.ID).Scan(&name, &gender, &idCard, &phone, &birth, &district, &street, &address, &score, &reg, &low, &tags); err != nil {
			t.Fatalf("id %d: %v", r.ID, err)
		}
		wantPhone := "未登记"
		if r.Phone != nil {
			wantPhone = *r.Phone
		}
		wantTags, _ := json.Marshal(r.Tags)
		if r.Tags == nil {
			wantTags = []byte("[]")
		}
		f, _ := strconv.ParseFloat(string(r.Score), 64)
		if name != r.Name || gender != r.Gender || idCard != r.IDCard || phone != wantPhone || birth != r.BirthDate ||
			district != r.Address.District || street != r.Address.Street || address != r.Address.Detail ||
			score != strconv.FormatFloat(f, 'f', 2, 64) || reg != r.RegisteredAt || low != r.LowIncome || tags != string(wantTags) {
			t.Errorf("id %d: got %q %q %q %q %q %q %q %q %q %q %v %q\nwant %+v", r.ID, name, gender, idCard, phone, birth, district, street, address, score, reg, low, tags, r)
		}
	}
}

// makeRecords returns n records with a nested object, an 18-digit number
// and text ID.
func makeRecords(n int) []json.RawMessage {
	out := make([]json.RawMessage, n)
	for i := range out {
		out[i] = json.RawMessage(fmt.Sprintf(`{"id":%d,"id_card":"1201011990%08d","big":1201011990%08d,"name":"居民%d","addr":{"city":"天津","zip":"300%03d"},"ok":%t,"note":null}`,
			i+1, i+1, i+1, i+1, i%1000, i%2 == 0))
	}
	return out
}

// A paginated API that fails now and then (500, 503, 429 with Retry-After,
// dropped connections) loads every record exactly once: the table's primary
// key would refuse a duplicate, and the count and sum show nothing is lost.
func TestTransientFailuresExactlyOnceSQLite(t *testing.T) {
	srv := newJSONServer(t, "/r", makeRecords(1000))
	srv.fail = func(n int64, w http.ResponseWriter) bool {
		switch n % 7 {
		case 2:
			http.Error(w, "busy", 500)
		case 4:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case 6:
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		default:
			return false
		}
		return true
	}
	dir := t.TempDir()
	yaml := fmt.Sprintf(`version: 1
name: api-exactly-once
source:
  type: api
  url: %s/r
  pagination: {type: page, page_param: _page, size_param: _limit, size: 37}
  backoff: 1ms
transforms:
  - cast: {id: int}
target: {type: sqlite, dsn: %s, table: t, mode: append, key: [id], batch_size: 100}
`, srv.URL, filepath.Join(dir, "t.db"))
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := run(t, filepath.Join(dir, "p.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.RowsRead != 1000 || rep.RowsWritten != 1000 {
		t.Fatalf("report %+v", rep)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, distinct, sum int
	var big, idCard, city, zip string
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT id), sum(id) FROM t`).Scan(&n, &distinct, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 1000 || distinct != 1000 || sum != 1000*1001/2 {
		t.Fatalf("%d rows, %d distinct, sum %d", n, distinct, sum)
	}
	if err := db.QueryRow(`SELECT big, id_card, addr_city, addr_zip FROM t WHERE id = 777`).Scan(&big, &idCard, &city, &zip); err != nil {
		t.Fatal(err)
	}
	if big != "120101199000000777" || idCard != "120101199000000777" || city != "天津" || zip != "300776" {
		t.Fatalf("row 777: %s %s %s %s", big, idCard, city, zip)
	}
}

// A record with a field the first page did not have is rejected, and the
// reject file says where it came from: the page's URL, its page number and
// the record number; the token in the URL stays hidden.
func TestRejectFileOrigin(t *testing.T) {
	recs := makeRecords(30)
	recs[24] = json.RawMessage(`{"id":25,"id_card":"x","big":1,"name":"n","addr":{"city":"c","zip":"z"},"ok":true,"note":null,"surprise":"!"}`)
	srv := newJSONServer(t, "/r", recs)
	dir := t.TempDir()
	yaml := fmt.Sprintf(`version: 1
name: api-rejects
source:
  type: api
  url: %s/r?token=${TOKEN}
  params: {_page: "1"}
  pagination: {type: link, size_param: _limit, size: 10}
target: {type: sqlite, dsn: %s, table: t}
errors: {max_rejects: 1, reject_file: rejects.csv}
`, srv.URL, filepath.Join(dir, "t.db"))
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := run(t, filepath.Join(dir, "p.yaml"), map[string]string{"TOKEN": "tkn-9f8e7d6c"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RowsWritten != 29 || rep.RowsRejected != 1 {
		t.Fatalf("report %+v", rep)
	}
	f, err := os.Open(filepath.Join(dir, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("reject file %q", rows)
	}
	rj := rows[1]
	// The fake server writes its links with sorted parameters.
	wantFile := srv.URL + "/r?_limit=10&_page=3&token=*** (page 3)"
	if rj[0] != wantFile || rj[1] != "25" || !strings.Contains(rj[4], `field "surprise" is not a column`) || rj[5] != "25" || rj[6] != "x" {
		t.Fatalf("reject %q\nwant file %q, record 25", rj, wantFile)
	}
	all, _ := os.ReadFile(filepath.Join(dir, "rejects.csv"))
	if strings.Contains(string(all), "tkn-9f8e7d6c") {
		t.Fatal("the token is in the reject file")
	}
}

// API → PostgreSQL: nested fields, 18-digit numbers kept exactly (as text,
// and cast to numeric), booleans, NULLs and Chinese text.
func TestAPIToPostgresIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	srv := newJSONServer(t, "/r", makeRecords(2500))
	srv.fail = func(n int64, w http.ResponseWriter) bool {
		if n%5 == 0 {
			http.Error(w, "gateway timeout", http.StatusGatewayTimeout)
			return true
		}
		return false
	}
	dir := t.TempDir()
	yaml := fmt.Sprintf(`version: 1
name: api-pg
source:
  type: api
  url: %s/r
  pagination: {type: page, page_param: _page, size_param: _limit, size: 1000}
  backoff: 1ms
transforms:
  - cast: {id: int, big: "decimal(18,0)", ok: bool}
target: {type: postgres, dsn: "${PG_DSN}", table: api_residents, mode: upsert, key: [id], batch_size: 700}
`, srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := run(t, filepath.Join(dir, "p.yaml"), map[string]string{"PG_DSN": dsn})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RowsRead != 2500 || rep.RowsWritten != 2500 || rep.RowsRejected != 0 {
		t.Fatalf("report %+v", rep)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n, distinct int
	var sum int64
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT id), sum(id) FROM api_residents`).Scan(&n, &distinct, &sum); err != nil {
		t.Fatal(err)
	}
	if n != 2500 || distinct != 2500 || sum != 2500*2501/2 {
		t.Fatalf("%d rows, %d distinct, sum %d", n, distinct, sum)
	}
	var cols []string
	rows, err := conn.Query(ctx, `SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_name = 'api_residents' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	rows.Close()
	wantCols := "id bigint,id_card text,big numeric,name text,addr_city text,addr_zip text,ok boolean,note text"
	if strings.Join(cols, ",") != wantCols {
		t.Fatalf("columns %v\nwant %s", cols, wantCols)
	}
	var idCard, big, name, city, zip string
	var ok bool
	var note *string
	if err := conn.QueryRow(ctx, `SELECT id_card, big::text, name, addr_city, addr_zip, ok, note FROM api_residents WHERE id = 2345`).
		Scan(&idCard, &big, &name, &city, &zip, &ok, &note); err != nil {
		t.Fatal(err)
	}
	if idCard != "120101199000002345" || big != "120101199000002345" || name != "居民2345" || city != "天津" || zip != "300344" || !ok || note != nil {
		t.Fatalf("row 2345: %q %q %q %q %q %v %v", idCard, big, name, city, zip, ok, note)
	}
}

// The example is a valid pipeline, and every key of its source is one the
// README documents.
func TestExampleValidates(t *testing.T) {
	p, err := pipelines.Load("../../examples/api-residents.yaml", pipelines.WithVars(map[string]string{}), pipelines.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, line := range p.Spec().Source().Settings() {
		if strings.HasSuffix(line, " (default)") {
			continue // not written in the example
		}
		key, _, _ := strings.Cut(line, ": ")
		keys = append(keys, strings.Split(key, ".")...)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "Authorization" || strings.HasPrefix(k, "_") {
			continue
		}
		if !strings.Contains(string(readme), "`"+k+"`") && !strings.Contains(string(readme), "`"+k+":") {
			t.Errorf("README.md does not document `%s`", k)
		}
	}
}
