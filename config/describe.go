package config

import (
	"fmt"
	"reflect"
)

// FieldDoc is one declared key of a spec, as the reference docs, the JSON
// Schema and `xcetl explain` show it.
type FieldDoc struct {
	Key      string
	Aliases  []string
	Type     string // in words: "string", "list of strings", "duration", …
	Required bool
	Default  string // YAML text; "" when there is none
	Enum     []string
	Min, Max string
	Doc      string
	Example  string
	// Shorthand is true for the field that a scalar fills when written
	// where the whole struct is expected.
	Shorthand bool
	// GoType is the field's Go type, for generators that need more than
	// words (the JSON Schema).
	GoType reflect.Type
	// Fields are the keys of a nested struct (or of the items of a list of
	// structs, or the values of a mapping of structs).
	Fields []FieldDoc
}

// Describe returns the declared keys of a spec (a struct, a pointer to one,
// or a reflect.Type of either), in declaration order. A non-struct spec has
// no keys.
func Describe(spec any) []FieldDoc {
	t, ok := spec.(reflect.Type)
	if !ok {
		t = reflect.TypeOf(spec)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == secretType {
		return nil
	}
	var out []FieldDoc
	for _, f := range fieldsOf(t) {
		ft := t.Field(f.index).Type
		d := FieldDoc{Key: f.key, Aliases: f.aliases, Type: f.doctype, Required: f.required, Default: f.def,
			Enum: f.enum, Min: f.min, Max: f.max, Doc: f.doc, Example: f.example, Shorthand: f.shorthand, GoType: ft}
		if d.Type == "" {
			d.Type = TypeName(ft)
		}
		if st := structOf(ft); st != nil {
			d.Fields = Describe(st)
		}
		out = append(out, d)
	}
	return out
}

// structOf returns the struct type that t is, points to, or holds as list
// items or mapping values; nil if none.
func structOf(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice:
			t = t.Elem()
			continue
		case reflect.Map:
			t = t.Elem()
			continue
		case reflect.Struct:
			if t == secretType || t == durationType {
				return nil
			}
			return t
		}
		return nil
	}
}

// TypeName says a Go type of a spec field in the words of the docs.
func TypeName(t reflect.Type) string {
	switch t {
	case secretType:
		return "string (secret)"
	case durationType:
		return "duration"
	case nodeType:
		return "any"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return TypeName(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.Struct:
		return "mapping"
	case reflect.Slice:
		return "list of " + plural(TypeName(t.Elem()))
	case reflect.Map:
		return "mapping of " + plural(TypeName(t.Elem()))
	}
	return t.String()
}

func plural(s string) string {
	switch s {
	case "string", "bool", "integer", "number", "duration", "mapping":
		return s + "s"
	case "any":
		return "values"
	}
	return fmt.Sprintf("(%s)", s)
}
