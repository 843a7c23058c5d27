package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/internal/testsrv"
)

// EnvDSN names the environment variable that points tests at an existing server.
const EnvDSN = "XCETL_TEST_PG_DSN"

// serverURL adapts *Server to testsrv.Server.
type serverURL struct{ *Server }

func (s serverURL) URL() string { return s.DSN }

var shared = &testsrv.Shared{
	What:   "PostgreSQL",
	EnvDSN: EnvDSN,
	Ping:   ping,
	Start: func() (testsrv.Server, error) {
		s, err := Start()
		if err != nil {
			return nil, err
		}
		return serverURL{s}, nil
	},
	Scrub: scrub,
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
	return shared.DSN(t)
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

// Main is for TestMain: it runs m, stops the servers this process started (PostgreSQL, and
// those of the other harnesses built on internal/testsrv, such as internal/mytest), and exits
// with m's code.
func Main(m *testing.M) { testsrv.Main(m) }

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
