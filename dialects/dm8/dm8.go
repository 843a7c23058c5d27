// Package dm8 registers the "dm8" dialect for DM8 (达梦数据库 8).
//
// The driver, gitee.com/chunanyong/dm (database/sql driver "dm"), is not
// on the public Go module proxy, so it is linked in only by the build tag
// dm (_driver/driver_dm.go, placed into this package by a build overlay so
// that go.mod and `go mod tidy` never need the module):
//
//	make build TAGS=dm   # needs a GOPROXY that serves gitee.com, or GOPRIVATE
//
// Without the tag the dialect is still registered: `xcetl validate` and
// `xcetl explain` work on dm8 targets, and `xcetl run` fails before it
// reads any source, with BuildInstruction (dialects.DriverChecker).
//
// What the dialect does, and why (docs/dialects.md has the matrix):
//   - identifiers fold to ASCII upper case (DM8's rule for unquoted names
//     with CASE_SENSITIVE=Y, the dminit default) and are always
//     double-quoted, so reserved words (USER, TOP, LEVEL, TYPE, …),
//     mixed case and Chinese names are safe; at most 128 bytes. On an
//     instance initialised case-insensitive (SELECT CASE_SENSITIVE() = 0)
//     tables are looked up ignoring case;
//   - string(n) becomes VARCHAR(n CHAR), counted in characters (VARCHAR
//     counts bytes by default), up to 2047 characters (8188 bytes of 4-byte
//     characters); longer strings become CLOB, and string without a length
//     VARCHAR(8188); bool is BIT; decimal(p,s) DECIMAL(p,s) with p ≤ 38;
//   - values are bound as parameters; dates, timestamps and decimals are
//     sent as text and converted by the server with explicit formats
//     (TO_DATE, TO_TIMESTAMP, TO_TIMESTAMP_TZ, CAST AS VARCHAR), so that
//     neither the driver's nor the session's conversions (NLS formats,
//     time zones, the driver's 64-bit decimal parsing) can change them;
//   - append is multi-row INSERT … VALUES (…), (…) in the run's transaction
//     (option insert_method: prepared runs one prepared single-row INSERT
//     per row instead), rows × columns ≤ 65,535 per statement;
//   - upsert is MERGE INTO t USING (SELECT … FROM DUAL UNION ALL …) s ON
//     (key) WHEN MATCHED THEN UPDATE … WHEN NOT MATCHED THEN INSERT …,
//     without a staging table: DDL commits implicitly on DM8, so a staging
//     table could not be created inside the run's transaction; all-key
//     tables have no WHEN MATCHED;
//   - mode cdc deletes by key (DELETE … WHERE key IN (…)) and then MERGEs;
//   - replace is DELETE FROM t inside the transaction, not TRUNCATE (which
//     commits implicitly); a table xcetl creates is created before the
//     transaction and dropped on rollback (dialects.DDLAutoCommitter);
//   - an IDENTITY column that the pipeline writes gets SET IDENTITY_INSERT
//     t ON (detected from the catalog; option identity_insert);
//   - introspection reads ALL_TABLES, ALL_TAB_COLUMNS, ALL_CONSTRAINTS and
//     ALL_CONS_COLUMNS;
//   - COMPATIBLE_MODE is read at connect (V$DM_INI, else
//     SF_GET_PARA_VALUE): in mode 2 (Oracle compatibility) DM8 stores the
//     empty string as NULL, so the session is a dialects.EmptyStringNuller
//     and the loader rejects empty strings in NOT NULL columns with that
//     reason.
//
// None of this has run against a DM8 server (none is available where xcetl
// is built): the statements are fixed by golden files and their sequence
// by tests with a recording database/sql driver. TestDM8Integration runs
// the conformance suite when built with -tags dm and XCETL_TEST_DM8_DSN is
// set.
package dm8

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// DriverName is the database/sql driver name of gitee.com/chunanyong/dm.
const DriverName = "dm"

// DefaultPort is DM8's port, used when the DSN has none.
const DefaultPort = 5236

// MaxIdentBytes is the longest identifier DM8 stores.
const MaxIdentBytes = 128

// MaxParams bounds the bind parameters of one statement. DM8's own limit
// is not documented where we looked; 65,535 is the PostgreSQL protocol's
// and a safe bound for the driver's 16-bit parameter counts (unconfirmed).
const MaxParams = 65535

// DefaultRowsPerStatement is how many rows one multi-row INSERT or MERGE
// carries by default (fewer for wide tables, so that rows × columns ≤
// MaxParams). Not measured on a server: see docs/dialects.md.
const DefaultRowsPerStatement = 200

// MaxVarcharChars is the longest string(n) created as VARCHAR(n CHAR): 8188
// bytes, DM8's in-row VARCHAR limit, of characters up to 4 bytes each.
const MaxVarcharChars = 2047

// BuildInstruction is the error of a run on a dm8 target in a binary built
// without the dm build tag.
const BuildInstruction = "this xcetl binary has no DM8 driver: gitee.com/chunanyong/dm is linked in only with the build tag dm, and the public Go module proxy does not serve it. " +
	"Build xcetl with it: `make build TAGS=dm` (it runs `go get gitee.com/chunanyong/dm@v1.8.13` into a separate modfile, " +
	"so it needs a GOPROXY that serves gitee.com, or GOPRIVATE=gitee.com/chunanyong GONOSUMDB=gitee.com/chunanyong and direct access to gitee.com; " +
	"with a local copy: go run ./internal/tools/drivers -tags dm -replace gitee.com/chunanyong/dm=DIR); see docs/dialects.md, \"DM8 driver\""

// Options are the dm8 target keys.
type Options struct {
	InsertMethod     string `yaml:"insert_method" default:"multi_row" enum:"multi_row,prepared" enumdoc:"multi_row=one INSERT or MERGE for many rows;prepared=one prepared statement run per row" doc:"how rows are sent"`
	RowsPerStatement int    `yaml:"rows_per_statement" default:"200" min:"1" max:"10000" doc:"rows per multi-row INSERT or MERGE (fewer when the columns would pass 65535 bind parameters)"`
	IdentityInsert   string `yaml:"identity_insert" default:"auto" enum:"auto,on,off" enumdoc:"auto=SET IDENTITY_INSERT ON when the pipeline writes the table's IDENTITY column;on=always;off=never" doc:"explicit values for an IDENTITY column"`
}

// Insert methods.
const (
	MultiRow = "multi_row"
	Prepared = "prepared"
)

type dialect struct {
	// driver is the database/sql driver name (tests use a recording one).
	driver string
}

// Dialect is the dm8 dialect, registered under "dm8".
var Dialect dialects.Dialect = dialect{driver: DriverName}

func init() { dialects.Register(Dialect) }

var (
	_ dialects.DriverChecker    = dialect{}
	_ dialects.DDLAutoCommitter = dialect{}
)

// DDLCommits implements dialects.DDLAutoCommitter for Explain, which does
// not connect: DM8 commits the open transaction on DDL.
func (dialect) DDLCommits() bool { return true }

// Name implements dialects.Dialect.
func (dialect) Name() string { return "dm8" }

// Fold implements dialects.Dialect: unquoted names fold to ASCII upper
// case.
func (dialect) Fold(ident string) string { return dialects.FoldUpper(ident) }

// Quote implements dialects.Dialect.
func (dialect) Quote(ident string) string { return dialects.QuoteDouble(ident) }

// Placeholder implements dialects.Dialect.
func (dialect) Placeholder(int) string { return "?" }

// CheckDriver implements dialects.DriverChecker.
func (d dialect) CheckDriver() error {
	if slices.Contains(sql.Drivers(), d.driver) {
		return nil
	}
	return errors.New("dm8: " + BuildInstruction)
}

// CheckIdent implements dialects.Dialect.
func (dialect) CheckIdent(ident string) error {
	switch {
	case ident == "":
		return errors.New("empty identifier")
	case strings.IndexByte(ident, 0) >= 0:
		return fmt.Errorf("identifier %q contains a NUL byte", ident)
	case !utf8.ValidString(ident):
		return fmt.Errorf("identifier %q is not valid UTF-8", ident)
	case len(ident) > MaxIdentBytes:
		return fmt.Errorf("identifier %q is %d bytes long; DM8 allows at most %d bytes (a Chinese character takes 3 in UTF-8): choose a shorter name", ident, len(ident), MaxIdentBytes)
	}
	return nil
}

// ParseTable implements dialects.Dialect. The schema part is a DM8 schema
// (by default the user's own, named like the user).
func (d dialect) ParseTable(s string) (dialects.Table, error) {
	return dialects.ParseTableChecked(s, d.CheckIdent)
}

// CatalogType implements dialects.CatalogTyper: DM8's BIT is its boolean
// (what ColumnType creates for bool); every other name reads as the shared
// SQL names do.
func (dialect) CatalogType(c dialects.CatalogColumn) xcetl.Type {
	name := c.Base
	if name == "" {
		name = c.Type
	}
	if strings.EqualFold(strings.TrimSpace(name), "BIT") {
		return xcetl.Type{Kind: xcetl.KindBool}
	}
	return dialects.CatalogTypeByName(c)
}

// ColumnType implements dialects.Dialect.
func (dialect) ColumnType(t xcetl.Type) (string, error) {
	switch t.Kind {
	case xcetl.KindString:
		switch {
		case t.Precision == 0:
			return "VARCHAR(8188)", nil
		case t.Precision <= MaxVarcharChars:
			return "VARCHAR(" + strconv.Itoa(t.Precision) + " CHAR)", nil
		}
		return "CLOB", nil
	case xcetl.KindInt:
		return "BIGINT", nil
	case xcetl.KindFloat:
		return "DOUBLE", nil
	case xcetl.KindDecimal:
		if t.Precision < 1 {
			return "NUMBER", nil
		}
		if t.Precision > 38 {
			return "", fmt.Errorf("%s: DM8 decimals have at most 38 digits", t)
		}
		return "DECIMAL(" + strconv.Itoa(t.Precision) + "," + strconv.Itoa(t.Scale) + ")", nil
	case xcetl.KindBool:
		return "BIT", nil
	case xcetl.KindDate:
		return "DATE", nil
	case xcetl.KindTimestamp:
		return "TIMESTAMP(6)", nil
	case xcetl.KindTimestampTZ:
		return "TIMESTAMP(6) WITH TIME ZONE", nil
	case xcetl.KindBytes:
		if t.Precision > 0 && t.Precision <= MaxVarcharChars {
			return "VARBINARY(" + strconv.Itoa(t.Precision) + ")", nil // bounded: it can be a key (a BLOB cannot)
		}
		return "BLOB", nil
	}
	return "", fmt.Errorf("dm8 has no column type for %s", t)
}

// CreateTable implements dialects.Dialect.
func (d dialect) CreateTable(t dialects.Table, cols []dialects.Column, key []string) (string, error) {
	return dialects.CreateTableSQL(d, t, cols, key)
}

// OptionSpec implements dialects.Dialect.
func (dialect) OptionSpec() any { return &Options{} }
