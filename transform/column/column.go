// Package column implements the transforms that reshape columns without
// computing anything: `rename`, `drop`, `keep` and `default`.
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
	transform.RegisterSpec("default", config.Doc{
		Summary: "replaces NULL with a value, converted to the column's type before the run starts",
		Example: "default: {phone: 未登记, score: 0}",
		Shape:   "a mapping of column: value, e.g. {phone: \"未登记\"}",
	}, newDefault)
	transform.RegisterSpec("keep", config.Doc{
		Summary: "keeps only the columns listed, in the order listed (the rest of a wide file is dropped without naming it)",
		Example: "keep: [编号, 姓名, 身份证号]",
		Shape:   "a column name or a list of them, e.g. [id, name]",
	}, newKeep)
}

// ---- rename ----

// Rename is the `rename: {old: new}` transform. All renames apply at once,
// so `{a: b, b: a}` swaps two columns. Only the schema changes.
type Rename struct {
	pairs   []renamePair
	in, out *xcetl.Schema
}

type renamePair struct {
	from transform.Name
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
	keys := sortedKeys(*sp)
	if env.Node != nil {
		keys = env.Node.Keys() // file order
	}
	for _, k := range transform.KeyNames(env.Node, env.Path, keys) {
		r.pairs = append(r.pairs, renamePair{from: k, to: string((*sp)[k.Name])})
	}
	return r, nil
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
		i := in.Index(p.from.Name)
		if i < 0 {
			errs = append(errs, p.from.Unknown(in))
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
				errs = append(errs, &xcetl.SpecError{Pos: at.from.Pos, Path: at.from.Path,
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
			if p.from.Name == n {
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
		parts[i] = p.from.Name + " → " + p.to
	}
	return "rename " + strings.Join(parts, ", ")
}

// ---- drop ----

// Drop is the `drop: [a, b]` transform.
type Drop struct {
	cols    []transform.Name
	in, out *xcetl.Schema
	keep    []int // input positions of the remaining columns, in order
}

// DropSpec is the configuration of `drop`: the columns to remove.
type DropSpec []Name

// Check refuses empty names and names listed twice.
func (d DropSpec) Check(c *config.Check) { checkNames(c, d) }

// checkNames refuses empty names and names listed twice in a list spec.
func checkNames(c *config.Check, names []Name) {
	seen := map[Name]int{}
	for i, name := range names {
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
	names := make([]string, len(*sp))
	for i, n := range *sp {
		names[i] = string(n)
	}
	return &Drop{cols: transform.ItemNames(env.Node, env.Path, names)}, nil
}

// Bind checks that every dropped column exists and that some remain.
func (d *Drop) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	gone := make([]bool, len(in.Columns))
	for _, c := range d.cols {
		i := in.Index(c.Name)
		if i < 0 {
			errs = append(errs, c.Unknown(in))
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
		errs = append(errs, &xcetl.SpecError{Pos: d.cols[0].Pos, Path: d.cols[0].Path, Msg: "drop would remove every column"})
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
		names[i] = c.Name
	}
	return "drop " + strings.Join(names, ", ")
}

// ---- keep ----

// Keep is the `keep: [a, b]` transform: the columns listed, in that order;
// the others are dropped.
type Keep struct {
	cols    []transform.Name
	in, out *xcetl.Schema
	pick    []int // input positions of the output columns
}

// KeepSpec is the configuration of `keep`: the columns to keep, in order.
type KeepSpec []Name

// Check refuses empty names and names listed twice.
func (k KeepSpec) Check(c *config.Check) { checkNames(c, k) }

func newKeep(sp *KeepSpec, env transform.Env) (transform.Transform, error) {
	names := make([]string, len(*sp))
	for i, n := range *sp {
		names[i] = string(n)
	}
	return &Keep{cols: transform.ItemNames(env.Node, env.Path, names)}, nil
}

// Bind checks that every kept column exists.
func (k *Keep) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := &xcetl.Schema{}
	pick := make([]int, 0, len(k.cols))
	for _, c := range k.cols {
		i := in.Index(c.Name)
		if i < 0 {
			errs = append(errs, c.Unknown(in))
			continue
		}
		out.Columns = append(out.Columns, in.Columns[i])
		pick = append(pick, i)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	k.in, k.out, k.pick = in, out, pick
	return out, nil
}

// Apply keeps the picked values of every row, in place.
func (k *Keep) Apply(_ context.Context, b *xcetl.Batch) error {
	if err := transform.CheckSchema("keep", b.Schema, k.in); err != nil {
		return err
	}
	b.Schema = k.out
	width := len(k.in.Columns)
	tmp := make([]any, len(k.pick))
	for i, row := range b.Rows {
		if len(row) != width {
			return fmt.Errorf("keep: row %d has %d values for %d columns", i, len(row), width)
		}
		for j, p := range k.pick {
			tmp[j] = row[p]
		}
		copy(row, tmp)
		clear(row[len(tmp):])
		b.Rows[i] = row[:len(tmp)]
	}
	return nil
}

// Describe lists the kept columns for `xcetl explain`.
func (k *Keep) Describe() string {
	names := make([]string, len(k.cols))
	for i, c := range k.cols {
		names[i] = c.Name
	}
	return "keep " + strings.Join(names, ", ")
}

// ---- default ----

// DefaultSpec is the configuration of `default`: column → the value that
// replaces NULL (text, converted to the column's type at Bind).
type DefaultSpec config.Ordered[Value]

// Check refuses a missing value (`phone:` with nothing after it).
func (d DefaultSpec) Check(c *config.Check) {
	for _, p := range d {
		if n := c.Node(p.Key); n != nil && n.Kind == config.Null {
			c.Errorf(p.Key, "expected the default value of column %q, got a null", p.Key)
		}
	}
}

// Value is a default value in a spec.
type Value string

// Noun implements config.Nouner.
func (Value) Noun() string { return "a default value (one scalar)" }

// Default is the `default: {col: value}` transform: NULL becomes the value,
// converted to the column's type once at Bind.
type Default struct {
	specs   []defaultSpec
	in, out *xcetl.Schema
	bound   []boundDefault
}

type defaultSpec struct {
	col  transform.Name
	text string
	raw  string // as written, for explain: ${VAR} stays unexpanded
	vpos xcetl.Pos
}

type boundDefault struct {
	idx   int
	value any
}

func newDefault(sp *DefaultSpec, env transform.Env) (transform.Transform, error) {
	d := &Default{}
	for i, col := range transform.KeyNames(env.Node, env.Path, config.Ordered[Value](*sp).Keys()) {
		s := defaultSpec{col: col, text: string((*sp)[i].Value)}
		s.raw = s.text
		if v := col.Value; v != nil {
			s.raw, s.vpos = v.Raw, v.Pos
		}
		d.specs = append(d.specs, s)
	}
	return d, nil
}

// Bind converts each default value to its column's type.
func (d *Default) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := in.Clone()
	var bound []boundDefault
	for _, s := range d.specs {
		i := in.Index(s.col.Name)
		if i < 0 {
			errs = append(errs, s.col.Unknown(in))
			continue
		}
		typ := in.Columns[i].Type
		v, err := cast.Convert(s.text, typ, cast.Options{})
		if err == nil && v == nil {
			err = fmt.Errorf("an empty value is NULL")
		}
		if err != nil {
			errs = append(errs, &xcetl.SpecError{Pos: s.vpos, Path: s.col.Path,
				Msg: fmt.Sprintf("default for column %q (%s): value %q does not convert: %v", s.col.Name, typ, s.text, err)})
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
		parts[i] = s.col.Name + " = " + fmt.Sprintf("%q", s.raw)
	}
	return "default " + strings.Join(parts, ", ")
}
