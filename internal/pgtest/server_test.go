package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func TestStartIntegration(t *testing.T) {
	s, err := Start()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Start: %v", err)
		}
		t.Skipf("Start: %v", err)
	}
	dir := s.dir
	if !strings.HasPrefix(s.DSN, "postgres://postgres@127.0.0.1:") {
		t.Errorf("DSN = %q, want postgres://postgres@127.0.0.1:PORT/...", s.DSN)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.DSN)
	if err != nil {
		_ = s.Stop()
		t.Fatalf("connect: %v", err)
	}
	var one int
	var settings [3]string
	err = conn.QueryRow(ctx, "SELECT 1, current_setting('fsync'), current_setting('max_connections'), pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()").
		Scan(&one, &settings[0], &settings[1], &settings[2])
	conn.Close(ctx)
	if err != nil {
		_ = s.Stop()
		t.Fatalf("SELECT 1: %v", err)
	}
	if one != 1 || settings != [3]string{"off", "50", "UTF8"} {
		t.Errorf("got %d %v, want 1 [off 50 UTF8]", one, settings)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err != nil {
		t.Errorf("data dir not where expected: %v", err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("dir %s still exists after Stop (stat err %v)", dir, err)
	}
	if err := ping(s.DSN, 2*time.Second); err == nil {
		t.Errorf("server still accepts connections after Stop")
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestNewDatabaseIntegration(t *testing.T) {
	var names [2]string
	for i := range names {
		dsn := NewDatabase(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			cancel()
			t.Fatalf("connect to new database: %v", err)
		}
		err = conn.QueryRow(ctx, "SELECT current_database()").Scan(&names[i])
		if err == nil {
			_, err = conn.Exec(ctx, "CREATE TABLE t (id int)")
		}
		conn.Close(ctx)
		cancel()
		if err != nil {
			t.Fatalf("use new database: %v", err)
		}
		if !strings.HasPrefix(names[i], "xcetl_test_") {
			t.Errorf("database %q lacks prefix xcetl_test_", names[i])
		}
	}
	if names[0] == names[1] {
		t.Errorf("two NewDatabase calls gave the same database %q", names[0])
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"url", "postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable", "postgres://u:p@127.0.0.1:5432/x?sslmode=disable"},
		{"url no path", "postgresql://u@h", "postgresql://u@h/x"},
		{"keyword", "host=h dbname=postgres", "host=h dbname=postgres dbname=x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := withDatabase(tc.dsn, "x")
			if err != nil || got != tc.want {
				t.Errorf("withDatabase(%q) = %q, %v; want %q", tc.dsn, got, err, tc.want)
			}
		})
	}
}

func TestFindBinDir(t *testing.T) {
	dir, err := findBinDir()
	if err != nil {
		t.Skipf("no PostgreSQL installed: %v", err)
	}
	for _, tool := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(dir, tool)); err != nil {
			t.Errorf("%s missing from %s: %v", tool, dir, err)
		}
	}
}
