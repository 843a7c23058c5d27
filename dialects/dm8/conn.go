package dm8

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// describeError, when set by the file built with the dm tag, renders a
// driver error with its DM error code.
var describeError = func(err error) error { return err }

// conn is one DM8 session for one run.
type conn struct {
	d     dialect
	db    *sql.DB
	c     *sql.Conn
	tx    *sql.Tx
	scrub *xcetl.Scrubber
	log   *slog.Logger
	// caseSensitive is SELECT CASE_SENSITIVE(): false on instances
	// initialised case-insensitive, where names match ignoring case.
	caseSensitive bool
	// schema is the session's current schema.
	schema string
	// identity maps "SCHEMA.TABLE" to its IDENTITY column, from Describe;
	// identityKnown says the catalog could be read for it.
	identity      map[string]string
	identityKnown map[string]bool
	// identityOn is the table whose IDENTITY_INSERT this session set ON.
	identityOn string
	// emptyNull is why the instance stores '' as NULL (COMPATIBLE_MODE=2),
	// "" when it keeps them apart.
	emptyNull string
}

var (
	_ dialects.DDLAutoCommitter  = (*conn)(nil)
	_ dialects.EmptyStringNuller = (*conn)(nil)
)

// ApplyDefaultPort adds DefaultPort to a dm:// DSN without a port.
func ApplyDefaultPort(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" || u.Port() != "" {
		return dsn
	}
	u.Host += ":" + strconv.Itoa(DefaultPort)
	return u.String()
}

// checkDSN refuses DSNs the driver would misread, with a message that
// shows the expected form (never the password).
func checkDSN(dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "dm" || u.Host == "" {
		return errors.New("dsn must look like dm://user:password@host:5236?schema=SCHEMA (special characters in the password %-encoded)")
	}
	return nil
}

func newScrubber(dsn string) *xcetl.Scrubber {
	sc := &xcetl.Scrubber{}
	sc.AddDSN(dsn)
	return sc
}

// Open implements dialects.Dialect.
func (d dialect) Open(ctx context.Context, dsn string, env dialects.Env) (dialects.Conn, error) {
	if err := d.CheckDriver(); err != nil {
		return nil, err
	}
	sc := newScrubber(dsn)
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkDSN(dsn); err != nil {
		return nil, fmt.Errorf("dm8: %w", err)
	}
	full := ApplyDefaultPort(dsn)
	db, err := sql.Open(d.driver, full)
	if err != nil {
		return nil, scrubbed(sc, fmt.Errorf("dm8: open %s: %w", xcetl.RedactDSN(full), describeError(err)))
	}
	db.SetMaxOpenConns(1)
	c, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, scrubbed(sc, fmt.Errorf("dm8: connect to %s: %w", xcetl.RedactDSN(full), describeError(err)))
	}
	cn := &conn{d: d, db: db, c: c, scrub: sc, log: log, caseSensitive: true,
		identity: map[string]string{}, identityKnown: map[string]bool{}}
	if err := cn.detect(ctx); err != nil {
		_ = cn.Close(ctx)
		return nil, err
	}
	return cn, nil
}

// detect reads the session's schema and the instance's case sensitivity.
func (c *conn) detect(ctx context.Context) error {
	rows, err := c.Query(ctx, "SELECT CASE_SENSITIVE() FROM DUAL")
	switch {
	case err != nil:
		c.log.Warn("dm8: SELECT CASE_SENSITIVE() failed; assuming a case-sensitive instance", "error", err.Error())
	case len(rows) == 1 && len(rows[0]) == 1:
		switch strings.ToUpper(strings.TrimSpace(asString(rows[0][0]))) {
		case "0", "N", "FALSE":
			c.caseSensitive = false
		}
	}
	rows, err = c.Query(ctx, "SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL")
	if err != nil || len(rows) != 1 || asString(rows[0][0]) == "" {
		rows, err = c.Query(ctx, "SELECT USER FROM DUAL")
		if err != nil {
			return fmt.Errorf("dm8: read the current schema: %w", err)
		}
	}
	if len(rows) == 1 && len(rows[0]) == 1 {
		c.schema = asString(rows[0][0])
	}
	if c.schema == "" {
		return errors.New("dm8: read the current schema: no answer")
	}
	mode := c.compatibleMode(ctx)
	if mode == "2" {
		c.emptyNull = "DM8 with COMPATIBLE_MODE=2 (Oracle compatibility) stores '' as NULL"
		c.log.Warn("the server stores empty strings as NULL: rows with '' in a NOT NULL column are rejected", "dialect", "dm8", "why", c.emptyNull)
	}
	c.log.Info("dm8 session", "schema", c.schema, "case_sensitive", c.caseSensitive, "compatible_mode", mode)
	return nil
}

// CompatibleModeQueries read the instance's COMPATIBLE_MODE (dm.ini; 2 is
// Oracle compatibility, where the empty string is NULL), in the order tried: the
// parameter view, then the system function (2 = the value in memory, the
// one in force). Both are documented for DM8 but unconfirmed here; a user
// may lack the privilege for either.
var CompatibleModeQueries = []string{
	"SELECT PARA_VALUE FROM V$DM_INI WHERE PARA_NAME = 'COMPATIBLE_MODE'",
	"SELECT SF_GET_PARA_VALUE(2, 'COMPATIBLE_MODE') FROM DUAL",
}

// compatibleMode returns COMPATIBLE_MODE as text ("0" … "7"), or "unknown"
// when neither query answers: xcetl then keeps the empty string and NULL apart, as DM8
// does by default, and says so in the log.
func (c *conn) compatibleMode(ctx context.Context) string {
	var errs []string
	for _, q := range CompatibleModeQueries {
		rows, err := c.Query(ctx, q)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if len(rows) != 1 || len(rows[0]) != 1 || rows[0][0] == nil {
			errs = append(errs, fmt.Sprintf("%s: %d rows", q, len(rows)))
			continue
		}
		v := strings.TrimSpace(asString(rows[0][0]))
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: answered %q", q, v))
			continue
		}
		return strconv.Itoa(n)
	}
	c.log.Warn("dm8: could not read COMPATIBLE_MODE; assuming '' and NULL are distinct (DM8's default). With COMPATIBLE_MODE=2 an empty string in a NOT NULL column would fail its whole batch instead of being rejected", "errors", strings.Join(errs, "; "))
	return "unknown"
}

// EmptyStringIsNull implements dialects.EmptyStringNuller.
func (c *conn) EmptyStringIsNull() string { return c.emptyNull }

// DDLCommits implements dialects.DDLAutoCommitter: DM8 commits the open
// transaction on DDL.
func (c *conn) DDLCommits() bool { return true }

func (c *conn) wrap(err error) error {
	if err == nil {
		return nil
	}
	return scrubbed(c.scrub, describeError(err))
}

// Describe implements dialects.Conn.
func (c *conn) Describe(ctx context.Context, t dialects.Table) (*dialects.TableInfo, error) {
	schema := t.Schema
	if schema == "" {
		schema = c.schema
	}
	match := "OWNER = ? AND TABLE_NAME = ?"
	if !c.caseSensitive {
		match = "UPPER(OWNER) = UPPER(?) AND UPPER(TABLE_NAME) = UPPER(?)"
	}
	rows, err := c.Query(ctx, "SELECT OWNER, TABLE_NAME FROM ALL_TABLES WHERE "+match, schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("look up table %s: %w", t, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if err := checkWidth(rows, 2, "look up table "+t.String()); err != nil {
		return nil, err
	}
	if len(rows) > 1 {
		return nil, fmt.Errorf("table %s: the case-insensitive instance has %d tables of that name", t, len(rows))
	}
	owner, name := asString(rows[0][0]), asString(rows[0][1])
	info := &dialects.TableInfo{Table: dialects.Table{Schema: owner, Name: name, SchemaQuoted: true, NameQuoted: true}}
	rows, err = c.Query(ctx, `SELECT COLUMN_NAME, DATA_TYPE, DATA_LENGTH, DATA_PRECISION, DATA_SCALE, NULLABLE
FROM ALL_TAB_COLUMNS
WHERE OWNER = ? AND TABLE_NAME = ?
ORDER BY COLUMN_ID`, owner, name)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", t, err)
	}
	if err := checkWidth(rows, 6, "read columns of "+t.String()); err != nil {
		return nil, err
	}
	for _, r := range rows {
		base := strings.ToUpper(asString(r[1]))
		typ := base
		switch {
		case (base == "DECIMAL" || base == "NUMBER" || base == "NUMERIC" || base == "DEC") && asString(r[3]) != "" && asString(r[3]) != "0":
			typ += "(" + asString(r[3]) + "," + asString(r[4]) + ")"
		case strings.Contains(base, "CHAR") || strings.Contains(base, "BINARY"):
			typ += "(" + asString(r[2]) + ")"
		}
		info.Columns = append(info.Columns, dialects.CatalogColumn{Name: asString(r[0]), Type: typ, Base: base, Nullable: strings.EqualFold(asString(r[5]), "Y")})
	}
	rows, err = c.Query(ctx, `SELECT c.CONSTRAINT_NAME, c.CONSTRAINT_TYPE, cc.COLUMN_NAME
FROM ALL_CONSTRAINTS c
JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = c.OWNER AND cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND cc.TABLE_NAME = c.TABLE_NAME
WHERE c.OWNER = ? AND c.TABLE_NAME = ? AND c.CONSTRAINT_TYPE IN ('P', 'U')
ORDER BY c.CONSTRAINT_TYPE, c.CONSTRAINT_NAME, cc.POSITION`, owner, name)
	if err != nil {
		return nil, fmt.Errorf("read keys of %s: %w", t, err)
	}
	if err := checkWidth(rows, 3, "read keys of "+t.String()); err != nil {
		return nil, err
	}
	keys := make([][3]string, len(rows))
	for i, r := range rows {
		keys[i] = [3]string{asString(r[0]), asString(r[1]), asString(r[2])}
	}
	info.AddKeyColumns(keys, func(kind string) bool { return kind == "P" })
	c.readIdentity(ctx, tableKey(t), owner, name)
	return info, nil
}

// tableKey names a table as the loader gave it to Describe and NewWriter.
func tableKey(t dialects.Table) string { return t.Schema + "\x00" + t.Name }

// readIdentity finds the table's IDENTITY column in DM8's own catalog
// (SYSCOLUMNS.INFO2 bit 0, unconfirmed). A failure is not fatal: the
// identity_insert option decides then.
func (c *conn) readIdentity(ctx context.Context, key, owner, name string) {
	rows, err := c.Query(ctx, `SELECT col.NAME
FROM SYSCOLUMNS col
JOIN SYSOBJECTS tab ON tab.ID = col.ID
JOIN SYSOBJECTS sch ON sch.ID = tab.SCHID
WHERE sch.NAME = ? AND tab.NAME = ? AND tab.SUBTYPE$ = 'UTAB' AND BITAND(col.INFO2, 1) = 1`, owner, name)
	if err != nil {
		c.log.Warn("dm8: could not read the IDENTITY column from SYSCOLUMNS; set identity_insert: on if the pipeline loads explicit identity values", "table", owner+"."+name, "error", err.Error())
		return
	}
	c.identityKnown[key] = true
	if len(rows) > 0 && len(rows[0]) > 0 {
		c.identity[key] = asString(rows[0][0])
	}
}

// checkWidth refuses catalog answers with fewer columns than asked for
// (a driver or catalog view that differs from what xcetl expects).
func checkWidth(rows [][]any, n int, what string) error {
	for _, r := range rows {
		if len(r) < n {
			return fmt.Errorf("%s: the catalog answered %d columns, want %d", what, len(r), n)
		}
	}
	return nil
}

func asString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// execer is the session, or its open transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func (c *conn) ex() execer {
	if c.tx != nil {
		return c.tx
	}
	return c.c
}

// Begin implements dialects.Conn.
func (c *conn) Begin(ctx context.Context) error {
	if c.tx != nil {
		return errors.New("dm8: begin: a transaction is already open")
	}
	tx, err := c.c.BeginTx(ctx, nil)
	if err != nil {
		return c.wrap(fmt.Errorf("dm8: begin: %w", err))
	}
	c.tx = tx
	return nil
}

// Commit implements dialects.Conn.
func (c *conn) Commit(ctx context.Context) error {
	tx := c.tx
	c.tx = nil
	if tx == nil {
		return errors.New("dm8: commit: no transaction is open")
	}
	if err := tx.Commit(); err != nil {
		return c.wrap(fmt.Errorf("dm8: commit: %w", err))
	}
	return nil
}

// Rollback implements dialects.Conn.
func (c *conn) Rollback(ctx context.Context) error {
	tx := c.tx
	c.tx = nil
	if tx == nil {
		return nil
	}
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) && !errors.Is(err, sql.ErrConnDone) {
		return c.wrap(fmt.Errorf("dm8: rollback: %w", err))
	}
	return nil
}

// Exec implements dialects.Conn.
func (c *conn) Exec(ctx context.Context, query string, args ...any) error {
	if _, err := c.ex().ExecContext(ctx, query, args...); err != nil {
		return c.wrap(err)
	}
	return nil
}

// Query implements dialects.Conn. Values are what the driver returns,
// with driver-specific types (decimals, LOBs) turned into strings.
func (c *conn) Query(ctx context.Context, query string, args ...any) ([][]any, error) {
	rows, err := c.ex().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, c.wrap(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, c.wrap(err)
	}
	var out [][]any
	for rows.Next() {
		r := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, c.wrap(err)
		}
		for i, v := range r {
			switch v.(type) {
			case nil, string, []byte, int64, float64, bool, time.Time:
			default:
				r[i] = asString(v)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, c.wrap(err)
	}
	return out, nil
}

// Close implements dialects.Conn. IDENTITY_INSERT goes OFF with the
// session anyway; it is switched off explicitly for pooled sessions.
func (c *conn) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var err error
	if c.tx != nil {
		err = c.Rollback(ctx)
	}
	if c.identityOn != "" {
		if _, e := c.c.ExecContext(ctx, "SET IDENTITY_INSERT "+c.identityOn+" OFF"); e != nil {
			c.log.Warn("dm8: SET IDENTITY_INSERT OFF failed (it ends with the session anyway)", "error", c.wrap(e).Error())
		}
		c.identityOn = ""
	}
	return errors.Join(err, c.wrap(c.c.Close()), c.wrap(c.db.Close()))
}

// scrubbed hides the secrets of sc in err's text, keeping the chain.
func scrubbed(sc *xcetl.Scrubber, err error) error { return sc.ScrubError(err) }
