package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl/internal/mytest"
)

// The migrate scenario (`-only migrate`): the bench's resident records in a MariaDB table (its own
// database, loaded from the CSV once), migrated into PostgreSQL three ways, each creating the
// table, loading it and building its primary key: `xcetl migrate` (parallel 4), pgloader's own
// MySQL migration (`LOAD DATABASE FROM mysql://… INTO postgresql://…`), and the shell pipe
// `mariadb --quick --batch | psql \copy` into a table created beforehand, then its primary key.
const (
	migrateDatabase     = "xcetl_bench_mig"
	migrateXcetlSchema  = "bench_mig_xcetl"
	migratePipeTable    = "bench_mig_pipe"
	migratePgloaderGoal = 3.0   // t(pgloader)/t(xcetl)
	migratePipeGoal     = 0.9   // t(shell pipe)/t(xcetl)
	migrateRSSGoalMiB   = 200.0 // xcetl migrate, parallel 4
)

func (b *bench) migrateScenario(ctx context.Context, data dataFile) error {
	client, conn, dsn, err := b.mariadbSource(ctx, "migrate", migrateDatabase, data)
	if err != nil {
		return err
	}
	defer func() {
		if !b.o.keep {
			_ = mysqlExec(os.Getenv(mytest.EnvDSN), "DROP DATABASE IF EXISTS "+migrateDatabase)
			_ = b.db.exec(context.Background(), "DROP TABLE IF EXISTS "+migratePipeTable, "DROP SCHEMA IF EXISTS "+migrateXcetlSchema+" CASCADE",
				"DROP SCHEMA IF EXISTS "+migrateDatabase+" CASCADE")
		}
	}()
	rows := b.o.rows
	sc := &Scenario{Name: "migrate", Rows: rows, File: mysqlTable, FileBytes: data.bytes,
		Note: "MariaDB table → PostgreSQL, 10 columns: table created, loaded, primary key built"}
	selectSQL := "SELECT " + strings.Join(columnNames(), ", ") + " FROM " + mysqlTable
	pipe := fmt.Sprintf("%s --quick --batch --skip-column-names %s %s -e %s | %s -X -q -v ON_ERROR_STOP=1 -d %s -c %s && %s -X -q -v ON_ERROR_STOP=1 -d %s -c %s",
		shq(client), shJoin(conn), migrateDatabase, shq(selectSQL), shq(b.o.psql), shq(b.dsn), shq(`\copy `+migratePipeTable+` FROM STDIN`),
		shq(b.o.psql), shq(b.dsn), shq("ALTER TABLE "+migratePipeTable+" ADD PRIMARY KEY (id)"))
	sc.Contenders = append(sc.Contenders, &Contender{
		Name: "mariadb | psql \\copy", Baseline: true,
		prepare: func(ctx context.Context) error {
			return b.db.exec(ctx, "DROP TABLE IF EXISTS "+migratePipeTable, createTableSQL(migratePipeTable, false))
		},
		argv:   func(int) ([]string, string) { return []string{"bash", "-c", "set -o pipefail; " + pipe}, "" },
		verify: func(ctx context.Context) error { return b.db.expectCount(ctx, migratePipeTable, rows) },
	})
	file := filepath.Join(b.o.dir, "migrate.yaml")
	if err := writeFile(file, migrateYAML()); err != nil {
		return broken("%v", err)
	}
	b.env = append(b.env, "XCETL_BENCH_MIG_DSN="+dsn)
	xcetlTable := migrateXcetlSchema + "." + mysqlTable
	sc.Contenders = append(sc.Contenders, &Contender{
		Name: "xcetl migrate",
		prepare: func(ctx context.Context) error {
			return b.db.exec(ctx, "DROP SCHEMA IF EXISTS "+migrateXcetlSchema+" CASCADE", "CREATE SCHEMA "+migrateXcetlSchema,
				"DROP TABLE IF EXISTS xcetl_migrations")
		},
		argv: func(round int) ([]string, string) {
			report := filepath.Join(b.o.dir, "logs", fmt.Sprintf("migrate-xcetl-r%d.report.json", round))
			_ = os.Remove(report)
			return []string{b.o.xcetl, "migrate", file, "--report", report, "--progress", "never",
				"--set", "XCETL_BENCH_MIG_NAME=bench_mig_r" + strconv.Itoa(round)}, ""
		},
		verify: func(ctx context.Context) error {
			if err := checkMigrateReport(b.o.dir, rows); err != nil {
				return err
			}
			return b.db.expectCount(ctx, xcetlTable, rows)
		},
	})
	if c, err := b.pgloaderMigration(rows); err != nil {
		fmt.Fprintf(b.out, "pgloader: %s; the peer is left out\n", b.scrub.Scrub(err.Error()))
	} else {
		sc.Contenders = append(sc.Contenders, c)
	}
	if err := b.runScenario(ctx, sc, b.o.rounds); err != nil {
		return err
	}
	for _, t := range []string{migratePipeTable, xcetlTable} {
		if err := b.db.sameRows(ctx, t, migratePipeTable); err != nil {
			return broken("migrate: %s differs from the pipe's: %v", t, err)
		}
	}
	fmt.Fprintf(b.out, "check: %s holds exactly the rows of %s\n", xcetlTable, migratePipeTable)
	return nil
}

// checkMigrateReport checks the newest migrate report: one table, complete, every row.
func checkMigrateReport(dir string, rows int) error {
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "migrate-xcetl-r*.report.json"))
	if len(files) == 0 {
		return fmt.Errorf("no migrate report")
	}
	newest, newestTime := "", int64(0)
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.ModTime().UnixNano() > newestTime {
			newest, newestTime = f, st.ModTime().UnixNano()
		}
	}
	data, err := os.ReadFile(newest)
	if err != nil {
		return err
	}
	var rep struct {
		Status string `json:"status"`
		Totals struct {
			Complete int   `json:"complete"`
			Rows     int64 `json:"rows"`
		} `json:"totals"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("%s: %w", newest, err)
	}
	if rep.Status != "succeeded" || rep.Totals.Complete != 1 || rep.Totals.Rows != int64(rows) {
		return fmt.Errorf("%s: status %s, %d complete, %d rows; want 1 table of %d rows", newest, rep.Status, rep.Totals.Complete, rep.Totals.Rows, rows)
	}
	return nil
}

func migrateYAML() string {
	return `version: 1
name: "${XCETL_BENCH_MIG_NAME}"
kind: migration
description: xcetl benchmark (MariaDB → PostgreSQL migration), generated by bench/
source: {driver: mysql, dsn: "${XCETL_BENCH_MIG_DSN}", schema: ` + migrateDatabase + `}
target: {type: postgres, dsn: "${XCETL_TEST_PG_DSN}", schema: ` + migrateXcetlSchema + `}
tables: {include: ["` + mysqlTable + `"], parallel: 4}
`
}

// pgloaderMigration is pgloader's own MySQL → PostgreSQL migration of the source database: it
// creates the schema named after the MySQL database, the table, loads it and builds the key.
func (b *bench) pgloaderMigration(rows int) (*Contender, error) {
	if b.o.pgloader == "" {
		return nil, fmt.Errorf("pgloader disabled")
	}
	bin, err := exec.LookPath(b.o.pgloader)
	if err != nil {
		return nil, fmt.Errorf("not installed (%s)", b.o.pgloader)
	}
	my, err := gomysql.ParseDSN(os.Getenv(mytest.EnvDSN))
	if err != nil {
		return nil, err
	}
	pg, err := pgx.ParseConfig(b.dsn)
	if err != nil {
		return nil, fmt.Errorf("dsn: %w", err)
	}
	if strings.HasPrefix(pg.Host, "/") {
		return nil, fmt.Errorf("a Unix socket DSN is not supported for pgloader here")
	}
	src := url.URL{Scheme: "mysql", User: url.UserPassword(my.User, my.Passwd), Host: my.Addr, Path: "/" + migrateDatabase}
	if my.Passwd == "" {
		src.User = url.User(my.User)
	}
	dst := url.URL{Scheme: "postgresql", User: url.User(pg.User), Host: pg.Host + ":" + strconv.Itoa(int(pg.Port)), Path: "/" + pg.Database,
		RawQuery: "sslmode=disable"}
	b.scrub.Add(src.String())
	cmds := fmt.Sprintf("LOAD DATABASE\n  FROM %s\n  INTO %s\n  WITH include drop, create tables, create indexes, reset sequences, workers = 4, concurrency = 1\n  INCLUDING ONLY TABLE NAMES MATCHING '%s';\n",
		src.String(), dst.String(), mysqlTable)
	path := filepath.Join(b.o.dir, "migrate-pgloader.load")
	if err := os.WriteFile(path, []byte(cmds), 0o600); err != nil {
		return nil, err
	}
	env := append([]string(nil), b.env...)
	if pg.Password != "" {
		env = append(env, "PGPASSWORD="+pg.Password)
	}
	table := migrateDatabase + "." + mysqlTable
	return &Contender{
		Name: "pgloader", env: env,
		prepare: func(ctx context.Context) error {
			return b.db.exec(ctx, "DROP SCHEMA IF EXISTS "+migrateDatabase+" CASCADE")
		},
		argv:   func(int) ([]string, string) { return []string{bin, "--quiet", path}, "" },
		verify: func(ctx context.Context) error { return b.db.expectCount(ctx, table, rows) },
	}, nil
}

// migrateTargets are the scenario's PASS/FAIL lines.
func migrateTargets(res *Results) []Target {
	x := findContender(res, "migrate", "xcetl migrate")
	if x == nil || x.MedianSeconds <= 0 {
		return nil
	}
	out := []Target{
		{Name: "migrate vs shell pipe", Value: x.Ratio, Op: ">=", Threshold: migratePipeGoal, Detail: "t(mariadb | psql \\copy + primary key) / t(xcetl migrate, parallel 4)"},
		{Name: "migrate memory", Value: x.PeakRSSMiB, Op: "<", Threshold: migrateRSSGoalMiB, Detail: "xcetl migrate (parallel 4) peak RSS, MiB"},
	}
	if p := findContender(res, "migrate", "pgloader"); p != nil && p.MedianSeconds > 0 {
		out = append(out, Target{Name: "migrate vs pgloader", Value: p.MedianSeconds / x.MedianSeconds, Op: ">=", Threshold: migratePgloaderGoal,
			Detail: "t(pgloader mysql:// → postgresql://) / t(xcetl migrate)"})
	}
	return out
}

func init() { addTargets(150, migrateTargets) }
