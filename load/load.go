// Package load defines what a target is and keeps the registry of target
// types. The built-in SQL loader (sql.go) serves every registered dialect
// (postgres, opengauss, kingbase, sqlite, dm8); other loaders can be
// registered by name.
//
// Lifecycle, as the engine drives it:
//
//	New (factory)  parse and check the target config; touch nothing. `xcetl validate` stops here.
//	Explain        (optional Explainer) the statements a run would execute, secrets redacted; no connection.
//	Open           once: connect, check or create the table for the schema, begin the run.
//	Prepare        once per batch, CONCURRENTLY on several goroutines: last checks on rows
//	               (may b.Reject), encode the batch for the bulk path into b.Payload.
//	Write          once per batch, in order, on one goroutine: load the batch.
//	ReadCheckpoints (optional StateKeeper) after Open, before the first Write: state of earlier runs.
//	Commit         once at the end of a successful run; Rollback instead on failure or cancel.
//	Close          always, once, after Open (even if Open failed part-way).
package load

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/internal/registry"
)

// Loader writes batches to one target.
type Loader interface {
	Open(ctx context.Context, schema *xcetl.Schema) error
	// Prepare must be safe to call concurrently for different batches.
	Prepare(b *xcetl.Batch) error
	// Write loads b. committed reports whether b is now durable in the
	// target (commit: batch); with commit: run it is durable only after
	// Commit.
	Write(ctx context.Context, b *xcetl.Batch) (committed bool, err error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
	Close(ctx context.Context) error
}

// StateKeeper is implemented by loaders that keep pipeline state in the
// target. Write must store every xcetl.Checkpoint of a batch in the same
// transaction as the batch's rows (with commit: run, the run's transaction),
// so that the state never runs ahead of, or behind, the committed data.
// ReadCheckpoints is called after Open, before the first Write, and returns
// what earlier runs of the same pipeline committed.
type StateKeeper interface {
	xcetl.StateReader
}

// Statement is one SQL statement a run executes, for `xcetl explain`.
type Statement struct {
	// When says when it runs: "once at start", "per batch", "at end", ….
	When string
	SQL  string
}

// Explainer is implemented by loaders that can list, without connecting,
// the statements a run would execute for a schema.
type Explainer interface {
	Explain(schema *xcetl.Schema) ([]Statement, error)
}

// Preflighter is implemented by loaders that can tell, without connecting,
// that a run cannot succeed in this binary (a database driver that is
// linked in only by a build tag). The engine calls Preflight before it
// opens the source, so such a run fails at once, having read nothing.
type Preflighter interface {
	Preflight() error
}

// Describer is implemented by loaders that describe their target in one
// line (DSN redacted).
type Describer interface {
	Describe() string
}

// Env is what a factory gets besides its config.
type Env struct {
	BaseDir string
	// Node is the plugin's configuration as written in the file, set for
	// plugins with a declared spec so that problems found after building
	// (a column the input lacks) can point at it; nil for a spec built in Go.
	Node   *config.Node
	Logger *slog.Logger
	// Pipeline is the pipeline's name (for staging tables, locks, state).
	Pipeline string
	// State is true when the source keeps state in the target
	// (extract.Resumer): a StateKeeper prepares its state table at Open.
	State bool
	// DB, when not nil, is a connection pool owned by the program embedding
	// xcetl: the SQL loader takes its connections from it (the dialect must
	// implement dialects.DBOpener) and the target's dsn may be left out.
	DB *sql.DB
}

// Factory builds a loader from the whole `target:` mapping. It must check
// everything it can without connecting and return all problems as
// xcetl.SpecErrors.
type Factory func(n *config.Node, env Env) (Loader, error)

// Plugin is a registered target type: its docs, the type of its declared
// configuration, and its builders.
type Plugin = registry.Plugin[Loader, Env]

var (
	factories = registry.New[Plugin]("load")

	mu        sync.RWMutex // guards the default below
	fallback  Factory
	fallNames func() []string
)

// Register makes a target type available under name. It panics if name is
// taken or f is nil.
func Register(name string, f Factory) {
	if f == nil {
		panic("load: Register factory is nil")
	}
	factories.Register(name, Plugin{Name: name, FromNode: f})
}

// RegisterSpec makes a target type available whose configuration is the
// declared spec type S (see package config); the `type` key is not part of
// S.
func RegisterSpec[S any](name string, doc config.Doc, build func(*S, Env) (Loader, error)) {
	factories.Register(name, registry.Typed(name, doc, func(s *S, env Env, n *config.Node) (Loader, error) {
		env.Node = n
		return build(s, env)
	}))
}

// SetDefault installs the factory used for target types with no registered
// loader (the SQL loader, which knows every dialect), and the function that
// lists the types it serves.
func SetDefault(f Factory, names func() []string) {
	mu.Lock()
	defer mu.Unlock()
	fallback, fallNames = f, names
}

// Plugins returns the target types registered with their own loader
// (RegisterSpec or Register), sorted by name; the SQL loader's dialects are
// listed by package dialects.
func Plugins() []Plugin {
	var out []Plugin
	for _, n := range factories.Names() {
		p, _ := factories.Lookup(n)
		out = append(out, p)
	}
	return out
}

// Names returns every target type that New accepts, sorted.
func Names() []string {
	mu.RLock()
	extra := fallNames
	mu.RUnlock()
	set := map[string]bool{}
	for _, n := range factories.Names() {
		set[n] = true
	}
	if extra != nil {
		for _, n := range extra() {
			set[n] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// New builds the loader for a `target:` mapping.
func New(n *config.Node, env Env) (Loader, error) {
	tn := n.Get("type")
	if tn == nil || tn.Kind != config.Scalar || tn.Value == "" {
		return nil, xcetl.SpecErrors{n.Errorf("missing required key \"type\" (one of: %v)", Names())}
	}
	p, ok := factories.Lookup(tn.Value)
	mu.RLock()
	fb := fallback
	mu.RUnlock()
	if ok {
		if p.Spec != nil {
			n = config.Without(n, "type")
		}
		return p.FromNode(n, env)
	}
	known := false
	for _, name := range Names() {
		if name == tn.Value {
			known = true
		}
	}
	if !known || fb == nil {
		return nil, xcetl.SpecErrors{tn.Errorf("unknown target type %q%s; known: %v", tn.Value, xcetl.DidYouMean(tn.Value, Names()), Names())}
	}
	return fb(n, env)
}

// Errorf prefixes errors of a loader with the target table.
func Errorf(table, format string, args ...any) error {
	return fmt.Errorf("load "+table+": "+format, args...)
}
