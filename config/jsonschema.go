package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// JSONSchema returns the JSON Schema (draft 2020-12) of a spec type, from
// the same declarations as decoding and the docs: keys with their
// descriptions, defaults, enums and bounds, required keys, no other keys.
// It describes the file as written, so it accepts what the decoder
// accepts: any scalar holding ${VAR} where a number or bool is expected,
// enum values in any case, one scalar where a list of scalars is expected,
// a scalar for the shorthand field of a struct.
func JSONSchema(t reflect.Type) map[string]any {
	return schemaOf(t, nil)
}

// interpolated matches a value that is a ${VAR} reference (a number or a
// bool after interpolation).
var interpolated = map[string]any{"type": "string", "pattern": `\$\{`}

func schemaOf(t reflect.Type, f *field) map[string]any {
	switch t {
	case nodeType:
		return map[string]any{}
	case secretType:
		return scalarSchema()
	case durationType:
		return map[string]any{"anyOf": []any{
			map[string]any{"type": "string", "pattern": `^\s*([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+\s*$`}, interpolated}}
	}
	if isOrdered(t) {
		return mappingSchema(OrderedValue(t), f != nil && f.listKeys)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), f)
	case reflect.Struct:
		return structSchema(t)
	case reflect.String:
		if f != nil && len(f.enum) > 0 {
			return enumSchema(*f)
		}
		return scalarSchema()
	case reflect.Bool:
		return map[string]any{"anyOf": []any{
			map[string]any{"type": "boolean"},
			map[string]any{"type": "string", "pattern": `^(?:[Tt]rue|TRUE|[Ff]alse|FALSE|[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF|[YyNn]|[01])$`},
			map[string]any{"enum": []any{0, 1}}, interpolated}}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return numberSchema("integer", `^-?[0-9][0-9_]*$`, t, f)
	case reflect.Float64:
		return numberSchema("number", `^-?[0-9][0-9_]*(\.[0-9]*)?([eE][-+]?[0-9]+)?$`, t, f)
	case reflect.Slice:
		item := schemaOf(t.Elem(), f)
		list := map[string]any{"type": "array", "items": item}
		if t.Elem().Kind() == reflect.String {
			return map[string]any{"anyOf": []any{list, item}} // one scalar is a one-item list
		}
		return list
	case reflect.Map:
		return mappingSchema(t.Elem(), false)
	}
	panic("config.JSONSchema: unsupported type " + t.String())
}

// scalarSchema is a string as the decoder takes it: any scalar (YAML reads
// 5000 as a number, true as a bool; both are text to a string key).
func scalarSchema() map[string]any {
	return map[string]any{"type": []any{"string", "number", "boolean", "null"}}
}

func numberSchema(typ, textPattern string, t reflect.Type, f *field) map[string]any {
	num := map[string]any{"type": typ}
	if f != nil {
		v := reflect.New(t).Elem()
		if f.min != "" {
			b := f.bound(t, v, f.min)
			num[map[bool]string{false: "minimum", true: "exclusiveMinimum"}[b.exclusive]] = jsonNumber(b.x, t)
		}
		if f.max != "" {
			b := f.bound(t, v, f.max)
			num[map[bool]string{false: "maximum", true: "exclusiveMaximum"}[b.exclusive]] = jsonNumber(b.x, t)
		}
	}
	return map[string]any{"anyOf": []any{num, map[string]any{"type": "string", "pattern": textPattern}, interpolated}}
}

func jsonNumber(x float64, t reflect.Type) any {
	if t.Kind() != reflect.Float64 {
		return int64(x)
	}
	return x
}

// enumSchema lists the values (for completion) and accepts them in any
// case, their aliases too, as the decoder does.
func enumSchema(f field) map[string]any {
	vals := make([]any, 0, len(f.enum)+len(f.enumAlias))
	var alts []string
	for _, e := range f.enum {
		vals = append(vals, e)
		alts = append(alts, caseless(e))
	}
	for a := range f.enumAlias {
		alts = append(alts, caseless(a))
	}
	return map[string]any{"anyOf": []any{
		map[string]any{"enum": vals},
		map[string]any{"type": "string", "pattern": `^\s*(?:` + strings.Join(sortedStrings(alts), "|") + `)\s*$`},
		interpolated,
	}}
}

// caseless is a pattern matching s in any case, without flags (JavaScript's
// regular expressions, which editors use, have no inline (?i)).
func caseless(s string) string {
	var b strings.Builder
	for _, r := range s {
		lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
		switch {
		case lo != up:
			b.WriteString("[" + lo + up + "]")
		case strings.ContainsRune(`\.+*?()|[]{}^$-`, r):
			b.WriteString(`\` + string(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func sortedStrings(s []string) []string { return sorted(s) }

func mappingSchema(value reflect.Type, listKeys bool) map[string]any {
	m := map[string]any{"type": "object", "additionalProperties": schemaOf(value, nil)}
	if !listKeys {
		return m
	}
	names := map[string]any{"type": []any{"string", "number"}}
	return map[string]any{"anyOf": []any{m, map[string]any{"type": "array", "items": names}, names}}
}

func structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []any
	var short map[string]any
	for _, f := range fieldsOf(t) {
		if f.refuse != "" {
			continue
		}
		ft := t.FieldByIndex(f.index).Type
		s := schemaOf(ft, &f)
		annotate(s, f, ft)
		props[f.key] = s
		for _, a := range f.aliases {
			props[a] = map[string]any{"$comment": "old name of " + f.key, "deprecated": true, "anyOf": []any{s}}
		}
		if f.required {
			required = append(required, f.key)
		}
		if f.shorthand {
			short = s
		}
	}
	obj := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		obj["required"] = required
	}
	if short == nil {
		return obj
	}
	// The shorthand: a scalar written where the mapping is expected.
	return map[string]any{"anyOf": []any{obj, short}}
}

// annotate adds the description, default and example of field f to its
// schema s.
func annotate(s map[string]any, f field, t reflect.Type) {
	var desc []string
	if f.doc != "" {
		desc = append(desc, f.doc)
	}
	for i, e := range f.enum {
		if i < len(f.enumDoc) && f.enumDoc[i] != "" {
			desc = append(desc, e+": "+f.enumDoc[i])
		}
	}
	if len(desc) > 0 {
		s["description"] = strings.Join(desc, "\n")
	}
	if f.def != "" {
		s["default"] = jsonValue(f.defNode, t)
	}
	if f.example != "" {
		if n, err := Parse("example", []byte(f.example), nil); err == nil && n != nil {
			s["examples"] = []any{jsonValue(n, t)}
		}
	}
}

// jsonValue converts a YAML value (a default or an example) to JSON, typed
// as the Go type t holds it.
func jsonValue(n *Node, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case Null:
		return nil
	case List:
		out := make([]any, len(n.Items))
		var et reflect.Type = reflect.TypeFor[string]()
		if t.Kind() == reflect.Slice {
			et = t.Elem()
		}
		for i, it := range n.Items {
			out[i] = jsonValue(it, et)
		}
		return out
	case Map:
		out := map[string]any{}
		for _, e := range n.Entries {
			out[e.Key] = jsonValue(e.Value, reflect.TypeFor[string]())
		}
		return out
	}
	switch {
	case t == durationType:
		if d, err := time.ParseDuration(n.Value); err == nil {
			return d.String()
		}
	case t.Kind() == reflect.Bool:
		if b, err := ParseBool(n.Value); err == nil {
			return b
		}
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64 || t.Kind() == reflect.Int32:
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return i
		}
	case t.Kind() == reflect.Float64:
		if x, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return x
		}
	}
	return n.Value
}

// JSONValue is jsonValue for callers outside the package (the pipeline
// schema's examples).
func JSONValue(yamlText string) (any, error) {
	n, err := Parse("value", []byte(yamlText), nil)
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, fmt.Errorf("empty value")
	}
	return jsonValue(n, reflect.TypeFor[string]()), nil
}
