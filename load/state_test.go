package load_test

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	_ "github.com/xcetl/xcetl/dialects/postgres"
	_ "github.com/xcetl/xcetl/dialects/sqlite"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/load"
)

// TestCheckpointsIntegration checks the state store on real databases:
// checkpoints commit and roll back together with their batch's rows, a
// later checkpoint replaces an earlier one, pipelines do not see each
// other's state, and nothing is read back for a prefix that does not match.
func TestCheckpointsIntegration(t *testing.T) {
	targets := []struct {
		name, typ, dsn string
	}{
		{"sqlite", "sqlite", filepath.Join(t.TempDir(), "state.db")},
		{"postgres", "postgres", pgtest.NewDatabase(t)},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			open := func(pipeline, commit string) *load.SQL {
				d, ok := dialects.Lookup(tc.typ)
				if !ok {
					t.Fatalf("dialect %s not registered", tc.typ)
				}
				l, err := load.NewSQL(d, parse(t, "type: "+tc.typ+"\ndsn: "+tc.dsn+"\ntable: people\nmode: upsert\nkey: [ID]\ncommit: "+commit),
					load.Env{Pipeline: pipeline, State: true})
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Open(ctx, schema2()); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = l.Close(context.Background()) })
				return l
			}
			write := func(l *load.SQL, cps []xcetl.Checkpoint, rows ...[]any) error {
				b := batchOf(schema2(), rows...)
				b.Checkpoints = cps
				if err := l.Prepare(b); err != nil {
					return err
				}
				_, err := l.Write(ctx, b)
				return err
			}
			read := func(l *load.SQL, prefix string) string {
				m, err := l.ReadCheckpoints(ctx, prefix)
				if err != nil {
					t.Fatal(err)
				}
				var parts []string
				for _, k := range sortedKeys(m) {
					parts = append(parts, k+"="+string(m[k]))
				}
				return strings.Join(parts, ",")
			}

			// commit: batch — each batch's checkpoints are durable with it.
			l := open("p1", "batch")
			if got := read(l, ""); got != "" {
				t.Fatalf("fresh state = %q, want empty", got)
			}
			if err := write(l, []xcetl.Checkpoint{{Key: "kafka/t/0", Value: []byte("10")}, {Key: "kafka/t/1", Value: []byte("7")}},
				[]any{int64(1), "a"}); err != nil {
				t.Fatal(err)
			}
			// A batch with no rows left still saves its checkpoints.
			if err := write(l, []xcetl.Checkpoint{{Key: "kafka/t/0", Value: []byte("12")}}); err != nil {
				t.Fatal(err)
			}
			if got := read(l, "kafka/"); got != "kafka/t/0=12,kafka/t/1=7" {
				t.Errorf("state = %q", got)
			}
			if got := read(l, "csv/"); got != "" {
				t.Errorf("prefix csv/ = %q, want nothing", got)
			}
			_ = l.Close(ctx)

			// commit: run — a failed run leaves neither rows nor state.
			l = open("p1", "run")
			if err := write(l, []xcetl.Checkpoint{{Key: "kafka/t/0", Value: []byte("99")}}, []any{int64(2), "b"}); err != nil {
				t.Fatal(err)
			}
			if err := l.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			_ = l.Close(ctx)

			l = open("p1", "run")
			if got := read(l, ""); got != "kafka/t/0=12,kafka/t/1=7" {
				t.Errorf("after a rolled-back run state = %q, want the committed one", got)
			}
			if err := write(l, []xcetl.Checkpoint{{Key: "kafka/t/0", Value: []byte("13")}}, []any{int64(3), "c"}); err != nil {
				t.Fatal(err)
			}
			if err := l.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			_ = l.Close(ctx)

			// Another pipeline on the same table has its own state.
			l2 := open("p2", "batch")
			if got := read(l2, ""); got != "" {
				t.Errorf("pipeline p2 sees %q", got)
			}
			if got := read(open("p1", "batch"), "kafka/t/0"); got != "kafka/t/0=13" {
				t.Errorf("p1 state = %q", got)
			}
			// A bad key is refused before anything is written.
			if err := write(l2, []xcetl.Checkpoint{{Key: ""}}, []any{int64(4), "d"}); err == nil || !strings.Contains(err.Error(), "checkpoint key") {
				t.Errorf("empty key: err = %v", err)
			}
		})
	}
}

// TestCheckpointsNeedState: a loader opened without State refuses
// checkpoints instead of dropping them.
func TestCheckpointsNeedState(t *testing.T) {
	db := &rec{}
	l := newFake(t, db, "table: t")
	if err := l.Open(ctx, schema2()); err != nil {
		t.Fatal(err)
	}
	b := batchOf(schema2(), []any{int64(1), "a"})
	b.Checkpoints = []xcetl.Checkpoint{{Key: "k", Value: []byte("v")}}
	if err := l.Prepare(b); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write(ctx, b); err == nil || !strings.Contains(err.Error(), "not opened to keep state") {
		t.Errorf("err = %v", err)
	}
}

func sortedKeys(m map[string][]byte) []string { return slices.Sorted(maps.Keys(m)) }
