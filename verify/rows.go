package verify

import (
	"context"
	"slices"
	"strings"

	"github.com/xcetl/xcetl/dialects"
)

// row is one row's canonical text: key, then the compared columns (nil
// for NULL).
type row struct {
	key  []string
	vals []*string
}

// fetch reads the canonical text of the rows of one side that match cond,
// by key ("\x00"-joined key text).
func (c *comparer) fetch(ctx context.Context, sd *side, cond string) (map[string]row, []string, error) {
	exprs := append(slices.Clone(sd.keyCanon), sd.q.Canon...)
	rs, err := sd.conn.Query(ctx, sd.q.Rows(exprs, cond))
	if err != nil {
		return nil, nil, err
	}
	out := make(map[string]row, len(rs))
	var order []string
	nk := len(sd.keyCanon)
	for _, r := range rs {
		var w row
		for i, v := range r {
			var p *string
			if v != nil {
				s := text(v)
				p = &s
			}
			if i < nk {
				w.key = append(w.key, deref(p))
			} else {
				w.vals = append(w.vals, p)
			}
		}
		k := strings.Join(w.key, "\x00")
		if _, dup := out[k]; !dup {
			order = append(order, k)
		}
		out[k] = w
	}
	return out, order, nil
}

func deref(p *string) string {
	if p == nil {
		return "NULL"
	}
	return *p
}

// diffRows compares the rows of one range on both sides.
func (c *comparer) diffRows(ctx context.Context, cond sideSQL) error {
	type fetched struct {
		rows  map[string]row
		order []string
	}
	s, d, err := both(c, func(sd *side) (fetched, error) {
		m, o, err := c.fetch(ctx, sd, cond(sd))
		return fetched{m, o}, err
	})
	if err != nil {
		return err
	}
	src, dst, srcOrder, dstOrder := s.rows, d.rows, s.order, d.order
	slices.Sort(srcOrder)
	slices.Sort(dstOrder)
	for _, k := range srcOrder {
		if c.full() {
			return nil
		}
		s := src[k]
		d, ok := dst[k]
		if !ok {
			c.tr.Missing = append(c.tr.Missing, c.shown(s.key))
			c.fix().inserts = append(c.fix().inserts, s.vals)
			continue
		}
		if cols := c.differ(s, d); len(cols) > 0 {
			names := make([]string, len(cols))
			for i, j := range cols {
				names[i] = c.pl.cols[j]
			}
			c.tr.Different = append(c.tr.Different, Diff{Key: c.shown(s.key), Columns: names})
			c.fix().updates = append(c.fix().updates, fixUpdate{key: d.key, cols: cols, vals: s.vals})
		}
	}
	for _, k := range dstOrder {
		if c.full() {
			return nil
		}
		if _, ok := src[k]; !ok {
			c.tr.Extra = append(c.tr.Extra, c.shown(dst[k].key))
			c.fix().deletes = append(c.fix().deletes, dst[k].key)
		}
	}
	return nil
}

func (c *comparer) full() bool {
	if c.tr.Diffs() >= c.opts.MaxDiffs {
		c.tr.Truncated = true
		return true
	}
	return false
}

// differ returns the indexes of the columns whose values differ.
func (c *comparer) differ(s, d row) []int {
	var out []int
	for i := range s.vals {
		a, b := s.vals[i], d.vals[i]
		switch {
		case a == nil && b == nil:
		case a == nil || b == nil:
			out = append(out, i)
		case !dialects.EqualCanonical(*a, *b, c.src.types[i], c.dst.types[i]):
			out = append(out, i)
		}
	}
	return out
}

// shown is a key as printed: hidden when a key column is hidden.
func (c *comparer) shown(key []string) []string {
	for _, k := range c.pl.key {
		if slices.Contains(c.p.Hidden, c.pl.cols[k]) {
			out := make([]string, len(key))
			for i := range out {
				out[i] = "(hidden)"
			}
			return out
		}
	}
	return key
}
