package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
)

// TestSQLExampleIntegration runs examples/sql-mysql-to-postgres.yaml from
// the shared MariaDB grid schema into PostgreSQL, twice (upsert: the second
// run changes nothing), and explains it.
func TestSQLExampleIntegration(t *testing.T) {
	src, dst := mytest.LoadGrid(t), pgtest.NewDatabase(t)
	args := []string{"../../examples/sql-mysql-to-postgres.yaml", "--set", "SRC_DSN=" + src, "--set", "PG_DSN=" + dst}
	for i := 0; i < 2; i++ {
		if code, _, stderr := runCLI(t, append([]string{"run", "--progress", "never"}, args...)...); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i+1, code, stderr)
		}
	}
	conn, err := pgx.Connect(context.Background(), dst)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	var names string
	if err := conn.QueryRow(context.Background(), "SELECT count(*), string_agg(name, ',' ORDER BY id) FROM public.residents").Scan(&n, &names); err != nil {
		t.Fatal(err)
	}
	if n != 3 || names != "张三,李四,王五" {
		t.Errorf("residents: %d rows %q", n, names)
	}
	code, out, stderr := runCLI(t, append([]string{"explain"}, args...)...)
	if code != 0 || !strings.Contains(out, "sql mysql root@tcp(") || !strings.Contains(out, "updated_at timestamp") {
		t.Errorf("explain: exit %d\n%s%s", code, out, stderr)
	}
}
