package sql

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// keyCol is a column the source orders, chunks or resumes by.
type keyCol struct {
	name     string
	quoted   string
	read     dialects.ColumnRead
	pos      int // position in the SELECT list
	nullable bool
}

// orderKey is how a table is chunked and resumed.
type orderKey struct {
	// chunk is the chunk column, nil for one chunk of the whole table.
	chunk *keyCol
	// order is the ORDER BY and resume key: the chunk column first (when
	// set), then the primary key's other columns.
	order []keyCol
	// nullOrder orders the chunk of rows whose chunk column is NULL: order
	// without the chunk column.
	nullOrder []keyCol
	// unique: order is known to identify a row (it holds the primary key).
	unique bool
	// extra are key columns read although not in `columns:`, after them.
	extra []keyCol
}

// pickKey chooses the chunk column and the order key (see orderKey) from
// the catalog, and checks that commit: batch can resume by them.
func (e *Extractor) pickKey(cols []dialects.SourceColumn) error {
	all := cols
	if e.st != nil {
		all = e.st.Columns
	}
	byName := map[string]dialects.SourceColumn{}
	for _, c := range all {
		byName[c.Name] = c
	}
	k := &orderKey{}
	get := func(name string) (keyCol, error) {
		c, ok := byName[name]
		if !ok {
			return keyCol{}, e.errorf("has no column %q to chunk by", name)
		}
		kc := keyCol{name: name, quoted: e.d.Quote(name), nullable: c.Nullable, pos: -1}
		for i, sc := range e.schema.Columns {
			if sc.Name == name {
				kc.pos, kc.read = i, e.reads[i]
			}
		}
		if kc.pos < 0 {
			r, err := e.d.ReadColumn(e.table, c, dialects.ReadOptions{ZeroDates: dialects.ZeroDateNull})
			if err != nil {
				return keyCol{}, e.errorf("key column: %w", err)
			}
			kc.read, kc.pos = r, len(e.schema.Columns)+len(k.extra)
			k.extra = append(k.extra, kc)
		}
		return kc, nil
	}
	var pk []string
	if e.st != nil {
		pk = e.st.PrimaryKey
	}
	chunk := ""
	if e.spec.Chunk != nil && e.spec.Chunk.Column != "" {
		chunk = e.spec.Chunk.Column
	} else if len(pk) == 1 {
		if r, err := e.d.ReadColumn(e.table, byName[pk[0]], dialects.ReadOptions{}); err == nil && r.Type.Kind == xcetl.KindInt {
			chunk = pk[0]
		}
	}
	if chunk != "" {
		kc, err := get(chunk)
		if err != nil {
			return err
		}
		k.chunk = &kc
		k.order = append(k.order, kc)
	}
	for _, name := range pk {
		if name == chunk {
			continue
		}
		kc, err := get(name)
		if err != nil {
			return err
		}
		k.order = append(k.order, kc)
		k.nullOrder = append(k.nullOrder, kc)
	}
	k.unique = len(pk) > 0
	if k.chunk != nil && !k.chunk.nullable && len(k.order) > 0 {
		k.nullOrder = nil
	}
	e.key = k
	if !e.perBatch {
		return nil
	}
	switch {
	case len(k.order) == 0:
		return e.errorf("has no primary key and no chunk column, so a run with commit: batch could not resume where it stopped (committed rows would load twice): give chunk: {column: …} a unique column, or use commit: run")
	case k.chunk != nil && k.chunk.nullable && len(k.nullOrder) == 0:
		return e.errorf("chunk column %q may be NULL and the table has no primary key to order those rows by, so a run with commit: batch could not resume exactly: choose a NOT NULL chunk column, or use commit: run", k.chunk.name)
	}
	return nil
}

// encodeKey renders a key value for a checkpoint, so that decodeKey gives
// it back exactly.
func encodeKey(v any) (string, error) {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10), nil
	case string:
		return x, nil
	case xcetl.Decimal:
		return string(x), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x), nil
	}
	return "", fmt.Errorf("a key value of type %T cannot be checkpointed", v)
}

// decodeKey reads a value of kind k written by encodeKey, or the text of
// a watermark or a bound given by the user.
func decodeKey(s string, k xcetl.Kind) (any, error) {
	switch k {
	case xcetl.KindInt:
		return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	case xcetl.KindDecimal:
		if _, ok := new(big.Rat).SetString(strings.TrimSpace(s)); !ok {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return xcetl.Decimal(strings.TrimSpace(s)), nil
	case xcetl.KindFloat:
		return strconv.ParseFloat(strings.TrimSpace(s), 64)
	case xcetl.KindBool:
		return strconv.ParseBool(s)
	case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		for _, l := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
				return t, nil
			}
		}
		return nil, fmt.Errorf("%q is not a date or time", s)
	case xcetl.KindBytes:
		return base64.StdEncoding.DecodeString(s)
	}
	return s, nil
}

// incremental checks the watermark column (Open); its condition is built
// after Resume, when the committed watermark is known (whereSince).
func (e *Extractor) incremental() error {
	if e.wm == nil {
		return nil
	}
	if e.schema.Index(e.wm.Column()) < 0 {
		return e.errorf("incremental column %q is not among the columns read%s; columns: %s", e.wm.Column(),
			xcetl.DidYouMean(e.wm.Column(), e.schema.Names()), strings.Join(e.schema.Names(), ", "))
	}
	return nil
}

// whereSince returns the watermark condition's value, ok false without a
// committed watermark.
func (e *Extractor) whereSince() (any, bool, error) {
	if e.wm == nil {
		return nil, false, nil
	}
	s, ok := e.wm.Since()
	if !ok {
		return nil, false, nil
	}
	col := e.schema.Columns[e.schema.Index(e.wm.Column())]
	v, err := decodeKey(s, col.Type.Kind)
	if err != nil {
		return nil, false, e.errorf("the watermark %q of %s does not fit the column's type %s: %w", s, col.Name, col.Type, err)
	}
	return v, true, nil
}
