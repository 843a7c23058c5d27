package load

import (
	"context"
	"errors"
	"hash/maphash"
	"strconv"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// With commit: run the whole run is one transaction, so nothing a batch
// does is visible before COMMIT; a writer that is a dialects.Flusher may
// then hold work back (stream many batches into one COPY, stage an upsert
// and apply it once: see dialects.Target.Defer). The policy stays here:
//
//   - the loader flushes before COMMIT, and in mode upsert after every
//     dialects.MaxHeldPayloads payloads or dialects.MaxStagedRows rows (see
//     there why not more) and before a batch that repeats a key written
//     since the last flush (one statement must not apply two rows of one
//     key: ON CONFLICT refuses it, MERGE would insert both);
//   - the checkpoints of the run's batches are saved once, the last of
//     each key, after the final flush and before COMMIT — what saving each
//     batch's would leave in the same transaction, without interrupting a
//     streamed COPY;
//   - an error about a row of a payload held back names that payload's
//     batch and source row: the origins of the last
//     dialects.MaxHeldPayloads payloads are kept for that.

// deferred is the loader's side of a run that is one transaction.
type deferred struct {
	// f is the writer when it holds work back, else nil.
	f dialects.Flusher
	// keys holds a hash of every key staged since the last flush (mode
	// upsert only); seed hashes keys that are not a single integer.
	keys   *keySet
	seed   maphash.Seed
	staged int // payloads staged since the last flush
	// held are the last payloads written, for error messages; seq counts
	// the payloads given to the writer.
	held [dialects.MaxHeldPayloads + 1]heldPayload
	seq  int
	// cps are the checkpoints to save before COMMIT, in first-seen order.
	cps   []xcetl.Checkpoint
	cpIdx map[string]int
}

// heldPayload is what names the rows of one payload in an error.
type heldPayload struct {
	seq, batch int
	rows       []int // payload row → batch row; nil: one to one
	nrows      int   // rows in the batch
	origin     []xcetl.Origin
}

// startDefer sets up deferred work after the writer is made.
func (l *SQL) startDefer() {
	l.def = nil
	if !l.target.Defer {
		return
	}
	l.def = &deferred{cpIdx: map[string]int{}}
	if f, ok := l.w.(dialects.Flusher); ok {
		l.def.f = f
		if l.s.mode == dialects.Upsert {
			l.def.keys, l.def.seed = &keySet{}, maphash.MakeSeed()
		}
	}
}

// keyHashes hashes the key of each payload row (in Prepare, concurrently;
// nil unless an upsert is staged across batches).
func (l *SQL) keyHashes(b *xcetl.Batch, rows []int) []uint64 {
	d := l.def
	if d == nil || d.keys == nil {
		return nil
	}
	n := len(b.Rows)
	if rows != nil {
		n = len(rows)
	}
	out := make([]uint64, n)
	var buf []byte
	for i := range out {
		r := i
		if rows != nil {
			r = rows[i]
		}
		row := b.Rows[r]
		if len(l.keyIdx) == 1 {
			if v, ok := row[l.keyIdx[0]].(int64); ok {
				out[i] = mix64(uint64(v))
				continue
			}
		}
		buf = buf[:0]
		for _, k := range l.keyIdx {
			buf = appendKeyPart(buf, row[k])
		}
		out[i] = maphash.Bytes(d.seed, buf)
	}
	return out
}

// writeDeferred is Write for a run whose writer holds work back.
func (l *SQL) writeDeferred(ctx context.Context, b *xcetl.Batch, p *payload) error {
	d := l.def
	if err := d.addCheckpoints(l, b.Checkpoints); err != nil {
		return err
	}
	if p.n == 0 {
		return nil
	}
	if d.f == nil {
		if err := l.w.Write(ctx, p.data); err != nil {
			return l.rowError("batch "+strconv.Itoa(l.batches), b.Origin, len(b.Rows), p.rows, err)
		}
		return nil
	}
	if d.keys != nil {
		if d.staged >= dialects.MaxHeldPayloads || d.keys.n+len(p.keys) > dialects.MaxStagedRows || d.keys.anyOf(p.keys) {
			if err := l.flush(ctx); err != nil {
				return err
			}
		}
		d.keys.add(p.keys)
		d.staged++
	}
	d.seq++
	h := &d.held[d.seq%len(d.held)]
	h.seq, h.batch, h.nrows = d.seq, l.batches, len(b.Rows)
	h.rows = append(h.rows[:0], p.rows...)
	if p.rows == nil {
		h.rows = h.rows[:0:0]
	}
	h.origin = b.Origin // the batch's own: sources never reuse it
	if err := l.w.Write(ctx, p.data); err != nil {
		return l.heldRowError("batch "+strconv.Itoa(l.batches), b.Origin, len(b.Rows), p.rows, err)
	}
	return nil
}

// flush completes the held work.
func (l *SQL) flush(ctx context.Context) error {
	d := l.def
	if d.f == nil {
		return nil
	}
	if d.keys != nil {
		d.keys.reset()
	}
	d.staged = 0
	if err := d.f.Flush(ctx); err != nil {
		return l.heldRowError("flush", nil, 0, nil, err)
	}
	return nil
}

// finishDeferred flushes and saves the run's checkpoints before COMMIT.
func (l *SQL) finishDeferred(ctx context.Context) error {
	if err := l.flush(ctx); err != nil {
		return err
	}
	cps := l.def.cps
	l.def.cps, l.def.cpIdx = nil, map[string]int{}
	return l.saveCheckpoints(ctx, cps)
}

// addCheckpoints keeps the last checkpoint of each key for COMMIT,
// refusing bad ones at once as saveCheckpoints would.
func (d *deferred) addCheckpoints(l *SQL, cps []xcetl.Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	if err := l.checkCheckpoints(cps); err != nil {
		return err
	}
	for _, cp := range cps {
		cp.Value = append([]byte(nil), cp.Value...)
		if i, ok := d.cpIdx[cp.Key]; ok {
			d.cps[i] = cp
			continue
		}
		d.cpIdx[cp.Key] = len(d.cps)
		d.cps = append(d.cps, cp)
	}
	return nil
}

// heldRowError is rowError for a writer that may report a row of an
// earlier payload (dialects.RowError.Payload).
func (l *SQL) heldRowError(what string, origin []xcetl.Origin, nrows int, rows []int, err error) error {
	var re *dialects.RowError
	if errors.As(err, &re) && re.Payload > 0 && l.def != nil {
		h := &l.def.held[re.Payload%len(l.def.held)]
		if h.seq == re.Payload {
			rows := h.rows
			if len(rows) == 0 {
				rows = nil
			}
			return l.rowError("batch "+strconv.Itoa(h.batch), h.origin, h.nrows, rows, err)
		}
		// Older than what is kept: the batch is not known.
		return l.errorf("%s: a row of an earlier batch: %w", what, err)
	}
	return l.rowError(what, origin, nrows, rows, err)
}

// keySet is a set of 64-bit key hashes (open addressing; 0 marks an empty
// slot, so a hash of 0 is stored as 1: a collision only costs an early
// flush).
type keySet struct {
	slots []uint64
	n     int
}

func (s *keySet) reset() {
	clear(s.slots)
	s.n = 0
}

// anyOf reports whether one of hs is in the set.
func (s *keySet) anyOf(hs []uint64) bool {
	if s.n == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for _, h := range hs {
		if h == 0 {
			h = 1
		}
		for i := h & mask; ; i = (i + 1) & mask {
			v := s.slots[i]
			if v == h {
				return true
			}
			if v == 0 {
				break
			}
		}
	}
	return false
}

// add inserts hs, growing the table to stay at most half full (at first
// to its size for dialects.MaxStagedRows keys, so that a run's table is
// allocated once).
func (s *keySet) add(hs []uint64) {
	if need := 2 * (s.n + len(hs)); need > len(s.slots) {
		size := max(len(s.slots), 2*dialects.MaxStagedRows)
		for size < need {
			size *= 2
		}
		old := s.slots
		s.slots, s.n = make([]uint64, size), 0
		for _, h := range old {
			if h != 0 {
				s.insert(h)
			}
		}
	}
	for _, h := range hs {
		s.insert(h)
	}
}

func (s *keySet) insert(h uint64) {
	if h == 0 {
		h = 1
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return
		case 0:
			s.slots[i] = h
			s.n++
			return
		}
	}
}

// mix64 spreads an integer key over 64 bits (the splitmix64 finalizer), so
// that consecutive ids do not fill neighbouring slots.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
