package verify

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// side is one table of a pair, open.
type side struct {
	d    dialects.SourceDialect
	cs   dialects.Checksummer
	conn dialects.SourceConn
	// conns are the sessions of Options.Parallel (conn first).
	conns []dialects.SourceConn
	q     dialects.ChecksumQuery
	// types are the compared columns' xcetl types; keyCanon the key
	// columns' canonical expressions; keyExpr the single key column's
	// read expression (integer keys).
	types    []xcetl.Type
	keyTypes []xcetl.Type
	keyCanon []string
	keyExpr  string
}

// plan is what is compared, by position: cols[i] on the source is
// tcols[i] on the target; key[i] indexes cols.
type plan struct {
	cols, tcols []string
	key         []int
	// skipped are the target names of the columns not compared.
	skipped []string
}

func openSide(ctx context.Context, s Side, opts Options) (*side, *dialects.SourceTable, error) {
	d, ok := dialects.LookupSource(s.Driver)
	if !ok {
		return nil, nil, fmt.Errorf("unknown driver %q (known: %s)", s.Driver, strings.Join(dialects.SourceNames(), ", "))
	}
	cs, ok := d.(dialects.Checksummer)
	if !ok {
		return nil, nil, fmt.Errorf("%s tables cannot be verified: its dialect has no checksums", d.Product())
	}
	conn, err := d.OpenSource(ctx, s.DSN.Reveal(), dialects.SourceEnv{Logger: opts.Logger, BaseDir: s.BaseDir})
	if err != nil {
		return nil, nil, err
	}
	st, err := conn.DescribeSource(ctx, s.Table)
	if err == nil && st == nil {
		err = fmt.Errorf("table %s does not exist (%s)", s.Table, d.RedactDSN(s.DSN.Reveal()))
	}
	if err != nil {
		_ = conn.Close(ctx)
		return nil, nil, err
	}
	sd := &side{d: d, cs: cs, conn: conn, conns: []dialects.SourceConn{conn}}
	for len(sd.conns) < opts.Parallel {
		more, err := d.OpenSource(ctx, s.DSN.Reveal(), dialects.SourceEnv{Logger: opts.Logger, BaseDir: s.BaseDir})
		if err != nil {
			sd.close(ctx)
			return nil, nil, err
		}
		sd.conns = append(sd.conns, more)
	}
	return sd, st, nil
}

func (sd *side) close(ctx context.Context) {
	for _, c := range sd.conns {
		_ = c.Close(ctx)
	}
}

// build sets the side's expressions for the columns names (key: indexes).
// like are the other side's types (nil for the source): a column this side
// reads as text whose copy is typed (SQLite keeps decimals and times as
// TEXT) is read as the other's type, so that its text is canonicalised as
// that type's.
func (sd *side) build(s Side, st *dialects.SourceTable, names []string, key []int, like []xcetl.Type) error {
	sd.q = dialects.ChecksumQuery{D: sd.d, CS: sd.cs, From: dialects.QualifiedSourceName(sd.d, st.Table), Where: s.Where}
	exprs := make([]string, len(names))
	for i, n := range names {
		c := st.Column(n)
		if c == nil {
			return fmt.Errorf("table %s has no column %q", st.Table, n)
		}
		o := s.Read
		if t, ok := s.Types[n]; ok {
			o.Override = &t
		} else if t, ok := s.Types[c.NativeType]; ok {
			o.Override = &t
		}
		r, err := sd.d.ReadColumn(st.Table, *c, o)
		if err != nil {
			return err
		}
		if like != nil && o.Override == nil && r.Type.Kind == xcetl.KindString && like[i].Kind != xcetl.KindString {
			o.Override = &like[i]
			if r, err = sd.d.ReadColumn(st.Table, *c, o); err != nil {
				return err
			}
		}
		canon, err := sd.cs.CanonicalExpr(r.Expr, *c, r.Type, o)
		if err != nil {
			return err
		}
		exprs[i] = r.Expr
		sd.q.Canon = append(sd.q.Canon, canon)
		sd.types = append(sd.types, r.Type)
	}
	for _, k := range key {
		sd.keyCanon = append(sd.keyCanon, sd.q.Canon[k])
		sd.keyTypes = append(sd.keyTypes, sd.types[k])
	}
	if len(key) == 1 {
		sd.keyExpr = exprs[key[0]]
	}
	return nil
}

// planOf resolves the pair's columns and key against the source table.
func planOf(p Pair, st *dialects.SourceTable, tr *TableResult) (plan, error) {
	var pl plan
	src := p.Source.Columns
	if src == nil {
		for _, c := range st.Columns {
			src = append(src, c.Name)
		}
	}
	tgt := p.Target.Columns
	if tgt == nil {
		tgt = src
	}
	if len(tgt) != len(src) {
		return pl, fmt.Errorf("%d source columns but %d target columns", len(src), len(tgt))
	}
	for i, c := range src {
		if why, ok := p.Skip[c]; ok {
			if tr.NotCompared == nil {
				tr.NotCompared = map[string]string{}
			}
			tr.NotCompared[c] = why
			pl.skipped = append(pl.skipped, tgt[i])
			continue
		}
		pl.cols, pl.tcols = append(pl.cols, c), append(pl.tcols, tgt[i])
	}
	key := p.Key
	if key == nil {
		key = st.PrimaryKey
	}
	for _, k := range key {
		i := slices.Index(pl.cols, k)
		if i < 0 {
			return pl, fmt.Errorf("key column %q is not compared (it must reach the target unchanged)", k)
		}
		pl.key = append(pl.key, i)
	}
	tr.Key, tr.Compared = key, pl.cols
	return pl, nil
}

// compareTable fills tr; its error makes the table StatusError.
func compareTable(ctx context.Context, p Pair, opts Options, tr *TableResult) error {
	src, st, err := openSide(ctx, p.Source, opts)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer src.close(ctx)
	dst, dt, err := openSide(ctx, p.Target, opts)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer dst.close(ctx)
	pl, err := planOf(p, st, tr)
	if err != nil {
		return err
	}
	if err := src.build(p.Source, st, pl.cols, pl.key, nil); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if err := dst.build(p.Target, dt, pl.tcols, pl.key, src.types); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	for i := range src.types {
		d := dialects.Delimits(src.types[i], dst.types[i])
		src.q.Delimited, dst.q.Delimited = append(src.q.Delimited, d), append(dst.q.Delimited, d)
	}
	c := &comparer{p: p, opts: opts, src: src, dst: dst, pl: pl, tr: tr}
	return c.run(ctx)
}

type comparer struct {
	p        Pair
	opts     Options
	src, dst *side
	pl       plan
	tr       *TableResult
}

// sums is one range's count and checksum (modulo 2⁶⁴), as text.
type sums [2]string

// both runs f on the source and the target at once.
func both[T any](c *comparer, f func(*side) (T, error)) (src, dst T, err error) {
	var wg sync.WaitGroup
	var errA error
	wg.Add(1)
	go func() { defer wg.Done(); src, errA = f(c.src) }()
	dst, errB := f(c.dst)
	wg.Wait()
	if errA != nil {
		return src, dst, fmt.Errorf("source: %w", errA)
	}
	if errB != nil {
		return src, dst, fmt.Errorf("target: %w", errB)
	}
	return src, dst, nil
}

// sideSQL renders a piece of SQL for one side (its expressions differ).
type sideSQL func(*side) string

func none(*side) string { return "" }

// bucketSums runs Sums on both sides: bucket → sums (bucket "" without).
func (c *comparer) bucketSums(ctx context.Context, bucket, cond sideSQL) (src, dst map[string]sums, err error) {
	get := func(sd *side) (map[string]sums, error) {
		b := bucket(sd)
		q := sd.q.Sums(b, cond(sd))
		start := time.Now()
		rows, err := sd.conn.Query(ctx, q)
		c.opts.Logger.Debug("checksum", "table", sd.q.From, "sql", q, "seconds", time.Since(start).Seconds())
		if err != nil {
			return nil, err
		}
		out := map[string]sums{}
		for _, r := range rows {
			var k string
			if b != "" {
				k, r = text(r[0]), r[1:]
			}
			sum, err := checksumOf(r[1:])
			if err != nil {
				return nil, err
			}
			out[k] = sums{text(r[0]), sum}
		}
		return out, nil
	}
	return both(c, get)
}

func text(v any) string {
	if v == nil {
		return ""
	}
	s, _ := dialects.TextOf(v)
	return s
}

// checksumOf combines the Checksums aggregates of a range modulo 2⁶⁴:
// one sum, or hi·2³² + lo (NULL over no rows is 0).
func checksumOf(vals []any) (string, error) {
	total := new(big.Int)
	for _, v := range vals {
		n := new(big.Int)
		if v != nil {
			if _, ok := n.SetString(dialects.CanonicalDecimal(text(v)), 10); !ok {
				return "", fmt.Errorf("checksum %q is not an integer", text(v))
			}
		}
		total.Lsh(total, 32).Add(total, n)
	}
	return total.Mod(total, two64).String(), nil
}

var two64 = new(big.Int).Lsh(big.NewInt(1), 64)

func (c *comparer) run(ctx context.Context) error {
	s, d, err := c.wholeSums(ctx)
	if err != nil {
		return err
	}
	c.tr.SourceRows, _ = strconv.ParseInt(s[""][0], 10, 64)
	c.tr.TargetRows, _ = strconv.ParseInt(d[""][0], 10, 64)
	if s[""] == d[""] {
		return nil
	}
	if len(c.pl.key) == 0 {
		c.tr.Note = "the table has no primary key (and verify was given none): its rows differ, but cannot be told apart by key"
		return nil
	}
	rows := max(c.tr.SourceRows, c.tr.TargetRows)
	var conds []sideSQL
	if c.intKey() {
		conds, err = c.intRanges(ctx, rows)
	} else {
		conds, err = c.hashBuckets(ctx, rows)
	}
	if err != nil {
		return err
	}
	for _, cond := range conds {
		if c.tr.Diffs() >= c.opts.MaxDiffs {
			c.tr.Truncated = true
			break
		}
		if err := c.diffRows(ctx, cond); err != nil {
			return err
		}
	}
	return nil
}

// intKey reports a single integer key on both sides.
func (c *comparer) intKey() bool {
	return len(c.pl.key) == 1 && c.src.keyTypes[0].Kind == xcetl.KindInt && c.dst.keyTypes[0].Kind == xcetl.KindInt
}

// wholeSums is the whole table's count and checksum on both sides: one
// statement per side, or, with Options.Parallel sessions and a single
// integer key, the sums of parts of the key range read at once.
func (c *comparer) wholeSums(ctx context.Context) (src, dst map[string]sums, err error) {
	n := int64(c.opts.Parallel)
	if n <= 1 || !c.intKey() {
		return c.bucketSums(ctx, none, none)
	}
	lo, hi, ok, err := c.keyBounds(ctx)
	if err != nil || !ok {
		if err == nil {
			return c.bucketSums(ctx, none, none)
		}
		return nil, nil, err
	}
	width := max(1, (uint64(hi-lo)+1)/uint64(n)+1)
	if uint64(hi-lo)+1 == 0 { // the whole 64-bit range
		width = 1 << 62
	}
	var parts []sideSQL
	for a := lo; ; {
		b := hi
		if uint64(hi-a) >= width {
			b = a + int64(width) - 1
		}
		parts = append(parts, between(a, b))
		if b == hi {
			break
		}
		a = b + 1
	}
	return both(c, func(sd *side) (map[string]sums, error) { return partSums(ctx, sd, parts) })
}

// partSums runs the parts' checksums on a side's sessions at once and
// adds them up.
func partSums(ctx context.Context, sd *side, parts []sideSQL) (map[string]sums, error) {
	res := make([][]any, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn := sd.conns[i%len(sd.conns)]
			var rows [][]any
			rows, errs[i] = conn.Query(ctx, sd.q.Sums("", part(sd)))
			if errs[i] == nil && len(rows) == 1 {
				res[i] = rows[0]
			}
		}()
	}
	wg.Wait()
	count, sum := new(big.Int), new(big.Int)
	for i := range parts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		n, ok := new(big.Int).SetString(text(res[i][0]), 10)
		s, err := checksumOf(res[i][1:])
		if !ok || err != nil {
			return nil, fmt.Errorf("checksum of a part: %v %v", res[i], err)
		}
		v, _ := new(big.Int).SetString(s, 10)
		count.Add(count, n)
		sum.Add(sum, v)
	}
	return map[string]sums{"": {count.String(), sum.Mod(sum, two64).String()}}, nil
}
