package verify

import (
	"context"
	"fmt"
	"slices"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
	sqlsource "github.com/xcetl/xcetl/extract/sql"
	"github.com/xcetl/xcetl/pipelines"
)

// How a pipeline's transforms decide what is compared (FromPipeline):
//
//	rename, keep, drop        followed: a column is compared under its target name
//	cast                      compared: the canonical text is the same for a value whatever
//	                          its type (1 = 1.0 = true; a date read as text or as a date), so a
//	                          cast that keeps the value compares equal, and one that changes it
//	                          (text '1.50' cast to decimal) is reported as a difference — what a
//	                          user wants to know about a cast
//	default                   not compared: it fills the NULLs the source still holds
//	encrypt, decrypt, mask,   not compared, and hidden: the target holds what the transform made of
//	hash                      the value (hash: its output columns), which only the pipeline can
//	                          reproduce; their values are never printed
//	derive                    not compared: computed by the pipeline
//	validate, filter          nothing changes in the columns; rows they reject or drop are reported
//	                          missing (a note says so)
//	other transforms          refused: verify cannot tell what they change
type lineage struct {
	cols  []col
	notes []string
}

// col is a column as it flows through the transforms.
type col struct {
	name, src string // src "" for a column the pipeline made
	skip      string // why it is not compared, "" if it is
	hide      bool
}

func (l *lineage) find(name string) *col {
	for i := range l.cols {
		if l.cols[i].name == name {
			return &l.cols[i]
		}
	}
	return nil
}

// mark sets why the columns are not compared.
func (l *lineage) mark(cols []string, why string, hide bool) {
	for _, n := range cols {
		if c := l.find(n); c != nil && c.skip == "" {
			c.skip, c.hide = why, c.hide || hide
		}
	}
}

// keys returns the keys of a mapping node, in order.
func keys(n *config.Node) []string {
	if n == nil || n.Kind != config.Map {
		return nil
	}
	var out []string
	for _, e := range n.Entries {
		out = append(out, e.Key)
	}
	return out
}

// apply follows one transform.
func (l *lineage) apply(name string, n *config.Node) error {
	switch name {
	case "rename":
		for _, e := range n.Entries {
			if c := l.find(e.Key); c != nil && e.Value != nil {
				c.name = e.Value.Value
			}
		}
	case "drop":
		for _, d := range names(n) {
			l.cols = slices.DeleteFunc(l.cols, func(c col) bool { return c.name == d })
		}
	case "keep":
		var kept []col
		for _, k := range names(n) {
			if c := l.find(k); c != nil {
				kept = append(kept, *c)
			}
		}
		l.cols = kept
	case "cast":
	case "default":
		l.mark(keys(n), "default: fills the NULLs the source still holds", false)
	case "encrypt", "decrypt":
		l.mark(names(n.Get("fields")), name+": the target holds what the pipeline made of the value", true)
	case "mask":
		l.mark(keys(n), "mask: the target holds the masked value", true)
	case "hash":
		f := n.Get("fields")
		if f != nil && f.Kind == config.Map {
			for _, e := range f.Entries {
				if e.Value == nil {
					continue
				}
				if l.find(e.Value.Value) == nil {
					l.cols = append(l.cols, col{name: e.Value.Value})
				} else {
					l.mark([]string{e.Value.Value}, "hash: the target holds the HMAC of "+e.Key, true)
				}
			}
			break
		}
		l.mark(names(f), "hash: the target holds the value's HMAC", true)
	case "derive":
		l.mark(keys(n), "derive: computed by the pipeline", false)
	case "validate", "filter":
		l.notes = append(l.notes, fmt.Sprintf("the pipeline's %s leaves out rows: they are reported missing from the target", name))
	default:
		return fmt.Errorf("%w: verify cannot tell what transform %q changes; verify a pipeline without it", xcetl.ErrInvalid, name)
	}
	return nil
}

// FromPipeline returns the Pair of a pipeline whose source is `type: sql`
// reading a table and whose target is an SQL table: what the source reads
// against what the target holds, through the pipeline's transforms (the
// table on type lineage; docs/verify.md). Secrets stay in xcetl.Secret;
// configuration errors wrap xcetl.ErrInvalid.
//
// Without `columns:` it connects to the source to list the table's
// columns. The notes say what the comparison cannot see (rows a filter
// leaves out).
func FromPipeline(ctx context.Context, s pipelines.Spec, opts Options) (Pair, []string, error) {
	var p Pair
	if s.Source().Type() != "sql" {
		return p, nil, fmt.Errorf("%w: verify compares a `type: sql` source with its target; this pipeline's source is type %s", xcetl.ErrInvalid, s.Source().Type())
	}
	var src sqlsource.Spec
	if errs := config.DecodeSpec(without(s.Source().Config(), "type"), &src); len(errs) > 0 {
		return p, nil, fmt.Errorf("%w: source: %v", xcetl.ErrInvalid, errs)
	}
	if src.Table == "" {
		return p, nil, fmt.Errorf("%w: source: verify needs `table:` (a `query:` has no table to compare)", xcetl.ErrInvalid)
	}
	sd, ok := dialects.LookupSource(src.Driver)
	if !ok {
		return p, nil, fmt.Errorf("%w: source: unknown driver %q", xcetl.ErrInvalid, src.Driver)
	}
	st, err := sd.ParseTable(src.Table)
	if err != nil {
		return p, nil, fmt.Errorf("%w: source table: %v", xcetl.ErrInvalid, err)
	}
	read := dialects.ReadOptions{}
	if src.ZeroDates == "null" {
		read.ZeroDates = dialects.ZeroDateNull
	}
	types := map[string]xcetl.Type{}
	for k, v := range src.Types {
		t, err := xcetl.ParseType(v)
		if err != nil {
			return p, nil, fmt.Errorf("%w: source types: %s: %v", xcetl.ErrInvalid, k, err)
		}
		types[k] = t
	}
	p.Source = Side{Driver: src.Driver, DSN: src.DSN, BaseDir: s.Dir, Table: st, Where: src.Where, Read: read, Types: types}
	ld, err := p.target(s)
	if err != nil {
		return p, nil, err
	}
	cols := src.Columns
	if len(cols) == 0 {
		if cols, err = sourceColumns(ctx, p.Source, opts); err != nil {
			return p, nil, fmt.Errorf("source: %w", err)
		}
	}
	l := &lineage{}
	for _, c := range cols {
		l.cols = append(l.cols, col{name: c, src: c})
	}
	for _, t := range s.Transforms() {
		if err := l.apply(t.Type(), t.Config()); err != nil {
			return p, nil, err
		}
	}
	for _, c := range l.cols {
		if c.src == "" {
			continue
		}
		p.Source.Columns = append(p.Source.Columns, c.src)
		p.Target.Columns = append(p.Target.Columns, ld.Fold(c.name))
		if c.skip != "" {
			if p.Skip == nil {
				p.Skip = map[string]string{}
			}
			p.Skip[c.src] = c.skip
		}
		if c.hide {
			p.Hidden = append(p.Hidden, c.src)
		}
	}
	return p, l.notes, nil
}

// sourceColumns reads the source table's column names.
func sourceColumns(ctx context.Context, s Side, opts Options) ([]string, error) {
	sd, _, err := openSide(ctx, s, opts)
	if err != nil {
		return nil, err
	}
	defer sd.close(ctx)
	st, err := sd.conn.DescribeSource(ctx, s.Table)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range st.Columns {
		out = append(out, c.Name)
	}
	return out, nil
}

// target fills the target side from `target:` and returns its loader
// dialect (whose Fold names the target's columns).
func (p *Pair) target(s pipelines.Spec) (dialects.Dialect, error) {
	typ := s.Target().Type()
	ld, ok := dialects.Lookup(typ)
	if _, src := dialects.LookupSource(typ); !ok || !src {
		return nil, fmt.Errorf("%w: verify compares with an SQL table; target type %s is not one xcetl can read", xcetl.ErrInvalid, typ)
	}
	var tg struct {
		DSN   xcetl.Secret `yaml:"dsn"`
		Table string       `yaml:"table"`
	}
	if errs := config.Decode(only(s.Target().Config(), "dsn", "table"), &tg); len(errs) > 0 {
		return nil, fmt.Errorf("%w: target: %v", xcetl.ErrInvalid, errs)
	}
	t, err := ld.ParseTable(tg.Table)
	if err != nil {
		return nil, fmt.Errorf("%w: target table: %v", xcetl.ErrInvalid, err)
	}
	if !t.SchemaQuoted {
		t.Schema = ld.Fold(t.Schema)
	}
	if !t.NameQuoted {
		t.Name = ld.Fold(t.Name)
	}
	p.Name = tg.Table
	p.Target = Side{Driver: typ, DSN: tg.DSN, BaseDir: s.Dir, Table: t}
	return ld, nil
}

// without is a mapping node without some keys.
func without(n *config.Node, keys ...string) *config.Node {
	if n == nil || n.Kind != config.Map {
		return n
	}
	c := *n
	c.Entries = nil
	for _, e := range n.Entries {
		if !slices.Contains(keys, e.Key) {
			c.Entries = append(c.Entries, e)
		}
	}
	return &c
}

// only is a mapping node with only some keys.
func only(n *config.Node, keys ...string) *config.Node {
	if n == nil || n.Kind != config.Map {
		return n
	}
	c := *n
	c.Entries = nil
	for _, e := range n.Entries {
		if slices.Contains(keys, e.Key) {
			c.Entries = append(c.Entries, e)
		}
	}
	return &c
}

// names reads a transform's list of column names (a scalar for one).
func names(n *config.Node) []string {
	switch {
	case n == nil:
		return nil
	case n.Kind == config.Scalar:
		return []string{n.Value}
	case n.Kind == config.List:
		var out []string
		for _, it := range n.Items {
			if it.Kind == config.Scalar {
				out = append(out, it.Value)
			}
		}
		return out
	}
	return nil
}
