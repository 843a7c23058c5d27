package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJSONServerIntegration loads from a real json-server 0.17 (npm), the
// kind of fake API people point ETL tools at: the example pipeline (Link
// header pagination, `_page`/`_limit`) against the example's data, and a
// generated db.json through `type: page` with `_page`/`_limit`.
//
// The httptest tests of this package cover every pagination type, fault and
// auth kind without anything installed; this one proves the same against a
// server other people wrote. .ci/run installs json-server 0.17 with npm; with
// CI=true a missing or wrong json-server fails the test instead of skipping
// it. It never downloads anything itself (no `npx` fetching on the fly).
func TestJSONServerIntegration(t *testing.T) {
	skip := t.Skipf
	if os.Getenv("CI") == "true" {
		skip = t.Fatalf
	}
	bin, err := exec.LookPath("json-server")
	if err != nil {
		skip("json-server is not installed (npm install -g json-server@0.17.4); the httptest tests cover the same behaviour")
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		skip("json-server --version failed: %v", err)
	}
	if v := strings.TrimSpace(string(out)); !strings.HasPrefix(v, "0.") {
		skip("json-server %s is installed; this test needs 0.17 (1.x pages with _per_page and sends no Link header)", v)
	}

	t.Run("example pipeline, Link pagination", func(t *testing.T) {
		dir := t.TempDir()
		data, err := os.ReadFile("../../examples/data/api-residents.json")
		if err != nil {
			t.Fatal(err)
		}
		// A copy: json-server writes to its file on POST/PUT.
		if err := os.WriteFile(filepath.Join(dir, "db.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		url := startJSONServer(t, bin, filepath.Join(dir, "db.json"))
		rep, err := run(t, "../../examples/api-residents.yaml", map[string]string{"API_URL": url + "/residents", "XCETL_DEMO_OUT": dir})
		if err != nil {
			t.Fatal(err)
		}
		if rep.RowsRead != 45 || rep.RowsWritten != 45 {
			t.Fatalf("report %+v", rep)
		}
		db, err := sql.Open("sqlite", filepath.Join(dir, "api-residents.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n, sum int
		var idCard, district, tags string
		if err := db.QueryRow(`SELECT count(*), sum(id) FROM residents`).Scan(&n, &sum); err != nil || n != 45 || sum != 45*46/2 {
			t.Fatalf("%d rows, sum %d, %v", n, sum, err)
		}
		if err := db.QueryRow(`SELECT id_card, district, tags FROM residents WHERE id = 28`).Scan(&idCard, &district, &tags); err != nil {
			t.Fatal(err)
		}
		if idCard != "120104196608183761" || district != "南开区" || tags != `["低保"]` {
			t.Fatalf("row 28: %q %q %q", idCard, district, tags)
		}
	})

	t.Run("generated data, page pagination", func(t *testing.T) {
		dir := t.TempDir()
		recs := makeRecords(137)
		db, _ := json.Marshal(map[string]any{"people": recs})
		if err := os.WriteFile(filepath.Join(dir, "db.json"), db, 0o644); err != nil {
			t.Fatal(err)
		}
		url := startJSONServer(t, bin, filepath.Join(dir, "db.json"))
		yaml := fmt.Sprintf(`version: 1
name: json-server-pages
source:
  type: api
  url: %s/people
  pagination: {type: page, page_param: _page, size_param: _limit, size: 20}
transforms:
  - cast: {id: int, ok: bool}
target: {type: sqlite, dsn: t.db, table: people, mode: append, key: [id]}
`, url)
		if err := os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := run(t, filepath.Join(dir, "p.yaml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.RowsRead != 137 || rep.RowsWritten != 137 {
			t.Fatalf("report %+v", rep)
		}
		sdb, err := sql.Open("sqlite", filepath.Join(dir, "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		var n, distinct int
		var idCard, big, zip string
		if err := sdb.QueryRow(`SELECT count(*), count(DISTINCT id) FROM people`).Scan(&n, &distinct); err != nil || n != 137 || distinct != 137 {
			t.Fatalf("%d rows, %d distinct, %v", n, distinct, err)
		}
		// json-server is JavaScript: it parses the 18-digit number into a
		// float64 and sends it rounded (…101 becomes …100). xcetl keeps
		// what it is sent; the ID number sent as a string survives intact.
		if err := sdb.QueryRow(`SELECT id_card, big, addr_zip FROM people WHERE id = 101`).Scan(&idCard, &big, &zip); err != nil ||
			idCard != "120101199000000101" || big != "120101199000000100" || zip != "300100" {
			t.Fatalf("row 101: %q %q %q %v", idCard, big, zip, err)
		}
	})
}

// startJSONServer runs json-server on a free port serving dbFile and
// returns its base URL; the process is killed when the test ends.
func startJSONServer(t *testing.T, bin, dbFile string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", fmt.Sprint(port), dbFile)
	cmd.Dir = t.TempDir() // json-server looks for ./public there
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		resp, err := http.Get(url + "/db")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return url
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("json-server did not answer on %s within 30s:\n%s", url, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
