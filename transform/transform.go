// Package transform defines what a transform is and keeps the registry of
// transform names (rename, cast, filter, …). Plugins live in subpackages and
// register in init; package all imports every built-in one.
//
// Lifecycle:
//
//	New (factory)  parse and check the config (no schema yet). `xcetl validate` stops here.
//	Bind           once, before any batch: check against the input schema, return the output schema.
//	Apply          once per batch, called CONCURRENTLY from several goroutines on different
//	               batches; must not keep per-batch state in the transform itself.
package transform

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/internal/registry"
)

// Transform changes batches of rows.
type Transform interface {
	// Bind checks the transform against the schema of its input and returns
	// the schema of its output (which may be in itself if nothing changes).
	// Errors name the transform's position in the pipeline file.
	Bind(in *xcetl.Schema) (*xcetl.Schema, error)
	// Apply transforms b in place: it sets b.Schema to the output schema,
	// rewrites values, and marks rows with b.Reject / b.Filter. Rows already
	// marked (b.Marked) are skipped. Returning an error fails the run; a bad
	// value is a reject, not an error.
	Apply(ctx context.Context, b *xcetl.Batch) error
}

// Describer is implemented by transforms that describe themselves for
// `xcetl explain` (without secrets).
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
}

// Factory builds a transform from the value under its name, e.g. for
// `- cast: {id: int}` the node is the mapping `{id: int}`. It returns all
// config problems as xcetl.SpecErrors.
type Factory func(n *config.Node, env Env) (Transform, error)

// Plugin is a registered transform: its docs, the type of its declared
// configuration, and its builders.
type Plugin = registry.Plugin[Transform, Env]

var plugins = registry.New[Plugin]("transform")

// Register makes a transform available under name with a plain factory that
// decodes its own node. It panics if name is taken or f is nil. New
// transforms use RegisterSpec.
func Register(name string, f Factory) {
	if f == nil {
		panic("transform: Register factory is nil")
	}
	plugins.Register(name, Plugin{Name: name, FromNode: f})
}

// RegisterSpec makes a transform available whose configuration (the value
// under its name) is the declared spec type S (see package config).
func RegisterSpec[S any](name string, doc config.Doc, build func(*S, Env) (Transform, error)) {
	plugins.Register(name, registry.Typed(name, doc, func(s *S, env Env, n *config.Node) (Transform, error) {
		env.Node = n
		return build(s, env)
	}))
}

// Lookup returns the plugin registered under name.
func Lookup(name string) (Plugin, bool) { return plugins.Lookup(name) }

// Names returns the registered transform names, sorted.
func Names() []string { return plugins.Names() }

// Plugins returns every registered transform, sorted by name.
func Plugins() []Plugin {
	var out []Plugin
	for _, n := range plugins.Names() {
		p, _ := plugins.Lookup(n)
		out = append(out, p)
	}
	return out
}

// New builds the transform of one `transforms:` list item (a mapping with
// exactly one key, the transform's name).
func New(item *config.Node, env Env) (Transform, error) {
	e, serr := config.OneKey(item)
	if serr != nil {
		return nil, xcetl.SpecErrors{serr}
	}
	p, ok := Lookup(e.Key)
	if !ok {
		return nil, xcetl.SpecErrors{{Pos: e.KeyPos, Path: item.Path, Msg: "unknown transform \"" + e.Key + "\"" + xcetl.DidYouMean(e.Key, Names())}}
	}
	v := e.Value
	if v == nil && p.Spec != nil {
		// `- drop:` with nothing after it: the value is missing, but it was
		// written at the key.
		v = &config.Node{Kind: config.Null, Pos: e.KeyPos, Path: config.JoinPath(item.Path, e.Key)}
	}
	return p.FromNode(v, env)
}

// Build builds the transform name from a spec built in Go (a *S or S of the
// plugin's spec type); path names it in errors ("transforms[2].cast").
func Build(name string, spec any, path string, env Env) (Transform, error) {
	p, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("%w: unknown transform %q%s", xcetl.ErrInvalid, name, xcetl.DidYouMean(name, Names()))
	}
	if p.FromSpec == nil {
		return nil, fmt.Errorf("%w: transform %q has no declared spec; build it from YAML", xcetl.ErrInvalid, name)
	}
	return p.FromSpec(spec, path, env)
}

// UnknownColumn is the error for a column name that is not in the input
// schema, with a "did you mean" suggestion and the available names. Other
// transforms use it so that every such message reads the same.
func UnknownColumn(pos xcetl.Pos, path, name string, in *xcetl.Schema) *xcetl.SpecError {
	names := in.Names()
	list := names
	more := ""
	if len(list) > 20 {
		list = list[:20]
		more = fmt.Sprintf(", … (%d more)", len(names)-20)
	}
	return &xcetl.SpecError{Pos: pos, Path: path,
		Msg: fmt.Sprintf("unknown column %q%s; input columns: %s%s", name, xcetl.DidYouMean(name, names), strings.Join(list, ", "), more)}
}

// CheckSchema returns an error when a batch arrives with a schema other
// than the one a transform was bound to (a source that changed its columns
// mid-run). It costs a pointer comparison in the normal case.
func CheckSchema(transformName string, got, bound *xcetl.Schema) error {
	if got == bound {
		return nil
	}
	if bound == nil {
		return fmt.Errorf("%s: Apply called before Bind", transformName)
	}
	if got == nil || len(got.Columns) != len(bound.Columns) {
		return fmt.Errorf("%s: batch columns differ from the columns the transform was checked against", transformName)
	}
	for i := range got.Columns {
		if got.Columns[i].Name != bound.Columns[i].Name || got.Columns[i].Type.Kind != bound.Columns[i].Type.Kind {
			return fmt.Errorf("%s: batch column %d is %q (%s), expected %q (%s)", transformName, i+1,
				got.Columns[i].Name, got.Columns[i].Type.Kind, bound.Columns[i].Name, bound.Columns[i].Type.Kind)
		}
	}
	return nil
}
