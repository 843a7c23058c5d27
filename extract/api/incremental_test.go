package api_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xcetl/xcetl/internal/pgtest"
)

// changeServer is an API of records {id, name, updated_at} that filters on
// ?updated_since= (strictly newer) and pages with ?page=&size=, in the order
// of the list (ascending updated_at unless a test shuffles it). It records
// every updated_since it was sent.
type changeServer struct {
	*httptest.Server
	mu    sync.Mutex
	recs  []change
	since []string
}

type change struct {
	ID        int    `json:"id"`
	Name      string `json:"name"`
	UpdatedAt string `json:"updated_at"`
}

func newChangeServer(t *testing.T) *changeServer {
	s := &changeServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		q := r.URL.Query()
		since := q.Get("updated_since")
		if q.Get("page") == "1" {
			s.since = append(s.since, since)
		}
		var items []change
		for _, c := range s.recs {
			if since == "" || c.UpdatedAt > since {
				items = append(items, c)
			}
		}
		page, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("size"))
		from, to := min((page-1)*size, len(items)), min(page*size, len(items))
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items[from:to]})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *changeServer) set(recs ...change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = recs
}

func (s *changeServer) sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.since...)
}

// TestIncrementalWatermark: the first run loads everything and commits the
// largest updated_at with the rows; the next run sends it as
// updated_since, so the API answers only what changed, and upsert applies
// it. A run that fails leaves the watermark where the committed rows are.
// The same on SQLite and PostgreSQL.
func TestIncrementalWatermarkIntegration(t *testing.T) {
	for _, target := range []string{"sqlite", "postgres"} {
		t.Run(target, func(t *testing.T) {
			srv := newChangeServer(t)
			dir := t.TempDir()
			dsn := filepath.Join(dir, "t.db")
			if target == "postgres" {
				dsn = pgtest.NewDatabase(t)
			}
			write := func(commit string, extra string) string {
				path := filepath.Join(dir, "p.yaml")
				yaml := fmt.Sprintf(`version: 1
name: api-incremental
source:
  type: api
  url: %s/changes
  records: items
  pagination: {type: page, size: 2}
  incremental: {column: updated_at, param: updated_since%s}
transforms:
  - cast: {id: int}
target: {type: %s, dsn: %q, table: people, mode: upsert, key: [id], commit: %s, batch_size: 2}
`, srv.URL, extra, target, dsn, commit)
				if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
					t.Fatal(err)
				}
				return path
			}
			p := write("run", "")
			srv.set(
				change{1, "a", "2024-01-01 10:00:00"},
				change{2, "b", "2024-01-02 10:00:00"},
				change{3, "c", "2024-01-03 10:00:00"},
			)
			rep, err := run(t, p, nil)
			if err != nil || rep.RowsWritten != 3 {
				t.Fatalf("first run: %v %+v", err, rep)
			}
			// Record 2 changes, record 4 is new, record 1 is untouched.
			srv.set(
				change{1, "a", "2024-01-01 10:00:00"},
				change{2, "b2", "2024-01-04 09:00:00"},
				change{3, "c", "2024-01-03 10:00:00"},
				change{4, "d", "2024-01-04 10:00:00"},
			)
			rep, err = run(t, p, nil)
			if err != nil || rep.RowsRead != 2 || rep.RowsWritten != 2 {
				t.Fatalf("second run: %v %+v", err, rep)
			}
			// Nothing changed: nothing is loaded.
			rep, err = run(t, p, nil)
			if err != nil || rep.RowsRead != 0 {
				t.Fatalf("third run: %v %+v", err, rep)
			}
			// Each run's Open asks for page 1 without the param to learn
			// the columns (no `columns:`); Resume then starts again with it.
			want := []string{"", "", "2024-01-03 10:00:00", "", "2024-01-04 10:00:00"}
			if got := srv.sent(); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("updated_since sent %q, want %q", got, want)
			}
			if got := names(t, target, dsn); got != "1=a 2=b2 3=c 4=d" {
				t.Errorf("table holds %s", got)
			}

			// commit: batch, records in no particular order (the default):
			// the watermark commits with the last batch only, so nothing
			// older can be skipped.
			p = write("batch", "")
			srv.set(
				change{5, "e", "2024-02-02 00:00:00"},
				change{6, "f", "2024-02-03 00:00:00"},
				change{7, "g", "2024-02-01 00:00:00"},
			)
			if rep, err = run(t, p, nil); err != nil || rep.RowsWritten != 3 {
				t.Fatalf("unordered, commit: batch: %v %+v", err, rep)
			}
			if got := srv.sent(); got[len(got)-1] != "2024-01-04 10:00:00" {
				t.Errorf("updated_since sent %q", got)
			}
			// ordered: true promises ascending order; a record that breaks
			// it stops the run with the column named.
			p = write("batch", ", ordered: true")
			srv.set(
				change{8, "h", "2024-03-02 00:00:00"},
				change{9, "i", "2024-03-03 00:00:00"},
				change{10, "j", "2024-03-01 00:00:00"},
			)
			_, err = run(t, p, nil)
			if err == nil || !strings.Contains(err.Error(), "older than a record of an earlier batch") || !strings.Contains(err.Error(), "updated_at") {
				t.Fatalf("out of order with ordered: true: err = %v", err)
			}
			if got := names(t, target, dsn); got != "1=a 2=b2 3=c 4=d 5=e 6=f 7=g 8=h 9=i" {
				t.Errorf("table holds %s", got)
			}
		})
	}
}

func names(t *testing.T, target, dsn string) string {
	t.Helper()
	driver := "sqlite"
	if target == "postgres" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, name FROM people ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d=%s", id, name))
	}
	return strings.Join(out, " ")
}
