package pipetest

import (
	"context"
	"encoding/json"
	"io"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
)

// records is the source of a case's inline records: as the api source
// hands on a JSON API's records, every field a nullable string column, in
// the order first seen, nested mappings flattened with _ (addr.city →
// addr_city), lists as their compact JSON.
type records struct {
	cols   []string
	schema *xcetl.Schema
	rows   [][]any
	index  map[string]int
	done   bool
}

func newRecords(recs []*config.Node) *records {
	r := &records{index: map[string]int{}}
	for _, rec := range recs {
		row := map[int]any{}
		r.flatten(rec, "", row)
		vals := make([]any, 0, len(r.cols))
		for j := range r.cols {
			vals = append(vals, row[j])
		}
		r.rows = append(r.rows, vals)
	}
	for i := range r.rows { // rows read before a later column appeared
		for len(r.rows[i]) < len(r.cols) {
			r.rows[i] = append(r.rows[i], nil)
		}
	}
	return r
}

func (r *records) flatten(n *config.Node, prefix string, row map[int]any) {
	if n == nil || n.Kind != config.Map {
		return
	}
	for _, e := range n.Entries {
		name := prefix + e.Key
		if e.Value.Kind == config.Map {
			r.flatten(e.Value, name+"_", row)
			continue
		}
		j, ok := r.index[name]
		if !ok {
			j = len(r.cols)
			r.index[name] = j
			r.cols = append(r.cols, name)
		}
		switch e.Value.Kind {
		case config.Scalar:
			row[j] = e.Value.Value
		case config.List:
			b, _ := json.Marshal(jsonOf(e.Value))
			row[j] = string(b)
		}
	}
}

func (r *records) Open(context.Context) (*xcetl.Schema, error) {
	r.schema = xcetl.NewStringSchema(r.cols)
	return r.schema, nil
}

func (r *records) Next(_ context.Context, _ int) (*xcetl.Batch, error) {
	if r.done || len(r.rows) == 0 {
		return nil, io.EOF
	}
	r.done = true
	b := &xcetl.Batch{Schema: r.schema, Rows: r.rows, RawHeader: r.cols}
	for i, row := range r.rows {
		b.Origin = append(b.Origin, xcetl.Origin{File: "records", Record: int64(i + 1)})
		raw := make([]string, len(row))
		for j, v := range row {
			if s, ok := v.(string); ok {
				raw[j] = s
			}
		}
		b.Raw = append(b.Raw, raw)
	}
	return b, nil
}

func (r *records) Close() error { return nil }
