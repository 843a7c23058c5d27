package pgfamily

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// conn is one pgx connection for one run.
type conn struct {
	d     *Dialect
	pg    *pgx.Conn
	v     Variant
	scrub *xcetl.Scrubber
	log   *slog.Logger
	inTx  bool
	holder
}

// Open implements dialects.Dialect.
func (d *Dialect) Open(ctx context.Context, dsn string, env dialects.Env) (dialects.Conn, error) {
	if d.cfg.SQLDriver != "" {
		return d.openSQL(ctx, dsn, env)
	}
	sc := newScrubber(dsn)
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	full := ApplyDSNDefaults(dsn, d.cfg.DefaultPort, d.cfg.DefaultDatabase)
	cfg, err := pgx.ParseConfig(full)
	if err != nil {
		return nil, d.badDSN(sc, err)
	}
	sc.Add(cfg.Password)
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "xcetl"
	}
	pg, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, d.connectError(full, sc, err)
	}
	c := &conn{d: d, pg: pg, scrub: sc, log: log}
	if err := c.detect(ctx); err != nil {
		_ = pg.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	d.logVariant(log, c.v)
	return c, nil
}

// detect reads the server settings that change SQL. It runs before any
// transaction, so a failed probe cannot abort one.
func (c *conn) detect(ctx context.Context) error {
	v, err := c.d.detectVariant(func(name string) (string, bool, error) { return c.setting(ctx, name) },
		func(q string) (string, bool, error) { return c.queryValue(ctx, q) })
	if err != nil {
		return c.wrap(err)
	}
	c.v = v
	return nil
}

// detectVariant runs Config.Detect with a connection's settings and
// queries (pgx or database/sql) and applies a forced variant.
func (d *Dialect) detectVariant(s Settings, q Query) (Variant, error) {
	v := Variant{Upsert: d.cfg.Upsert}
	if d.cfg.Detect != nil {
		dv, err := d.cfg.Detect(s, q)
		if err != nil {
			return v, fmt.Errorf("%s: detect server mode: %w", d.cfg.Name, err)
		}
		v = dv
		if v.Upsert == 0 {
			v.Upsert = d.cfg.Upsert
		}
	}
	if f := d.forced; f != nil {
		empty := v.EmptyIsNull
		v = *f
		if v.EmptyIsNull == "" {
			v.EmptyIsNull = empty
		}
	}
	return v, nil
}

// logVariant tells the run's log what a connection detected.
func (d *Dialect) logVariant(log *slog.Logger, v Variant) {
	if v.Label != "" {
		log.Info("detected server mode", "dialect", d.cfg.Name, "mode", v.Label, "upsert", v.Upsert.String())
	}
	if v.EmptyIsNull != "" {
		log.Warn("the server stores empty strings as NULL: rows with '' in a NOT NULL column are rejected", "dialect", d.cfg.Name, "why", v.EmptyIsNull)
	}
}

// setting reads a GUC. current_setting(name) with one argument exists on
// every member of the family (PostgreSQL 9.2 lineage included); an unknown
// name is SQLSTATE 42704 and means "no such setting".
func (c *conn) setting(ctx context.Context, name string) (string, bool, error) {
	var v *string
	err := c.pg.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v)
	if err != nil {
		if pe := pgError(err); pe != nil && pe.Code == "42704" {
			return "", false, nil
		}
		return "", false, fmt.Errorf("read setting %s: %w", name, err)
	}
	if v == nil {
		return "", false, nil
	}
	return *v, true, nil
}

// queryValue runs a one-value detection query (see Query).
func (c *conn) queryValue(ctx context.Context, q string) (string, bool, error) {
	var v *string
	err := c.pg.QueryRow(ctx, q).Scan(&v)
	if err != nil {
		if pe := pgError(err); errors.Is(err, pgx.ErrNoRows) || (pe != nil && (pe.Code == "42703" || pe.Code == "42P01")) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("%s: %w", q, err)
	}
	if v == nil {
		return "", false, nil
	}
	return *v, true, nil
}

// CreateTable implements dialects.TableCreator: string(n) is sized for the
// detected varchar semantics.
func (c *conn) CreateTable(t dialects.Table, cols []dialects.Column, key []string) (string, error) {
	return createTable(c.d, c.v, t, cols, key)
}

// createTable renders CREATE TABLE for the variant a connection detected.
func createTable(d0 *Dialect, v Variant, t dialects.Table, cols []dialects.Column, key []string) (string, error) {
	d := *d0
	d.cfg.VarcharBytes = v.VarcharBytes
	if v.VarcharBytes {
		d.cfg.TextForVarchar = false
	}
	return dialects.CreateTableSQL(&d, t, cols, key)
}

// EmptyStringIsNull implements dialects.EmptyStringNuller.
func (c *conn) EmptyStringIsNull() string { return c.v.EmptyIsNull }

// Variant returns what the connection detected (for tests and logs).
func (c *conn) Variant() Variant { return c.v }

func (c *conn) wrap(err error) error {
	if err == nil {
		return nil
	}
	return scrubbed(c.scrub, err)
}

// Describe implements dialects.Conn.
func (c *conn) Describe(ctx context.Context, t dialects.Table) (*dialects.TableInfo, error) {
	return describe(ctx, c, t)
}

// describe reads the catalog through c.Query (pgx or database/sql).
func describe(ctx context.Context, c dialects.Conn, t dialects.Table) (*dialects.TableInfo, error) {
	rows, err := c.Query(ctx, `SELECT table_schema, table_type FROM information_schema.tables
WHERE table_schema = COALESCE(NULLIF($1::text, ''), current_schema()) AND table_name = $2::text`, t.Schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("look up table %s: %w", t, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	schema, _ := rows[0][0].(string)
	if typ, _ := rows[0][1].(string); typ != "BASE TABLE" {
		return nil, fmt.Errorf("%s is a %s, not a table", t, strings.ToLower(typ))
	}
	info := &dialects.TableInfo{Table: dialects.Table{Schema: schema, Name: t.Name, SchemaQuoted: true, NameQuoted: true}}
	rows, err = c.Query(ctx, `SELECT column_name, data_type, is_nullable, character_maximum_length, numeric_precision, numeric_scale, udt_name
FROM information_schema.columns
WHERE table_schema = $1::text AND table_name = $2::text
ORDER BY ordinal_position`, schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", t, err)
	}
	for _, r := range rows {
		col := dialects.CatalogColumn{Name: str(r[0]), Type: str(r[1]), Nullable: str(r[2]) == "YES", Base: str(r[6])}
		switch {
		case col.Type == "USER-DEFINED" || col.Type == "ARRAY":
			col.Type = str(r[6])
		case r[3] != nil:
			col.Type += "(" + str(r[3]) + ")"
		case col.Type == "numeric" && r[4] != nil:
			col.Type += "(" + str(r[4]) + "," + str(r[5]) + ")"
		}
		info.Columns = append(info.Columns, col)
	}
	rows, err = c.Query(ctx, `SELECT tc.constraint_name, tc.constraint_type, kcu.column_name
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu
  ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
 AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
WHERE tc.table_schema = $1::text AND tc.table_name = $2::text AND tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE')
ORDER BY tc.constraint_type, tc.constraint_name, kcu.ordinal_position`, schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("read keys of %s: %w", t, err)
	}
	keys := make([][3]string, len(rows))
	for i, r := range rows {
		keys[i] = [3]string{str(r[0]), str(r[1]), str(r[2])}
	}
	info.AddKeyColumns(keys, func(kind string) bool { return kind == "PRIMARY KEY" })
	return info, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// Begin implements dialects.Conn.
func (c *conn) Begin(ctx context.Context) error {
	if err := c.Exec(ctx, "BEGIN"); err != nil {
		return err
	}
	c.inTx = true
	return nil
}

// Commit implements dialects.Conn.
func (c *conn) Commit(ctx context.Context) error {
	if err := c.flush(ctx); err != nil {
		return err
	}
	c.inTx = false
	// COMMIT of a failed transaction "succeeds" as a ROLLBACK: check the tag.
	tag, err := c.pg.Exec(ctx, "COMMIT")
	if err != nil {
		return c.wrap(fmt.Errorf("commit: %w", err))
	}
	if tag.String() == "ROLLBACK" {
		return errors.New("commit: the transaction had failed and was rolled back")
	}
	return nil
}

// Rollback implements dialects.Conn. A broken connection counts as rolled
// back: the server discards the open transaction of a lost session.
func (c *conn) Rollback(ctx context.Context) error {
	c.discard()
	c.inTx = false
	if c.pg.IsClosed() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := c.pg.Exec(ctx, "ROLLBACK"); err != nil {
		if c.pg.IsClosed() {
			return nil
		}
		return c.wrap(fmt.Errorf("rollback: %w", err))
	}
	return nil
}

// Exec implements dialects.Conn.
func (c *conn) Exec(ctx context.Context, sql string, args ...any) error {
	if err := c.settle(ctx); err != nil {
		return err
	}
	if _, err := c.pg.Exec(ctx, sql, args...); err != nil {
		return c.wrap(describeError(err))
	}
	return nil
}

// Query implements dialects.Conn: every value comes back in the server's
// text form.
func (c *conn) Query(ctx context.Context, sql string, args ...any) ([][]any, error) {
	if err := c.settle(ctx); err != nil {
		return nil, err
	}
	qa := append([]any{pgx.QueryResultFormats{pgx.TextFormatCode}}, args...)
	rows, err := c.pg.Query(ctx, sql, qa...)
	if err != nil {
		return nil, c.wrap(describeError(err))
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		raw := rows.RawValues()
		r := make([]any, len(raw))
		for i, v := range raw {
			if v != nil {
				r[i] = string(v)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, c.wrap(describeError(err))
	}
	return out, nil
}

// Close implements dialects.Conn.
func (c *conn) Close(ctx context.Context) error {
	c.discard()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return c.wrap(c.pg.Close(ctx))
}

// ApplyDSNDefaults adds port and database to a DSN (URL or key=value form)
// that omits them, unless PGPORT / PGDATABASE are set (the user's
// environment wins, as with every libpq client). A zero port or empty
// database leaves that part alone.
func ApplyDSNDefaults(dsn string, port int, database string) string {
	if port == 0 || os.Getenv("PGPORT") != "" {
		port = 0
	}
	if database == "" || os.Getenv("PGDATABASE") != "" {
		database = ""
	}
	if port == 0 && database == "" {
		return dsn
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn // pgx reports the parse error
		}
		if port != 0 && u.Host != "" && !strings.Contains(u.Host, ",") && u.Port() == "" && u.Query().Get("port") == "" {
			if strings.HasPrefix(u.Host, "[") || !strings.Contains(u.Host, ":") {
				u.Host += ":" + strconv.Itoa(port)
			}
		}
		if database != "" && strings.Trim(u.Path, "/") == "" && u.Query().Get("dbname") == "" {
			u.Path = "/" + database
		}
		return u.String()
	}
	has := func(key string) bool {
		return regexp.MustCompile(`(^|\s)` + key + `\s*=`).MatchString(dsn)
	}
	out := dsn
	if port != 0 && !has("port") {
		out += " port=" + strconv.Itoa(port)
	}
	if database != "" && !has("dbname") {
		out += " dbname=" + database
	}
	return strings.TrimSpace(out)
}

// newScrubber hides the DSN's secrets in messages (xcetl.Scrubber.AddDSN
// also learns the pieces of a password that unescaped '@', ':' or '/'
// split into host or user names in the driver's errors).
func newScrubber(dsn string) *xcetl.Scrubber {
	sc := &xcetl.Scrubber{}
	sc.AddDSN(dsn)
	return sc
}

// scrubbed hides the secrets of sc in err's text, keeping the chain, and
// says so when the error means the server closed the connection.
func scrubbed(sc *xcetl.Scrubber, err error) error { return sc.ScrubError(connectionLost(err)) }

// connectionLost turns an error that shows a connection the server closed
// into a dialects.LostError.
func connectionLost(err error) error {
	var lost *dialects.LostError
	var ce *dialects.ConnectError
	if err == nil || errors.As(err, &lost) || errors.As(err, &ce) {
		return err
	}
	if pe := pgError(err); pe != nil {
		// admin_shutdown, crash_shutdown, cannot_connect_now: the server
		// says it is going away.
		if pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" {
			return &dialects.LostError{Err: err}
		}
		return err
	}
	if dialects.IsLost(err) || errors.Is(err, pgconn.ErrConnClosed) {
		return &dialects.LostError{Err: err}
	}
	return err
}

// describeError renders a server error with its detail and hint, which
// pgconn.PgError.Error leaves out.
func describeError(err error) error {
	pe := pgError(err)
	if pe == nil {
		return err
	}
	msg := pe.Message
	if pe.Detail != "" {
		msg += "; " + pe.Detail
	}
	if pe.Hint != "" {
		msg += "; hint: " + pe.Hint
	}
	return &serverError{msg: msg + " (SQLSTATE " + pe.Code + ")", err: err}
}

type serverError struct {
	msg string
	err error
}

func (e *serverError) Error() string { return e.msg }
func (e *serverError) Unwrap() error { return e.err }
