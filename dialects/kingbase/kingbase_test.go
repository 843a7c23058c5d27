package kingbase_test

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/xcetl/xcetl/dialects"

	"github.com/xcetl/xcetl/dialects/dialecttest"
	"github.com/xcetl/xcetl/dialects/kingbase"
	"github.com/xcetl/xcetl/dialects/pgfamily"
	"github.com/xcetl/xcetl/internal/pgtest"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files under testdata/")

func TestMain(m *testing.M) { pgtest.Main(m) }

const goldenDSN = "postgres://system:S3cret-pw@kb.example/test"

// TestGolden renders the statements of each database_mode; mysql mode's
// ON DUPLICATE KEY UPDATE is checked here only (PostgreSQL cannot run it).
func TestGolden(t *testing.T) {
	t.Run("detected", func(t *testing.T) {
		dialecttest.Golden(t, kingbase.Dialect, dialecttest.GoldenOptions{DSN: goldenDSN, Update: *update})
	})
	for _, mode := range []string{"pg", "oracle", "mysql"} {
		t.Run(mode, func(t *testing.T) {
			d, err := kingbase.WithMode(mode)
			if err != nil {
				t.Fatal(err)
			}
			dialecttest.Golden(t, d, dialecttest.GoldenOptions{Dir: "testdata/" + mode, DSN: goldenDSN, Update: *update})
		})
	}
}

func TestWithModeUnknown(t *testing.T) {
	if _, err := kingbase.WithMode("sqlserver"); err == nil {
		t.Fatal("WithMode(sqlserver) succeeded")
	}
}

func TestDefaultPortAndDatabase(t *testing.T) {
	os.Unsetenv("PGPORT")
	os.Unsetenv("PGDATABASE")
	tests := []struct{ in, want string }{
		{"postgres://system:pw@kb.example", "postgres://system:pw@kb.example:54321/test"},
		{"postgres://system:pw@kb.example/", "postgres://system:pw@kb.example:54321/test"},
		{"postgres://system:pw@kb.example:5432/prod", "postgres://system:pw@kb.example:5432/prod"},
		{"postgres://system:pw@kb.example/prod?sslmode=disable", "postgres://system:pw@kb.example:54321/prod?sslmode=disable"},
		{"postgres://system:pw@[::1]/prod", "postgres://system:pw@[::1]:54321/prod"},
		{"postgres://system@h1:1,h2:2/prod", "postgres://system@h1:1,h2:2/prod"},
		{"host=kb.example user=system", "host=kb.example user=system port=54321 dbname=test"},
		{"host=kb.example port=5432 dbname=prod", "host=kb.example port=5432 dbname=prod"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := pgfamily.ApplyDSNDefaults(tt.in, kingbase.DefaultPort, kingbase.DefaultDatabase); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("PGPORT wins", func(t *testing.T) {
		t.Setenv("PGPORT", "6000")
		if got := pgfamily.ApplyDSNDefaults("host=h", kingbase.DefaultPort, kingbase.DefaultDatabase); got != "host=h dbname=test" {
			t.Errorf("got %q", got)
		}
	})
}

// TestConformanceIntegration runs the suite on PostgreSQL 15 as a stand-in
// for KingbaseES: once with the mode detected (PostgreSQL has no
// database_mode, so pg), then with pg and oracle modes forced (oracle's
// MERGE from a staging table is valid PostgreSQL 15).
func TestConformanceIntegration(t *testing.T) {
	t.Run("detected", func(t *testing.T) {
		dialecttest.Run(t, kingbase.Dialect, pgtest.NewDatabase(t))
	})
	for _, mode := range []string{"pg", "oracle"} {
		t.Run(mode, func(t *testing.T) {
			d, err := kingbase.WithMode(mode)
			if err != nil {
				t.Fatal(err)
			}
			dialecttest.Run(t, d, pgtest.NewDatabase(t))
		})
	}
}

// TestDetectOnPostgreSQLIntegration checks detection against a server
// without database_mode (PostgreSQL 15): pg mode, the empty string kept apart from NULL.
func TestDetectOnPostgreSQLIntegration(t *testing.T) {
	c, err := kingbase.Dialect.Open(context.Background(), pgtest.DSN(t), dialects.Env{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	v := c.(interface{ Variant() pgfamily.Variant }).Variant()
	if v.Upsert != pgfamily.OnConflict || v.EmptyIsNull != "" || v.Label != "database_mode=pg" {
		t.Errorf("variant %+v, want pg mode with '' kept", v)
	}
	if got := c.(dialects.EmptyStringNuller).EmptyStringIsNull(); got != "" {
		t.Errorf("EmptyStringIsNull() = %q", got)
	}
}
