package pipelines_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/pipelines"
)

// sharingSource is a streaming source whose runs share their work (like
// kafka's consumer group).
type sharingSource struct{ streamSource }

func (*sharingSource) SharesWork() bool { return true }

// fencedLoader refuses the writes its fence says with load.ErrFenced, as
// the cdc loader does for a batch another consumer overtook.
type fencedLoader struct {
	writes *atomic.Int64
	fence  func(n int64) bool
}

func (fencedLoader) Open(context.Context, *xcetl.Schema) error { return nil }
func (fencedLoader) Prepare(*xcetl.Batch) error                { return nil }
func (l fencedLoader) Write(context.Context, *xcetl.Batch) (bool, error) {
	if n := l.writes.Add(1); l.fence(n) {
		return false, fmt.Errorf("load t: batch %d: kafka/t/0: %w", n, load.ErrFenced)
	}
	return true, nil
}
func (fencedLoader) Commit(context.Context) error   { return nil }
func (fencedLoader) Rollback(context.Context) error { return nil }
func (fencedLoader) Close(context.Context) error    { return nil }

func sharedPipeline(t *testing.T, rows int, fence func(n int64) bool) (*pipelines.Pipeline, *atomic.Int64, *atomic.Int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.yaml")
	body := fmt.Sprintf("version: 1\nname: shared\nsource: {type: shared, rows: %d}\ntarget: {type: fenced}\n", rows)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	var writes, sources atomic.Int64
	p, err := pipelines.Load(path, pipelines.WithLookupEnv(noEnv),
		pipelines.WithExtractor("shared", func(n *config.Node, env extract.Env) (extract.Extractor, error) {
			sources.Add(1)
			s := &sharingSource{streamSource{drain: make(chan struct{})}}
			return s, config.Decode(n, &s.cfg).Err()
		}),
		pipelines.WithLoader("fenced", func(*config.Node, load.Env) (load.Loader, error) {
			return fencedLoader{writes: &writes, fence: fence}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return p, &writes, &sources
}

// TestRejoinAfterFence: a batch the target's fence refuses (a rebalance)
// starts the run again with fresh plugins instead of failing it.
func TestRejoinAfterFence(t *testing.T) {
	p, writes, sources := sharedPipeline(t, 5, func(n int64) bool { return n == 2 })
	rep, err := p.Run(context.Background(), pipelines.RunOptions{ExitWhenIdle: 100 * time.Millisecond})
	if err != nil || rep.Status != "ok" {
		t.Fatalf("run: %v (status %s)", err, rep.Status)
	}
	if sources.Load() < 2 || writes.Load() < 6 {
		t.Errorf("sources built %d, writes %d: the run did not start again after the fenced batch", sources.Load(), writes.Load())
	}
}

// TestDrainWhileRejoining: a drain that comes while the run waits to start
// again after a fenced batch ends it (ok), instead of being lost on the old
// source while the new one runs on.
func TestDrainWhileRejoining(t *testing.T) {
	p, writes, _ := sharedPipeline(t, 1000, func(int64) bool { return true })
	go func() {
		for writes.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // within the first wait before the new run
		p.Drain()
	}()
	done := make(chan error, 1)
	go func() {
		_, err := p.Run(context.Background(), pipelines.RunOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("drained run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the drain was lost: the run went on")
	}
}
