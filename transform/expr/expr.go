// Package expr implements the transforms built on expressions
// (github.com/expr-lang/expr): `filter`, which keeps the rows where an
// expression is true, and `derive`, which computes new or replaced columns.
//
// Expressions are compiled once, at Bind, against a typed environment made
// from the input schema, so type errors are reported before any row is
// read. See README.md for the functions and the rules on NULL.
package expr

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr/parser"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
	"github.com/xcetl/xcetl/transform/cast"
)

func init() {
	transform.RegisterSpec("filter", config.Doc{
		Summary: "keeps the rows where an expression is true; the others are counted as filtered",
		Example: "filter: \"score >= 60 && community != '测试社区'\"",
		Shape:   "an expression, e.g. \"score >= 60\"",
	}, newFilter)
	transform.RegisterSpec("derive", config.Doc{
		Summary: "computes new or replaced columns from expressions, in the order written",
		Example: "derive: {birth_year: \"year(birth_date)\", due: {expr: \"date('2025-01-01', '2006-01-02')\", type: date}}",
		Shape:   "a mapping of column: expression, e.g. {birth_year: \"year(birth_date)\"}",
	}, newDerive)
}

// checkExpr checks an expression's syntax, so that `xcetl validate` finds
// typos without a schema. what names it in messages ("filter", "derive
// birth_year").
func checkExpr(c *config.Check, key, what, src string) {
	if strings.TrimSpace(src) == "" {
		c.Errorf(key, "%s takes an expression, e.g. \"score >= 60\"", what)
		return
	}
	if _, err := parser.Parse(src); err != nil {
		c.Errorf(key, "%s %s: %s", what, quoteExpr(src), compileMessage(err, &xcetl.Schema{}))
	}
}

// FilterSpec is the configuration of `filter`: the expression.
type FilterSpec string

// Check checks the expression's syntax.
func (f FilterSpec) Check(c *config.Check) { checkExpr(c, "", "filter", string(f)) }

// ---- filter ----

// Filter is the `filter: "expression"` transform: rows where the
// expression is false or NULL are filtered out; a row where it fails (for
// instance comparing NULL with a number) is rejected with the error.
type Filter struct {
	src   string
	pos   xcetl.Pos
	path  string
	clock func() time.Time

	in   *xcetl.Schema
	prog *program
	pool *sync.Pool
}

func newFilter(sp *FilterSpec, env transform.Env) (transform.Transform, error) {
	f := &Filter{src: string(*sp), path: env.Path, clock: env.Clock()}
	if env.Node != nil {
		f.pos = env.Node.Pos
	}
	return f, nil
}

// Bind compiles the expression against the input columns; it must give a
// bool.
func (f *Filter) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	p, err := compile(f.src, in, newFunctions(f.clock()))
	if err != nil {
		return nil, xcetl.SpecErrors{{Pos: f.pos, Path: f.path, Msg: "filter " + quoteExpr(f.src) + ": " + err.Error()}}
	}
	if p.typ != nil && p.typ.Kind() != reflect.Bool && p.typ.Kind() != reflect.Interface {
		return nil, xcetl.SpecErrors{{Pos: f.pos, Path: f.path,
			Msg: fmt.Sprintf("filter %s gives %s, not true/false (write a comparison such as score >= 60)", quoteExpr(f.src), p.typ)}}
	}
	f.in, f.prog, f.pool = in, p, newStatePool(len(p.reads))
	return in, nil
}

// Apply evaluates the expression for every unmarked row.
func (f *Filter) Apply(ctx context.Context, b *xcetl.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := transform.CheckSchema("filter", b.Schema, f.in); err != nil {
		return err
	}
	b.Schema = f.in
	st := f.pool.Get().(*state)
	defer func() {
		clear(st.env) // do not keep the batch's values alive in the pool
		f.pool.Put(st)
	}()
	prefix := "filter " + quoteExpr(f.src) + ": "
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		if err := st.load(f.prog, row); err != nil {
			b.Reject(i, "", prefix+err.Error())
			continue
		}
		out, err := st.vm.Run(f.prog.prog, st.env)
		if err != nil {
			b.Reject(i, "", prefix+runtimeMessage(err))
			continue
		}
		switch v := out.(type) {
		case bool:
			if !v {
				b.Filter(i)
			}
		case nil:
			b.Filter(i)
		default:
			b.Reject(i, "", fmt.Sprintf("%sgave %T %v, not true/false", prefix, out, out))
		}
	}
	return nil
}

// Describe shows the expression for `xcetl explain`.
func (f *Filter) Describe() string { return "filter " + f.src }

// ---- derive ----

// Derive is the `derive: {name: "expression"}` transform. Each entry
// computes a column; an existing column is replaced in place, a new one is
// appended, and later entries see the columns computed by earlier ones.
type Derive struct {
	specs []deriveSpec
	clock func() time.Time

	in, out *xcetl.Schema
	steps   []step
	pool    *sync.Pool
}

type deriveSpec struct {
	name    string
	keyPos  xcetl.Pos
	path    string
	src     string
	srcPos  xcetl.Pos
	typ     *xcetl.Type // from `type:`, nil = the expression's own type
	formats []string
}

// DeriveSpec is the configuration of `derive`: column → how to compute it,
// in the order written (later entries see the columns of earlier ones).
type DeriveSpec config.Ordered[DeriveEntry]

// DeriveEntry computes one column: an expression (the short form
// `birth_year: "year(birth_date)"`), optionally with the column's type.
type DeriveEntry struct {
	Expr   string   `yaml:"expr,required" shorthand:"true" doc:"the expression" example:"\"year(birth_date)\""`
	Type   string   `yaml:"type" doc:"the column's type, converting the expression's value; default: the expression's own type" example:"date"`
	Format []string `yaml:"format" doc:"with type: the layouts (Go) or encoding a text value is read with, as in cast" example:"\"2006年01月02日\""`
}

// Noun implements config.Nouner.
func (DeriveEntry) Noun() string { return "an expression or {expr: ..., type: ...}" }

// Check checks every entry's expression, type and format.
func (d DeriveSpec) Check(c *config.Check) {
	for _, p := range d {
		e, at := p.Value, c.At(p.Key)
		exprKey := "expr"
		if n := at.Self(); n != nil && n.Kind == config.Scalar {
			exprKey = "" // the short form: the entry is the expression
		}
		checkExpr(at, exprKey, "derive "+p.Key, e.Expr)
		switch {
		case e.Type != "":
			t, err := xcetl.ParseType(e.Type)
			if err != nil {
				at.Errorf("type", "%v", err)
				continue
			}
			if _, err := cast.NewConverter(t, cast.Options{Formats: e.Format}); err != nil {
				key := "type"
				if at.Has("format") {
					key = "format"
				}
				at.Errorf(key, "%v", err)
			}
		case len(e.Format) > 0:
			at.Errorf("format", "format needs a type: (e.g. type: date)")
		}
	}
}

// step is one derive entry once bound.
type step struct {
	name   string
	idx    int
	prog   *program
	conv   *cast.Converter
	prefix string // "derive name: "
}

func newDerive(sp *DeriveSpec, env transform.Env) (transform.Transform, error) {
	d := &Derive{clock: env.Clock()}
	entries := config.Ordered[DeriveEntry](*sp)
	for i, col := range transform.KeyNames(env.Node, env.Path, entries.Keys()) {
		e := entries[i].Value
		ds := deriveSpec{name: col.Name, keyPos: col.Pos, path: col.Path, src: e.Expr, formats: e.Format}
		if v := col.Value; v != nil {
			ds.srcPos = v.Pos
			if x := v.Get("expr"); x != nil {
				ds.srcPos = x.Pos
			}
		}
		if e.Type != "" {
			t, _ := xcetl.ParseType(e.Type) // checked by DeriveSpec.Check
			ds.typ = &t
		}
		d.specs = append(d.specs, ds)
	}
	return d, nil
}

// Bind compiles the entries in order, each against the columns so far.
func (d *Derive) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	fs := newFunctions(d.clock())
	cur := in.Clone()
	steps := make([]step, 0, len(d.specs))
	maxReads := 0
	failed := map[string]bool{} // entries whose errors are already reported
	for _, ds := range d.specs {
		p, err := compile(ds.src, cur, fs)
		var typ xcetl.Type
		switch {
		case err != nil:
			if usesAny(namesIn(ds.src), failed) {
				// Most likely a consequence of the earlier error.
				failed[ds.name] = true
				break
			}
			failed[ds.name] = true
			errs = append(errs, &xcetl.SpecError{Pos: ds.srcPos, Path: ds.path, Msg: "derive " + ds.name + ": " + quoteExpr(ds.src) + ": " + err.Error()})
		case ds.typ != nil:
			typ = *ds.typ
		default:
			var ok bool
			if typ, ok = typeOf(p.typ); !ok {
				got := "a value of unknown type"
				if p.typ != nil {
					got = p.typ.String()
				}
				failed[ds.name] = true
				errs = append(errs, &xcetl.SpecError{Pos: ds.srcPos, Path: ds.path,
					Msg: fmt.Sprintf("derive %s: cannot tell the column type of %s (it gives %s); give it, e.g. %s: {expr: %s, type: string}", ds.name, quoteExpr(ds.src), got, ds.name, quoteExpr(ds.src))})
			}
		}
		// Add the column even when this entry failed, so that later
		// entries using it report their own problems, not this one again.
		idx := cur.Index(ds.name)
		if idx >= 0 {
			cur.Columns[idx].Type = typ
			cur.Columns[idx].Nullable = true
		} else {
			cur.Columns = append(cur.Columns, xcetl.Column{Name: ds.name, Type: typ, Nullable: true, Source: -1})
			idx = len(cur.Columns) - 1
		}
		if len(errs) > 0 {
			continue
		}
		conv, err := cast.NewConverter(typ, cast.Options{Formats: ds.formats})
		if err != nil {
			errs = append(errs, &xcetl.SpecError{Pos: ds.srcPos, Path: ds.path, Msg: "derive " + ds.name + ": " + err.Error()})
			continue
		}
		steps = append(steps, step{name: ds.name, idx: idx, prog: p, conv: conv, prefix: "derive " + ds.name + ": "})
		maxReads = max(maxReads, len(p.reads))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	d.in, d.out, d.steps, d.pool = in, cur, steps, newStatePool(maxReads)
	return cur, nil
}

// Apply computes the derived columns of every unmarked row.
func (d *Derive) Apply(ctx context.Context, b *xcetl.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := transform.CheckSchema("derive", b.Schema, d.in); err != nil {
		return err
	}
	if err := d.widen(b); err != nil {
		return err
	}
	b.Schema = d.out
	st := d.pool.Get().(*state)
	defer func() {
		clear(st.env)
		d.pool.Put(st)
	}()
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		for k := range d.steps {
			s := &d.steps[k]
			if err := st.load(s.prog, row); err != nil {
				b.Reject(i, s.name, s.prefix+err.Error())
				break
			}
			out, err := st.vm.Run(s.prog.prog, st.env)
			if err != nil {
				b.Reject(i, s.name, s.prefix+runtimeMessage(err))
				break
			}
			v, err := s.conv.Convert(out)
			if err != nil {
				b.Reject(i, s.name, s.prefix+err.Error())
				break
			}
			row[s.idx] = v
		}
	}
	return nil
}

// widen gives every row (marked ones too, so that every row matches the
// schema) room for the new columns. Rows are copied into one block per
// batch: growing a row in place could write into memory a source shares
// between rows.
func (d *Derive) widen(b *xcetl.Batch) error {
	win, w := len(d.in.Columns), len(d.out.Columns)
	for i, row := range b.Rows {
		if len(row) != win {
			return fmt.Errorf("derive: row %d has %d values for %d columns", i, len(row), win)
		}
	}
	if w == win {
		return nil
	}
	block := make([]any, len(b.Rows)*w)
	for i, row := range b.Rows {
		nr := block[i*w : (i+1)*w : (i+1)*w]
		copy(nr, row)
		b.Rows[i] = nr
	}
	return nil
}

// Describe lists the derived columns for `xcetl explain`.
func (d *Derive) Describe() string {
	parts := make([]string, len(d.specs))
	for i, ds := range d.specs {
		parts[i] = ds.name + " = " + ds.src
		if ds.typ != nil {
			parts[i] += " (" + ds.typ.String() + ")"
		}
	}
	return "derive " + strings.Join(parts, ", ")
}

func usesAny(names, failed map[string]bool) bool {
	for n := range names {
		if failed[n] || failed[strings.TrimPrefix(n, aliasPrefix)] {
			return true
		}
	}
	return false
}
