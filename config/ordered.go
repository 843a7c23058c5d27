package config

import (
	"reflect"
	"strings"

	"github.com/xcetl/xcetl"
)

// Ordered is a mapping of keys to values that keeps the order in which they
// were written: derive computes its columns in that order, validate checks
// them in it. A Go program writes it as a list of pairs:
//
//	config.Ordered[string]{{Key: "birth_year", Value: "year(birth_date)"}}
//
// A spec may define its own type on it (type DeriveSpec
// config.Ordered[Entry]) to give it a Check method.
type Ordered[V any] []Pair[V]

// Pair is one key of an Ordered mapping.
type Pair[V any] struct {
	Key   string
	Value V
}

// Get returns the value of key.
func (o Ordered[V]) Get(key string) (V, bool) {
	for _, p := range o {
		if p.Key == key {
			return p.Value, true
		}
	}
	var zero V
	return zero, false
}

// Keys returns the keys in order.
func (o Ordered[V]) Keys() []string {
	out := make([]string, len(o))
	for i, p := range o {
		out[i] = p.Key
	}
	return out
}

var pairPkg = reflect.TypeFor[Pair[int]]().PkgPath()

// isOrdered reports whether t is an Ordered mapping: a slice of Pair,
// possibly a named type of its own (with a Check method).
func isOrdered(t reflect.Type) bool {
	if t.Kind() != reflect.Slice {
		return false
	}
	e := t.Elem()
	return e.Kind() == reflect.Struct && e.PkgPath() == pairPkg && strings.HasPrefix(e.Name(), "Pair[")
}

// decodeOrdered decodes the mapping n (or, with listKeys, a list of names)
// into the Ordered value v.
func decodeOrdered(n *Node, v reflect.Value, listKeys bool, hint string, errs *xcetl.SpecErrors) {
	type kv struct {
		key string
		val *Node
	}
	var entries []kv
	switch {
	case n.Kind == Null:
		return
	case n.Kind == Map:
		for _, e := range n.Entries {
			entries = append(entries, kv{e.Key, e.Value})
		}
	case listKeys && (n.Kind == List || n.Kind == Scalar):
		items := n.Items
		if n.Kind == Scalar {
			items = []*Node{n}
		}
		for _, it := range items {
			if it.Kind != Scalar {
				*errs = append(*errs, it.Errorf("expected a name, got a %s", it.Kind))
				continue
			}
			entries = append(entries, kv{it.Value, nil})
		}
	default:
		want := "a mapping"
		if listKeys {
			want = "a mapping or a list"
		}
		*errs = append(*errs, n.Errorf("expected %s, got a %s%s", want, n.Kind, hint))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(entries), len(entries))
	for i, e := range entries {
		out.Index(i).Field(0).SetString(e.key)
		if e.val != nil {
			decodeValue(e.val, out.Index(i).Field(1), "", errs)
		}
	}
	v.Set(out)
}
