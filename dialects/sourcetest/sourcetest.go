// Package sourcetest is the conformance suite of source dialects: what the
// sql source, migrate and verify rely on, run against a real server. A
// source dialect's integration test calls Run with a DSN of a database it
// may create tables in and an exec function that runs statements there on
// a separate session (autocommitted):
//
//	func TestSourceConformanceIntegration(t *testing.T) {
//		sourcetest.Run(t, mysql.Dialect{}, dsn, exec)
//	}
//
// The test table is created with portable SQL (integer, varchar, decimal,
// date). GoldenCatalog writes a dialect's catalog statements to a golden
// file, which is all a database without a test server is checked by.
package sourcetest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// Exec runs statements on a session of its own, each committed.
type Exec func(t testing.TB, stmts ...string)

// table is the suite's test table; child refers to it.
const (
	table = "xcetl_srctest"
	child = "xcetl_srctest_child"
)

// Run runs the suite.
func Run(t *testing.T, d dialects.SourceDialect, dsn string, exec Exec) {
	exec(t, "DROP TABLE IF EXISTS "+child, "DROP TABLE IF EXISTS "+table,
		"CREATE TABLE "+table+" (id integer NOT NULL PRIMARY KEY, name varchar(20), amount decimal(10,2), born date)",
		"CREATE TABLE "+child+" (id integer NOT NULL PRIMARY KEY, parent_id integer, code varchar(10), note varchar(20), UNIQUE (code), "+
			"FOREIGN KEY (parent_id) REFERENCES "+table+" (id) ON DELETE CASCADE)",
		"CREATE INDEX "+child+"_note ON "+child+" (note, id)",
		"INSERT INTO "+table+" VALUES (1, '张三', 12.50, '1990-03-07'), (2, NULL, -0.01, NULL), (3, 'O''Brien', 0.00, '2000-02-29'), (4, '欧阳娜娜', 99999999.99, '1949-10-01')")
	s := &suite{d: d, dsn: dsn, exec: exec}
	t.Run("describe", s.describe)
	t.Run("keys", s.keys)
	t.Run("read", s.read)
	t.Run("key after", s.keyAfter)
	t.Run("boundaries", s.boundaries)
	t.Run("query", s.query)
	t.Run("snapshot", s.snapshot)
	t.Run("shared snapshot", s.sharedSnapshot)
}

type suite struct {
	d    dialects.SourceDialect
	dsn  string
	exec Exec
}

func (s *suite) open(t *testing.T) dialects.SourceConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := s.d.OpenSource(ctx, s.dsn, dialects.SourceEnv{})
	if err != nil {
		t.Fatalf("OpenSource: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func (s *suite) describeTable(t *testing.T, c dialects.SourceConn) *dialects.SourceTable {
	t.Helper()
	st, err := c.DescribeSource(context.Background(), dialects.Table{Name: table})
	if err != nil || st == nil {
		t.Fatalf("DescribeSource(%s) = %v, %v", table, st, err)
	}
	return st
}

// want is the test table's rows as xcetl values.
var want = [][]any{
	{int64(1), "张三", xcetl.Decimal("12.50"), time.Date(1990, 3, 7, 0, 0, 0, 0, time.UTC)},
	{int64(2), nil, xcetl.Decimal("-0.01"), nil},
	{int64(3), "O'Brien", xcetl.Decimal("0.00"), time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC)},
	{int64(4), "欧阳娜娜", xcetl.Decimal("99999999.99"), time.Date(1949, 10, 1, 0, 0, 0, 0, time.UTC)},
}

func (s *suite) describe(t *testing.T) {
	c := s.open(t)
	st := s.describeTable(t, c)
	var names []string
	for _, col := range st.Columns {
		names = append(names, col.Name)
	}
	if !reflect.DeepEqual(names, []string{"id", "name", "amount", "born"}) || !reflect.DeepEqual(st.PrimaryKey, []string{"id"}) {
		t.Errorf("columns %v primary key %v", names, st.PrimaryKey)
	}
	if st.Column("id").Nullable || !st.Column("name").Nullable {
		t.Errorf("nullability: id %v name %v", st.Column("id").Nullable, st.Column("name").Nullable)
	}
	kinds := []xcetl.Type{{Kind: xcetl.KindInt}, {Kind: xcetl.KindString, Precision: 20}, {Kind: xcetl.KindDecimal, Precision: 10, Scale: 2}, {Kind: xcetl.KindDate}}
	for i, col := range st.Columns {
		r, err := s.d.ReadColumn(st.Table, col, dialects.ReadOptions{})
		if err != nil || r.Type != kinds[i] {
			t.Errorf("ReadColumn(%s %s) = %v, %v; want %v", col.Name, col.NativeType, r.Type, err, kinds[i])
		}
	}
	if missing, err := c.DescribeSource(context.Background(), dialects.Table{Name: "xcetl_no_such_table"}); missing != nil || err != nil {
		t.Errorf("a missing table: %v, %v; want nil, nil", missing, err)
	}
	tables, err := c.Tables(context.Background(), "")
	found := false
	for _, tb := range tables {
		found = found || tb.Name == table
	}
	if err != nil || !found {
		t.Errorf("Tables: %v %v, want one of them %s", tables, err, table)
	}
}

// keys: unique and secondary indexes and foreign keys (what migrate
// recreates).
func (s *suite) keys(t *testing.T) {
	c := s.open(t)
	st, err := c.DescribeSource(context.Background(), dialects.Table{Name: child})
	if err != nil || st == nil {
		t.Fatalf("DescribeSource(%s) = %v, %v", child, st, err)
	}
	if !reflect.DeepEqual(st.PrimaryKey, []string{"id"}) {
		t.Errorf("primary key %v", st.PrimaryKey)
	}
	var unique, plain []string
	for _, ix := range st.Indexes {
		cols := strings.Join(ix.Columns, ",")
		if ix.Unique {
			unique = append(unique, cols)
		} else {
			plain = append(plain, cols)
		}
	}
	if !slicesEqualAnyOrder(unique, []string{"code"}) || !containsAll(plain, "note,id") {
		t.Errorf("indexes %+v: want unique (code) and (note, id)", st.Indexes)
	}
	if len(st.ForeignKeys) != 1 {
		t.Fatalf("foreign keys %+v", st.ForeignKeys)
	}
	fk := st.ForeignKeys[0]
	if !reflect.DeepEqual(fk.Columns, []string{"parent_id"}) || fk.RefTable.Name != table || !reflect.DeepEqual(fk.RefColumns, []string{"id"}) || fk.OnDelete != "CASCADE" {
		t.Errorf("foreign key %+v", fk)
	}
}

func slicesEqualAnyOrder(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range b {
		if !containsAll(a, x) {
			return false
		}
	}
	return true
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range list {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}

// readAll reads the test table with q's conditions, ordered by id.
func (s *suite) readAll(t *testing.T, c dialects.SourceConn, q *dialects.Select) [][]any {
	t.Helper()
	st := s.describeTable(t, c)
	var exprs []string
	var reads []dialects.ColumnRead
	for _, col := range st.Columns {
		r, err := s.d.ReadColumn(st.Table, col, dialects.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		exprs, reads = append(exprs, r.Expr), append(reads, r)
	}
	sql := q.SQL(exprs, dialects.QualifiedSourceName(s.d, st.Table), []string{s.d.Quote("id")})
	rows, err := c.Stream(context.Background(), sql, q.Args()...)
	if err != nil {
		t.Fatalf("Stream(%s): %v", sql, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := rows.Values()
		row := make([]any, len(vals))
		for i, v := range vals {
			if v != nil {
				if row[i], err = reads[i].Decode(v); err != nil {
					t.Fatalf("decode %s: %v", st.Columns[i].Name, err)
				}
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (s *suite) read(t *testing.T) {
	got := s.readAll(t, s.open(t), dialects.NewSelect(s.d))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read\n%#v\nwant\n%#v", got, want)
	}
}

func (s *suite) keyAfter(t *testing.T) {
	q := dialects.NewSelect(s.d)
	q.Where(q.KeyAfter([]string{s.d.Quote("id"), s.d.Quote("name")}, []any{int64(2), ""}))
	q.Where(s.d.Quote("id") + " <= " + q.Arg(int64(3)))
	got := s.readAll(t, s.open(t), q)
	if !reflect.DeepEqual(got, want[2:3]) {
		t.Errorf("rows after (2, '') up to id 3: %v", got)
	}
}

func (s *suite) boundaries(t *testing.T) {
	c := s.open(t)
	from := dialects.QualifiedSourceName(s.d, dialects.Table{Name: table})
	id := s.d.Quote("id")
	rows, err := c.Query(context.Background(), dialects.MinMaxSQL(from, id, ""))
	if err != nil || len(rows) != 1 {
		t.Fatalf("min/max: %v %v", rows, err)
	}
	for i, want := range []int64{1, 4} {
		if v, err := dialects.DecodeInt(rows[0][i]); err != nil || v != want {
			t.Errorf("min/max[%d] = %v %v, want %d", i, v, err, want)
		}
	}
	q := dialects.NewSelect(s.d)
	ph := q.Arg(int64(1))
	sql := s.d.BoundarySQL(from, id, "", ph, 1)
	rows, err = c.Query(context.Background(), sql, q.Args()...)
	if err != nil || len(rows) != 1 {
		t.Fatalf("%s: %v %v", sql, rows, err)
	}
	if v, _ := dialects.DecodeInt(rows[0][0]); v != any(int64(3)) {
		t.Errorf("the value 1 row after id 1 past 1 is %v, want 3", v)
	}
}

func (s *suite) query(t *testing.T) {
	c := s.open(t)
	cols, err := c.DescribeQuery(context.Background(), "SELECT id, name AS who FROM "+table)
	if err != nil || len(cols) != 2 || cols[1].Name != "who" {
		t.Fatalf("DescribeQuery: %+v %v", cols, err)
	}
	r, err := s.d.ReadColumn(dialects.Table{}, cols[0], dialects.ReadOptions{})
	if err != nil || r.Type.Kind != xcetl.KindInt {
		t.Errorf("query column id reads as %v, %v", r.Type, err)
	}
}

func (s *suite) count(t *testing.T, c dialects.SourceConn) int64 {
	t.Helper()
	rows, err := c.Query(context.Background(), "SELECT COUNT(*) FROM "+dialects.QualifiedSourceName(s.d, dialects.Table{Name: table}))
	if err != nil || len(rows) != 1 {
		t.Fatalf("count: %v %v", rows, err)
	}
	n, err := dialects.DecodeInt(rows[0][0])
	if err != nil {
		t.Fatal(err)
	}
	return n.(int64)
}

// snapshot: a reader's transaction does not see rows committed after it
// began.
func (s *suite) snapshot(t *testing.T) {
	c := s.open(t)
	if err := c.BeginRead(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := s.count(t, c)
	s.exec(t, "INSERT INTO "+table+" VALUES (100, 'later', 1.00, NULL)")
	defer s.exec(t, "DELETE FROM "+table+" WHERE id >= 100")
	if after := s.count(t, c); after != before {
		t.Errorf("the reader saw %d rows, then %d: no snapshot", before, after)
	}
}

// sharedSnapshot: readers put into one snapshot see the same rows, not
// those committed after ShareSnapshot; or the dialect says it cannot.
func (s *suite) sharedSnapshot(t *testing.T) {
	coord, r1, r2 := s.open(t), s.open(t), s.open(t)
	how, err := coord.ShareSnapshot(context.Background(), []dialects.Table{{Name: table}}, []dialects.SourceConn{r1, r2})
	if errors.Is(err, dialects.ErrNoSharedSnapshot) {
		t.Logf("%s cannot share a snapshot: %v", s.d.Product(), err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Log(how)
	s.exec(t, "INSERT INTO "+table+" VALUES (101, 'later', 1.00, NULL)")
	defer s.exec(t, "DELETE FROM "+table+" WHERE id >= 100")
	fresh := s.open(t)
	n1, n2, nf := s.count(t, r1), s.count(t, r2), s.count(t, fresh)
	if n1 != int64(len(want)) || n2 != n1 || nf != n1+1 {
		t.Errorf("readers see %d and %d rows, a fresh session %d; want %d, %d, %d", n1, n2, nf, len(want), len(want), len(want)+1)
	}
}

var update = flag.Bool("update-source", false, "rewrite the source dialects' golden catalog files")

// GoldenCatalog compares d's catalog statements with testdata/source_catalog.sql
// (rewritten with -update-source).
func GoldenCatalog(t *testing.T, d dialects.SourceDialect) {
	var b strings.Builder
	fmt.Fprintf(&b, "-- %s: the catalog statements of the source side\n", d.Product())
	for _, st := range d.CatalogSQL() {
		fmt.Fprintf(&b, "\n-- %s\n%s;\n", st.When, st.SQL)
	}
	Golden(t, "source_catalog.sql", b.String())
}

// GoldenTypes compares d's reading of native types (its ReadColumn) with
// testdata/source_types.txt: one line per native type with the xcetl type,
// the select expression, or the error.
func GoldenTypes(t *testing.T, d dialects.SourceDialect, natives []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: native type → xcetl type, select expression (column c)\n", d.Product())
	for _, n := range natives {
		r, err := d.ReadColumn(dialects.Table{Name: "t"}, dialects.SourceColumn{Name: "c", NativeType: n, Nullable: true}, dialects.ReadOptions{})
		if err != nil {
			fmt.Fprintf(&b, "%-40s error: %v\n", n, err)
			continue
		}
		fmt.Fprintf(&b, "%-40s %-16s %s\n", n, r.Type, r.Expr)
	}
	Golden(t, "source_types.txt", b.String())
}

// Golden compares got with testdata/name, rewriting it with -update-source.
func Golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	wantText, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update-source to write it)", err)
	}
	if string(wantText) != got {
		t.Errorf("%s differs from what the dialect gives (-update-source rewrites it):\n%s", path, got)
	}
}

// GoldenChecksum compares d's verify SQL (dialects.Checksummer) with
// testdata/checksum.sql: the canonical text expression of each native
// type (column c), a literal of each kind, and the statements of one
// table (key k of type natives[0], and c of type natives[1]): the whole
// table's checksum, the checksums of key ranges, of key-hash buckets, and
// the rows of a range. Rewrite it with -update-source.
func GoldenChecksum(t *testing.T, d dialects.SourceDialect, natives []string) {
	t.Helper()
	cs, ok := d.(dialects.Checksummer)
	if !ok {
		t.Fatalf("%s: no dialects.Checksummer", d.Product())
	}
	tbl := dialects.Table{Name: "t"}
	canon := func(name, native string) (string, xcetl.Type, error) {
		c := dialects.SourceColumn{Name: name, NativeType: native, Nullable: true}
		r, err := d.ReadColumn(tbl, c, dialects.ReadOptions{})
		if err != nil {
			return "", r.Type, err
		}
		e, err := cs.CanonicalExpr(r.Expr, c, r.Type, dialects.ReadOptions{})
		return e, r.Type, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- %s: the canonical text of column c by native type (xcetl verify)\n", d.Product())
	for _, n := range natives {
		e, typ, err := canon("c", n)
		if err != nil {
			fmt.Fprintf(&b, "-- %s: error: %v\n", n, err)
			continue
		}
		fmt.Fprintf(&b, "-- %s (%s):\n%s\n", n, typ, e)
	}
	b.WriteString("\n-- literals (--fix-sql) of the canonical text 'x' by kind\n")
	for k := xcetl.KindString; k <= xcetl.KindBytes; k++ {
		fmt.Fprintf(&b, "-- %s: %s\n", k, cs.Literal("x", xcetl.Type{Kind: k}))
	}
	key, _, err := canon("k", natives[0])
	if err != nil {
		t.Fatal(err)
	}
	val, _, err := canon("c", natives[1])
	if err != nil {
		t.Fatal(err)
	}
	q := dialects.ChecksumQuery{D: d, CS: cs, From: dialects.QualifiedSourceName(d, tbl), Canon: []string{key, val}, Delimited: []bool{true, false}}
	k := d.Quote("k")
	rng := k + " >= 1 AND " + k + " <= 1000"
	fmt.Fprintf(&b, "\n-- the whole table\n%s;\n", q.Sums("", ""))
	fmt.Fprintf(&b, "\n-- key ranges of 1000\n%s;\n", q.Sums(cs.IntDiv(k+" - (1)", "1000"), rng))
	fmt.Fprintf(&b, "\n-- key-hash buckets\n%s;\n", q.Sums(cs.IntDiv(cs.DigestWord(cs.Digest(cs.RowText([]string{key}, []bool{true})), 0), "4294968"), ""))
	fmt.Fprintf(&b, "\n-- the rows of a range\n%s;\n", q.Rows([]string{key, key, val}, rng))
	Golden(t, "checksum.sql", b.String())
}
