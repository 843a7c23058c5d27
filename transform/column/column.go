// Package column implements the transforms that reshape columns without
// computing anything: `rename`, `drop` and `default`.
package column

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
	"github.com/xcetl/xcetl/transform/cast"
)

func init() {
	transform.RegisterSpec("rename", config.Doc{
		Summary: "renames columns, all at once (so {a: b, b: a} swaps two columns); only the schema changes",
		Example: "rename: {编号: id, 姓名: name}",
		Shape:   "a mapping of old: new column names, e.g. {姓名: name}",
	}, newRename)
	transform.RegisterSpec("drop", config.Doc{
		Summary: "removes columns",
		Example: "drop: [tmp, note]",
		Shape:   "a column name or a list of them, e.g. [tmp, note]",
	}, newDrop)
	transform.Register("default", newDefault)
}

// keyed is a configured column name with where it was written.
type keyed struct {
	name string
	pos  xcetl.Pos
	path string
}

// ---- rename ----

// Rename is the `rename: {old: new}` transform. All renames apply at once,
// so `{a: b, b: a}` swaps two columns. Only the schema changes.
type Rename struct {
	pairs   []renamePair
	in, out *xcetl.Schema
}

type renamePair struct {
	from keyed
	to   string
}

// RenameSpec is the configuration of `rename`: old name → new name.
type RenameSpec map[string]Name

// Name is a column name in a spec.
type Name string

// Noun implements config.Nouner.
func (Name) Noun() string { return "a column name" }

// Check refuses empty new names.
func (r RenameSpec) Check(c *config.Check) {
	for _, old := range sortedKeys(r) {
		if strings.TrimSpace(string(r[old])) == "" {
			c.Errorf(old, "expected the new name of column %q", old)
		}
	}
}

func newRename(sp *RenameSpec, env transform.Env) (transform.Transform, error) {
	r := &Rename{}
	for _, k := range entriesOf(env.Node, *sp) {
		r.pairs = append(r.pairs, renamePair{from: k, to: string((*sp)[k.name])})
	}
	return r, nil
}

// entriesOf returns the keys of a mapping spec with where each was written,
// in file order; for a spec built in Go (n is nil), sorted.
func entriesOf[V any](n *config.Node, m map[string]V) []keyed {
	var out []keyed
	if n != nil && n.Kind == config.Map {
		for _, e := range n.Entries {
			out = append(out, keyed{e.Key, e.KeyPos, config.JoinPath(n.Path, e.Key)})
		}
		return out
	}
	for _, k := range sortedKeys(m) {
		out = append(out, keyed{name: k, path: k})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Bind checks that every old name exists and that the result has no
// duplicate names.
func (r *Rename) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := in.Clone()
	for _, p := range r.pairs {
		i := in.Index(p.from.name)
		if i < 0 {
			errs = append(errs, transform.UnknownColumn(p.from.pos, p.from.path, p.from.name, in))
			continue
		}
		out.Columns[i].Name = p.to
	}
	if len(errs) == 0 {
		seen := make(map[string]int, len(out.Columns))
		for i, c := range out.Columns {
			if j, dup := seen[c.Name]; dup {
				// Name the rename that caused it; the other one may be an
				// untouched input column.
				at := r.pairFor(in.Columns[i].Name, in.Columns[j].Name)
				errs = append(errs, &xcetl.SpecError{Pos: at.from.pos, Path: at.from.path,
					Msg: fmt.Sprintf("renaming gives two columns named %q (input columns %q and %q)", c.Name, in.Columns[j].Name, in.Columns[i].Name)})
				continue
			}
			seen[c.Name] = i
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	r.in, r.out = in, out
	return out, nil
}

func (r *Rename) pairFor(names ...string) renamePair {
	for _, p := range r.pairs {
		for _, n := range names {
			if p.from.name == n {
				return p
			}
		}
	}
	return r.pairs[0]
}

// Apply gives the batch the renamed schema.
func (r *Rename) Apply(_ context.Context, b *xcetl.Batch) error {
	if err := transform.CheckSchema("rename", b.Schema, r.in); err != nil {
		return err
	}
	b.Schema = r.out
	return nil
}

// Describe lists the renames for `xcetl explain`.
func (r *Rename) Describe() string {
	parts := make([]string, len(r.pairs))
	for i, p := range r.pairs {
		parts[i] = p.from.name + " → " + p.to
	}
	return "rename " + strings.Join(parts, ", ")
}

// ---- drop ----

// Drop is the `drop: [a, b]` transform.
type Drop struct {
	cols    []keyed
	in, out *xcetl.Schema
	keep    []int // input positions of the remaining columns, in order
}

// DropSpec is the configuration of `drop`: the columns to remove.
type DropSpec []Name

// Check refuses empty names and names listed twice.
func (d DropSpec) Check(c *config.Check) {
	seen := map[Name]int{}
	for i, name := range d {
		at := c.Self()
		if at != nil && at.Kind == config.List {
			at = at.Items[i]
		}
		if name == "" {
			c.ErrorfAt(at, "expected a column name")
			continue
		}
		if first, dup := seen[name]; dup {
			where := fmt.Sprintf("item %d", first+1)
			if self := c.Self(); self != nil && self.Kind == config.List {
				where = fmt.Sprintf("line %d", self.Items[first].Pos.Line)
			}
			c.ErrorfAt(at, "column %q is listed twice (first at %s)", name, where)
			continue
		}
		seen[name] = i
	}
}

func newDrop(sp *DropSpec, env transform.Env) (transform.Transform, error) {
	d := &Drop{}
	for i, name := range *sp {
		k := keyed{name: string(name), path: fmt.Sprintf("drop[%d]", i)}
		if n := env.Node; n != nil {
			it := n
			if n.Kind == config.List {
				it = n.Items[i]
			}
			k.pos, k.path = it.Pos, it.Path
		}
		d.cols = append(d.cols, k)
	}
	return d, nil
}

// Bind checks that every dropped column exists and that some remain.
func (d *Drop) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	gone := make([]bool, len(in.Columns))
	for _, c := range d.cols {
		i := in.Index(c.name)
		if i < 0 {
			errs = append(errs, transform.UnknownColumn(c.pos, c.path, c.name, in))
			continue
		}
		gone[i] = true
	}
	out := &xcetl.Schema{}
	var keep []int
	for i, c := range in.Columns {
		if !gone[i] {
			out.Columns = append(out.Columns, c)
			keep = append(keep, i)
		}
	}
	if len(errs) == 0 && len(keep) == 0 {
		errs = append(errs, &xcetl.SpecError{Pos: d.cols[0].pos, Path: d.cols[0].path, Msg: "drop would remove every column"})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	d.in, d.out, d.keep = in, out, keep
	return out, nil
}

// Apply removes the dropped values from every row, in place.
func (d *Drop) Apply(_ context.Context, b *xcetl.Batch) error {
	if err := transform.CheckSchema("drop", b.Schema, d.in); err != nil {
		return err
	}
	b.Schema = d.out
	width := len(d.in.Columns)
	for i, row := range b.Rows {
		if len(row) != width {
			return fmt.Errorf("drop: row %d has %d values for %d columns", i, len(row), width)
		}
		// keep is increasing, so moving values left never overwrites one
		// still to be read.
		for k, j := range d.keep {
			row[k] = row[j]
		}
		clear(row[len(d.keep):])
		b.Rows[i] = row[:len(d.keep)]
	}
	return nil
}

// Describe lists the dropped columns for `xcetl explain`.
func (d *Drop) Describe() string {
	names := make([]string, len(d.cols))
	for i, c := range d.cols {
		names[i] = c.name
	}
	return "drop " + strings.Join(names, ", ")
}

// ---- default ----

// Default is the `default: {col: value}` transform: NULL becomes the value,
// converted to the column's type once at Bind.
type Default struct {
	specs   []defaultSpec
	in, out *xcetl.Schema
	bound   []boundDefault
}

type defaultSpec struct {
	col  keyed
	text string
	raw  string // as written, for explain: ${VAR} stays unexpanded
	vpos xcetl.Pos
}

type boundDefault struct {
	idx   int
	value any
}

func newDefault(n *config.Node, _ transform.Env) (transform.Transform, error) {
	if n == nil || n.Kind != config.Map || len(n.Entries) == 0 {
		return nil, xcetl.SpecErrors{n.Errorf("default takes a mapping of column: value, e.g. {phone: \"未登记\"}")}
	}
	var errs xcetl.SpecErrors
	d := &Default{}
	for _, e := range n.Entries {
		v := e.Value
		if v.Kind != config.Scalar {
			errs = append(errs, v.Errorf("expected the default value of column %q, got a %s", e.Key, v.Kind))
			continue
		}
		d.specs = append(d.specs, defaultSpec{col: keyed{e.Key, e.KeyPos, v.Path}, text: v.Value, raw: v.Raw, vpos: v.Pos})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return d, nil
}

// Bind converts each default value to its column's type.
func (d *Default) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := in.Clone()
	var bound []boundDefault
	for _, s := range d.specs {
		i := in.Index(s.col.name)
		if i < 0 {
			errs = append(errs, transform.UnknownColumn(s.col.pos, s.col.path, s.col.name, in))
			continue
		}
		typ := in.Columns[i].Type
		v, err := cast.Convert(s.text, typ, cast.Options{})
		if err == nil && v == nil {
			err = fmt.Errorf("an empty value is NULL")
		}
		if err != nil {
			errs = append(errs, &xcetl.SpecError{Pos: s.vpos, Path: s.col.path,
				Msg: fmt.Sprintf("default for column %q (%s): value %q does not convert: %v", s.col.name, typ, s.text, err)})
			continue
		}
		out.Columns[i].Nullable = false
		bound = append(bound, boundDefault{idx: i, value: v})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	d.in, d.out, d.bound = in, out, bound
	return out, nil
}

// Apply replaces NULLs in unmarked rows.
func (d *Default) Apply(_ context.Context, b *xcetl.Batch) error {
	if err := transform.CheckSchema("default", b.Schema, d.in); err != nil {
		return err
	}
	b.Schema = d.out
	width := len(d.in.Columns)
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		if len(row) != width {
			return fmt.Errorf("default: row %d has %d values for %d columns", i, len(row), width)
		}
		for _, bd := range d.bound {
			if row[bd.idx] == nil {
				if p, ok := bd.value.([]byte); ok {
					// Each row gets its own bytes: a later transform may
					// change them in place.
					row[bd.idx] = bytes.Clone(p)
					continue
				}
				row[bd.idx] = bd.value
			}
		}
	}
	return nil
}

// Describe lists the defaults for `xcetl explain`.
func (d *Default) Describe() string {
	parts := make([]string, len(d.specs))
	for i, s := range d.specs {
		parts[i] = s.col.name + " = " + fmt.Sprintf("%q", s.raw)
	}
	return "default " + strings.Join(parts, ", ")
}
