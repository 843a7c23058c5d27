package load_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/load"
)

// rec is a fake database that records what the loader asks of it.
type rec struct {
	log        []string
	table      *dialects.TableInfo // nil: the table does not exist
	emptyNull  string
	ddlCommits bool
	failWrite  error
	encoded    [][]int // rows given to Encode, per batch
	flusher    *flushWriter
}

type fakeDialect struct{ db *rec }

func (fakeDialect) Name() string                                { return "fake" }
func (fakeDialect) Fold(s string) string                        { return dialects.FoldLower(s) }
func (fakeDialect) Quote(s string) string                       { return dialects.QuoteDouble(s) }
func (fakeDialect) CheckIdent(string) error                     { return nil }
func (fakeDialect) ParseTable(s string) (dialects.Table, error) { return dialects.SplitTable(s) }
func (fakeDialect) Placeholder(int) string                      { return "?" }
func (fakeDialect) ColumnType(xcetl.Type) (string, error)       { return "TEXT", nil }
func (fakeDialect) OptionSpec() any                             { return nil }
func (d fakeDialect) CreateTable(t dialects.Table, c []dialects.Column, k []string) (string, error) {
	return dialects.CreateTableSQL(d, t, c, k)
}
func (fakeDialect) Explain(dialects.Target) ([]dialects.Statement, error) {
	return []dialects.Statement{{When: "per batch", SQL: "LOAD"}}, nil
}
func (d fakeDialect) Open(context.Context, string, dialects.Env) (dialects.Conn, error) {
	d.db.log = append(d.db.log, "open")
	if d.db.emptyNull != "" || d.db.ddlCommits {
		return &fakeConnCaps{fakeConn(d)}, nil
	}
	return &fakeConn{d.db}, nil
}

type fakeConn struct{ db *rec }

func (c *fakeConn) Describe(_ context.Context, t dialects.Table) (*dialects.TableInfo, error) {
	c.db.log = append(c.db.log, "describe "+t.String())
	if c.db.table != nil && c.db.table.Table.Name == t.Name {
		return c.db.table, nil
	}
	return nil, nil
}
func (c *fakeConn) Begin(context.Context) error  { c.db.log = append(c.db.log, "begin"); return nil }
func (c *fakeConn) Commit(context.Context) error { c.db.log = append(c.db.log, "commit"); return nil }
func (c *fakeConn) Rollback(context.Context) error {
	c.db.log = append(c.db.log, "rollback")
	return nil
}
func (c *fakeConn) Exec(_ context.Context, sql string, _ ...any) error {
	c.db.log = append(c.db.log, "exec "+strings.SplitN(sql, " (", 2)[0])
	return nil
}
func (c *fakeConn) Query(context.Context, string, ...any) ([][]any, error) { return nil, nil }
func (c *fakeConn) Close(context.Context) error                            { c.db.log = append(c.db.log, "close"); return nil }
func (c *fakeConn) NewWriter(_ context.Context, t dialects.Target) (dialects.Writer, error) {
	var cols []string
	for _, col := range t.Columns {
		cols = append(cols, col.Name)
	}
	c.db.log = append(c.db.log, "writer "+t.Table.String()+" ("+strings.Join(cols, ",")+") key ("+strings.Join(t.Key, ",")+")")
	return &fakeWriter{c.db}, nil
}

type fakeConnCaps struct{ fakeConn }

func (c *fakeConnCaps) EmptyStringIsNull() string { return c.db.emptyNull }
func (c *fakeConnCaps) DDLCommits() bool          { return c.db.ddlCommits }

type fakeWriter struct{ db *rec }

func (w *fakeWriter) Encode(b *xcetl.Batch, rows []int) (any, error) {
	if rows == nil {
		rows = make([]int, len(b.Rows))
		for i := range rows {
			rows[i] = i
		}
	}
	w.db.encoded = append(w.db.encoded, rows)
	return len(rows), nil
}

func (w *fakeWriter) Write(_ context.Context, payload any) error {
	w.db.log = append(w.db.log, fmt.Sprintf("write %d", payload))
	return w.db.failWrite
}

func newFake(t *testing.T, db *rec, cfg string) *load.SQL {
	t.Helper()
	l, err := load.NewSQL(fakeDialect{db}, parse(t, "type: fake\ndsn: x\n"+cfg), load.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var ctx = context.Background()

func schema2() *xcetl.Schema {
	return &xcetl.Schema{Columns: []xcetl.Column{
		{Name: "ID", Type: xcetl.Type{Kind: xcetl.KindInt}, Source: 0},
		{Name: "Name", Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true, Source: 1},
	}}
}

func batchOf(s *xcetl.Schema, rows ...[]any) *xcetl.Batch {
	b := &xcetl.Batch{Schema: s, Rows: rows}
	for i := range rows {
		b.Origin = append(b.Origin, xcetl.Origin{File: "a.csv", Line: 10 + i})
	}
	return b
}

func TestLifecycleCommitRun(t *testing.T) {
	db := &rec{}
	l := newFake(t, db, "table: Public.Residents\nmode: upsert\nkey: [ID]")
	s := schema2()
	if err := l.Open(ctx, s); err != nil {
		t.Fatal(err)
	}
	b := batchOf(s, []any{int64(1), "a"}, []any{nil, "no key"}, []any{int64(2), "b"}, []any{int64(1), "a2"})
	if err := l.Prepare(b); err != nil {
		t.Fatal(err)
	}
	if len(b.Rejects) != 1 || b.Rejects[0].Reason != "key column ID is NULL" || b.Rejects[0].Origin.Line != 11 || b.Rejects[0].Field != 1 {
		t.Errorf("rejects = %+v", b.Rejects)
	}
	if b.Len() != 3 {
		t.Errorf("batch keeps %d rows after Prepare, want 3 (the duplicate key stays, counted as loaded)", b.Len())
	}
	if fmt.Sprint(db.encoded) != "[[1 2]]" {
		t.Errorf("encoded rows %v, want [[1 2]] (last row of each key)", db.encoded)
	}
	committed, err := l.Write(ctx, b)
	if err != nil || committed {
		t.Fatalf("write: %v %v", committed, err)
	}
	if err := l.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	want := `open|describe Public.Residents|describe public.residents|begin|exec CREATE TABLE "public"."residents"|writer public.residents (id,name) key (id)|write 2|commit|close`
	if got := strings.Join(db.log, "|"); got != want {
		t.Errorf("calls\n%s\nwant\n%s", got, want)
	}
}

func TestLifecycleCommitBatch(t *testing.T) {
	db := &rec{table: &dialects.TableInfo{Table: dialects.Table{Name: "t"}, Columns: []dialects.CatalogColumn{{Name: "name", Type: "text", Nullable: true}, {Name: "id", Type: "bigint"}}}}
	l := newFake(t, db, "table: t\ncommit: batch")
	s := schema2()
	if err := l.Open(ctx, s); err != nil {
		t.Fatal(err)
	}
	b := batchOf(s, []any{int64(1), "a"}, []any{nil, "x"})
	if err := l.Prepare(b); err != nil {
		t.Fatal(err)
	}
	if len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, `table column "id" is NOT NULL`) {
		t.Errorf("rejects = %+v, want NULL in NOT NULL column id", b.Rejects)
	}
	if committed, err := l.Write(ctx, b); err != nil || !committed {
		t.Fatalf("write: %v %v", committed, err)
	}
	db.failWrite = &dialects.RowError{Row: 1, Column: "name", Err: errors.New("bad value")}
	b2 := batchOf(s, []any{int64(2), "ok"}, []any{int64(3), "bad"})
	if err := l.Prepare(b2); err != nil {
		t.Fatal(err)
	}
	_, err := l.Write(ctx, b2)
	if err == nil || !strings.Contains(err.Error(), `load t: batch 2 row 2 (file a.csv line 11): column "name": bad value`) {
		t.Errorf("err = %v", err)
	}
	_ = l.Close(ctx)
	want := `open|describe t|writer t (id,name) key ()|begin|write 1|commit|begin|write 2|rollback|close`
	if got := strings.Join(db.log, "|"); got != want {
		t.Errorf("calls\n%s\nwant\n%s", got, want)
	}
}

func TestEmptyStringAsNullRejects(t *testing.T) {
	db := &rec{emptyNull: "the server stores '' as NULL", table: &dialects.TableInfo{Table: dialects.Table{Name: "t"},
		Columns: []dialects.CatalogColumn{{Name: "id"}, {Name: "name"}}}}
	l := newFake(t, db, "table: t")
	s := schema2()
	if err := l.Open(ctx, s); err != nil {
		t.Fatal(err)
	}
	b := batchOf(s, []any{int64(1), ""}, []any{int64(2), "x"})
	if err := l.Prepare(b); err != nil {
		t.Fatal(err)
	}
	if len(b.Rejects) != 1 || !strings.Contains(b.Rejects[0].Reason, "empty string") || !strings.Contains(b.Rejects[0].Reason, "stores '' as NULL") {
		t.Errorf("rejects = %+v", b.Rejects)
	}
}

// TestDDLAutoCommitCreatedTableOnRollback: where DDL commits by itself
// (DM8), a failed commit: run drops the table it created; a failed commit:
// batch keeps it, with the batches that committed and whose checkpoints a
// rerun resumes after (dropping it lost them).
func TestDDLAutoCommitCreatedTableOnRollback(t *testing.T) {
	for _, tc := range []struct{ cfg, want string }{
		{"table: t", `open|describe t|exec CREATE TABLE "t"|begin|writer t (id,name) key ()|rollback|exec DROP TABLE "t"|close`},
		{"table: t\ncommit: batch", `open|describe t|exec CREATE TABLE "t"|writer t (id,name) key ()|close`},
	} {
		db := &rec{ddlCommits: true}
		l := newFake(t, db, tc.cfg)
		if err := l.Open(ctx, schema2()); err != nil {
			t.Fatal(err)
		}
		if err := l.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		_ = l.Close(ctx)
		if got := strings.Join(db.log, "|"); got != tc.want {
			t.Errorf("%s: calls\n%s\nwant\n%s", tc.cfg, got, tc.want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	s := schema2()
	t.Run("create never", func(t *testing.T) {
		err := newFake(t, &rec{}, "table: t\ncreate: never").Open(ctx, s)
		if err == nil || !strings.Contains(err.Error(), "does not exist (create: never)") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("missing column with suggestion", func(t *testing.T) {
		db := &rec{table: &dialects.TableInfo{Table: dialects.Table{Name: "t"}, Columns: []dialects.CatalogColumn{{Name: "id", Type: "bigint"}, {Name: "nmae", Type: "text"}}}}
		err := newFake(t, db, "table: t").Open(ctx, s)
		if err == nil || !strings.Contains(err.Error(), `pipeline column "Name" (did you mean "nmae"?)`) || !strings.Contains(err.Error(), "id bigint, nmae text") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("exact match wins over folding", func(t *testing.T) {
		db := &rec{table: &dialects.TableInfo{Table: dialects.Table{Name: "t"}, Columns: []dialects.CatalogColumn{{Name: "name"}, {Name: "Name"}, {Name: "id"}}}}
		l := newFake(t, db, "table: t")
		if err := l.Open(ctx, s); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(db.log, "|"), "writer t (id,Name)") {
			t.Errorf("calls %v", db.log)
		}
	})
	t.Run("ambiguous case-insensitive match", func(t *testing.T) {
		db := &rec{table: &dialects.TableInfo{Table: dialects.Table{Name: "t"}, Columns: []dialects.CatalogColumn{{Name: "iD"}, {Name: "Id"}, {Name: "name"}}}}
		err := newFake(t, db, "table: t").Open(ctx, s)
		if err == nil || !strings.Contains(err.Error(), `"ID"`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("prepare before open", func(t *testing.T) {
		l := newFake(t, &rec{}, "table: t")
		if err := l.Prepare(batchOf(s)); err == nil {
			t.Error("prepare before open succeeded")
		}
	})
	t.Run("batch with other columns", func(t *testing.T) {
		l := newFake(t, &rec{}, "table: t")
		if err := l.Open(ctx, s); err != nil {
			t.Fatal(err)
		}
		other := &xcetl.Schema{Columns: []xcetl.Column{{Name: "x", Type: xcetl.Type{Kind: xcetl.KindInt}}}}
		if err := l.Prepare(batchOf(other, []any{int64(1)})); err == nil {
			t.Error("a batch with other columns was accepted")
		}
	})
}
