package sqlite_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/dialecttest"
	"github.com/xcetl/xcetl/dialects/sqlite"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files under testdata/")

func TestGolden(t *testing.T) {
	dialecttest.Golden(t, sqlite.Dialect, dialecttest.GoldenOptions{DSN: "data/out.db", Update: *update})
}

func TestConformance(t *testing.T) {
	dialecttest.Run(t, sqlite.Dialect, filepath.Join(t.TempDir(), "conformance.db"))
}

func TestResolvePath(t *testing.T) {
	base := "/pipelines/daily"
	tests := []struct{ dsn, driver, file string }{
		{"out.db", "/pipelines/daily/out.db", "/pipelines/daily/out.db"},
		{"data/out.db", "/pipelines/daily/data/out.db", "/pipelines/daily/data/out.db"},
		{"/abs/out.db", "/abs/out.db", "/abs/out.db"},
		{"file:data/out.db?mode=rwc", "file:/pipelines/daily/data/out.db?mode=rwc", "/pipelines/daily/data/out.db"},
		{"file:/abs/out.db", "file:/abs/out.db", "/abs/out.db"},
		{"file:///abs/out.db?cache=shared", "file:/abs/out.db?cache=shared", "/abs/out.db"},
		{":memory:", ":memory:", ""},
		{"file::memory:?cache=shared", "file::memory:?cache=shared", ""},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			driver, file, err := sqlite.ResolvePath(tt.dsn, base)
			if err != nil {
				t.Fatal(err)
			}
			if driver != tt.driver || file != tt.file {
				t.Errorf("got %q, %q; want %q, %q", driver, file, tt.driver, tt.file)
			}
		})
	}
	for _, bad := range []string{"", "file://host/x.db"} {
		if _, _, err := sqlite.ResolvePath(bad, base); err == nil {
			t.Errorf("ResolvePath(%q) succeeded", bad)
		}
	}
}

func TestOpenCreatesDirectoriesAndSetsPragmas(t *testing.T) {
	base := t.TempDir()
	c, err := sqlite.Dialect.Open(context.Background(), "nested/dir/x.db", dialects.Env{BaseDir: base})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := os.Stat(filepath.Join(base, "nested/dir/x.db")); err != nil {
		t.Errorf("database file not created under the base directory: %v", err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000"} {
		rows, err := c.Query(context.Background(), "PRAGMA "+pragma)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ToLower(strings.TrimSpace(toString(rows[0][0]))); got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strings.TrimSpace(strings.Repeat(" ", 0) + itoa(x))
	}
	return ""
}

func itoa(x int64) string {
	var b []byte
	if x == 0 {
		return "0"
	}
	for x > 0 {
		b = append([]byte{byte('0' + x%10)}, b...)
		x /= 10
	}
	return string(b)
}

func TestReservedTableName(t *testing.T) {
	if _, err := sqlite.Dialect.ParseTable("sqlite_master"); err == nil {
		t.Error("sqlite_master accepted as a target table")
	}
}
