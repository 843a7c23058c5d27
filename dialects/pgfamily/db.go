package pgfamily

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

var _ dialects.DBOpener = (*Dialect)(nil)

// OpenDB implements dialects.DBOpener for a *sql.DB opened with pgx's
// database/sql driver (github.com/jackc/pgx/v5/stdlib, driver name "pgx"):
// the run uses one connection of the pool, as a *pgx.Conn, so COPY and
// everything else work as with a DSN. The connection goes back to the pool
// on Close, with any open transaction rolled back and the run's temporary
// staging table dropped (DISCARD TEMP).
func (d *Dialect) OpenDB(ctx context.Context, db *sql.DB, env dialects.Env) (dialects.Conn, error) {
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sc, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: take a connection from the program's pool: %w", d.cfg.Name, err)
	}
	var pg *pgx.Conn
	err = sc.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the *sql.DB uses driver connection %T; the %s dialect needs pgx's database/sql driver (import _ \"github.com/jackc/pgx/v5/stdlib\"; sql.Open(\"pgx\", dsn))", dc, d.cfg.Name)
		}
		pg = c.Conn()
		return nil
	})
	if err != nil {
		_ = sc.Close()
		return nil, fmt.Errorf("%s: %w", d.cfg.Name, err)
	}
	// The *sql.Conn stays checked out until Close, so database/sql hands
	// this driver connection to nobody else while the run uses it.
	c := &conn{d: d, pg: pg, scrub: &xcetl.Scrubber{}, log: log}
	if err := c.detect(ctx); err != nil {
		_ = sc.Close()
		return nil, err
	}
	if c.v.EmptyIsNull != "" {
		log.Warn("the server stores empty strings as NULL: rows with '' in a NOT NULL column are rejected", "dialect", d.cfg.Name, "why", c.v.EmptyIsNull)
	}
	return &pooledConn{conn: c, sc: sc}, nil
}

// pooledConn is a conn borrowed from the program's pool.
type pooledConn struct {
	*conn
	sc *sql.Conn
}

// Close implements dialects.Conn: the connection goes back to the pool
// clean (no transaction, no temporary tables of the run), never closed.
func (p *pooledConn) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var err error
	if !p.pg.IsClosed() {
		if p.inTx {
			err = p.conn.Rollback(ctx)
		}
		if _, e := p.pg.Exec(ctx, "DISCARD TEMP"); e != nil {
			err = errors.Join(err, fmt.Errorf("drop the run's temporary tables: %w", e))
		}
	}
	return errors.Join(err, p.sc.Close())
}
