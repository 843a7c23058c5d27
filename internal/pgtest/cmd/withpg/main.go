// Command withpg runs a command with the test databases available: PostgreSQL in
// XCETL_TEST_PG_DSN and MariaDB in XCETL_TEST_MYSQL_DSN.
//
//	go run ./internal/pgtest/cmd/withpg -- CMD ARGS...
//
// For each of the two, if its variable already names a reachable server, that server is used.
// Otherwise withpg starts a throwaway one (pgtest.Start, mytest.Start; both at once), exports
// the variable and, for the command-line clients, PGHOST/PGPORT/PGUSER/PGDATABASE (psql) and
// MYSQL_HOST/MYSQL_TCP_PORT (mariadb), runs CMD with stdio passed through, stops the servers
// (also on SIGINT/SIGTERM) and exits with CMD's exit code. One server for a whole
// `go test ./...` is much cheaper than one per package.
//
// MariaDB is optional outside CI: when mariadb-server is not installed withpg says so and runs
// CMD without it (the tests that need it skip). With CI=true that is an error.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: withpg -- CMD [ARGS...]")
		return 2
	}
	needPG := !reachable(pgtest.EnvDSN, pingPG)
	needMy := !reachable(mytest.EnvDSN, func(dsn string) error { return mytest.Ping(dsn, 5*time.Second) })
	if !needPG && !needMy {
		return runChild(args, nil)
	}

	// Catch signals before starting the servers so an early Ctrl-C still stops them.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	var servers []stopper
	defer func() {
		for _, s := range servers {
			if err := s.Stop(); err != nil {
				fmt.Fprintf(os.Stderr, "withpg: %v\n", err)
			}
		}
	}()
	env, servers, err := startServers(needPG, needMy)
	if err != nil {
		fmt.Fprintf(os.Stderr, "withpg: %v\n", err)
		return 1
	}
	select {
	case sig := <-sigs:
		return 128 + int(sig.(syscall.Signal))
	default:
	}
	code := runChildSignals(args, env, sigs)
	for _, s := range servers {
		if err := s.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "withpg: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	servers = nil
	return code
}

type stopper interface{ Stop() error }

// reachable reports whether the variable names a server that answers; a set but unreachable
// one is replaced by a throwaway server, with a note.
func reachable(envVar string, ping func(string) error) bool {
	dsn := os.Getenv(envVar)
	if dsn == "" {
		return false
	}
	err := ping(dsn)
	if err == nil {
		return true
	}
	var sc xcetl.Scrubber
	sc.AddDSN(dsn)
	fmt.Fprintf(os.Stderr, "withpg: %s is set but unreachable (%s); starting a throwaway server\n", envVar, sc.Scrub(err.Error()))
	return false
}

// startServers starts the servers needed, at the same time, and returns the environment that
// points the command at them.
func startServers(needPG, needMy bool) ([]string, []stopper, error) {
	type result struct {
		env []string
		srv stopper
		err error
	}
	pgc, myc := make(chan result, 1), make(chan result, 1)
	start := time.Now()
	if needPG {
		go func() {
			s, err := pgtest.Start()
			if err != nil {
				pgc <- result{err: err}
				return
			}
			fmt.Fprintf(os.Stderr, "withpg: PostgreSQL on 127.0.0.1:%d ready in %.1fs\n", s.Port, time.Since(start).Seconds())
			pgc <- result{srv: s, env: []string{pgtest.EnvDSN + "=" + s.DSN, "PGHOST=127.0.0.1",
				"PGPORT=" + strconv.Itoa(s.Port), "PGUSER=postgres", "PGDATABASE=postgres"}}
		}()
	} else {
		pgc <- result{}
	}
	if needMy {
		go func() {
			s, err := mytest.Start()
			if err != nil {
				myc <- result{err: err}
				return
			}
			fmt.Fprintf(os.Stderr, "withpg: MariaDB on 127.0.0.1:%d ready in %.1fs\n", s.Port, time.Since(start).Seconds())
			myc <- result{srv: s, env: []string{mytest.EnvDSN + "=" + s.DSN, "MYSQL_HOST=127.0.0.1",
				"MYSQL_TCP_PORT=" + strconv.Itoa(s.Port)}}
		}()
	} else {
		myc <- result{}
	}
	pg, my := <-pgc, <-myc
	var env []string
	var servers []stopper
	for _, r := range []result{pg, my} {
		if r.srv != nil {
			servers = append(servers, r.srv)
			env = append(env, r.env...)
		}
	}
	switch {
	case pg.err != nil:
		return nil, servers, pg.err
	case my.err != nil && os.Getenv("CI") == "true":
		return nil, servers, fmt.Errorf("%w (CI=true: the MariaDB tests must run)", my.err)
	case my.err != nil:
		fmt.Fprintf(os.Stderr, "withpg: no MariaDB, its tests will skip: %v\n", my.err)
	}
	return env, servers, nil
}

// runChild runs the command with our signals left at their defaults: nothing of ours needs
// cleaning up, so a Ctrl-C may end us together with the child.
func runChild(args, env []string) int {
	return runChildSignals(args, env, nil)
}

// runChildSignals runs the command; signals arriving on sigs are forwarded to it (a terminal's
// Ctrl-C reaches it through the process group anyway), and we wait for it to end so the server
// is stopped only after the child is gone.
func runChildSignals(args, env []string, sigs <-chan os.Signal) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "withpg: start %s: %v\n", args[0], err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			return exitCode(err)
		}
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	fmt.Fprintf(os.Stderr, "withpg: %v\n", err)
	return 1
}

func pingPG(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}
