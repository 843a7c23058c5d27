package pgfamily

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// The source side of the family: every member reads through pgx with the
// same catalog queries (pg_catalog, which PostgreSQL 9.2 — openGauss's
// lineage — already has), in text format, rows streamed as the server
// sends them (a plain query's rows are never held whole by pgx).
//
// Sessions: TimeZone UTC (timestamptz arrives as an instant), ISO dates,
// extra_float_digits 3 (floats round-trip), bytea in hex, no
// statement_timeout. One reader: BEGIN ISOLATION LEVEL REPEATABLE READ
// READ ONLY. Several: the coordinator's REPEATABLE READ transaction
// exports its snapshot (pg_export_snapshot) and every reader imports it
// (SET TRANSACTION SNAPSHOT) before the coordinator ends, so all readers
// see exactly the same committed data of every table.

var _ dialects.SourceDialect = (*Dialect)(nil)

// Driver implements dialects.SourceDialect.
func (d *Dialect) Driver() string { return d.cfg.Name }

// Product implements dialects.SourceDialect.
func (d *Dialect) Product() string { return d.cfg.Product }

// CheckDSN implements dialects.SourceDialect.
func (d *Dialect) CheckDSN(dsn string) error {
	if _, err := pgx.ParseConfig(ApplyDSNDefaults(dsn, d.cfg.DefaultPort, d.cfg.DefaultDatabase)); err != nil {
		return scrubbed(newScrubber(dsn), fmt.Errorf("bad dsn: %w", err))
	}
	return nil
}

// RedactDSN implements dialects.SourceDialect.
func (d *Dialect) RedactDSN(dsn string) string { return xcetl.RedactDSN(dsn) }

// Subquery implements dialects.SourceDialect.
func (d *Dialect) Subquery(query string) string { return "(" + query + ") AS xcetl_q" }

// BoundarySQL implements dialects.SourceDialect.
func (d *Dialect) BoundarySQL(from, col, where, ph string, offset int64) string {
	return dialects.LimitOffsetBoundary(from, col, where, ph, offset)
}

// The catalog statements. sqlSrcTable takes (schema, table); the others the
// table's oid.
const (
	sqlSrcTable = `SELECT c.oid::text, n.nspname, c.relkind::text, c.reltuples::bigint, obj_description(c.oid, 'pg_class')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = COALESCE(NULLIF($1::text, ''), current_schema()) AND c.relname = $2::text`
	sqlSrcColumns = `SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
  col_description(a.attrelid, a.attnum), t.typtype::text, t.typcategory::text,
  CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, %s
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`
	sqlSrcIndexes = `SELECT i.relname, ix.indisprimary, ix.indisunique, a.attname
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
CROSS JOIN generate_series(0, 31) s(k)
JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[s.k]
WHERE ix.indrelid = $1::oid AND s.k < ix.indnatts AND ix.indexprs IS NULL AND ix.indpred IS NULL
ORDER BY NOT ix.indisprimary, i.relname, s.k`
	sqlSrcForeignKeys = `SELECT con.conname, a.attname, rn.nspname, rc.relname, ra.attname, con.confupdtype::text, con.confdeltype::text
FROM pg_constraint con
CROSS JOIN generate_series(1, 32) s(k)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[s.k]
JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[s.k]
JOIN pg_class rc ON rc.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.conrelid = $1::oid AND con.contype = 'f'
ORDER BY con.conname, s.k`
	sqlSrcTables = `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = COALESCE(NULLIF($1::text, ''), current_schema()) AND c.relkind IN ('r', 'p')
ORDER BY c.relname`
	// identity columns: attidentity exists from PostgreSQL 10 (not on openGauss).
	identityNew = `a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%'`
	identityOld = `COALESCE(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%'`
)

// CatalogSQL implements dialects.SourceDialect.
func (d *Dialect) CatalogSQL() []dialects.Statement {
	return []dialects.Statement{
		{When: "describe: the table (schema, name)", SQL: sqlSrcTable},
		{When: "describe: columns (PostgreSQL 10 and later; identity from nextval defaults only before)", SQL: fmt.Sprintf(sqlSrcColumns, identityNew)},
		{When: "describe: primary key and indexes (expression and partial indexes are left out)", SQL: sqlSrcIndexes},
		{When: "describe: foreign keys", SQL: sqlSrcForeignKeys},
		{When: "migrate: the base tables of a schema", SQL: sqlSrcTables},
	}
}

// srcSession sets up every source session (see above).
var srcSession = []string{
	"SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'postgres'",
	"SET extra_float_digits = 3", "SET bytea_output = 'hex'", "SET statement_timeout = 0",
}

// srcConn is one source session.
type srcConn struct {
	d       *Dialect
	pg      *pgx.Conn
	c       *conn
	version int // server_version_num
	inTx    bool
}

// OpenSource implements dialects.SourceDialect.
func (d *Dialect) OpenSource(ctx context.Context, dsn string, env dialects.SourceEnv) (dialects.SourceConn, error) {
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pd := d
	if d.cfg.SQLDriver != "" {
		pd = d.WithSQLDriver("") // the source reads through pgx (text format, streaming)
	}
	dc, err := pd.Open(ctx, dsn, dialects.Env{Logger: log})
	if err != nil {
		return nil, err
	}
	c := dc.(*conn)
	s := &srcConn{d: d, pg: c.pg, c: c}
	for _, q := range srcSession {
		if _, err := s.pg.Exec(ctx, q); err != nil {
			_ = c.Close(ctx)
			return nil, c.wrap(fmt.Errorf("%s: %s: %w", d.cfg.Name, q, describeError(err)))
		}
	}
	v, _, err := c.setting(ctx, "server_version_num")
	if err != nil {
		_ = c.Close(ctx)
		return nil, c.wrap(err)
	}
	s.version, _ = strconv.Atoi(v)
	return s, nil
}

// Query implements dialects.SourceConn: values are the server's text, as
// []byte (a copy).
func (s *srcConn) Query(ctx context.Context, q string, args ...any) ([][]any, error) {
	return dialects.QueryAll(ctx, s, q, args...)
}

// Stream implements dialects.SourceConn.
func (s *srcConn) Stream(ctx context.Context, q string, args ...any) (dialects.SourceRows, error) {
	rows, err := s.pg.Query(ctx, q, append([]any{pgx.QueryResultFormats{pgx.TextFormatCode}}, args...)...)
	if err != nil {
		return nil, s.c.wrap(describeError(err))
	}
	return &pgRows{rows: rows, c: s.c}, nil
}

// pgRows streams a pgx result in text format.
type pgRows struct {
	rows pgx.Rows
	c    *conn
	vals []any
}

func (r *pgRows) Next() bool { return r.rows.Next() }

func (r *pgRows) Values() []any {
	raw := r.rows.RawValues()
	if len(r.vals) != len(raw) {
		r.vals = make([]any, len(raw))
	}
	for i, b := range raw {
		if b == nil {
			r.vals[i] = nil
		} else {
			r.vals[i] = b
		}
	}
	return r.vals
}

// Text implements dialects.TextRows.
func (r *pgRows) Text() [][]byte { return r.rows.RawValues() }

func (r *pgRows) Err() error {
	if err := r.rows.Err(); err != nil {
		return r.c.wrap(describeError(err))
	}
	return nil
}

func (r *pgRows) Close() error { r.rows.Close(); return nil }

// BeginRead implements dialects.SourceConn.
func (s *srcConn) BeginRead(ctx context.Context) error {
	if _, err := s.pg.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		return s.c.wrap(fmt.Errorf("%s: begin the snapshot: %w", s.d.cfg.Name, describeError(err)))
	}
	s.inTx = true
	return nil
}

// ShareSnapshot implements dialects.SourceConn.
func (s *srcConn) ShareSnapshot(ctx context.Context, _ []dialects.Table, readers []dialects.SourceConn) (string, error) {
	if err := s.BeginRead(ctx); err != nil {
		return "", err
	}
	var id string
	if err := s.pg.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&id); err != nil {
		if pe := pgError(err); pe != nil && pe.Code == "42883" {
			return "", fmt.Errorf("%s: %w: pg_export_snapshot() does not exist on this server", s.d.cfg.Name, dialects.ErrNoSharedSnapshot)
		}
		return "", s.c.wrap(fmt.Errorf("%s: export the snapshot: %w", s.d.cfg.Name, describeError(err)))
	}
	for i, r := range readers {
		rs, ok := r.(*srcConn)
		if !ok {
			return "", fmt.Errorf("%s: reader %d is a %T session", s.d.cfg.Name, i+1, r)
		}
		if err := rs.BeginRead(ctx); err != nil {
			return "", err
		}
		if _, err := rs.pg.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+strings.ReplaceAll(id, "'", "''")+"'"); err != nil {
			return "", rs.c.wrap(fmt.Errorf("%s: reader %d: import the snapshot: %w", s.d.cfg.Name, i+1, describeError(err)))
		}
	}
	return fmt.Sprintf("%d readers imported snapshot %s (REPEATABLE READ, pg_export_snapshot): they see the same committed rows of every table", len(readers), id), nil
}

// Close implements dialects.SourceConn.
func (s *srcConn) Close(ctx context.Context) error {
	if s.inTx && !s.pg.IsClosed() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, _ = s.pg.Exec(ctx, "ROLLBACK")
		cancel()
	}
	return s.c.Close(ctx)
}

// DescribeQuery implements dialects.SourceConn.
func (s *srcConn) DescribeQuery(ctx context.Context, query string) ([]dialects.SourceColumn, error) {
	rows, err := s.pg.Query(ctx, "SELECT * FROM "+s.d.Subquery(query)+" LIMIT 0")
	if err != nil {
		return nil, s.c.wrap(describeError(err))
	}
	fds := rows.FieldDescriptions()
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.c.wrap(describeError(err))
	}
	out := make([]dialects.SourceColumn, len(fds))
	for i, fd := range fds {
		var typ string
		if err := s.pg.QueryRow(ctx, "SELECT format_type($1::oid, $2::int)", fd.DataTypeOID, fd.TypeModifier).Scan(&typ); err != nil {
			return nil, s.c.wrap(describeError(err))
		}
		out[i] = dialects.SourceColumn{Name: fd.Name, NativeType: typ, Nullable: true}
	}
	return out, nil
}

// DescribeSource implements dialects.SourceConn.
func (s *srcConn) DescribeSource(ctx context.Context, t dialects.Table) (*dialects.SourceTable, error) {
	rows, err := s.Query(ctx, sqlSrcTable, t.Schema, t.Name)
	if err != nil {
		return nil, fmt.Errorf("look up table %s: %w", t, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := texts(rows[0])
	switch r[2] {
	case "r", "p":
	case "v", "m":
		return nil, fmt.Errorf("%s is a view; read it with query: SELECT … FROM %s", t, t)
	default:
		return nil, fmt.Errorf("%s is not a table (relkind %s)", t, r[2])
	}
	oid := r[0]
	st := &dialects.SourceTable{Table: dialects.Table{Schema: r[1], Name: t.Name, SchemaQuoted: true, NameQuoted: true}, Comment: r[4], RowEstimate: -1}
	if n, err := strconv.ParseInt(r[3], 10, 64); err == nil && n >= 0 {
		st.RowEstimate = n
	}
	identity := identityOld
	if s.version >= 100000 {
		identity = identityNew
	}
	cols, err := s.Query(ctx, fmt.Sprintf(sqlSrcColumns, identity), oid)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", t, err)
	}
	for _, row := range cols {
		c := texts(row)
		col := dialects.SourceColumn{Name: c[0], NativeType: c[1], Nullable: c[2] == "t", Comment: c[4], Identity: c[8] == "t"}
		switch {
		case c[5] == "d":
			col.NativeType = c[7] // a domain reads as its base type
		case c[5] == "e":
			col.NativeType = "enum " + c[1]
		case c[6] == "A":
			col.NativeType = c[1] // arrays keep their [] suffix
		}
		if row[3] != nil {
			def := c[3]
			col.Default = &def
		}
		st.Columns = append(st.Columns, col)
	}
	if err := s.keys(ctx, st, oid); err != nil {
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	return st, nil
}

// keys fills the primary key, indexes and foreign keys of st.
func (s *srcConn) keys(ctx context.Context, st *dialects.SourceTable, oid string) error {
	idx, err := s.Query(ctx, sqlSrcIndexes, oid)
	if err != nil {
		return fmt.Errorf("read indexes: %w", err)
	}
	for _, row := range idx {
		c := texts(row)
		if c[1] == "t" {
			if st.PrimaryKeyName == "" {
				st.PrimaryKeyName = c[0]
			}
			st.PrimaryKey = append(st.PrimaryKey, c[3])
			continue
		}
		st.AddIndexColumn(c[0], c[2] == "t", c[3])
	}
	fks, err := s.Query(ctx, sqlSrcForeignKeys, oid)
	if err != nil {
		return fmt.Errorf("read foreign keys: %w", err)
	}
	for _, row := range fks {
		c := texts(row)
		st.AddForeignKeyColumn(dialects.ForeignKey{Name: c[0],
			RefTable: dialects.Table{Schema: c[2], Name: c[3], SchemaQuoted: true, NameQuoted: true},
			OnUpdate: fkAction(c[5]), OnDelete: fkAction(c[6])}, c[1], c[4])
	}
	return nil
}

// fkAction maps pg_constraint's action codes; NO ACTION (the default) is "".
func fkAction(code string) string {
	switch code {
	case "r":
		return "RESTRICT"
	case "c":
		return "CASCADE"
	case "n":
		return "SET NULL"
	case "d":
		return "SET DEFAULT"
	}
	return ""
}

// Tables implements dialects.SourceConn.
func (s *srcConn) Tables(ctx context.Context, schema string) ([]dialects.Table, error) {
	return dialects.TableList(ctx, s, schema, sqlSrcTables, schema)
}

func texts(row []any) []string {
	out := make([]string, len(row))
	for i, v := range row {
		if b, ok := v.([]byte); ok {
			out[i] = string(b)
		}
	}
	return out
}
