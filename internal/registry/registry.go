// Package registry is the one implementation of the name → plugin maps
// behind extract.Register, transform.Register, load.Register and
// dialects.Register: safe for concurrent use, and a duplicate name panics,
// as database/sql.Register does, because two plugins under one name is a
// programming error.
package registry

import (
	"sort"
	"sync"
)

// Registry maps names to values of type T. The zero value is ready to use.
type Registry[T any] struct {
	what string // "extract", "transform", …: the panic messages' prefix
	mu   sync.RWMutex
	m    map[string]T
}

// New returns a registry whose panics start with what.
func New[T any](what string) *Registry[T] { return &Registry[T]{what: what} }

// Register adds v under name. It panics if name is empty or taken.
func (r *Registry[T]) Register(name string, v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "" {
		panic(r.what + ": Register with an empty name")
	}
	if _, dup := r.m[name]; dup {
		panic(r.what + ": Register called twice for " + name)
	}
	if r.m == nil {
		r.m = map[string]T{}
	}
	r.m[name] = v
}

// Lookup returns the value registered under name.
func (r *Registry[T]) Lookup(name string) (T, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, ok := r.m[name]
	return v, ok
}

// Names returns the registered names, sorted.
func (r *Registry[T]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.m))
	for n := range r.m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
