package load_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
	_ "github.com/xcetl/xcetl/dialects/postgres"
	_ "github.com/xcetl/xcetl/dialects/sqlite"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/load"
)

// eventBatch makes a batch of change events: one create per id.
func eventBatch(t *testing.T, view *change.View, cps []xcetl.Checkpoint, ids ...int64) *xcetl.Batch {
	t.Helper()
	b := &xcetl.Batch{Schema: view.Schema(), Checkpoints: cps}
	for _, id := range ids {
		e := &change.Event{Op: change.Create, Key: []change.Field{{Name: "id", Value: id}},
			After:    change.Image{{Name: "id", Value: id}, {Name: "name", Value: "n"}},
			Position: change.PositionLSN(uint64(id), 0), Meta: change.Meta{Topic: "t", Offset: id}}
		view.Append(b, e, xcetl.Origin{File: "test"}, nil)
	}
	return b
}

// openCDC opens a cdc loader of change events on a fresh SQLite table
// people (id, name); it is closed with the test.
func openCDC(t *testing.T) (*sql.DB, load.Loader, *change.View) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "t.db")
	db, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	l, err := load.New(parse(t, "type: sqlite\ndsn: "+file+"\ntable: people\nmode: cdc\nkey: [id]"), load.Env{Pipeline: "p", State: true, Changes: true, Versions: true})
	if err != nil {
		t.Fatal(err)
	}
	view := change.NewView(nil, 4)
	if err := l.Open(ctx, view.Schema()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	return db, l, view
}

// TestCDCFence: a batch that continues a partition from an offset the
// target is already past (another consumer applied it meanwhile) is
// refused in its transaction, and nothing of it is applied.
func TestCDCFence(t *testing.T) {
	db, l, view := openCDC(t)
	write := func(b *xcetl.Batch) error {
		if err := l.Prepare(b); err != nil {
			return err
		}
		_, err := l.Write(ctx, b)
		return err
	}
	cp := func(first, next string) []xcetl.Checkpoint {
		return []xcetl.Checkpoint{{Key: change.FencePrefix + "kafka/t/0", Value: []byte(first)}, {Key: "kafka/t/0", Value: []byte(next)}}
	}
	if err := write(eventBatch(t, view, cp("0", "2"), 1, 2)); err != nil {
		t.Fatal(err)
	}
	if err := write(eventBatch(t, view, cp("2", "4"), 3, 4)); err != nil {
		t.Fatal(err)
	}
	// A stale consumer's batch starting at offset 1.
	err := write(eventBatch(t, view, cp("1", "3"), 9))
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
	// A run that continues the partition past what the target holds (the
	// group's offsets ahead of the target): refused, naming the gap.
	gap := func(first, next string) []xcetl.Checkpoint {
		return append([]xcetl.Checkpoint{{Key: change.GapPrefix + "kafka/t/0", Value: []byte(first)}}, cp(first, next)...)
	}
	err = write(eventBatch(t, view, gap("6", "7"), 10))
	if err == nil || !strings.Contains(err.Error(), "events 4..5 would never be applied") {
		t.Fatalf("gap: err = %v", err)
	}
	// Where the target holds it (another consumer got there first), the
	// same directive passes and the batch continues.
	if err := write(eventBatch(t, view, gap("4", "6"), 5, 6)); err != nil {
		t.Fatalf("no gap: %v", err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM people`).Scan(&n); err != nil || n != 6 {
		t.Fatalf("rows = %d, %v; want 6", n, err)
	}
}

// TestCDCLoaderGuard: on a dialect without a guard of its own (SQLite) the
// loader refuses an event at or below the position stored for its key and
// applies a newer one; a key's version stays after its delete.
func TestCDCLoaderGuard(t *testing.T) {
	db, l, view := openCDC(t)
	write := func(op change.Op, name string, pos uint64) {
		t.Helper()
		b := &xcetl.Batch{Schema: view.Schema()}
		e := &change.Event{Op: op, Key: []change.Field{{Name: "id", Value: int64(1)}}, Position: change.PositionLSN(pos, 0)}
		img := change.Image{{Name: "id", Value: int64(1)}, {Name: "name", Value: name}}
		if op == change.Delete {
			e.Before = img
		} else {
			e.After = img
		}
		view.Append(b, e, xcetl.Origin{}, nil)
		if err := l.Prepare(b); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	name := func() string {
		var n sql.NullString
		_ = db.QueryRow(`SELECT name FROM people WHERE id = 1`).Scan(&n)
		return n.String
	}
	stale := func() float64 {
		for _, s := range l.(xcetl.Statser).Stats() {
			if s.Name == "cdc_stale_skipped" {
				return s.Value
			}
		}
		return -1
	}
	write(change.Create, "v1", 10)
	write(change.Update, "v2", 20)
	write(change.Update, "v1 again", 10) // stale
	write(change.Update, "v2 again", 20) // equal: stale too
	if name() != "v2" || stale() != 2 {
		t.Fatalf("name %q, stale %v; want v2, 2", name(), stale())
	}
	write(change.Delete, "", 30)
	write(change.Create, "resurrected", 15) // an old create after the delete
	if name() != "" || stale() != 3 {
		t.Fatalf("after the delete: name %q, stale %v", name(), stale())
	}
	write(change.Create, "v4", 40)
	if name() != "v4" {
		t.Fatalf("a newer create was not applied: %q", name())
	}
}

// TestCDCFirstOffsetRaceIntegration: two consumers that both start a
// partition the target holds no offset of (a new group's first rebalance)
// must not both apply it. Consumer A's transaction is played by hand: it
// has stored the partition's offset and not committed yet; consumer B's
// batch waits for it and is then refused as fenced (so that its run starts
// again from A's offsets), not failed by the state table's primary key.
func TestCDCFirstOffsetRaceIntegration(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE people (id bigint PRIMARY KEY, name text)`); err != nil {
		t.Fatal(err)
	}
	l, err := load.New(parse(t, "type: postgres\ndsn: "+dsn+"\ntable: people\nmode: cdc\nkey: [id]"), load.Env{Pipeline: "p", State: true, Changes: true, Versions: true})
	if err != nil {
		t.Fatal(err)
	}
	view := change.NewView(nil, 4)
	if err := l.Open(ctx, view.Schema()); err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())

	a, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec(`INSERT INTO xcetl_state (pipeline, state_key, state_value, updated_at) VALUES ('p', 'kafka/t/0', $1, now())`, hex.EncodeToString([]byte("2"))); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		b := eventBatch(t, view, []xcetl.Checkpoint{{Key: change.FencePrefix + "kafka/t/0", Value: []byte("0")}, {Key: "kafka/t/0", Value: []byte("2")}}, 1, 2)
		if err := l.Prepare(b); err != nil {
			done <- err
			return
		}
		_, err := l.Write(ctx, b)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("B's batch did not wait for A's transaction: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	err = <-done
	if !errors.Is(err, load.ErrFenced) {
		t.Fatalf("B's batch: err = %v; want it fenced", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM people`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows = %d, %v; want 0 (B's batch rolled back)", n, err)
	}
}
