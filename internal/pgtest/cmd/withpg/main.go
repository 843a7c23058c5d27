// Command withpg runs a command with a PostgreSQL server available in XCETL_TEST_PG_DSN.
//
//	go run ./internal/pgtest/cmd/withpg -- CMD ARGS...
//
// If XCETL_TEST_PG_DSN already names a reachable server, CMD just runs. Otherwise withpg starts a
// throwaway cluster (pgtest.Start), exports XCETL_TEST_PG_DSN and PGHOST/PGPORT/PGUSER/PGDATABASE
// (for psql), runs CMD with stdio passed through, stops the cluster (also on SIGINT/SIGTERM) and
// exits with CMD's exit code. One server for a whole `go test ./...` is much cheaper than one per
// package.
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

	if dsn := os.Getenv(pgtest.EnvDSN); dsn != "" {
		if err := ping(dsn); err == nil {
			return runChild(args, nil)
		} else {
			var sc xcetl.Scrubber
			sc.AddDSN(dsn)
			fmt.Fprintf(os.Stderr, "withpg: %s is set but unreachable (%s); starting a throwaway server\n",
				pgtest.EnvDSN, sc.Scrub(err.Error()))
		}
	}

	// Catch signals before starting the server so an early Ctrl-C still stops it.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	start := time.Now()
	s, err := pgtest.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "withpg: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "withpg: PostgreSQL on 127.0.0.1:%d ready in %.1fs\n", s.Port, time.Since(start).Seconds())
	select {
	case sig := <-sigs:
		stop(s)
		return 128 + int(sig.(syscall.Signal))
	default:
	}

	env := []string{
		pgtest.EnvDSN + "=" + s.DSN,
		"PGHOST=127.0.0.1",
		"PGPORT=" + strconv.Itoa(s.Port),
		"PGUSER=postgres",
		"PGDATABASE=postgres",
	}
	code := runChildSignals(args, env, sigs)
	if !stop(s) && code == 0 {
		code = 1
	}
	return code
}

func stop(s *pgtest.Server) bool {
	if err := s.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "withpg: %v\n", err)
		return false
	}
	return true
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

func ping(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}
