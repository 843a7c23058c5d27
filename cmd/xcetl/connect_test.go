package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl/internal/pgtest"
)

// TestServerErrorsIntegration runs against a PostgreSQL of its own, which
// it can make ask for passwords and kill:
//   - a wrong password is printed once, root cause first (server, user,
//     database, what failed, what to check), and no run history is tried
//     on the target that could not be reached;
//   - a server that dies in the middle of a load is reported as the server
//     closing the connection, not as "unexpected EOF".
func TestServerErrorsIntegration(t *testing.T) {
	s, err := pgtest.Start()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no PostgreSQL (CI=true forbids skipping): %v", err)
		}
		t.Skipf("no PostgreSQL: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`CREATE ROLE etl LOGIN PASSWORD 'right-Pw-42'`, `CREATE DATABASE grid OWNER etl`} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	admin.Close(ctx)
	if err := s.RequirePassword("etl"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 1; i <= 400_000; i++ {
		fmt.Fprintf(&b, "%d,居民%d\n", i, i)
	}
	writeFile(t, dir, "big.csv", b.String())
	file := writeFile(t, dir, "p.yaml", `version: 1
name: grid
source: {type: csv, path: big.csv}
target: {type: postgres, dsn: "${DSN}", table: residents}
`)
	dsn := func(pw string) string {
		return fmt.Sprintf("postgres://etl:%s@127.0.0.1:%d/grid?sslmode=disable", pw, s.Port)
	}

	t.Run("wrong password", func(t *testing.T) {
		for _, format := range []string{"text", "json"} {
			code, _, stderr := runCLI(t, "run", file, "--progress", "never", "--log-format", format, "--set", "DSN="+dsn("wrong-Pw-13"))
			if code != 1 {
				t.Fatalf("%s: exit %d:\n%s", format, code, stderr)
			}
			want := fmt.Sprintf("cannot connect to postgres server 127.0.0.1:%d as user etl (database grid): password authentication failed for user \"etl\" (SQLSTATE 28P01)", s.Port)
			if !strings.Contains(stderr, "error: "+want) {
				t.Errorf("%s: the summary does not start the error with the root cause %q:\n%s", format, want, stderr)
			}
			if !strings.Contains(stderr, "check: the password of user etl") {
				t.Errorf("%s: no hint what to check:\n%s", format, stderr)
			}
			// Once in the summary; JSON logs have it once more, as a field
			// of their record.
			times := 1
			if format == "json" {
				times = 2
			}
			if n := strings.Count(stderr, "password authentication failed"); n != times {
				t.Errorf("%s: the error is printed %d times, want %d:\n%s", format, n, times, stderr)
			}
			t.Logf("%s:\n%s", format, stderr)
			if strings.Contains(stderr, "run history") || strings.Contains(stderr, "wrong-Pw-13") {
				t.Errorf("%s: run history tried on an unreachable target, or the password shown:\n%s", format, stderr)
			}
		}
	})

	t.Run("server dies mid-run", func(t *testing.T) {
		c, stderr := child(t, "run", file, "--progress", "never", "--set", "DSN="+dsn("right-Pw-42"))
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		for !copying(s.DSN) {
			select {
			case <-done:
				t.Fatalf("the run ended before the server could be killed:\n%s", stderr)
			case <-time.After(5 * time.Millisecond):
			}
		}
		if err := s.Kill(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			t.Fatal("the run did not end after its server died")
		}
		if code := c.ProcessState.ExitCode(); code != 1 {
			t.Fatalf("exit %d:\n%s", code, stderr)
		}
		t.Logf("the run's stderr:\n%s", stderr)
		if !strings.Contains(stderr.String(), "the server closed the connection") {
			t.Errorf("the error does not say the server closed the connection:\n%s", stderr)
		}
	})
}

// copying reports whether a COPY into database grid is running.
func copying(dsn string) bool {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return false
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = 'grid' AND state = 'active' AND query LIKE 'COPY%'`).Scan(&n)
	return err == nil && n > 0
}
