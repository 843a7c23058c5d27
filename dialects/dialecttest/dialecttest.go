// Package dialecttest is the conformance suite every dialect runs: the
// behaviour the SQL loader (package load) relies on, checked end to end
// through the loader against a real database. PostgreSQL-family dialects
// run it against a PostgreSQL server in Test*Integration tests; sqlite runs
// it on a temporary file.
//
//	func TestConformanceIntegration(t *testing.T) {
//		dialecttest.Run(t, mydialect.Dialect, pgtest.NewDatabase(t))
//	}
//
// It also renders golden SQL files (Golden) for every statement a dialect
// emits, so that statements no test server can run are still reviewed.
//
// The package imports load to drive the real loader; it is imported only
// by tests, so dialects themselves still never import load.
package dialecttest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/load"
)

// Run runs every conformance test for d against the database at dsn. Each
// test uses its own tables (named ct_*), so dsn may be shared, but the
// database should be disposable. options are YAML lines added to every
// target (e.g. "copy_format: binary").
func Run(t *testing.T, d dialects.Dialect, dsn string, options ...string) {
	s := &suite{d: d, dsn: dsn, options: options}
	t.Run("CreateEveryType", s.createEveryType)
	t.Run("Append", s.append)
	t.Run("Upsert", s.upsert)
	t.Run("UpsertAllKeyTable", s.upsertAllKey)
	t.Run("UpsertExistingTable", s.upsertExisting)
	t.Run("Replace", s.replace)
	t.Run("RollbackLeavesTargetUnchanged", s.rollback)
	t.Run("CommitPerBatch", s.commitPerBatch)
	t.Run("Identifiers", s.identifiers)
	t.Run("NullVersusEmptyString", s.nullVersusEmpty)
	t.Run("TextEscapes", s.textEscapes)
	t.Run("Timestamps", s.timestamps)
	t.Run("DecimalMaxPrecision", s.decimals)
	t.Run("Bytes", s.bytes)
	t.Run("ExistingTableColumnMismatch", s.columnMismatch)
	t.Run("CreateNever", s.createNever)
	t.Run("WriteErrorNamesSourceRow", s.writeErrorOrigin)
	t.Run("CDC", s.cdc)
	t.Run("WideBatchOverParameterLimit", s.wideBatch)
}

type suite struct {
	d       dialects.Dialect
	dsn     string
	options []string
}

func col(name, typ string, nullable bool) xcetl.Column {
	ty, err := xcetl.ParseType(typ)
	if err != nil {
		panic(err)
	}
	return xcetl.Column{Name: name, Type: ty, Nullable: nullable, Source: -1}
}

func schemaOf(cols ...xcetl.Column) *xcetl.Schema { return &xcetl.Schema{Columns: cols} }

func yamlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// loader builds a loader for table with extra YAML lines (mode, key, …).
func (s *suite) loader(t *testing.T, table string, extra ...string) *load.SQL {
	t.Helper()
	src := "type: " + s.d.Name() + "\ndsn: " + yamlQuote(s.dsn) + "\ntable: " + yamlQuote(table) + "\n" + strings.Join(append(extra, s.options...), "\n") + "\n"
	n, err := config.Parse("target.yaml", []byte(src), nil)
	if err != nil {
		t.Fatalf("parse target config: %v\n%s", err, src)
	}
	l, err := load.NewSQL(s.d, n, load.Env{BaseDir: t.TempDir(), Pipeline: "conformance"})
	if err != nil {
		t.Fatalf("new loader: %v\n%s", err, src)
	}
	return l
}

// batch builds a batch whose rows come from in.csv, line = row + 2.
func batch(schema *xcetl.Schema, rows ...[]any) *xcetl.Batch {
	b := &xcetl.Batch{Schema: schema, Rows: rows, Origin: make([]xcetl.Origin, len(rows))}
	for i := range rows {
		b.Origin[i] = xcetl.Origin{File: "in.csv", Line: i + 2, Record: int64(i + 1)}
	}
	return b
}

// result is what one run did.
type result struct {
	rejects []xcetl.Reject
	written int
}

// run loads batches in one run and commits; on any error it rolls back
// and returns the error.
func (s *suite) run(t *testing.T, l *load.SQL, schema *xcetl.Schema, batches ...*xcetl.Batch) (result, error) {
	t.Helper()
	ctx := context.Background()
	var res result
	defer func() {
		if err := l.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	if err := l.Open(ctx, schema); err != nil {
		return res, err
	}
	for _, b := range batches {
		if err := l.Prepare(b); err != nil {
			return res, errors.Join(err, l.Rollback(ctx))
		}
		res.rejects = append(res.rejects, b.Rejects...)
		res.written += b.Len()
		if _, err := l.Write(ctx, b); err != nil {
			return res, errors.Join(err, l.Rollback(ctx))
		}
	}
	return res, l.Commit(ctx)
}

// mustRun is run that fails the test on error.
func (s *suite) mustRun(t *testing.T, l *load.SQL, schema *xcetl.Schema, batches ...*xcetl.Batch) result {
	t.Helper()
	res, err := s.run(t, l, schema, batches...)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

// conn opens a connection for checks.
func (s *suite) conn(t *testing.T) dialects.Conn {
	t.Helper()
	c, err := s.d.Open(context.Background(), s.dsn, dialects.Env{BaseDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open check connection: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// tableName returns the name xcetl creates for an unquoted table name.
func (s *suite) created(name string) dialects.Table {
	return dialects.Table{Name: s.d.Fold(name)}
}

// read returns the rows of table (as created from names) in canonical text
// form, sorted.
func (s *suite) read(t *testing.T, table dialects.Table, schema *xcetl.Schema) [][]string {
	t.Helper()
	return ReadBack(t, s.d, s.conn(t), table, schema)
}

// ReadBack returns the rows of table, whose columns are schema's names
// folded by d, in canonical text form (CanonActual), sorted.
func ReadBack(t testing.TB, d dialects.Dialect, c dialects.Conn, table dialects.Table, schema *xcetl.Schema) [][]string {
	t.Helper()
	names := make([]string, len(schema.Columns))
	for i, col := range schema.Columns {
		names[i] = d.Fold(col.Name)
	}
	q := "SELECT " + dialects.QuoteList(d, "", names) + " FROM " + dialects.QualifiedName(d, table)
	rows, err := c.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, v := range r {
			cv, err := CanonActual(v, schema.Columns[j].Type.Kind)
			if err != nil {
				t.Fatalf("read back row %d column %s: %v", i+1, names[j], err)
			}
			out[i][j] = cv
		}
	}
	sortRows(out)
	return out
}

// sortRows orders rows in Go, so that no database collation matters.
func sortRows(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
}

// Expect renders expected rows in canonical text form (CanonExpected), sorted.
func Expect(schema *xcetl.Schema, rows ...[]any) [][]string { return expect(schema, rows...) }

// expect renders expected rows in canonical text form.
func expect(schema *xcetl.Schema, rows ...[]any) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, v := range r {
			out[i][j] = CanonExpected(v, schema.Columns[j].Type.Kind)
		}
	}
	sortRows(out)
	return out
}

func (s *suite) check(t *testing.T, table dialects.Table, schema *xcetl.Schema, want [][]string) {
	t.Helper()
	got := s.read(t, table, schema)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("table %s holds\n  %q\nwant\n  %q", table, got, want)
	}
}

func (s *suite) exists(t *testing.T, table dialects.Table) bool {
	t.Helper()
	info, err := s.conn(t).Describe(context.Background(), table)
	if err != nil {
		t.Fatalf("describe %s: %v", table, err)
	}
	return info != nil
}

// CanonExpected renders an expected xcetl value in the canonical text form CanonActual
// gives for what a database returned: NULL, RFC 3339 times in UTC, hex bytes.
func CanonExpected(v any, k xcetl.Kind) string {
	if v == nil {
		return "NULL"
	}
	switch x := v.(type) {
	case time.Time:
		switch k {
		case xcetl.KindDate:
			return x.Format(xcetl.DateLayout)
		default:
			return x.UTC().Format(time.RFC3339Nano)
		}
	case []byte:
		return hex.EncodeToString(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return xcetl.FormatValue(v, k)
}

var tzLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00:00",
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999-07",
	"2006-01-02T15:04:05.999999999Z07:00",
}

// CanonActual turns what Conn.Query returned (PostgreSQL text, SQLite
// natives) into the form of canonExpected.
func CanonActual(v any, k xcetl.Kind) (string, error) {
	if v == nil {
		return "NULL", nil
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		if k == xcetl.KindBytes {
			return hex.EncodeToString(x), nil
		}
		s = string(x)
	case int64:
		if k == xcetl.KindBool {
			return strconv.FormatBool(x != 0), nil
		}
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	case time.Time:
		return CanonExpected(x, k), nil
	default:
		return "", fmt.Errorf("unexpected %T", v)
	}
	switch k {
	case xcetl.KindBool:
		switch s {
		case "t", "true", "1":
			return "true", nil
		case "f", "false", "0":
			return "false", nil
		}
		return "", fmt.Errorf("bool %q", s)
	case xcetl.KindFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "", err
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	case xcetl.KindDate:
		tm, err := time.Parse(xcetl.DateLayout, s)
		if err != nil {
			return "", err
		}
		return tm.Format(xcetl.DateLayout), nil
	case xcetl.KindTimestamp:
		tm, err := time.Parse("2006-01-02 15:04:05.999999999", s)
		if err != nil {
			return "", err
		}
		return tm.UTC().Format(time.RFC3339Nano), nil
	case xcetl.KindTimestampTZ:
		for _, layout := range tzLayouts {
			if tm, err := time.Parse(layout, s); err == nil {
				return tm.UTC().Format(time.RFC3339Nano), nil
			}
		}
		return "", fmt.Errorf("timestamptz %q", s)
	case xcetl.KindBytes:
		if h, ok := strings.CutPrefix(s, `\x`); ok {
			return h, nil
		}
		return hex.EncodeToString([]byte(s)), nil
	}
	return s, nil
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func (s *suite) createEveryType(t *testing.T) {
	schema := schemaOf(
		col("id", "int", false),
		col("s", "string", true),
		col("s10", "string(10)", true),
		col("i", "int", true),
		col("f", "float", true),
		col("dec", "decimal(38,10)", true),
		col("d12", "decimal(12,2)", true),
		col("b", "bool", true),
		col("d", "date", true),
		col("ts", "timestamp", true),
		col("tstz", "timestamptz", true),
		col("by", "bytes", true),
	)
	shanghai := time.FixedZone("CST", 8*3600)
	rows := [][]any{
		{int64(1), "张三", "短文本", int64(-42), 3.25, xcetl.Decimal("1234567890123456789012345678.1234567890"), xcetl.Decimal("-0.50"), true, date(2024, 2, 29),
			time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC), time.Date(2024, 2, 29, 13, 14, 15, 0, shanghai), []byte{0, 1, 0xfe, 0xff}},
		{int64(2), "", "", int64(math.MaxInt64), -1e-7, xcetl.Decimal("0.0000000000"), xcetl.Decimal("0.00"), false, date(1, 1, 1),
			time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), []byte{}},
		{int64(3), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
	table := "ct_types"
	l := s.loader(t, table, "key: [id]")
	stmts, err := l.Explain(schema)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	if !strings.Contains(fmt.Sprint(stmts), "CREATE TABLE") {
		t.Errorf("explain lists no CREATE TABLE: %v", stmts)
	}
	s.mustRun(t, l, schema, batch(schema, rows...))
	s.check(t, s.created(table), schema, expect(schema, rows...))

	info, err := s.conn(t).Describe(context.Background(), s.created(table))
	if err != nil || info == nil {
		t.Fatalf("describe created table: %v, %v", info, err)
	}
	if len(info.Columns) != len(schema.Columns) {
		t.Errorf("created table has %d columns, want %d: %+v", len(info.Columns), len(schema.Columns), info.Columns)
	}
	if fmt.Sprint(info.PrimaryKey) != fmt.Sprint([]string{s.d.Fold("id")}) {
		t.Errorf("primary key = %v, want [id]", info.PrimaryKey)
	}
	for _, c := range info.Columns {
		if c.Name == s.d.Fold("id") && c.Nullable {
			t.Errorf("key column id is nullable")
		}
	}
}

func (s *suite) append(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("name", "string", true))
	table := "ct_append"
	first := [][]any{{int64(1), "a"}, {int64(2), "b"}}
	second := [][]any{{int64(3), "c"}, {int64(1), "a again"}}
	s.mustRun(t, s.loader(t, table), schema, batch(schema, first...))
	res := s.mustRun(t, s.loader(t, table, "mode: append"), schema, batch(schema, second[:1]...), batch(schema, second[1:]...))
	if res.written != 2 {
		t.Errorf("second run wrote %d rows, want 2", res.written)
	}
	s.check(t, s.created(table), schema, expect(schema, append(first, second...)...))
}

func (s *suite) upsert(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("name", "string", true), col("score", "decimal(5,1)", true))
	table := "ct_upsert"
	s.mustRun(t, s.loader(t, table, "mode: upsert", "key: [id]"), schema,
		batch(schema, []any{int64(1), "a", xcetl.Decimal("1.0")}, []any{int64(2), "b", xcetl.Decimal("2.0")}, []any{int64(3), "c", nil}))
	b := batch(schema,
		[]any{int64(2), "b2", xcetl.Decimal("20.0")},
		[]any{int64(4), "d-first", xcetl.Decimal("4.0")},
		[]any{nil, "no key", nil},
		[]any{int64(4), "d-last", xcetl.Decimal("40.0")},
		[]any{int64(3), "c2", xcetl.Decimal("3.0")},
	)
	res := s.mustRun(t, s.loader(t, table, "mode: upsert", "key: [id]", "batch_size: 2"), schema, b)
	if len(res.rejects) != 1 || res.rejects[0].Reason != "key column id is NULL" || res.rejects[0].Origin.Line != 4 || res.rejects[0].Column != "id" {
		t.Errorf("rejects = %+v, want the NULL-key row (in.csv line 4, column id, reason \"key column id is NULL\")", res.rejects)
	}
	if res.written != 4 {
		t.Errorf("written = %d, want 4 (both rows of key 4 count as loaded)", res.written)
	}
	s.check(t, s.created(table), schema, expect(schema,
		[]any{int64(1), "a", xcetl.Decimal("1.0")},
		[]any{int64(2), "b2", xcetl.Decimal("20.0")},
		[]any{int64(3), "c2", xcetl.Decimal("3.0")},
		[]any{int64(4), "d-last", xcetl.Decimal("40.0")},
	))
}

func (s *suite) upsertAllKey(t *testing.T) {
	schema := schemaOf(col("a", "int", false), col("b", "string", false))
	table := "ct_upsert_allkey"
	cfg := []string{"mode: upsert", "key: [a, b]"}
	s.mustRun(t, s.loader(t, table, cfg...), schema, batch(schema, []any{int64(1), "x"}, []any{int64(1), "y"}))
	s.mustRun(t, s.loader(t, table, cfg...), schema, batch(schema,
		[]any{int64(1), "x"}, []any{int64(2), "x"}, []any{int64(2), "x"}, []any{int64(1), "y"}))
	s.check(t, s.created(table), schema, expect(schema,
		[]any{int64(1), "x"}, []any{int64(1), "y"}, []any{int64(2), "x"}))
}

// upsertExisting upserts into a table made by hand: other column order,
// an extra column with a default, upper-case pipeline names.
func (s *suite) upsertExisting(t *testing.T) {
	table := s.created("ct_upsert_existing")
	c := s.conn(t)
	ddl, err := s.d.CreateTable(table, []dialects.Column{
		{Name: s.d.Fold("note"), Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true},
		{Name: s.d.Fold("code"), Type: xcetl.Type{Kind: xcetl.KindString}},
		{Name: s.d.Fold("qty"), Type: xcetl.Type{Kind: xcetl.KindInt}, Nullable: true},
	}, []string{s.d.Fold("code")})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(context.Background(), ddl); err != nil {
		t.Fatalf("create by hand: %v", err)
	}
	schema := schemaOf(col("QTY", "int", true), col("CODE", "string", false))
	cfg := []string{"mode: upsert", "key: [CODE]"}
	s.mustRun(t, s.loader(t, "CT_UPSERT_EXISTING", cfg...), schema, batch(schema, []any{int64(1), "k1"}, []any{int64(2), "k2"}))
	s.mustRun(t, s.loader(t, "CT_UPSERT_EXISTING", cfg...), schema, batch(schema, []any{int64(10), "k1"}, []any{int64(3), "k3"}))
	read := schemaOf(col("code", "string", false), col("qty", "int", true), col("note", "string", true))
	s.check(t, table, read, expect(read,
		[]any{"k1", int64(10), nil}, []any{"k2", int64(2), nil}, []any{"k3", int64(3), nil}))
}

func (s *suite) replace(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("name", "string", true))
	table := "ct_replace"
	s.mustRun(t, s.loader(t, table, "mode: replace"), schema, batch(schema, []any{int64(1), "a"}, []any{int64(2), "b"}, []any{int64(3), "c"}))
	s.mustRun(t, s.loader(t, table, "mode: replace"), schema, batch(schema, []any{int64(5), "e"}), batch(schema, []any{int64(6), "f"}))
	s.check(t, s.created(table), schema, expect(schema, []any{int64(5), "e"}, []any{int64(6), "f"}))
	// A run without rows empties the table: it holds exactly this run's rows.
	s.mustRun(t, s.loader(t, table, "mode: replace"), schema)
	s.check(t, s.created(table), schema, nil)
}

// rollback checks rule 5: with commit: run a failed or cancelled run leaves
// the target exactly as it was.
func (s *suite) rollback(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("name", "string", true))
	before := [][]any{{int64(1), "a"}, {int64(2), "b"}}
	ctx := context.Background()
	for _, mode := range []string{"append", "upsert", "replace"} {
		t.Run(mode, func(t *testing.T) {
			table := "ct_rollback_" + mode
			s.mustRun(t, s.loader(t, table, "key: [id]"), schema, batch(schema, before...))
			l := s.loader(t, table, "mode: "+mode, "key: [id]")
			if err := l.Open(ctx, schema); err != nil {
				t.Fatal(err)
			}
			first := batch(schema, []any{int64(2), "changed"}, []any{int64(3), "new"})
			if mode == "append" {
				first = batch(schema, []any{int64(3), "new"})
			}
			for _, b := range []*xcetl.Batch{first, batch(schema, []any{int64(4), "new"})} {
				if err := l.Prepare(b); err != nil {
					t.Fatal(err)
				}
				if committed, err := l.Write(ctx, b); err != nil || committed {
					t.Fatalf("write: committed=%v err=%v, want false, nil", committed, err)
				}
			}
			if err := l.Rollback(ctx); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			if err := l.Close(ctx); err != nil {
				t.Fatalf("close: %v", err)
			}
			s.check(t, s.created(table), schema, expect(schema, before...))
		})
	}
	t.Run("CreatedTableIsGone", func(t *testing.T) {
		table := "ct_rollback_created"
		l := s.loader(t, table)
		if err := l.Open(ctx, schema); err != nil {
			t.Fatal(err)
		}
		b := batch(schema, []any{int64(1), "a"})
		if err := l.Prepare(b); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		if err := l.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		_ = l.Close(ctx)
		if s.exists(t, s.created(table)) {
			t.Errorf("table %s exists after the run that created it was rolled back", table)
		}
	})
	t.Run("FailedBatchFailsRun", func(t *testing.T) {
		table := "ct_rollback_failed"
		s.mustRun(t, s.loader(t, table, "key: [id]"), schema, batch(schema, before...))
		// The second batch collides with an existing key: the whole run,
		// including the first batch, must vanish.
		_, err := s.run(t, s.loader(t, table, "key: [id]"), schema,
			batch(schema, []any{int64(3), "c"}), batch(schema, []any{int64(1), "dup"}))
		if err == nil {
			t.Fatal("appending a duplicate primary key succeeded")
		}
		s.check(t, s.created(table), schema, expect(schema, before...))
	})
	t.Run("CancelledRun", func(t *testing.T) {
		table := "ct_rollback_cancel"
		s.mustRun(t, s.loader(t, table), schema, batch(schema, before...))
		l := s.loader(t, table)
		cctx, cancel := context.WithCancel(ctx)
		if err := l.Open(cctx, schema); err != nil {
			t.Fatal(err)
		}
		b := batch(schema, []any{int64(3), "c"})
		if err := l.Prepare(b); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Write(cctx, b); err != nil {
			t.Fatal(err)
		}
		cancel()
		b2 := batch(schema, []any{int64(4), "d"})
		if err := l.Prepare(b2); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Write(cctx, b2); err == nil {
			t.Error("write with a cancelled context succeeded")
		}
		if err := l.Rollback(cctx); err != nil {
			t.Errorf("rollback after cancel: %v", err)
		}
		_ = l.Close(cctx)
		s.check(t, s.created(table), schema, expect(schema, before...))
	})
}

func (s *suite) commitPerBatch(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("name", "string", true))
	table := "ct_commit_batch"
	ctx := context.Background()
	for _, mode := range []string{"append", "upsert"} {
		t.Run(mode, func(t *testing.T) {
			table := table + "_" + mode
			l := s.loader(t, table, "mode: "+mode, "key: [id]", "commit: batch")
			if err := l.Open(ctx, schema); err != nil {
				t.Fatal(err)
			}
			b := batch(schema, []any{int64(1), "a"}, []any{int64(2), "b"})
			if err := l.Prepare(b); err != nil {
				t.Fatal(err)
			}
			committed, err := l.Write(ctx, b)
			if err != nil || !committed {
				t.Fatalf("write: committed=%v err=%v, want true, nil", committed, err)
			}
			// Durable before the end of the run: another connection sees it.
			s.check(t, s.created(table), schema, expect(schema, []any{int64(1), "a"}, []any{int64(2), "b"}))
			bad := batch(schema, []any{int64(3), "c"}, []any{int64(3), "dup"})
			if mode == "upsert" {
				bad = batch(schema, []any{int64(3), "c"}, []any{int64(4), "xxx"})
			}
			if err := l.Prepare(bad); err != nil {
				t.Fatal(err)
			}
			committed, err = l.Write(ctx, bad)
			if mode == "append" && (err == nil || committed) {
				t.Fatalf("writing a duplicate key: committed=%v err=%v, want an error", committed, err)
			}
			if mode == "upsert" && (err != nil || !committed) {
				t.Fatalf("upsert batch: committed=%v err=%v", committed, err)
			}
			if err := l.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			_ = l.Close(ctx)
			want := [][]any{{int64(1), "a"}, {int64(2), "b"}}
			if mode == "upsert" {
				want = append(want, []any{int64(3), "c"}, []any{int64(4), "xxx"})
			}
			s.check(t, s.created(table), schema, expect(schema, want...))
		})
	}
}

func (s *suite) identifiers(t *testing.T) {
	schema := schemaOf(col("列名", "int", false), col("姓名", "string", true), col("user", "string", true),
		col("order", "int", true), col("select", "bool", true), col("MixedCase", "string", true), col(`we"ird`, "string", true),
		col("level", "int", true), col("type", "string", true), col("top", "int", true))
	table := "ct_订单_Order"
	rows := [][]any{{int64(1), "张三", "u1", int64(7), true, "m", "q", int64(2), "t", int64(3)}}
	s.mustRun(t, s.loader(t, table, "mode: upsert", "key: [列名]"), schema, batch(schema, rows...))
	s.check(t, s.created(table), schema, expect(schema, rows...))
	info, err := s.conn(t).Describe(context.Background(), s.created(table))
	if err != nil || info == nil {
		t.Fatalf("describe: %v %v", info, err)
	}
	var names []string
	for _, c := range info.Columns {
		names = append(names, c.Name)
	}
	want := []string{"列名", "姓名", s.d.Fold("user"), s.d.Fold("order"), s.d.Fold("select"), s.d.Fold("MixedCase"), `we"ird`, s.d.Fold("level"), s.d.Fold("type"), s.d.Fold("top")}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("created columns %q, want %q (folded, quoted)", names, want)
	}
	// A second run spelling names in another case finds the same table and
	// columns through folding.
	schema2 := schemaOf(col("列名", "int", false), col("姓名", "string", true), col("USER", "string", true),
		col("Order", "int", true), col("SELECT", "bool", true), col("MIXEDCASE", "string", true), col(`we"ird`, "string", true),
		col("Level", "int", true), col("TYPE", "string", true), col("Top", "int", true))
	second := []any{int64(1), "李四", "u2", int64(8), false, "n", "r", int64(4), "t2", int64(5)}
	s.mustRun(t, s.loader(t, strings.ToUpper(table), "mode: upsert", "key: [列名]"), schema2, batch(schema2, second))
	s.check(t, s.created(table), schema, expect(schema, second))
	// A quoted table name is used exactly.
	quoted := `"ct_Quoted Table"`
	s.mustRun(t, s.loader(t, quoted), schema, batch(schema, rows...))
	s.check(t, dialects.Table{Name: "ct_Quoted Table", NameQuoted: true}, schema, expect(schema, rows...))
}

func (s *suite) emptyIsNull(t *testing.T) string {
	c := s.conn(t)
	if e, ok := c.(dialects.EmptyStringNuller); ok {
		return e.EmptyStringIsNull()
	}
	return ""
}

func (s *suite) nullVersusEmpty(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("opt", "string", true), col("req", "string", false))
	table := "ct_null_empty"
	rows := [][]any{{int64(1), "", "x"}, {int64(2), nil, "y"}, {int64(3), "v", ""}}
	res := s.mustRun(t, s.loader(t, table), schema, batch(schema, append(rows, []any{int64(4), "w", nil})...))
	if reason := s.emptyIsNull(t); reason != "" {
		if len(res.rejects) != 2 {
			t.Errorf("rejects = %+v, want row 3 ('' in NOT NULL, %s) and row 4 (NULL in NOT NULL)", res.rejects, reason)
		}
		s.check(t, s.created(table), schema, expect(schema, []any{int64(1), nil, "x"}, []any{int64(2), nil, "y"}))
		return
	}
	if len(res.rejects) != 1 || res.rejects[0].Column != "req" || res.rejects[0].Origin.Line != 5 {
		t.Errorf("rejects = %+v, want only row 4 (NULL in NOT NULL column req, in.csv line 5)", res.rejects)
	}
	s.check(t, s.created(table), schema, expect(schema, rows...))
}

func (s *suite) textEscapes(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("txt", "string", true))
	table := "ct_escapes"
	values := []string{"tab\there", "new\nline", "cr\rlf\r\n", `back\slash`, `\N`, `\.`, "\\", "'quote' \"dq\"", "中文，全角；标点", "emoji 🎉", " lead and trail ", "\x01\x07\x0b\x0c", "\\x41", ","}
	var rows [][]any
	for i, v := range values {
		rows = append(rows, []any{int64(i + 1), v})
	}
	s.mustRun(t, s.loader(t, table), schema, batch(schema, rows...))
	s.check(t, s.created(table), schema, expect(schema, rows...))
}

func (s *suite) timestamps(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("ts", "timestamp", true), col("tz", "timestamptz", true), col("d", "date", true))
	table := "ct_timestamps"
	lmt, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		lmt = time.FixedZone("LMT", 8*3600+343)
	}
	rows := [][]any{
		{int64(1), time.Date(2024, 6, 30, 23, 59, 59, 999999000, time.UTC), time.Date(2024, 6, 30, 23, 59, 59, 999999000, time.FixedZone("", 8*3600)), date(2024, 6, 30)},
		{int64(2), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), date(1970, 1, 1)},
		{int64(3), time.Date(2038, 1, 19, 3, 14, 8, 1000, time.UTC), time.Date(1900, 1, 1, 12, 0, 0, 0, lmt), date(9999, 12, 31)},
		{int64(4), time.Date(2024, 3, 10, 2, 30, 0, 0, time.UTC), time.Date(2024, 3, 10, 2, 30, 0, 0, time.FixedZone("", -5*3600-1800)), date(2000, 2, 29)},
	}
	s.mustRun(t, s.loader(t, table), schema, batch(schema, rows...))
	s.check(t, s.created(table), schema, expect(schema, rows...))
}

func (s *suite) decimals(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("v", "decimal(38,10)", true), col("w", "decimal(38,0)", true))
	table := "ct_decimals"
	rows := [][]any{
		{int64(1), xcetl.Decimal("9999999999999999999999999999.9999999999"), xcetl.Decimal("99999999999999999999999999999999999999")},
		{int64(2), xcetl.Decimal("-9999999999999999999999999999.9999999999"), xcetl.Decimal("-99999999999999999999999999999999999999")},
		{int64(3), xcetl.Decimal("0.0000000001"), xcetl.Decimal("0")},
		{int64(4), xcetl.Decimal("-0.0000000001"), xcetl.Decimal("1")},
	}
	s.mustRun(t, s.loader(t, table), schema, batch(schema, rows...))
	s.check(t, s.created(table), schema, expect(schema, rows...))
}

func (s *suite) bytes(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("data", "bytes", true))
	table := "ct_bytes"
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	rows := [][]any{{int64(1), all}, {int64(2), []byte(`\x00\N\`)}, {int64(3), []byte{}}, {int64(4), nil}, {int64(5), bytes.Repeat([]byte{0}, 1000)}}
	s.mustRun(t, s.loader(t, table), schema, batch(schema, rows...))
	s.check(t, s.created(table), schema, expect(schema, rows...))
}

func (s *suite) columnMismatch(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("name", "string", true))
	table := "ct_mismatch"
	s.mustRun(t, s.loader(t, table), schema, batch(schema, []any{int64(1), "a"}))
	bad := schemaOf(col("id", "int", false), col("nmae", "string", true), col("extra", "string", true))
	_, err := s.run(t, s.loader(t, table), bad, batch(bad, []any{int64(2), "b", "c"}))
	if err == nil {
		t.Fatal("loading columns the table does not have succeeded")
	}
	for _, want := range []string{`"nmae" (did you mean "name"?)`, `"extra"`, "the table's columns: id", "name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	s.check(t, s.created(table), schema, expect(schema, []any{int64(1), "a"}))
}

func (s *suite) createNever(t *testing.T) {
	schema := schemaOf(col("id", "int", false))
	_, err := s.run(t, s.loader(t, "ct_never", "create: never"), schema, batch(schema, []any{int64(1)}))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v, want \"does not exist\"", err)
	}
	if s.exists(t, s.created("ct_never")) {
		t.Error("create: never created the table")
	}
}

func (s *suite) writeErrorOrigin(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("name", "string", true))
	table := "ct_error_origin"
	s.mustRun(t, s.loader(t, table, "key: [id]"), schema, batch(schema, []any{int64(7), "x"}))
	var rows [][]any
	for i := 1; i <= 600; i++ {
		rows = append(rows, []any{int64(100 + i), "ok"})
	}
	rows[449][0] = int64(7) // batch row 450 → in.csv line 451
	_, err := s.run(t, s.loader(t, table, "key: [id]"), schema, batch(schema, rows...))
	if err == nil {
		t.Fatal("appending a duplicate key succeeded")
	}
	for _, want := range []string{"batch 1 row 450 (file in.csv line 451)", table} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// cdc checks mode cdc: inserts, updates and deletes by key in one batch,
// several events per key (the last wins), deletes of missing keys, deletes
// with NULLs in NOT NULL columns, updates that change the key, and that
// replaying a batch gives the same table.
func (s *suite) cdc(t *testing.T) {
	schema := schemaOf(col("id", "int", false), col("name", "string", false), col("score", "decimal(38,2)", true))
	table := "ct_cdc"
	cfg := []string{"mode: cdc", "key: [id]"}
	events := func(ops []xcetl.Op, before [][]any, rows ...[]any) *xcetl.Batch {
		b := batch(schema, rows...)
		b.Ops = ops
		b.Before = before
		return b
	}
	ins, upd, del := xcetl.OpInsert, xcetl.OpUpdate, xcetl.OpDelete
	first := events([]xcetl.Op{ins, ins, ins, upd, del, ins, del, upd},
		nil,
		[]any{int64(1), "a", xcetl.Decimal("1.00")},
		[]any{int64(2), "b", nil},
		[]any{int64(3), "c", nil},
		[]any{int64(2), "b2", xcetl.Decimal("99999999999999999999999999999999999.99")},
		[]any{int64(3), nil, nil}, // a delete carries the key only
		[]any{int64(4), "d", nil},
		[]any{int64(99), nil, nil}, // deleting a missing key is no error
		[]any{int64(6), "upsert of a new key", nil},
	)
	res := s.mustRun(t, s.loader(t, table, cfg...), schema, first)
	if len(res.rejects) != 0 {
		t.Errorf("rejects = %+v, want none (deletes need no values besides the key)", res.rejects)
	}
	s.check(t, s.created(table), schema, expect(schema,
		[]any{int64(1), "a", xcetl.Decimal("1.00")},
		[]any{int64(2), "b2", xcetl.Decimal("99999999999999999999999999999999999.99")},
		[]any{int64(4), "d", nil},
		[]any{int64(6), "upsert of a new key", nil},
	))
	// Key 4 becomes 5; key 1 is deleted and inserted again (last event
	// wins); key 6 is inserted again after being deleted; a NULL key is
	// rejected.
	second := func() *xcetl.Batch {
		return events([]xcetl.Op{upd, del, ins, del, ins, ins},
			[][]any{{int64(4)}, nil, nil, nil, nil, nil},
			[]any{int64(5), "d5", nil},
			[]any{int64(1), nil, nil},
			[]any{int64(1), "a again", nil},
			[]any{int64(6), nil, nil},
			[]any{nil, "no key", nil},
			[]any{int64(7), "g", xcetl.Decimal("-0.01")},
		)
	}
	want := expect(schema,
		[]any{int64(1), "a again", nil},
		[]any{int64(2), "b2", xcetl.Decimal("99999999999999999999999999999999999.99")},
		[]any{int64(5), "d5", nil},
		[]any{int64(7), "g", xcetl.Decimal("-0.01")},
	)
	for _, run := range []string{"first", "replayed"} {
		res = s.mustRun(t, s.loader(t, table, cfg...), schema, second())
		if len(res.rejects) != 1 || res.rejects[0].Column != "id" {
			t.Errorf("%s run: rejects = %+v, want the NULL key", run, res.rejects)
		}
		s.check(t, s.created(table), schema, want)
	}
	// commit: batch applies each batch in its own transaction.
	s.mustRun(t, s.loader(t, table, append(cfg, "commit: batch")...), schema,
		events([]xcetl.Op{del}, nil, []any{int64(2), nil, nil}),
		events([]xcetl.Op{upd}, nil, []any{int64(7), "g2", nil}))
	s.check(t, s.created(table), schema, expect(schema,
		[]any{int64(1), "a again", nil}, []any{int64(5), "d5", nil}, []any{int64(7), "g2", nil}))
}

// wideBatch loads one batch whose values outnumber the 65,535 bind
// parameters a PostgreSQL-protocol statement may have (70 columns × 1,000
// rows): dialects that bind values must size their statements.
func (s *suite) wideBatch(t *testing.T) {
	const ncols, nrows = 70, 1000
	cols := []xcetl.Column{col("id", "int", false)}
	for j := 1; j < ncols; j++ {
		cols = append(cols, col(fmt.Sprintf("c%02d", j), "int", true))
	}
	schema := schemaOf(cols...)
	rows := make([][]any, nrows)
	for i := range rows {
		rows[i] = make([]any, ncols)
		rows[i][0] = int64(i)
		for j := 1; j < ncols; j++ {
			rows[i][j] = int64(i*ncols + j)
		}
	}
	for _, mode := range []string{"append", "upsert"} {
		t.Run(mode, func(t *testing.T) {
			table := "ct_wide_" + mode
			b := batch(schema, rows...)
			s.mustRun(t, s.loader(t, table, "mode: "+mode, "key: [id]", "batch_size: 1000"), schema, b)
			s.check(t, s.created(table), schema, expect(schema, rows...))
		})
	}
}

// Case is one target configuration rendered by Golden.
type Case struct {
	// Name names the golden file: testdata/<Name>.sql.
	Name string
	// Target is YAML lines added to type/dsn (table, mode, key, …).
	Target string
	// Columns defaults to a schema with Chinese, reserved and mixed-case
	// names when nil.
	Columns *xcetl.Schema
}

// DefaultCases are the configurations every dialect renders.
func DefaultCases() []Case {
	every := schemaOf(col("id", "int", false), col("s", "string", true), col("s10", "string(10)", true), col("f", "float", true),
		col("dec", "decimal(38,10)", true), col("b", "bool", true), col("d", "date", true), col("ts", "timestamp", true),
		col("tstz", "timestamptz", false), col("by", "bytes", true))
	return []Case{
		{Name: "append", Target: "table: public.Residents\nmode: append"},
		{Name: "append_commit_batch", Target: "table: residents\ncommit: batch"},
		{Name: "create_every_type", Target: "table: every_type\nkey: [id]", Columns: every},
		{Name: "upsert", Target: "table: public.residents\nmode: upsert\nkey: [id]"},
		{Name: "upsert_composite_key", Target: "table: residents\nmode: upsert\nkey: [id, 姓名]"},
		{Name: "upsert_all_key", Target: "table: pairs\nmode: upsert\nkey: [a, b]", Columns: schemaOf(col("a", "int", false), col("b", "string", false))},
		{Name: "upsert_commit_batch", Target: "table: residents\nmode: upsert\nkey: [id]\ncommit: batch"},
		{Name: "replace", Target: "table: '\"My Schema\".\"订单\"'\nmode: replace\ncreate: never"},
		{Name: "cdc", Target: "table: residents\nmode: cdc\nkey: [id]"},
		{Name: "cdc_composite_key", Target: "table: residents\nmode: cdc\nkey: [id, 姓名]\ncommit: batch"},
	}
}

func defaultColumns() *xcetl.Schema {
	return schemaOf(col("id", "int", false), col("姓名", "string", true), col("user", "string", true),
		col("order", "decimal(10,2)", true), col("MixedCase", "timestamp", true))
}

// GoldenOptions says where and how Golden renders.
type GoldenOptions struct {
	// Dir holds the golden files; default "testdata".
	Dir string
	// DSN is the target's DSN; it should contain a password, to check
	// that the output never shows it.
	DSN string
	// Update rewrites the files instead of comparing (the -update flag).
	Update bool
	// Extra cases are rendered after DefaultCases.
	Extra []Case
}

// Golden renders the statements of every case (DefaultCases plus
// o.Extra) through the loader's Explain and compares them with
// <o.Dir>/<case>.sql.
func Golden(t *testing.T, d dialects.Dialect, o GoldenOptions) {
	dir, dsn, update := o.Dir, o.DSN, o.Update
	if dir == "" {
		dir = "testdata"
	}
	for _, c := range append(DefaultCases(), o.Extra...) {
		t.Run(c.Name, func(t *testing.T) {
			src := "type: " + d.Name() + "\ndsn: " + yamlQuote(dsn) + "\n" + c.Target + "\n"
			n, err := config.Parse("target.yaml", []byte(src), nil)
			if err != nil {
				t.Fatal(err)
			}
			l, err := load.NewSQL(d, n, load.Env{Pipeline: "golden"})
			if err != nil {
				t.Fatal(err)
			}
			schema := c.Columns
			if schema == nil {
				schema = defaultColumns()
			}
			stmts, err := l.Explain(schema)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "-- %s\n-- target:\n", l.Describe())
			for _, line := range strings.Split(c.Target, "\n") {
				fmt.Fprintf(&b, "--   %s\n", line)
			}
			for _, st := range stmts {
				fmt.Fprintf(&b, "\n-- %s\n%s;\n", st.When, st.SQL)
			}
			got := b.String()
			if u, err := url.Parse(dsn); err == nil && u.User != nil {
				if pw, ok := u.User.Password(); ok && strings.Contains(got, pw) {
					t.Errorf("explain output shows the password:\n%s", got)
				}
			}
			path := filepath.Join(dir, c.Name+".sql")
			if update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run the test with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs (run with -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}
