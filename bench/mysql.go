package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/xcetl/xcetl/internal/mytest"
)

// The mysql scenario (`-only mysql`): the bench's resident records in a MariaDB table (loaded
// from the CSV once per bench run), read into PostgreSQL by a plain `type: sql` pipeline, against
// the shell pipe `mariadb --quick --batch -e 'SELECT …' | psql -c '\copy … FROM STDIN'`.
const (
	mysqlDatabase     = "xcetl_bench"
	mysqlTable        = "bench_residents"
	mysqlPipeTable    = "bench_my_pipe"
	mysqlXcetlTable   = "bench_my_xcetl"
	mysqlXcetl2Table  = "bench_my_xcetl2"
	mysqlSeedTable    = "bench_my_seed"
	mysqlRatioTarget  = 0.9   // t(shell pipe)/t(xcetl)
	mysqlRSSTargetMiB = 200.0 // peak RSS of xcetl
)

// mysqlDDL is the source table: the PostgreSQL table's columns in MariaDB types.
const mysqlDDL = `CREATE TABLE ` + mysqlTable + ` (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(64), gender VARCHAR(8),
  id_card VARCHAR(18), phone VARCHAR(16), birth_date DATE, address VARCHAR(255), community VARCHAR(64),
  score DECIMAL(10,2), registered_at DATETIME(6)) DEFAULT CHARSET=utf8mb4`

// mysqlClient returns the mariadb client's connection arguments for dsn.
func mysqlClient(dsn string) ([]string, error) {
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(cfg.Addr, ":")
	args := []string{"--protocol=tcp", "-h", host, "-P", port, "-u", cfg.User}
	if cfg.Passwd != "" {
		args = append(args, "--password="+cfg.Passwd)
	}
	return args, nil
}

func (b *bench) mysqlScenario(ctx context.Context, data dataFile) error {
	client, conn, dsn, err := b.mariadbSource(ctx, "mysql", mysqlDatabase, data)
	if err != nil {
		return err
	}
	defer func() {
		if !b.o.keep {
			_ = mysqlExec(os.Getenv(mytest.EnvDSN), "DROP DATABASE IF EXISTS "+mysqlDatabase)
			_ = b.db.exec(context.Background(), "DROP TABLE IF EXISTS "+strings.Join([]string{mysqlPipeTable, mysqlXcetlTable, mysqlXcetl2Table, mysqlSeedTable}, ", "))
		}
	}()
	for _, t := range []string{mysqlPipeTable, mysqlXcetlTable, mysqlXcetl2Table, mysqlSeedTable} {
		if err := b.db.exec(ctx, "DROP TABLE IF EXISTS "+t, createTableSQL(t, false)); err != nil {
			return broken("mysql: %v", err)
		}
	}
	if _, err := runChild(ctx, b.psqlArgv("-c", copyCommand(mysqlSeedTable, data.path)), b.env,
		filepath.Join(b.o.dir, "logs", "mysql-seed.log"), b.scrub); err != nil {
		return broken("mysql: load the reference table: %v", err)
	}
	rows := b.o.rows
	sc := &Scenario{Name: "mysql", Rows: rows, File: mysqlTable, FileBytes: data.bytes,
		Note: "MariaDB table → PostgreSQL, 10 columns; empty tables without indexes"}
	selectSQL := "SELECT " + strings.Join(columnNames(), ", ") + " FROM " + mysqlTable
	pipe := fmt.Sprintf("%s --quick --batch --skip-column-names %s %s -e %s | %s -X -q -v ON_ERROR_STOP=1 -d %s -c %s",
		shq(client), shJoin(conn), mysqlDatabase, shq(selectSQL), shq(b.o.psql), shq(b.dsn), shq(`\copy `+mysqlPipeTable+` FROM STDIN`))
	truncate := func(t string) func(context.Context) error {
		return func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE "+t) }
	}
	sc.Contenders = append(sc.Contenders, &Contender{
		Name: "mariadb | psql \\copy", Baseline: true, prepare: truncate(mysqlPipeTable),
		argv:   func(int) ([]string, string) { return []string{"bash", "-c", "set -o pipefail; " + pipe}, "" },
		verify: func(ctx context.Context) error { return b.db.expectCount(ctx, mysqlPipeTable, rows) },
	})
	b.env = append(b.env, "XCETL_BENCH_MYSQL_DSN="+dsn)
	for _, p := range []struct {
		name, table string
		parallel    int
	}{{"xcetl sql", mysqlXcetlTable, 1}, {"xcetl sql parallel 4", mysqlXcetl2Table, 4}} {
		pipeline := filepath.Join(b.o.dir, fmt.Sprintf("mysql-%d.yaml", p.parallel))
		if err := writeFile(pipeline, mysqlPipelineYAML(p.table, p.parallel)); err != nil {
			return broken("%v", err)
		}
		sc.Contenders = append(sc.Contenders, b.xcetlContender(p.name, fmt.Sprintf("mysql-%d", p.parallel), pipeline, p.table, rows, truncate(p.table), nil))
	}
	if err := b.runScenario(ctx, sc, b.o.rounds); err != nil {
		return err
	}
	for _, t := range []string{mysqlPipeTable, mysqlXcetlTable, mysqlXcetl2Table} {
		if err := b.db.sameRows(ctx, t, mysqlSeedTable); err != nil {
			return broken("mysql: %s differs from the CSV loaded by psql: %v", t, err)
		}
	}
	fmt.Fprintf(b.out, "check: %s, %s and %s hold exactly the CSV's rows\n", mysqlPipeTable, mysqlXcetlTable, mysqlXcetl2Table)
	return nil
}

// mariadbSource creates database in withpg's MariaDB with the bench's
// table, loads the CSV into it (LOAD DATA LOCAL INFILE) and returns the
// mariadb client, its connection arguments and the database's DSN.
// scenario names the scenario in errors and logs.
func (b *bench) mariadbSource(ctx context.Context, scenario, database string, data dataFile) (client string, conn []string, dsn string, err error) {
	base := os.Getenv(mytest.EnvDSN)
	if base == "" {
		return "", nil, "", broken("%s: %s is not set (run the bench through withpg, which starts MariaDB)", scenario, mytest.EnvDSN)
	}
	if client, err = exec.LookPath("mariadb"); err != nil {
		return "", nil, "", broken("%s: the mariadb client is not installed (apt-get install mariadb-client)", scenario)
	}
	if conn, err = mysqlClient(base); err != nil {
		return "", nil, "", broken("%s: %s: %v", scenario, mytest.EnvDSN, err)
	}
	b.scrub.AddDSN(base)
	cfg, _ := gomysql.ParseDSN(base)
	cfg.DBName = database
	dsn = cfg.FormatDSN()
	b.scrub.AddDSN(dsn)
	if err := mysqlExec(base, "DROP DATABASE IF EXISTS "+database, "CREATE DATABASE "+database+" CHARACTER SET utf8mb4"); err != nil {
		return "", nil, "", broken("%s: %v", scenario, b.scrub.Scrub(err.Error()))
	}
	if err := mysqlExec(dsn, mysqlDDL); err != nil {
		return "", nil, "", broken("%s: %v", scenario, err)
	}
	load := fmt.Sprintf(`LOAD DATA LOCAL INFILE '%s' INTO TABLE %s CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\n' IGNORE 1 LINES`,
		strings.ReplaceAll(data.path, "'", "''"), mysqlTable)
	if _, err := runChild(ctx, append(append([]string{client, "--local-infile=1"}, conn...), database, "-e", load), b.env,
		filepath.Join(b.o.dir, "logs", scenario+"-load.log"), b.scrub); err != nil {
		return "", nil, "", broken("%s: load the source table: %v", scenario, err)
	}
	return client, conn, dsn, nil
}

func mysqlPipelineYAML(table string, parallel int) string {
	return fmt.Sprintf(`version: 1
name: bench_mysql_%d
description: xcetl benchmark (MariaDB → PostgreSQL), generated by bench/
source:
  type: sql
  driver: mysql
  dsn: "${XCETL_BENCH_MYSQL_DSN}"
  table: %s
  parallel: %d
target:
  type: postgres
  dsn: "${XCETL_TEST_PG_DSN}"
  table: %s
  create: never
  batch_size: 5000
errors:
  max_rejects: 0
`, parallel, mysqlTable, parallel, table)
}

func mysqlExec(dsn string, stmts ...string) error {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func shJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shq(a)
	}
	return strings.Join(out, " ")
}

// mysqlTargets are the scenario's PASS/FAIL lines.
func mysqlTargets(res *Results) []Target {
	c := findContender(res, "mysql", "xcetl sql")
	if c == nil || c.Ratio <= 0 {
		return nil
	}
	return []Target{
		{Name: "mysql source speed", Value: c.Ratio, Op: ">=", Threshold: mysqlRatioTarget, Detail: "t(mariadb --quick --batch | psql \\copy) / t(xcetl sql, parallel 1)"},
		{Name: "mysql source memory", Value: c.PeakRSSMiB, Op: "<", Threshold: mysqlRSSTargetMiB, Detail: "xcetl sql (parallel 1) peak RSS, MiB"},
	}
}
