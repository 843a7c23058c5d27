package mytest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/internal/testsrv"
)

// EnvDSN names the environment variable that points tests at an existing server, in
// go-sql-driver/mysql's form: user:password@tcp(host:port)/
const EnvDSN = "XCETL_TEST_MYSQL_DSN"

var shared = &testsrv.Shared{
	What:   "MariaDB",
	EnvDSN: EnvDSN,
	Ping:   ping,
	Start: func() (testsrv.Server, error) {
		s, err := Start()
		if err != nil {
			return nil, err
		}
		return s, nil
	},
	Scrub: scrub,
}

// DSN returns a DSN for tests: $XCETL_TEST_MYSQL_DSN if set; otherwise a server started once
// per test process and shared by the package's tests, stopped by [Main]. With CI=true a test
// that cannot have a server fails; otherwise it is skipped with the reason.
func DSN(t testing.TB) string {
	t.Helper()
	return shared.DSN(t)
}

// NewDatabase creates a fresh database (xcetl_test_<random>, utf8mb4) on the DSN(t) server
// and returns a DSN pointing at it; t.Cleanup drops it.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := DSN(t)
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatalf("mytest: random database name: %v", err)
	}
	name := "xcetl_test_" + hex.EncodeToString(rnd[:])
	if err := execSQL(base, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		t.Fatalf("mytest: create database %s: %v", name, scrub(err, base))
	}
	t.Cleanup(func() {
		if err := execSQL(base, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("mytest: drop database %s: %v", name, scrub(err, base))
		}
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("mytest: %v", scrub(err, base))
	}
	return dsn
}

// Exec runs statements, in order, on one connection to dsn (a test's schema and data);
// it fails the test at the first error.
func Exec(t testing.TB, dsn string, stmts ...string) {
	t.Helper()
	if err := execSQL(dsn, stmts...); err != nil {
		t.Fatalf("mytest: %v", scrub(err, dsn))
	}
}

// Main is for TestMain: it runs m, stops every server this process started (MariaDB and
// PostgreSQL alike), and exits with m's code.
func Main(m *testing.M) { testsrv.Main(m) }

// Ping reports whether dsn reaches a server within timeout.
func Ping(dsn string, timeout time.Duration) error { return ping(dsn, timeout) }

// scrub removes the DSN's password from an error message that may quote it.
func scrub(err error, dsn string) error {
	if err == nil {
		return nil
	}
	var sc xcetl.Scrubber
	sc.AddDSN(dsn)
	if cfg, perr := parseDSN(dsn); perr == nil {
		sc.Add(cfg.Passwd)
	}
	msg := err.Error()
	if clean := sc.Scrub(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}
