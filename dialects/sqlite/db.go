package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	msqlite "modernc.org/sqlite"

	"github.com/xcetl/xcetl/dialects"
)

var _ dialects.DBOpener = dialect{}

// OpenDB implements dialects.DBOpener for a *sql.DB opened with
// modernc.org/sqlite (driver name "sqlite"). The run uses one connection of
// the pool and gives it back on Close. Only busy_timeout is set on it; the
// journal mode and foreign key setting stay the program's.
func (d dialect) OpenDB(ctx context.Context, db *sql.DB, env dialects.Env) (dialects.Conn, error) {
	if _, ok := db.Driver().(*msqlite.Driver); !ok {
		return nil, fmt.Errorf("sqlite: the *sql.DB uses driver %T; the sqlite dialect needs modernc.org/sqlite (sql.Open(\"sqlite\", path))", db.Driver())
	}
	file, err := mainFile(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite: take a connection from the program's pool: %w", err)
	}
	if _, err := c.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(BusyTimeout.Milliseconds(), 10)); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("sqlite: busy_timeout on %s: %w", file, err)
	}
	return &pooledConn{conn: &conn{db: db, c: c, file: file}}, nil
}

// pooledConn is a connection borrowed from the program's pool: Close gives
// it back (rolling back what the run left open) and never closes the pool.
type pooledConn struct{ *conn }

// Close implements dialects.Conn.
func (p *pooledConn) Close(ctx context.Context) error {
	var err error
	if p.inTx {
		err = p.Rollback(ctx)
	}
	return errors.Join(err, p.c.Close())
}
