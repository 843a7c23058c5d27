// Package pgfamily is the shared implementation of the PostgreSQL-family
// dialects (postgres, opengauss, kingbase), on pgx v5 — or, with the same
// SQL, on a database/sql driver named by Config.SQLDriver (openGauss's own
// driver in a binary built with the opengauss tag; see sqlconn.go). A
// database derived from PostgreSQL is a Config: its name, default port and
// database, which upsert statement it takes (fixed, or detected from a
// server setting at connect), whether binary COPY is verified on it, and
// hints for its connection quirks. See dialects/kingbase for a complete
// example.
//
// What every member of the family shares:
//   - identifiers fold to ASCII lower case, are always double-quoted, and
//     may be at most 63 bytes (longer names are refused, never truncated);
//   - the bulk path is COPY … FROM STDIN in text format, encoded by xcetl
//     in Writer.Encode (concurrently) and streamed by Write through
//     pgconn.CopyFrom; postgres may use binary COPY (pgx.CopyFrom) instead;
//   - upsert COPYs each batch into a temporary staging table created once
//     per run (CREATE TEMP TABLE … AS SELECT … WITH NO DATA), then runs one
//     statement (INSERT … ON CONFLICT, MERGE or ON DUPLICATE KEY) and
//     truncates the stage;
//   - replace truncates the table inside the run's transaction (TRUNCATE
//     is transactional on the family, so a failed run rolls it back);
//   - introspection reads information_schema, schema-qualified, with the
//     default schema current_schema().
package pgfamily

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
)

// MaxIdentBytes is the longest identifier the family stores (NAMEDATALEN-1);
// the server silently truncates longer ones, which would make a created
// column's name differ from the pipeline's.
const MaxIdentBytes = 63

// UpsertStyle is the statement that applies a staged batch.
type UpsertStyle uint8

// The upsert statements of the family.
const (
	// OnConflict is INSERT … SELECT … ON CONFLICT (key) DO UPDATE SET c =
	// EXCLUDED.c (PostgreSQL, KingbaseES in pg mode).
	OnConflict UpsertStyle = iota + 1
	// Merge is MERGE INTO t USING stage s ON (…) WHEN MATCHED THEN UPDATE …
	// WHEN NOT MATCHED THEN INSERT … (openGauss, KingbaseES in oracle mode;
	// also valid on PostgreSQL 15).
	Merge
	// OnDuplicateKey is INSERT … SELECT … ON DUPLICATE KEY UPDATE c =
	// VALUES(c) (KingbaseES in mysql mode; golden SQL only).
	OnDuplicateKey
)

func (u UpsertStyle) String() string {
	switch u {
	case OnConflict:
		return "ON CONFLICT"
	case Merge:
		return "MERGE"
	case OnDuplicateKey:
		return "ON DUPLICATE KEY UPDATE"
	}
	return "upsert(" + strconv.Itoa(int(u)) + ")"
}

// Variant is what a connected server turned out to be, as far as SQL is
// concerned.
type Variant struct {
	Upsert UpsertStyle
	// Label names the detected mode for logs and explain, e.g.
	// "database_mode=oracle"; "" when there is nothing to detect.
	Label string
	// EmptyIsNull is "" when the server keeps '' and NULL apart, else the
	// reason it does not (see dialects.EmptyStringNuller).
	EmptyIsNull string
	// VarcharBytes says varchar(n) counts bytes, not characters (openGauss
	// outside PG compatibility): string(n) is then created as
	// varchar(4n), room for n characters of up to 4 bytes.
	VarcharBytes bool
	// StrictNumericText is the reason to check text loaded into numeric
	// columns before the server sees it ("" = no need): openGauss in B
	// compatibility stores bad integer text as 0 instead of failing.
	StrictNumericText string
}

// Settings reads a server setting (GUC): ok is false when the server has
// no such setting.
type Settings func(name string) (value string, ok bool, err error)

// Query runs a one-value query at connect: ok is false when it returns no
// row, or names a column or table the server does not have (SQLSTATE
// 42703, 42P01), so that detection works on every member of the family.
type Query func(sql string) (value string, ok bool, err error)

// Config describes one database of the family.
type Config struct {
	// Name is the target type, e.g. "opengauss".
	Name string
	// Product is the database's name in messages, e.g. "openGauss".
	Product string
	// DefaultPort and DefaultDatabase fill a DSN that omits them (and
	// PGPORT / PGDATABASE are unset); 0 / "" keep the driver's defaults.
	DefaultPort     int
	DefaultDatabase string
	// BinaryCopy allows `copy_format: binary` (only where PostgreSQL's
	// binary COPY format is verified).
	BinaryCopy bool
	// Upsert is the statement used when Detect is nil, and the one Explain
	// assumes otherwise.
	Upsert UpsertStyle
	// Detect reads server settings at connect and returns the variant to
	// use. nil: Variant{Upsert: Upsert}.
	Detect func(s Settings, q Query) (Variant, error)
	// ExplainAssumption is added to the "when" of statements that depend
	// on Detect, e.g. "assuming database_mode=pg; detected at connect".
	ExplainAssumption string
	// TextForVarchar maps string(n) to text instead of varchar(n), for
	// servers where varchar(n) may count bytes rather than characters
	// (openGauss outside PG compatibility), so that Chinese text never
	// overflows a length meant in characters.
	TextForVarchar bool
	// VarcharBytes is the static assumption (Explain, and Dialect.
	// ColumnType) that varchar(n) counts bytes; a connection uses what it
	// detected (Variant.VarcharBytes).
	VarcharBytes bool
	// ConnectHint returns an explanation to add to a connection error, or
	// "" (openGauss's SHA256 authentication).
	ConnectHint func(err error) string
	// GuardCDC says that the server runs the version guard of mode cdc in
	// one statement (a data-modifying WITH around INSERT … ON CONFLICT DO
	// UPDATE … WHERE, PostgreSQL 9.5 and later): see guard.go. Without it
	// the loader guards.
	GuardCDC bool
	// SwapReplace allows `replace_method: swap` (swap.go), where its
	// statements (LIKE … INCLUDING ALL, aclexplode, lock_timeout,
	// savepoints around DDL) are verified.
	SwapReplace bool
	// SQLDriver, when not "", is the database/sql driver (as registered
	// with sql.Register) that Open connects through instead of pgx, e.g.
	// "opengauss" for gitee.com/opengauss/openGauss-connector-go-pq. The
	// SQL is the same; see sqlconn.go for what the transport needs.
	SQLDriver string
}

// Dialect is a PostgreSQL-family dialect built from a Config.
type Dialect struct {
	cfg Config
	// forced, when set, replaces detection (tests, and users who know
	// their server's mode better than its settings).
	forced *Variant
}

// New returns the dialect for cfg. It panics on an incomplete Config (a
// programming error in the dialect package).
func New(cfg Config) *Dialect {
	if cfg.Name == "" || cfg.Upsert == 0 {
		panic("pgfamily.New: Config needs Name and Upsert")
	}
	if cfg.Product == "" {
		cfg.Product = cfg.Name
	}
	return &Dialect{cfg: cfg}
}

// WithVariant returns a copy of d that uses v instead of detecting it at
// connect; the empty string vs NULL behaviour is still detected when v leaves
// EmptyIsNull empty and Detect sets it.
func (d *Dialect) WithVariant(v Variant) *Dialect {
	c := *d
	c.forced = &v
	return &c
}

// WithSQLDriver returns a copy of d that connects through the database/sql
// driver registered as name instead of pgx ("" = pgx again): "opengauss"
// for openGauss's own driver, "postgres" for lib/pq, "pgx" for pgx's
// database/sql driver (tests run the database/sql transport that way).
func (d *Dialect) WithSQLDriver(name string) *Dialect {
	c := *d
	c.cfg.SQLDriver = name
	return &c
}

// SQLDriver returns the database/sql driver Open connects through, "" for
// pgx.
func (d *Dialect) SQLDriver() string { return d.cfg.SQLDriver }

// Name implements dialects.Dialect.
func (d *Dialect) Name() string { return d.cfg.Name }

// Fold implements dialects.Dialect: unquoted names fold to ASCII lower case.
func (d *Dialect) Fold(ident string) string { return dialects.FoldLower(ident) }

// Quote implements dialects.Dialect.
func (d *Dialect) Quote(ident string) string { return dialects.QuoteDouble(ident) }

// Placeholder implements dialects.Dialect.
func (d *Dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// CheckIdent implements dialects.Dialect.
func (d *Dialect) CheckIdent(ident string) error {
	switch {
	case ident == "":
		return fmt.Errorf("empty identifier")
	case strings.IndexByte(ident, 0) >= 0:
		return fmt.Errorf("identifier %q contains a NUL byte", ident)
	case !utf8.ValidString(ident):
		return fmt.Errorf("identifier %q is not valid UTF-8", ident)
	case len(ident) > MaxIdentBytes:
		return fmt.Errorf("identifier %q is %d bytes long; %s allows at most %d bytes (a Chinese character takes 3) and would truncate it silently: choose a shorter name", ident, len(ident), d.cfg.Product, MaxIdentBytes)
	}
	return nil
}

// ParseTable implements dialects.Dialect.
func (d *Dialect) ParseTable(s string) (dialects.Table, error) {
	return dialects.ParseTableChecked(s, d.CheckIdent)
}

// AnalyzeSQL implements dialects.Analyzer.
func (d *Dialect) AnalyzeSQL(t dialects.Table) string {
	return "ANALYZE " + dialects.QualifiedName(d, t)
}

// ColumnType implements dialects.Dialect.
func (d *Dialect) ColumnType(t xcetl.Type) (string, error) {
	switch t.Kind {
	case xcetl.KindString:
		if t.Precision > 0 && d.cfg.VarcharBytes {
			return varcharBytes(t.Precision), nil
		}
		if t.Precision > 0 && !d.cfg.TextForVarchar {
			return "varchar(" + strconv.Itoa(t.Precision) + ")", nil
		}
		return "text", nil
	case xcetl.KindInt:
		return "bigint", nil
	case xcetl.KindFloat:
		return "double precision", nil
	case xcetl.KindDecimal:
		if t.Precision < 1 {
			return "numeric", nil
		}
		return "numeric(" + strconv.Itoa(t.Precision) + "," + strconv.Itoa(t.Scale) + ")", nil
	case xcetl.KindBool:
		return "boolean", nil
	case xcetl.KindDate:
		return "date", nil
	case xcetl.KindTimestamp:
		return "timestamp", nil
	case xcetl.KindTimestampTZ:
		return "timestamp with time zone", nil
	case xcetl.KindBytes:
		return "bytea", nil
	}
	return "", fmt.Errorf("%s has no column type for %s", d.cfg.Name, t)
}

// maxVarchar is the longest varchar the family accepts (10 MB).
const maxVarchar = 10485760

// varcharBytes sizes a varchar that counts bytes for n characters of up to
// 4 bytes (UTF-8 and GB18030); longer ones are text.
func varcharBytes(n int) string {
	if n > maxVarchar/4 {
		return "text"
	}
	return "varchar(" + strconv.Itoa(4*n) + ")"
}

// CreateTable implements dialects.Dialect.
func (d *Dialect) CreateTable(t dialects.Table, cols []dialects.Column, key []string) (string, error) {
	return dialects.CreateTableSQL(d, t, cols, key)
}

// Options are the target keys of the PostgreSQL family.
type Options struct {
	CopyFormat string `yaml:"copy_format" default:"auto" enum:"auto,text,binary" enumdoc:"auto=binary on postgres where every column type allows it, else text;text=COPY's text format;binary=PostgreSQL's binary COPY format, postgres only" doc:"the format of COPY FROM STDIN (see docs/dialects.md)"`

	ReplaceMethod string `yaml:"replace_method" enum:"truncate,swap" enumdoc:"truncate=TRUNCATE then load, in the run's transaction: readers wait for the whole load;swap=postgres only: load into a new table that takes the old one's place at commit: readers see the old rows until then" doc:"with mode replace: how the rows are replaced; default truncate (see docs/dialects.md, replace and readers)" example:"swap"`

	d *Dialect // whose options these are, for Check
}

// Check refuses binary COPY and the swap replace where they are not
// verified.
func (o *Options) Check(c *config.Check) {
	if o.CopyFormat == "binary" && o.d != nil && !o.d.cfg.BinaryCopy {
		c.Errorf("copy_format", "%v", o.d.binaryRefused())
	}
	if o.ReplaceMethod == "swap" && o.d != nil && !o.d.cfg.SwapReplace {
		c.Errorf(optReplaceMethod, "replace_method swap is not available for %s: its statements are verified on PostgreSQL only; use truncate", o.d.cfg.Name)
	}
}

func (d *Dialect) binaryRefused() error {
	return fmt.Errorf("copy_format binary is not available for %s: PostgreSQL's binary COPY format is not verified on %s; use text (auto means text there)", d.cfg.Name, d.cfg.Product)
}

// OptionSpec implements dialects.Dialect.
func (d *Dialect) OptionSpec() any { return &Options{d: d} }

// variant returns the variant Explain assumes.
func (d *Dialect) explainVariant() Variant {
	if d.forced != nil {
		return *d.forced
	}
	return Variant{Upsert: d.cfg.Upsert}
}

// Explain implements dialects.Dialect.
func (d *Dialect) Explain(t dialects.Target) ([]dialects.Statement, error) {
	v := d.explainVariant()
	p, err := d.plan(t, v)
	if err != nil {
		return nil, err
	}
	note := ""
	if d.forced == nil && d.cfg.Detect != nil && d.cfg.ExplainAssumption != "" {
		note = " (" + d.cfg.ExplainAssumption + ")"
	}
	return p.statements(note), nil
}

// plan holds every statement of a run's writer.
type plan struct {
	table      string    // quoted target
	stage      string    // quoted staging table, "" without staging
	clear      string    // replace: once at start
	swap       *swapPlan // replace_method swap
	stageDDL   string    // once at start
	copy       string    // per batch (into target or stage)
	upsert     string    // per batch
	delete     string    // per batch, cdc: delete the keys staged with op 'd'
	truncStage string    // per batch
	cdc        bool      // the stage has the op column
	deferred   bool      // commit: run: COPY streamed across batches, upsert applied at Flush (stream.go)
	sqlDriver  bool      // database/sql transport: no COPY streaming
	guard      string    // per batch, cdc with Target.Guard: store newer versions, drop stale rows from the stage
	binary     bool      // COPY in binary format
	format     string    // copy_format as configured ("" = auto)
	textCopy   string    // the COPY statement in text format
	cols       []string
	target     dialects.Table
}

func (p *plan) statements(upsertNote string) []dialects.Statement {
	var out []dialects.Statement
	if p.clear != "" {
		out = append(out, dialects.Statement{When: "once at start (replace: empties the table inside the run's transaction; readers wait until the run commits)", SQL: p.clear})
	}
	if p.swap != nil {
		out = append(out, p.swap.statements()[:3]...)
	}
	if p.stageDDL != "" {
		out = append(out, dialects.Statement{When: "once at start (staging table for upsert, private to the session)", SQL: p.stageDDL})
	}
	how := "per batch (rows streamed in COPY text format, encoded by xcetl)"
	if p.binary {
		how = "per batch (rows streamed in COPY binary format, encoded by xcetl; text format instead if an existing column has a type xcetl has no binary encoding for)"
		if p.format == "binary" {
			how = "per batch (rows streamed in COPY binary format, encoded by xcetl)"
		}
	}
	if p.deferred && !p.sqlDriver {
		how = strings.Replace(how, "per batch (", fmt.Sprintf("per batch, streamed: one COPY carries up to %d batches and stays open between them (", dialects.MaxHeldPayloads), 1)
	}
	out = append(out, dialects.Statement{When: how, SQL: p.copy})
	if p.guard != "" {
		out = append(out, dialects.Statement{When: "per batch, after the COPY (the per-key version guard: newer versions stored, stale rows dropped from the stage, counted)", SQL: p.guard})
	}
	if p.delete != "" {
		out = append(out, dialects.Statement{When: "per batch, after the COPY (cdc: rows whose last event is a delete)", SQL: p.delete})
	}
	if p.upsert != "" && p.deferred {
		out = append(out, dialects.Statement{When: "after every " + strconv.Itoa(dialects.MaxHeldPayloads) + " batches (or " + strconv.Itoa(dialects.MaxStagedRows) + " rows) and once at end, before COMMIT (commit: run: the rows of several batches are staged and applied with one statement), and earlier when a batch repeats a key that is already staged" + upsertNote, SQL: p.upsert})
		out = append(out, dialects.Statement{When: "after each upsert", SQL: p.truncStage})
	} else if p.upsert != "" {
		out = append(out, dialects.Statement{When: "per batch, after the COPY" + upsertNote, SQL: p.upsert})
		out = append(out, dialects.Statement{When: "per batch, after the upsert", SQL: p.truncStage})
	}
	if p.swap != nil {
		out = append(out, p.swap.statements()[3])
	}
	return out
}

// StageName returns the staging table's name for a target table: it lives
// in the session's temporary schema, so it only has to be unique within a
// session and short enough for the 63-byte limit.
func StageName(table string) string {
	name := "xcetl_stage_" + table
	for len(name) > MaxIdentBytes {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

func (d *Dialect) plan(t dialects.Target, v Variant) (*plan, error) {
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("%s: table %s: no columns to write", d.cfg.Name, t.Table)
	}
	p := &plan{table: dialects.QualifiedName(d, t.Table), target: t.Table, sqlDriver: d.cfg.SQLDriver != ""}
	p.deferred = t.Defer && t.Mode != dialects.CDC
	p.cols = make([]string, len(t.Columns))
	for i, c := range t.Columns {
		p.cols[i] = c.Name
	}
	opts := dialects.OptionsOf[Options](t.Options)
	p.format = opts.CopyFormat
	if m := opts.ReplaceMethod; m != "" && t.Mode != dialects.Replace {
		return nil, fmt.Errorf("%s: replace_method %s is for mode: replace, not %s", d.cfg.Name, m, t.Mode)
	}
	switch p.format {
	case "binary":
		if !d.cfg.BinaryCopy {
			return nil, d.binaryRefused()
		}
		p.binary = true
	case "", "auto":
		// The server's cheapest input where the format is verified.
		_, _, ok := binaryEncoders(t.Columns)
		p.binary = d.cfg.BinaryCopy && ok
	}
	colList := dialects.QuoteList(d, "", p.cols)
	copyInto := p.table
	switch t.Mode {
	case dialects.Append:
	case dialects.Replace:
		if opts.ReplaceMethod == "swap" && !t.Created {
			p.swap = d.swapPlan(t)
			copyInto = p.swap.newQ
			break
		}
		p.clear = "TRUNCATE TABLE " + p.table
	case dialects.Upsert, dialects.CDC:
		if len(t.Key) == 0 {
			return nil, fmt.Errorf("%s: %s into %s needs a key", d.cfg.Name, t.Mode, t.Table)
		}
		p.stage = d.Quote(StageName(t.Table.Name))
		copyInto = p.stage
		p.stageDDL = "CREATE TEMP TABLE " + p.stage + " AS SELECT " + colList + " FROM " + p.table + " WITH NO DATA"
		p.truncStage = "TRUNCATE TABLE " + p.stage
		filter := ""
		if t.Mode == dialects.CDC {
			for _, c := range p.cols {
				if c == OpColumn || c == GuardHashColumn || c == GuardVersionColumn {
					return nil, fmt.Errorf("%s: table %s has a column named %s, which mode cdc needs for its staging table", d.cfg.Name, t.Table, c)
				}
			}
			p.cdc = true
			op := d.Quote(OpColumn)
			extra := ""
			if t.Guard != nil {
				if v.Upsert != OnConflict || !d.cfg.GuardCDC {
					return nil, fmt.Errorf("%s: the version guard needs INSERT … ON CONFLICT (the loader guards instead)", d.cfg.Name)
				}
				extra = ", CAST(NULL AS bytea) AS " + d.Quote(GuardHashColumn) + ", CAST(NULL AS bytea) AS " + d.Quote(GuardVersionColumn)
				p.guard = guardSQL(d, p.stage, t.Guard)
			}
			p.stageDDL = "CREATE TEMP TABLE " + p.stage + " AS SELECT " + colList + ", CAST(NULL AS char(1)) AS " + op + extra + " FROM " + p.table + " WITH NO DATA"
			p.delete = deleteStagedSQL(d, p.table, p.stage, t.Key)
			filter = op + " <> 'd'"
			if t.Guard != nil {
				// In the order Encode writes them: the row's values, the
				// guard's two, then the op.
				colList += ", " + d.Quote(GuardHashColumn) + ", " + d.Quote(GuardVersionColumn)
			}
			colList += ", " + op
		}
		up, err := upsertSQL(d, v.Upsert, p.table, p.stage, filter, p.cols, t.Key)
		if err != nil {
			return nil, err
		}
		p.upsert = up
	default:
		return nil, fmt.Errorf("%s: mode %s is not supported", d.cfg.Name, t.Mode)
	}
	p.textCopy = "COPY " + copyInto + " (" + colList + ") FROM STDIN"
	p.copy = p.textCopy
	if p.binary {
		p.copy = p.textCopy + " WITH (FORMAT binary)"
	}
	return p, nil
}

// OpColumn is the staging table's column that holds each row's operation
// in mode cdc: 'd' for a delete, 'u' for an upsert.
const OpColumn = "xcetl_op"

// deleteStagedSQL deletes the rows whose key is staged with op 'd'. EXISTS
// rather than DELETE … USING: every member of the family (and their
// Oracle/MySQL modes) has it.
func deleteStagedSQL(d dialects.Dialect, table, stage string, key []string) string {
	var b strings.Builder
	b.WriteString("DELETE FROM " + table + " t\nWHERE EXISTS (SELECT 1 FROM " + stage + " s WHERE s." + d.Quote(OpColumn) + " = 'd'")
	for _, k := range key {
		b.WriteString(" AND t." + d.Quote(k) + " = s." + d.Quote(k))
	}
	b.WriteString(")")
	return b.String()
}

// upsertSQL renders the statement that applies the staged rows (those
// matching filter, when it is not empty). Key columns are never updated;
// with nothing but key columns there is nothing to update and the
// statement only inserts new keys.
func upsertSQL(d dialects.Dialect, style UpsertStyle, table, stage, filter string, cols, key []string) (string, error) {
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	for _, k := range key {
		found := false
		for _, c := range cols {
			found = found || c == k
		}
		if !found {
			return "", fmt.Errorf("key column %q is not among the columns written", k)
		}
	}
	var rest []string
	for _, c := range cols {
		if !isKey[c] {
			rest = append(rest, c)
		}
	}
	colList := dialects.QuoteList(d, "", cols)
	where, and := "", ""
	if filter != "" {
		where, and = " WHERE "+filter, " AND s."+filter
	}
	var b strings.Builder
	switch style {
	case OnConflict:
		b.WriteString("INSERT INTO " + table + " (" + colList + ")\nSELECT " + colList + " FROM " + stage + where + "\nON CONFLICT (" + dialects.QuoteList(d, "", key) + ") ")
		if len(rest) == 0 {
			b.WriteString("DO NOTHING")
			break
		}
		b.WriteString("DO UPDATE SET ")
		for i, c := range rest {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(d.Quote(c) + " = EXCLUDED." + d.Quote(c))
		}
	case Merge:
		// No AS before the aliases: Oracle-compatible grammars refuse it.
		using := stage
		if filter != "" {
			using = "(SELECT " + colList + " FROM " + stage + where + ")"
		}
		b.WriteString("MERGE INTO " + table + " t\nUSING " + using + " s\nON (")
		for i, k := range key {
			if i > 0 {
				b.WriteString(" AND ")
			}
			b.WriteString("t." + d.Quote(k) + " = s." + d.Quote(k))
		}
		b.WriteString(")")
		if len(rest) > 0 {
			b.WriteString("\nWHEN MATCHED THEN UPDATE SET ")
			for i, c := range rest {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(d.Quote(c) + " = s." + d.Quote(c))
			}
		}
		b.WriteString("\nWHEN NOT MATCHED THEN INSERT (" + colList + ") VALUES (" + dialects.QuoteList(d, "s.", cols) + ")")
	case OnDuplicateKey:
		if len(rest) == 0 {
			// ON DUPLICATE KEY UPDATE needs something to set and must not
			// touch key columns: insert only the keys not yet present.
			b.WriteString("INSERT INTO " + table + " (" + colList + ")\nSELECT " + dialects.QuoteList(d, "s.", cols) + " FROM " + stage + " s\nWHERE NOT EXISTS (SELECT 1 FROM " + table + " t WHERE ")
			for i, k := range key {
				if i > 0 {
					b.WriteString(" AND ")
				}
				b.WriteString("t." + d.Quote(k) + " = s." + d.Quote(k))
			}
			b.WriteString(")" + and)
			break
		}
		b.WriteString("INSERT INTO " + table + " (" + colList + ")\nSELECT " + colList + " FROM " + stage + where + "\nON DUPLICATE KEY UPDATE ")
		for i, c := range rest {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(d.Quote(c) + " = VALUES(" + d.Quote(c) + ")")
		}
	default:
		return "", fmt.Errorf("unknown upsert style %d", style)
	}
	return b.String(), nil
}
