package pipelines_test

import (
	"context"
	"io"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/pipelines"
)

// streamSource is a streaming source (like kafka): a row every few
// milliseconds, forever, until it drains or has been idle (no row) for the
// time the engine set.
type streamSource struct {
	cfg struct {
		Type  string `yaml:"type"`
		Rows  int    `yaml:"rows"` // rows before it goes quiet
		Quiet bool   `yaml:"quiet"`
	}
	schema   *xcetl.Schema
	n        int
	idle     time.Duration
	drain    chan struct{}
	drained  atomic.Bool
	lastData time.Time
}

func (s *streamSource) SetExitWhenIdle(d time.Duration) { s.idle = d }

func (s *streamSource) Drain() {
	if s.drained.CompareAndSwap(false, true) {
		close(s.drain)
	}
}

func (s *streamSource) Open(ctx context.Context) (*xcetl.Schema, error) {
	s.schema = xcetl.NewStringSchema([]string{"n", "text"})
	s.lastData = time.Now()
	return s.schema, nil
}

func (s *streamSource) Next(ctx context.Context, max int) (*xcetl.Batch, error) {
	for {
		if s.drained.Load() {
			return nil, io.EOF
		}
		if s.n < s.cfg.Rows {
			s.n++
			s.lastData = time.Now()
			n := strconv.Itoa(s.n)
			return &xcetl.Batch{Schema: s.schema, Rows: [][]any{{n, "row"}}, Raw: [][]string{{n, "row"}},
				Origin: []xcetl.Origin{{Record: int64(s.n)}}}, nil
		}
		if s.idle > 0 && time.Since(s.lastData) >= s.idle {
			return nil, io.EOF
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.drain:
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (s *streamSource) Close() error { return nil }

func init() {
	extract.Register("stream", func(n *config.Node, env extract.Env) (extract.Extractor, error) {
		s := &streamSource{drain: make(chan struct{})}
		if errs := config.Decode(n, &s.cfg); len(errs) > 0 {
			return nil, errs
		}
		return s, nil
	})
}

// TestExitWhenIdle: a streaming source ends the run once it was idle for
// RunOptions.ExitWhenIdle, and the run succeeds with everything committed.
func TestExitWhenIdle(t *testing.T) {
	p := build(t, t.TempDir(), "version: 1\nname: s\nsource: {type: stream, rows: 20}\ntarget: {type: rec, name: idle}\n", nil)
	start := time.Now()
	rep, err := p.Run(context.Background(), pipelines.RunOptions{ExitWhenIdle: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "ok" || rep.RowsWritten != 20 || len(rec("idle").committed) != 20 {
		t.Fatalf("status %s, written %d, committed %d", rep.Status, rep.RowsWritten, len(rec("idle").committed))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the idle run took %v", d)
	}
}

// TestDrain: Drain ends a streaming run cleanly (committed, ok); a batch
// source cannot drain and says so.
func TestDrain(t *testing.T) {
	p := build(t, t.TempDir(), "version: 1\nname: s\nsource: {type: stream, rows: 5}\ntarget: {type: rec, name: drain}\n", nil)
	go func() {
		time.Sleep(200 * time.Millisecond)
		if !p.Drain() {
			t.Error("a streaming source did not drain")
		}
	}()
	rep, err := p.Run(context.Background(), pipelines.RunOptions{}) // no idle exit: runs until drained
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != "ok" || rep.RowsWritten != 5 || len(rec("drain").committed) != 5 {
		t.Fatalf("status %s, written %d, committed %d", rep.Status, rep.RowsWritten, len(rec("drain").committed))
	}
	batch := build(t, t.TempDir(), "version: 1\nname: g\nsource: {type: gen, rows: 3}\ntarget: {type: rec, name: nodrain}\n", nil)
	if batch.Drain() {
		t.Error("a batch source claims to drain")
	}
}
