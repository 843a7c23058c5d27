// Package cast implements the `cast` transform, which gives text columns
// their types (`cast: {id: int, birth_date: date}`), and exports the
// conversion rules (Converter, Convert, ParseDecimal) so that other parts
// of xcetl (defaults, loaders, spreadsheet readers) convert values exactly
// the same way.
package cast

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // tz: Asia/Shanghai must work on hosts without a zoneinfo database

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

func init() {
	transform.RegisterSpec("cast", config.Doc{
		Summary: "gives columns their types: int, float, decimal(p,s), bool, date, timestamp, timestamptz, bytes, string(n); a value that does not convert rejects its row",
		Example: "cast: {id: int, score: \"decimal(10,2)\", birth_date: {to: date, format: [\"2006/1/2\", \"2/1/06\"]}}",
		Shape:   "a mapping of column: type, e.g. {id: int, birth_date: date}",
	}, newTransform)
}

// Spec is the configuration of `cast`: column name → its cast.
type Spec map[string]ColumnSpec

// ColumnSpec is one column's cast: `col: TYPE` or `col: {to: TYPE, format:
// LAYOUT, tz: ZONE}`.
type ColumnSpec struct {
	To     string   `yaml:"to,required" shorthand:"true" doc:"the type: string, string(n), int, float, decimal(p,s), bool, date, timestamp, timestamptz, bytes" example:"date"`
	Format []string `yaml:"format" doc:"date, timestamp, timestamptz: Go layouts tried in order (2006-01-02; 06 is a one- or two-digit year); bytes: hex or base64" example:"[\"2006/1/2\", \"2/1/06\"]"`
	TZ     string   `yaml:"tz" doc:"timestamptz: the zone of text without an offset (an IANA name such as Asia/Shanghai); default the host's"`
	// TwoDigitYearStart: see Options.TwoDigitYearStart.
	TwoDigitYearStart *int `yaml:"two_digit_year_start" doc:"a one- or two-digit year (layout 06) is the year from this one (1000..9899) to 99 years later that ends in it (default 1930: 45 is 1945, 29 is 2029, as Excel reads them)" example:"1950"`
}

// Noun implements config.Nouner: what a column's value must be.
func (ColumnSpec) Noun() string {
	return `a type (e.g. int, "decimal(10,2)") or {to: TYPE, format: LAYOUT}`
}

// Check checks the type and its options by building a Converter, so that
// `xcetl validate` reports every problem.
func (cs ColumnSpec) Check(c *config.Check) {
	at := func(key string) *config.Node {
		if n := c.Node(key); n != nil {
			return n
		}
		return c.Self()
	}
	if cs.To == "" {
		return // refused when decoding: missing, or not a type
	}
	typ, err := xcetl.ParseType(cs.To)
	if err != nil {
		c.ErrorfAt(at("to"), "%v", err)
		return
	}
	opts, err := cs.options()
	if err != nil {
		c.ErrorfAt(at("tz"), "%v", err)
		return
	}
	if cs.TZ != "" && typ.Kind != xcetl.KindTimestampTZ {
		c.ErrorfAt(at("tz"), "tz applies only to timestamptz, not %s", typ)
		return
	}
	if y := cs.TwoDigitYearStart; y != nil {
		switch {
		case !isTimeKind(typ.Kind):
			c.ErrorfAt(at("two_digit_year_start"), "two_digit_year_start applies only to date, timestamp and timestamptz, not %s", typ)
			return
		case *y < 1000 || *y > 9899:
			c.ErrorfAt(at("two_digit_year_start"), "two_digit_year_start must be 1000..9899, not %d", *y)
			return
		}
	}
	if _, err := NewConverter(typ, opts); err != nil {
		key := "format"
		if c.Node("format") == nil {
			key = "to"
		}
		c.ErrorfAt(at(key), "%v", err)
	}
}

func isTimeKind(k xcetl.Kind) bool {
	return k == xcetl.KindDate || k == xcetl.KindTimestamp || k == xcetl.KindTimestampTZ
}

// options are the Converter options the spec asks for.
func (cs ColumnSpec) options() (Options, error) {
	opts := Options{Formats: cs.Format}
	if cs.TwoDigitYearStart != nil {
		opts.TwoDigitYearStart = *cs.TwoDigitYearStart
	}
	if cs.TZ != "" {
		loc, err := time.LoadLocation(cs.TZ)
		if err != nil {
			return opts, fmt.Errorf("unknown time zone %q (use an IANA name such as Asia/Shanghai, or UTC)", cs.TZ)
		}
		opts.Location = loc
	}
	return opts, nil
}

// columnSpec is one column's cast with where it was written.
type columnSpec struct {
	name   string
	keyPos xcetl.Pos
	path   string
	typ    xcetl.Type
	opts   Options
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

func newTransform(sp *Spec, env transform.Env) (transform.Transform, error) {
	t := &Transform{}
	add := func(name string, keyPos xcetl.Pos, path string) {
		c := (*sp)[name]
		typ, _ := xcetl.ParseType(c.To) // checked by Check
		opts, _ := c.options()
		t.cols = append(t.cols, columnSpec{name: name, keyPos: keyPos, path: path, typ: typ, opts: opts})
	}
	if n := env.Node; n != nil && n.Kind == config.Map {
		for _, e := range n.Entries {
			add(e.Key, e.KeyPos, e.Value.Path)
		}
		return t, nil
	}
	names := make([]string, 0, len(*sp))
	for k := range *sp {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		add(k, xcetl.Pos{}, "cast."+k)
	}
	return t, nil
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
