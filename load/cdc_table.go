package load

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
	"github.com/xcetl/xcetl/dialects"
)

// cdcTable is one target table of a routed run.
//
// Its writer's columns are the target columns the first full row image of
// the run names (any create, update or snapshot read), and the key; a later
// event that names a target column outside them, or a field the target does
// not have, fails the run with the column's name (the source table changed:
// change the target, then restart).
type cdcTable struct {
	label  string // the events' Table ("" = the target's table), for state and messages
	name   dialects.Table
	info   *dialects.TableInfo
	cols   []dialects.Column // the writer's columns
	byName map[string]int    // writer column by source field name (memo)
	keyIdx []int             // key columns' positions in cols
	schema *xcetl.Schema     // the writer's rows (cols, then the guard's two)
	conv   []converters      // per writer column
	w      dialects.Writer
	// guarded: the dialect's writer applies the version guard.
	guarded bool
	// keyNames are the key's column names (table names), to compare with
	// the source's key once.
	keyNames   []string
	keyChecked bool
}

// resolve parses an event's table into the table it names: "" is the
// target's table; an unqualified name lives in the target table's schema.
func (l *CDC) resolve(label string) (dialects.Table, error) {
	if label == "" {
		return l.s.table, nil
	}
	t, err := l.d.ParseTable(label)
	if err != nil {
		return t, err
	}
	if t.Schema == "" {
		t.Schema, t.SchemaQuoted = l.s.table.Schema, l.s.table.SchemaQuoted
	}
	return t, nil
}

// describe finds a table as written, then folded (like resolveTable).
func (l *CDC) describe(ctx context.Context, t dialects.Table) (*dialects.TableInfo, dialects.Table, error) {
	info, err := l.conn.Describe(ctx, t)
	if err != nil || info != nil {
		return info, t, err
	}
	f := t
	if !f.SchemaQuoted {
		f.Schema = l.d.Fold(f.Schema)
	}
	if !f.NameQuoted {
		f.Name = l.d.Fold(f.Name)
	}
	if f == t {
		return nil, t, nil
	}
	info, err = l.conn.Describe(ctx, f)
	return info, f, err
}

// tableKey is the key the events of a table are applied by: the configured
// one for the target's table, else the table's primary key.
func (l *CDC) tableKey(label string, t dialects.Table, info *dialects.TableInfo) ([]string, error) {
	main := l.foldTable()
	if label == "" || (t.Name == main.Name && t.Schema == main.Schema) || t == l.s.table {
		var key []string
		for _, k := range l.s.key {
			i := matchColumn(l.d, k, info.Columns)
			if i < 0 {
				return nil, l.errorf("table %s: key column %q is not a column of the table", t, k)
			}
			key = append(key, info.Columns[i].Name)
		}
		return key, nil
	}
	if len(info.PrimaryKey) == 0 {
		return nil, l.errorf("table %s has no primary key: mode cdc applies changes by key; add one (or map this source table to the target's table, whose key: is configured)", t)
	}
	return info.PrimaryKey, nil
}

// ensureTable makes the writer of the table named label, from the catalog
// and the first full row image among the events (indexes into p.events;
// none for a table that only a truncate names).
func (l *CDC) ensureTable(ctx context.Context, label string, events []*change.Event) error {
	if _, ok := l.tables[label]; ok {
		return nil
	}
	where := "a truncate event"
	if len(events) > 0 {
		where = "event " + origin(events[0])
	}
	t, err := l.resolve(label)
	if err != nil {
		return l.errorf("%s: table %q: %w", where, label, err)
	}
	info, t, err := l.describe(ctx, t)
	if err != nil {
		return l.errorf("table %s: %w", t, err)
	}
	if info == nil {
		return l.errorf("%s: table %s does not exist in the target; create it (xcetl does not guess tables from change events), or map the source table elsewhere with source.table_map", where, t)
	}
	key, err := l.tableKey(label, t, info)
	if err != nil {
		return err
	}
	tgt, err := l.cdcTarget(t, info, key)
	if err != nil {
		return err
	}
	tgt.Columns = writtenColumns(l.d, tgt.Columns, info, key, firstImage(events))
	ct := &cdcTable{label: label, name: t, info: info, cols: tgt.Columns, byName: map[string]int{}, keyNames: key}
	ct.schema = &xcetl.Schema{}
	for j, c := range tgt.Columns {
		ct.schema.Columns = append(ct.schema.Columns, xcetl.Column{Name: c.Name, Type: c.Type, Nullable: c.Nullable, Source: -1})
		ct.conv = append(ct.conv, converters{t: c.Type})
		for _, k := range key {
			if c.Name == k {
				ct.keyIdx = append(ct.keyIdx, j)
			}
		}
	}
	if l.vt != nil {
		if g, ok := l.d.(dialects.VersionGuarder); ok && g.GuardsVersions(l.conn) {
			tgt.Guard = l.vt.guard()
			ct.guarded = true
			ct.schema.Columns = append(ct.schema.Columns, xcetl.Column{Name: "key_hash", Type: xcetl.Type{Kind: xcetl.KindBytes}, Source: -1},
				xcetl.Column{Name: "version", Type: xcetl.Type{Kind: xcetl.KindBytes}, Nullable: true, Source: -1})
		}
	}
	if ct.w, err = l.conn.NewWriter(ctx, tgt); err != nil {
		return l.errorf("table %s: %w", t, err)
	}
	l.tables[label] = ct
	l.log.Info("cdc: applying changes to table", "table", t.String(), "columns", len(tgt.Columns), "key", strings.Join(key, ","), "version_guard", map[bool]string{true: "in the writer's statements", false: "by the loader"}[ct.guarded])
	return nil
}

// firstImage is the first full row image among events (a create, update or
// snapshot read), or nil.
func firstImage(events []*change.Event) change.Image {
	for _, e := range events {
		if e.Op != change.Delete && e.Op != change.Truncate {
			return e.After
		}
	}
	return nil
}

// writtenColumns keeps of cols the key and the columns img names; every
// column without an image.
func writtenColumns(d dialects.Dialect, cols []dialects.Column, info *dialects.TableInfo, key []string, img change.Image) []dialects.Column {
	if img == nil {
		return cols
	}
	used := map[string]bool{}
	for _, f := range img {
		if i := matchColumn(d, f.Name, info.Columns); i >= 0 {
			used[info.Columns[i].Name] = true
		}
	}
	for _, k := range key {
		used[k] = true
	}
	keep := cols[:0:0]
	for _, c := range cols {
		if used[c.Name] {
			keep = append(keep, c)
		}
	}
	return keep
}

// cdcTarget is the writer's target for table t: every catalog column,
// typed by its catalog type.
func (l *SQL) cdcTarget(t dialects.Table, info *dialects.TableInfo, key []string) (dialects.Target, error) {
	tgt := dialects.Target{Table: t, Mode: dialects.CDC, Options: l.s.options, Pipeline: l.env.Pipeline, Key: key}
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	for _, c := range info.Columns {
		tgt.Columns = append(tgt.Columns, dialects.Column{Name: c.Name, Type: dialects.TypeOfColumn(l.d, c), Nullable: c.Nullable && !isKey[c.Name], Base: c.Base})
	}
	if len(tgt.Columns) == 0 {
		return tgt, l.errorf("table %s: the catalog lists no columns", t)
	}
	return tgt, nil
}

// column finds the writer column of a source field: -1 when the table has
// no such column, -2 when it has one the writer does not write.
func (t *cdcTable) column(d dialects.Dialect, field string) int {
	if j, ok := t.byName[field]; ok {
		return j
	}
	j := -1
	if i := matchColumn(d, field, t.info.Columns); i >= 0 {
		j = -2
		for k, c := range t.cols {
			if c.Name == t.info.Columns[i].Name {
				j = k
			}
		}
	}
	t.byName[field] = j
	return j
}

// checkKey compares the source's key with the table's key once per run:
// applying by another key would change the wrong rows.
func (t *cdcTable) checkKey(d dialects.Dialect, key []change.Field) error {
	var src []string
	for _, f := range key {
		i := matchColumn(d, f.Name, t.info.Columns)
		if i < 0 {
			return fmt.Errorf("table %s has no column for the source key field %q", t.name, f.Name)
		}
		src = append(src, t.info.Columns[i].Name)
	}
	if !sameSet(src, t.keyNames) {
		sort.Strings(src)
		return fmt.Errorf("the source key (%s) is not the key of table %s (%s): events would be applied to the wrong rows; make them the same (target key: or the table's primary key)", strings.Join(src, ", "), t.name, strings.Join(t.keyNames, ", "))
	}
	return nil
}
