// Package mytest runs throwaway MariaDB servers for integration tests and benchmarks, as
// internal/pgtest does for PostgreSQL.
//
// Tests call [DSN] or [NewDatabase]; a package that uses them routes its TestMain through
// [Main] (or pgtest.Main: both stop every server the test binary started). Set
// XCETL_TEST_MYSQL_DSN to use an existing MySQL or MariaDB server instead (the Makefile does
// that with internal/pgtest/cmd/withpg, which starts one MariaDB for a whole `go test ./...`).
//
// The server is Debian's mariadb-server (MariaDB 10.11): mariadb-install-db makes a data
// directory in a temp dir, and mariadbd serves it on a free 127.0.0.1 port and a private
// socket, as user mysql when the tests run as root. Durability is off (the data is
// disposable); the server's character set is utf8mb4.
package mytest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/xcetl/xcetl/internal/testsrv"
)

// dirPrefix names the temp directories so that a later Start can reap servers whose owning
// process died without stopping them.
const dirPrefix = "xcetl-mytest-"

// startTimeout bounds how long Start waits for the server to accept connections.
const startTimeout = 30 * time.Second

// Server is a running MariaDB used by tests and benchmarks.
type Server struct {
	// DSN connects as root (no password) over TCP in go-sql-driver/mysql's form:
	// root@tcp(127.0.0.1:PORT)/
	DSN string
	// Port is the TCP port on 127.0.0.1; Socket the Unix socket's path.
	Port   int
	Socket string

	dir  string
	cmd  *exec.Cmd
	done chan struct{} // closed when mariadbd exited
}

// URL implements testsrv.Server.
func (s *Server) URL() string { return s.DSN }

// binaries finds mariadb-install-db and mariadbd on PATH or where Debian puts them.
func binaries() (install, server string, err error) {
	look := func(name string, dirs ...string) string {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		for _, d := range dirs {
			if p := filepath.Join(d, name); fileExists(p) {
				return p
			}
		}
		return ""
	}
	install = look("mariadb-install-db", "/usr/bin")
	server = look("mariadbd", "/usr/sbin")
	if install == "" || server == "" {
		return "", "", errors.New("mytest: no MariaDB server found: mariadb-install-db and mariadbd are neither on PATH nor in /usr/bin, /usr/sbin (install mariadb-server, or set XCETL_TEST_MYSQL_DSN)")
	}
	return install, server, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Start initialises and starts a throwaway MariaDB on a free 127.0.0.1 port.
func Start() (*Server, error) {
	install, server, err := binaries()
	if err != nil {
		return nil, err
	}
	owner, err := testsrv.OwnerFor("mysql")
	if err != nil {
		return nil, fmt.Errorf("mytest: %w", err)
	}
	testsrv.Reap(dirPrefix, func(dir string) {
		if fileExists(filepath.Join(dir, "mariadbd.pid")) {
			_ = testsrv.KillPID(filepath.Join(dir, "mariadbd.pid"), syscall.SIGKILL, 5*time.Second)
		}
	})
	dir, err := testsrv.MakeDir(dirPrefix, owner)
	if err != nil {
		return nil, fmt.Errorf("mytest: %w", err)
	}
	s := &Server{dir: dir, Socket: filepath.Join(dir, "mysqld.sock")}
	fail := func(err error) (*Server, error) {
		_ = s.Stop()
		return nil, err
	}
	data := filepath.Join(dir, "data")
	args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve"}
	if owner != nil {
		args = append(args, "--user=mysql")
	}
	cmd := exec.Command(install, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("mytest: mariadb-install-db: %w: %s", err, testsrv.LastLines(out, 20)))
	}
	// A port from the kernel can be taken by someone else before mariadbd binds it; retry.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := testsrv.FreePort()
		if err != nil {
			return fail(fmt.Errorf("mytest: %w", err))
		}
		if lastErr = s.start(server, data, port, owner != nil); lastErr == nil {
			return s, nil
		}
	}
	return fail(lastErr)
}

// start runs mariadbd on port and waits until it answers; then it lets root connect over TCP.
func (s *Server) start(server, data string, port int, asMysql bool) error {
	logFile := filepath.Join(s.dir, "mariadbd.log")
	args := []string{"--no-defaults", "--datadir=" + data, "--socket=" + s.Socket,
		"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
		"--pid-file=" + filepath.Join(s.dir, "mariadbd.pid"), "--log-error=" + logFile,
		"--skip-name-resolve", "--skip-log-bin", "--performance-schema=OFF",
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
		// The data is disposable: measure xcetl, not the disk.
		"--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--sync-binlog=0",
		"--innodb-buffer-pool-size=256M", "--innodb-use-native-aio=0",
		"--innodb-buffer-pool-load-at-startup=0", "--innodb-buffer-pool-dump-at-shutdown=0",
		"--max-connections=200", "--max-allowed-packet=64M"}
	if asMysql {
		args = append(args, "--user=mysql")
	}
	cmd := exec.Command(server, args...)
	cmd.Dir = s.dir
	// Its own process group: a Ctrl-C meant for the tests must not kill the server before
	// Stop has waited for it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("mytest: start mariadbd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done, s.Port = cmd, done, port
	sock := "root@unix(" + s.Socket + ")/"
	deadline := time.Now().Add(startTimeout)
	var err error
	for time.Now().Before(deadline) {
		select {
		case <-done:
			logText, _ := os.ReadFile(logFile)
			s.cmd = nil
			return fmt.Errorf("mytest: mariadbd exited: %s", testsrv.LastLines(logText, 20))
		default:
		}
		if err = ping(sock, 2*time.Second); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		s.kill()
		return fmt.Errorf("mytest: mariadbd did not accept connections within %s: %w", startTimeout, err)
	}
	// mariadb-install-db made root@localhost, which reaches the socket only; tests and the
	// bench connect over TCP.
	if err := execSQL(sock, "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'",
		"GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION"); err != nil {
		s.kill()
		return fmt.Errorf("mytest: allow root over TCP: %w", err)
	}
	s.DSN = fmt.Sprintf("root@tcp(127.0.0.1:%d)/", port)
	return nil
}

// kill ends mariadbd at once (its data is disposable) and waits for it.
func (s *Server) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
	}
	s.cmd = nil
}

// Stop ends the server and removes its directory. It is safe to call on a partly started
// server and more than once.
func (s *Server) Stop() error {
	if s == nil || s.dir == "" {
		return nil
	}
	s.kill()
	dir := s.dir
	s.dir = ""
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("mytest: remove %s: %w", dir, err)
	}
	return nil
}

// ping connects and runs SELECT 1.
func ping(dsn string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var one int
	return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// execSQL runs statements on one connection.
func execSQL(dsn string, stmts ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, st := range stmts {
		if _, err := conn.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	return nil
}

// parseDSN parses a go-sql-driver/mysql DSN.
func parseDSN(dsn string) (*mysql.Config, error) { return mysql.ParseDSN(dsn) }

// withDatabase returns dsn with its database replaced.
func withDatabase(dsn, db string) (string, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	cfg.DBName = db
	return cfg.FormatDSN(), nil
}
