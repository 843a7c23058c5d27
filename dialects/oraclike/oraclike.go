// Package oraclike is the source side shared by databases with Oracle's
// catalog views (ALL_TABLES, ALL_TAB_COLUMNS, ALL_CONSTRAINTS,
// ALL_CONS_COLUMNS, ALL_INDEXES, ALL_IND_COLUMNS, ALL_TAB_COMMENTS,
// ALL_COL_COMMENTS) and type names: Oracle (dialects/oracle) and DM8
// (dialects/dm8). A database is a Config: its placeholders, its type
// rules, how it starts a read-only transaction.
//
// Values are read through database/sql, numbers, dates and times as text
// with explicit formats (TO_CHAR), so that neither the driver's nor the
// session's conversions (NLS settings, time zones, float64 numbers) can
// change them. None of this has run against an Oracle or DM8 server (none
// is available where xcetl is built): the statements are fixed by golden
// files (docs/dialects.md says so).
package oraclike

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// Config describes one database.
type Config struct {
	Driver, Product string
	// Placeholder renders the n-th bind placeholder (":1", "?").
	Placeholder func(n int) string
	// Types maps a catalog type (DATA_TYPE upper case, precision, scale,
	// character length) to its reading; false for no exact reading.
	Types func(c Column) (dialects.ColumnRead, bool)
	// IdentityColumn is ALL_TAB_COLUMNS' identity flag column ("" if the
	// database has none).
	IdentityColumn string
	// Session runs after connecting (NLS settings).
	Session []string
	// Open opens the database/sql pool of a DSN (one connection is used).
	Open func(dsn string) (*sql.DB, error)
	// Boundary is the dialect's BoundarySQL.
	Boundary func(from, col, where, ph string, offset int64) string
	// CheckDSN and RedactDSN as dialects.SourceDialect.
	CheckDSN  func(dsn string) error
	RedactDSN func(dsn string) string
	// Digest renders the MD5 of a text expression as 32 lowercase hex
	// characters (xcetl verify); nil for Oracle's STANDARD_HASH.
	Digest func(text string) string
}

// Column is a catalog column as the type rules see it.
type Column struct {
	Name, Type             string
	Precision, Scale, Char int
	HasPrecision           bool
}

// Dialect is a source dialect built from a Config.
type Dialect struct{ cfg Config }

// New returns the dialect for cfg.
func New(cfg Config) *Dialect { return &Dialect{cfg: cfg} }

var _ dialects.SourceDialect = (*Dialect)(nil)

// Driver implements dialects.SourceDialect.
func (d *Dialect) Driver() string { return d.cfg.Driver }

// Product implements dialects.SourceDialect.
func (d *Dialect) Product() string { return d.cfg.Product }

// Quote implements dialects.SourceDialect.
func (d *Dialect) Quote(ident string) string { return dialects.QuoteDouble(ident) }

// Placeholder implements dialects.SourceDialect.
func (d *Dialect) Placeholder(n int) string { return d.cfg.Placeholder(n) }

// ParseTable implements dialects.SourceDialect: unquoted names fold to
// upper case, as both databases store them.
func (d *Dialect) ParseTable(s string) (dialects.Table, error) {
	t, err := dialects.SplitTable(s)
	if err != nil {
		return t, err
	}
	if !t.NameQuoted {
		t.Name = dialects.FoldUpper(t.Name)
	}
	if t.Schema != "" && !t.SchemaQuoted {
		t.Schema = dialects.FoldUpper(t.Schema)
	}
	t.NameQuoted, t.SchemaQuoted = true, t.Schema != ""
	return t, nil
}

// CheckDSN implements dialects.SourceDialect.
func (d *Dialect) CheckDSN(dsn string) error { return d.cfg.CheckDSN(dsn) }

// RedactDSN implements dialects.SourceDialect.
func (d *Dialect) RedactDSN(dsn string) string { return d.cfg.RedactDSN(dsn) }

// Subquery implements dialects.SourceDialect (no AS before a table alias).
func (d *Dialect) Subquery(query string) string { return "(" + query + ") xcetl_q" }

// BoundarySQL implements dialects.SourceDialect.
func (d *Dialect) BoundarySQL(from, col, where, ph string, offset int64) string {
	return d.cfg.Boundary(from, col, where, ph, offset)
}

// catalog renders the catalog statements with the dialect's placeholders:
// "$n" in the templates is the n-th argument.
func (d *Dialect) catalog(tmpl string) string {
	for i := 9; i >= 1; i-- {
		tmpl = strings.ReplaceAll(tmpl, "$"+strconv.Itoa(i), d.cfg.Placeholder(i))
	}
	return tmpl
}

// The catalog statements: (owner, table) unless said otherwise.
const (
	sqlTable = `SELECT t.OWNER, t.TABLE_NAME, t.NUM_ROWS, m.COMMENTS
FROM ALL_TABLES t
LEFT JOIN ALL_TAB_COMMENTS m ON m.OWNER = t.OWNER AND m.TABLE_NAME = t.TABLE_NAME
WHERE t.OWNER = NVL($1, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')) AND t.TABLE_NAME = $2`
	sqlColumns = `SELECT c.COLUMN_NAME, c.DATA_TYPE, c.CHAR_LENGTH, c.DATA_PRECISION, c.DATA_SCALE, c.NULLABLE, c.DATA_DEFAULT, m.COMMENTS, %s
FROM ALL_TAB_COLUMNS c
LEFT JOIN ALL_COL_COMMENTS m ON m.OWNER = c.OWNER AND m.TABLE_NAME = c.TABLE_NAME AND m.COLUMN_NAME = c.COLUMN_NAME
WHERE c.OWNER = $1 AND c.TABLE_NAME = $2
ORDER BY c.COLUMN_ID`
	sqlPrimaryKey = `SELECT c.CONSTRAINT_NAME, k.COLUMN_NAME
FROM ALL_CONSTRAINTS c
JOIN ALL_CONS_COLUMNS k ON k.OWNER = c.OWNER AND k.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND k.TABLE_NAME = c.TABLE_NAME
WHERE c.OWNER = $1 AND c.TABLE_NAME = $2 AND c.CONSTRAINT_TYPE = 'P'
ORDER BY k.POSITION`
	// (owner, table, owner, table)
	sqlIndexes = `SELECT i.INDEX_NAME, i.UNIQUENESS, c.COLUMN_NAME
FROM ALL_INDEXES i
JOIN ALL_IND_COLUMNS c ON c.INDEX_OWNER = i.OWNER AND c.INDEX_NAME = i.INDEX_NAME
WHERE i.TABLE_OWNER = $1 AND i.TABLE_NAME = $2
  AND i.INDEX_NAME NOT IN (SELECT CONSTRAINT_NAME FROM ALL_CONSTRAINTS WHERE OWNER = $3 AND TABLE_NAME = $4 AND CONSTRAINT_TYPE = 'P')
ORDER BY i.INDEX_NAME, c.COLUMN_POSITION`
	sqlForeignKeys = `SELECT c.CONSTRAINT_NAME, k.COLUMN_NAME, r.OWNER, r.TABLE_NAME, rk.COLUMN_NAME, c.DELETE_RULE
FROM ALL_CONSTRAINTS c
JOIN ALL_CONS_COLUMNS k ON k.OWNER = c.OWNER AND k.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND k.TABLE_NAME = c.TABLE_NAME
JOIN ALL_CONSTRAINTS r ON r.OWNER = c.R_OWNER AND r.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME
JOIN ALL_CONS_COLUMNS rk ON rk.OWNER = r.OWNER AND rk.CONSTRAINT_NAME = r.CONSTRAINT_NAME AND rk.POSITION = k.POSITION
WHERE c.OWNER = $1 AND c.TABLE_NAME = $2 AND c.CONSTRAINT_TYPE = 'R'
ORDER BY c.CONSTRAINT_NAME, k.POSITION`
	// (owner)
	sqlTables = `SELECT TABLE_NAME FROM ALL_TABLES WHERE OWNER = NVL($1, SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')) ORDER BY TABLE_NAME`
)

func (d *Dialect) columnsSQL() string {
	ident := "'NO'"
	if d.cfg.IdentityColumn != "" {
		ident = "c." + d.cfg.IdentityColumn
	}
	return d.catalog(fmt.Sprintf(sqlColumns, ident))
}

// CatalogSQL implements dialects.SourceDialect.
func (d *Dialect) CatalogSQL() []dialects.Statement {
	return []dialects.Statement{
		{When: "describe: the table (owner, name) and its comment", SQL: d.catalog(sqlTable)},
		{When: "describe: columns and their comments", SQL: d.columnsSQL()},
		{When: "describe: the primary key", SQL: d.catalog(sqlPrimaryKey)},
		{When: "describe: indexes besides the primary key's", SQL: d.catalog(sqlIndexes)},
		{When: "describe: foreign keys", SQL: d.catalog(sqlForeignKeys)},
		{When: "migrate: the tables of a schema", SQL: d.catalog(sqlTables)},
	}
}

// ReadColumn implements dialects.SourceDialect.
func (d *Dialect) ReadColumn(t dialects.Table, c dialects.SourceColumn, o dialects.ReadOptions) (dialects.ColumnRead, error) {
	col := ParseNative(c.Name, c.NativeType)
	r, ok := d.cfg.Types(col)
	if r.Expr == "" {
		r.Expr = d.Quote(c.Name)
	}
	if !ok {
		if o.Override == nil || o.Override.Kind != xcetl.KindString {
			return dialects.ColumnRead{}, &dialects.UnsupportedTypeError{Table: t, Column: c.Name, NativeType: c.NativeType,
				Hint: fmt.Sprintf("leave it out of columns, or read it with a query: that converts it (types: {%q: string} reads what the driver gives as text)", c.NativeType)}
		}
		return dialects.ColumnRead{Expr: d.Quote(c.Name), Type: *o.Override, Decode: dialects.DecodeString}, nil
	}
	if o.Override != nil && *o.Override != r.Type {
		r.Type, r.Decode = *o.Override, dialects.TextDecoder(*o.Override)
	}
	return r, nil
}

// ParseNative takes "NUMBER(10,2)", "VARCHAR2(20)", "TIMESTAMP(6) WITH TIME ZONE" apart.
func ParseNative(name, native string) Column {
	c := Column{Name: name, Type: strings.ToUpper(strings.TrimSpace(native))}
	if i := strings.IndexByte(c.Type, '('); i >= 0 {
		j := strings.IndexByte(c.Type[i:], ')')
		if j > 0 {
			args := strings.Split(c.Type[i+1:i+j], ",")
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(args[0], " CHAR"), " BYTE")))
			c.Precision, c.Char, c.HasPrecision = n, n, true
			if len(args) > 1 {
				c.Scale, _ = strconv.Atoi(strings.TrimSpace(args[1]))
			}
			c.Type = strings.TrimSpace(c.Type[:i] + c.Type[i+j+1:])
		}
	}
	return c
}

// nativeOf renders a catalog row's type the way ParseNative reads it.
func nativeOf(typ, charLen, prec, scale string) string {
	typ = strings.ToUpper(strings.TrimSpace(typ))
	switch {
	case prec != "" && (typ == "NUMBER" || typ == "DECIMAL" || typ == "NUMERIC" || typ == "DEC"):
		return typ + "(" + prec + "," + orZero(scale) + ")"
	case charLen != "" && charLen != "0" && (strings.Contains(typ, "CHAR") || strings.Contains(typ, "BINARY") || typ == "RAW"):
		return typ + "(" + charLen + ")"
	}
	return typ
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// conn is one session.
type conn struct {
	d    *Dialect
	db   *sql.DB
	c    *sql.Conn
	sc   xcetl.Scrubber
	inTx bool
}

// OpenSource implements dialects.SourceDialect.
func (d *Dialect) OpenSource(ctx context.Context, dsn string, env dialects.SourceEnv) (dialects.SourceConn, error) {
	cn := &conn{d: d}
	cn.sc.AddDSN(dsn)
	db, err := d.cfg.Open(dsn)
	if err != nil {
		return nil, cn.sc.ScrubError(fmt.Errorf("%s: %w", d.cfg.Driver, err))
	}
	db.SetMaxOpenConns(1)
	c, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, cn.sc.ScrubError(fmt.Errorf("%s: connect to %s: %w", d.cfg.Driver, d.cfg.RedactDSN(dsn), err))
	}
	cn.db, cn.c = db, c
	for _, s := range d.cfg.Session {
		if _, err := c.ExecContext(ctx, s); err != nil {
			_ = cn.Close(ctx)
			return nil, cn.sc.ScrubError(fmt.Errorf("%s: %s: %w", d.cfg.Driver, s, err))
		}
	}
	if env.Logger != nil {
		env.Logger.Debug("connected", "driver", d.cfg.Driver, "verified", false)
	}
	return cn, nil
}

// Query implements dialects.SourceConn.
func (c *conn) Query(ctx context.Context, q string, args ...any) ([][]any, error) {
	return dialects.QueryAll(ctx, c, q, args...)
}

// Stream implements dialects.SourceConn.
func (c *conn) Stream(ctx context.Context, q string, args ...any) (dialects.SourceRows, error) {
	rows, err := c.c.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, c.sc.ScrubError(fmt.Errorf("%s: %w", c.d.cfg.Driver, err))
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, c.sc.ScrubError(err)
	}
	return dialects.NewTypedRows(rows, len(cols), &c.sc), nil
}

// BeginRead implements dialects.SourceConn: a read-only transaction, which
// both databases give statement-set read consistency as of its start.
func (c *conn) BeginRead(ctx context.Context) error {
	if _, err := c.c.ExecContext(ctx, "SET TRANSACTION READ ONLY"); err != nil {
		return c.sc.ScrubError(fmt.Errorf("%s: SET TRANSACTION READ ONLY: %w", c.d.cfg.Driver, err))
	}
	c.inTx = true
	return nil
}

// ShareSnapshot implements dialects.SourceConn. Oracle could share a point
// in time through flashback queries (AS OF SCN); xcetl does not do that yet.
func (c *conn) ShareSnapshot(context.Context, []dialects.Table, []dialects.SourceConn) (string, error) {
	return "", fmt.Errorf("%s: %w (not implemented for %s)", c.d.cfg.Driver, dialects.ErrNoSharedSnapshot, c.d.cfg.Product)
}

// Close implements dialects.SourceConn.
func (c *conn) Close(ctx context.Context) error {
	var err error
	if c.inTx {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, err = c.c.ExecContext(ctx, "ROLLBACK")
		cancel()
	}
	return errors.Join(err, c.c.Close(), c.db.Close())
}

// DescribeQuery implements dialects.SourceConn.
func (c *conn) DescribeQuery(ctx context.Context, query string) ([]dialects.SourceColumn, error) {
	rows, err := c.c.QueryContext(ctx, "SELECT * FROM "+c.d.Subquery(query)+" WHERE 1 = 0")
	if err != nil {
		return nil, c.sc.ScrubError(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	out := make([]dialects.SourceColumn, len(cts))
	for i, ct := range cts {
		native := ct.DatabaseTypeName()
		if p, s, ok := ct.DecimalSize(); ok && p > 0 {
			native += fmt.Sprintf("(%d,%d)", p, s)
		} else if n, ok := ct.Length(); ok && n > 0 {
			native += fmt.Sprintf("(%d)", n)
		}
		out[i] = dialects.SourceColumn{Name: ct.Name(), NativeType: native, Nullable: true}
	}
	return out, nil
}

func text(v any) string {
	s, _ := dialects.TextOf(v)
	return s
}

// DescribeSource implements dialects.SourceConn.
func (c *conn) DescribeSource(ctx context.Context, t dialects.Table) (*dialects.SourceTable, error) {
	d := c.d
	rows, err := c.Query(ctx, d.catalog(sqlTable), nullIfEmpty(t.Schema), t.Name)
	if err != nil {
		return nil, fmt.Errorf("look up table %s: %w", t, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	owner := text(rows[0][0])
	st := &dialects.SourceTable{Table: dialects.Table{Schema: owner, Name: text(rows[0][1]), SchemaQuoted: true, NameQuoted: true},
		Comment: text(rows[0][3]), RowEstimate: -1}
	if n, err := strconv.ParseInt(text(rows[0][2]), 10, 64); err == nil {
		st.RowEstimate = n
	}
	cols, err := c.Query(ctx, d.columnsSQL(), owner, st.Table.Name)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", t, err)
	}
	for _, r := range cols {
		col := dialects.SourceColumn{Name: text(r[0]), NativeType: nativeOf(text(r[1]), text(r[2]), text(r[3]), text(r[4])),
			Nullable: text(r[5]) != "N", Comment: text(r[7]), Identity: strings.EqualFold(text(r[8]), "YES")}
		if r[6] != nil {
			def := strings.TrimSpace(text(r[6]))
			col.Default = &def
		}
		st.Columns = append(st.Columns, col)
	}
	pk, err := c.Query(ctx, d.catalog(sqlPrimaryKey), owner, st.Table.Name)
	if err != nil {
		return nil, fmt.Errorf("read the primary key of %s: %w", t, err)
	}
	for _, r := range pk {
		st.PrimaryKeyName = text(r[0])
		st.PrimaryKey = append(st.PrimaryKey, text(r[1]))
	}
	idx, err := c.Query(ctx, d.catalog(sqlIndexes), owner, st.Table.Name, owner, st.Table.Name)
	if err != nil {
		return nil, fmt.Errorf("read indexes of %s: %w", t, err)
	}
	for _, r := range idx {
		st.AddIndexColumn(text(r[0]), text(r[1]) == "UNIQUE", text(r[2]))
	}
	fks, err := c.Query(ctx, d.catalog(sqlForeignKeys), owner, st.Table.Name)
	if err != nil {
		return nil, fmt.Errorf("read foreign keys of %s: %w", t, err)
	}
	for _, r := range fks {
		del := text(r[5])
		if del == "NO ACTION" {
			del = ""
		}
		st.AddForeignKeyColumn(dialects.ForeignKey{Name: text(r[0]),
			RefTable: dialects.Table{Schema: text(r[2]), Name: text(r[3]), SchemaQuoted: true, NameQuoted: true}, OnDelete: del}, text(r[1]), text(r[4]))
	}
	return st, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Tables implements dialects.SourceConn.
func (c *conn) Tables(ctx context.Context, schema string) ([]dialects.Table, error) {
	return dialects.TableList(ctx, c, schema, c.d.catalog(sqlTables), nullIfEmpty(schema))
}

// Reading helpers for the type rules: text with explicit formats.

// Number reads NUMBER/DECIMAL columns as their exact text.
func Number(quoted string, p, s int, hasPrecision bool) dialects.ColumnRead {
	t := xcetl.Type{Kind: xcetl.KindDecimal}
	if hasPrecision {
		t.Precision, t.Scale = p, s
	}
	return dialects.ColumnRead{Expr: "TO_CHAR(" + quoted + ", 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''')", Type: t, Decode: dialects.DecimalWithScale(t.Scale)}
}

// Timestamp reads DATE, TIMESTAMP and DATETIME columns as wall-clock text.
func Timestamp(quoted string) dialects.ColumnRead {
	return dialects.ColumnRead{Expr: "TO_CHAR(" + quoted + ", 'YYYY-MM-DD HH24:MI:SS.FF6')", Type: xcetl.Type{Kind: xcetl.KindTimestamp}, Decode: dialects.DecodeTimestamp}
}

// DateTime reads Oracle's DATE (a date with a time of day, no fraction).
func DateTime(quoted string) dialects.ColumnRead {
	return dialects.ColumnRead{Expr: "TO_CHAR(" + quoted + ", 'YYYY-MM-DD HH24:MI:SS')", Type: xcetl.Type{Kind: xcetl.KindTimestamp}, Decode: dialects.DecodeTimestamp}
}

// TimestampTZ reads a timestamp with time zone as its UTC instant.
func TimestampTZ(quoted string) dialects.ColumnRead {
	return dialects.ColumnRead{Expr: "TO_CHAR(SYS_EXTRACT_UTC(" + quoted + "), 'YYYY-MM-DD HH24:MI:SS.FF6')", Type: xcetl.Type{Kind: xcetl.KindTimestampTZ}, Decode: dialects.DecodeTimestamp}
}
