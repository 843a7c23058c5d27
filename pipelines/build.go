package pipelines

import (
	"fmt"
	"os"
	"reflect"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/transform"
)

// Definition is a pipeline built in Go instead of written in YAML: the same
// keys, each plugin's configuration given as its declared spec type
// (api.Spec, column.RenameSpec, load.SQLSpec, …). Build checks it exactly
// as a file's (defaults, allowed values, ranges, every cross-key rule);
// problems name YAML paths ("transforms[1].mask.phone") instead of lines.
type Definition struct {
	Name        string
	Description string
	// Dir is where relative paths (a source's files, a SQLite database, the
	// reject file) are resolved; "" is the working directory.
	Dir        string
	Source     Part
	Transforms []Part
	Target     Part
	Errors     ErrorsSpec
}

// Part is a source, a transform or a target of a Definition.
type Part struct {
	// Type is the source's or target's type ("api", "postgres"), or the
	// transform's name ("rename").
	Type string
	// Spec is its configuration: a value or pointer of the plugin's
	// declared spec type (load.SQLSpec for the SQL targets; nil for a
	// transform of no keys), or a map[string]any holding what its YAML
	// mapping would (for a plugin registered without a declared spec).
	Spec any
}

// Build checks the Definition and builds its pipeline, as New does for a
// parsed file (the same options).
func Build(def Definition, opts ...Option) (*Pipeline, error) {
	spec, err := def.Spec()
	return newAfter(spec, err, opts)
}

// Spec resolves the Definition into the Spec New builds, checking its top
// level (the plugins are checked by New).
func (def Definition) Spec() (*Spec, error) {
	root := &config.Node{Kind: config.Map}
	add := func(key string, v *config.Node) {
		root.Entries = append(root.Entries, config.Entry{Key: key, Value: v})
	}
	scalar := func(key, s string) {
		add(key, &config.Node{Kind: config.Scalar, Path: key, Value: s, Raw: s, Quoted: true})
	}
	add("version", &config.Node{Kind: config.Scalar, Path: "version", Value: "1", Raw: "1"})
	scalar("name", def.Name)
	if def.Description != "" {
		scalar("description", def.Description)
	}
	var errs []error
	sp, ok := extract.Lookup(def.Source.Type)
	src, err := def.Source.encode("source", sp.Spec, ok, false)
	errs = append(errs, err)
	add("source", src)
	ts := &config.Node{Kind: config.List, Path: "transforms"}
	for i, t := range def.Transforms {
		path := fmt.Sprintf("transforms[%d]", i)
		p, _ := transform.Lookup(t.Type)
		val, err := t.encodeSpec(config.JoinPath(path, t.Type), p)
		errs = append(errs, err)
		ts.Items = append(ts.Items, &config.Node{Kind: config.Map, Path: path, Entries: []config.Entry{{Key: t.Type, Value: val}}})
	}
	if len(def.Transforms) > 0 {
		add("transforms", ts)
	}
	tp, ok := load.Lookup(def.Target.Type)
	tgt, err := def.Target.encode("target", tp.Spec, ok, true)
	errs = append(errs, err)
	add("target", tgt)
	if n, err := config.Encode(def.Errors, "errors"); err != nil {
		errs = append(errs, err)
	} else if len(n.Entries) > 0 {
		add("errors", n)
	}
	var se xcetl.SpecErrors
	for _, err := range errs {
		if err != nil {
			se = append(se, &xcetl.SpecError{Path: "", Msg: err.Error()})
		}
	}
	if len(se) > 0 {
		return nil, se
	}
	dir := def.Dir
	if dir == "" {
		if wd, err := os.Getwd(); err == nil {
			dir = wd
		}
	}
	return specOfRoot("", dir, root, nil)
}

// encode is the `source:` or `target:` mapping of a Part: its type and the
// keys of its spec.
func (pt Part) encode(path string, specType reflect.Type, known, target bool) (*config.Node, error) {
	n := &config.Node{Kind: config.Map, Path: path,
		Entries: []config.Entry{{Key: "type", Value: &config.Node{Kind: config.Scalar, Path: config.JoinPath(path, "type"), Value: pt.Type, Raw: pt.Type}}}}
	if !known {
		return n, nil // New reports the unknown type
	}
	if target && specType != nil && specType.Name() == "" {
		specType = reflect.TypeFor[load.SQLSpec]() // the SQL targets: SQLSpec, with the dialect's Options
	}
	val, err := encodeAs(pt.Spec, path, pt.Type, specType)
	if err != nil {
		return nil, err
	}
	if val.Kind != config.Map && val.Kind != config.Null {
		return nil, fmt.Errorf("%s: the spec of %s must be a mapping of keys", path, pt.Type)
	}
	n.Entries = append(n.Entries, val.Entries...)
	return n, nil
}

// encodeSpec is the value under a transform's name.
func (pt Part) encodeSpec(path string, p transform.Plugin) (*config.Node, error) {
	return encodeAs(pt.Spec, path, pt.Type, p.Spec)
}

// encodeAs encodes spec, which must be of the plugin's spec type t (or a
// pointer to one) when the plugin declares one.
func encodeAs(spec any, path, name string, t reflect.Type) (*config.Node, error) {
	if spec != nil && t != nil && reflect.TypeOf(spec) != reflect.TypeFor[map[string]any]() {
		st := reflect.TypeOf(spec)
		if st.Kind() == reflect.Pointer {
			st = st.Elem()
		}
		if st != t {
			return nil, fmt.Errorf("%s: %s takes a %s, not a %T", path, name, t, spec)
		}
	}
	n, err := config.Encode(spec, path)
	if err != nil {
		return nil, err
	}
	if n.Kind == config.Null && t != nil && t.Kind() == reflect.Struct {
		return &config.Node{Kind: config.Map, Path: path}, nil
	}
	return n, nil
}
