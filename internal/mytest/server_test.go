package mytest

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"
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
	if !strings.HasPrefix(s.DSN, "root@tcp(127.0.0.1:") {
		t.Errorf("DSN = %q, want root@tcp(127.0.0.1:PORT)/", s.DSN)
	}
	db, err := sql.Open("mysql", s.DSN)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var version, charset string
	err = db.QueryRowContext(ctx, "SELECT VERSION(), @@character_set_server").Scan(&version, &charset)
	db.Close()
	if err != nil {
		_ = s.Stop()
		t.Fatalf("query: %v", err)
	}
	if !strings.Contains(version, "MariaDB") || charset != "utf8mb4" {
		t.Errorf("version %q charset %q, want MariaDB with utf8mb4", version, charset)
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
		Exec(t, dsn, "CREATE TABLE t (id int, name varchar(10)) CHARACTER SET gbk", "INSERT INTO t VALUES (1, '张三')")
		db, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Fatal(err)
		}
		err = db.QueryRow("SELECT DATABASE()").Scan(&names[i])
		var name string
		if err == nil {
			err = db.QueryRow("SELECT name FROM t").Scan(&name)
		}
		db.Close()
		if err != nil {
			t.Fatalf("use new database: %v", err)
		}
		if !strings.HasPrefix(names[i], "xcetl_test_") || name != "张三" {
			t.Errorf("database %q, name %q; want prefix xcetl_test_ and 张三", names[i], name)
		}
	}
	if names[0] == names[1] {
		t.Errorf("two NewDatabase calls gave the same database %q", names[0])
	}
}

func TestScrubHidesPassword(t *testing.T) {
	err := scrub(errorString("dial u:s3cretpw@tcp(h:1)/: refused; password s3cretpw"), "u:s3cretpw@tcp(h:1)/")
	if strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("scrub left the password: %v", err)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
