package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// The source side of SQLite: the file is opened read-only (mode=ro, never
// created), the catalog is read with the pragma table functions, and types
// follow SQLite's affinity rules on the declared type. One reader reads in
// one transaction (WAL mode gives it a snapshot); SQLite cannot put
// several connections into one snapshot, so parallel readers need
// snapshot: per_reader.

var _ dialects.SourceDialect = dialect{}

// Driver implements dialects.SourceDialect.
func (dialect) Driver() string { return "sqlite" }

// Product implements dialects.SourceDialect.
func (dialect) Product() string { return "SQLite" }

// CheckDSN implements dialects.SourceDialect.
func (dialect) CheckDSN(dsn string) error {
	_, _, err := ResolvePath(dsn, "")
	return err
}

// RedactDSN implements dialects.SourceDialect: a path holds no secret.
func (dialect) RedactDSN(dsn string) string { return dsn }

// Subquery implements dialects.SourceDialect.
func (dialect) Subquery(query string) string { return "(" + query + ") AS xcetl_q" }

// BoundarySQL implements dialects.SourceDialect.
func (dialect) BoundarySQL(from, col, where, ph string, offset int64) string {
	return dialects.LimitOffsetBoundary(from, col, where, ph, offset)
}

// The catalog statements; each takes (table, schema).
const (
	sqlSrcTable   = `SELECT type FROM pragma_table_list(?1) WHERE schema = ?2`
	sqlSrcColumns = `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?1, ?2) ORDER BY cid`
	sqlSrcIndexes = `SELECT l.name, l."unique", i.name FROM pragma_index_list(?1, ?2) l, pragma_index_info(l.name, ?2) i
WHERE l.origin <> 'pk' AND l.partial = 0 AND i.name IS NOT NULL ORDER BY l.name, i.seqno`
	sqlSrcForeignKeys = `SELECT id, "from", "table", "to", on_update, on_delete FROM pragma_foreign_key_list(?1, ?2) ORDER BY id, seq`
	sqlSrcTables      = `SELECT name FROM pragma_table_list WHERE schema = ?1 AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
)

// CatalogSQL implements dialects.SourceDialect.
func (dialect) CatalogSQL() []dialects.Statement {
	return []dialects.Statement{
		{When: "describe: the table (name, schema)", SQL: sqlSrcTable},
		{When: "describe: columns and the primary key", SQL: sqlSrcColumns},
		{When: "describe: indexes (partial ones are left out)", SQL: sqlSrcIndexes},
		{When: "describe: foreign keys", SQL: sqlSrcForeignKeys},
		{When: "migrate: the tables of a schema", SQL: sqlSrcTables},
	}
}

// srcConn is a read-only SQLite session.
type srcConn struct {
	db   *sql.DB
	c    *sql.Conn
	file string
	inTx bool
}

// OpenSource implements dialects.SourceDialect.
func (dialect) OpenSource(ctx context.Context, dsn string, env dialects.SourceEnv) (dialects.SourceConn, error) {
	driverDSN, file, err := ResolvePath(dsn, env.BaseDir)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dsn: %w", err)
	}
	if file != "" {
		if _, err := os.Stat(file); err != nil {
			return nil, fmt.Errorf("sqlite: source database %s: %w", file, err)
		}
		if !strings.HasPrefix(driverDSN, "file:") {
			driverDSN = "file:" + driverDSN
		}
		sep := "?"
		if strings.Contains(driverDSN, "?") {
			sep = "&"
		}
		driverDSN += sep + "mode=ro"
	}
	db, err := sql.Open("sqlite", driverDSN)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", file, err)
	}
	db.SetMaxOpenConns(1)
	c, err := db.Conn(ctx)
	if err == nil {
		_, err = c.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(BusyTimeout.Milliseconds(), 10))
	}
	if err != nil {
		if c != nil {
			_ = c.Close()
		}
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", file, err)
	}
	return &srcConn{db: db, c: c, file: file}, nil
}

func (s *srcConn) schema(t dialects.Table) string {
	if t.Schema == "" {
		return "main"
	}
	return t.Schema
}

// Query implements dialects.SourceConn.
func (s *srcConn) Query(ctx context.Context, q string, args ...any) ([][]any, error) {
	return dialects.QueryAll(ctx, s, q, args...)
}

// Stream implements dialects.SourceConn.
func (s *srcConn) Stream(ctx context.Context, q string, args ...any) (dialects.SourceRows, error) {
	rows, err := s.c.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", s.file, err)
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, fmt.Errorf("sqlite %s: %w", s.file, err)
	}
	return dialects.NewTypedRows(rows, len(cols), nil), nil
}

// BeginRead implements dialects.SourceConn.
func (s *srcConn) BeginRead(ctx context.Context) error {
	if _, err := s.c.ExecContext(ctx, "BEGIN"); err != nil {
		return fmt.Errorf("sqlite %s: begin: %w", s.file, err)
	}
	s.inTx = true
	return nil
}

// ShareSnapshot implements dialects.SourceConn: SQLite cannot.
func (s *srcConn) ShareSnapshot(context.Context, []dialects.Table, []dialects.SourceConn) (string, error) {
	return "", fmt.Errorf("sqlite: %w", dialects.ErrNoSharedSnapshot)
}

// Close implements dialects.SourceConn.
func (s *srcConn) Close(ctx context.Context) error {
	var err error
	if s.inTx {
		_, err = s.c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	}
	return errors.Join(err, s.c.Close(), s.db.Close())
}

// DescribeQuery implements dialects.SourceConn.
func (s *srcConn) DescribeQuery(ctx context.Context, query string) ([]dialects.SourceColumn, error) {
	rows, err := s.c.QueryContext(ctx, "SELECT * FROM "+dialect{}.Subquery(query)+" LIMIT 0")
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", s.file, err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	out := make([]dialects.SourceColumn, len(cts))
	for i, ct := range cts {
		out[i] = dialects.SourceColumn{Name: ct.Name(), NativeType: ct.DatabaseTypeName(), Nullable: true}
	}
	return out, nil
}

// DescribeSource implements dialects.SourceConn.
func (s *srcConn) DescribeSource(ctx context.Context, t dialects.Table) (*dialects.SourceTable, error) {
	schema := s.schema(t)
	rows, err := s.Query(ctx, sqlSrcTable, t.Name, schema)
	if err != nil {
		return nil, fmt.Errorf("look up table %s: %w", t, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if typ := text(rows[0][0]); typ != "table" {
		return nil, fmt.Errorf("%s is a %s, not a table", t, typ)
	}
	st := &dialects.SourceTable{Table: dialects.Table{Schema: t.Schema, Name: t.Name, SchemaQuoted: t.Schema != "", NameQuoted: true}, RowEstimate: -1}
	cols, err := s.Query(ctx, sqlSrcColumns, t.Name, schema)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", t, err)
	}
	pk := map[int64]string{}
	for _, r := range cols {
		col := dialects.SourceColumn{Name: text(r[0]), NativeType: text(r[1]), Nullable: !truthy(r[2])}
		if r[3] != nil {
			def := text(r[3])
			col.Default = &def
		}
		if n, _ := r[4].(int64); n > 0 {
			pk[n] = col.Name
		}
		st.Columns = append(st.Columns, col)
	}
	for i := int64(1); i <= int64(len(pk)); i++ {
		st.PrimaryKey = append(st.PrimaryKey, pk[i])
	}
	if len(st.PrimaryKey) == 1 {
		// INTEGER PRIMARY KEY is the rowid: SQLite's auto-increment.
		if c := st.Column(st.PrimaryKey[0]); strings.EqualFold(c.NativeType, "INTEGER") {
			c.Identity = true
		}
	}
	idx, err := s.Query(ctx, sqlSrcIndexes, t.Name, schema)
	if err != nil {
		return nil, fmt.Errorf("read indexes of %s: %w", t, err)
	}
	for _, r := range idx {
		st.AddIndexColumn(text(r[0]), truthy(r[1]), text(r[2]))
	}
	fks, err := s.Query(ctx, sqlSrcForeignKeys, t.Name, schema)
	if err != nil {
		return nil, fmt.Errorf("read foreign keys of %s: %w", t, err)
	}
	for _, r := range fks {
		id, _ := r[0].(int64)
		st.AddForeignKeyColumn(dialects.ForeignKey{Name: fmt.Sprintf("fk_%s_%d", t.Name, id),
			RefTable: dialects.Table{Schema: t.Schema, Name: text(r[2]), NameQuoted: true},
			OnUpdate: action(text(r[4])), OnDelete: action(text(r[5]))}, text(r[1]), text(r[3]))
	}
	return st, nil
}

func action(s string) string {
	if strings.EqualFold(s, "NO ACTION") {
		return ""
	}
	return strings.ToUpper(s)
}

func text(v any) string {
	s, _ := dialects.TextOf(v)
	return s
}

func truthy(v any) bool {
	n, _ := v.(int64)
	return n != 0
}

// Tables implements dialects.SourceConn.
func (s *srcConn) Tables(ctx context.Context, schema string) ([]dialects.Table, error) {
	sch := schema
	if sch == "" {
		sch = "main"
	}
	return dialects.TableList(ctx, s, schema, sqlSrcTables, sch)
}

// ReadColumn implements dialects.SourceDialect: by the declared type's
// affinity (https://sqlite.org/datatype3.html, section 3.1), with the
// names xcetl's own tables use (TEXT for decimals and times).
func (dialect) ReadColumn(t dialects.Table, c dialects.SourceColumn, o dialects.ReadOptions) (dialects.ColumnRead, error) {
	r := dialects.ColumnRead{Expr: dialects.QuoteDouble(c.Name)}
	decl := strings.ToUpper(strings.TrimSpace(c.NativeType))
	base, args, _ := strings.Cut(decl, "(")
	args, _, _ = strings.Cut(args, ")")
	nums := strings.Split(args, ",")
	arg := func(i int) int {
		if i < len(nums) {
			n, _ := strconv.Atoi(strings.TrimSpace(nums[i]))
			return n
		}
		return 0
	}
	switch {
	case strings.Contains(base, "INT"):
		r.Type, r.Decode = xcetl.Type{Kind: xcetl.KindInt}, dialects.DecodeInt
	case strings.Contains(base, "BOOL"):
		r.Type, r.Decode = xcetl.Type{Kind: xcetl.KindBool}, dialects.DecodeBool
	case strings.Contains(base, "CHAR") || strings.Contains(base, "CLOB") || strings.Contains(base, "TEXT"):
		r.Type, r.Decode = xcetl.Type{Kind: xcetl.KindString, Precision: arg(0)}, dialects.DecodeString
	case strings.Contains(base, "BLOB"):
		r.Type, r.Decode = xcetl.Type{Kind: xcetl.KindBytes}, dialects.DecodeBytes
	case strings.Contains(base, "REAL") || strings.Contains(base, "FLOA") || strings.Contains(base, "DOUB"):
		r.Type, r.Decode = xcetl.Type{Kind: xcetl.KindFloat}, dialects.DecodeFloat
	case strings.Contains(base, "DATETIME") || strings.Contains(base, "TIMESTAMP"):
		r.Type, r.Decode = xcetl.Type{Kind: xcetl.KindTimestamp}, dialects.DecodeTimestamp
	case strings.TrimSpace(base) == "DATE":
		r.Type, r.Decode = xcetl.Type{Kind: xcetl.KindDate}, dialects.DecodeDate
	case strings.Contains(base, "DECIMAL") || strings.Contains(base, "NUMERIC"):
		r.Type, r.Decode = xcetl.Type{Kind: xcetl.KindDecimal, Precision: arg(0), Scale: arg(1)}, dialects.DecodeDecimal
		if arg(0) > 0 {
			r.Decode = dialects.DecimalWithScale(arg(1))
		}
	default:
		// No declared type, or one SQLite gives NUMERIC affinity (JSON,
		// UUID, …): the values' text.
		r.Type, r.Decode = xcetl.Type{Kind: xcetl.KindString}, dialects.DecodeString
	}
	if o.Override != nil && *o.Override != r.Type {
		r.Type, r.Decode = *o.Override, dialects.TextDecoder(*o.Override)
	}
	return r, nil
}

func init() { dialects.RegisterSource(dialect{}) }
