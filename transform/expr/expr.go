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
	transform.Register("filter", newFilter)
	transform.Register("derive", newDerive)
}

// exprNode reads an expression scalar and checks its syntax, so that
// `xcetl validate` finds typos without a schema.
func exprNode(n *config.Node, what string, errs *xcetl.SpecErrors) (string, bool) {
	if n == nil || n.Kind != config.Scalar || strings.TrimSpace(n.Value) == "" {
		*errs = append(*errs, n.Errorf("%s", what+" takes an expression, e.g. \"score >= 60\""))
		return "", false
	}
	if _, err := parser.Parse(n.Value); err != nil {
		*errs = append(*errs, n.Errorf("%s %s: %s", what, quoteExpr(n.Value), compileMessage(err, &xcetl.Schema{})))
		return "", false
	}
	return n.Value, true
}

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

func newFilter(n *config.Node, _ transform.Env) (transform.Transform, error) {
	var errs xcetl.SpecErrors
	src, ok := exprNode(n, "filter", &errs)
	if !ok {
		return nil, errs
	}
	return &Filter{src: src, pos: n.Pos, path: n.Path, clock: time.Now}, nil
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

// longDerive is the mapping form of a derive entry.
type longDerive struct {
	Expr   *config.Node `yaml:"expr,required"`
	Type   string       `yaml:"type"`
	Format []string     `yaml:"format"`
}

// step is one derive entry once bound.
type step struct {
	name   string
	idx    int
	prog   *program
	conv   *cast.Converter
	prefix string // "derive name: "
}

func newDerive(n *config.Node, _ transform.Env) (transform.Transform, error) {
	if n == nil || n.Kind != config.Map || len(n.Entries) == 0 {
		return nil, xcetl.SpecErrors{n.Errorf("derive takes a mapping of column: expression, e.g. {birth_year: \"year(birth_date)\"}")}
	}
	var errs xcetl.SpecErrors
	d := &Derive{clock: time.Now}
	for _, e := range n.Entries {
		ds := deriveSpec{name: e.Key, keyPos: e.KeyPos, path: e.Value.Path}
		exprN := e.Value
		switch e.Value.Kind {
		case config.Map:
			var ld longDerive
			if de := config.Decode(e.Value, &ld); len(de) > 0 {
				errs = append(errs, de...)
				continue
			}
			exprN = ld.Expr
			if ld.Type != "" {
				t, err := xcetl.ParseType(ld.Type)
				if err != nil {
					errs = append(errs, e.Value.Get("type").Errorf("%v", err))
					continue
				}
				if _, err := cast.NewConverter(t, cast.Options{Formats: ld.Format}); err != nil {
					at := e.Value.Get("format")
					if at == nil {
						at = e.Value.Get("type")
					}
					errs = append(errs, at.Errorf("%v", err))
					continue
				}
				ds.typ = &t
			} else if len(ld.Format) > 0 {
				errs = append(errs, e.Value.Get("format").Errorf("format needs a type: (e.g. type: date)"))
				continue
			}
			ds.formats = ld.Format
		case config.Scalar:
		default:
			errs = append(errs, e.Value.Errorf("expected an expression or {expr: ..., type: ...}, got a %s", e.Value.Kind))
			continue
		}
		src, ok := exprNode(exprN, "derive "+e.Key, &errs)
		if !ok {
			continue
		}
		ds.src, ds.srcPos = src, exprN.Pos
		d.specs = append(d.specs, ds)
	}
	if len(errs) > 0 {
		return nil, errs
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
