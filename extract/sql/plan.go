package sql

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// The checkpoints of a run with commit: batch: the plan (committed with
// the first batch) and the progress (with every batch).
const (
	planKey     = "sql/plan"
	progressKey = "sql/progress"
)

// maxRangeChunks bounds the chunks of an integer column split by value
// ranges; a sparser column is split by boundary values found in the
// database instead.
const maxRangeChunks = 100000

// chunkRange is one chunk: chunk column values in (Lo, Hi], nil for an open
// end; Null for the rows whose chunk column is NULL. Bounds are encodeKey
// text.
type chunkRange struct {
	Lo   *string `json:"lo,omitempty"`
	Hi   *string `json:"hi,omitempty"`
	Null bool    `json:"null,omitempty"`
}

// plan is the chunks of a run, kept by a resumed run. It is committed as
// checkpoints small enough for any state table (DM8 keeps a state value in
// a VARCHAR(8188) of hex): a header (planKey) and the boundary values in
// parts of at most planPartBytes (planKey/0, planKey/1, …).
type plan struct {
	Run string `json:"run"`
	// Source fingerprints what was read (driver, table or query, where,
	// chunk column, columns): a resumed run with a different source starts
	// afresh.
	Source string `json:"source"`
	// Range, for a dense integer chunk column: the inner bounds are
	// Lo-1+Step·i for i = 1…N.
	Range *intRange `json:"range,omitempty"`
	// Parts is how many checkpoints hold Bounds.
	Parts int `json:"parts,omitempty"`
	// Null: rows whose chunk column is NULL are the last chunk.
	Null bool `json:"null,omitempty"`
	// Bounds are the inner bounds of a plan found in the database
	// (encodeKey text), in order.
	Bounds []string `json:"-"`
	// Chunks is the plan as read: built from the above.
	Chunks []chunkRange `json:"-"`
}

type intRange struct {
	Lo   int64 `json:"lo"`
	Step int64 `json:"step"`
	N    int64 `json:"n"`
}

// planPartBytes bounds one part of the plan's boundary values.
const planPartBytes = 2000

// build fills Chunks: (-∞, b1], (b1, b2], …, (bn, +∞), then the NULL chunk.
func (pl *plan) build() {
	bounds := pl.Bounds
	if r := pl.Range; r != nil {
		bounds = make([]string, 0, r.N)
		for i := int64(1); i <= r.N; i++ {
			bounds = append(bounds, strconv.FormatInt(r.Lo-1+r.Step*i, 10))
		}
	}
	pl.Chunks = nil
	var lo *string
	for i := range bounds {
		pl.Chunks = append(pl.Chunks, chunkRange{Lo: lo, Hi: &bounds[i]})
		lo = &bounds[i]
	}
	pl.Chunks = append(pl.Chunks, chunkRange{Lo: lo})
	if pl.Null {
		pl.Chunks = append(pl.Chunks, chunkRange{Null: true})
	}
}

// checkpoints returns the plan's header and parts.
func (pl *plan) checkpoints() []xcetl.Checkpoint {
	var parts [][]string
	size := 0
	for _, b := range pl.Bounds {
		if len(parts) == 0 || size+len(b) > planPartBytes {
			parts, size = append(parts, nil), 0
		}
		parts[len(parts)-1] = append(parts[len(parts)-1], b)
		size += len(b) + 3
	}
	pl.Parts = len(parts)
	head, _ := json.Marshal(pl)
	out := []xcetl.Checkpoint{{Key: planKey, Value: head}}
	for i, p := range parts {
		data, _ := json.Marshal(p)
		out = append(out, xcetl.Checkpoint{Key: planKey + "/" + strconv.Itoa(i), Value: data})
	}
	return out
}

// readPlan reads the plan's checkpoints; ok is false without one.
func readPlan(cps map[string][]byte) (pl plan, ok bool, err error) {
	head, ok := cps[planKey]
	if !ok {
		return pl, false, nil
	}
	if err := json.Unmarshal(head, &pl); err != nil {
		return pl, false, err
	}
	for i := 0; i < pl.Parts; i++ {
		raw, ok := cps[planKey+"/"+strconv.Itoa(i)]
		if !ok {
			return pl, false, fmt.Errorf("part %d of the plan is missing", i)
		}
		var part []string
		if err := json.Unmarshal(raw, &part); err != nil {
			return pl, false, err
		}
		pl.Bounds = append(pl.Bounds, part...)
	}
	pl.build()
	return pl, true, nil
}

// progressState is how far a run got: chunks read to their end, and the
// order key reached in the chunks in flight.
type progressState struct {
	Run string `json:"run"`
	// Done lists the finished chunks as ranges [first, last].
	Done [][2]int `json:"done,omitempty"`
	// At maps a chunk in flight to the order key of its last row handed on.
	At map[string][]string `json:"at,omitempty"`
	// Complete: the run read everything; the next run starts afresh.
	Complete bool `json:"complete,omitempty"`
}

func (p *progressState) isDone(i int) bool {
	for _, r := range p.Done {
		if i >= r[0] && i <= r[1] {
			return true
		}
	}
	return false
}

// finish marks chunk i done and forgets its position.
func (p *progressState) finish(i int) {
	delete(p.At, strconv.Itoa(i))
	p.Done = append(p.Done, [2]int{i, i})
	sort.Slice(p.Done, func(a, b int) bool { return p.Done[a][0] < p.Done[b][0] })
	merged := p.Done[:1]
	for _, r := range p.Done[1:] {
		last := &merged[len(merged)-1]
		if r[0] <= last[1]+1 {
			last[1] = max(last[1], r[1])
			continue
		}
		merged = append(merged, r)
	}
	p.Done = merged
}

func (p *progressState) checkpoint() xcetl.Checkpoint {
	data, _ := json.Marshal(p)
	return xcetl.Checkpoint{Key: progressKey, Value: data}
}

// fingerprint identifies the configured source for resumes.
func (e *Extractor) fingerprint() string {
	chunk := ""
	if e.key != nil && e.key.chunk != nil {
		chunk = e.key.chunk.name
	}
	h := sha256.Sum256([]byte(strings.Join([]string{e.spec.Driver, e.spec.Table, e.spec.Query, e.spec.Where, chunk,
		strings.Join(e.schema.Names(), ","), strconv.Itoa(e.chunkRows())}, "\x00")))
	return hex.EncodeToString(h[:8])
}

// resumeState is what Resume found.
type resumeState struct {
	plan     plan
	progress progressState
}

// Resume implements extract.Resumer.
func (e *Extractor) Resume(ctx context.Context, state xcetl.StateReader) error {
	if !e.opened {
		return e.errorf("Resume called before Open")
	}
	if e.wm != nil {
		if err := e.wm.Resume(ctx, state); err != nil {
			return e.errorf("%w", err)
		}
	}
	if !e.perBatch {
		return nil
	}
	cps, err := state.ReadCheckpoints(ctx, "sql/")
	if err != nil {
		return e.errorf("read the committed progress: %w", err)
	}
	rawProg, okProg := cps[progressKey]
	pl, okPlan, err := readPlan(cps)
	if err != nil {
		return e.errorf("the stored plan is unreadable (was xcetl_state edited by hand?): %w", err)
	}
	if !okPlan || !okProg {
		return nil
	}
	rs := resumeState{plan: pl}
	if err := json.Unmarshal(rawProg, &rs.progress); err != nil {
		return e.errorf("the stored progress is unreadable (was xcetl_state edited by hand?): %w", err)
	}
	switch {
	case rs.progress.Complete || rs.progress.Run != rs.plan.Run:
		return nil
	case rs.plan.Source != e.fingerprint():
		e.log.Warn("sql source: the interrupted run read another source (table, query, where, chunking or columns changed): reading from the start; in append mode the rows it committed are loaded again",
			"run", rs.plan.Run)
		return nil
	}
	e.resume = &rs
	done := 0
	for _, r := range rs.progress.Done {
		done += r[1] - r[0] + 1
	}
	e.log.Info("sql source: resuming an interrupted run", "run", rs.plan.Run, "chunks", len(rs.plan.Chunks), "done", done, "in_flight", len(rs.progress.At))
	return nil
}

// makePlan splits the rows into chunks (see the package comment).
func (e *Extractor) makePlan(ctx context.Context, where string, args []any) (plan, error) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	pl := plan{Run: hex.EncodeToString(rnd[:]), Source: e.fingerprint()}
	k := e.key
	if k == nil || k.chunk == nil {
		pl.build()
		return pl, nil
	}
	rows, err := e.conn.Query(ctx, dialects.MinMaxSQL(e.from, k.chunk.quoted, where), args...)
	if err != nil {
		return pl, e.errorf("plan the chunks: %w", err)
	}
	if len(rows) == 1 && rows[0][0] != nil && rows[0][1] != nil {
		if err := e.boundaries(ctx, &pl, rows[0][0], rows[0][1], where, args); err != nil {
			return pl, err
		}
	}
	pl.Null = k.chunk.nullable
	pl.build()
	return pl, nil
}

// maxBoundaryChunks bounds the chunks found by boundary queries (one
// query each); the rest of the table is then the last chunk.
const maxBoundaryChunks = 20000

// boundaries plans the inner chunk bounds between the chunk column's min
// and max (raw values): a range for a dense integer column, else values
// chunk.rows rows apart found in the database.
func (e *Extractor) boundaries(ctx context.Context, pl *plan, rawMin, rawMax any, where string, args []any) error {
	k := e.key.chunk
	step := int64(e.chunkRows())
	minV, err := k.read.Decode(rawMin)
	if err != nil {
		return e.errorf("plan the chunks: min(%s): %w", k.name, err)
	}
	maxV, err := k.read.Decode(rawMax)
	if err != nil {
		return e.errorf("plan the chunks: max(%s): %w", k.name, err)
	}
	if lo, ok := minV.(int64); ok {
		hi := maxV.(int64)
		if span := (hi - lo) / step; span >= 0 && span < maxRangeChunks {
			if n := (hi - lo) / step; n > 0 && lo-1+step*n >= lo {
				pl.Range = &intRange{Lo: lo, Step: step, N: n}
			}
			return nil
		}
	}
	// Every chunk holds step rows: the first counts min itself, so its
	// bound is step-1 rows after min (min itself when step is 1).
	cur, offset := minV, step-2
	if step == 1 {
		text, err := encodeKey(minV)
		if err != nil {
			return e.errorf("chunk column %s: %w", k.name, err)
		}
		pl.Bounds, offset = append(pl.Bounds, text), 0
	}
	for len(pl.Bounds) < maxBoundaryChunks {
		q := dialects.NewSelect(e.d)
		for _, a := range args {
			q.Arg(a)
		}
		ph := q.Arg(cur)
		rows, err := e.conn.Query(ctx, e.d.BoundarySQL(e.from, k.quoted, where, ph, offset), q.Args()...)
		if err != nil {
			return e.errorf("plan the chunks: %w", err)
		}
		if len(rows) == 0 || rows[0][0] == nil {
			return nil
		}
		next, err := k.read.Decode(rows[0][0])
		if err != nil {
			return e.errorf("plan the chunks: %s: %w", k.name, err)
		}
		text, err := encodeKey(next)
		if err != nil {
			return e.errorf("chunk column %s: %w", k.name, err)
		}
		pl.Bounds = append(pl.Bounds, text)
		cur, offset = next, step-1
	}
	e.log.Warn("sql source: the plan stops at its chunk limit; the rest of the table is one last chunk (raise chunk.rows)",
		"chunks", maxBoundaryChunks, "rows_per_chunk", step)
	return nil
}

// chunkConds adds chunk i's conditions to q.
func (e *Extractor) chunkConds(q *dialects.Select, c chunkRange) error {
	k := e.key
	if k == nil || k.chunk == nil {
		return nil
	}
	col := k.chunk.quoted
	if c.Null {
		q.Null(col, true)
		return nil
	}
	kind := k.chunk.read.Type.Kind
	if c.Lo != nil {
		v, err := decodeKey(*c.Lo, kind)
		if err != nil {
			return e.errorf("chunk bound %q: %w", *c.Lo, err)
		}
		q.After(col, v, false)
	}
	if c.Hi != nil {
		v, err := decodeKey(*c.Hi, kind)
		if err != nil {
			return e.errorf("chunk bound %q: %w", *c.Hi, err)
		}
		q.AtMost(col, v)
	}
	if c.Lo == nil && c.Hi == nil && k.chunk.nullable {
		q.Null(col, false)
	}
	return nil
}

// fmtChunk renders a chunk for messages.
func fmtChunk(c chunkRange) string {
	if c.Null {
		return "NULL"
	}
	lo, hi := "-∞", "+∞"
	if c.Lo != nil {
		lo = *c.Lo
	}
	if c.Hi != nil {
		hi = *c.Hi
	}
	return fmt.Sprintf("(%s, %s]", lo, hi)
}
