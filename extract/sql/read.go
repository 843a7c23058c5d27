package sql

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// job is one chunk for a reader: its index in the plan, and the order key
// after which to continue (nil: from the chunk's start).
type job struct {
	index int
	after []string
}

// piece is what a reader hands to Next: up to a batch of rows of one chunk.
type piece struct {
	rows    [][]any
	rejects []xcetl.Reject
	chunk   int
	last    []string // order key of the last row read (nil: none in this piece)
	done    bool     // the chunk ends with this piece
	// With commit: batch, every entry's order key and whether it is a
	// reject, in read order: Next splits a piece at any entry when the
	// engine asks for fewer rows (--limit), keeping the checkpoint exact.
	keys   [][]string
	reject []bool
	// raw is the text of every row as read (nil: the engine makes it).
	raw [][]string
	err error
}

// runState is a run's readers.
type runState struct {
	ctx      context.Context
	cancel   context.CancelFunc
	out      chan piece
	wg       sync.WaitGroup
	conns    []dialects.SourceConn // the readers' sessions other than e.conn
	plan     plan
	progress progressState
	sentPlan bool
	final    bool // the closing batch was handed on
	where    string
	args     []any
	size     int
	// pending is the rest of a piece split by split, handed on first.
	pending *piece
	// tokens bounds the decoded pieces not yet handed to Next, whatever
	// the number of readers: decoded rows are what takes memory.
	tokens chan struct{}
}

// start plans the run, starts the snapshot and the readers.
func (e *Extractor) start(ctx context.Context, size int) error {
	r := &runState{size: max(size, 1)}
	q := dialects.NewSelect(e.d)
	if w := strings.TrimSpace(e.spec.Where); w != "" {
		q.Where(w)
	}
	if v, ok, err := e.whereSince(); err != nil {
		return err
	} else if ok {
		q.After(e.d.Quote(e.wm.Column()), v, e.spec.Incremental.Inclusive)
	}
	r.where, r.args = q.WhereSQL(), q.Args()
	if e.resume != nil {
		r.plan, r.progress = e.resume.plan, e.resume.progress
		r.sentPlan = true
	} else {
		pl, err := e.makePlan(ctx, r.where, r.args)
		if err != nil {
			return err
		}
		r.plan, r.progress = pl, progressState{Run: pl.Run}
	}
	if r.progress.At == nil {
		r.progress.At = map[string][]string{}
	}
	var jobs []job
	for i := range r.plan.Chunks {
		if !r.progress.isDone(i) {
			jobs = append(jobs, job{index: i, after: r.progress.At[strconv.Itoa(i)]})
		}
	}
	readers, err := e.openReaders(ctx, r, min(e.spec.Parallel, max(len(jobs), 1)))
	if err != nil {
		return err
	}
	r.ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	r.out = make(chan piece, len(readers))
	r.tokens = make(chan struct{}, min(len(readers), 2)+1)
	queue := make(chan job, len(jobs))
	for _, j := range jobs {
		queue <- j
	}
	close(queue)
	for _, c := range readers {
		r.wg.Add(1)
		go func(c dialects.SourceConn) {
			defer r.wg.Done()
			e.reader(r, c, queue)
		}(c)
	}
	go func() { r.wg.Wait(); close(r.out) }()
	e.run = r
	e.log.Info("sql source: reading", "source", e.what(), "chunks", len(r.plan.Chunks), "to_read", len(jobs), "readers", len(readers))
	return nil
}

// openReaders returns the sessions that read, each in the run's snapshot:
// the first session itself for one reader; otherwise new sessions put
// into one snapshot by the first (or each in its own, with snapshot:
// per_reader).
func (e *Extractor) openReaders(ctx context.Context, r *runState, n int) ([]dialects.SourceConn, error) {
	if n <= 1 {
		if err := e.conn.BeginRead(ctx); err != nil {
			return nil, e.errorf("%w", err)
		}
		return []dialects.SourceConn{e.conn}, nil
	}
	for len(r.conns) < n {
		c, err := e.d.OpenSource(ctx, e.spec.DSN.Reveal(), dialects.SourceEnv{Logger: e.log, BaseDir: e.env.BaseDir})
		if err != nil {
			e.closeConns(r)
			return nil, e.errorf("reader %d: %w", len(r.conns)+1, err)
		}
		r.conns = append(r.conns, c)
	}
	if e.spec.Snapshot == "per_reader" {
		for _, c := range r.conns {
			if err := c.BeginRead(ctx); err != nil {
				e.closeConns(r)
				return nil, e.errorf("%w", err)
			}
		}
		e.log.Info("sql source: each reader reads in its own snapshot (snapshot: per_reader)", "readers", n)
		return r.conns, nil
	}
	var tables []dialects.Table
	if e.st != nil {
		tables = []dialects.Table{e.st.Table}
	}
	how, err := e.conn.ShareSnapshot(ctx, tables, r.conns)
	if err != nil {
		e.closeConns(r)
		if errors.Is(err, dialects.ErrNoSharedSnapshot) {
			return nil, e.errorf("%d readers cannot share one snapshot on %s: %w; use parallel: 1, or snapshot: per_reader if the readers may see different points in time", n, e.d.Product(), err)
		}
		return nil, e.errorf("%w", err)
	}
	e.log.Info("sql source: readers share one snapshot", "how", how)
	return r.conns, nil
}

func (e *Extractor) closeConns(r *runState) {
	for _, c := range r.conns {
		_ = c.Close(context.Background())
	}
	r.conns = nil
}

// stop cancels the readers, waits for them and closes their sessions.
func (r *runState) stop() error {
	r.cancel()
	for range r.out {
	}
	r.wg.Wait()
	var errs []error
	for _, c := range r.conns {
		errs = append(errs, c.Close(context.Background()))
	}
	return errors.Join(errs...)
}

// send hands a piece to Next; false when the run was cancelled.
func (r *runState) send(p piece) bool {
	select {
	case r.out <- p:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// reader reads chunks from the queue until it is empty.
func (e *Extractor) reader(r *runState, c dialects.SourceConn, queue <-chan job) {
	for j := range queue {
		if err := e.readChunk(r, c, j); err != nil {
			r.send(piece{err: err})
			r.cancel()
			return
		}
	}
}

// readChunk streams one chunk and sends its rows in pieces.
func (e *Extractor) readChunk(r *runState, c dialects.SourceConn, j job) error {
	ch := r.plan.Chunks[j.index]
	q := dialects.NewSelect(e.d)
	for _, a := range r.args {
		q.Arg(a)
	}
	if r.where != "" {
		q.Where(r.where)
	}
	if err := e.chunkConds(q, ch); err != nil {
		return err
	}
	order := e.key.order
	if ch.Null {
		order = e.key.nullOrder
	}
	var orderBy []string
	if e.perBatch {
		for _, k := range order {
			orderBy = append(orderBy, k.quoted)
		}
		if j.after != nil {
			vals := make([]any, len(order))
			for i, k := range order {
				v, err := decodeKey(j.after[i], k.read.Type.Kind)
				if err != nil {
					return e.errorf("the stored position %v in chunk %s: %w", j.after, fmtChunk(ch), err)
				}
				vals[i] = v
			}
			q.Where(q.KeyAfter(orderBy, vals))
		}
	}
	exprs := make([]string, 0, len(e.reads)+len(e.key.extra))
	for _, rd := range e.reads {
		exprs = append(exprs, rd.Expr)
	}
	for _, k := range e.key.extra {
		exprs = append(exprs, k.read.Expr)
	}
	rows, err := c.Stream(r.ctx, q.SQL(exprs, e.from, orderBy), q.Args()...)
	if err != nil {
		return e.errorf("read chunk %s: %w", fmtChunk(ch), err)
	}
	defer rows.Close()
	return e.stream(r, rows, j.index, ch, order)
}

// rawPiece is up to a batch of rows as the driver gave them, copied:
// text rows in one buffer (idx holds start and end of every value, start
// -1 for NULL), other rows as their values.
type rawPiece struct {
	buf  []byte
	idx  []int32
	vals [][]any
	n    int
	done bool
	err  error
}

// stream reads a chunk in two stages, so that reading from the database
// and decoding run on two goroutines: this one copies the rows off the
// connection, a second decodes them and sends the pieces on, in order.
func (e *Extractor) stream(r *runState, rows dialects.SourceRows, index int, ch chunkRange, order []keyCol) error {
	raws := make(chan rawPiece)
	decoded := make(chan error, 1)
	go func() { decoded <- e.decodePieces(r, raws, index, ch, order) }()
	err := e.collect(r, rows, raws)
	close(raws)
	if derr := <-decoded; derr != nil {
		return derr
	}
	if err != nil {
		return e.errorf("read chunk %s: %w", fmtChunk(ch), err)
	}
	return nil
}

// collect copies rows into raw pieces of r.size rows.
func (e *Extractor) collect(r *runState, rows dialects.SourceRows, raws chan<- rawPiece) error {
	ncol := len(e.reads) + len(e.key.extra)
	text, _ := rows.(dialects.TextRows)
	cur := rawPiece{}
	send := func(p rawPiece) bool {
		select {
		case raws <- p:
			return true
		case <-r.ctx.Done():
			return false
		}
	}
	for rows.Next() {
		if text != nil {
			if cur.idx == nil {
				cur.idx = make([]int32, 0, 2*ncol*r.size)
			}
			for _, b := range text.Text() {
				if b == nil {
					cur.idx = append(cur.idx, -1, -1)
					continue
				}
				cur.idx = append(cur.idx, int32(len(cur.buf)))
				cur.buf = append(cur.buf, b...)
				cur.idx = append(cur.idx, int32(len(cur.buf)))
			}
		} else {
			cur.vals = append(cur.vals, append([]any(nil), rows.Values()...))
		}
		cur.n++
		if cur.n >= r.size {
			if !send(cur) {
				return r.ctx.Err()
			}
			cur = rawPiece{buf: make([]byte, 0, cap(cur.buf))}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cur.done = true
	if !send(cur) {
		return r.ctx.Err()
	}
	return nil
}

// decodePieces decodes raw pieces and sends them to Next, in order.
func (e *Extractor) decodePieces(r *runState, raws <-chan rawPiece, index int, ch chunkRange, order []keyCol) error {
	ncol, width := len(e.reads), len(e.reads)+len(e.key.extra)
	var prevKey string
	checkUnique := e.perBatch && !e.key.unique
	vals := make([]any, width)
	texts := make([]string, width)
	nulls := make([]bool, width)
	for {
		// The token first: while Next has enough decoded batches, the
		// readers wait with at most one raw batch each.
		select {
		case r.tokens <- struct{}{}:
		case <-r.ctx.Done():
			return r.ctx.Err()
		}
		raw, ok := <-raws
		if !ok {
			<-r.tokens
			return nil
		}
		cur := piece{chunk: index, done: raw.done}
		slab := make([]any, raw.n*ncol)
		var rawSlab []string
		var all string
		if raw.vals == nil {
			rawSlab = make([]string, raw.n*ncol)
			// The buffer is never written again once collect handed it
			// on: every text value of the batch is cut out of it, without
			// a copy of its own.
			all = unsafe.String(unsafe.SliceData(raw.buf), len(raw.buf))
		}
		for i := 0; i < raw.n; i++ {
			row := slab[i*ncol : (i+1)*ncol : (i+1)*ncol]
			var reject *xcetl.Reject
			if raw.vals != nil {
				copy(vals, raw.vals[i])
				reject = e.decodeAny(vals, row)
			} else {
				for k := 0; k < width; k++ {
					a, b := raw.idx[2*(i*width+k)], raw.idx[2*(i*width+k)+1]
					nulls[k] = a < 0
					if a >= 0 {
						texts[k] = all[a:b]
					}
				}
				rawRow := rawSlab[i*ncol : (i+1)*ncol : (i+1)*ncol]
				reject = e.decodeText(texts, nulls, row, vals, rawRow)
				if reject == nil {
					cur.raw = append(cur.raw, rawRow)
				}
			}
			if reject != nil {
				cur.rejects = append(cur.rejects, *reject)
			} else {
				cur.rows = append(cur.rows, row)
			}
			if !e.perBatch {
				continue
			}
			cur.reject = append(cur.reject, reject != nil)
			last, err := e.orderValues(vals, row, order)
			if err != nil {
				return err
			}
			if checkUnique {
				joined := strings.Join(last, "\x00")
				if joined == prevKey {
					return e.errorf("chunk column %q is not unique (%v appears twice), so a run with commit: batch could not resume exactly by it: choose a unique chunk column, or use commit: run", e.key.chunk.name, last)
				}
				prevKey = joined
			}
			cur.last = last
			cur.keys = append(cur.keys, last)
		}
		if raw.n == 0 && !raw.done {
			<-r.tokens
			continue
		}
		if !r.send(cur) {
			return r.ctx.Err()
		}
	}
}

// decodeAny decodes a row of driver values into row.
func (e *Extractor) decodeAny(vals, row []any) *xcetl.Reject {
	var reject *xcetl.Reject
	for i := range row {
		if vals[i] == nil {
			continue
		}
		out, err := e.reads[i].Decode(vals[i])
		if err != nil {
			if reject == nil {
				reject = e.reject(vals, i, err)
			}
			continue
		}
		row[i] = out
	}
	return reject
}

// decodeText decodes a row of text values into row and its text, as read,
// into raw (bytes as hex, as the engine writes them in reject files). vals
// receives the boxed values a reject or the order key needs.
func (e *Extractor) decodeText(texts []string, nulls []bool, row, vals []any, raw []string) *xcetl.Reject {
	var reject *xcetl.Reject
	box := func(from int) {
		for k := from; k < len(texts); k++ {
			if nulls[k] {
				vals[k] = nil
			} else {
				vals[k] = texts[k]
			}
		}
	}
	for i := range row {
		if nulls[i] {
			raw[i] = ""
			continue
		}
		rd := &e.reads[i]
		s := texts[i]
		raw[i] = s
		var out any
		var err error
		switch {
		case rd.Text != nil:
			out, err = rd.Text(s)
		default:
			out, err = rd.Decode([]byte(s))
		}
		if rd.Type.Kind == xcetl.KindBytes {
			raw[i] = hex.EncodeToString([]byte(s))
		}
		if err != nil {
			if reject == nil {
				box(0)
				reject = e.reject(vals, i, err)
			}
			continue
		}
		row[i] = out
	}
	if e.perBatch && reject == nil {
		box(len(row)) // the order key's columns beyond the row
	}
	return reject
}

// orderValues returns the order key of a row as checkpoint text: decoded
// values of the row where it has them, else decoded from the driver's.
func (e *Extractor) orderValues(vals, row []any, order []keyCol) ([]string, error) {
	out := make([]string, len(order))
	for i, k := range order {
		var v any
		if k.pos < len(row) && row[k.pos] != nil {
			v = row[k.pos]
		} else if vals[k.pos] != nil {
			var err error
			if v, err = k.read.Decode(vals[k.pos]); err != nil {
				return nil, e.errorf("key column %s: %w", k.name, err)
			}
		}
		s, err := encodeKey(v)
		if err != nil {
			return nil, e.errorf("key column %s: %w", k.name, err)
		}
		out[i] = s
	}
	return out, nil
}

// reject describes a row with a value that cannot be read.
func (e *Extractor) reject(vals []any, col int, err error) *xcetl.Reject {
	raw := make([]string, len(e.reads))
	for i := range raw {
		if vals[i] != nil {
			raw[i], _ = dialects.TextOf(vals[i])
		}
	}
	reason := err.Error()
	if !errors.Is(err, dialects.ErrRejectValue) {
		reason = "cannot read the value: " + reason
	}
	reason = strings.TrimPrefix(reason, dialects.ErrRejectValue.Error()+": ")
	if key := e.rowKey(vals); key != "" {
		reason += " (row " + key + ")"
	}
	return &xcetl.Reject{Origin: xcetl.Origin{File: e.origin}, Raw: raw, Column: e.schema.Columns[col].Name, Field: col + 1, Reason: reason}
}

// rowKey renders the primary key of a row for messages: "id=7".
func (e *Extractor) rowKey(vals []any) string {
	if e.key == nil || len(e.key.order) == 0 {
		return ""
	}
	var parts []string
	for _, k := range e.key.order {
		s, _ := dialects.TextOf(vals[k.pos])
		parts = append(parts, k.name+"="+s)
	}
	return strings.Join(parts, ", ")
}

// Next implements extract.Extractor.
func (e *Extractor) Next(ctx context.Context, max int) (*xcetl.Batch, error) {
	if !e.opened {
		return nil, e.errorf("Next called before Open")
	}
	if e.run == nil {
		if err := e.start(ctx, max); err != nil {
			return nil, err
		}
	}
	r := e.run
	if r.pending != nil {
		p := *r.pending
		r.pending = nil
		return e.batch(e.split(p, max))
	}
	for {
		var p piece
		var ok bool
		select {
		case p, ok = <-r.out:
			if ok && p.err == nil {
				<-r.tokens
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if !ok {
			return e.closing()
		}
		if p.err != nil {
			return nil, p.err
		}
		if len(p.rows) == 0 && len(p.rejects) == 0 && !e.perBatch {
			continue
		}
		return e.batch(e.split(p, max))
	}
}

// split returns the first max entries of p (rows and rejects, in read
// order) and keeps the rest for the next call: the engine asks for fewer
// rows than a batch near its --limit, and the source must not hand on
// more (the engine would cut the batch and drop its checkpoint, though
// it commits the rows it keeps).
func (e *Extractor) split(p piece, max int) piece {
	n := len(p.rows) + len(p.rejects)
	if max <= 0 || n <= max {
		return p
	}
	head, tail := piece{chunk: p.chunk}, piece{chunk: p.chunk, done: p.done, last: p.last}
	if p.reject == nil {
		// Without checkpoints order does not matter: rows first.
		k := min(max, len(p.rejects))
		head.rejects, tail.rejects = p.rejects[:k], p.rejects[k:]
		head.rows, tail.rows = p.rows[:max-k], p.rows[max-k:]
		if p.raw != nil {
			head.raw, tail.raw = p.raw[:max-k], p.raw[max-k:]
		}
		e.run.pending = &tail
		return head
	}
	ri, ji := 0, 0
	for i, isReject := range p.reject {
		dst := &head
		if i >= max {
			dst = &tail
		}
		if isReject {
			dst.rejects = append(dst.rejects, p.rejects[ji])
			ji++
		} else {
			dst.rows = append(dst.rows, p.rows[ri])
			if p.raw != nil {
				dst.raw = append(dst.raw, p.raw[ri])
			}
			ri++
		}
		dst.reject = append(dst.reject, isReject)
		dst.keys = append(dst.keys, p.keys[i])
	}
	head.last = p.keys[max-1]
	e.run.pending = &tail
	return head
}

// batch turns a piece into a batch with its checkpoints.
func (e *Extractor) batch(p piece) (*xcetl.Batch, error) {
	r := e.run
	b := &xcetl.Batch{Schema: e.schema, Rows: p.rows, Rejects: p.rejects, Origin: make([]xcetl.Origin, len(p.rows))}
	if p.raw != nil {
		b.Raw, b.RawHeader = p.raw, e.names
	}
	start := e.done.Add(int64(len(p.rows)+len(p.rejects))) - int64(len(p.rows)+len(p.rejects))
	for i := range b.Origin {
		b.Origin[i] = xcetl.Origin{File: e.origin, Record: start + int64(i) + 1}
	}
	for i := range b.Rejects {
		b.Rejects[i].Origin.Record = start + int64(len(b.Rows)+i) + 1
	}
	if e.wm != nil {
		if err := e.wm.Track(b); err != nil {
			return nil, e.errorf("%w", err)
		}
	}
	if e.perBatch {
		if p.done {
			r.progress.finish(p.chunk)
		} else if p.last != nil {
			r.progress.At[strconv.Itoa(p.chunk)] = p.last
		}
		if !r.sentPlan {
			b.Checkpoints = append(b.Checkpoints, r.plan.checkpoints()...)
			r.sentPlan = true
		}
		b.Checkpoints = append(b.Checkpoints, r.progress.checkpoint())
	}
	return b, nil
}

// closing hands on, once, an empty batch that commits the end of the run:
// the progress marked complete (the next run starts afresh) and the
// watermark reached.
func (e *Extractor) closing() (*xcetl.Batch, error) {
	r := e.run
	if r.final {
		return nil, io.EOF
	}
	r.final = true
	b := &xcetl.Batch{Schema: e.schema}
	if e.perBatch {
		b.Checkpoints = append(b.Checkpoints, (&progressState{Run: r.plan.Run, Complete: true}).checkpoint())
	}
	if e.wm != nil {
		e.wm.Attach(b)
	}
	if len(b.Checkpoints) == 0 {
		return nil, io.EOF
	}
	return b, nil
}
