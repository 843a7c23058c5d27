package migrate

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/pipelines"
	"github.com/xcetl/xcetl/transform"
)

// Plan is what a migration does: every table with its mapped DDL and the
// pipeline that loads it.
type Plan struct {
	File   *File
	Source dialects.SourceDialect
	Target dialects.Dialect
	Tables []*TablePlan
	// Warnings name what the mapping left out (defaults that are not
	// portable, foreign keys to tables outside the migration).
	Warnings []string
}

// TablePlan is one table of a Plan.
type TablePlan struct {
	Source  *dialects.SourceTable
	Target  dialects.Table
	Columns []ColumnPlan
	// Key is the source's primary key (source names).
	Key      []string
	Override Override
	DDL      dialects.MigrationDDL
	// Transforms are the table's transforms, from the columns: rules and
	// its override.
	Transforms []pipelines.Part
	// Protected maps a source column to the transform (encrypt, mask,
	// hash) that changes its values: verify compares nothing of them.
	Protected map[string]string
	// State names the table's pipeline: its lock and its chunk state.
	State string
}

// ColumnPlan is one column of a TablePlan.
type ColumnPlan struct {
	Source, Target string
	NativeType     string
	// Read is the xcetl type the source reads; Type the target column
	// type and Mapping where it came from ("rule", "xcetl type …").
	Read    xcetl.Type
	Type    string
	Mapping string
}

// Connect opens the source, lists and describes the tables the file
// selects, and plans them.
func Connect(ctx context.Context, f *File, log *slog.Logger) (*Plan, error) {
	if log == nil {
		log = slog.Default()
	}
	src, _ := dialects.LookupSource(f.Spec.Source.Driver)
	conn, err := src.OpenSource(ctx, f.Spec.Source.DSN.Reveal(), dialects.SourceEnv{Logger: log, BaseDir: f.Dir})
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", src.Product(), err)
	}
	defer func() { _ = conn.Close(ctx) }()
	names, err := conn.Tables(ctx, f.Spec.Source.Schema)
	if err != nil {
		return nil, fmt.Errorf("source %s: list tables: %w", src.Product(), err)
	}
	var tables []*dialects.SourceTable
	for _, t := range names {
		if !f.selected(t.Name) {
			continue
		}
		st, err := conn.DescribeSource(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("source table %s: %w", t, err)
		}
		if st != nil {
			tables = append(tables, st)
		}
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("%w: no source table matches tables.include %v (exclude %v) in schema %q", xcetl.ErrInvalid, f.Spec.Tables.Include, f.Spec.Tables.Exclude, f.Spec.Source.Schema)
	}
	return PlanTables(f, tables)
}

// selected applies include, exclude and overrides.skip to a source name.
func (f *File) selected(name string) bool {
	if f.override(name).Skip {
		return false
	}
	match := func(globs []string) bool {
		for _, g := range globs {
			if ok, _ := path.Match(g, name); ok {
				return true
			}
		}
		return false
	}
	return match(f.Spec.Tables.Include) && !match(f.Spec.Tables.Exclude)
}

// PlanTables plans the migration of tables (as the source catalog
// describes them) without connecting: explain and golden tests use it
// with a catalog read elsewhere.
func PlanTables(f *File, tables []*dialects.SourceTable) (*Plan, error) {
	src, ok := dialects.LookupSource(f.Spec.Source.Driver)
	if !ok {
		return nil, fmt.Errorf("%w: source driver %s is not in this binary", xcetl.ErrInvalid, f.Spec.Source.Driver)
	}
	d, ok := dialects.Lookup(f.Spec.Target.Type)
	if !ok {
		return nil, fmt.Errorf("%w: target %s is not in this binary", xcetl.ErrInvalid, f.Spec.Target.Type)
	}
	mig, ok := d.(dialects.SchemaMigrator)
	if !ok {
		return nil, fmt.Errorf("%w: target %s cannot create migrated tables", xcetl.ErrInvalid, d.Name())
	}
	p := &Plan{File: f, Source: src, Target: d}
	sort.Slice(tables, func(i, j int) bool { return tables[i].Table.Name < tables[j].Table.Name })
	targets := map[string]dialects.Table{}
	for _, st := range tables {
		t, err := p.targetTable(st.Table.Name)
		if err != nil {
			return nil, err
		}
		targets[st.Table.Name] = t
	}
	var errs []error
	for _, st := range tables {
		tp, err := p.planTable(st, targets)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if tp.DDL, err = mig.MigrationDDL(p.migrationTable(tp, targets)); err != nil {
			errs = append(errs, fmt.Errorf("table %s: %w", st.Table.Name, err))
			continue
		}
		p.Tables = append(p.Tables, tp)
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	return p, nil
}

func joinErrs(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("%w: %s", xcetl.ErrInvalid, strings.Join(msgs, "\n"))
}

// targetTable is the target name of a source table: the override's, else
// the source name folded by the target, in the target schema.
func (p *Plan) targetTable(name string) (dialects.Table, error) {
	d := p.Target
	t := dialects.Table{Name: d.Fold(name)}
	if o := p.File.override(name); o.Table != "" {
		pt, err := d.ParseTable(o.Table)
		if err != nil {
			return t, fmt.Errorf("%w: overrides.%s.table: %w", xcetl.ErrInvalid, name, err)
		}
		t = pt
		if !t.NameQuoted {
			t.Name = d.Fold(t.Name)
		}
		if t.Schema != "" && !t.SchemaQuoted {
			t.Schema = d.Fold(t.Schema)
		}
	}
	if t.Schema == "" && p.File.Spec.Target.Schema != "" {
		t.Schema = d.Fold(p.File.Spec.Target.Schema)
	}
	if err := d.CheckIdent(t.Name); err != nil {
		return t, fmt.Errorf("%w: table %s: %w", xcetl.ErrInvalid, name, err)
	}
	t.SchemaQuoted, t.NameQuoted = t.Schema != "", true
	return t, nil
}

func (p *Plan) planTable(st *dialects.SourceTable, targets map[string]dialects.Table) (*TablePlan, error) {
	f := p.File
	tp := &TablePlan{Source: st, Target: targets[st.Table.Name], Key: st.PrimaryKey,
		Override: f.override(st.Table.Name), State: stateName(f.Spec.Name, st.Table.Name)}
	if tp.Override.Mode == "" {
		tp.Override.Mode = "append"
	}
	var err error
	var changed map[string]bool
	tp.Transforms, tp.Protected, changed, err = f.transformsOf(st)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", st.Table.Name, err)
	}
	ro := dialects.ReadOptions{}
	if f.Spec.Source.ZeroDates == "null" {
		ro.ZeroDates = dialects.ZeroDateNull
	}
	for _, c := range st.Columns {
		o, err := typeOverride(f.Spec.Types, c)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", st.Table.Name, err)
		}
		ro.Override = o
		r, err := p.Source.ReadColumn(st.Table, c, ro)
		if err != nil {
			return nil, err
		}
		typ, how, err := dialects.MapColumnType(p.Source.Driver(), p.Target, c, r.Type, o != nil)
		if changed[c.Name] {
			// encrypt, hash, mask write text of another length than the
			// source's: the target column is the target's text
			typ, err = p.Target.ColumnType(xcetl.Type{Kind: xcetl.KindString})
			how = "transformed: text"
		}
		if err != nil {
			return nil, fmt.Errorf("table %s: %w; map it with types: {%q: string} (or another type the target has)", st.Table.Name, err, c.NativeType)
		}
		name := p.Target.Fold(c.Name)
		if err := p.Target.CheckIdent(name); err != nil {
			return nil, fmt.Errorf("table %s column %q: %w", st.Table.Name, c.Name, err)
		}
		tp.Columns = append(tp.Columns, ColumnPlan{Source: c.Name, Target: name, NativeType: c.NativeType, Read: r.Type, Type: typ, Mapping: how})
	}
	return tp, nil
}

// typeOverride is the `types:` entry for a column: by column name, then
// the full native type, then the native type without arguments.
func typeOverride(types map[string]string, c dialects.SourceColumn) (*xcetl.Type, error) {
	native := strings.ToLower(strings.TrimSpace(c.NativeType))
	base, _, _ := strings.Cut(native, "(")
	for _, want := range []string{c.Name, native, strings.TrimSpace(base)} {
		for k, v := range types {
			if k == c.Name && want == c.Name || want != c.Name && strings.ToLower(strings.TrimSpace(k)) == want {
				t, err := xcetl.ParseType(v)
				if err != nil {
					return nil, fmt.Errorf("types: %s: %w", k, err)
				}
				return &t, nil
			}
		}
	}
	return nil, nil
}

// migrationTable maps tp for the target's DDL: names, types, defaults
// (warning about those left out), keys, indexes, foreign keys.
func (p *Plan) migrationTable(tp *TablePlan, targets map[string]dialects.Table) dialects.MigrationTable {
	st, d := tp.Source, p.Target
	mt := dialects.MigrationTable{Table: tp.Target, Comment: st.Comment, KeyBeforeData: tp.Override.Mode == "upsert"}
	for i, c := range st.Columns {
		cp := tp.Columns[i]
		mc := dialects.MigrationColumn{Name: cp.Target, Type: cp.Type, NotNull: !c.Nullable, Comment: c.Comment,
			Identity: c.Identity, Bool: cp.Read.Kind == xcetl.KindBool}
		if c.Default != nil && !c.Identity {
			if def, ok := dialects.PortableDefault(*c.Default); ok {
				mc.Default = def
			} else {
				p.Warnings = append(p.Warnings, fmt.Sprintf("%s.%s: default %s dropped: not portable to %s", st.Table.Name, c.Name, *c.Default, d.Name()))
			}
		}
		mt.Columns = append(mt.Columns, mc)
	}
	for _, k := range st.PrimaryKey {
		mt.PrimaryKey = append(mt.PrimaryKey, d.Fold(k))
	}
	for _, ix := range st.Indexes {
		mt.Indexes = append(mt.Indexes, dialects.SourceIndex{Name: d.Fold(ix.Name), Columns: foldAll(d, ix.Columns), Unique: ix.Unique})
	}
	for _, fk := range st.ForeignKeys {
		ref, ok := targets[fk.RefTable.Name]
		if !ok || (fk.RefTable.Schema != "" && st.Table.Schema != "" && fk.RefTable.Schema != st.Table.Schema) {
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s: foreign key %s left out: it references %s, which this migration does not create", st.Table.Name, fk.Name, fk.RefTable))
			continue
		}
		mt.ForeignKeys = append(mt.ForeignKeys, dialects.ForeignKey{Name: d.Fold(fk.Name), Columns: foldAll(d, fk.Columns),
			RefTable: ref, RefColumns: foldAll(d, fk.RefColumns), OnDelete: fk.OnDelete, OnUpdate: fk.OnUpdate})
	}
	return mt
}

func foldAll(d dialects.Dialect, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = d.Fold(n)
	}
	return out
}

// stateName is a table's pipeline name: the migration's, a dot, and the
// table's in lower case with anything but [a-z0-9_-] replaced (pipeline
// names name locks and state rows).
func stateName(migration, table string) string {
	var b strings.Builder
	clean := true
	for _, r := range strings.ToLower(table) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
			clean = false
		}
	}
	s := migration + "-" + b.String()
	if !clean || strings.ToLower(table) != table {
		s += fmt.Sprintf("-%08x", fnv32(table))
	}
	return s
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// transformsOf builds a table's transforms: each columns: rule's items
// for the columns it matches, then the override's; with the columns whose
// values encrypt, mask or hash change (protected), and every column a
// transform names (changed).
func (f *File) transformsOf(st *dialects.SourceTable) ([]pipelines.Part, map[string]string, map[string]bool, error) {
	var parts []pipelines.Part
	protected, changed := map[string]string{}, map[string]bool{}
	for _, rule := range f.Spec.Columns {
		var cols []string
		for _, c := range st.Columns {
			if rule.regexp().MatchString(c.Name) {
				cols = append(cols, c.Name)
			}
		}
		if len(cols) == 0 {
			continue
		}
		for _, item := range rule.Transforms {
			name, val := item.Entries[0].Key, nodeValue(item.Entries[0].Value)
			part, err := forColumns(name, val, cols)
			if err != nil {
				return nil, nil, nil, err
			}
			parts = append(parts, part)
			markProtected(protected, name, cols)
			for _, c := range cols {
				changed[c] = true
			}
		}
	}
	for _, item := range f.override(st.Table.Name).Transforms {
		name, val := item.Entries[0].Key, nodeValue(item.Entries[0].Value)
		parts = append(parts, pipelines.Part{Type: name, Spec: val})
		markProtected(protected, name, columnsNamed(val))
		for _, c := range columnsNamed(val) {
			changed[c] = true
		}
	}
	return parts, protected, changed, nil
}

// protecting are the transforms whose output verify must not compare.
var protecting = map[string]bool{"encrypt": true, "mask": true, "hash": true}

func markProtected(m map[string]string, name string, cols []string) {
	if !protecting[name] {
		return
	}
	for _, c := range cols {
		m[c] = name
	}
}

// forColumns makes a columns: rule's transform item apply to cols: a
// transform with a `fields` key gets them there; one whose keys are
// columns (mask) gets the item's value once per column.
func forColumns(name string, val any, cols []string) (pipelines.Part, error) {
	p, ok := transform.Lookup(name)
	if !ok {
		return pipelines.Part{}, fmt.Errorf("columns: unknown transform %q", name)
	}
	if p.Spec != nil && p.Spec.Kind() == reflect.Struct && hasKey(p.Spec, "fields") {
		m, _ := val.(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		out := make(map[string]any, len(m)+1)
		for k, v := range m {
			out[k] = v
		}
		out["fields"] = toAnys(cols)
		return pipelines.Part{Type: name, Spec: out}, nil
	}
	out := make(map[string]any, len(cols))
	for _, c := range cols {
		out[c] = val
	}
	return pipelines.Part{Type: name, Spec: out}, nil
}

func hasKey(t reflect.Type, key string) bool {
	for _, k := range config.Fields(reflect.New(t).Interface()) {
		if k == key {
			return true
		}
	}
	return false
}

func toAnys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// columnsNamed are the columns a transform's value names: its fields, or
// its keys.
func columnsNamed(val any) []string {
	m, ok := val.(map[string]any)
	if !ok {
		return nil
	}
	var out []string
	switch fv := m["fields"].(type) {
	case []any:
		for _, x := range fv {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case map[string]any:
		for k := range fv {
			out = append(out, k)
		}
		return out
	}
	for k := range m {
		out = append(out, k)
	}
	return out
}

// nodeValue turns a YAML node into the value a Definition's Part takes.
func nodeValue(n *config.Node) any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case config.Map:
		m := make(map[string]any, len(n.Entries))
		for _, e := range n.Entries {
			m[e.Key] = nodeValue(e.Value)
		}
		return m
	case config.List:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = nodeValue(it)
		}
		return l
	case config.Scalar:
		return n.Value
	}
	return nil
}
