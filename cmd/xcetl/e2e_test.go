package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/encoding/simplifiedchinese"
	_ "modernc.org/sqlite"

	"github.com/xcetl/xcetl/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type report struct {
	Status        string `json:"status"`
	RowsRead      int64  `json:"rows_read"`
	RowsWritten   int64  `json:"rows_written"`
	RowsRejected  int64  `json:"rows_rejected"`
	RowsFiltered  int64  `json:"rows_filtered"`
	RowsCommitted int64  `json:"rows_committed"`
	Error         string `json:"error"`
}

func readReport(t *testing.T, path string) report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report %s: %v", data, err)
	}
	return r
}

// TestQuickstart runs the demo pipeline exactly as `make demo` does, into a
// temporary directory, and checks every kind of value and every reject.
func TestQuickstart(t *testing.T) {
	out := t.TempDir()
	rep := filepath.Join(out, "report.json")
	code, _, stderr := runCLI(t, "run", "../../examples/quickstart.yaml", "--set", "XCETL_DEMO_OUT="+out, "--report", rep, "--progress", "never")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := readReport(t, rep)
	if r.Status != "ok" || r.RowsRead != 40 || r.RowsWritten != 37 || r.RowsRejected != 3 || r.RowsFiltered != 0 {
		t.Fatalf("report %+v", r)
	}
	db, err := sql.Open("sqlite", filepath.Join(out, "quickstart.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM residents`).Scan(&n); err != nil || n != 37 {
		t.Fatalf("count %d, %v", n, err)
	}
	var name, addr, birth, score, reg, phone string
	var year int64
	if err := db.QueryRow(`SELECT name, address, birth_date, score, registered_at, birth_year, phone FROM residents WHERE id = 9`).
		Scan(&name, &addr, &birth, &score, &reg, &year, &phone); err != nil {
		t.Fatal(err)
	}
	if name != "诸葛军" || addr != "天津市和平区建设街255号，3门,502室" || birth != "2003-01-07" || score != "36.60" ||
		reg != "2024-03-15 14:35:00" || year != 2003 || phone != "15427239380" {
		t.Fatalf("row 9: %q %q %q %q %q %d %q", name, addr, birth, score, reg, year, phone)
	}
	if err := db.QueryRow(`SELECT phone FROM residents WHERE id = 13`).Scan(&phone); err != nil || phone != "未登记" {
		t.Fatalf("default phone %q, %v", phone, err)
	}
	// Rerunning (upsert) changes nothing.
	if code, _, stderr := runCLI(t, "run", "../../examples/quickstart.yaml", "--set", "XCETL_DEMO_OUT="+out, "--progress", "never"); code != 0 {
		t.Fatalf("rerun exit %d: %s", code, stderr)
	}
	if err := db.QueryRow(`SELECT count(*) FROM residents`).Scan(&n); err != nil || n != 37 {
		t.Fatalf("count after rerun %d, %v", n, err)
	}

	f, err := os.Open(filepath.Join(out, "quickstart-rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1 // the ragged row keeps its own number of fields
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("reject file has %d records: %q", len(recs), recs)
	}
	want := []struct{ line, field, column, reasonPart, id string }{
		{"8", "6", "birth_date", `"1985-13-40"`, "7"},
		{"19", "9", "score", `"九十"`, "18"},
		{"30", "", "", "fields", "29"},
	}
	for i, w := range want {
		rec := recs[i+1]
		if rec[0] != "data/residents-2024.csv" || rec[1] != w.line || rec[2] != w.field || rec[3] != w.column || !strings.Contains(rec[4], w.reasonPart) || rec[5] != w.id {
			t.Errorf("reject %d = %q, want line %s field %s column %s reason ~%s id %s", i, rec, w.line, w.field, w.column, w.reasonPart, w.id)
		}
	}
}

// gbkResidents writes n resident rows as a GBK CSV (CRLF, a quoted field with
// a comma, Chinese text) and returns the path.
func gbkResidents(t *testing.T, dir string, n int, bad map[int]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("编号,姓名,出生日期,积分,住址,登记时间\r\n")
	for i := 1; i <= n; i++ {
		birth := fmt.Sprintf("19%02d-%02d-%02d", 50+i%50, 1+i%12, 1+i%28)
		if v, ok := bad[i]; ok {
			birth = v
		}
		fmt.Fprintf(&b, "%d,居民%d,%s,%d.%02d,\"天津市河西区友谊路%d号，%d门\",2024-05-%02d 09:%02d:00\r\n", i, i, birth, 60+i%40, i%100, i, i%7, 1+i%28, i%60)
	}
	enc, err := simplifiedchinese.GBK.NewEncoder().String(b.String())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "residents.csv")
	if err := os.WriteFile(p, []byte(enc), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func pgPipeline(mode, commit, maxRejects string, key bool) string {
	k := ""
	if key {
		k = "  key: [id]\n"
	}
	return fmt.Sprintf(`version: 1
name: pg_%s
source: {type: csv, path: residents.csv, encoding: gbk}
transforms:
  - rename: {编号: id, 姓名: name, 出生日期: birth_date, 积分: score, 住址: address, 登记时间: registered_at}
  - cast: {id: int, birth_date: date, score: "decimal(10,2)", registered_at: timestamp}
target:
  type: ${TARGET_TYPE:-postgres}
  dsn: ${PG_DSN}
  table: ${TABLE:-public.居民}
  mode: %s
%s  commit: %s
  batch_size: 100
errors: {max_rejects: %s, reject_file: rejects.csv}
`, mode, mode, k, commit, maxRejects)
}

func pgCount(t *testing.T, dsn, table string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		return -1 // no such table
	}
	return n
}

func TestCSVToPostgresIntegration(t *testing.T) {
	type step struct {
		mode, commit, maxRejects string
		key                      bool
		rows                     int
		bad                      map[int]string
		wantCode                 int
		wantCount                int // rows in the table afterwards (-1: no table)
	}
	tests := []struct {
		name   string
		target string
		steps  []step
	}{
		{"append twice", "postgres", []step{
			{mode: "append", commit: "run", maxRejects: "0", rows: 250, wantCount: 250},
			{mode: "append", commit: "run", maxRejects: "0", rows: 250, wantCount: 500},
		}},
		{"upsert is idempotent", "postgres", []step{
			{mode: "upsert", commit: "run", maxRejects: "0", key: true, rows: 300, wantCount: 300},
			{mode: "upsert", commit: "batch", maxRejects: "0", key: true, rows: 350, wantCount: 350},
		}},
		{"upsert by merge (opengauss SQL on PostgreSQL 15)", "opengauss", []step{
			{mode: "upsert", commit: "run", maxRejects: "0", key: true, rows: 300, wantCount: 300},
			{mode: "upsert", commit: "run", maxRejects: "0", key: true, rows: 350, wantCount: 350},
		}},
		{"replace", "kingbase", []step{
			{mode: "append", commit: "run", maxRejects: "0", rows: 300, wantCount: 300},
			{mode: "replace", commit: "run", maxRejects: "0", rows: 120, wantCount: 120},
		}},
		{"failed run leaves no table", "postgres", []step{
			{mode: "append", commit: "run", maxRejects: "0", rows: 300, bad: map[int]string{250: "1999-02-30"}, wantCode: 1, wantCount: -1},
		}},
		{"failed run leaves the old rows", "postgres", []step{
			{mode: "append", commit: "run", maxRejects: "0", rows: 100, wantCount: 100},
			{mode: "replace", commit: "run", maxRejects: "0", rows: 300, bad: map[int]string{299: "x"}, wantCode: 1, wantCount: 100},
			{mode: "upsert", key: true, commit: "run", maxRejects: "1", rows: 300, bad: map[int]string{1: "x", 299: "x"}, wantCode: 1, wantCount: 100},
		}},
		{"commit batch keeps what was committed", "postgres", []step{
			{mode: "append", commit: "batch", maxRejects: "0", rows: 300, bad: map[int]string{250: "x"}, wantCode: 1, wantCount: 200},
		}},
		{"rejects within the limit", "postgres", []step{
			{mode: "append", commit: "run", maxRejects: "1%", rows: 300, bad: map[int]string{7: "1990-13-01", 8: ""}, wantCount: 299},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn := pgtest.NewDatabase(t)
			for i, st := range tt.steps {
				dir := t.TempDir()
				gbkResidents(t, dir, st.rows, st.bad)
				p := writeFile(t, dir, "p.yaml", pgPipeline(st.mode, st.commit, st.maxRejects, st.key))
				rep := filepath.Join(dir, "report.json")
				code, _, stderr := runCLI(t, "run", p, "--set", "PG_DSN="+dsn, "--set", "TARGET_TYPE="+tt.target, "--report", rep, "--progress", "never")
				if code != st.wantCode {
					t.Fatalf("step %d: exit %d, want %d: %s", i, code, st.wantCode, stderr)
				}
				r := readReport(t, rep)
				if r.RowsRead != r.RowsWritten+r.RowsRejected+r.RowsFiltered {
					t.Fatalf("step %d: invariant broken: %+v", i, r)
				}
				if got := pgCount(t, dsn, `public."居民"`); got != st.wantCount {
					t.Fatalf("step %d: %d rows in the table, want %d (report %+v)", i, got, st.wantCount, r)
				}
			}
		})
	}
}

func TestPostgresValuesIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	dir := t.TempDir()
	gbkResidents(t, dir, 30, nil)
	p := writeFile(t, dir, "p.yaml", pgPipeline("upsert", "run", "0", true))
	if code, _, stderr := runCLI(t, "run", p, "--set", "PG_DSN="+dsn, "--set", "TABLE=Residents", "--progress", "never"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var (
		name, addr, score string
		birth, reg        time.Time
	)
	// Created with the folded name: an unquoted reference works.
	err = conn.QueryRow(context.Background(), `SELECT name, address, birth_date, score::text, registered_at FROM residents WHERE id = 17`).
		Scan(&name, &addr, &birth, &score, &reg)
	if err != nil {
		t.Fatal(err)
	}
	if name != "居民17" || addr != "天津市河西区友谊路17号，3门" || birth.Format("2006-01-02") != "1967-06-18" || score != "77.17" ||
		reg.Format("2006-01-02 15:04:05") != "2024-05-18 09:17:00" {
		t.Fatalf("row 17: %q %q %s %s %s", name, addr, birth, score, reg)
	}
	var types []string
	rows, err := conn.Query(context.Background(), `SELECT data_type FROM information_schema.columns WHERE table_name = 'residents' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		types = append(types, s)
	}
	if got := strings.Join(types, ","); got != "bigint,text,date,numeric,text,timestamp without time zone" {
		t.Fatalf("column types %s", got)
	}
}

func TestExplainRedactsSecretsIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "S3cretPassw0rd")
	dir := t.TempDir()
	gbkResidents(t, dir, 5, nil)
	p := writeFile(t, dir, "p.yaml", pgPipeline("upsert", "run", "0", true))
	for _, args := range [][]string{
		{"explain", p, "--set", "PG_DSN=" + u.String()},
		{"explain", p, "--set", "PG_DSN=" + u.String(), "--set", "TARGET_TYPE=opengauss"},
		{"run", p, "--set", "PG_DSN=" + u.String(), "--set", "TABLE=t", "--log-format", "json", "--log-level", "debug"},
	} {
		code, out, stderr := runCLI(t, args...)
		all := out + stderr
		if strings.Contains(all, "S3cretPassw0rd") {
			t.Fatalf("%v printed the password:\n%s", args, all)
		}
		if args[0] == "explain" {
			if code != 0 || !strings.Contains(out, "COPY") || !strings.Contains(out, `"居民"`) {
				t.Fatalf("explain exit %d:\n%s\n%s", code, out, stderr)
			}
			if !strings.Contains(out, "MERGE") && !strings.Contains(out, "ON CONFLICT") {
				t.Fatalf("explain shows no upsert statement:\n%s", out)
			}
		}
	}
}

// TestSIGTERMRollsBackIntegration runs the real binary on a FIFO that never
// ends, sends SIGTERM, and checks that the run stops, exits 1, and leaves no
// trace in the database (not even the table it created).
func TestSIGTERMRollsBackIntegration(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("FIFOs and signals: linux only")
	}
	dsn := pgtest.NewDatabase(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "xcetl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	fifo := filepath.Join(dir, "residents.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, dir, "p.yaml", strings.Replace(pgPipeline("append", "run", "0", false), "encoding: gbk", "encoding: utf-8", 1))
	rep := filepath.Join(dir, "report.json")
	cmd := exec.Command(bin, "run", p, "--set", "PG_DSN="+dsn, "--report", rep, "--progress", "never")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fmt.Fprintln(w, "编号,姓名,出生日期,积分,住址,登记时间")
	for i := 1; i <= 5000; i++ {
		fmt.Fprintf(w, "%d,n%d,1990-01-01,1.00,addr,2024-01-01 00:00:00\n", i, i)
	}
	// Let the batches reach the database inside the run's transaction.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !copyInProgress(t, dsn) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("xcetl did not stop after SIGTERM\n%s", stderr.String())
	}
	r := readReport(t, rep)
	if r.Status != "failed" || !strings.Contains(r.Error, "interrupted") || r.RowsCommitted != 0 {
		t.Fatalf("report %+v", r)
	}
	if n := pgCount(t, dsn, `public."居民"`); n != -1 {
		t.Fatalf("table exists with %d rows after SIGTERM", n)
	}
}

// copyInProgress reports whether the run has written rows in its (not yet
// committed) transaction: its backend has done work on our database.
func copyInProgress(t *testing.T, dsn string) bool {
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		return false
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(&n)
	return err == nil && n > 0
}
