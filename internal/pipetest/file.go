// Package pipetest runs pipeline tests (`xcetl test`): a test file next to
// a pipeline (quickstart_test.yaml next to quickstart.yaml) gives input rows
// and the rows, rejects and filtered count expected after all transforms.
// The pipeline's own source reads the input (inline CSV or a fixture file
// through the source's path, so its encoding, delimiter and header rules
// apply; inline records for any source; inline events for a streaming
// source that can replay them), its own transforms run, and nothing is
// written: no target database is needed.
//
// Encryption is made deterministic here, and only here: the batches run
// under a context with a fixed IV (internal/fixediv), and the keys come from
// the test file's vars, so expected ciphertexts are stable.
package pipetest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
)

// Suffix ends the name of every test file.
const Suffix = "_test.yaml"

// FileType is the declared type of a test file, for the docs.
func FileType() reflect.Type { return reflect.TypeFor[File]() }

// File is a test file.
type File struct {
	Pipeline string                 `yaml:"pipeline" doc:"the pipeline file, relative to this one; default: this file's name without _test" example:"quickstart.yaml"`
	Vars     config.Ordered[string] `yaml:"vars" doc:"values for ${VAR} in the pipeline; the environment is not read, so a test runs the same everywhere (give the test's own keys here)" example:"{XCETL_SM4_KEY: 00112233445566778899aabbccddeeff}"`
	Now      string                 `yaml:"now" default:"2025-01-01T09:00:00+08:00" doc:"the time now(), today() and age() see (RFC 3339), fixed so that expected values do not change with the date"`
	Tests    []Case                 `yaml:"tests,required" doc:"the cases, each run on its own"`
}

// Case is one test: an input and what the transforms must make of it.
type Case struct {
	Name  string `yaml:"name,required" doc:"what the case is about"`
	Input Input  `yaml:"input,required" doc:"the rows the source reads"`
	Want  *Want  `yaml:"want" doc:"what must come out; xcetl test --update writes it"`
}

// Input is what the source reads instead of its configured input: exactly
// one of the keys.
type Input struct {
	CSV      string         `yaml:"csv" doc:"the text of a file the source reads (a csv source: its encoding, delimiter and header rules apply)"`
	Encoding string         `yaml:"encoding" default:"utf-8" enum:"utf-8,gbk,gb18030" doc:"the encoding csv is written in for the source, for a pipeline that reads GBK files"`
	File     string         `yaml:"file" doc:"a fixture file the source reads instead of its path, relative to the test file"`
	Records  []*config.Node `yaml:"records" doc:"records as the api source hands them on: every field a string column (nested mappings flattened with _), in the order first seen; for any source"`
	Events   []Event        `yaml:"events" doc:"messages for a streaming source (kafka), decoded with its format"`
}

// Event is one message of an inline event stream.
type Event struct {
	Topic     string       `yaml:"topic" doc:"default: the source's topic (its first one)"`
	Partition int          `yaml:"partition" min:"0"`
	Key       *config.Node `yaml:"key" doctype:"any" doc:"the message key: a string, or a mapping sent as JSON"`
	Value     *config.Node `yaml:"value" doctype:"any" doc:"the message value: a mapping sent as JSON (a Debezium or Canal message), a string, or null (a tombstone)"`
}

// Want is what a case expects.
type Want struct {
	Rows     []*config.Node `yaml:"rows" doc:"the rows after all transforms, in order: column: value (text as xcetl writes values; null for NULL)"`
	Rejects  []Reject       `yaml:"rejects" doc:"the rejected rows, in order"`
	Filtered int            `yaml:"filtered" doc:"how many rows filter removed"`
}

// Reject is an expected rejected row.
type Reject struct {
	Line   int    `yaml:"line" doc:"the line (or spreadsheet row) of the input where the row starts"`
	Record int64  `yaml:"record" doc:"for inputs without lines: the record's number"`
	Column string `yaml:"column" doc:"the offending column"`
	Reason string `yaml:"reason,required" doc:"the reason, as the reject file has it"`
}

// Check refuses an input with no key or more than one.
func (in *Input) Check(c *config.Check) {
	n := 0
	for _, k := range []string{"csv", "file", "records", "events"} {
		if c.Has(k) {
			n++
		}
	}
	if n != 1 {
		c.Errorf("", "give exactly one of csv, file, records and events")
	}
	if c.Has("encoding") && !c.Has("csv") {
		c.Errorf("encoding", "encoding is the encoding of csv: text")
	}
}

// Check refuses two cases of the same name, and a now that is no time.
func (f *File) Check(c *config.Check) {
	if _, err := time.Parse(time.RFC3339, f.Now); err != nil {
		c.Errorf("now", "now must be an RFC 3339 time such as 2025-01-01T09:00:00+08:00, got %q", f.Now)
	}
	seen := map[string]bool{}
	for i, tc := range f.Tests {
		if seen[tc.Name] {
			c.ErrorfAt(c.Item("tests", i), "two cases are named %q", tc.Name)
		}
		seen[tc.Name] = true
	}
}

// loaded is a parsed test file.
type loaded struct {
	path     string // the test file
	pipeline string // the pipeline file
	root     *config.Node
	src      []byte
	spec     File
}

func load(path string) (*loaded, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", xcetl.ErrInvalid, err)
	}
	root, perr := config.Parse(path, src, nil)
	if root == nil {
		return nil, perr
	}
	l := &loaded{path: path, root: root, src: src}
	errs := config.DecodeSpec(root, &l.spec)
	if perr != nil {
		errs = append(perr.(xcetl.SpecErrors), errs...)
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	l.pipeline = l.spec.Pipeline
	if l.pipeline == "" {
		l.pipeline = strings.TrimSuffix(filepath.Base(path), Suffix) + ".yaml"
	}
	if !filepath.IsAbs(l.pipeline) {
		l.pipeline = filepath.Join(filepath.Dir(path), l.pipeline)
	}
	return l, nil
}
