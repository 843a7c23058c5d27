package load_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	_ "github.com/xcetl/xcetl/dialects/sqlite"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/transform/cdc"
)

// eventBatch makes a batch in the layout of transform/cdc: one insert per id.
func eventBatch(t *testing.T, schema *xcetl.Schema, cps []xcetl.Checkpoint, ids ...int64) *xcetl.Batch {
	t.Helper()
	b := &xcetl.Batch{Schema: schema, Checkpoints: cps}
	for _, id := range ids {
		key := []cdc.Field{{Name: "id", Value: id}}
		enc, err := cdc.AppendRow(nil, []cdc.Field{{Name: "id", Value: id}, {Name: "name", Value: "n"}})
		if err != nil {
			t.Fatal(err)
		}
		b.Rows = append(b.Rows, []any{"", cdc.KeyText(key), enc})
		b.Ops = append(b.Ops, xcetl.OpInsert)
		b.Origin = append(b.Origin, xcetl.Origin{File: "test"})
	}
	return b
}

// TestCDCFence: a batch that continues a partition from an offset the
// target is already past (another consumer applied it meanwhile) is
// refused in its transaction, and nothing of it is applied.
func TestCDCFence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "t.db")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	l, err := load.New(parse(t, "type: sqlite\ndsn: "+file+"\ntable: people\nmode: cdc\nkey: [id]"), load.Env{Pipeline: "p", State: true})
	if err != nil {
		t.Fatal(err)
	}
	schema := &xcetl.Schema{Columns: []xcetl.Column{
		{Name: cdc.ColTable, Type: xcetl.Type{Kind: xcetl.KindString}},
		{Name: cdc.ColKey, Type: xcetl.Type{Kind: xcetl.KindString}},
		{Name: cdc.ColRow, Type: xcetl.Type{Kind: xcetl.KindBytes}},
	}}
	if err := l.Open(ctx, schema); err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	write := func(b *xcetl.Batch) error {
		if err := l.Prepare(b); err != nil {
			return err
		}
		_, err := l.Write(ctx, b)
		return err
	}
	cp := func(first, next string) []xcetl.Checkpoint {
		return []xcetl.Checkpoint{{Key: cdc.FencePrefix + "kafka/t/0", Value: []byte(first)}, {Key: "kafka/t/0", Value: []byte(next)}}
	}
	if err := write(eventBatch(t, schema, cp("0", "2"), 1, 2)); err != nil {
		t.Fatal(err)
	}
	if err := write(eventBatch(t, schema, cp("2", "4"), 3, 4)); err != nil {
		t.Fatal(err)
	}
	// A stale consumer's batch starting at offset 1.
	err = write(eventBatch(t, schema, cp("1", "3"), 9))
	if err == nil || !strings.Contains(err.Error(), "another consumer of the group applied this partition") {
		t.Fatalf("stale batch: err = %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM people`).Scan(&n); err != nil || n != 4 {
		t.Fatalf("rows = %d, %v; want 4 (the stale batch rolled back)", n, err)
	}
	sk := l.(load.StateKeeper)
	m, err := sk.ReadCheckpoints(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || string(m["kafka/t/0"]) != "4" {
		t.Fatalf("state = %v; want only kafka/t/0=4 (fences are not stored)", m)
	}
}
