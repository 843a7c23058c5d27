// Package dialects holds every difference between the databases xcetl
// loads into, behind one interface, and the registry of dialects by target
// type name ("postgres", "opengauss", "kingbase", "sqlite", …).
//
// The SQL loader (package load) is written once against Dialect, Conn and
// Writer; it never asks which database it talks to. Everything that differs
// — identifier folding and quoting, type mapping, DDL, the bulk path, the
// upsert statement, how replace is made atomic, catalog queries, drivers and
// DSNs — lives in a dialect package. Nothing outside dialects/ switches on a
// dialect name.
//
// # Writing a dialect
//
// A dialect is a package that registers a value implementing Dialect in an
// init function:
//
//	func init() { dialects.Register(myDialect{}) }
//
// and is linked into the binary by a blank import (in cmd/ or an all
// package). A dialect for a PostgreSQL-derived database should not start
// from scratch: configure dialects/pgfamily (see dialects/kingbase for a
// complete example in about a hundred lines).
//
// What the loader does with a dialect, in order — implement each step so:
//
//  1. Static checks, without connecting (`xcetl validate` and `xcetl
//     explain` stop here): ParseTable on the configured table, Fold and
//     CheckIdent on every name it will create, the Check method of its
//     OptionSpec for the dialect-specific target keys, ColumnType and CreateTable for
//     `create: if_missing`, and Explain for the statements of a run. These
//     must not block or touch the network.
//  2. Open connects (Conn). Detect server modes that change SQL here (for
//     example KingbaseES's database_mode) and remember them in the Conn.
//     Connection errors must not contain the password: scrub them with
//     xcetl.Scrubber.
//  3. Describe reports an existing table's columns and keys, or (nil, nil)
//     when the table does not exist. The loader resolves names itself: it
//     calls Describe with the name as written and, if that finds nothing
//     and the name was not quoted, again with the folded name.
//  4. Begin, for `commit: run`, opens the one transaction of the whole run;
//     CREATE TABLE (from CreateTable, run through Exec) and NewWriter happen
//     inside it. If DDL commits implicitly on your database, implement
//     DDLAutoCommitter so that the loader creates the table before Begin
//     and drops it again on Rollback.
//  5. NewWriter runs the statements Explain lists as "once at start" (a
//     staging table, replace's clearing of the table) and returns the
//     Writer for the run. replace must clear the table inside the run's
//     transaction, so that a failed run leaves it unchanged; if your
//     database cannot (DM8's TRUNCATE commits), clear with DELETE.
//  6. Writer.Encode is called once per batch, concurrently on several
//     goroutines, after the loader has rejected rows with a NULL key and,
//     for upsert, picked the last row of each key: encode the rows it names
//     for your bulk path (COPY text, flat driver arguments, …). Do the
//     expensive work here, not in Write; do not keep references to the
//     batch's buffers beyond the payload. Values your database cannot
//     store at all are the RowChecker's business: return ErrCheckRows.
//  7. Writer.Write loads one encoded payload, in batch order, on one
//     goroutine, inside the run's transaction (commit: run) or inside a
//     transaction the loader opened for this batch (commit: batch). Errors
//     about one row should be a *RowError so that the loader can name the
//     source file and line. The payload is the Writer's again after Write
//     returns (buffers may be recycled).
//  8. Commit or Rollback, then Close, which must release the connection
//     even when the context is done.
//
// # Holding work back within the run's transaction
//
// With `commit: run` — or `commit: batch` with `commit_every` above 1,
// where several batches share a transaction — the loader sets
// Target.Defer: nothing a Write does is visible before COMMIT anyway, so a
// Writer that also implements Flusher
// may hold work back between Writes — stream the payloads of many batches
// into one COPY that stays open, stage the rows of an upsert and apply
// them with one statement for the whole run. The loader then calls Flush
// before Commit and whenever rows must reach the table before the next
// payload's (an upsert batch that repeats a key already written since the
// last Flush: applying both in one statement would fail or pick either).
// The connection must still keep its promises on its own: a statement run
// through Exec or Query first ends an open COPY, Commit applies what is
// held (or fails), and Rollback or Close discard it. Errors about rows of
// a payload held back name it by RowError.Payload; a Flusher holds back
// at most MaxHeldPayloads payloads, so that the loader can still say which
// source row it was. Without Target.Defer (commit: batch, one batch per
// transaction) every Write is complete when it returns, as each batch
// commits on its own.
//
// # Mode cdc and delete by key
//
// In mode cdc (Target.Mode == CDC) each row carries its own operation in
// b.Ops (nil Ops means every row is an insert): xcetl.OpInsert and
// xcetl.OpUpdate mean "upsert this row by the key", xcetl.OpDelete means
// "delete the row with this key" (only the key values of a delete row are
// meaningful; the others may be NULL). An update that changes the key
// arrives as a delete of the old key followed by an upsert of the new one
// (change sources split it). Before Encode the loader has:
//   - collapsed the events of one key to the last one, so that every key
//     appears at most once among the rows Encode is given (which is what
//     lets a writer apply deletes and upserts of one batch in any order,
//     or with set-based statements);
//   - rejected rows with a NULL key, and checked NOT NULL columns only for
//     rows that are not deletes.
//
// The Writer applies a payload inside the transaction the loader opened:
// the PostgreSQL family COPYs the rows with an op column into its staging
// table, then runs DELETE … WHERE EXISTS (stage, op 'd') and the upsert
// statement restricted to the other rows; DM8 runs a parameterised
// DELETE by key and its MERGE; SQLite runs DELETE by key and INSERT … ON
// CONFLICT. Explain lists these statements like any others. A dialect that
// cannot delete by key returns an error from Explain and NewWriter for
// mode cdc.
//
// # Drivers behind build tags
//
// A dialect whose driver cannot be part of the default build (DM8's driver
// is not on the public module proxy) still registers, so that `xcetl
// validate` and `xcetl explain` work, and implements DriverChecker: the
// loader calls it before the run reads any source and fails with the
// instruction to rebuild.
//
// Run dialecttest.Run against a real server in an integration test: it is
// the contract the loader relies on. Add golden SQL files (dialecttest.
// Golden) for every statement the dialect emits, including those no test
// server can run.
package dialects

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/internal/registry"
)

// Dialect is the static knowledge about one database: how to name, type and
// write things. Its methods other than Open must not connect anywhere; they
// must be safe for concurrent use.
type Dialect interface {
	// Name is the target type that selects the dialect in a pipeline
	// (`target.type`), e.g. "postgres".
	Name() string

	// Fold returns the name the database stores for an unquoted
	// identifier: ASCII lower case for the PostgreSQL family, upper case
	// for DM8, unchanged for SQLite. Tables and columns that xcetl creates
	// get folded names (always quoted), so that users can write them
	// unquoted in their own SQL.
	Fold(ident string) string
	// Quote returns ident as a quoted identifier, always quoted and with
	// the quote character doubled inside, so that reserved words, Chinese
	// and mixed-case names are safe.
	Quote(ident string) string
	// CheckIdent reports why ident cannot be created as given (too long,
	// empty, forbidden bytes) instead of letting the database truncate or
	// mangle it silently.
	CheckIdent(ident string) error
	// ParseTable parses `target.table`, written `[schema.]table` with
	// optional double quotes around either part (a quoted part is used
	// exactly, never folded). Most dialects use SplitTable.
	ParseTable(s string) (Table, error)
	// Placeholder returns the bind placeholder for the n-th (1-based)
	// argument of a statement given to Conn.Exec or Conn.Query: "$1", "?".
	Placeholder(n int) string

	// ColumnType returns the column type CREATE TABLE uses for t.
	ColumnType(t xcetl.Type) (string, error)
	// CreateTable returns the CREATE TABLE statement for a new table whose
	// column names are final (already folded). key becomes the primary
	// key, and its columns NOT NULL.
	CreateTable(t Table, cols []Column, key []string) (string, error)

	// OptionSpec returns a new value of the dialect's own target keys
	// (copy_format, …), accepted beside the common ones: a pointer to a
	// struct declared as a spec (package config: yaml, doc, default, enum
	// tags, a Check method), which may carry what its Check needs to know
	// of the dialect in unexported fields. The loader decodes and checks
	// it with the common keys and hands it back in Target.Options and
	// Env.Options. nil for a dialect without keys of its own.
	OptionSpec() any

	// Explain returns, without connecting, the statements a Writer for t
	// runs and when: "once at start", "per batch", …. When the real
	// statement depends on something only a connection can tell (a server
	// mode), assume the most common case and say so in When.
	Explain(t Target) ([]Statement, error)

	// Open connects to the database. dsn is the secret DSN as configured.
	Open(ctx context.Context, dsn string, env Env) (Conn, error)
}

// Conn is one connection used by one run, from one goroutine at a time.
type Conn interface {
	// Describe returns what the catalog says about table t, or (nil, nil)
	// if it does not exist. t.Schema "" means the connection's default
	// schema. Names are matched exactly as given: the caller folds.
	Describe(ctx context.Context, t Table) (*TableInfo, error)

	// Begin, Commit and Rollback control the transaction of a run (commit:
	// run) or of a batch (commit: batch). Rollback must succeed, or at
	// least leave no partial work behind, even if ctx is done or the
	// connection broke.
	Begin(ctx context.Context) error
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error

	// Exec runs one statement; args bind to Placeholder(1), ….
	Exec(ctx context.Context, sql string, args ...any) error
	// Query runs one statement and returns every row. Values are nil,
	// string, int64, float64 or []byte; the PostgreSQL family returns the
	// server's text form (string) of every non-NULL value.
	Query(ctx context.Context, sql string, args ...any) ([][]any, error)

	// NewWriter runs the statements Explain(t) lists as "once at start"
	// and returns the writer for the run.
	NewWriter(ctx context.Context, t Target) (Writer, error)

	// Close releases the connection. It is called exactly once, also after
	// a failed Open of the loader.
	Close(ctx context.Context) error
}

// Writer loads the batches of one run into one table.
type Writer interface {
	// Encode turns the rows of b named by rows (indexes into b.Rows, in
	// order; nil means every row) into the payload for Write. It is called
	// concurrently for different batches and must not change shared state.
	// Row i of the payload is the i-th row named.
	Encode(b *xcetl.Batch, rows []int) (payload any, err error)
	// Write loads a payload made by Encode. It is called in batch order on
	// one goroutine. A *RowError's Row is the payload's row index.
	Write(ctx context.Context, payload any) error
}

// Finisher is implemented by writers that have statements to run at the
// end of a successful run, in its transaction, just before COMMIT (commit:
// run only): the PostgreSQL family's replace_method swap puts the table it
// loaded in place of the old one there.
type Finisher interface {
	Finish(ctx context.Context) error
}

// RowChecker is implemented by writers that must refuse some values (the
// PostgreSQL family refuses strings with NUL bytes, which no text column
// can hold, and invalid UTF-8). Checking every value costs a pass over the
// batch, so the check is lazy: Encode notices such a value while encoding
// and returns ErrCheckRows; the loader then calls CheckRows, which calls
// b.Reject for each row it refuses, compacts the batch and calls Encode
// again. Like Encode, CheckRows runs concurrently for different batches.
type RowChecker interface {
	CheckRows(b *xcetl.Batch)
}

// Flusher is implemented by writers that hold work back between Writes
// when Target.Defer is set (see "Holding work back within the run's
// transaction" above). Flush completes everything written so far: after it
// returns without error, every row of every payload is in the table, as
// if each Write had done its whole work.
type Flusher interface {
	Flush(ctx context.Context) error
}

// MaxHeldPayloads is the most payloads a Flusher may hold back: a Write or
// Flush that fails names a row of one of the last MaxHeldPayloads payloads
// written (RowError.Payload), so the loader keeps that many payloads'
// origins and no more.
const MaxHeldPayloads = 4

// MaxStagedRows and MaxHeldPayloads bound an upsert's stage: the loader
// flushes after MaxHeldPayloads payloads or MaxStagedRows rows, whichever
// comes first. Why not the whole run: while the database applies a slice,
// the engine prepares the next batches, but only as many as its channels
// hold (about four); a slice larger than that leaves the database waiting
// for the client after every flush, which on two cores cost more than the
// statements saved. MaxStagedRows also bounds the memory the loader spends
// on noticing a key repeated by a later batch (a hash of each staged key).
const MaxStagedRows = 1 << 16

// ErrCheckRows is returned by Writer.Encode of a RowChecker when some row
// holds a value the database cannot store.
var ErrCheckRows = errors.New("some values cannot be stored; check the rows")

// EmptyStringNuller is implemented by connections to databases that may
// store an empty string as NULL (openGauss in A compatibility mode,
// KingbaseES in Oracle mode with ora_input_emptystr_isnull). The reason is
// "" when the server keeps the empty string and NULL apart; otherwise it says why, and the
// loader rejects the empty string in NOT NULL columns with it instead of letting the
// whole batch fail.
type EmptyStringNuller interface {
	EmptyStringIsNull() (reason string)
}

// DriverChecker is implemented by dialects whose database driver may be
// missing from the binary (it is linked in by a build tag). CheckDriver
// returns nil when the driver is there, else an error that says exactly how
// to build a binary that has it. It must not connect.
type DriverChecker interface {
	CheckDriver() error
}

// TableCreator is implemented by connections whose CREATE TABLE depends on
// a server mode detected at connect (openGauss sizes varchar(n) in bytes
// outside PG compatibility). The loader then uses it instead of
// Dialect.CreateTable for the table it creates; Explain, which does not
// connect, still shows Dialect.CreateTable.
type TableCreator interface {
	CreateTable(t Table, cols []Column, key []string) (string, error)
}

// DDLAutoCommitter is implemented by connections to databases whose DDL
// commits the open transaction (DM8). The loader then creates a missing
// table before beginning the run's transaction and drops it on Rollback.
type DDLAutoCommitter interface {
	DDLCommits() bool
}

// Mode is how a run changes the target table.
type Mode uint8

// The modes.
const (
	// Append inserts every row.
	Append Mode = iota + 1
	// Upsert inserts rows whose key is new and updates the others.
	Upsert
	// Replace makes the table hold exactly the rows of the run.
	Replace
	// CDC applies each row by its operation (b.Ops): inserts and updates
	// are upserts by the key, deletes delete the row with the key. See
	// "Mode cdc and delete by key" above.
	CDC
)

func (m Mode) String() string {
	switch m {
	case Append:
		return "append"
	case Upsert:
		return "upsert"
	case Replace:
		return "replace"
	case CDC:
		return "cdc"
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// Table names a table.
type Table struct {
	// Schema is "" for the connection's default schema.
	Schema string
	Name   string
	// SchemaQuoted and NameQuoted record that the part was written in
	// double quotes: it is then used exactly and never folded.
	SchemaQuoted, NameQuoted bool
}

// String renders the table for messages, as the user would write it.
func (t Table) String() string {
	part := func(s string, quoted bool) string {
		if quoted || strings.ContainsAny(s, `."`) {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		return s
	}
	if t.Schema == "" {
		return part(t.Name, t.NameQuoted)
	}
	return part(t.Schema, t.SchemaQuoted) + "." + part(t.Name, t.NameQuoted)
}

// Column is a column written by a run.
type Column struct {
	// Name is the table's own column name, exactly as stored.
	Name string
	// Type is the pipeline's type of the values (what Encode receives and
	// what CREATE TABLE maps).
	Type xcetl.Type
	// Nullable is the table column's nullability.
	Nullable bool
	// Base is the existing column's base type as the catalog names it
	// (CatalogColumn.Base), or "" for a column xcetl creates from Type.
	// Dialects use it to pick a wire encoding (binary COPY needs the exact
	// type).
	Base string
}

// CatalogColumn is a column as the database's catalog describes it.
type CatalogColumn struct {
	Name string
	// Type is the database's type name, for messages.
	Type     string
	Nullable bool
	// Base is the type's internal name without modifiers (udt_name on the
	// PostgreSQL family: int8, numeric, varchar, …), "" if unknown.
	Base string
}

// TableInfo is what the catalog says about an existing table.
type TableInfo struct {
	Table      Table
	Columns    []CatalogColumn
	PrimaryKey []string
	// Unique lists the columns of each unique constraint besides the
	// primary key.
	Unique [][]string
}

// AddKeyColumns fills PrimaryKey and Unique from catalog rows of
// (constraint name, is primary key, column), ordered by constraint and
// then by the column's position in it, as the catalogs' key queries
// return them.
func (ti *TableInfo) AddKeyColumns(rows [][3]string, isPrimary func(kind string) bool) {
	cur := ""
	for _, r := range rows {
		name, kind, col := r[0], r[1], r[2]
		if isPrimary(kind) {
			ti.PrimaryKey = append(ti.PrimaryKey, col)
			continue
		}
		if name != cur || len(ti.Unique) == 0 {
			ti.Unique = append(ti.Unique, nil)
			cur = name
		}
		ti.Unique[len(ti.Unique)-1] = append(ti.Unique[len(ti.Unique)-1], col)
	}
}

// Target is what a run writes: resolved names, ready for SQL.
type Target struct {
	Table Table
	// Columns are the columns written, in the order of the pipeline's
	// schema: Columns[j] receives the values of column j of every batch.
	Columns []Column
	// Key names the key columns (table names) for upsert and cdc.
	Key  []string
	Mode Mode
	// Options are the dialect's own target keys, checked: the value its
	// OptionSpec returned, filled (nil for a dialect without keys, or a
	// Target made by hand; see OptionsOf).
	Options any
	// Pipeline is the pipeline's name, to name staging tables.
	Pipeline string
	// Defer is set when several Writes share one transaction (commit:
	// run, or commit_every above 1) and the loader calls Flush on a Writer
	// that is a Flusher before each COMMIT: the writer may hold work back
	// until then.
	Defer bool
	// Guard, in mode cdc, asks for the per-key version guard in the
	// writer's own statements (see VersionGuarder); nil otherwise.
	Guard *VersionGuard
	// Created is true when the run created the table (in its own
	// transaction): no reader can see it before the run commits.
	Created bool
}

// OptionsOf returns the options of type *T in opts (Target.Options,
// Env.Options), or a new *T with its declared defaults when opts holds
// none (a Target built by hand, in tests).
func OptionsOf[T any](opts any) *T {
	if o, ok := opts.(*T); ok && o != nil {
		return o
	}
	o := new(T)
	config.Defaults(o)
	return o
}

// Statement is one SQL statement of a run, for `xcetl explain` and golden
// tests.
type Statement struct {
	// When says when it runs: "once at start", "per batch", ….
	When string
	SQL  string
}

// Env is what Open gets besides the DSN.
type Env struct {
	// BaseDir is the pipeline file's directory; relative file DSNs
	// (SQLite) are relative to it.
	BaseDir string
	// Logger receives notes such as detected server modes. Never nil when
	// called by the loader.
	Logger *slog.Logger
	// Options are the dialect's own target keys, as in Target.Options.
	Options any
}

// RowError is an error about one row of a payload, so that the loader can
// say which source row failed.
type RowError struct {
	// Row is the 0-based row of the payload.
	Row int
	// Payload, when not 0, says that the row is one of an earlier payload
	// that a Flusher held back: the 1-based number of that payload among
	// all payloads given to the writer's Write, in order.
	Payload int
	// Column is the table column at fault, "" if unknown.
	Column string
	Err    error
}

func (e *RowError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("row %d: column %q: %v", e.Row+1, e.Column, e.Err)
	}
	return fmt.Sprintf("row %d: %v", e.Row+1, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

var dialectsByName = registry.New[Dialect]("dialects")

// Register makes d available under d.Name(). It panics if d is nil or the
// name is taken, as database/sql.Register does: two dialects under one name
// is a programming error.
func Register(d Dialect) {
	if d == nil {
		panic("dialects: Register dialect is nil")
	}
	dialectsByName.Register(d.Name(), d)
}

// Lookup returns the dialect registered under name.
func Lookup(name string) (Dialect, bool) { return dialectsByName.Lookup(name) }

// Names returns the registered dialect names, sorted.
func Names() []string { return dialectsByName.Names() }

// QualifiedName renders t for SQL with d's quoting: "schema"."table" or
// "table".
func QualifiedName(d Dialect, t Table) string {
	if t.Schema == "" {
		return d.Quote(t.Name)
	}
	return d.Quote(t.Schema) + "." + d.Quote(t.Name)
}

// QuoteList renders names for SQL with d's quoting, separated by ", ", each
// prefixed with prefix (e.g. `s.`).
func QuoteList(d Dialect, prefix string, names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix)
		b.WriteString(d.Quote(n))
	}
	return b.String()
}

// QuoteDouble quotes an identifier the SQL standard way: in double quotes,
// with double quotes doubled.
func QuoteDouble(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// FoldLower folds ASCII letters to lower case and leaves every other
// character alone (PostgreSQL's rule: Chinese names are never changed).
func FoldLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}

// FoldUpper folds ASCII letters to upper case and leaves every other
// character alone (DM8's and Oracle's rule).
func FoldUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'a' && c <= 'z' {
					b[j] = c - ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}

// CreateTableSQL renders CREATE TABLE with d's quoting and types; key
// columns are NOT NULL and form the primary key. Dialects whose DDL is standard
// use it for Dialect.CreateTable.
func CreateTableSQL(d Dialect, t Table, cols []Column, key []string) (string, error) {
	if len(cols) == 0 {
		return "", fmt.Errorf("create table %s: no columns", t)
	}
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	var b strings.Builder
	b.WriteString("CREATE TABLE ")
	b.WriteString(QualifiedName(d, t))
	b.WriteString(" (\n")
	for i, c := range cols {
		typ, err := d.ColumnType(c.Type)
		if err != nil {
			return "", fmt.Errorf("create table %s: column %q: %w", t, c.Name, err)
		}
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("  ")
		b.WriteString(d.Quote(c.Name))
		b.WriteByte(' ')
		b.WriteString(typ)
		if isKey[c.Name] || !c.Nullable {
			b.WriteString(" NOT NULL")
		}
	}
	if len(key) > 0 {
		b.WriteString(",\n  PRIMARY KEY (")
		b.WriteString(QuoteList(d, "", key))
		b.WriteString(")")
	}
	b.WriteString("\n)")
	return b.String(), nil
}

// ParseTableChecked is SplitTable followed by checkIdent on the schema (if
// any) and the table name: the ParseTable of dialects whose schema and
// table names obey the same rules as their other identifiers.
func ParseTableChecked(s string, checkIdent func(string) error) (Table, error) {
	t, err := SplitTable(s)
	if err != nil {
		return t, err
	}
	if t.Schema != "" {
		if err := checkIdent(t.Schema); err != nil {
			return t, fmt.Errorf("schema: %w", err)
		}
	}
	if err := checkIdent(t.Name); err != nil {
		return t, fmt.Errorf("table: %w", err)
	}
	return t, nil
}

// ErrBadTable is wrapped by ParseTable errors.
var ErrBadTable = errors.New("bad table name")

// SplitTable parses `[schema.]table` where either part may be written in
// double quotes (`"My Schema"."订单"`; `""` inside quotes is one quote). An
// unquoted part is taken as written (the loader folds it when needed) and
// must not contain spaces or quotes.
func SplitTable(s string) (Table, error) {
	var parts []string
	var quoted []bool
	rest := strings.TrimSpace(s)
	if rest == "" {
		return Table{}, fmt.Errorf("%w: empty", ErrBadTable)
	}
	for {
		var part string
		var q bool
		if strings.HasPrefix(rest, `"`) {
			q = true
			var b strings.Builder
			i := 1
			closed := false
			for i < len(rest) {
				if rest[i] == '"' {
					if i+1 < len(rest) && rest[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					closed = true
					i++
					break
				}
				b.WriteByte(rest[i])
				i++
			}
			if !closed {
				return Table{}, fmt.Errorf("%w %q: unterminated quote", ErrBadTable, s)
			}
			part, rest = b.String(), rest[i:]
		} else {
			end := strings.IndexByte(rest, '.')
			if end < 0 {
				end = len(rest)
			}
			part, rest = rest[:end], rest[end:]
			if strings.ContainsAny(part, "\" \t\r\n") {
				return Table{}, fmt.Errorf("%w %q: quote a name containing spaces or quotes (\"my table\")", ErrBadTable, s)
			}
		}
		if part == "" {
			return Table{}, fmt.Errorf("%w %q: empty name part", ErrBadTable, s)
		}
		parts, quoted = append(parts, part), append(quoted, q)
		if rest == "" {
			break
		}
		if rest[0] != '.' {
			return Table{}, fmt.Errorf("%w %q: unexpected %q after a quoted name", ErrBadTable, s, rest)
		}
		rest = rest[1:]
		if rest == "" {
			return Table{}, fmt.Errorf("%w %q: empty name part", ErrBadTable, s)
		}
	}
	switch len(parts) {
	case 1:
		return Table{Name: parts[0], NameQuoted: quoted[0]}, nil
	case 2:
		return Table{Schema: parts[0], SchemaQuoted: quoted[0], Name: parts[1], NameQuoted: quoted[1]}, nil
	}
	return Table{}, fmt.Errorf("%w %q: expected [schema.]table (quote a name that contains a dot)", ErrBadTable, s)
}
