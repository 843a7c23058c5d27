package dm8

import (
	"context"
	"database/sql/driver"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/dialecttest"
	"github.com/xcetl/xcetl/load"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files under testdata/")

const goldenDSN = "dm://SYSDBA:S3cret-pw@dm.example:5236?schema=XCETL"

func mustType(s string) xcetl.Type {
	t, err := xcetl.ParseType(s)
	if err != nil {
		panic(err)
	}
	return t
}

func schemaOf(cols ...string) *xcetl.Schema {
	s := &xcetl.Schema{}
	for _, c := range cols {
		name, typ, _ := strings.Cut(c, ":")
		nullable := !strings.HasSuffix(typ, "!")
		s.Columns = append(s.Columns, xcetl.Column{Name: name, Type: mustType(strings.TrimSuffix(typ, "!")), Nullable: nullable, Source: -1})
	}
	return s
}

// TestGolden fixes every statement the dialect emits. No DM8 server has
// run them.
func TestGolden(t *testing.T) {
	reserved := schemaOf("编号:int!", "姓名:string(20)", "USER:string", "top:int", "Level:int", "type:string(5000)", "身份证号:string(18)", "余额:decimal(38,2)", "在职:bool", "出生日期:date", "登记时间:timestamp", "更新时间:timestamptz", "照片:bytes")
	dialecttest.Golden(t, Dialect, dialecttest.GoldenOptions{DSN: goldenDSN, Update: *update, Extra: []dialecttest.Case{
		{Name: "reserved_chinese_upsert", Target: "table: XCETL.居民_Residents\nmode: upsert\nkey: [编号]", Columns: reserved},
		{Name: "reserved_chinese_cdc", Target: "table: 居民\nmode: cdc\nkey: [编号, 身份证号]", Columns: reserved},
		{Name: "append_prepared", Target: "table: residents\ninsert_method: prepared", Columns: reserved},
		{Name: "upsert_prepared_identity_on", Target: "table: residents\nmode: upsert\nkey: [id]\ninsert_method: prepared\nidentity_insert: on"},
		{Name: "replace_identity_off", Target: "table: residents\nmode: replace\nidentity_insert: off\nrows_per_statement: 1000"},
	}})
}

func TestColumnTypes(t *testing.T) {
	tests := map[string]string{
		"string": "VARCHAR(8188)", "string(10)": "VARCHAR(10 CHAR)", "string(2047)": "VARCHAR(2047 CHAR)", "string(2048)": "CLOB",
		"int": "BIGINT", "float": "DOUBLE", "decimal(38,10)": "DECIMAL(38,10)", "decimal(12,2)": "DECIMAL(12,2)", "bool": "BIT",
		"date": "DATE", "timestamp": "TIMESTAMP(6)", "timestamptz": "TIMESTAMP(6) WITH TIME ZONE", "bytes": "BLOB",
	}
	for in, want := range tests {
		got, err := Dialect.ColumnType(mustType(in))
		if err != nil || got != want {
			t.Errorf("ColumnType(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestFoldAndIdentifiers(t *testing.T) {
	if got := Dialect.Fold("user_姓名_Top"); got != "USER_姓名_TOP" {
		t.Errorf("Fold = %q", got)
	}
	if got := Dialect.Quote(`le"vel`); got != `"le""vel"` {
		t.Errorf("Quote = %q", got)
	}
	if err := Dialect.CheckIdent(strings.Repeat("名", 43)); err == nil {
		t.Error("a 129-byte name was accepted")
	}
	if err := Dialect.CheckIdent(strings.Repeat("名", 42)); err != nil {
		t.Errorf("a 126-byte name: %v", err)
	}
}

func TestOptions(t *testing.T) {
	for _, ok := range [][2]string{{"insert_method", "multi_row"}, {"insert_method", "prepared"}, {"rows_per_statement", "500"}, {"identity_insert", "on"}} {
		if _, err := dialecttest.Options(Dialect, ok[0]+": "+ok[1]); err != nil {
			t.Errorf("%s: %s: %v", ok[0], ok[1], err)
		}
	}
	for _, bad := range [][2]string{{"insert_method", "copy"}, {"rows_per_statement", "0"}, {"rows_per_statement", "x"}, {"identity_insert", "yes"}, {"copy_format", "text"}} {
		if _, err := dialecttest.Options(Dialect, bad[0]+": "+bad[1]); err == nil {
			t.Errorf("%s: %s accepted", bad[0], bad[1])
		}
	}
	if o := dialects.OptionsOf[Options](nil); o.RowsPerStatement != DefaultRowsPerStatement {
		t.Errorf("rows_per_statement defaults to %d, DefaultRowsPerStatement is %d", o.RowsPerStatement, DefaultRowsPerStatement)
	}
}

// TestCheckDriver: the default build has no "dm" driver, and says how to
// get one.
func TestCheckDriver(t *testing.T) {
	err := Dialect.(dialects.DriverChecker).CheckDriver()
	if err == nil {
		t.Skip("built with the dm driver")
	}
	for _, want := range []string{"make build TAGS=dm", "go get gitee.com/chunanyong/dm", "GOPRIVATE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v does not mention %q", err, want)
		}
	}
	if _, err := Dialect.Open(context.Background(), goldenDSN, dialects.Env{}); err == nil || !strings.Contains(err.Error(), "TAGS=dm") {
		t.Errorf("Open without driver: %v", err)
	}
}

func TestValue(t *testing.T) {
	cst := time.FixedZone("", 8*3600)
	tests := []struct {
		v    any
		k    xcetl.Kind
		want any
	}{
		{xcetl.Decimal("-1234567890123456789012345678.1234567890"), xcetl.KindDecimal, "-1234567890123456789012345678.1234567890"},
		{true, xcetl.KindBool, int64(1)},
		{false, xcetl.KindBool, int64(0)},
		{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), xcetl.KindDate, "2024-02-29"},
		{time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC), xcetl.KindTimestamp, "2024-02-29 13:14:15.123456"},
		{time.Date(2024, 2, 29, 13, 14, 15, 0, cst), xcetl.KindTimestampTZ, "2024-02-29 13:14:15.000000 +08:00"},
		{time.Date(1900, 1, 1, 12, 0, 0, 0, time.FixedZone("LMT", 8*3600+343)), xcetl.KindTimestampTZ, "1900-01-01 03:54:17.000000 +00:00"},
		{"张三", xcetl.KindString, "张三"},
		{nil, xcetl.KindInt, nil},
	}
	for _, tt := range tests {
		got, err := Value(tt.v, tt.k)
		if err != nil || got != tt.want {
			t.Errorf("Value(%v, %s) = %#v, %v; want %#v", tt.v, tt.k, got, err, tt.want)
		}
	}
	for _, bad := range []any{math.NaN(), math.Inf(1)} {
		var ns errNotStorable
		if _, err := Value(bad, xcetl.KindFloat); !errors.As(err, &ns) {
			t.Errorf("Value(%v) = %v, want errNotStorable", bad, err)
		}
	}
}

// --- the loader against the recording driver ---

type scenario struct {
	r      *recorder
	tables map[string]bool // existing tables (upper-case names)
	cols   [][]driver.Value
	pk     []string
	ident  string
	ci     bool
	// compat is what V$DM_INI says for COMPATIBLE_MODE, compatFn what
	// SF_GET_PARA_VALUE says; nil: the query fails (no privilege).
	compat, compatFn driver.Value
}

func newScenario(t *testing.T) *scenario {
	s := &scenario{r: &recorder{}, tables: map[string]bool{}, compat: "0", compatFn: int64(0)}
	host := strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-")
	recordersMu.Lock()
	recorders[host] = s.r
	recordersMu.Unlock()
	s.r.answer = func(q string, args []any) ([]string, [][]driver.Value, error) {
		switch {
		case strings.Contains(q, "CASE_SENSITIVE()"):
			if s.ci {
				return nil, [][]driver.Value{{int64(0)}}, nil
			}
			return nil, [][]driver.Value{{int64(1)}}, nil
		case strings.Contains(q, "CURRENT_SCHEMA"):
			return nil, [][]driver.Value{{"XCETL"}}, nil
		case q == CompatibleModeQueries[0]:
			if s.compat == nil {
				return nil, nil, errors.New("[CODE:-5504] no privilege to access V$DM_INI")
			}
			return nil, [][]driver.Value{{s.compat}}, nil
		case q == CompatibleModeQueries[1]:
			if s.compatFn == nil {
				return nil, nil, errors.New("[CODE:-2207] invalid function SF_GET_PARA_VALUE")
			}
			return nil, [][]driver.Value{{s.compatFn}}, nil
		case strings.Contains(q, "FROM ALL_TABLES"):
			if s.tables[fmt.Sprint(args[1])] {
				return nil, [][]driver.Value{{"XCETL", args[1]}}, nil
			}
			return nil, nil, nil
		case strings.Contains(q, "FROM ALL_TAB_COLUMNS"):
			return nil, s.cols, nil
		case strings.Contains(q, "FROM ALL_CONSTRAINTS"):
			var rows [][]driver.Value
			for _, k := range s.pk {
				rows = append(rows, []driver.Value{"PK", "P", k})
			}
			return nil, rows, nil
		case strings.Contains(q, "FROM SYSCOLUMNS"):
			if s.ident != "" {
				return nil, [][]driver.Value{{s.ident}}, nil
			}
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("recorder: unexpected query %s", q)
	}
	return s
}

func (s *scenario) dsn(t *testing.T) string {
	return "dm://SYSDBA:S3cret-pw@" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-") + ":5236"
}

func (s *scenario) loader(t *testing.T, extra ...string) *load.SQL {
	t.Helper()
	src := "type: dm8\ndsn: '" + s.dsn(t) + "'\n" + strings.Join(extra, "\n") + "\n"
	n, err := config.Parse("target.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := load.NewSQL(dialect{driver: "dm8rec"}, n, load.Env{Pipeline: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func run(t *testing.T, l *load.SQL, schema *xcetl.Schema, batches ...*xcetl.Batch) error {
	t.Helper()
	ctx := context.Background()
	defer l.Close(ctx)
	if err := l.Open(ctx, schema); err != nil {
		return err
	}
	for _, b := range batches {
		if err := l.Prepare(b); err != nil {
			return errors.Join(err, l.Rollback(ctx))
		}
		if _, err := l.Write(ctx, b); err != nil {
			return errors.Join(err, l.Rollback(ctx))
		}
	}
	return l.Commit(ctx)
}

func rowsOf(n, width int) [][]any {
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = make([]any, width)
		for j := range rows[i] {
			rows[i][j] = int64(i*width + j)
		}
	}
	return rows
}

func kinds(stmts []string) []string {
	out := make([]string, len(stmts))
	for i, s := range stmts {
		f := strings.Fields(strings.TrimPrefix(s, "EXEC "))
		out[i] = f[0]
		if strings.HasPrefix(s, "EXEC ") {
			out[i] = "EXEC " + f[0]
		}
		if f[0] == "SET" || f[0] == "PREPARE" {
			out[i] += " " + f[1]
		}
	}
	return out
}

// TestCreateAppendCommit: CREATE TABLE runs before BEGIN (DDL commits on
// DM8), rows go in multi-row INSERTs sized under the parameter limit.
func TestCreateAppendCommit(t *testing.T) {
	s := newScenario(t)
	cols := []string{"id:int!"}
	for j := 1; j < 70; j++ {
		cols = append(cols, fmt.Sprintf("c%d:int", j))
	}
	schema := schemaOf(cols...)
	l := s.loader(t, "table: wide", "rows_per_statement: 10000")
	if err := run(t, l, schema, &xcetl.Batch{Schema: schema, Rows: rowsOf(1000, 70)}); err != nil {
		t.Fatal(err)
	}
	got := kinds(s.r.statements())
	want := []string{"CREATE", "BEGIN", "INSERT", "INSERT", "COMMIT"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("statements %v, want %v", got, want)
	}
	st := s.r.statements()
	if !strings.HasPrefix(st[0], `CREATE TABLE "WIDE" (`) || !strings.Contains(st[0], `"C69" BIGINT`) {
		t.Errorf("create: %s", st[0])
	}
	// 65535 / 70 = 936 rows in the first statement, 64 in the second.
	if n := strings.Count(st[2], "), ("); n != 935 {
		t.Errorf("first INSERT has %d rows, want 936", n+1)
	}
}

// TestFailedRunDropsCreatedTable: a failing INSERT rolls back and drops the
// table the run created; the failing row is found by replaying its
// statement row by row.
func TestFailedRunDropsCreatedTable(t *testing.T) {
	s := newScenario(t)
	s.r.fail = func(q string, args []any) error {
		for _, a := range args {
			if a == int64(7) {
				return errors.New("unique constraint violated")
			}
		}
		return nil
	}
	schema := schemaOf("id:int!", "name:string")
	rows := [][]any{{int64(1), "a"}, {int64(7), "b"}, {int64(3), "c"}}
	b := &xcetl.Batch{Schema: schema, Rows: rows, Origin: []xcetl.Origin{{File: "in.csv", Line: 2}, {File: "in.csv", Line: 3}, {File: "in.csv", Line: 4}}}
	err := run(t, s.loader(t, "table: t", "key: [id]"), schema, b)
	if err == nil || !strings.Contains(err.Error(), "row 2 (file in.csv line 3)") {
		t.Fatalf("err = %v, want one naming row 2 (in.csv line 3)", err)
	}
	got := kinds(s.r.statements())
	want := []string{"CREATE", "BEGIN", "INSERT", "INSERT", "INSERT", "ROLLBACK", "DROP"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statements %v, want %v", got, want)
	}
}

// TestReplaceDeletesInTransaction: replace never TRUNCATEs.
func TestReplaceDeletesInTransaction(t *testing.T) {
	s := newScenario(t)
	s.tables["T"] = true
	s.cols = [][]driver.Value{{"ID", "BIGINT", int64(8), nil, nil, "N"}, {"NAME", "VARCHAR", int64(8188), nil, nil, "Y"}}
	schema := schemaOf("id:int!", "name:string")
	if err := run(t, s.loader(t, "table: t", "mode: replace"), schema, &xcetl.Batch{Schema: schema, Rows: [][]any{{int64(1), "a"}}}); err != nil {
		t.Fatal(err)
	}
	st := s.r.statements()
	if fmt.Sprint(kinds(st)) != "[BEGIN DELETE INSERT COMMIT]" || st[1] != `DELETE FROM "T"` {
		t.Errorf("statements %q", st)
	}
}

// TestUpsertIdentityAndValues: an IDENTITY column written by the pipeline
// gets IDENTITY_INSERT ON (and OFF at the end) and is not updated by the
// MERGE; values are sent in the documented forms.
func TestUpsertIdentityAndValues(t *testing.T) {
	s := newScenario(t)
	s.tables["居民"] = true
	s.ident = "ID"
	s.pk = []string{"CODE"}
	s.cols = [][]driver.Value{{"ID", "BIGINT", int64(8), nil, nil, "N"}, {"CODE", "VARCHAR", int64(20), nil, nil, "N"},
		{"余额", "DECIMAL", int64(38), int64(38), int64(2), "Y"}, {"TS", "TIMESTAMP", int64(8), nil, nil, "Y"}, {"OK", "BIT", int64(1), nil, nil, "Y"}}
	schema := schemaOf("id:int!", "code:string!", "余额:decimal(38,2)", "ts:timestamp", "ok:bool")
	rows := [][]any{
		{int64(1), "k1", xcetl.Decimal("999999999999999999999999999999999999.99"), time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC), true},
		{int64(2), "k2", nil, nil, false},
		{int64(3), "k1", nil, nil, nil}, // same key: the last row wins
	}
	if err := run(t, s.loader(t, "table: 居民", "mode: upsert", "key: [code]"), schema, &xcetl.Batch{Schema: schema, Rows: rows}); err != nil {
		t.Fatal(err)
	}
	st := s.r.statements()
	if fmt.Sprint(kinds(st)) != "[BEGIN SET IDENTITY_INSERT MERGE COMMIT SET IDENTITY_INSERT]" {
		t.Fatalf("statements %q", st)
	}
	if st[1] != `SET IDENTITY_INSERT "居民" ON` || st[4] != `SET IDENTITY_INSERT "居民" OFF` {
		t.Errorf("identity statements %q, %q", st[1], st[4])
	}
	merge := st[2]
	if strings.Contains(merge, `"ID" = s."ID"`) || !strings.Contains(merge, `WHEN MATCHED THEN UPDATE SET "余额" = s."余额", "TS" = s."TS", "OK" = s."OK"`) {
		t.Errorf("merge updates the identity column or misses columns:\n%s", merge)
	}
	var args []any
	for i, q := range s.r.log {
		if strings.HasPrefix(q, "MERGE") {
			args = s.r.args[i]
		}
	}
	want := []any{int64(2), "k2", nil, nil, int64(0), int64(3), "k1", nil, nil, nil}
	if fmt.Sprint(args) != fmt.Sprint(want) {
		t.Errorf("merge args %v, want %v (rows 2 and 3; row 1 superseded by row 3)", args, want)
	}
	s.r.log, s.r.args = nil, nil
	if err := run(t, s.loader(t, "table: 居民", "mode: upsert", "key: [code]"), schema, &xcetl.Batch{Schema: schema, Rows: rows[:1]}); err != nil {
		t.Fatal(err)
	}
	for i, q := range s.r.log {
		if strings.HasPrefix(q, "MERGE") {
			args = s.r.args[i]
		}
	}
	want = []any{int64(1), "k1", "999999999999999999999999999999999999.99", "2024-01-02 03:04:05.000006", int64(1)}
	if fmt.Sprint(args) != fmt.Sprint(want) {
		t.Errorf("merge args %v, want %v", args, want)
	}
}

// TestCDCDeletesThenMerges: deletes by key (also the old key of an update
// that changed it), then one MERGE of the rest; prepared mode runs one
// statement per row.
func TestCDCDeletesThenMerges(t *testing.T) {
	for _, method := range []string{MultiRow, Prepared} {
		t.Run(method, func(t *testing.T) {
			s := newScenario(t)
			schema := schemaOf("id:int!", "name:string")
			b := &xcetl.Batch{Schema: schema,
				// Key 4 becomes 5: a delete of the old key, then the update.
				Rows: [][]any{{int64(1), "a"}, {int64(2), nil}, {int64(4), nil}, {int64(5), "e"}, {int64(3), "c"}},
				Ops:  []xcetl.Op{xcetl.OpInsert, xcetl.OpDelete, xcetl.OpDelete, xcetl.OpUpdate, xcetl.OpInsert}}
			if err := run(t, s.loader(t, "table: t", "mode: cdc", "key: [id]", "insert_method: "+method), schema, b); err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(kinds(s.r.statements()))
			want := "[CREATE BEGIN DELETE MERGE COMMIT]"
			if method == Prepared {
				want = "[CREATE BEGIN PREPARE DELETE EXEC DELETE EXEC DELETE PREPARE MERGE EXEC MERGE EXEC MERGE EXEC MERGE COMMIT]"
			}
			if got != want {
				t.Fatalf("statements %s, want %s", got, want)
			}
			var dargs []any
			for i, q := range s.r.log {
				if strings.HasPrefix(q, "DELETE") || strings.HasPrefix(q, "EXEC DELETE") {
					dargs = append(dargs, s.r.args[i]...)
				}
			}
			if fmt.Sprint(dargs) != "[2 4]" {
				t.Errorf("deleted keys %v, want [2 4]", dargs)
			}
		})
	}
}

// TestCaseInsensitiveInstance: with CASE_SENSITIVE() = 0 tables are looked
// up ignoring case.
func TestCaseInsensitiveInstance(t *testing.T) {
	s := newScenario(t)
	s.ci = true
	schema := schemaOf("id:int!")
	if err := run(t, s.loader(t, "table: t"), schema, &xcetl.Batch{Schema: schema, Rows: [][]any{{int64(1)}}}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, q := range s.r.log {
		found = found || strings.Contains(q, "UPPER(TABLE_NAME) = UPPER(?)")
	}
	if !found {
		t.Errorf("no case-insensitive lookup in %q", s.r.log)
	}
}

// TestNaNRejected: values DM8 cannot store reject their row, not the batch.
func TestNaNRejected(t *testing.T) {
	s := newScenario(t)
	schema := schemaOf("id:int!", "f:float")
	b := &xcetl.Batch{Schema: schema, Rows: [][]any{{int64(1), 1.5}, {int64(2), math.NaN()}}, Origin: make([]xcetl.Origin, 2)}
	if err := run(t, s.loader(t, "table: t"), schema, b); err != nil {
		t.Fatal(err)
	}
	if len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, "NaN") || b.Len() != 1 {
		t.Errorf("rejects %+v, rows %d", b.Rejects, b.Len())
	}
}

func TestDefaultPortAndSecrets(t *testing.T) {
	if got := ApplyDefaultPort("dm://u:p@h?schema=S"); got != "dm://u:p@h:5236?schema=S" {
		t.Errorf("got %s", got)
	}
	if got := ApplyDefaultPort("dm://u:p@h:1?schema=S"); got != "dm://u:p@h:1?schema=S" {
		t.Errorf("got %s", got)
	}
	_, err := dialect{driver: "dm8rec"}.Open(context.Background(), "postgres://u:S3cret-pw@h/db", dialects.Env{})
	if err == nil || strings.Contains(err.Error(), "S3cret") || !strings.Contains(err.Error(), "dm://user:password@host:5236") {
		t.Errorf("err = %v", err)
	}
}

// TestCompatibleModeOracle: with COMPATIBLE_MODE=2 DM8 stores the empty
// string as NULL. The session says so (dialects.EmptyStringNuller), so the
// loader rejects the empty string in a NOT NULL column with that reason
// instead of letting the INSERT fail the batch, and still sends it for
// nullable columns. The mode is read from V$DM_INI, else from
// SF_GET_PARA_VALUE; when neither answers, xcetl keeps the empty string and
// NULL apart and warns.
func TestCompatibleModeOracle(t *testing.T) {
	tests := []struct {
		name             string
		compat, compatFn driver.Value
		emptyNull        bool
		logs             string
	}{
		{"V$DM_INI says 2", "2", nil, true, "compatible_mode=2"},
		{"V$DM_INI as a number", int64(2), nil, true, "compatible_mode=2"},
		{"V$DM_INI refused, function says 2", nil, int64(2), true, "compatible_mode=2"},
		{"V$DM_INI answers nonsense, function says 2", "yes", int64(2), true, "compatible_mode=2"},
		{"default 0", "0", int64(0), false, "compatible_mode=0"},
		{"MySQL compatibility", " 4 ", nil, false, "compatible_mode=4"},
		{"neither answers", nil, nil, false, "could not read COMPATIBLE_MODE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario(t)
			s.compat, s.compatFn = tt.compat, tt.compatFn
			var logs strings.Builder
			env := dialects.Env{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			c, err := dialect{driver: "dm8rec"}.Open(context.Background(), s.dsn(t), env)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(context.Background())
			reason := c.(dialects.EmptyStringNuller).EmptyStringIsNull()
			if (reason != "") != tt.emptyNull || (tt.emptyNull && !strings.Contains(reason, "COMPATIBLE_MODE=2")) {
				t.Errorf("EmptyStringIsNull() = %q, want empty=%v", reason, !tt.emptyNull)
			}
			if !strings.Contains(logs.String(), tt.logs) {
				t.Errorf("log lacks %q:\n%s", tt.logs, logs.String())
			}
			if strings.Contains(logs.String(), "S3cret") {
				t.Errorf("log shows the password:\n%s", logs.String())
			}
		})
	}

	t.Run("loader rejects empty strings in NOT NULL columns", func(t *testing.T) {
		s := newScenario(t)
		s.compat = "2"
		schema := schemaOf("id:int!", "name:string!", "note:string")
		b := &xcetl.Batch{Schema: schema, Rows: [][]any{
			{int64(1), "", "a"},  // '' in NOT NULL name: rejected
			{int64(2), "b", ""},  // '' in nullable note: sent, DM8 stores NULL
			{int64(3), "c", nil}, // ordinary
		}, Origin: []xcetl.Origin{{File: "in.csv", Line: 2}, {File: "in.csv", Line: 3}, {File: "in.csv", Line: 4}}}
		if err := run(t, s.loader(t, "table: people"), schema, b); err != nil {
			t.Fatal(err)
		}
		if len(b.Rejects) != 1 || b.Rejects[0].Column != "name" || !strings.Contains(b.Rejects[0].Reason, "COMPATIBLE_MODE=2") || b.Rejects[0].Origin.Line != 2 {
			t.Fatalf("rejects %+v", b.Rejects)
		}
		var insert []any
		for i, q := range s.r.log {
			if strings.HasPrefix(q, "INSERT") {
				insert = s.r.args[i]
			}
		}
		if fmt.Sprint(insert) != fmt.Sprint([]any{int64(2), "b", "", int64(3), "c", nil}) {
			t.Errorf("INSERT arguments %v, want rows 2 and 3 only", insert)
		}
	})
	t.Run("mode 0 keeps empty strings in NOT NULL columns", func(t *testing.T) {
		s := newScenario(t)
		schema := schemaOf("id:int!", "name:string!")
		b := &xcetl.Batch{Schema: schema, Rows: [][]any{{int64(1), ""}}, Origin: make([]xcetl.Origin, 1)}
		if err := run(t, s.loader(t, "table: people"), schema, b); err != nil {
			t.Fatal(err)
		}
		if len(b.Rejects) != 0 || b.Len() != 1 {
			t.Errorf("rejects %+v, rows %d", b.Rejects, b.Len())
		}
	})
}

// TestCatalogType: DM8's BIT is its boolean; other names read as the
// shared SQL names do.
func TestCatalogType(t *testing.T) {
	for typ, want := range map[string]xcetl.Kind{"BIT": xcetl.KindBool, "BIGINT": xcetl.KindInt, "VARCHAR(20)": xcetl.KindString, "TIMESTAMP(6)": xcetl.KindTimestamp} {
		if got := dialects.TypeOfColumn(Dialect, dialects.CatalogColumn{Type: typ}).Kind; got != want {
			t.Errorf("%s reads as %s, want %s", typ, got, want)
		}
	}
}
