// Package cast implements the `cast` transform, which gives text columns
// their types (`cast: {id: int, birth_date: date}`), and exports the
// conversion rules (Converter, Convert, ParseDecimal) so that other parts
// of xcetl (defaults, loaders, spreadsheet readers) convert values exactly
// the same way.
package cast

import (
	"context"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // tz: Asia/Shanghai must work on hosts without a zoneinfo database

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

func init() {
	transform.Register("cast", newTransform)
}

// columnSpec is one `col: TYPE` or `col: {to: TYPE, format: ..., tz: ...}`.
type columnSpec struct {
	name   string
	keyPos xcetl.Pos
	path   string
	typ    xcetl.Type
	opts   Options
}

// longSpec is the mapping form of a column's cast.
type longSpec struct {
	To     string   `yaml:"to,required"`
	Format []string `yaml:"format"`
	TZ     string   `yaml:"tz"`
}

// boundColumn is a column's cast once the input schema is known.
type boundColumn struct {
	name   string
	idx    int
	conv   *Converter
	prefix string // "cast name: ", the start of every reject reason
}

// Transform is the `cast` transform. Its Apply is safe for concurrent use
// once Bind has returned.
type Transform struct {
	cols    []columnSpec
	in, out *xcetl.Schema
	bound   []boundColumn
}

func newTransform(n *config.Node, _ transform.Env) (transform.Transform, error) {
	if n == nil || n.Kind != config.Map || len(n.Entries) == 0 {
		return nil, xcetl.SpecErrors{n.Errorf("cast takes a mapping of column: type, e.g. {id: int, birth_date: date}")}
	}
	var errs xcetl.SpecErrors
	t := &Transform{}
	for _, e := range n.Entries {
		cs := columnSpec{name: e.Key, keyPos: e.KeyPos, path: e.Value.Path}
		if ok := parseSpec(e.Value, &cs, &errs); ok {
			t.cols = append(t.cols, cs)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}

// parseSpec reads one column's cast and checks its options by building a
// Converter, so that `xcetl validate` reports every problem.
func parseSpec(v *config.Node, cs *columnSpec, errs *xcetl.SpecErrors) bool {
	typeNode := v
	var formatNode, tzNode *config.Node
	switch v.Kind {
	case config.Scalar:
	case config.Map:
		var ls longSpec
		if de := config.Decode(v, &ls); len(de) > 0 {
			*errs = append(*errs, de...)
			return false
		}
		typeNode, formatNode, tzNode = v.Get("to"), v.Get("format"), v.Get("tz")
		cs.opts.Formats = ls.Format
		if ls.TZ != "" {
			loc, err := time.LoadLocation(ls.TZ)
			if err != nil {
				*errs = append(*errs, tzNode.Errorf("unknown time zone %q (use an IANA name such as Asia/Shanghai, or UTC)", ls.TZ))
				return false
			}
			cs.opts.Location = loc
		}
	default:
		*errs = append(*errs, v.Errorf("expected a type (e.g. int, \"decimal(10,2)\") or {to: TYPE, format: LAYOUT}, got a %s", v.Kind))
		return false
	}
	typ, err := xcetl.ParseType(typeNode.Value)
	if err != nil {
		*errs = append(*errs, typeNode.Errorf("%v", err))
		return false
	}
	cs.typ = typ
	if tzNode != nil && typ.Kind != xcetl.KindTimestampTZ {
		*errs = append(*errs, tzNode.Errorf("tz applies only to timestamptz, not %s", typ))
		return false
	}
	if _, err := NewConverter(typ, cs.opts); err != nil {
		at := formatNode
		if at == nil {
			at = typeNode
		}
		*errs = append(*errs, at.Errorf("%v", err))
		return false
	}
	return true
}

// Bind finds every cast column in the input and returns the schema with
// their new types.
func (t *Transform) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := in.Clone()
	bound := make([]boundColumn, 0, len(t.cols))
	for _, cs := range t.cols {
		idx := in.Index(cs.name)
		if idx < 0 {
			errs = append(errs, transform.UnknownColumn(cs.keyPos, cs.path, cs.name, in))
			continue
		}
		opts := cs.opts
		opts.From = in.Columns[idx].Type.Kind
		conv, err := NewConverter(cs.typ, opts)
		if err != nil {
			errs = append(errs, &xcetl.SpecError{Pos: cs.keyPos, Path: cs.path, Msg: err.Error()})
			continue
		}
		out.Columns[idx].Type = cs.typ
		bound = append(bound, boundColumn{name: cs.name, idx: idx, conv: conv, prefix: "cast " + cs.name + ": "})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	t.in, t.out, t.bound = in, out, bound
	return out, nil
}

// Apply converts the cast columns of every unmarked row in place. A value
// that does not convert rejects its row, naming the column and the text.
func (t *Transform) Apply(ctx context.Context, b *xcetl.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := transform.CheckSchema("cast", b.Schema, t.in); err != nil {
		return err
	}
	b.Schema = t.out
	width := len(t.in.Columns)
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		if len(row) != width {
			return fmt.Errorf("cast: row %d has %d values for %d columns", i, len(row), width)
		}
		for k := range t.bound {
			c := &t.bound[k]
			v, err := c.conv.Convert(row[c.idx])
			if err != nil {
				b.Reject(i, c.name, c.prefix+err.Error())
				break
			}
			row[c.idx] = v
		}
	}
	return nil
}

// Describe lists the casts for `xcetl explain`.
func (t *Transform) Describe() string {
	parts := make([]string, len(t.cols))
	for i, cs := range t.cols {
		s := cs.name + " → " + cs.typ.String()
		if len(cs.opts.Formats) > 0 {
			s += " (format " + strings.Join(cs.opts.Formats, ", ") + ")"
		}
		if cs.opts.Location != nil {
			s += " (tz " + cs.opts.Location.String() + ")"
		}
		parts[i] = s
	}
	return "cast " + strings.Join(parts, ", ")
}
