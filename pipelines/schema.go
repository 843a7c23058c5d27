package pipelines

import (
	"reflect"
	"sort"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/transform"
)

// SchemaID is the $id of the pipeline file's JSON Schema.
const SchemaID = "https://xcetl.local/schema/pipeline.json"

// JSONSchema returns the JSON Schema (draft 2020-12) of a pipeline file,
// generated from the declared specs of the registered plugins (import
// github.com/xcetl/xcetl/all for the built-in ones): editors complete keys,
// show their docs and underline mistakes. `source:` and `target:` are
// selected by their `type` (if/then per type), each `transforms:` item is
// a mapping with one key, the transform's name. A plugin registered
// without a declared spec accepts any keys.
func JSONSchema() map[string]any {
	root := config.JSONSchema(FileSpecType())
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "xcetl pipeline"
	root["description"] = "An xcetl pipeline file (docs/pipeline.md)."
	defs := map[string]any{}

	var sources, targets []typed
	for _, p := range extract.Plugins() {
		sources = append(sources, typed{p.Name, p.Spec, p.Doc.Summary})
	}
	for _, p := range load.Plugins() {
		targets = append(targets, typed{p.Name, p.Spec, p.Doc.Summary})
	}
	props := root["properties"].(map[string]any)
	props["source"] = withDoc(props["source"], byType("source", sources, defs))
	props["target"] = withDoc(props["target"], byType("target", targets, defs))

	items := map[string]any{}
	for _, p := range transform.Plugins() {
		s := map[string]any{}
		if p.Spec != nil {
			s = config.JSONSchema(p.Spec)
		}
		s["description"] = p.Doc.Summary
		defs["transform-"+p.Name] = s
		items[p.Name] = map[string]any{"$ref": "#/$defs/transform-" + p.Name}
	}
	props["transforms"] = withDoc(props["transforms"], map[string]any{
		"anyOf": []any{
			map[string]any{"type": "array", "items": map[string]any{
				"type": "object", "properties": items, "additionalProperties": false,
				"minProperties": 1, "maxProperties": 1,
			}},
			map[string]any{"type": "null"},
		},
	})
	root["$defs"] = defs
	return root
}

type typed struct {
	name    string
	spec    reflect.Type
	summary string
}

// byType is the schema of a `source:` or `target:` mapping: `type` names
// one of the plugins, and the other keys are that plugin's.
func byType(kind string, plugins []typed, defs map[string]any) map[string]any {
	sort.Slice(plugins, func(i, j int) bool { return plugins[i].name < plugins[j].name })
	var names, branches []any
	for _, p := range plugins {
		names = append(names, p.name)
		s := map[string]any{"type": "object"}
		if p.spec != nil {
			s = config.JSONSchema(p.spec)
			if props, ok := s["properties"].(map[string]any); ok {
				props["type"] = map[string]any{"const": p.name}
			}
		}
		s["description"] = p.summary
		defs[kind+"-"+p.name] = s
		branches = append(branches, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": p.name}}, "required": []any{"type"}},
			"then": map[string]any{"$ref": "#/$defs/" + kind + "-" + p.name},
		})
	}
	return map[string]any{
		"type":     "object",
		"required": []any{"type"},
		"properties": map[string]any{
			"type": map[string]any{"enum": names, "description": "the " + kind + "'s type"},
		},
		"allOf": branches,
	}
}

// withDoc keeps the description of the generic schema s on the one that
// replaces it.
func withDoc(s any, with map[string]any) map[string]any {
	if m, ok := s.(map[string]any); ok {
		if d, ok := m["description"]; ok {
			with["description"] = d
		}
	}
	return with
}
