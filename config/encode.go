package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/xcetl/xcetl"
)

// Redacted is the raw text of a secret in a node tree made by Encode: what
// explain and errors show instead of the value.
const Redacted = "[redacted]"

// Encode returns the node tree of a value built in Go (a declared spec, or
// maps, lists and scalars for a plugin without one), as a file would hold
// it, for the same decoding and checks: keys of zero value are left out so
// that their defaults apply, a secret's raw text is Redacted, and every
// node carries its YAML path under path (no position: it is in no file).
func Encode(v any, path string) (*Node, error) {
	if v == nil {
		return &Node{Kind: Null, Path: path}, nil
	}
	if n, ok := v.(*Node); ok {
		return n, nil
	}
	return encodeValue(reflect.ValueOf(v), path)
}

func encodeValue(v reflect.Value, path string) (*Node, error) {
	switch v.Type() {
	case nodeType:
		if v.IsNil() {
			return &Node{Kind: Null, Path: path}, nil
		}
		return v.Interface().(*Node), nil
	case secretType:
		s := v.Interface().(xcetl.Secret)
		return &Node{Kind: Scalar, Path: path, Value: s.Reveal(), Raw: Redacted, Quoted: true}, nil
	case durationType:
		return scalarNode(path, time.Duration(v.Int()).String(), false), nil
	}
	if isOrdered(v.Type()) {
		n := &Node{Kind: Map, Path: path}
		for i := 0; i < v.Len(); i++ {
			key := v.Index(i).Field(0).String()
			val, err := encodeValue(v.Index(i).Field(1), joinPath(path, key))
			if err != nil {
				return nil, err
			}
			n.Entries = append(n.Entries, Entry{Key: key, Value: val})
		}
		return n, nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return &Node{Kind: Null, Path: path}, nil
		}
		return encodeValue(v.Elem(), path)
	case reflect.String:
		return scalarNode(path, v.String(), true), nil
	case reflect.Bool:
		return scalarNode(path, strconv.FormatBool(v.Bool()), false), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return scalarNode(path, strconv.FormatInt(v.Int(), 10), false), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return scalarNode(path, strconv.FormatUint(v.Uint(), 10), false), nil
	case reflect.Float32, reflect.Float64:
		return scalarNode(path, strconv.FormatFloat(v.Float(), 'f', -1, 64), false), nil
	case reflect.Slice, reflect.Array:
		n := &Node{Kind: List, Path: path}
		for i := 0; i < v.Len(); i++ {
			it, err := encodeValue(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			n.Items = append(n.Items, it)
		}
		return n, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s: a mapping's keys must be strings, not %s", path, v.Type().Key())
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		n := &Node{Kind: Map, Path: path}
		for _, k := range keys {
			val, err := encodeValue(v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key())), joinPath(path, k))
			if err != nil {
				return nil, err
			}
			n.Entries = append(n.Entries, Entry{Key: k, Value: val})
		}
		return n, nil
	case reflect.Struct:
		n := &Node{Kind: Map, Path: path}
		if err := encodeStruct(v, n); err != nil {
			return nil, err
		}
		return n, nil
	}
	return nil, fmt.Errorf("%s: cannot encode a %s", path, v.Type())
}

// encodeStruct adds the declared keys of struct v that are not zero to the
// mapping n, and the keys of the values of its dynamic inline fields.
func encodeStruct(v reflect.Value, n *Node) error {
	d := declOf(v.Type())
	for _, f := range d.fields {
		fv := v.FieldByIndex(f.index)
		if f.refuse != "" || fv.IsZero() {
			continue
		}
		val, err := encodeValue(fv, joinPath(n.Path, f.key))
		if err != nil {
			return err
		}
		n.Entries = append(n.Entries, Entry{Key: f.key, Value: val})
	}
	for _, idx := range d.dynamic {
		fv := v.FieldByIndex(idx)
		for fv.Kind() == reflect.Interface || fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				break
			}
			fv = fv.Elem()
		}
		if fv.Kind() != reflect.Struct {
			if fv.IsValid() && !fv.IsZero() && fv.Kind() != reflect.Interface && fv.Kind() != reflect.Pointer {
				return fmt.Errorf("%s: %s holds a %s, not a declared spec", n.Path, v.Type().FieldByIndex(idx).Name, fv.Type())
			}
			continue
		}
		if err := encodeStruct(fv, n); err != nil {
			return err
		}
	}
	return nil
}

func scalarNode(path, s string, quoted bool) *Node {
	return &Node{Kind: Scalar, Path: path, Value: s, Raw: s, Quoted: quoted}
}
