package pipetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	_ "github.com/xcetl/xcetl/all"
)

const pipeline = `version: 1
name: t
source: {type: csv, path: in.csv}
transforms:
  - cast: {id: int}
  - filter: "id != 9"
  - encrypt: {fields: [card], key: "${K}"}
target: {type: postgres, dsn: "${PG_DSN}", table: t}
`

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunDiffUpdate(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.yaml", pipeline)
	test := write(t, dir, "p_test.yaml", `# a comment that --update keeps
vars: {K: 00112233445566778899aabbccddeeff}
tests:
  - name: one row
    input:
      csv: "id,card\n1,abc\nx,def\n9,ghi\n"
    want:
      rows:
        - {id: 2, card: wrong}
        - {id: 3, card: x}
      rejects:
        - {line: 3, column: id, reason: "something else"}
`)
	var out strings.Builder
	res, err := Run(context.Background(), []string{dir}, Options{Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 1 || res.Cases != 1 {
		t.Fatalf("result %+v\n%s", res, out.String())
	}
	for _, want := range []string{
		"FAIL " + test + " (1 of 1 cases)",
		"--- FAIL: one row (" + test + ":4:",
		`rows[0].id: want "2", got "1"`,
		`rows[0].card: want "wrong", got "78636574`, // the fixed IV, hex, then the ciphertext
		"rows[1]: missing; want {id: 3, card: x}",
		`rejects[0]: want {line: 3, column: id, reason: something else}`,
		`got {line: 3, column: id, reason: "cast id: \"x\" is not an int"}`,
		"filtered: want 0, got 1",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if res, err := Run(context.Background(), []string{test}, Options{Out: &out, Update: true}); err != nil || res.Updated != 1 {
		t.Fatalf("update: %+v %v", res, err)
	}
	src, _ := os.ReadFile(test)
	if !strings.Contains(string(src), "# a comment that --update keeps") || !strings.Contains(string(src), "filtered: 1") {
		t.Errorf("updated file:\n%s", src)
	}
	out.Reset()
	if res, err := Run(context.Background(), []string{filepath.Join(dir, "p.yaml")}, Options{Out: &out}); err != nil || res.Failed != 0 {
		t.Fatalf("after update: %+v %v\n%s", res, err, out.String())
	}
	// The fixed IV makes the ciphertext the same on every run: the test
	// passed again above with the ciphertext written by --update.
}

func TestRunWritesWantWhenMissing(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.yaml", pipeline)
	test := write(t, dir, "p_test.yaml", "vars: {K: 00112233445566778899aabbccddeeff}\ntests:\n  - name: no want yet\n    input: {records: [{id: \"5\", card: z}]}\n")
	var out strings.Builder
	if res, _ := Run(context.Background(), []string{test}, Options{Out: &out}); res.Failed != 1 || !strings.Contains(out.String(), "no want:") {
		t.Fatalf("%+v\n%s", res, out.String())
	}
	if _, err := Run(context.Background(), []string{test}, Options{Update: true}); err != nil {
		t.Fatal(err)
	}
	if res, err := Run(context.Background(), []string{test}, Options{Out: &out}); err != nil || res.Failed != 0 {
		b, _ := os.ReadFile(test)
		t.Fatalf("%+v %v\n%s\n%s", res, err, out.String(), b)
	}
}

func TestInvalidTestFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.yaml", pipeline)
	tests := []struct{ name, body, want string }{
		{"two inputs", "tests:\n  - name: a\n    input: {csv: \"x\", file: f.csv}\n", "p_test.yaml:3:12: tests[0].input: give exactly one of csv, file, records and events"},
		{"unknown key", "tests:\n  - name: a\n    input: {csv: \"x\"}\n    wnat: {}\n", `unknown key "wnat" (did you mean "want"?)`},
		{"bad now", "now: tomorrow\ntests:\n  - name: a\n    input: {csv: \"x\"}\n", "now must be an RFC 3339 time"},
		{"events for a csv source", "vars: {K: 00112233445566778899aabbccddeeff}\ntests:\n  - name: a\n    input: {events: [{value: {a: 1}}]}\n", "source type csv cannot replay events"},
		{"a pipeline problem", "vars: {K: short}\ntests:\n  - name: a\n    input: {csv: \"id,card\\n1,a\\n\"}\n", "an SM4 key must be 32 hex characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, dir, "p_test.yaml", tt.body)
			_, err := Run(context.Background(), []string{p}, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, xcetl.ErrInvalid) {
				t.Fatalf("err = %v, want an ErrInvalid with %q", err, tt.want)
			}
		})
	}
	if _, err := Find([]string{write(t, dir, "q.yaml", pipeline)}); err == nil || !strings.Contains(err.Error(), "q_test.yaml") {
		t.Errorf("a pipeline without a test file: %v", err)
	}
}
