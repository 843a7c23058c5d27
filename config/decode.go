package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
)

// Decode fills the struct that dst points to from the mapping n, strictly:
//   - each exported field is matched by its `yaml:"name"` tag (fields without
//     a tag, or tagged "-", are not decoded);
//   - `yaml:"name,required"` makes a key required;
//   - an unknown key is an error with a "did you mean" suggestion;
//   - a value of the wrong shape or type is an error naming what was
//     expected.
//
// Supported field types: string, bool, int, int64, float64, time.Duration,
// xcetl.Secret, []string (a single scalar is accepted as a one-item list),
// map[string]string, *Node (kept as it is), nested structs and pointers to
// them, and slices of those. Every problem is returned, in file order.
func Decode(n *Node, dst any) xcetl.SpecErrors {
	var errs xcetl.SpecErrors
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("config.Decode: dst must be a pointer to a struct")
	}
	decodeStruct(n, rv.Elem(), &errs)
	return errs
}

// Fields returns the YAML keys a struct type accepts, for messages.
func Fields(v any) []string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if name, _ := tagOf(t.Field(i)); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func tagOf(f reflect.StructField) (name string, required bool) {
	tag := f.Tag.Get("yaml")
	if tag == "" || tag == "-" || !f.IsExported() {
		return "", false
	}
	name, opts, _ := strings.Cut(tag, ",")
	return name, strings.Contains(","+opts+",", ",required,")
}

var (
	nodeType     = reflect.TypeOf((*Node)(nil))
	secretType   = reflect.TypeOf(xcetl.Secret{})
	durationType = reflect.TypeOf(time.Duration(0))
)

func decodeStruct(n *Node, v reflect.Value, errs *xcetl.SpecErrors) {
	if n == nil || n.Kind == Null {
		n = &Node{Kind: Map, Pos: posOrZero(n), Path: pathOrZero(n)}
	}
	t := v.Type()
	fields := fieldsOf(t)
	if n.Kind == Scalar {
		if f, ok := shorthandField(t); ok {
			decodeValue(n, v.Field(f.index), errs)
			return
		}
	}
	if n.Kind != Map {
		*errs = append(*errs, n.Errorf("expected a mapping of keys, got a %s", n.Kind))
		return
	}
	known := map[string]int{}
	var names []string
	for i, f := range fields {
		known[f.key] = i
		names = append(names, f.key)
		for _, a := range f.aliases {
			known[a] = i
		}
	}
	seen := map[int]string{}
	for _, e := range n.Entries {
		i, ok := known[e.Key]
		if !ok {
			*errs = append(*errs, &xcetl.SpecError{Pos: e.KeyPos, Path: joinPath(n.Path, e.Key),
				Msg: fmt.Sprintf("unknown key %q%s; allowed keys: %s", e.Key, xcetl.DidYouMean(e.Key, names), strings.Join(sorted(names), ", "))})
			continue
		}
		if other, dup := seen[i]; dup {
			*errs = append(*errs, &xcetl.SpecError{Pos: e.KeyPos, Path: joinPath(n.Path, e.Key),
				Msg: fmt.Sprintf("%q and %q are the same key (%s is its old name); keep one", other, e.Key, fields[i].aliases)})
			continue
		}
		seen[i] = e.Key
		decodeValue(e.Value, v.Field(fields[i].index), errs)
	}
	pos := n.Pos
	if len(n.Entries) > 0 {
		// A block mapping's own token is its first ':'; its first key is
		// where people look.
		if k := n.Entries[0].KeyPos; k.Line < pos.Line || (k.Line == pos.Line && k.Col < pos.Col) {
			pos = k
		}
	}
	for i, f := range fields {
		if _, ok := seen[i]; f.required && !ok {
			*errs = append(*errs, &xcetl.SpecError{Pos: pos, Path: n.Path, Msg: fmt.Sprintf("missing required key %q", f.key)})
		}
	}
}

// entryOf returns the value node of declared key f in mapping n, written
// under its name or one of its aliases.
func entryOf(n *Node, f field) *Node {
	if v := n.Get(f.key); v != nil {
		return v
	}
	for _, a := range f.aliases {
		if v := n.Get(a); v != nil {
			return v
		}
	}
	return nil
}

func sorted(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func posOrZero(n *Node) xcetl.Pos {
	if n == nil {
		return xcetl.Pos{}
	}
	return n.Pos
}

func pathOrZero(n *Node) string {
	if n == nil {
		return ""
	}
	return n.Path
}

func decodeValue(n *Node, v reflect.Value, errs *xcetl.SpecErrors) {
	switch v.Type() {
	case nodeType:
		v.Set(reflect.ValueOf(n))
		return
	case secretType:
		if s, ok := scalar(n, "a string", errs); ok {
			v.Set(reflect.ValueOf(xcetl.NewSecret(s)))
		}
		return
	case durationType:
		if s, ok := scalar(n, "a duration such as 30s or 5m", errs); ok {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 {
				*errs = append(*errs, n.Errorf("expected a duration such as 30s or 5m, got %q", s))
				return
			}
			v.SetInt(int64(d))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if n.Kind == Null {
			return
		}
		p := reflect.New(v.Type().Elem())
		decodeValue(n, p.Elem(), errs)
		v.Set(p)
	case reflect.Struct:
		decodeStruct(n, v, errs)
	case reflect.String:
		want := "a string"
		if nv, ok := v.Interface().(Nouner); ok {
			want = nv.Noun()
		}
		if s, ok := scalar(n, want, errs); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if s, ok := scalar(n, "true or false", errs); ok {
			b, err := ParseBool(s)
			if err != nil {
				*errs = append(*errs, n.Errorf("expected true or false, got %q", s))
				return
			}
			v.SetBool(b)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if s, ok := scalar(n, "a whole number", errs); ok {
			i, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
			if err != nil {
				*errs = append(*errs, n.Errorf("expected a whole number, got %q", s))
				return
			}
			v.SetInt(i)
		}
	case reflect.Float64:
		if s, ok := scalar(n, "a number", errs); ok {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				*errs = append(*errs, n.Errorf("expected a number, got %q", s))
				return
			}
			v.SetFloat(f)
		}
	case reflect.Slice:
		if n.Kind == Null {
			return
		}
		items := n.Items
		if n.Kind == Scalar && v.Type().Elem().Kind() == reflect.String {
			items = []*Node{n}
		} else if n.Kind != List {
			*errs = append(*errs, n.Errorf("expected a list, got a %s", n.Kind))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, it := range items {
			if it.Kind == Null && s.Index(i).Kind() == reflect.String {
				s.Index(i).SetString(it.Value) // `[NULL, ~]` means those words
				continue
			}
			decodeValue(it, s.Index(i), errs)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind == Null {
			return
		}
		if n.Kind != Map || v.Type().Key().Kind() != reflect.String {
			*errs = append(*errs, n.Errorf("expected a mapping, got a %s", n.Kind))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Entries))
		for _, e := range n.Entries {
			ev := reflect.New(v.Type().Elem()).Elem()
			decodeValue(e.Value, ev, errs)
			m.SetMapIndex(reflect.ValueOf(e.Key), ev)
		}
		v.Set(m)
	default:
		panic("config.Decode: unsupported field type " + v.Type().String())
	}
}

// Nouner is implemented by named string types of specs that say what they
// hold in errors ("expected a column name, got a list") instead of "a
// string".
type Nouner interface{ Noun() string }

func scalar(n *Node, want string, errs *xcetl.SpecErrors) (string, bool) {
	switch n.Kind {
	case Scalar:
		return n.Value, true
	case Null:
		return "", true
	}
	*errs = append(*errs, n.Errorf("expected %s, got a %s", want, n.Kind))
	return "", false
}

// ParseBool accepts YAML's and people's spellings of true and false.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "y", "1":
		return true, nil
	case "false", "no", "off", "n", "0":
		return false, nil
	}
	return false, fmt.Errorf("not a bool: %q", s)
}

// OneKey checks that n is a mapping with exactly one key (the form of a
// transform list item) and returns it.
func OneKey(n *Node) (Entry, *xcetl.SpecError) {
	if n.Kind != Map || len(n.Entries) != 1 {
		return Entry{}, n.Errorf("each item must be a mapping with exactly one key, the transform's name (e.g. `- cast: {id: int}`)")
	}
	return n.Entries[0], nil
}
