package migrate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/migrate"
)

const validFile = `version: 1
name: grid_to_dm8
kind: migration
source: {driver: mysql, dsn: "${SRC_DSN}", schema: grid}
target: {type: dm8, dsn: "${DM_DSN}", schema: GRID}
tables:
  include: ["*"]
  exclude: ["tmp_*", "*_bak"]
  parallel: 4
types: {"tinyint(1)": bool}
columns:
  - match: "id_card|sfzh"
    transforms: [{encrypt: {mode: cbc, key: "${SM4_KEY}"}}]
overrides:
  residents: {table: RESIDENT_INFO, where: "deleted = 0"}
errors: {max_rejects: 0, reject_dir: rejects/}
`

var testVars = map[string]string{"SRC_DSN": "etl:s3cret-pw@tcp(127.0.0.1:3306)/grid", "DM_DSN": "dm://SYSDBA:s3cret-pw@127.0.0.1:5236",
	"SM4_KEY": "0123456789abcdeffedcba9876543210"}

func parse(src string) (*migrate.File, error) {
	return migrate.Parse("m.yaml", []byte(src), migrate.Options{Vars: testVars, LookupEnv: func(string) (string, bool) { return "", false }})
}

// TestSpec checks migration files statically: the contract's keys, and
// every problem at its line and column, with a suggestion for a misspelt
// key.
func TestSpec(t *testing.T) {
	f, err := parse(validFile)
	if err != nil {
		t.Fatalf("the issue's example: %v", err)
	}
	if f.Spec.Tables.Parallel != 4 || f.Spec.Overrides["residents"].Table != "RESIDENT_INFO" || f.Spec.Overrides["residents"].Mode != "append" ||
		f.Spec.Tables.ChunkRows != 100000 || f.Spec.Target.BatchSize != 5000 || f.Spec.Source.DSN.Reveal() != testVars["SRC_DSN"] {
		t.Errorf("decoded: %+v", f.Spec)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"misspelt key", "tables:\n", "tabels:\n", `m.yaml:6:1: tabels: unknown key "tabels"`},
		{"did you mean", "tables:\n", "tabels:\n", `did you mean "tables"`},
		{"kind", "kind: migration", "kind: pipeline", "m.yaml:3:7"},
		{"version", "version: 1", "version: 2", "unsupported version 2"},
		{"name", "name: grid_to_dm8", "name: Grid To DM8", "must match [a-z0-9_-]+"},
		{"driver", "driver: mysql", "driver: mssql", "m.yaml:4:18: source.driver"},
		{"target type", "type: dm8", "type: oracle", "m.yaml:5:16: target.type"},
		{"parallel", "parallel: 4", "parallel: 0", "m.yaml:9:13"},
		{"glob", `"*_bak"`, `"[a-"`, `bad glob "[a-"`},
		{"regexp", `"id_card|sfzh"`, `"id_card("`, `bad regular expression "id_card("`},
		{"override key", "{table: RESIDENT_INFO,", "{tabel: RESIDENT_INFO,", `did you mean "table"`},
		{"override mode", `where: "deleted = 0"}`, `mode: merge}`, "m.yaml:15:43: overrides.residents.mode"},
		{"transform shape", "[{encrypt: {mode: cbc, key: \"${SM4_KEY}\"}}]", "[encrypt]", "each transform is a mapping with one key"},
		{"unknown transform", "[{encrypt: {mode: cbc, key: \"${SM4_KEY}\"}}]", "[{encrypt_all: {}}]", `unknown transform "encrypt_all"`},
		{"unset variable", "${DM_DSN}", "${NOT_SET}", "NOT_SET"},
		{"max_rejects", "max_rejects: 0", "max_rejects: lots", `max_rejects "lots"`},
		{"missing source", "source: {driver: mysql, dsn: \"${SRC_DSN}\", schema: grid}\n", "", "source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(validFile, tc.from, tc.to, 1)
			if src == validFile {
				t.Fatalf("the replacement of %q changed nothing", tc.from)
			}
			_, err := parse(src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if !errors.Is(err, xcetl.ErrInvalid) {
				t.Errorf("not an invalid-spec error: %T", err)
			}
			if strings.Contains(err.Error(), "s3cret-pw") || strings.Contains(err.Error(), testVars["SM4_KEY"]) {
				t.Errorf("a secret in the message: %v", err)
			}
		})
	}
}

func TestJSONSchema(t *testing.T) {
	s := migrate.JSONSchema()
	props, _ := s["properties"].(map[string]any)
	for _, k := range []string{"version", "name", "kind", "source", "target", "tables", "types", "columns", "overrides", "errors"} {
		if _, ok := props[k]; !ok {
			t.Errorf("the schema has no property %q", k)
		}
	}
}
