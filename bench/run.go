package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl"
)

// Run is one timed execution of a contender.
type Run struct {
	Round    int     `json:"round"`
	Seconds  float64 `json:"seconds"`
	MaxRSSKB int64   `json:"max_rss_kb"`
}

// childResult is what runChild measured.
type childResult struct {
	seconds  float64
	maxRSSKB int64
}

// runChild runs argv as a child process with its output going to logPath, and measures its
// wall-clock time and peak resident set size. The RSS is the child's own (from wait4), which for
// psql excludes the server backend doing the work: psql's number shows the client's cost only.
func runChild(ctx context.Context, argv, env []string, logPath string, scrub *xcetl.Scrubber) (childResult, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return childResult{}, fmt.Errorf("create log: %w", err)
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = env
	start := time.Now()
	if err = cmd.Start(); err == nil {
		hwm := watchHWM(cmd.Process.Pid)
		err = cmd.Wait()
		elapsed := time.Since(start)
		peak := hwm()
		if err == nil {
			res := childResult{seconds: elapsed.Seconds(), maxRSSKB: peak}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && (peak == 0 || ru.Maxrss < peak) {
				res.maxRSSKB = ru.Maxrss // kilobytes on Linux
			}
			return res, nil
		}
	}
	out, _ := os.ReadFile(logPath)
	return childResult{}, fmt.Errorf("%s: %w (log %s):\n%s", scrub.Scrub(strings.Join(argv, " ")), err, logPath,
		scrub.Scrub(tail(out, 15)))
}

// watchHWM polls the peak resident set size (VmHWM of /proc/PID/status, in
// kB) of a running child every 10ms and returns a function that stops the
// polling and reports the largest value seen.
//
// Why not the rusage of wait4 alone: Linux starts a child's ru_maxrss with
// the high-water mark of the process it was forked from (exec records the
// old address space's peak, and Go forks with CLONE_VM), so once the bench
// itself has grown — the cdc scenario keeps a Kafka broker with the whole
// topic in this process — every later child would report at least the
// bench's own size. VmHWM belongs to the child's own address space. The
// smaller of the two is used: polling can miss only growth in the last
// 10ms of a run.
func watchHWM(pid int) func() int64 {
	path := "/proc/" + strconv.Itoa(pid) + "/status"
	var peak atomic.Int64
	read := func() {
		data, err := os.ReadFile(path)
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				if err == nil && kb > peak.Load() {
					peak.Store(kb)
				}
			}
		}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

// report is the part of xcetl's --report JSON the bench checks (PIPELINE-SPEC "Report").
type report struct {
	Status       string `json:"status"`
	RowsRead     int64  `json:"rows_read"`
	RowsWritten  int64  `json:"rows_written"`
	RowsRejected int64  `json:"rows_rejected"`
	Error        string `json:"error"`
}

// checkReport reads an xcetl report and fails unless the run loaded exactly rows rows.
func checkReport(path string, rows int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read xcetl report: %w", err)
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("parse xcetl report %s: %w", path, err)
	}
	var problems []string
	if r.Status != "ok" {
		problems = append(problems, fmt.Sprintf("status %q (error %q)", r.Status, r.Error))
	}
	if r.RowsRead != int64(rows) {
		problems = append(problems, fmt.Sprintf("rows_read %d, want %d", r.RowsRead, rows))
	}
	if r.RowsWritten != int64(rows) {
		problems = append(problems, fmt.Sprintf("rows_written %d, want %d", r.RowsWritten, rows))
	}
	if r.RowsRejected != 0 {
		problems = append(problems, fmt.Sprintf("rows_rejected %d, want 0", r.RowsRejected))
	}
	if len(problems) > 0 {
		return fmt.Errorf("xcetl report %s: %s", path, strings.Join(problems, "; "))
	}
	return nil
}

// db wraps the bench's own connection, used for setup and checks, never for the timed work.
type db struct {
	conn  *pgx.Conn
	scrub *xcetl.Scrubber
}

func (d *db) exec(ctx context.Context, sqls ...string) error {
	for _, sql := range sqls {
		if _, err := d.conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", firstLine(sql), err)
		}
	}
	return nil
}

func (d *db) count(ctx context.Context, sql string) (int64, error) {
	var n int64
	if err := d.conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: %w", firstLine(sql), err)
	}
	return n, nil
}

// expectCount fails when table does not hold want rows: a contender that exits 0 but loaded the
// wrong number of rows is broken, not fast.
func (d *db) expectCount(ctx context.Context, table string, want int) error {
	n, err := d.count(ctx, "SELECT count(*) FROM "+table)
	if err != nil {
		return err
	}
	if n != int64(want) {
		return fmt.Errorf("table %s holds %d rows after the run, want %d", table, n, want)
	}
	return nil
}

// sameRows fails unless tables a and b hold the same multiset of rows; with equal counts (checked
// first) an empty a EXCEPT ALL b is enough.
func (d *db) sameRows(ctx context.Context, a, b string) error {
	na, err := d.count(ctx, "SELECT count(*) FROM "+a)
	if err != nil {
		return err
	}
	nb, err := d.count(ctx, "SELECT count(*) FROM "+b)
	if err != nil {
		return err
	}
	if na != nb {
		return fmt.Errorf("tables %s (%d rows) and %s (%d rows) differ in size", a, na, b, nb)
	}
	if err := d.exec(ctx, "SET work_mem = '256MB'"); err != nil {
		return err
	}
	defer d.exec(ctx, "RESET work_mem")
	diff, err := d.count(ctx, fmt.Sprintf("SELECT count(*) FROM (TABLE %s EXCEPT ALL TABLE %s) d", a, b))
	if err != nil {
		return err
	}
	if diff != 0 {
		var sample string
		_ = d.conn.QueryRow(ctx, fmt.Sprintf("SELECT d::text FROM (TABLE %s EXCEPT ALL TABLE %s) d LIMIT 1", a, b)).Scan(&sample)
		return fmt.Errorf("%d rows of %s are not in %s, e.g. %s", diff, a, b, sample)
	}
	return nil
}

// checkpoint flushes the previous run's dirty pages so a checkpoint does not land in the next
// contender's timing. It needs superuser rights; without them the bench goes on unflushed.
func (d *db) checkpoint(ctx context.Context, warned *bool) {
	if _, err := d.conn.Exec(ctx, "CHECKPOINT"); err != nil && !*warned {
		*warned = true
		fmt.Printf("note: CHECKPOINT failed (%v); timings may include checkpoint work\n", err)
	}
}

func createTableSQL(name string, primaryKey bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", name)
	for i, c := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name + " " + c.sqlType)
		if primaryKey && c.name == "id" {
			b.WriteString(" PRIMARY KEY")
		}
	}
	b.WriteString(")" + noAutovacuum)
	return b.String()
}

// noAutovacuum ends the DDL of every table the bench creates: each run starts from a table the
// bench truncated (and prefilled and VACUUM ANALYZEd) itself, so autovacuum adds nothing but a
// background vacuum of the previous contender's table (its dead rows) running into the next
// contender's timed run — measured: ~10 s and 0.7 s of CPU per upsert target, landing in the
// following run. It hit the contender that used both cores (xcetl) hardest.
const noAutovacuum = " WITH (autovacuum_enabled = off)"

func columnNames() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.name
	}
	return out
}

// copyCommand is psql's client-side COPY of the CSV into table.
func copyCommand(table, file string) string {
	return fmt.Sprintf(`\copy %s FROM '%s' WITH (FORMAT csv, HEADER true)`, table, strings.ReplaceAll(file, "'", "''"))
}

// upsertScript is a hand-written upsert baseline: one psql session that COPYs into a temporary
// table and merges it into table with ON CONFLICT (method "conflict") or MERGE (method "merge").
func upsertScript(method, table, file string) string {
	cols := columnNames()
	var set, ins, vals []string
	for _, c := range cols {
		ins = append(ins, c)
		vals = append(vals, "s."+c)
		if c == "id" {
			continue
		}
		if method == "merge" {
			set = append(set, fmt.Sprintf("%s = s.%s", c, c))
		} else {
			set = append(set, fmt.Sprintf("%s = EXCLUDED.%s", c, c))
		}
	}
	var b strings.Builder
	b.WriteString("BEGIN;\n")
	fmt.Fprintf(&b, "CREATE TEMP TABLE s (LIKE %s) ON COMMIT DROP;\n", table)
	b.WriteString(copyCommand("s", file) + "\n")
	// Statistics let the planner pick a hash join for MERGE; cheap, and what a careful person writes.
	b.WriteString("ANALYZE s;\n")
	if method == "merge" {
		fmt.Fprintf(&b, "MERGE INTO %s t USING s ON t.id = s.id\nWHEN MATCHED THEN UPDATE SET %s\nWHEN NOT MATCHED THEN INSERT (%s) VALUES (%s);\n",
			table, strings.Join(set, ", "), strings.Join(ins, ", "), strings.Join(vals, ", "))
	} else {
		fmt.Fprintf(&b, "INSERT INTO %s SELECT * FROM s\nON CONFLICT (id) DO UPDATE SET %s;\n", table, strings.Join(set, ", "))
	}
	b.WriteString("COMMIT;\n")
	return b.String()
}

// pipelineYAML is the xcetl pipeline for the bench: CSV in, Chinese headers renamed to the table's
// ASCII names, typed columns cast, loaded into an existing table. dataFile is relative to the
// pipeline's directory, as PIPELINE-SPEC says relative paths are.
func pipelineYAML(name, dataFile, table, mode string) string {
	var rename []string
	for i, h := range header {
		rename = append(rename, h+": "+columns[i].name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `version: 1
name: %s
description: xcetl benchmark (%s), generated by bench/
source:
  type: csv
  path: %q
  encoding: utf-8
  header: true
transforms:
  - rename: {%s}
  - cast: {id: int, birth_date: date, score: "decimal(10,2)", registered_at: timestamp}
target:
  type: postgres
  dsn: "${XCETL_TEST_PG_DSN}"
  table: %s
  mode: %s
`, name, mode, dataFile, strings.Join(rename, ", "), table, mode)
	if mode == "upsert" {
		b.WriteString("  key: [id]\n")
	}
	b.WriteString(`  create: never
  batch_size: 5000
errors:
  max_rejects: 0
`)
	return b.String()
}

func writeFile(path, content string) error {
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// errBroken marks failures that make the measurement meaningless (exit status 1), as opposed to
// missed targets (exit status 0).
var errBroken = errors.New("benchmark broken")

func broken(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBroken, fmt.Sprintf(format, args...))
}

// versionLine returns the first line argv prints, or "" if it fails: informational only.
func versionLine(ctx context.Context, argv ...string) string {
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).Output()
	if err != nil {
		return ""
	}
	return firstLine(string(bytes.TrimSpace(out)))
}
