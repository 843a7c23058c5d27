// Package extract defines what a source of rows is and keeps the registry of
// source types (csv, excel, api, kafka, …). Plugins live in subpackages and
// register themselves in init; package all imports every built-in plugin.
//
// Lifecycle, as the engine drives it (one goroutine, never concurrently):
//
//	New (factory)  parse and check the config; touch nothing. `xcetl validate` stops here.
//	Open           open files/connections; return the schema of every batch to come.
//	Next           return the next batch, or io.EOF at the end; called until io.EOF or an error.
//	Resume         (optional Resumer) once, after Open and before the first Next, when the
//	               target keeps state: continue where the committed data ends.
//	Ack            (optional Acker) the target committed everything up to a position.
//	Close          always called once after a successful Open.
package extract

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/internal/registry"
)

// Extractor reads rows from one source.
type Extractor interface {
	// Open prepares reading and returns the schema shared by every batch.
	// For sources with a header it reads the header.
	Open(ctx context.Context) (*xcetl.Schema, error)
	// Next returns up to max rows. It returns io.EOF (and a nil batch) when
	// the source is exhausted. Rows that cannot be read (ragged, undecodable)
	// are put into the batch's Rejects, not returned as an error; an error
	// ends the run. Every batch's Origin and Raw are filled for every row.
	Next(ctx context.Context, max int) (*xcetl.Batch, error)
	// Close releases files and connections.
	Close() error
}

// Acker is implemented by sources that need to know what was committed
// (Kafka offsets, resumable cursors). Ack is called in batch order after the
// target committed the batch ending at pos.
type Acker interface {
	Ack(ctx context.Context, pos xcetl.Position) error
}

// Resumer is implemented by sources that continue from state committed by
// earlier runs (Kafka offsets, the position reached in a file, a manifest of
// loaded files, a watermark). Such a source attaches xcetl.Checkpoints to its
// batches; the target stores them in the transaction that commits the
// batch's rows, and on the next run the engine calls Resume once, after
// Open and before the first Next, with the target as state. Without a
// target that keeps state (a dry run, a target with no state store) Resume
// is not called and the source starts from the beginning.
type Resumer interface {
	// Resumes reports whether this source, as configured, keeps state
	// (a CSV source may resume only with commit: batch, say). When false,
	// Resume is never called and the target prepares no state table.
	Resumes() bool
	// Resume positions the source after what the target committed.
	Resume(ctx context.Context, state xcetl.StateReader) error
}

// Previewer is implemented by sources whose columns can be learned from
// local files alone — a CSV's header line, a workbook's header row —
// without a network, a broker or a database. `xcetl validate` calls it on
// a fresh source (which is never opened afterwards) to check that the
// transforms name columns the source has. It returns ErrNoInput (wrapped,
// saying which file) when the input is not there yet: nothing can be
// checked then, which is not a problem of the pipeline.
type Previewer interface {
	Preview(ctx context.Context) (*xcetl.Schema, error)
}

// ErrNoInput marks a Preview of a source whose files are not there (yet).
var ErrNoInput = errors.New("no input to preview")

// PreviewByOpen is Preview for a source whose Open reads nothing but its
// local files' headers: missing, when not nil, says why there is no input
// (it is wrapped in ErrNoInput); else e is opened and closed again.
func PreviewByOpen(ctx context.Context, e Extractor, missing error) (*xcetl.Schema, error) {
	if missing != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoInput, missing)
	}
	schema, err := e.Open(ctx)
	if err != nil {
		return nil, err
	}
	return schema, e.Close()
}

// ResumeReporter is implemented by Resumers that can say, after Resume,
// what they found in the state of earlier runs: where an interrupted run
// is continued, and which inputs are not read again because an earlier run
// loaded them completely and they are unchanged. The engine puts it in the
// run's report and human summary, so that a rerun that loads nothing says
// why instead of looking like a source without data.
type ResumeReporter interface {
	ResumeReport() ResumeReport
}

// ResumeReport is what ResumeReporter returns.
type ResumeReport struct {
	// ResumedAt is where the run continues an interrupted one, as a
	// person would look for it: "line 65,002 of data/a.csv". "" when
	// nothing is continued.
	ResumedAt string
	// Unchanged lists the inputs (files, sheets) that an earlier run
	// loaded completely and that are unchanged since (same size and
	// hash): nothing of them is read again.
	Unchanged []string
}

// Drainer is implemented by streaming sources (kafka) that can end a run
// cleanly: after Drain, Next hands out the batch in hand and then returns
// io.EOF, so the run commits and succeeds. Drain may be called from any
// goroutine while Next runs (the CLI calls it on the first SIGTERM).
type Drainer interface{ Drain() }

// ChangeSource is implemented by sources whose batches carry change events
// (package change): row i of a batch is a view of the *change.Event in
// b.Records[i]. The engine tells the target (load.Env.Changes), whose mode
// cdc then applies the events to their tables. Guarded reports whether the
// target must keep the per-key version guard (`versions:`, on by default).
type ChangeSource interface{ Guarded() bool }

// WorkSharer is implemented by sources whose runs coordinate among
// themselves which part of the input each one reads (a Kafka consumer
// group assigns each partition to one member, and the target's
// per-partition offsets fence a member that lost a partition): several runs
// of one pipeline may go on at once, so the engine does not take the
// one-run-per-pipeline lock for them. SharesWork reports whether this
// source, as configured, does.
type WorkSharer interface{ SharesWork() bool }

// IdleExiter is implemented by streaming sources that can end a run after a
// time without events (`xcetl run --exit-when-idle`). The engine calls it
// once, after Open.
type IdleExiter interface{ SetExitWhenIdle(d time.Duration) }

// Progresser is implemented by sources that know how far along they are
// (bytes of files read out of the total), for the progress bar. It may be
// called from another goroutine while Next runs.
type Progresser interface {
	Progress() (done, total int64)
}

// Describer is implemented by sources that can describe themselves in one
// line for `xcetl explain` (without secrets).
type Describer interface {
	Describe() string
}

// Env is what a factory gets besides its config.
type Env struct {
	// BaseDir is the directory of the pipeline file; relative paths in the
	// config are relative to it.
	BaseDir string
	// Node is the plugin's configuration as written in the file, set for
	// plugins with a declared spec so that problems found after building
	// (a column the input lacks) can point at it; nil for a spec built in Go.
	Node *config.Node
	// Path is the YAML path of the plugin's configuration ("source",
	// "transforms[2].mask"), also for a spec built in Go.
	Path   string
	Logger *slog.Logger
	// CommitPerBatch is true when the target commits every batch on its
	// own (`target.commit: batch`): a Resumer can then checkpoint how far
	// it has read, so that a killed run resumes after its last committed
	// batch.
	CommitPerBatch bool
	// Secrets is the pipeline's scrubber, which every output of the run
	// (logs, errors, the report, the run history) passes through. A source
	// that learns secrets beyond its config values — a token fetched at run
	// time, the base64 form of user:password — adds them here. Nil outside
	// a pipeline (tests): the source then keeps a scrubber of its own.
	Secrets *xcetl.Scrubber
}

// Factory builds an extractor from its config node (the whole `source:`
// mapping, including `type`). It must check everything it can without
// touching the source and return all problems as xcetl.SpecErrors.
type Factory func(n *config.Node, env Env) (Extractor, error)

// Plugin is a registered source type: its docs, the type of its declared
// configuration, and its builders.
type Plugin = registry.Plugin[Extractor, Env]

var plugins = registry.New[Plugin]("extract")

// Register makes a source type available with a plain factory that decodes
// its own node (the whole `source:` mapping). It panics if name is taken or
// f is nil, like database/sql.Register. New plugins use RegisterSpec.
func Register(name string, f Factory) {
	if f == nil {
		panic("extract: Register factory is nil")
	}
	plugins.Register(name, Plugin{Name: name, FromNode: f})
}

// RegisterSpec makes a source type available whose configuration is the
// declared spec type S (see package config): decoding, validation, docs
// and the JSON Schema all come from S. build gets the checked spec; the
// `type` key is not part of S.
func RegisterSpec[S any](name string, doc config.Doc, build func(*S, Env) (Extractor, error)) {
	p := registry.Typed(name, doc, func(s *S, env Env, n *config.Node, path string) (Extractor, error) {
		env.Node, env.Path = n, path
		return build(s, env)
	})
	plugins.Register(name, p)
}

// Lookup returns the plugin registered under name.
func Lookup(name string) (Plugin, bool) { return plugins.Lookup(name) }

// Names returns the registered source types, sorted.
func Names() []string { return plugins.Names() }

// Plugins returns every registered source type, sorted by name.
func Plugins() []Plugin {
	var out []Plugin
	for _, n := range plugins.Names() {
		p, _ := plugins.Lookup(n)
		out = append(out, p)
	}
	return out
}

// New builds the extractor described by n (a `source:` mapping).
func New(n *config.Node, env Env) (Extractor, error) {
	tn := n.Get("type")
	if tn == nil || tn.Kind != config.Scalar || tn.Value == "" {
		return nil, xcetl.SpecErrors{n.Errorf("missing required key \"type\" (one of: %v)", Names())}
	}
	p, ok := Lookup(tn.Value)
	if !ok {
		return nil, xcetl.SpecErrors{tn.Errorf("unknown source type %q%s; known: %v", tn.Value, xcetl.DidYouMean(tn.Value, Names()), Names())}
	}
	if p.Spec != nil {
		n = config.Without(n, "type")
	}
	return p.FromNode(n, env)
}

// Build builds a source of type name from a spec built in Go (a *S or S of
// the plugin's spec type), with its defaults filled and checked as a file's
// would be.
func Build(name string, spec any, env Env) (Extractor, error) {
	p, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w: unknown source type %q; known: %v", xcetl.ErrInvalid, name, Names())
	}
	if p.FromSpec == nil {
		return nil, fmt.Errorf("%w: source type %q has no declared spec; build it from YAML", xcetl.ErrInvalid, name)
	}
	return p.FromSpec(spec, "source", env)
}

// Errorf is a convenience for plugin errors that are not about the config:
// it prefixes the source type.
func Errorf(typ, format string, args ...any) error {
	return fmt.Errorf(typ+" source: "+format, args...)
}

// CheckColumns checks a source's `columns:` list (cn, decoded into names):
// at least one name, none empty, no duplicates. Each problem points at its
// item. emptyHint, if not "", is added to the message for an empty list.
func CheckColumns(cn *config.Node, names []string, emptyHint string) xcetl.SpecErrors {
	if cn == nil {
		return nil
	}
	return config.CheckNode(cn, func(c *config.Check) { checkColumns(c, "", names, emptyHint) })
}

// CheckColumnsIn is CheckColumns for the key of a declared spec (a
// Check method): the list under key, if written.
func CheckColumnsIn(c *config.Check, key string, names []string, emptyHint string) {
	if names == nil && !c.Has(key) {
		return
	}
	checkColumns(c.At(key), "", names, emptyHint)
}

func checkColumns(c *config.Check, key string, names []string, emptyHint string) {
	if len(names) == 0 {
		msg := "columns must list at least one name"
		if emptyHint != "" {
			msg += " (" + emptyHint + ")"
		}
		c.Errorf(key, "%s", msg)
	}
	seen := map[string]int{}
	for i, name := range names {
		if strings.TrimSpace(name) == "" {
			c.ErrorfAt(c.Item(key, i), "column name must not be empty")
			continue
		}
		if first, dup := seen[name]; dup {
			c.ErrorfAt(c.Item(key, i), "duplicate column name %q (also columns[%d])", name, first)
			continue
		}
		seen[name] = i
	}
}

// Message is one message of a streaming source's broker, as `xcetl test`
// gives it inline.
type Message struct {
	Topic     string
	Partition int
	Key       []byte
	Value     []byte
}

// Replayer is implemented by streaming sources that can read given
// messages instead of their broker, with the same configuration (the
// decoding, the tables, the exposed columns): `xcetl test` feeds them the
// inline events of a test file. Replay returns a source that hands out
// msgs, in order and with offsets counted from 0 per partition, then ends.
// It never connects.
type Replayer interface {
	Replay(msgs []Message) (Extractor, error)
}
