package main

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// pgloader is the peer a PostgreSQL user would pick instead of xcetl to load a CSV. When it is
// installed (Debian: apt-get install pgloader) the append scenario runs it on the same CSV, into
// an identical table, in the same rounds as psql \copy and xcetl, and its ratio against \copy is
// printed next to theirs (an "info" line of the summary: no goal). CI need not install it.

const pgloaderTable = "bench_pgloader"

// addPgloader adds the pgloader contender to the append scenario when the binary is there; it
// reports whether it did.
func (b *bench) addPgloader(sc *Scenario, data dataFile, rows int) bool {
	if b.o.pgloader == "" {
		return false
	}
	bin, err := exec.LookPath(b.o.pgloader)
	if err != nil {
		fmt.Fprintf(b.out, "pgloader: not installed (%s), the peer is left out\n", b.o.pgloader)
		return false
	}
	cmds, env, err := b.pgloaderCommands(data.path)
	if err != nil {
		fmt.Fprintf(b.out, "pgloader: %s; the peer is left out\n", b.scrub.Scrub(err.Error()))
		return false
	}
	path := filepath.Join(b.o.dir, "append-pgloader.load")
	if err := writeFile(path, cmds); err != nil {
		fmt.Fprintf(b.out, "pgloader: %v; the peer is left out\n", err)
		return false
	}
	if err := b.db.exec(context.Background(), "DROP TABLE IF EXISTS "+pgloaderTable, createTableSQL(pgloaderTable, false)); err != nil {
		fmt.Fprintf(b.out, "pgloader: create table: %v; the peer is left out\n", err)
		return false
	}
	sc.Contenders = append(sc.Contenders, &Contender{
		Name:    "pgloader",
		env:     env,
		prepare: func(ctx context.Context) error { return b.db.exec(ctx, "TRUNCATE "+pgloaderTable) },
		argv:    func(int) ([]string, string) { return []string{bin, "--quiet", path}, "" },
		verify:  func(ctx context.Context) error { return b.db.expectCount(ctx, pgloaderTable, rows) },
	})
	return true
}

// pgloaderCommands writes pgloader's command file for loading file into pgloaderTable: the CSV
// as psql \copy reads it (header line skipped, fields optionally in double quotes, a quote
// doubled inside), by position into the table's columns, stopping at the first error. The
// password is not written into the file: it goes to pgloader as PGPASSWORD.
func (b *bench) pgloaderCommands(file string) (string, []string, error) {
	cfg, err := pgx.ParseConfig(b.dsn)
	if err != nil {
		return "", nil, fmt.Errorf("dsn: %w", err)
	}
	sslmode := "disable"
	if cfg.TLSConfig != nil {
		sslmode = "prefer"
	}
	target := url.URL{Scheme: "postgresql", User: url.User(cfg.User), Host: cfg.Host + ":" + strconv.Itoa(int(cfg.Port)),
		Path: "/" + cfg.Database, RawQuery: "sslmode=" + sslmode + "&tablename=" + pgloaderTable}
	if strings.HasPrefix(cfg.Host, "/") {
		return "", nil, fmt.Errorf("a Unix socket DSN is not supported for pgloader here")
	}
	cols := strings.Join(columnNames(), ", ")
	cmds := fmt.Sprintf(`LOAD CSV
  FROM '%s' (%s)
  INTO %s
  TARGET COLUMNS (%s)
  WITH skip header = 1, fields optionally enclosed by '"', fields escaped by double-quote,
       fields terminated by ',', on error stop
  SET client_encoding to 'utf8';
`, strings.ReplaceAll(file, "'", "''"), cols, target.String(), cols)
	env := append([]string(nil), b.env...)
	if cfg.Password != "" {
		env = append(env, "PGPASSWORD="+cfg.Password)
	}
	return cmds, env, nil
}
