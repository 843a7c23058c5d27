package pipetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/internal/fixediv"
	"github.com/xcetl/xcetl/pipelines"
	"github.com/xcetl/xcetl/transform"
)

// FixedIV is the IV (its first 12 bytes the GCM nonce) of every value
// encrypted under `xcetl test`.
var FixedIV = []byte("xcetl-test-iv-16")

// Output is what a case's pipeline made of its input.
type Output struct {
	Columns  []string
	Rows     [][]*string // nil for NULL
	Rejects  []Reject
	Filtered int
}

// opColumn is the field of a test's rows that holds a change event's
// operation (insert, update, delete), for sources of change events.
const opColumn = "_op"

// batchRows is how many rows a test reads per batch.
const batchRows = 1000

// runCase runs case tc of test file l.
func runCase(ctx context.Context, l *loaded, tc *Case, caseNode *config.Node, log *slog.Logger) (*Output, error) {
	vars := map[string]string{}
	for _, v := range l.spec.Vars {
		vars[v.Key] = v.Value
	}
	spec, err := pipelines.ParseFile(l.pipeline, pipelines.WithVars(vars), pipelines.WithLookupEnv(noEnv))
	if spec == nil {
		return nil, err
	}
	if err := withoutTarget(err); err != nil {
		return nil, err
	}
	// The plugin sections, to build the source and transforms from (the
	// file parsed as above; Spec shows them read-only).
	text, err := os.ReadFile(l.pipeline)
	if err != nil {
		return nil, err
	}
	root, _ := config.Parse(l.pipeline, text, func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	})
	p := plan{dir: spec.Dir, source: root.Get("source")}
	if ts := root.Get("transforms"); ts != nil {
		p.transforms = ts.Items
	}
	tmp, err := os.MkdirTemp("", "xcetl-test-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	src, err := source(p, l, tc, caseNode.Get("input"), tmp, log)
	if err != nil {
		return nil, err
	}
	now, _ := time.Parse(time.RFC3339, l.spec.Now) // checked
	var ts []transform.Transform
	for _, item := range p.transforms {
		t, err := transform.New(item, transform.Env{BaseDir: p.dir, Logger: log, Now: func() time.Time { return now }})
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	ctx = fixediv.With(ctx, FixedIV)
	schema, err := src.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	for _, t := range ts {
		if schema, err = t.Bind(schema); err != nil {
			return nil, err
		}
	}
	out := &Output{Columns: schema.Names()}
	var events *eventRows // a source of change events: rows are views of them
	for {
		b, err := src.Next(ctx, batchRows)
		if errors.Is(err, io.EOF) {
			if events != nil {
				events.output(out)
			}
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if err := t.Apply(ctx, b); err != nil {
				return nil, err
			}
		}
		for _, r := range b.Rejects {
			out.Rejects = append(out.Rejects, Reject{Line: r.Origin.Line, Record: recordOf(r.Origin), Column: r.Column, Reason: r.Reason})
		}
		out.Filtered += b.Filtered
		b.Compact()
		if b.Records != nil && events == nil {
			events = &eventRows{}
		}
		if events != nil {
			if err := events.add(b); err != nil {
				return nil, err
			}
			continue
		}
		if b.Ops != nil && (len(out.Columns) == 0 || out.Columns[0] != opColumn) {
			// Change events: what each row does to its table is part of it.
			out.Columns = append([]string{opColumn}, out.Columns...)
		}
		for i, row := range b.Rows {
			r := texts(row, b.Schema)
			if b.Ops != nil {
				op := b.Ops[i].String()
				r = append([]*string{&op}, r...)
			}
			out.Rows = append(out.Rows, r)
		}
	}
}

func noEnv(string) (string, bool) { return "", false }

// withoutTarget drops the problems of the target (its ${PG_DSN} is not set
// in a test): nothing is written, the target is not built.
func withoutTarget(err error) error {
	var errs xcetl.SpecErrors
	if !errors.As(err, &errs) {
		return err
	}
	var keep xcetl.SpecErrors
	for _, e := range errs {
		if e.Path != "target" && !strings.HasPrefix(e.Path, "target.") {
			keep = append(keep, e)
		}
	}
	return keep.Err()
}

// recordOf names a reject of an input without lines by its record.
func recordOf(o xcetl.Origin) int64 {
	if o.Line > 0 {
		return 0
	}
	return o.Record
}

// texts renders a row's values as test files write them.
func texts(row []any, s *xcetl.Schema) []*string {
	out := make([]*string, len(row))
	for j, v := range row {
		if v == nil {
			continue
		}
		t := xcetl.FormatValue(v, s.Columns[j].Type.Kind)
		if b, ok := v.([]byte); ok && utf8.Valid(b) && printable(b) {
			t = string(b) // JSON of a change event's row, text kept as bytes
		}
		out[j] = &t
	}
	return out
}

func printable(b []byte) bool {
	for _, r := range string(b) {
		if r < ' ' && r != '\t' {
			return false
		}
	}
	return true
}

// plan is what a test builds of its pipeline.
type plan struct {
	dir        string
	source     *config.Node
	transforms []*config.Node
}

// source builds the pipeline's source reading the case's input.
func source(spec plan, l *loaded, tc *Case, in *config.Node, tmp string, log *slog.Logger) (extract.Extractor, error) {
	env := extract.Env{BaseDir: spec.dir, Logger: log}
	switch {
	case in.Get("records") != nil:
		return newRecords(tc.Input.Records), nil
	case in.Get("events") != nil:
		x, err := extract.New(spec.source, env)
		if err != nil {
			return nil, err
		}
		r, ok := x.(extract.Replayer)
		if !ok {
			return nil, fmt.Errorf("%w: %s: input events: source type %s cannot replay events; give csv, file or records", xcetl.ErrInvalid, in.Get("events").Pos, typeOf(spec.source))
		}
		msgs, err := messages(spec.source, tc.Input.Events, in.Get("events"))
		if err != nil {
			return nil, err
		}
		return r.Replay(msgs)
	}
	path := tc.Input.File
	if tc.Input.File == "" {
		path = filepath.Join(tmp, "input"+filepath.Ext(sourcePath(spec.source)))
		text, err := encode(tc.Input.CSV, tc.Input.Encoding)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: input csv: %w", xcetl.ErrInvalid, in.Pos, err)
		}
		if err := os.WriteFile(path, text, 0o600); err != nil {
			return nil, err
		}
	} else if !filepath.IsAbs(path) {
		path, _ = filepath.Abs(filepath.Join(filepath.Dir(l.path), path))
	}
	if spec.source.Get("path") == nil {
		return nil, fmt.Errorf("%w: %s: source type %s reads no file (no path): give records or events", xcetl.ErrInvalid, in.Pos, typeOf(spec.source))
	}
	return extract.New(withKey(spec.source, "path", path), env)
}

func typeOf(n *config.Node) string {
	if t := n.Get("type"); t != nil {
		return t.Value
	}
	return ""
}

func sourcePath(n *config.Node) string {
	if p := n.Get("path"); p != nil {
		return p.Value
	}
	return ""
}

// withKey returns mapping n with key set to the scalar value.
func withKey(n *config.Node, key, value string) *config.Node {
	c := config.Without(n, key)
	c.Entries = append(c.Entries, config.Entry{Key: key, KeyPos: n.Pos,
		Value: &config.Node{Kind: config.Scalar, Pos: n.Pos, Path: config.JoinPath(n.Path, key), Value: value, Raw: value}})
	return c
}

// messages makes the broker messages of inline events: mapping values are
// sent as JSON, strings as they are.
func messages(src *config.Node, events []Event, at *config.Node) ([]extract.Message, error) {
	topic := ""
	if t := src.Get("topic"); t != nil {
		topic = t.Value
	} else if ts := src.Get("topics"); ts != nil && len(ts.Items) > 0 {
		topic = ts.Items[0].Value
	}
	out := make([]extract.Message, len(events))
	for i, e := range events {
		m := extract.Message{Topic: e.Topic, Partition: e.Partition, Key: payload(e.Key), Value: payload(e.Value)}
		if m.Topic == "" {
			m.Topic = topic
		}
		if m.Topic == "" {
			return nil, fmt.Errorf("%w: %s: events[%d]: give topic (the source has none)", xcetl.ErrInvalid, at.Pos, i)
		}
		out[i] = m
	}
	return out, nil
}

// payload is a message key or value as bytes.
func payload(n *config.Node) []byte {
	switch {
	case n == nil || n.Kind == config.Null:
		return nil
	case n.Kind == config.Scalar:
		return []byte(n.Value)
	}
	b, _ := json.Marshal(jsonOf(n))
	return b
}

// jsonOf converts a YAML value to what encoding/json writes: unquoted
// numbers, true/false and null keep their JSON type (as the api body does).
func jsonOf(n *config.Node) any {
	switch n.Kind {
	case config.Null:
		return nil
	case config.List:
		out := make([]any, len(n.Items))
		for i, it := range n.Items {
			out[i] = jsonOf(it)
		}
		return out
	case config.Map:
		out := orderedJSON{}
		for _, e := range n.Entries {
			out = append(out, kv{e.Key, jsonOf(e.Value)})
		}
		return out
	}
	if !n.Quoted {
		switch n.Value {
		case "true":
			return true
		case "false":
			return false
		case "null":
			return nil
		}
		if isNumber(n.Value) {
			return json.Number(n.Value)
		}
	}
	return n.Value
}

// isNumber reports whether s is a number in JSON's syntax.
func isNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] >= '0' && s[0] <= '9') && json.Valid([]byte(s))
}

type kv struct {
	k string
	v any
}

// orderedJSON is a JSON object that keeps the order written.
type orderedJSON []kv

// MarshalJSON implements json.Marshaler.
func (o orderedJSON) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// encode writes text in enc.
func encode(text, enc string) ([]byte, error) {
	switch enc {
	case "gbk":
		return simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	case "gb18030":
		return simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	}
	return []byte(text), nil
}
