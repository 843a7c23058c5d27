package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

// readerStats is what a concurrent reader saw.
type readerStats struct {
	maxWait time.Duration
	states  map[string]int
}

// readLoop queries the table over and over until stop closes, timing each
// query and recording what it saw.
func readLoop(t *testing.T, db *sql.DB, stop <-chan struct{}) *readerStats {
	t.Helper()
	rs := &readerStats{states: map[string]int{}}
	for {
		select {
		case <-stop:
			return rs
		default:
		}
		start := time.Now()
		var n int64
		var lo, hi string
		err := db.QueryRow(`SELECT count(*), min(gen), max(gen) FROM people`).Scan(&n, &lo, &hi)
		if d := time.Since(start); d > rs.maxWait {
			rs.maxWait = d
		}
		if err != nil {
			rs.states["error: "+err.Error()]++
			continue
		}
		rs.states[fmt.Sprintf("%d %s..%s", n, lo, hi)]++
		time.Sleep(2 * time.Millisecond)
	}
}

// TestReplaceSwapIntegration: replace_method swap never makes a reader
// wait past a small bound — not even while another reader holds the table
// in a long transaction when the swap comes — and readers see the old
// rows or the new ones, never a partial table; the new table has the old
// one's indexes (with their names), constraints, defaults, comments and
// grants. The default (TRUNCATE) makes readers wait for the whole load,
// which the same reader notices. Tables a swap cannot carry over (a
// dependent view) are refused before anything is loaded.
func TestReplaceSwapIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(8)
	exec := func(q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	dir := t.TempDir()
	const rows = 200_000
	var b strings.Builder
	b.WriteString("id,gen\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "%d,b\n", i)
	}
	src := writeFile(t, dir, "people.csv", b.String())
	run := func(method string) (*pipelines.Report, time.Duration, error) {
		t.Helper()
		spec, err := pipelines.Parse(filepath.Join(dir, "p.yaml"), []byte(fmt.Sprintf(`version: 1
name: people_%s
source: {type: csv, path: %q}
transforms:
  - cast: {id: int}
target: {type: postgres, dsn: %q, table: people, mode: replace, replace_method: %s, batch_size: 20000}
`, method, src, dsn, method)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := pipelines.New(spec)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		rep, err := p.Run(context.Background(), pipelines.RunOptions{})
		return rep, time.Since(start), err
	}
	// Roles belong to the cluster, not to the test's database: one per
	// database, dropped at the end, so that the test runs again (-count,
	// a long-lived XCETL_TEST_PG_DSN server) without "role already exists".
	var dbName string
	if err := db.QueryRow(`SELECT current_database()`).Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	reader := `"swap_reader_` + strings.ReplaceAll(dbName, `"`, ``) + `"`
	exec(`CREATE ROLE ` + reader)
	defer func() {
		for _, q := range []string{`DROP OWNED BY ` + reader, `DROP ROLE ` + reader} {
			if _, err := db.Exec(q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	}()
	reset := func() {
		exec(`DROP TABLE IF EXISTS people CASCADE`)
		exec(`CREATE TABLE people (id bigint PRIMARY KEY, gen text NOT NULL CHECK (gen <> ''), note text DEFAULT 'n/a')`)
		exec(`CREATE INDEX people_by_gen ON people (gen)`)
		exec(`COMMENT ON TABLE people IS 'residents'`)
		exec(`INSERT INTO people (id, gen) SELECT g, 'a' FROM generate_series(1, 1000) g`)
		exec(`GRANT SELECT ON people TO ` + reader)
	}

	t.Run("swap", func(t *testing.T) {
		reset()
		// A reader holding the table in a long transaction when the swap
		// comes: the swap waits for it without making others wait.
		long, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := long.Exec(`SELECT count(*) FROM people`); err != nil {
			t.Fatal(err)
		}
		released := make(chan time.Time, 1)
		go func() {
			// Hold the table until the swap has been waiting for 1 s.
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				var waiting int
				_ = db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE%'`).Scan(&waiting)
				if waiting > 0 {
					time.Sleep(time.Second)
					break
				}
			}
			_ = long.Commit()
			released <- time.Now()
		}()
		stop := make(chan struct{})
		var rs *readerStats
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); rs = readLoop(t, db, stop) }()
		rep, took, err := run("swap")
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if rel := <-released; time.Since(rel) > took {
			t.Fatal("the long reader was released before the run: the swap never had to wait")
		}
		t.Logf("swap: run %s, %d rows; reader: longest query %s, saw %v", took, rep.RowsWritten, rs.maxWait, rs.states)
		if rs.maxWait > time.Second {
			t.Errorf("a reader waited %s during the swap (bound: 1s)", rs.maxWait)
		}
		for s := range rs.states {
			if s != "1000 a..a" && s != fmt.Sprintf("%d b..b", rows) {
				t.Errorf("a reader saw %q: neither the old table nor the new one", s)
			}
		}
		if rs.states["1000 a..a"] == 0 {
			t.Error("the reader never saw the old rows during the run")
		}
		var n int64
		var idx, comment, check, def string
		var granted bool
		if err := db.QueryRow(`SELECT (SELECT count(*) FROM people),
			(SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'people'),
			obj_description('people'::regclass, 'pg_class'),
			(SELECT string_agg(pg_get_constraintdef(oid), ',') FROM pg_constraint WHERE conrelid = 'people'::regclass AND contype = 'c'),
			(SELECT column_default FROM information_schema.columns WHERE table_name = 'people' AND column_name = 'note'),
			has_table_privilege($1, 'people', 'SELECT')`, strings.Trim(reader, `"`)).Scan(&n, &idx, &comment, &check, &def, &granted); err != nil {
			t.Fatal(err)
		}
		if n != rows || idx != "people_by_gen,people_pkey" || comment != "residents" || !strings.Contains(check, "<> ''") || !strings.Contains(def, "n/a") || !granted {
			t.Errorf("after the swap: %d rows, indexes %s, comment %q, check %q, default %q, granted %v", n, idx, comment, check, def, granted)
		}
		var left int
		if err := db.QueryRow(`SELECT count(*) FROM pg_class WHERE relname LIKE 'xcetl_new_%' OR relname LIKE 'xcetl_old_%'`).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d swap tables left (%v)", left, err)
		}
	})

	t.Run("truncate blocks readers", func(t *testing.T) {
		reset()
		stop := make(chan struct{})
		var rs *readerStats
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); rs = readLoop(t, db, stop) }()
		_, took, err := run("truncate")
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("truncate: run %s; reader: longest query %s, saw %v", took, rs.maxWait, rs.states)
		if rs.maxWait < took/3 {
			t.Errorf("with TRUNCATE the reader's longest query took %s of a %s run: the reader test does not notice blocking", rs.maxWait, took)
		}
	})

	t.Run("refused", func(t *testing.T) {
		reset()
		exec(`CREATE VIEW people_view AS SELECT id FROM people`)
		_, _, err := run("swap")
		if err == nil || !strings.Contains(err.Error(), "replace_method swap cannot replace people: views depend on it") || !strings.Contains(err.Error(), "people_view") {
			t.Fatalf("err = %v", err)
		}
		var n int64
		if err := db.QueryRow(`SELECT count(*) FROM people WHERE gen = 'a'`).Scan(&n); err != nil || n != 1000 {
			t.Errorf("the refused run changed the table: %d old rows (%v)", n, err)
		}
	})
}

// TestReplaceSQLiteReaders: on SQLite (WAL mode) replace never makes a
// reader wait, and readers see the old rows or the new ones, never a
// partial table — as docs/dialects.md says.
func TestReplaceSQLiteReaders(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "t.db")
	db := openSQLite(t, dbPath)
	for _, q := range []string{`PRAGMA journal_mode = WAL`, `CREATE TABLE people (id INTEGER PRIMARY KEY, gen TEXT)`,
		`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000) INSERT INTO people SELECT n, 'a' FROM g`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const rows = 200_000
	var b strings.Builder
	b.WriteString("id,gen\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "%d,b\n", i)
	}
	file := writeFile(t, dir, "p.yaml", fmt.Sprintf(`version: 1
name: people
source: {type: csv, path: %q}
transforms:
  - cast: {id: int}
target: {type: sqlite, dsn: t.db, table: people, mode: replace}
`, writeFile(t, dir, "people.csv", b.String())))
	stop := make(chan struct{})
	var rs *readerStats
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); rs = readLoop(t, db, stop) }()
	code, _, stderr := runCLI(t, "run", file, "--progress", "never")
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	t.Logf("reader: longest query %s, saw %v", rs.maxWait, rs.states)
	if rs.maxWait > time.Second {
		t.Errorf("a reader waited %s", rs.maxWait)
	}
	for s := range rs.states {
		if s != "1000 a..a" && s != fmt.Sprintf("%d b..b", rows) {
			t.Errorf("a reader saw %q", s)
		}
	}
}
