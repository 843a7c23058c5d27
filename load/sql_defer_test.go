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

// flushWriter is a fakeWriter that holds work back (dialects.Flusher).
type flushWriter struct {
	fakeWriter
	failFlush error
}

func (w *flushWriter) Flush(context.Context) error {
	w.db.log = append(w.db.log, "flush")
	return w.failFlush
}

type flushConn struct{ fakeConn }

// Exec records the checkpoint an INSERT into the state table saves.
func (c *flushConn) Exec(ctx context.Context, sql string, args ...any) error {
	if strings.HasPrefix(sql, `INSERT INTO "xcetl_state"`) && len(args) > 2 {
		c.db.log = append(c.db.log, fmt.Sprintf("save %v=%v", args[1], args[2]))
		return nil
	}
	return c.fakeConn.Exec(ctx, sql, args...)
}

func (c *flushConn) NewWriter(ctx context.Context, t dialects.Target) (dialects.Writer, error) {
	if !t.Defer {
		c.db.log = append(c.db.log, "writer without defer")
		return &fakeWriter{c.db}, nil
	}
	c.db.log = append(c.db.log, "writer defer")
	c.db.flusher = &flushWriter{fakeWriter: fakeWriter{c.db}}
	return c.db.flusher, nil
}

type flushDialect struct{ fakeDialect }

func (d flushDialect) Open(context.Context, string, dialects.Env) (dialects.Conn, error) {
	return &flushConn{fakeConn{d.db}}, nil
}

func newFlushFake(t *testing.T, db *rec, cfg string, env load.Env) *load.SQL {
	t.Helper()
	l, err := load.NewSQL(flushDialect{fakeDialect{db}}, parse(t, "type: fake\ndsn: x\n"+cfg), env)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestDeferredUpsert: with commit: run the writer holds the batches back;
// the loader flushes before a batch that repeats a key written since the
// last flush (however many batches ago), and before COMMIT, and saves the
// run's checkpoints once — the last of each key — after the final flush.
func TestDeferredUpsert(t *testing.T) {
	db := &rec{table: &dialects.TableInfo{Table: dialects.Table{Name: "t"}, Columns: []dialects.CatalogColumn{{Name: "id"}, {Name: "name"}}, PrimaryKey: []string{"id"}}}
	l := newFlushFake(t, db, "table: t\nmode: upsert\nkey: [ID]", load.Env{State: true, Pipeline: "p"})
	s := schema2()
	if err := l.Open(ctx, s); err != nil {
		t.Fatal(err)
	}
	write := func(cp string, rows ...[]any) {
		t.Helper()
		b := batchOf(s, rows...)
		if cp != "" {
			b.Checkpoints = []xcetl.Checkpoint{{Key: "csv/pos", Value: []byte(cp)}}
		}
		if err := l.Prepare(b); err != nil {
			t.Fatal(err)
		}
		if committed, err := l.Write(ctx, b); err != nil || committed {
			t.Fatalf("write: %v %v", committed, err)
		}
	}
	db.log = nil
	write("1", []any{int64(1), "a"}, []any{int64(2), "b"})
	write("2", []any{int64(3), "c"})
	write("", []any{int64(4), "d"}, []any{int64(4), "d2"}) // a repeat within the batch: the loader keeps the last
	write("3", []any{int64(2), "b2"})                      // repeats key 2 of the first batch
	write("4", []any{int64(5), "e"})
	if err := l.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want := `write 2|write 1|write 1|flush|write 1|write 1|flush|exec DELETE FROM "xcetl_state" WHERE "pipeline" = ? AND "state_key" = ?|save csv/pos=34|commit`
	if got := strings.Join(db.log, "|"); got != want {
		t.Errorf("calls\n%s\nwant\n%s", got, want)
	}
}

// TestDeferredNotForCommitBatch: each batch of commit: batch commits on
// its own, so nothing may be held back.
func TestDeferredNotForCommitBatch(t *testing.T) {
	db := &rec{table: &dialects.TableInfo{Table: dialects.Table{Name: "t"}, Columns: []dialects.CatalogColumn{{Name: "id"}, {Name: "name"}}}}
	l := newFlushFake(t, db, "table: t\ncommit: batch", load.Env{})
	if err := l.Open(ctx, schema2()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(db.log, "|"); !strings.HasSuffix(got, "writer without defer") {
		t.Errorf("calls %s: the writer was told it may defer", got)
	}
}

// TestCommitEvery: with commit: batch and commit_every: 2 two batches share
// a transaction in which the writer holds work back; the second flushes,
// saves the group's checkpoints (the last of each key) and commits, and
// Write reports it committed; Commit at the end commits an open group.
func TestCommitEvery(t *testing.T) {
	db := &rec{table: &dialects.TableInfo{Table: dialects.Table{Name: "t"}, Columns: []dialects.CatalogColumn{{Name: "id"}, {Name: "name"}}}}
	l := newFlushFake(t, db, "table: t\ncommit: batch\ncommit_every: 2", load.Env{State: true, Pipeline: "p"})
	s := schema2()
	if err := l.Open(ctx, s); err != nil {
		t.Fatal(err)
	}
	var commits []bool
	for i := 1; i <= 3; i++ {
		b := batchOf(s, []any{int64(i), "x"})
		b.Checkpoints = []xcetl.Checkpoint{{Key: "csv/pos", Value: []byte(fmt.Sprint(i))}}
		if err := l.Prepare(b); err != nil {
			t.Fatal(err)
		}
		db.log = append(db.log, fmt.Sprintf("batch %d", i))
		committed, err := l.Write(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		commits = append(commits, committed)
	}
	if err := l.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(commits) != "[false true false]" {
		t.Errorf("committed = %v, want [false true false]", commits)
	}
	got := strings.Join(db.log, "|")
	want := `batch 1|begin|write 1|batch 2|write 1|flush|exec DELETE FROM "xcetl_state" WHERE "pipeline" = ? AND "state_key" = ?|save csv/pos=32|commit|` +
		`batch 3|begin|write 1|flush|exec DELETE FROM "xcetl_state" WHERE "pipeline" = ? AND "state_key" = ?|save csv/pos=33|commit`
	if !strings.HasSuffix(got, want) || !strings.Contains(got, "writer defer") {
		t.Errorf("calls\n%s\nwant them to end with\n%s", got, want)
	}
}

// TestCommitEveryChecks: commit_every groups commit: batch only, and never
// mode cdc.
func TestCommitEveryChecks(t *testing.T) {
	for cfg, want := range map[string]string{
		"table: t\ncommit_every: 4":                                      "with commit: run the whole run is one transaction already",
		"table: t\ncommit: batch\nmode: cdc\nkey: [id]\ncommit_every: 4": "mode cdc commits every batch",
		"table: t\ncommit: batch\ncommit_every: 0":                       "commit_every",
	} {
		_, err := load.NewSQL(flushDialect{fakeDialect{&rec{}}}, parse(t, "type: fake\ndsn: x\n"+cfg), load.Env{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", cfg, err, want)
		}
	}
}

// TestDeferredErrorNamesHeldRow: an error the writer reports at a later
// Write or at Flush about a row of an earlier payload names that batch and
// its source line; one older than what is kept says so.
func TestDeferredErrorNamesHeldRow(t *testing.T) {
	db := &rec{table: &dialects.TableInfo{Table: dialects.Table{Name: "t"}, Columns: []dialects.CatalogColumn{{Name: "id"}, {Name: "name"}}}}
	l := newFlushFake(t, db, "table: t", load.Env{})
	s := schema2()
	if err := l.Open(ctx, s); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < dialects.MaxHeldPayloads+2; i++ {
		b := batchOf(s, []any{int64(1), "a"}, []any{int64(2), "b"})
		if err := l.Prepare(b); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	db.flusher.failFlush = &dialects.RowError{Payload: 1, Row: 0, Err: errors.New("bad")}
	if err := l.Commit(ctx); err == nil || !strings.Contains(err.Error(), "load t: flush: a row of an earlier batch: row 1: bad") {
		t.Errorf("err = %v", err)
	}
	db.flusher.failFlush = &dialects.RowError{Payload: dialects.MaxHeldPayloads, Row: 1, Column: "name", Err: errors.New("value too long")}
	err := l.Commit(ctx)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf(`load t: batch %d row 2 (file a.csv line 11): column "name": value too long`, dialects.MaxHeldPayloads)) {
		t.Errorf("err = %v", err)
	}
}

// TestDeferredUpsertSlices: without repeated keys the stage is still
// applied after every dialects.MaxHeldPayloads batches, so that the
// database applies one slice while the engine prepares the next.
func TestDeferredUpsertSlices(t *testing.T) {
	db := &rec{table: &dialects.TableInfo{Table: dialects.Table{Name: "t"}, Columns: []dialects.CatalogColumn{{Name: "id"}, {Name: "name"}}, PrimaryKey: []string{"id"}}}
	l := newFlushFake(t, db, "table: t\nmode: upsert\nkey: [ID]", load.Env{})
	s := schema2()
	if err := l.Open(ctx, s); err != nil {
		t.Fatal(err)
	}
	db.log = nil
	n := 2*dialects.MaxHeldPayloads + 1
	for i := 0; i < n; i++ {
		b := batchOf(s, []any{int64(i), "x"})
		if err := l.Prepare(b); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 0; i < n; i++ {
		if i > 0 && i%dialects.MaxHeldPayloads == 0 {
			want = append(want, "flush")
		}
		want = append(want, "write 1")
	}
	want = append(want, "flush", "commit")
	if got, w := strings.Join(db.log, "|"), strings.Join(want, "|"); got != w {
		t.Errorf("calls\n%s\nwant\n%s", got, w)
	}
}
