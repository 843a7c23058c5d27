package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// conn is one session.
type conn struct {
	db      *sql.DB
	c       *sql.Conn
	scrub   *xcetl.Scrubber
	log     *slog.Logger
	mariadb bool
	version string
	inTx    bool
}

// sessionSQL sets up every session (see the package comment).
var sessionSQL = []string{
	"SET time_zone = '+00:00'",
	"SET SESSION net_write_timeout = 3600",
	"SET SESSION net_read_timeout = 3600",
	"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
}

// OpenSource implements dialects.SourceDialect.
func (d Dialect) OpenSource(ctx context.Context, dsn string, env dialects.SourceEnv) (dialects.SourceConn, error) {
	sc := &xcetl.Scrubber{}
	sc.AddDSN(dsn)
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, sc.ScrubError(fmt.Errorf("mysql: %w", err))
	}
	sc.Add(cfg.Passwd)
	connector, err := gomysql.NewConnector(cfg)
	if err != nil {
		return nil, sc.ScrubError(fmt.Errorf("mysql: %w", err))
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, sc.ScrubError(fmt.Errorf("mysql: connect to %s: %w", d.RedactDSN(dsn), err))
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cn := &conn{db: db, c: c, scrub: sc, log: log}
	if err := cn.setup(ctx); err != nil {
		_ = cn.Close(ctx)
		return nil, err
	}
	return cn, nil
}

func (c *conn) setup(ctx context.Context) error {
	if err := c.c.QueryRowContext(ctx, "SELECT VERSION()").Scan(&c.version); err != nil {
		return c.wrap(fmt.Errorf("mysql: read the server version: %w", err))
	}
	c.mariadb = strings.Contains(strings.ToLower(c.version), "mariadb")
	for _, s := range sessionSQL {
		if _, err := c.c.ExecContext(ctx, s); err != nil {
			return c.wrap(fmt.Errorf("mysql: %s: %w", s, err))
		}
	}
	return nil
}

func (c *conn) wrap(err error) error { return c.scrub.ScrubError(err) }

// BeginRead implements dialects.SourceConn.
func (c *conn) BeginRead(ctx context.Context) error {
	if _, err := c.c.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
		return c.wrap(fmt.Errorf("mysql: start the snapshot: %w", err))
	}
	c.inTx = true
	return nil
}

// lockWait bounds how long the coordinator waits for LOCK TABLES (open
// transactions that wrote to the table must end first).
const lockWait = 60 * time.Second

// ShareSnapshot implements dialects.SourceConn: LOCK TABLES … READ on this
// session while every reader starts its snapshot (see the package comment).
func (c *conn) ShareSnapshot(ctx context.Context, tables []dialects.Table, readers []dialects.SourceConn) (string, error) {
	if len(tables) == 0 {
		return "", fmt.Errorf("mysql: %w: the tables a query reads are not known, so they cannot be held still while the readers start (use table:, parallel: 1, or snapshot: per_reader)", dialects.ErrNoSharedSnapshot)
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = qualified(t) + " READ"
	}
	if _, err := c.c.ExecContext(ctx, fmt.Sprintf("SET SESSION lock_wait_timeout = %d", int(lockWait.Seconds()))); err != nil {
		return "", c.wrap(fmt.Errorf("mysql: %w", err))
	}
	lock := "LOCK TABLES " + strings.Join(names, ", ")
	if _, err := c.c.ExecContext(ctx, lock); err != nil {
		err = fmt.Errorf("mysql: %s (to start the parallel readers at one point in time): %w", lock, err)
		var me *gomysql.MySQLError
		if errors.As(err, &me) && (me.Number == 1044 || me.Number == 1142 || me.Number == 1227) {
			err = fmt.Errorf("%w\nthe user needs the LOCK TABLES privilege for parallel readers with one snapshot; grant it, or use parallel: 1, or snapshot: per_reader (each reader its own snapshot)", err)
		}
		return "", c.wrap(err)
	}
	var started error
	for i, r := range readers {
		if err := r.BeginRead(ctx); err != nil {
			started = fmt.Errorf("reader %d: %w", i+1, err)
			break
		}
	}
	if _, err := c.c.ExecContext(context.WithoutCancel(ctx), "UNLOCK TABLES"); err != nil && started == nil {
		started = c.wrap(fmt.Errorf("mysql: UNLOCK TABLES: %w", err))
	}
	if started != nil {
		return "", started
	}
	return fmt.Sprintf("%d readers started their snapshots while %s held writers off, so they see the same committed rows of %s (InnoDB)", len(readers), lock, strings.Join(tableNames(tables), ", ")), nil
}

func qualified(t dialects.Table) string {
	d := Dialect{}
	if t.Schema == "" {
		return d.Quote(t.Name)
	}
	return d.Quote(t.Schema) + "." + d.Quote(t.Name)
}

func tableNames(ts []dialects.Table) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}

// SnapshotNote implements dialects.SnapshotNoter: tables of engines without
// MVCC are read as they change.
func (Dialect) SnapshotNote(st *dialects.SourceTable) string {
	switch strings.ToLower(st.Engine) {
	case "", "innodb", "xtradb", "rocksdb", "tokudb":
		return ""
	}
	return fmt.Sprintf("table %s uses the %s engine, which has no snapshots: readers see its rows as they are when read, and rows changed during the run may be read in either state", st.Table, st.Engine)
}

// Query implements dialects.SourceConn.
func (c *conn) Query(ctx context.Context, q string, args ...any) ([][]any, error) {
	return dialects.QueryAll(ctx, c, q, args...)
}

// Stream implements dialects.SourceConn.
func (c *conn) Stream(ctx context.Context, q string, args ...any) (dialects.SourceRows, error) {
	rows, err := c.c.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, c.wrap(err)
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, c.wrap(err)
	}
	return dialects.NewRawRows(rows, len(cols), c.scrub), nil
}

// DescribeQuery implements dialects.SourceConn.
func (c *conn) DescribeQuery(ctx context.Context, query string) ([]dialects.SourceColumn, error) {
	rows, err := c.c.QueryContext(ctx, "SELECT * FROM "+Dialect{}.Subquery(query)+" LIMIT 0")
	if err != nil {
		return nil, c.wrap(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, c.wrap(err)
	}
	out := make([]dialects.SourceColumn, len(cts))
	for i, ct := range cts {
		out[i] = dialects.SourceColumn{Name: ct.Name(), NativeType: queryType(ct)}
		out[i].Nullable, _ = ct.Nullable()
	}
	return out, nil
}

// queryType renders a result column's type as COLUMN_TYPE would.
func queryType(ct *sql.ColumnType) string {
	name := strings.ToLower(ct.DatabaseTypeName())
	unsigned := strings.HasPrefix(name, "unsigned ")
	name = strings.TrimPrefix(name, "unsigned ")
	switch name {
	case "decimal":
		if p, s, ok := ct.DecimalSize(); ok {
			name = fmt.Sprintf("decimal(%d,%d)", p, s)
		}
	case "bit":
		if n, ok := ct.Length(); ok {
			name = fmt.Sprintf("bit(%d)", n)
		}
	case "blob", "text":
		name = "long" + name
	}
	if unsigned {
		name += " unsigned"
	}
	return name
}

// Close implements dialects.SourceConn.
func (c *conn) Close(ctx context.Context) error {
	var err error
	if c.inTx {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, err = c.c.ExecContext(ctx, "ROLLBACK")
		cancel()
		c.inTx = false
	}
	return c.wrap(errors.Join(err, c.c.Close(), c.db.Close()))
}
