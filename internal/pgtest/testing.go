package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl"
)

// EnvDSN names the environment variable that points tests at an existing server.
const EnvDSN = "XCETL_TEST_PG_DSN"

var shared struct {
	sync.Mutex
	mainActive bool    // Main is running: a started server may be shared and Main stops it
	done       bool    // resolution attempted
	dsn        string  // result
	err        error   // why no server could be had
	server     *Server // started by this process, stopped by Main
}

// DSN returns a DSN for tests: $XCETL_TEST_PG_DSN if set; otherwise a server started once per
// test process and shared by all tests of the package, stopped by [Main]. Without Main (no
// TestMain routed through it) the server is started for this test alone and stopped by
// t.Cleanup, so that nothing outlives the test binary.
//
// If no server can be had the test is skipped with the reason, except when CI=true: there it
// fails, because integration tests must never silently skip in CI.
func DSN(t testing.TB) string {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.done {
		if env := os.Getenv(EnvDSN); env != "" {
			if err := ping(env, 10*time.Second); err != nil {
				shared.err = fmt.Errorf("pgtest: %s is set but the server is unreachable: %w", EnvDSN, scrub(err, env))
			} else {
				shared.dsn = env
			}
			shared.done = true
		} else if shared.mainActive {
			s, err := Start()
			if err != nil {
				shared.err = err
			} else {
				shared.server, shared.dsn = s, s.DSN
			}
			shared.done = true
		} else {
			s, err := Start()
			if err != nil {
				unavailable(t, err)
				return ""
			}
			t.Logf("pgtest: started a PostgreSQL server for this test only; route TestMain through pgtest.Main to share one per package")
			t.Cleanup(func() {
				if err := s.Stop(); err != nil {
					t.Errorf("pgtest: %v", err)
				}
			})
			return s.DSN
		}
	}
	if shared.err != nil {
		unavailable(t, shared.err)
		return ""
	}
	return shared.dsn
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("no PostgreSQL for integration tests (CI=true forbids skipping): %v", err)
	}
	t.Skipf("no PostgreSQL for integration tests: %v", err)
}

// NewDatabase creates a fresh, uniquely named database (xcetl_test_<random>) on the DSN(t) server
// and returns a DSN pointing at it, so tests can create tables without colliding with each other.
// t.Cleanup drops it, forcibly, so connections a failing test leaked do not keep it alive.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := DSN(t)
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatalf("pgtest: random database name: %v", err)
	}
	name := "xcetl_test_" + hex.EncodeToString(rnd[:])
	if err := execAdmin(base, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, scrub(err, base))
	}
	t.Cleanup(func() {
		err := execAdmin(base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		if err != nil {
			// Servers older than PostgreSQL 13 (and some derivatives) lack WITH (FORCE).
			err = execAdmin(base, "DROP DATABASE IF EXISTS "+name)
		}
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, scrub(err, base))
		}
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// Main is for TestMain: it runs m, stops a server this process started, and exits with m's code.
func Main(m *testing.M) {
	shared.Lock()
	shared.mainActive = true
	shared.Unlock()
	code := m.Run()
	shared.Lock()
	s := shared.server
	shared.server = nil
	shared.Unlock()
	if s != nil {
		if err := s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

func execAdmin(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns dsn with its database replaced; it accepts both URL and keyword=value DSNs
// because XCETL_TEST_PG_DSN is user-supplied.
func withDatabase(dsn, db string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse DSN: %w", scrub(err, dsn))
		}
		u.Path = "/" + db
		return u.String(), nil
	}
	// In keyword=value form a later keyword overrides an earlier one.
	return strings.TrimSpace(dsn) + " dbname=" + db, nil
}

// scrub removes the DSN's password from an error message that may quote it.
func scrub(err error, dsn string) error {
	if err == nil {
		return nil
	}
	var sc xcetl.Scrubber
	sc.AddDSN(dsn)
	msg := err.Error()
	if clean := sc.Scrub(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}
