package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/xcetl/xcetl/migrate"
)

// compiledSchema compiles what `xcetl schema` prints with an independent
// validator.
func compiledSchema(t *testing.T, kind ...string) *jsonschema.Schema {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"schema"}, kind...)...)
	if code != 0 {
		t.Fatalf("xcetl schema: exit %d: %s", code, errOut)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("pipeline.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("pipeline.json")
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return s
}

// yamlValue reads a YAML file as the JSON value an editor validates.
func yamlValue(t *testing.T, src []byte) any {
	t.Helper()
	js, err := yaml.YAMLToJSON(src)
	if err != nil {
		t.Fatalf("yaml: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSchemaAcceptsExamples: every pipeline in examples/ is valid against
// the schema, every migration file against the migration schema.
func TestSchemaAcceptsExamples(t *testing.T) {
	s, ms := compiledSchema(t), compiledSchema(t, "--kind", "migration")
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) < 10 {
		t.Fatalf("found %d examples", len(files))
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.yaml") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			schema := s
			if migrate.IsMigration(f) {
				schema = ms
			}
			if err := schema.Validate(yamlValue(t, src)); err != nil {
				t.Errorf("%s does not validate:\n%v", f, err)
			}
		})
	}
}

// TestSchemaAndValidateRejectBrokenFiles: each broken file is refused by
// the schema and by `xcetl validate`, which name the same key.
func TestSchemaAndValidateRejectBrokenFiles(t *testing.T) {
	s := compiledSchema(t)
	dir := t.TempDir()
	writeFile(t, dir, "in.csv", "id\n1\n")
	head := "version: 1\nname: broken\n"
	src := "source: {type: csv, path: in.csv}\n"
	tgt := "target: {type: sqlite, dsn: out.db, table: t}\n"
	tests := []struct{ name, body, key string }{
		{"unknown top-level key", head + src + tgt + "sourc: {}\n", "sourc"},
		{"missing target", head + src, "target"},
		{"unknown target type", head + src + "target: {type: postgress, dsn: x, table: t}\n", "postgress"},
		{"unknown target key", head + src + "target: {type: sqlite, dsn: out.db, table: t, batchsize: 10}\n", "batchsize"},
		{"bad mode", head + src + "target: {type: sqlite, dsn: out.db, table: t, mode: upsrt}\n", "mode"},
		{"batch_size out of range", head + src + "target: {type: sqlite, dsn: out.db, table: t, batch_size: 0}\n", "batch_size"},
		{"batch_size not a number", head + src + "target: {type: sqlite, dsn: out.db, table: t, batch_size: lots}\n", "batch_size"},
		{"option of another dialect", head + src + "target: {type: sqlite, dsn: out.db, table: t, copy_format: text}\n", "copy_format"},
		{"missing table", head + src + "target: {type: sqlite, dsn: out.db}\n", "table"},
		{"unknown transform", head + src + "transforms:\n  - cats: {id: int}\n" + tgt, "cats"},
		{"two transforms in one item", head + src + "transforms:\n  - {drop: [a], rename: {a: b}}\n" + tgt, "transforms[0]"},
		{"bad mask rule", head + src + "transforms:\n  - mask: {id: mobil}\n" + tgt, "mobil"},
		{"encrypt mode", head + src + "transforms:\n  - encrypt: {fields: [id], key: \"${K:-0123456789abcdef0123456789abcdef}\", mode: cfb}\n" + tgt, "mode"},
		{"encrypt unknown key", head + src + "transforms:\n  - encrypt: {fields: [id], key: \"${K:-0123456789abcdef0123456789abcdef}\", keys: {}}\n" + tgt, "keys"},
		{"api retries", head + "source: {type: api, url: http://h, retries: 50}\n" + tgt, "retries"},
		{"api pagination type", head + "source: {type: api, url: http://h, pagination: {type: pages}}\n" + tgt, "pages"},
		{"api missing url", head + "source: {type: api}\n" + tgt, "url"},
		{"derive entry list", head + src + "transforms:\n  - derive: {a: [1]}\n" + tgt, "derive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Validate(yamlValue(t, []byte(tt.body))); err == nil {
				t.Errorf("the schema accepts:\n%s", tt.body)
			}
			p := writeFile(t, dir, strings.ReplaceAll(tt.name, " ", "_")+".yaml", tt.body)
			code, _, errOut := runCLI(t, "validate", p)
			if code != exitInvalid || !strings.Contains(errOut, tt.key) {
				t.Errorf("xcetl validate: exit %d, want 2 naming %q:\n%s", code, tt.key, errOut)
			}
		})
	}
}

// TestSchemaCommand: the schema is draft 2020-12 JSON with descriptions,
// defaults and enums from the specs; --kind migration is the migration
// file's, from its spec.
func TestSchemaCommand(t *testing.T) {
	code, out, _ := runCLI(t, "schema", "--kind", "pipeline")
	var s map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil {
		t.Fatalf("exit %d: %.200s", code, out)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", s["$schema"])
	}
	for _, want := range []string{`"description": "rows per batch"`, `"default": 5000`, `"upsert"`, `"transform-mask"`, `"target-postgres"`, `"copy_format"`} {
		if !strings.Contains(out, want) {
			t.Errorf("schema lacks %s", want)
		}
	}
	code, out, errOut := runCLI(t, "schema", "--kind", "migration")
	var ms map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &ms) != nil || ms["title"] != "xcetl migration file" ||
		!strings.Contains(out, `"overrides"`) || !strings.Contains(out, `"tables parallel"`) && !strings.Contains(out, `"parallel"`) {
		t.Errorf("--kind migration: exit %d: %.300s%s", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "schema", "--kind", "nope"); code != exitInvalid {
		t.Errorf("--kind nope: exit %d", code)
	}
}
