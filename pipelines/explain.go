package pipelines

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/transform"
)

// Explain writes the resolved plan to w: the source, every transform with
// the schema it produces, the target and every SQL statement the run would
// execute. It reads the source's header (to know the columns) but never
// writes anything and never connects to the target. Secrets are redacted:
// values that came from ${VAR} are shown as the reference, DSNs without
// passwords.
//
// Problems of the plan — a source that cannot be read, a transform that
// does not fit the columns, a target that cannot take them — are printed
// where they occur, and Explain then returns an error wrapping
// xcetl.ErrInvalid (the CLI exits 2) that counts them.
func (p *Pipeline) Explain(ctx context.Context, out io.Writer) (err error) {
	if p.running.Load() {
		return fmt.Errorf("pipeline %s is running; explain it before or after", p.spec.Name)
	}
	// Explain opens the source: the next Run builds fresh plugins.
	p.used = true
	sw := p.scrub.Writer(out)
	defer func() {
		if ferr := sw.Flush(); err == nil {
			err = ferr
		}
	}()
	w := &problemCounter{w: sw}
	defer func() {
		if err == nil && w.problems > 0 {
			err = fmt.Errorf("%w: the plan has %d problem(s), shown above", xcetl.ErrInvalid, w.problems)
		}
	}()
	s := p.spec
	fmt.Fprintf(w, "pipeline %s (%s)\n", s.Name, s.File)
	if s.Description != "" {
		fmt.Fprintf(w, "  %s\n", s.Description)
	}
	fmt.Fprintf(w, "\nsource\n  %s\n", describe(p.source, s.source))
	if _, custom := p.extractors[typeOf(s.source)]; !custom {
		writeSettings(w, "  ", "source", s.source)
	}

	schema, serr := p.source.Open(ctx)
	if serr == nil {
		_ = p.source.Close()
		fmt.Fprintf(w, "  columns: %s\n", formatSchema(schema))
	} else {
		w.problem("  columns: unknown — the source could not be read: %s\n", p.Scrub(serr.Error()))
	}

	if len(p.transforms) > 0 {
		fmt.Fprintf(w, "\ntransforms\n")
	}
	for i, t := range p.transforms {
		fmt.Fprintf(w, "  %d. %s\n", i+1, describe(t, s.transforms[i]))
		if _, _, custom := p.customTransform(s.transforms[i]); !custom {
			writeSettings(w, "     ", "transform", s.transforms[i])
		}
		if schema != nil {
			out, err := t.Bind(schema)
			if err != nil {
				w.problem("     error: %s\n", p.Scrub(err.Error()))
				schema = nil
				continue
			}
			if out != schema {
				fmt.Fprintf(w, "     → %s\n", formatSchema(out))
			}
			schema = out
		}
	}

	fmt.Fprintf(w, "\ntarget\n  %s\n", describe(p.target, s.target))
	if _, custom := p.loaders[typeOf(s.target)]; !custom {
		writeSettings(w, "  ", "target", s.target)
	}
	fmt.Fprintf(w, "  batch size %d rows\n", p.batchSize)
	if ex, ok := p.target.(load.Explainer); ok {
		if schema == nil {
			fmt.Fprintf(w, "  SQL: depends on the columns, which are unknown (see above)\n")
		} else {
			stmts, err := ex.Explain(schema)
			if err != nil {
				w.problem("  SQL: %s\n", p.Scrub(err.Error()))
			}
			fmt.Fprintf(w, "\nSQL\n")
			for _, st := range stmts {
				fmt.Fprintf(w, "  -- %s\n", st.When)
				for _, line := range strings.Split(strings.TrimSpace(st.SQL), "\n") {
					fmt.Fprintf(w, "  %s\n", p.Scrub(line))
				}
			}
		}
	}
	if rs, ok := p.target.(load.RunStatementer); ok {
		var stmts []load.Statement
		ws, shares := p.source.(extract.WorkSharer)
		noLock := p.noLock || shares && ws.SharesWork()
		for _, st := range rs.RunStatements() {
			if noLock && strings.HasPrefix(st.When, "lock:") || p.noHistory && strings.HasPrefix(st.When, "run history:") {
				continue
			}
			stmts = append(stmts, st)
		}
		if len(stmts) > 0 {
			fmt.Fprintf(w, "\nrun control (not in a dry run)\n")
			for _, st := range stmts {
				fmt.Fprintf(w, "  -- %s\n", st.When)
				for _, line := range strings.Split(strings.TrimSpace(st.SQL), "\n") {
					fmt.Fprintf(w, "  %s\n", p.Scrub(line))
				}
			}
		}
	}
	fmt.Fprintf(w, "\nerrors\n  max_rejects %s\n", s.Errors)
	if s.Errors.RejectFile != "" {
		fmt.Fprintf(w, "  reject_file %s\n", s.Errors.RejectFile)
	}
	return nil
}

// problemCounter is the output of Explain, counting the problems printed.
type problemCounter struct {
	w        io.Writer
	problems int
}

func (c *problemCounter) Write(b []byte) (int, error) { return c.w.Write(b) }

func (c *problemCounter) problem(format string, args ...any) {
	c.problems++
	fmt.Fprintf(c.w, format, args...)
}

// describe prefers the plugin's own description, else the config as written
// (raw text, so ${SECRET} references stay references).
func describe(plugin any, n *config.Node) string {
	// extract.Describer, transform.Describer and load.Describer are the
	// same method.
	if d, ok := plugin.(extract.Describer); ok {
		return d.Describe()
	}
	return rawText(n)
}

func rawText(n *config.Node) string {
	if n == nil {
		return ""
	}
	switch n.Kind {
	case config.Scalar:
		if n.Raw == "" {
			return `""`
		}
		return n.Raw
	case config.List:
		parts := make([]string, len(n.Items))
		for i, it := range n.Items {
			parts[i] = rawText(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case config.Map:
		parts := make([]string, len(n.Entries))
		for i, e := range n.Entries {
			v := rawText(e.Value)
			if secretKeys[strings.ToLower(e.Key)] && e.Value.Kind == config.Scalar && e.Value.Raw == e.Value.Value {
				v = "[redacted]"
			}
			parts[i] = e.Key + ": " + v
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "null"
}

func formatSchema(s *xcetl.Schema) string {
	parts := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		parts[i] = c.Name + " " + c.Type.String()
	}
	return strings.Join(parts, ", ")
}

var secretType = reflect.TypeOf(xcetl.Secret{})

// settings renders the declared keys of a plugin's configuration n (of
// spec type t) as explain shows them: every key that was written, as
// written (a value from ${VAR} stays the reference, a literal secret is
// redacted), and every key left out that has a default, with that default
// marked; nested mappings as dotted keys.
func settings(t reflect.Type, n *config.Node) []string {
	if t == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return settingLines(config.Describe(t), n, "")
}

func settingLines(fields []config.FieldDoc, n *config.Node, prefix string) []string {
	var out []string
	for _, f := range fields {
		key := prefix + f.Key
		v := n.Get(f.Key)
		for _, a := range f.Aliases {
			if v == nil {
				v = n.Get(a)
			}
		}
		nested := len(f.Fields) > 0 && (f.GoType.Kind() == reflect.Struct || f.GoType.Kind() == reflect.Pointer)
		switch {
		case nested && (v != nil && v.Kind == config.Map || v == nil && f.GoType.Kind() == reflect.Struct):
			out = append(out, settingLines(f.Fields, v, key+".")...)
		case v != nil:
			text := rawText(v)
			if f.GoType == secretType && v.Kind == config.Scalar && !strings.Contains(v.Raw, "${") {
				text = "[redacted]"
			}
			out = append(out, key+": "+text)
		case f.Default != "":
			out = append(out, key+": "+f.Default+" (default)")
		}
	}
	return out
}

// writeSettings prints the settings of a plugin (kind "source",
// "transform" or "target", configured by n) under its description.
func writeSettings(w io.Writer, indent, kind string, n *config.Node) {
	lines := settings(specOf(kind, n))
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "%ssettings:\n", indent)
	for _, l := range lines {
		fmt.Fprintf(w, "%s  %s\n", indent, l)
	}
}

// specOf returns the declared spec type of the plugin of a `source:` or
// `target:` mapping, or of a `transforms:` item, and the node it decodes
// (without `type`; the item's value); nil when it has none.
func specOf(kind string, n *config.Node) (reflect.Type, *config.Node) {
	switch kind {
	case "source":
		if p, ok := extract.Lookup(typeOf(n)); ok {
			return p.Spec, config.Without(n, "type")
		}
	case "target":
		if p, ok := load.Lookup(typeOf(n)); ok {
			return p.Spec, config.Without(n, "type")
		}
	case "transform":
		if n != nil && n.Kind == config.Map && len(n.Entries) == 1 {
			if p, ok := transform.Lookup(n.Entries[0].Key); ok {
				return p.Spec, n.Entries[0].Value
			}
		}
	}
	return nil, nil
}

// CheckColumns reads the source's columns from its local files alone
// (extract.Previewer: a CSV header line, a workbook's header row) and
// checks that every transform and the target fit them — a cast of a
// column the header lacks, a key column that is not there — without
// touching any database, API or broker. note says what was checked, or
// why nothing could be (a source without local files, a file not there
// yet). err lists the problems and wraps xcetl.ErrInvalid.
func (p *Pipeline) CheckColumns(ctx context.Context) (note string, err error) {
	pv, ok := p.source.(extract.Previewer)
	if !ok {
		return fmt.Sprintf("columns not checked: a %s source is read only by a run", typeOf(p.spec.source)), nil
	}
	p.used = true // the source is opened: a run builds fresh plugins
	schema, err := pv.Preview(ctx)
	if errors.Is(err, extract.ErrNoInput) {
		return "columns not checked: " + p.Scrub(err.Error()), nil
	}
	if err != nil {
		return "", xcetl.SpecErrors{p.spec.source.Errorf("%s", p.Scrub(err.Error()))}
	}
	for i, t := range p.transforms {
		out, berr := t.Bind(schema)
		if berr != nil {
			return "", p.scrub.ScrubError(bindError(p.spec.transforms[i], berr))
		}
		schema = out
	}
	if ex, ok := p.target.(load.Explainer); ok {
		if _, err := ex.Explain(schema); err != nil {
			return "", xcetl.SpecErrors{p.spec.target.Errorf("%s", p.Scrub(err.Error()))}
		}
	}
	return "columns checked against the source's header: " + formatSchema(schema), nil
}
