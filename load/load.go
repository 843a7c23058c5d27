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

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
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
	Node *config.Node
	// Path is the YAML path of the plugin's configuration ("source",
	// "transforms[2].mask"), also for a spec built in Go.
	Path   string
	Logger *slog.Logger
	// Pipeline is the pipeline's name (for staging tables, locks, state).
	Pipeline string
	// State is true when the source keeps state in the target
	// (extract.Resumer): a StateKeeper prepares its state table at Open.
	State bool
	// Changes is true when the source sends change events (package change,
	// extract.ChangeSource): each row is a view of the *change.Event in
	// b.Records, and mode cdc applies them to their tables.
	Changes bool
	// Versions is true when the per-key version guard is on for those
	// events (the source's `versions:`, on by default).
	Versions bool
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

var factories = registry.New[Plugin]("load")

// Register makes a target type available under name. It panics if name is
// taken or f is nil. New loaders use RegisterSpec.
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
	factories.Register(name, registry.Typed(name, doc, func(s *S, env Env, n *config.Node, path string) (Loader, error) {
		env.Node, env.Path = n, path
		return build(s, env)
	}))
}

// Lookup returns the plugin of target type name: a registered loader, or
// the SQL loader of the dialect of that name.
func Lookup(name string) (Plugin, bool) {
	if p, ok := factories.Lookup(name); ok {
		return p, true
	}
	if d, ok := dialects.Lookup(name); ok {
		return sqlPlugin(d), true
	}
	return Plugin{}, false
}

// Plugins returns every target type, sorted by name: the registered
// loaders and the SQL loader of every registered dialect (whose spec is
// SQLSpec beside the dialect's own keys).
func Plugins() []Plugin {
	var out []Plugin
	for _, n := range Names() {
		p, _ := Lookup(n)
		out = append(out, p)
	}
	return out
}

// Names returns every target type that New accepts, sorted.
func Names() []string {
	set := map[string]bool{}
	for _, n := range factories.Names() {
		set[n] = true
	}
	for _, n := range dialects.Names() {
		set[n] = true
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
	p, ok := Lookup(tn.Value)
	if !ok {
		return nil, xcetl.SpecErrors{tn.Errorf("unknown target type %q%s; known: %v", tn.Value, xcetl.DidYouMean(tn.Value, Names()), Names())}
	}
	if p.Spec != nil {
		n = config.Without(n, "type")
	}
	return p.FromNode(n, env)
}

// Build builds a target of type name from a spec built in Go (a *S or S of
// the plugin's spec type; load.SQLSpec for the SQL dialects), with its
// defaults filled and checked as a file's would be.
func Build(name string, spec any, env Env) (Loader, error) {
	p, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w: unknown target type %q%s; known: %v", xcetl.ErrInvalid, name, xcetl.DidYouMean(name, Names()), Names())
	}
	if p.FromSpec == nil {
		return nil, fmt.Errorf("%w: target type %q has no declared spec; build it from YAML", xcetl.ErrInvalid, name)
	}
	return p.FromSpec(spec, "target", env)
}

// BatchPolicy is implemented by loaders that say how batches reach them:
// the engine cuts batches of BatchSize rows (DefaultBatchSize for a loader
// without it), and a resumable source checkpoints every batch only when
// CommitsPerBatch says that each is durable on its own (commit: batch).
type BatchPolicy interface {
	BatchSize() int
	CommitsPerBatch() bool
}

// Errorf prefixes errors of a loader with the target table.
func Errorf(table, format string, args ...any) error {
	return fmt.Errorf("load "+table+": "+format, args...)
}
