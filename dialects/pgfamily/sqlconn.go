package pgfamily

// The database/sql transport of the family. A dialect whose Config names a
// SQLDriver (openGauss's own driver in a binary built with the opengauss
// tag) connects through database/sql instead of pgx. Everything above the
// wire is shared with the pgx transport: detection (Config.Detect),
// catalog queries (describe), the plan with its staging table, MERGE / ON
// CONFLICT and cdc statements (plan), the text COPY encoding
// (AppendCopyText) and the row checks (writer). Only these differ:
//
//   - transactions are database/sql's (*sql.Tx on one *sql.Conn kept for
//     the run), so each driver's own check that COMMIT really committed
//     applies;
//   - COPY … FROM STDIN is driven the way the driver offers it. lib/pq and
//     its forks take the rows as arguments of a prepared COPY statement
//     (the pq.CopyIn protocol: Prepare in the transaction, Exec once per
//     row, a final Exec without arguments that ends the COPY and reports
//     its errors); the writer then encodes each value as the text COPY
//     carries, unescaped (the driver escapes). pgx's own database/sql
//     driver ("pgx") streams the COPY data through its pgx connection
//     instead, as the pgx transport does;
//   - Query turns the Go values the driver decoded back into the server's
//     text form, which Conn.Query promises for the family;
//   - server errors come as *pgconn.PgError (pgx) or as lib/pq's *pq.Error,
//     read through its Get(field byte) method, which the openGauss fork
//     keeps (pgError).

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// sqlConn is one database/sql connection for one run.
type sqlConn struct {
	d *Dialect
	// db is the pool Open made for this run (closed by Close); sc is the
	// one connection of it the run uses.
	db    *sql.DB
	sc    *sql.Conn
	tx    *sql.Tx
	v     Variant
	scrub *xcetl.Scrubber
	log   *slog.Logger
	// stream is set for pgx's database/sql driver: COPY data goes through
	// its pgx connection. Otherwise rows are arguments of a prepared COPY
	// statement (lib/pq and its forks).
	stream bool
	holder
}

var (
	_ dialects.Conn              = (*sqlConn)(nil)
	_ dialects.TableCreator      = (*sqlConn)(nil)
	_ dialects.EmptyStringNuller = (*sqlConn)(nil)
	_ session                    = (*sqlConn)(nil)
)

// openSQL is Open for a dialect with a SQLDriver.
func (d *Dialect) openSQL(ctx context.Context, dsn string, env dialects.Env) (dialects.Conn, error) {
	sc := newScrubber(dsn)
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	full := ApplyDSNDefaults(dsn, d.cfg.DefaultPort, d.cfg.DefaultDatabase)
	db, err := sql.Open(d.cfg.SQLDriver, full)
	if err != nil {
		return nil, scrubbed(sc, fmt.Errorf("%s: database/sql driver %q: %w", d.cfg.Name, d.cfg.SQLDriver, err))
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, d.connectFailed(full, sc, err)
	}
	c := &sqlConn{d: d, db: db, sc: conn, scrub: sc, log: log}
	if err := c.init(ctx); err != nil {
		_ = conn.Close()
		_ = db.Close()
		return nil, err
	}
	return c, nil
}

// init finds out how COPY works on the driver and detects the server's
// variant, before any transaction.
func (c *sqlConn) init(ctx context.Context) error {
	err := c.sc.Raw(func(dc any) error {
		_, c.stream = dc.(*stdlib.Conn)
		return nil
	})
	if err != nil {
		return c.wrap(fmt.Errorf("%s: %w", c.d.cfg.Name, err))
	}
	v, err := c.d.detectVariant(func(name string) (string, bool, error) { return c.setting(ctx, name) },
		func(q string) (string, bool, error) { return c.queryValue(ctx, q) })
	if err != nil {
		return c.wrap(err)
	}
	c.v = v
	// Name the session for pg_stat_activity, as the pgx transport does,
	// unless the DSN named it.
	if app, ok, err := c.setting(ctx, "application_name"); err == nil && ok && app == "" {
		_, _ = c.sc.ExecContext(ctx, "SET application_name = 'xcetl'")
	}
	c.d.logVariant(c.log, c.v)
	return nil
}

// setting reads a GUC (see conn.setting).
func (c *sqlConn) setting(ctx context.Context, name string) (string, bool, error) {
	var v sql.NullString
	err := c.sc.QueryRowContext(ctx, "SELECT current_setting($1)", name).Scan(&v)
	if err != nil {
		if pe := pgError(err); pe != nil && pe.Code == "42704" {
			return "", false, nil
		}
		return "", false, fmt.Errorf("read setting %s: %w", name, describeError(err))
	}
	return v.String, v.Valid, nil
}

// queryValue runs a one-value detection query (see Query).
func (c *sqlConn) queryValue(ctx context.Context, q string) (string, bool, error) {
	var v sql.NullString
	err := c.sc.QueryRowContext(ctx, q).Scan(&v)
	if err != nil {
		if pe := pgError(err); errors.Is(err, sql.ErrNoRows) || (pe != nil && (pe.Code == "42703" || pe.Code == "42P01")) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("%s: %w", q, describeError(err))
	}
	return v.String, v.Valid, nil
}

func (c *sqlConn) dialect() *Dialect    { return c.d }
func (c *sqlConn) variant() Variant     { return c.v }
func (c *sqlConn) logger() *slog.Logger { return c.log }
func (c *sqlConn) rowValues() bool      { return !c.stream }

func (c *sqlConn) wrap(err error) error {
	if err == nil {
		return nil
	}
	return scrubbed(c.scrub, err)
}

// Variant returns what the connection detected (for tests and logs).
func (c *sqlConn) Variant() Variant { return c.v }

// EmptyStringIsNull implements dialects.EmptyStringNuller.
func (c *sqlConn) EmptyStringIsNull() string { return c.v.EmptyIsNull }

// CreateTable implements dialects.TableCreator.
func (c *sqlConn) CreateTable(t dialects.Table, cols []dialects.Column, key []string) (string, error) {
	return createTable(c.d, c.v, t, cols, key)
}

// Describe implements dialects.Conn.
func (c *sqlConn) Describe(ctx context.Context, t dialects.Table) (*dialects.TableInfo, error) {
	return describe(ctx, c, t)
}

// NewWriter implements dialects.Conn.
func (c *sqlConn) NewWriter(ctx context.Context, t dialects.Target) (dialects.Writer, error) {
	return newWriter(ctx, c, t)
}

// sqlRunner is what *sql.Conn and *sql.Tx share.
type sqlRunner interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// runner returns the open transaction, else the connection.
func (c *sqlConn) runner() sqlRunner {
	if c.tx != nil {
		return c.tx
	}
	return c.sc
}

// Begin implements dialects.Conn.
func (c *sqlConn) Begin(ctx context.Context) error {
	if c.tx != nil {
		return errors.New("begin: a transaction is already open")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Without the cancel: database/sql would roll back by itself, in the
	// background, when ctx ends; the loader's Rollback does that, in order.
	tx, err := c.sc.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return c.wrap(fmt.Errorf("begin: %w", describeError(err)))
	}
	c.tx = tx
	return nil
}

// Commit implements dialects.Conn. The drivers check that COMMIT did not
// turn into ROLLBACK (a failed transaction) and report it as an error.
func (c *sqlConn) Commit(ctx context.Context) error {
	if err := c.flush(ctx); err != nil {
		return err
	}
	tx := c.tx
	c.tx = nil
	if tx == nil {
		return errors.New("commit: no transaction is open")
	}
	if err := tx.Commit(); err != nil {
		if errors.Is(err, pgx.ErrTxCommitRollback) {
			return errors.New("commit: the transaction had failed and was rolled back")
		}
		return c.wrap(fmt.Errorf("commit: %w", describeError(err)))
	}
	return nil
}

// Rollback implements dialects.Conn. A transaction that database/sql
// already ended, or a connection that broke, counts as rolled back: the
// server discards the open transaction of a lost session.
func (c *sqlConn) Rollback(ctx context.Context) error {
	c.discard()
	tx := c.tx
	c.tx = nil
	if tx == nil {
		return nil
	}
	err := tx.Rollback()
	if err == nil || errors.Is(err, sql.ErrTxDone) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return nil
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if c.sc.PingContext(pctx) != nil {
		return nil // the session is gone, and its transaction with it
	}
	return c.wrap(fmt.Errorf("rollback: %w", describeError(err)))
}

// Exec implements dialects.Conn.
func (c *sqlConn) Exec(ctx context.Context, q string, args ...any) error {
	if _, err := c.runner().ExecContext(ctx, q, args...); err != nil {
		return c.wrap(describeError(err))
	}
	return nil
}

// Query implements dialects.Conn: every value comes back in the server's
// text form, whatever Go type the driver decoded it to.
func (c *sqlConn) Query(ctx context.Context, q string, args ...any) ([][]any, error) {
	rows, err := c.runner().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, c.wrap(describeError(err))
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, c.wrap(err)
	}
	types := make([]string, len(cts))
	for i, ct := range cts {
		types[i] = strings.ToUpper(ct.DatabaseTypeName())
	}
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out [][]any
	for rows.Next() {
		clear(vals)
		if err := rows.Scan(ptrs...); err != nil {
			return nil, c.wrap(err)
		}
		r := make([]any, len(vals))
		for i, v := range vals {
			r[i] = serverText(v, types[i])
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, c.wrap(describeError(err))
	}
	return out, nil
}

// Close implements dialects.Conn: an open transaction is rolled back, and
// the connection and its pool are closed.
func (c *sqlConn) Close(ctx context.Context) error {
	var err error
	if c.tx != nil {
		err = c.Rollback(ctx)
	}
	err = errors.Join(err, c.sc.Close())
	if c.db != nil {
		err = errors.Join(err, c.db.Close())
	}
	return c.wrap(err)
}

// copyFrom implements session.
func (c *sqlConn) copyFrom(ctx context.Context, q string, p *copyPayload) error {
	if c.stream {
		return c.sc.Raw(func(dc any) error {
			pc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("driver connection %T is not pgx's", dc)
			}
			_, err := pc.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(*p.buf), q)
			return err
		})
	}
	if c.tx == nil {
		// lib/pq refuses COPY outside a transaction; the loader always
		// opens one before Write.
		return errors.New("COPY through database/sql needs an open transaction")
	}
	stmt, err := c.tx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	for r := 0; r < p.rows && err == nil; r++ {
		_, err = stmt.ExecContext(ctx, p.vals[r*p.width:(r+1)*p.width]...)
	}
	if err == nil {
		// Ends the COPY; reports the server's verdict on every row sent.
		_, err = stmt.ExecContext(ctx)
	}
	if cerr := stmt.Close(); err == nil {
		err = cerr
	}
	return err
}

// encodeValues is Encode for drivers that take COPY rows as statement
// arguments: nil for NULL, every other value as a string holding the text
// COPY carries, unescaped (the driver escapes backslashes, tabs and line
// breaks). Batch strings are passed as they are; the other values' texts
// share one allocation.
func (w *writer) encodeValues(b *xcetl.Batch, rows []int, n int) (any, error) {
	width := len(w.kinds)
	if w.p.cdc {
		width++
	}
	vals := make([]any, n*width)
	var text []byte
	var ends []int // pairs: index in vals, end of its text
	var err error
	for i := 0; i < n; i++ {
		r := i
		if rows != nil {
			r = rows[i]
		}
		row := b.Rows[r]
		if len(row) != len(w.kinds) {
			return nil, &dialects.RowError{Row: i, Err: fmt.Errorf("has %d values for %d columns", len(row), len(w.kinds))}
		}
		at := i * width
		for j, v := range row {
			switch x := v.(type) {
			case nil:
			case string:
				if !storable(x) ||
					(w.numeric != nil && w.numeric[j] != 0 && !numericText(x, w.numeric[j])) {
					return nil, dialects.ErrCheckRows
				}
				vals[at+j] = x
			case []byte:
				// bytea's hex input; AppendCopyText would escape its backslash.
				text = hex.AppendEncode(append(text, '\\', 'x'), x)
				ends = append(ends, at+j, len(text))
			default:
				if text, err = AppendCopyText(text, v, w.kinds[j]); err != nil {
					return nil, &dialects.RowError{Row: i, Column: w.names[j], Err: err}
				}
				ends = append(ends, at+j, len(text))
			}
		}
		if w.p.cdc {
			vals[at+width-1] = "u"
			if opCode(b, r) == 'd' {
				vals[at+width-1] = "d"
			}
		}
	}
	all := string(text)
	start := 0
	for k := 0; k < len(ends); k += 2 {
		vals[ends[k]] = all[start:ends[k+1]]
		start = ends[k+1]
	}
	return &copyPayload{vals: vals, width: width, rows: n}, nil
}

// pgError returns the server error inside err: pgx's *pgconn.PgError, or
// the error of lib/pq and its forks (gitee.com/opengauss/openGauss-
// connector-go-pq), whose *pq.Error has Get(field byte) for the protocol's
// error fields, copied into a *pgconn.PgError. nil if err holds none.
func pgError(err error) *pgconn.PgError {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	var fe interface{ Get(field byte) string }
	if errors.As(err, &fe) {
		code := fe.Get('C')
		if len(code) != 5 {
			return nil
		}
		return &pgconn.PgError{
			Severity: fe.Get('S'), Code: code, Message: fe.Get('M'), Detail: fe.Get('D'), Hint: fe.Get('H'),
			Where: fe.Get('W'), SchemaName: fe.Get('s'), TableName: fe.Get('t'), ColumnName: fe.Get('c'),
			DataTypeName: fe.Get('d'), ConstraintName: fe.Get('n'),
		}
	}
	return nil
}

// serverText renders a value a database/sql driver decoded from a column
// of type typ (the driver's DatabaseTypeName, upper case) in PostgreSQL's
// text output form.
func serverText(v any, typ string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	case []byte:
		if typ == "BYTEA" {
			return `\x` + hex.EncodeToString(x)
		}
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
		bits := 64
		if typ == "FLOAT4" {
			bits = 32
		}
		return strconv.FormatFloat(x, 'g', -1, bits)
	case bool:
		if x {
			return "t"
		}
		return "f"
	case time.Time:
		return timeText(x, typ)
	case fmt.Stringer: // decimal types of some drivers
		return x.String()
	}
	return fmt.Sprint(v) // other integer types (openGauss's tinyint)
}

// timeText renders t as PostgreSQL prints a value of type typ (ISO
// DateStyle), years before 1 with " BC".
func timeText(t time.Time, typ string) string {
	layout := "2006-01-02 15:04:05.999999-07:00"
	switch typ {
	case "DATE":
		layout = "2006-01-02"
	case "TIMESTAMP":
		layout = "2006-01-02 15:04:05.999999"
	case "TIME":
		return t.Format("15:04:05.999999")
	case "TIMETZ":
		return t.Format("15:04:05.999999-07:00")
	}
	if y := t.Year(); y < 1 {
		// Year 0 is 1 BC. The Gregorian calendar repeats every 400 years:
		// format the same day in a year in range, then put the BC year in.
		s := t.AddDate(400*(-y/400+1), 0, 0).Format(layout)
		return fmt.Sprintf("%04d", 1-y) + s[4:] + " BC"
	}
	return t.Format(layout)
}
