package registry

import (
	"fmt"
	"reflect"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
)

// Plugin is one registered plugin of kind T (an extractor, a transform, a
// loader) built with an environment E: its documentation, the type of its
// declared configuration, and how to build it from a YAML node or from a
// spec built in Go.
type Plugin[T, E any] struct {
	Name string
	Doc  config.Doc
	// Spec is the type of the declared configuration (a struct, or a named
	// map, list or string type); nil for plugins registered with a plain
	// factory, which decode their node themselves.
	Spec reflect.Type
	// FromNode decodes and validates n, then builds the plugin.
	FromNode func(n *config.Node, env E) (T, error)
	// FromSpec validates a spec built in Go (a *S or an S), filling its
	// defaults, then builds the plugin; path names it in errors
	// ("source", "transforms[2].cast"). Nil for plain factories.
	FromSpec func(spec any, path string, env E) (T, error)
}

// Typed makes the builders of a plugin whose configuration is declared by
// the spec type S (see package config). build gets the checked spec and the
// node it was decoded from (nil for a spec built in Go), so that problems
// found later (a column the input lacks) can point at the file.
func Typed[S, T, E any](name string, doc config.Doc, build func(*S, E, *config.Node) (T, error)) Plugin[T, E] {
	if build == nil {
		panic("registry: Typed with a nil build function for " + name)
	}
	return Plugin[T, E]{
		Name: name,
		Doc:  doc,
		Spec: reflect.TypeFor[S](),
		FromNode: func(n *config.Node, env E) (T, error) {
			var s S
			if serr := config.CheckShape(n, reflect.TypeFor[S](), name, doc); serr != nil {
				var zero T
				return zero, xcetl.SpecErrors{serr}
			}
			if errs := config.DecodeSpec(n, &s); len(errs) > 0 {
				var zero T
				return zero, errs
			}
			return build(&s, env, n)
		},
		FromSpec: func(spec any, path string, env E) (T, error) {
			var zero T
			var s S
			switch v := spec.(type) {
			case *S:
				if v == nil {
					return zero, xcetl.SpecErrors{{Path: path, Msg: name + ": spec is nil"}}
				}
				s = *v
			case S:
				s = v
			default:
				return zero, fmt.Errorf("%w: %s: %s takes a %v, not a %T", xcetl.ErrInvalid, path, name, reflect.TypeFor[S](), spec)
			}
			config.Defaults(&s)
			if errs := config.Validate(&s, path); len(errs) > 0 {
				return zero, errs
			}
			return build(&s, env, nil)
		},
	}
}
