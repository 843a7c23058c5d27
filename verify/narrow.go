package verify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl/dialects"
)

// intRanges narrows a table with a single integer key to the key ranges
// whose checksums differ, each about RangeRows rows: the range from the
// smallest to the largest key of both sides is cut into equal parts, one
// GROUP BY per side checksums them all, and a differing part holding many
// more rows than RangeRows (keys far from evenly spread) is cut again.
func (c *comparer) intRanges(ctx context.Context, rows int64) ([]sideSQL, error) {
	lo, hi, ok, err := c.keyBounds(ctx)
	if err != nil || !ok {
		return nil, err
	}
	return c.splitRange(ctx, lo, hi, rows, 0)
}

func (c *comparer) keyBounds(ctx context.Context) (lo, hi int64, ok bool, err error) {
	// min, max of each side; nil for an empty side
	sb, db, err := both(c, func(sd *side) ([]int64, error) {
		r, err := sd.conn.Query(ctx, dialects.MinMaxSQL(sd.q.From, sd.keyExpr, sd.q.Where))
		if err != nil || len(r) != 1 || r[0][0] == nil {
			return nil, err
		}
		a, err1 := strconv.ParseInt(text(r[0][0]), 10, 64)
		b, err2 := strconv.ParseInt(text(r[0][1]), 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("key bounds %q, %q are not integers", text(r[0][0]), text(r[0][1]))
		}
		return []int64{a, b}, nil
	})
	switch {
	case err != nil || (sb == nil && db == nil):
		return 0, 0, false, err
	case sb == nil:
		return db[0], db[1], true, nil
	case db == nil:
		return sb[0], sb[1], true, nil
	}
	return min(sb[0], db[0]), max(sb[1], db[1]), true, nil
}

// between is the condition lo ≤ key ≤ hi on a side.
func between(lo, hi int64) sideSQL {
	return func(sd *side) string {
		return sd.keyExpr + " >= " + strconv.FormatInt(lo, 10) + " AND " + sd.keyExpr + " <= " + strconv.FormatInt(hi, 10)
	}
}

func (c *comparer) splitRange(ctx context.Context, lo, hi, rows int64, depth int) ([]sideSQL, error) {
	if lo < 0 && hi >= 0 && hi-lo < 0 {
		// key - lo would overflow 64 bits in the database: the negative
		// and the other keys apart.
		neg, err := c.splitRange(ctx, lo, -1, rows/2+1, depth)
		if err != nil {
			return nil, err
		}
		pos, err := c.splitRange(ctx, 0, hi, rows/2+1, depth)
		return append(neg, pos...), err
	}
	parts := max(1, rows/int64(c.opts.RangeRows))
	span := uint64(hi-lo) + 1 // at most 2⁶³: the range was split at 0
	width := max(1, span/uint64(parts)+1)
	w := strconv.FormatUint(width, 10)
	bucket := func(sd *side) string {
		return sd.cs.IntDiv(sd.keyExpr+" - ("+strconv.FormatInt(lo, 10)+")", w)
	}
	s, d, err := c.bucketSums(ctx, bucket, between(lo, hi))
	if err != nil {
		return nil, err
	}
	var out []sideSQL
	for _, b := range differing(s, d) {
		n, err := strconv.ParseUint(b, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("range %q is not a number", b)
		}
		blo := lo + int64(n*width)
		bhi := hi
		if n*width+width-1 < span-1 {
			bhi = blo + int64(width) - 1
		}
		cnt := max(count(s[b]), count(d[b]))
		if cnt > 4*int64(c.opts.RangeRows) && width > 1 && depth < 8 {
			more, err := c.splitRange(ctx, blo, bhi, cnt, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
			continue
		}
		out = append(out, between(blo, bhi))
	}
	return out, nil
}

func count(s sums) int64 {
	n, _ := strconv.ParseInt(s[0], 10, 64)
	return n
}

// differing returns the buckets whose sums differ (or that one side
// lacks), in numeric order.
func differing(s, d map[string]sums) []string {
	var out []string
	for b, v := range s {
		if d[b] != v {
			out = append(out, b)
		}
	}
	for b := range d {
		if _, ok := s[b]; !ok {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		x, _ := strconv.ParseInt(a, 10, 64)
		y, _ := strconv.ParseInt(b, 10, 64)
		return int(min(max(x-y, -1), 1))
	})
	return out
}

// hashBuckets narrows a table whose key is not a single integer by
// buckets of the key's digest, about RangeRows rows each: buckets, unlike
// ranges of text keys, hold the same rows whatever the databases'
// collations.
func (c *comparer) hashBuckets(ctx context.Context, rows int64) ([]sideSQL, error) {
	parts := max(1, rows/int64(c.opts.RangeRows))
	w := strconv.FormatInt((1<<32)/parts+1, 10)
	bucket := func(sd *side) string {
		return sd.cs.IntDiv(sd.cs.DigestWord(sd.cs.Digest(sd.cs.RowText(sd.keyCanon, c.keyDelimited())), 0), w)
	}
	s, d, err := c.bucketSums(ctx, bucket, none)
	if err != nil {
		return nil, err
	}
	diff := differing(s, d)
	var out []sideSQL
	for len(diff) > 0 {
		n := min(len(diff), 50)
		in := strings.Join(diff[:n], ", ")
		diff = diff[n:]
		out = append(out, func(sd *side) string { return bucket(sd) + " IN (" + in + ")" })
	}
	return out, nil
}

// keyDelimited are the tokens of the key columns (RowText).
func (c *comparer) keyDelimited() []bool {
	out := make([]bool, len(c.pl.key))
	for i, k := range c.pl.key {
		out[i] = c.src.q.Delimited[k]
	}
	return out
}
