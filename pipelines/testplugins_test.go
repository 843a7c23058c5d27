package pipelines_test

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/transform"
)

// Test plugins: a generated source, a transform that rejects or filters by
// value, and a target that records what it got. They exercise the engine's
// contract (ordering, counting, commit/rollback) without any I/O.

type genConfig struct {
	Type  string        `yaml:"type"`
	Rows  int           `yaml:"rows"`
	Delay time.Duration `yaml:"delay"`
	Fail  int           `yaml:"fail_at"` // Next fails once this many rows were produced
}

type genSource struct {
	cfg     genConfig
	next    int
	schema  *xcetl.Schema
	batches atomic.Int64
}

// Stats implements xcetl.Statser.
func (s *genSource) Stats() []xcetl.Stat {
	return []xcetl.Stat{{Name: "gen_batches", Help: "batches made", Kind: xcetl.Counter, Value: float64(s.batches.Load())}}
}

func (s *genSource) Open(ctx context.Context) (*xcetl.Schema, error) {
	s.schema = xcetl.NewStringSchema([]string{"n", "text"})
	return s.schema, nil
}

func (s *genSource) Next(ctx context.Context, max int) (*xcetl.Batch, error) {
	if s.next >= s.cfg.Rows {
		return nil, io.EOF
	}
	if s.cfg.Fail > 0 && s.next >= s.cfg.Fail {
		return nil, fmt.Errorf("gen source: broken at row %d", s.next)
	}
	if s.cfg.Delay > 0 {
		select {
		case <-time.After(s.cfg.Delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.batches.Add(1)
	b := &xcetl.Batch{Schema: s.schema, RawHeader: []string{"n", "text"}}
	for i := 0; i < max && s.next < s.cfg.Rows; i++ {
		s.next++
		n := strconv.Itoa(s.next)
		b.Rows = append(b.Rows, []any{n, "row " + n})
		b.Raw = append(b.Raw, []string{n, "row " + n})
		b.Origin = append(b.Origin, xcetl.Origin{File: "gen", Line: s.next + 1, Record: int64(s.next)})
	}
	return b, nil
}

func (s *genSource) Close() error { return nil }

// every: {reject: 10, filter: 7} rejects rows whose number is a multiple of
// 10 and filters multiples of 7; it also sleeps a little at random to shake
// the batch order.
type everyConfig struct {
	Reject int `yaml:"reject"`
	Filter int `yaml:"filter"`
}

type every struct{ cfg everyConfig }

func (e *every) Bind(in *xcetl.Schema) (*xcetl.Schema, error) { return in, nil }

func (e *every) Apply(ctx context.Context, b *xcetl.Batch) error {
	for i, row := range b.Rows {
		n, _ := strconv.Atoi(row[0].(string))
		switch {
		case e.cfg.Reject > 0 && n%e.cfg.Reject == 0:
			b.Reject(i, "n", "multiple of "+strconv.Itoa(e.cfg.Reject))
		case e.cfg.Filter > 0 && n%e.cfg.Filter == 0:
			b.Filter(i)
		}
	}
	if len(b.Rows) > 0 && len(b.Rows)%3 == 0 {
		time.Sleep(time.Millisecond)
	}
	return nil
}

type recConfig struct {
	Type      string `yaml:"type"`
	Name      string `yaml:"name"`
	FailWrite int    `yaml:"fail_write"` // fail the Nth Write
	PerBatch  bool   `yaml:"per_batch"`
	BatchSize int    `yaml:"batch_size"`
}

// recorder is what a test target saw.
type recorder struct {
	mu         sync.Mutex
	rows       []string // column n, in write order
	committed  []string
	opened     bool
	commits    int
	rollbacks  int
	closed     bool
	prepared   int
	writeCalls int
}

var recorders sync.Map // name → *recorder

func rec(name string) *recorder {
	r, _ := recorders.LoadOrStore(name, &recorder{})
	return r.(*recorder)
}

type recLoader struct {
	cfg recConfig
	r   *recorder
}

func (l *recLoader) Open(ctx context.Context, s *xcetl.Schema) error {
	l.r.opened = true
	return nil
}

func (l *recLoader) Prepare(b *xcetl.Batch) error {
	l.r.mu.Lock()
	l.r.prepared++
	l.r.mu.Unlock()
	return nil
}

func (l *recLoader) Write(ctx context.Context, b *xcetl.Batch) (bool, error) {
	l.r.writeCalls++
	if l.cfg.FailWrite > 0 && l.r.writeCalls == l.cfg.FailWrite {
		return false, fmt.Errorf("load t: batch %d: disk full", l.r.writeCalls)
	}
	for _, row := range b.Rows {
		l.r.rows = append(l.r.rows, row[0].(string))
	}
	if l.cfg.PerBatch {
		l.r.committed = append([]string(nil), l.r.rows...)
	}
	return l.cfg.PerBatch, nil
}

func (l *recLoader) Commit(ctx context.Context) error {
	l.r.commits++
	l.r.committed = append([]string(nil), l.r.rows...)
	return nil
}

func (l *recLoader) Rollback(ctx context.Context) error {
	l.r.rollbacks++
	l.r.rows = append([]string(nil), l.r.committed...)
	return nil
}

func (l *recLoader) Close(ctx context.Context) error { l.r.closed = true; return nil }

// BatchSize and CommitsPerBatch implement load.BatchPolicy.
func (l *recLoader) BatchSize() int        { return l.cfg.BatchSize }
func (l *recLoader) CommitsPerBatch() bool { return l.cfg.PerBatch }

func init() {
	extract.Register("gen", func(n *config.Node, env extract.Env) (extract.Extractor, error) {
		s := &genSource{}
		if errs := config.Decode(n, &s.cfg); len(errs) > 0 {
			return nil, errs
		}
		return s, nil
	})
	transform.Register("every", func(n *config.Node, env transform.Env) (transform.Transform, error) {
		e := &every{}
		if errs := config.Decode(n, &e.cfg); len(errs) > 0 {
			return nil, errs
		}
		return e, nil
	})
	load.Register("rec", func(n *config.Node, env load.Env) (load.Loader, error) {
		l := &recLoader{}
		if errs := config.Decode(n, &l.cfg); len(errs) > 0 {
			return nil, errs
		}
		l.r = rec(l.cfg.Name)
		return l, nil
	})
}

// sawCommitPerBatch records the extract.Env.CommitPerBatch a "spy" source
// was built with, by the name in its config.
var sawCommitPerBatch sync.Map

func init() {
	extract.Register("spy", func(n *config.Node, env extract.Env) (extract.Extractor, error) {
		sawCommitPerBatch.Store(n.Get("name").Value, env.CommitPerBatch)
		return &genSource{cfg: genConfig{Rows: 1}}, nil
	})
}
