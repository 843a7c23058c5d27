// Package sqlite registers the "sqlite" dialect, the embedded default
// target, on modernc.org/sqlite (pure Go, driver name "sqlite").
//
// The DSN is a file path, relative to the pipeline file's directory, whose
// parent directories are created; `file:` URIs (file:data/x.db?mode=rwc)
// are accepted too. Every connection sets busy_timeout (5 s),
// journal_mode=WAL and foreign_keys=ON.
//
// Types are stored so that nothing is lost: decimals as TEXT holding the
// exact digits (SQLite's NUMERIC affinity would turn them into binary
// floating point), bools as INTEGER 0/1, dates as TEXT 'YYYY-MM-DD',
// timestamps as TEXT 'YYYY-MM-DD HH:MM:SS[.ffffff]', timestamptz with its
// offset ('+08:00'; UTC when the offset has seconds, as old local mean
// times do) — the forms SQLite's date and time functions read.
//
// The bulk path is one transaction of prepared multi-row INSERTs; upsert is
// INSERT … ON CONFLICT (key) DO UPDATE SET c = excluded.c directly, without
// a staging table; replace is DELETE FROM inside the run's transaction.
// Identifiers are not folded: SQLite matches them ignoring ASCII case.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/internal/safefile"
)

// MaxParams is the most bind parameters one statement may have
// (SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32).
const MaxParams = 32766

// RowsPerInsert is how many rows one INSERT statement carries at most
// (fewer for wide tables, so that rows × columns ≤ MaxParams). Measured with
// BenchmarkRowsPerInsert (200k rows × 10 columns, best of 3, rows/s): 1 →
// 208k, 10 → 224k, 50 → 242k, 100 → 289k, 250 → 294k, 500 → 295k, 1000 →
// 286k (median 207k), 3000 → 201k. 100–500 is the plateau; bigger
// statements lose again.
const RowsPerInsert = 250

// rowsPerInsert is RowsPerInsert, variable for the benchmark that chose it.
var rowsPerInsert = RowsPerInsert

// BusyTimeout is how long a connection waits for another writer's lock.
const BusyTimeout = 5 * time.Second

// Dialect is the sqlite dialect, registered under "sqlite".
var Dialect dialects.Dialect = dialect{}

func init() { dialects.Register(Dialect) }

type dialect struct{}

// Name implements dialects.Dialect.
func (dialect) Name() string { return "sqlite" }

// Fold implements dialects.Dialect: SQLite keeps names as written and
// compares them ignoring ASCII case, so folding would only change how
// created tables look.
func (dialect) Fold(ident string) string { return ident }

// Quote implements dialects.Dialect.
func (dialect) Quote(ident string) string { return dialects.QuoteDouble(ident) }

// Placeholder implements dialects.Dialect.
func (dialect) Placeholder(int) string { return "?" }

// CheckIdent implements dialects.Dialect.
func (dialect) CheckIdent(ident string) error {
	switch {
	case ident == "":
		return errors.New("empty identifier")
	case strings.IndexByte(ident, 0) >= 0:
		return fmt.Errorf("identifier %q contains a NUL byte", ident)
	case !utf8.ValidString(ident):
		return fmt.Errorf("identifier %q is not valid UTF-8", ident)
	}
	return nil
}

// ParseTable implements dialects.Dialect. The schema part names an
// attached database ("main", "temp", …).
func (d dialect) ParseTable(s string) (dialects.Table, error) {
	t, err := dialects.SplitTable(s)
	if err != nil {
		return t, err
	}
	if err := d.CheckIdent(t.Name); err != nil {
		return t, err
	}
	if strings.HasPrefix(strings.ToLower(t.Name), "sqlite_") {
		return t, fmt.Errorf("table names starting with sqlite_ are reserved by SQLite: %q", t.Name)
	}
	return t, nil
}

// AnalyzeSQL implements dialects.Analyzer.
func (d dialect) AnalyzeSQL(t dialects.Table) string {
	return "ANALYZE " + dialects.QualifiedName(d, t)
}

// ColumnType implements dialects.Dialect.
func (dialect) ColumnType(t xcetl.Type) (string, error) {
	switch t.Kind {
	case xcetl.KindString, xcetl.KindDecimal, xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		return "TEXT", nil
	case xcetl.KindInt, xcetl.KindBool:
		return "INTEGER", nil
	case xcetl.KindFloat:
		return "REAL", nil
	case xcetl.KindBytes:
		return "BLOB", nil
	}
	return "", fmt.Errorf("sqlite has no column type for %s", t)
}

// CreateTable implements dialects.Dialect.
func (d dialect) CreateTable(t dialects.Table, cols []dialects.Column, key []string) (string, error) {
	return dialects.CreateTableSQL(d, t, cols, key)
}

// OptionSpec implements dialects.Dialect: sqlite has no keys of its own.
func (dialect) OptionSpec() any { return nil }

// plan is every statement of a writer.
type plan struct {
	clear   string
	prefix  string // INSERT INTO t (cols) VALUES
	tuple   string // (?, ?, ?)
	suffix  string // ON CONFLICT … or ""
	perStmt int
	ncols   int
	// cdc: DELETE … WHERE (key) IN (VALUES (?, …), …), prefix and tuple.
	delPrefix, delTuple string
	keyIdx              []int // key columns' positions among the columns
	perDel              int
}

func (d dialect) plan(t dialects.Target) (*plan, error) {
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("sqlite: table %s: no columns to write", t.Table)
	}
	table := dialects.QualifiedName(d, t.Table)
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	p := &plan{ncols: len(names)}
	p.prefix = "INSERT INTO " + table + " (" + dialects.QuoteList(d, "", names) + ") VALUES "
	p.tuple = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")"
	p.perStmt = min(rowsPerInsert, MaxParams/len(names))
	if p.perStmt < 1 {
		return nil, fmt.Errorf("sqlite: table %s: %d columns exceed SQLite's %d bind parameters", t.Table, len(names), MaxParams)
	}
	switch t.Mode {
	case dialects.Append:
	case dialects.Replace:
		p.clear = "DELETE FROM " + table
	case dialects.Upsert, dialects.CDC:
		if len(t.Key) == 0 {
			return nil, fmt.Errorf("sqlite: %s into %s needs a key", t.Mode, t.Table)
		}
		if t.Mode == dialects.CDC {
			for _, k := range t.Key {
				for j, n := range names {
					if n == k {
						p.keyIdx = append(p.keyIdx, j)
					}
				}
			}
			if len(p.keyIdx) != len(t.Key) {
				return nil, fmt.Errorf("sqlite: key %v is not among the columns written", t.Key)
			}
			keys := dialects.QuoteList(d, "", t.Key)
			if len(t.Key) > 1 {
				keys = "(" + keys + ")"
			}
			p.delPrefix = "DELETE FROM " + table + " WHERE " + keys + " IN (VALUES "
			p.delTuple = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.Key)), ", ") + ")"
			p.perDel = min(rowsPerInsert, MaxParams/len(t.Key))
		}
		isKey := map[string]bool{}
		for _, k := range t.Key {
			isKey[k] = true
		}
		var set []string
		for _, n := range names {
			if !isKey[n] {
				set = append(set, d.Quote(n)+" = excluded."+d.Quote(n))
			}
		}
		p.suffix = " ON CONFLICT (" + dialects.QuoteList(d, "", t.Key) + ") "
		if len(set) == 0 {
			p.suffix += "DO NOTHING"
		} else {
			p.suffix += "DO UPDATE SET " + strings.Join(set, ", ")
		}
	default:
		return nil, fmt.Errorf("sqlite: mode %s is not supported", t.Mode)
	}
	return p, nil
}

// del renders the DELETE by key of rows keys (mode cdc).
func (p *plan) del(rows int) string {
	var b strings.Builder
	b.WriteString(p.delPrefix)
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.delTuple)
	}
	b.WriteString(")")
	return b.String()
}

func (p *plan) insert(rows int) string {
	var b strings.Builder
	b.Grow(len(p.prefix) + rows*(len(p.tuple)+2) + len(p.suffix))
	b.WriteString(p.prefix)
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.tuple)
	}
	b.WriteString(p.suffix)
	return b.String()
}

// Explain implements dialects.Dialect.
func (d dialect) Explain(t dialects.Target) ([]dialects.Statement, error) {
	p, err := d.plan(t)
	if err != nil {
		return nil, err
	}
	var out []dialects.Statement
	if p.clear != "" {
		out = append(out, dialects.Statement{When: "once at start (replace: empties the table inside the run's transaction)", SQL: p.clear})
	}
	if p.delPrefix != "" {
		out = append(out, dialects.Statement{
			When: fmt.Sprintf("per batch (cdc: rows whose last event is a delete), for every %d keys; shown for 2 keys", p.perDel),
			SQL:  p.del(2),
		})
	}
	out = append(out, dialects.Statement{
		When: fmt.Sprintf("per batch, prepared once and run for every %d rows (a shorter statement for the rest); shown for 2 rows", p.perStmt),
		SQL:  p.insert(2),
	})
	return out, nil
}

// ResolvePath returns the driver DSN and the database file for a
// configured DSN: a path relative to baseDir, or a file: URI whose
// relative path is relative to baseDir.
func ResolvePath(dsn, baseDir string) (driverDSN, file string, err error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return "", "", errors.New("empty path")
	}
	if dsn == ":memory:" {
		return dsn, "", nil
	}
	if rest, ok := strings.CutPrefix(dsn, "file:"); ok {
		path, query, _ := strings.Cut(rest, "?")
		if strings.HasPrefix(path, "///") {
			path = path[2:]
		} else if strings.HasPrefix(path, "//localhost/") {
			path = path[len("//localhost"):]
		} else if strings.HasPrefix(path, "//") {
			return "", "", fmt.Errorf("file URI %q names a host; use file:/path or file:relative/path", dsn)
		}
		if path == "" || path == ":memory:" || strings.Contains(query, "mode=memory") {
			return dsn, "", nil
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(baseDir, path)
		}
		out := "file:" + path
		if query != "" {
			out += "?" + query
		}
		return out, path, nil
	}
	path := dsn
	if !filepath.IsAbs(path) {
		path = filepath.Join(baseDir, path)
	}
	return path, path, nil
}

// prepareFile makes sure the database file is safe to open: a symbolic
// link there is refused (planted, it would send the rows — personal data —
// wherever it points), and a missing file is created with mode 0600, so
// that the data and SQLite's journal files (which take the database's
// mode) are the owner's only. SQLite itself opens its journal and WAL files
// with O_NOFOLLOW.
func prepareFile(file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("sqlite: create the directory of %s: %w", file, err)
	}
	fi, err := os.Lstat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := safefile.CreateNew(file, 0o600); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("sqlite: create %s: %w", file, err)
		} else if err != nil {
			return prepareFile(file) // another run created it just now: check what is there
		}
		return nil
	case err != nil:
		return fmt.Errorf("sqlite: %s: %w", file, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("sqlite: %s is a symbolic link; xcetl does not write a database through a link: give the path of the database file itself", file)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("sqlite: %s is not a regular file (%s)", file, fi.Mode().Type())
	}
	return nil
}

// Open implements dialects.Dialect.
func (d dialect) Open(ctx context.Context, dsn string, env dialects.Env) (dialects.Conn, error) {
	driverDSN, file, err := ResolvePath(dsn, env.BaseDir)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dsn: %w", err)
	}
	if file != "" {
		if err := prepareFile(file); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", driverDSN)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", file, err)
	}
	db.SetMaxOpenConns(1)
	c, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", file, err)
	}
	cn := &conn{db: db, c: c, file: file}
	for _, pragma := range []string{
		"PRAGMA busy_timeout = " + strconv.FormatInt(BusyTimeout.Milliseconds(), 10),
		"PRAGMA journal_mode = WAL",
		"PRAGMA foreign_keys = ON",
	} {
		if _, err := c.ExecContext(ctx, pragma); err != nil {
			_ = cn.Close(ctx)
			return nil, fmt.Errorf("sqlite: %s on %s: %w", pragma, file, err)
		}
	}
	return cn, nil
}

// conn is one SQLite connection. Transactions are plain BEGIN/COMMIT on
// it, so that statements prepared once stay usable across the batches of
// commit: batch.
type conn struct {
	db   *sql.DB
	c    *sql.Conn
	file string
	inTx bool
}

// Describe implements dialects.Conn.
func (c *conn) Describe(ctx context.Context, t dialects.Table) (*dialects.TableInfo, error) {
	schema := "main"
	if t.Schema != "" {
		schema = t.Schema
	}
	q := dialects.QuoteDouble(schema)
	rows, err := c.Query(ctx, "SELECT type, name FROM "+q+".sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE", t.Name)
	if err != nil {
		return nil, fmt.Errorf("look up table %s: %w", t, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if typ, _ := rows[0][0].(string); typ != "table" {
		return nil, fmt.Errorf("%s is a %s, not a table", t, typ)
	}
	name, _ := rows[0][1].(string)
	info := &dialects.TableInfo{Table: dialects.Table{Schema: t.Schema, Name: name}}
	cols, err := c.Query(ctx, "PRAGMA "+q+".table_info("+dialects.QuoteDouble(name)+")")
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", t, err)
	}
	type pkCol struct {
		pos  int64
		name string
	}
	var pk []pkCol
	for _, r := range cols {
		// cid, name, type, notnull, dflt_value, pk
		col := dialects.CatalogColumn{Name: asString(r[1]), Type: asString(r[2]), Nullable: asInt(r[3]) == 0}
		info.Columns = append(info.Columns, col)
		if p := asInt(r[5]); p > 0 {
			pk = append(pk, pkCol{p, col.Name})
		}
	}
	info.PrimaryKey = make([]string, len(pk))
	for _, p := range pk {
		if int(p.pos) <= len(pk) {
			info.PrimaryKey[p.pos-1] = p.name
		}
	}
	idx, err := c.Query(ctx, "PRAGMA "+q+".index_list("+dialects.QuoteDouble(name)+")")
	if err != nil {
		return nil, fmt.Errorf("read indexes of %s: %w", t, err)
	}
	for _, r := range idx {
		// seq, name, unique, origin, partial
		if asInt(r[2]) != 1 || asString(r[3]) == "pk" || (len(r) > 4 && asInt(r[4]) != 0) {
			continue
		}
		ic, err := c.Query(ctx, "PRAGMA "+q+".index_info("+dialects.QuoteDouble(asString(r[1]))+")")
		if err != nil {
			return nil, fmt.Errorf("read index %s of %s: %w", asString(r[1]), t, err)
		}
		var u []string
		for _, x := range ic {
			u = append(u, asString(x[2]))
		}
		info.Unique = append(info.Unique, u)
	}
	return info, nil
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// Begin implements dialects.Conn. IMMEDIATE takes the write lock at once,
// so that two writers wait (busy_timeout) instead of deadlocking on a lock
// upgrade.
func (c *conn) Begin(ctx context.Context) error {
	if _, err := c.c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlite %s: begin: %w", c.file, err)
	}
	c.inTx = true
	return nil
}

// Commit implements dialects.Conn.
func (c *conn) Commit(ctx context.Context) error {
	c.inTx = false
	if _, err := c.c.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqlite %s: commit: %w", c.file, err)
	}
	return nil
}

// Rollback implements dialects.Conn.
func (c *conn) Rollback(ctx context.Context) error {
	if !c.inTx {
		return nil
	}
	c.inTx = false
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := c.c.ExecContext(ctx, "ROLLBACK"); err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		return fmt.Errorf("sqlite %s: rollback: %w", c.file, err)
	}
	return nil
}

// Exec implements dialects.Conn.
func (c *conn) Exec(ctx context.Context, query string, args ...any) error {
	if _, err := c.c.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("sqlite %s: %w", c.file, err)
	}
	return nil
}

// Query implements dialects.Conn.
func (c *conn) Query(ctx context.Context, query string, args ...any) ([][]any, error) {
	rows, err := c.c.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", c.file, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		r := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range r {
			ptrs[i] = &r[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("sqlite %s: %w", c.file, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", c.file, err)
	}
	return out, nil
}

// Close implements dialects.Conn.
func (c *conn) Close(ctx context.Context) error {
	err := c.c.Close()
	return errors.Join(err, c.db.Close())
}

// NewWriter implements dialects.Conn.
func (c *conn) NewWriter(ctx context.Context, t dialects.Target) (dialects.Writer, error) {
	p, err := Dialect.(dialect).plan(t)
	if err != nil {
		return nil, err
	}
	if p.clear != "" {
		if err := c.Exec(ctx, p.clear); err != nil {
			return nil, fmt.Errorf("replace: empty %s: %w", t.Table, err)
		}
	}
	w := &writer{c: c, p: p, kinds: make([]xcetl.Kind, len(t.Columns)), names: make([]string, len(t.Columns)), stmts: map[int]*sql.Stmt{}}
	for i, col := range t.Columns {
		w.kinds[i], w.names[i] = col.Type.Kind, col.Name
	}
	return w, nil
}

type writer struct {
	c     *conn
	p     *plan
	kinds []xcetl.Kind
	names []string
	stmts map[int]*sql.Stmt // by rows per statement; used from Write only
}

// argsPayload is a batch as flat bind arguments, row after row.
type argsPayload struct {
	args []any
	rows int
	// cdc: the key arguments of the rows to delete, and the payload rows
	// of both lists (for error messages).
	delArgs       []any
	upRow, delRow []int
}

// Encode implements dialects.Writer: values become what SQLite stores.
func (w *writer) Encode(b *xcetl.Batch, rows []int) (any, error) {
	n := len(b.Rows)
	if rows != nil {
		n = len(rows)
	}
	args := make([]any, 0, n*len(w.kinds))
	p := &argsPayload{}
	cdc := w.p.delPrefix != ""
	for i := 0; i < n; i++ {
		r := i
		if rows != nil {
			r = rows[i]
		}
		row := b.Rows[r]
		if len(row) != len(w.kinds) {
			return nil, &dialects.RowError{Row: i, Err: fmt.Errorf("has %d values for %d columns", len(row), len(w.kinds))}
		}
		if cdc && b.Ops != nil && b.Ops[r] == xcetl.OpDelete {
			for _, j := range w.p.keyIdx {
				a, err := Value(row[j], w.kinds[j])
				if err != nil {
					return nil, &dialects.RowError{Row: i, Column: w.names[j], Err: err}
				}
				p.delArgs = append(p.delArgs, a)
			}
			p.delRow = append(p.delRow, i)
			continue
		}
		if cdc {
			p.upRow = append(p.upRow, i)
		}
		for j, v := range row {
			a, err := Value(v, w.kinds[j])
			if err != nil {
				return nil, &dialects.RowError{Row: i, Column: w.names[j], Err: err}
			}
			args = append(args, a)
		}
	}
	p.args, p.rows = args, len(args)/len(w.kinds)
	return p, nil
}

// Value converts a batch value of kind k into what SQLite stores.
func Value(v any, k xcetl.Kind) (any, error) {
	switch x := v.(type) {
	case nil, string, int64, float64, []byte:
		return v, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case xcetl.Decimal:
		return string(x), nil
	case time.Time:
		if k == xcetl.KindTimestampTZ {
			// Keep the value's own offset (readable: +08:00) unless it has
			// seconds, which the ±hh:mm form would drop (LMT zones).
			if _, off := x.Zone(); off%60 != 0 {
				x = x.UTC()
			}
		}
		return string(xcetl.AppendText(make([]byte, 0, 32), x, k)), nil
	case int:
		return int64(x), nil
	}
	return nil, fmt.Errorf("unsupported value of Go type %T", v)
}

func (w *writer) stmt(ctx context.Context, rows int) (*sql.Stmt, error) {
	if s, ok := w.stmts[rows]; ok {
		return s, nil
	}
	s, err := w.c.c.PrepareContext(ctx, w.p.insert(rows))
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: prepare insert: %w", w.c.file, err)
	}
	if len(w.stmts) > 8 { // odd remainders: keep the cache small
		for k, old := range w.stmts {
			if k != w.p.perStmt {
				_ = old.Close()
				delete(w.stmts, k)
			}
		}
	}
	w.stmts[rows] = s
	return s, nil
}

// Write implements dialects.Writer.
func (w *writer) Write(ctx context.Context, payload any) error {
	p, ok := payload.(*argsPayload)
	if !ok {
		return fmt.Errorf("payload of type %T was not made by this writer", payload)
	}
	if err := w.deleteKeys(ctx, p); err != nil {
		return err
	}
	if err := w.insert(ctx, p); err != nil {
		var re *dialects.RowError
		if p.upRow != nil && errors.As(err, &re) && re.Row < len(p.upRow) {
			re.Row = p.upRow[re.Row]
		}
		return err
	}
	return nil
}

// deleteKeys deletes the rows of a cdc payload whose last event is a
// delete.
func (w *writer) deleteKeys(ctx context.Context, p *argsPayload) error {
	nk := len(w.p.keyIdx)
	for start := 0; start < len(p.delRow); start += w.p.perDel {
		n := min(w.p.perDel, len(p.delRow)-start)
		if _, err := w.c.c.ExecContext(ctx, w.p.del(n), p.delArgs[start*nk:(start+n)*nk]...); err != nil {
			if n == 1 {
				return &dialects.RowError{Row: p.delRow[start], Err: err}
			}
			return fmt.Errorf("sqlite %s: delete by key: %w", w.c.file, err)
		}
	}
	return nil
}

// insert runs the prepared multi-row INSERTs of a payload.
func (w *writer) insert(ctx context.Context, p *argsPayload) error {
	nc := w.p.ncols
	for start := 0; start < p.rows; start += w.p.perStmt {
		n := min(w.p.perStmt, p.rows-start)
		s, err := w.stmt(ctx, n)
		if err != nil {
			return err
		}
		if _, err := s.ExecContext(ctx, p.args[start*nc:(start+n)*nc]...); err != nil {
			return w.findRow(ctx, p, start, n, err)
		}
	}
	return nil
}

// findRow runs the rows of a failed statement one at a time to tell which
// row failed. The statement was aborted as a whole (SQLite's default
// conflict resolution), and the transaction is rolled back by the caller.
func (w *writer) findRow(ctx context.Context, p *argsPayload, start, n int, stmtErr error) error {
	if ctx.Err() != nil || n == 1 {
		if n == 1 {
			return &dialects.RowError{Row: start, Err: stmtErr}
		}
		return fmt.Errorf("sqlite %s: insert: %w", w.c.file, stmtErr)
	}
	s, err := w.stmt(ctx, 1)
	if err != nil {
		return fmt.Errorf("sqlite %s: insert: %w", w.c.file, stmtErr)
	}
	nc := w.p.ncols
	for i := start; i < start+n; i++ {
		if _, err := s.ExecContext(ctx, p.args[i*nc:(i+1)*nc]...); err != nil {
			return &dialects.RowError{Row: i, Err: err}
		}
	}
	return fmt.Errorf("sqlite %s: insert: %w", w.c.file, stmtErr)
}
