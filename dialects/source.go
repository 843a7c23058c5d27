package dialects

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/internal/registry"
)

// The model of a table read from a source database's catalog: what a
// `type: sql` source reads, what `xcetl migrate` recreates on a target
// (columns, keys, indexes, foreign keys, identity) and what `xcetl verify`
// compares. Source dialects (dialects/mysql, dialects/oracle, and the
// source side of the loaders' dialects) fill it from their catalogs; the
// migration planner maps it to a target dialect's DDL.

// SourceTable is one table as the source catalog describes it.
type SourceTable struct {
	Table   Table
	Comment string
	Columns []SourceColumn
	// PrimaryKey names the primary key's columns in key order; nil for a
	// table without one.
	PrimaryKey []string
	// PrimaryKeyName is the constraint's name in the source ("" if the
	// database does not name it, as MySQL's PRIMARY).
	PrimaryKeyName string
	// Indexes are the unique and secondary indexes besides the primary key.
	Indexes     []SourceIndex
	ForeignKeys []ForeignKey
	// RowEstimate is the catalog's row count estimate; -1 when unknown.
	RowEstimate int64
	// Charset is the table's default character set where the database has
	// one (MySQL: latin1, gbk, utf8mb4); "" otherwise.
	Charset string
	// Engine is the table's storage engine where the database has several
	// (MySQL: InnoDB, MyISAM, Aria); "" otherwise. Only transactional
	// engines have snapshots.
	Engine string
}

// SourceColumn is one column of a SourceTable.
type SourceColumn struct {
	Name string
	// NativeType is the catalog's full type as the source writes it:
	// "tinyint(1)", "bigint unsigned", "decimal(65,30)", "datetime(6)",
	// "enum('a','b')", "character varying(64)", "NUMBER(10,2)".
	NativeType string
	// Type is how the source reads the column's values (the source
	// dialect's mapping, after the pipeline's type overrides).
	Type     xcetl.Type
	Nullable bool
	// Default is the catalog's default as an SQL expression of the source
	// database (string literals in single quotes: 'abc'; functions as
	// written: CURRENT_TIMESTAMP, nextval('s'::regclass)), nil when the
	// column has none.
	Default *string
	Comment string
	// Identity is true for auto_increment / IDENTITY / serial columns.
	Identity bool
	// Charset is the declared character set of a text column ("latin1",
	// "gbk", "utf8mb4"); "" when not applicable or the database default.
	Charset string
}

// SourceIndex is a unique or secondary index.
type SourceIndex struct {
	Name    string
	Columns []string
	Unique  bool
}

// ForeignKey is a foreign key constraint.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefTable   Table
	RefColumns []string
	// OnDelete and OnUpdate are the referential actions as SQL words
	// ("CASCADE", "SET NULL", "RESTRICT", "NO ACTION"); "" for the default.
	OnDelete, OnUpdate string
}

// Column returns the column named name, or nil.
func (t *SourceTable) Column(name string) *SourceColumn {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// # Source dialects
//
// A source dialect is what xcetl knows about reading one database: the
// `type: sql` source (package extract/sql), `xcetl migrate` and `xcetl
// verify` are written once against SourceDialect and SourceConn and never
// ask which database they read. Everything that differs — the DSN and
// driver, identifier quoting, catalog queries, how each native type is read
// and into which xcetl type, chunk and boundary queries, and how parallel
// readers share one snapshot — lives in the dialect. A source dialect may
// exist without a loader (dialects/mysql, dialects/oracle); a database that
// is both (the PostgreSQL family, SQLite, DM8) implements SourceDialect on
// its loader dialect's package.
//
// Register it in an init function:
//
//	func init() { dialects.RegisterSource(mySource{}) }
//
// What the sql source does with a source dialect, in order — implement each
// step so:
//
//  1. Static checks, without connecting (`xcetl validate`): ParseTable on
//     `table:`, CheckDSN on `dsn:`. They must not block or touch the
//     network.
//  2. OpenSource connects one session. Set the session so that values come
//     out unambiguous: a UTF-8 client character set (so that latin1 and gbk
//     columns arrive decoded), UTC as the session time zone (so that
//     MySQL's timestamp and PostgreSQL's timestamptz arrive as instants), no
//     statement or write timeouts that a slow target could trip. Errors must
//     not contain the password (xcetl.Scrubber).
//  3. DescribeSource reads the catalog into a SourceTable (columns with
//     NativeType, nullability, defaults, comments, identity; primary key,
//     indexes, foreign keys; the row estimate), or (nil, nil) when the table
//     does not exist. DescribeQuery does the same for the columns of a
//     `query:` as far as the driver's result metadata tells. The catalog
//     SQL is also returned by CatalogSQL, for golden files.
//  4. ReadColumn decides, from a column's NativeType alone (it must not
//     connect, so that it can be golden-tested for databases no test server
//     runs), how the column is read: the select expression, the xcetl type,
//     and the decoder of each value the driver returns. A type with no
//     exact reading is an error naming the table and the column, unless
//     the pipeline overrides it (ReadOptions.Override).
//  5. One reader: BeginRead starts a read-only transaction with one
//     snapshot on the reader's own session. Several readers: a coordinator
//     session's ShareSnapshot puts every reader into one snapshot, or
//     returns an error wrapping ErrNoSharedSnapshot when the database
//     cannot (the source then fails, or with `snapshot: per_reader` lets
//     each reader BeginRead on its own). Document in docs/dialects.md what
//     is guaranteed.
//  6. Chunk planning: Query runs small statements (min/max of the chunk
//     column, a boundary a number of rows further: BoundarySQL).
//  7. Stream runs one SELECT built by a Select and returns its rows one at
//     a time, never the whole result in memory: the driver's streaming
//     result set (MySQL), a single-row fetch loop (PostgreSQL streams rows
//     of a plain query), a server cursor where that is the only way.
//  8. Close ends the transaction and the session, also when the context is
//     done.
//
// Run sourcetest.Run against a real server in an integration test: it is
// the contract the sql source relies on. Add golden files for the catalog
// SQL and the type mapping (sourcetest.GoldenTypes), which is all a
// database without a test server (Oracle, DM8) can be checked by.

// SourceDialect is the static knowledge about reading one database. Its
// methods other than OpenSource must not connect anywhere; they must be
// safe for concurrent use.
type SourceDialect interface {
	// Driver is the name that selects it in a pipeline (`driver: mysql`).
	Driver() string
	// Product names the database in messages ("MySQL/MariaDB").
	Product() string
	// Quote returns ident as a quoted identifier of this database.
	Quote(ident string) string
	// ParseTable parses `table:` as this database writes names
	// (`[schema.]table`; MySQL: `[database.]table`).
	ParseTable(s string) (Table, error)
	// Placeholder returns the bind placeholder for the n-th (1-based)
	// argument of a statement given to SourceConn.Query or Stream.
	Placeholder(n int) string
	// CheckDSN checks a DSN without connecting (its form, the parameters
	// xcetl sets itself); the error must not contain the password.
	CheckDSN(dsn string) error
	// RedactDSN renders the DSN for messages, without its password.
	RedactDSN(dsn string) string
	// CatalogSQL returns the catalog statements DescribeSource runs, in
	// order, for golden files and `xcetl explain`.
	CatalogSQL() []Statement
	// ReadColumn decides how column c of table t is read (see step 4).
	ReadColumn(t Table, c SourceColumn, o ReadOptions) (ColumnRead, error)
	// Subquery renders a `query:` as a derived table that a Select can
	// read from ("(query) AS q").
	Subquery(query string) string
	// BoundarySQL returns the statement that finds the value of column
	// col `offset` rows after the value bound to placeholder ph, in column
	// order, over the rows that match where (already rendered with the
	// placeholders before ph; "" for none): it plans the chunks of a column
	// that is not a dense integer. Most dialects return
	// LimitOffsetBoundary.
	BoundarySQL(from, col, where, ph string, offset int64) string
	// OpenSource connects one session for reading.
	OpenSource(ctx context.Context, dsn string, env SourceEnv) (SourceConn, error)
}

// SourceEnv is what OpenSource gets besides the DSN.
type SourceEnv struct {
	// Logger receives notes (server version, detected modes). Never nil
	// when called by the sql source.
	Logger *slog.Logger
	// BaseDir is the pipeline file's directory (SQLite paths).
	BaseDir string
}

// SourceConn is one session of a source database, used from one goroutine
// at a time.
type SourceConn interface {
	// DescribeSource returns the catalog's description of table t, or
	// (nil, nil) when it does not exist. t.Schema "" is the session's
	// default schema (MySQL: the DSN's database). Names are matched as
	// the database stores them.
	DescribeSource(ctx context.Context, t Table) (*SourceTable, error)
	// DescribeQuery returns the columns of a `query:` from the driver's
	// result metadata, without reading its rows.
	DescribeQuery(ctx context.Context, query string) ([]SourceColumn, error)
	// Tables lists the base tables of schema ("" = the default schema),
	// sorted by name (for migrations).
	Tables(ctx context.Context, schema string) ([]Table, error)
	// BeginRead starts a read-only transaction with one snapshot.
	BeginRead(ctx context.Context) error
	// ShareSnapshot puts every reader into one snapshot, using this
	// session as the coordinator (which does not read rows itself), for
	// the tables listed (nil for a `query:`: the dialect decides whether it
	// can still share). It returns what holds, for the run's log, or an
	// error wrapping ErrNoSharedSnapshot.
	ShareSnapshot(ctx context.Context, tables []Table, readers []SourceConn) (string, error)
	// Query runs a statement with a small result and returns every row,
	// values as Stream's rows give them.
	Query(ctx context.Context, sql string, args ...any) ([][]any, error)
	// Stream runs a statement and returns its rows one at a time.
	Stream(ctx context.Context, sql string, args ...any) (SourceRows, error)
	// Close ends any transaction and the session.
	Close(ctx context.Context) error
}

// SourceRows are the rows of one Stream.
type SourceRows interface {
	// Next advances to the next row; false at the end or on error.
	Next() bool
	// Values returns the current row: nil for NULL, otherwise what the
	// driver gives ([]byte of the text form for MySQL and the PostgreSQL
	// family; int64, float64, string, []byte, time.Time for others). The
	// slice and []byte values are valid only until the next call of Next:
	// ColumnRead.Decode copies what it keeps.
	Values() []any
	// Err is the error that ended Next, if any.
	Err() error
	// Close releases the result; safe to call twice.
	Close() error
}

// ErrNoSharedSnapshot is wrapped by ShareSnapshot when the database cannot
// put several sessions into one snapshot.
var ErrNoSharedSnapshot = errors.New("the database cannot share one snapshot between sessions")

// ReadOptions are the pipeline's choices that change how a column is read.
type ReadOptions struct {
	// Override is the xcetl type the pipeline asked for this column's
	// native type (`types: {"tinyint(1)": bool}`), nil for the mapping's
	// own choice. A dialect honours it when it can read the native type
	// exactly as that type, and refuses it otherwise.
	Override *xcetl.Type
	// ZeroDates is what a MySQL zero date ('0000-00-00', or a date with a
	// zero month or day) becomes: ZeroDateReject (default) or
	// ZeroDateNull.
	ZeroDates ZeroDatePolicy
}

// ZeroDatePolicy says what happens to a date the database stores but no
// calendar has (MySQL's 0000-00-00).
type ZeroDatePolicy uint8

// The zero date policies.
const (
	// ZeroDateReject rejects the row, naming the column and the value.
	ZeroDateReject ZeroDatePolicy = iota
	// ZeroDateNull reads the value as NULL.
	ZeroDateNull
)

// ErrRejectValue is wrapped by ColumnRead.Decode errors about one value
// that the row should be rejected for (a zero date, a value outside what
// the column's type can hold); other decode errors end the run.
var ErrRejectValue = errors.New("value cannot be read")

// ColumnRead is how one source column is read.
type ColumnRead struct {
	// Expr is the select expression (the quoted column, or an expression
	// over it such as a cast to text), without an alias.
	Expr string
	// Type is the xcetl type of the values.
	Type xcetl.Type
	// Decode turns one non-NULL value from SourceRows.Values into an xcetl
	// value of Type (a copy, not a reference into the driver's buffer).
	// Errors wrapping ErrRejectValue reject the row.
	Decode func(v any) (any, error)
	// Text, when set, decodes the text of a value of TextRows, given as a
	// string that may share memory with the batch's other values (what it
	// returns may keep it): the same result as Decode of that text.
	// Readers use it when the rows are TextRows.
	Text func(s string) (any, error)
}

// UnsupportedTypeError is ReadColumn's error for a native type with no
// exact reading.
type UnsupportedTypeError struct {
	Table      Table
	Column     string
	NativeType string
	// Hint says how to read it anyway (an override, leaving it out).
	Hint string
}

func (e *UnsupportedTypeError) Error() string {
	where := "table " + e.Table.String()
	if e.Table.Name == "" {
		where = "query"
	}
	msg := fmt.Sprintf("%s column %q: type %s has no exact reading", where, e.Column, e.NativeType)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

var sourcesByName = registry.New[SourceDialect]("source dialects")

// RegisterSource makes d available under d.Driver(). It panics if d is nil
// or the name is taken.
func RegisterSource(d SourceDialect) {
	if d == nil {
		panic("dialects: RegisterSource dialect is nil")
	}
	sourcesByName.Register(d.Driver(), d)
}

// LookupSource returns the source dialect registered under driver.
func LookupSource(driver string) (SourceDialect, bool) { return sourcesByName.Lookup(driver) }

// SourceNames returns the registered source drivers, sorted.
func SourceNames() []string { return sourcesByName.Names() }

// AddIndexColumn appends col to the index name of t, starting the index
// when the catalog's rows move on to another one (rows come ordered by
// index, then by the column's position in it).
func (t *SourceTable) AddIndexColumn(name string, unique bool, col string) {
	if n := len(t.Indexes); n == 0 || t.Indexes[n-1].Name != name {
		t.Indexes = append(t.Indexes, SourceIndex{Name: name, Unique: unique})
	}
	ix := &t.Indexes[len(t.Indexes)-1]
	ix.Columns = append(ix.Columns, col)
}

// AddForeignKeyColumn appends a column pair to the foreign key fk of t,
// starting it (with its referenced table and actions) when the catalog's
// rows move on to another one.
func (t *SourceTable) AddForeignKeyColumn(fk ForeignKey, col, refCol string) {
	if n := len(t.ForeignKeys); n == 0 || t.ForeignKeys[n-1].Name != fk.Name {
		fk.Columns, fk.RefColumns = nil, nil
		t.ForeignKeys = append(t.ForeignKeys, fk)
	}
	last := &t.ForeignKeys[len(t.ForeignKeys)-1]
	last.Columns = append(last.Columns, col)
	last.RefColumns = append(last.RefColumns, refCol)
}
