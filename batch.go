package xcetl

import (
	"context"
	"strconv"
	"strings"
)

// Op is what a row means to the target: a plain insert for batch sources, or
// an insert, update or delete event for CDC.
type Op uint8

// The operations.
const (
	OpInsert Op = iota
	OpUpdate
	OpDelete
)

func (o Op) String() string {
	switch o {
	case OpInsert:
		return "insert"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// Position is an opaque, per-source ordered marker of how far a source has
// been read. A source is told a position was committed only after the target
// committed every row before it.
type Position []byte

// Checkpoint is one piece of source state that a target keeps for the
// pipeline, written in the same database transaction as the rows of the
// batch that carries it. Because the state commits (or rolls back) together
// with the data, a source that resumes from it after a crash neither loses
// nor repeats rows: Kafka offsets per partition, the byte offset reached in
// a file, a file manifest entry, an API watermark.
type Checkpoint struct {
	// Key names the stream the state belongs to, unique within the
	// pipeline and stable across runs: "kafka/<topic>/<partition>",
	// "csv/position", "file/<path>". A later checkpoint with the same key
	// replaces the earlier one.
	Key string
	// Value is opaque to everybody but the source that made it.
	Value []byte
}

// StateReader gives a source the checkpoints that earlier runs of the same
// pipeline committed to the target.
type StateReader interface {
	// ReadCheckpoints returns every committed checkpoint whose key starts
	// with prefix ("" for all), by key. A pipeline that never committed
	// one gets an empty map.
	ReadCheckpoints(ctx context.Context, prefix string) (map[string][]byte, error)
}

// Origin says where a row came from, for reject reports and error messages.
type Origin struct {
	File   string // file path as configured (relative to the pipeline file), or URL for APIs
	Sheet  string // spreadsheet sheet name, if any
	Line   int    // 1-based line (or spreadsheet row) where the record starts; 0 if not applicable
	Record int64  // 1-based record number within the source (data rows, header excluded)
}

// String renders the origin as "file a.csv line 12" (or with sheet / record).
func (o Origin) String() string {
	var b strings.Builder
	if o.File != "" {
		b.WriteString("file ")
		b.WriteString(o.File)
	}
	if o.Sheet != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("sheet ")
		b.WriteString(o.Sheet)
	}
	if o.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if o.Sheet != "" {
			b.WriteString("row ")
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(o.Line))
	} else if o.Record > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("record ")
		b.WriteString(strconv.FormatInt(o.Record, 10))
	}
	return b.String()
}

// Reject is a row that was refused, with everything needed to find and fix
// it in the source.
type Reject struct {
	Origin Origin
	// Raw holds the row's values as read from the source, in the order of
	// the batch's RawHeader.
	Raw []string
	// Column is the name of the offending column ("" if the row as a whole
	// was bad, e.g. a ragged CSV row).
	Column string
	// Field is the 1-based position of the offending field in the source
	// record (0 if unknown or not applicable).
	Field int
	// Reason says what was wrong, naming the rule that failed.
	Reason string
}

// Batch is a group of rows sharing one schema that moves through the engine
// as a unit. Rows are positional: Rows[i][j] is the value of column j of
// Schema. Values are one of: nil, string, int64, float64, Decimal, bool,
// time.Time (for date, timestamp and timestamptz columns) or []byte.
//
// A batch is owned by exactly one stage at a time; stages may modify it in
// place.
type Batch struct {
	Schema *Schema
	Rows   [][]any
	// Ops is nil for plain inserts; otherwise Ops[i] is the operation of row i.
	Ops []Op
	// Records, when not nil, holds for each row the typed record the row
	// is a view of: a change-data-capture source's change event (a
	// *change.Event of package change, which documents the view). The root
	// package does not know the record types; Compact keeps Records
	// aligned with Rows, and the loader that understands them reads them.
	Records []any
	// Origin[i] says where row i came from. Always the same length as Rows.
	// A loader may keep it after Write, to name a row in an error that
	// comes later: a source must not reuse it for another batch.
	Origin []Origin
	// RawHeader names the fields of Raw (the source's own column names).
	RawHeader []string
	// Raw[i] is row i as read, before any transform, for reject reports.
	// Sources of text fill it; for typed sources the engine fills it.
	// Unlike the rest of a batch, the strings of Raw are read-only once the
	// source made the batch: a source may make the row's values share them
	// (the CSV source's values point at these headers), so writing one
	// would change a value. Replacing or reordering whole rows of Raw, as
	// Compact does, is fine.
	Raw [][]string
	// Last is the source position after this batch; acknowledged to the
	// source once the target committed the batch.
	Last Position
	// Checkpoints is source state the target must store in the same
	// transaction as this batch's rows (see Checkpoint). Nil for sources
	// that keep no state.
	Checkpoints []Checkpoint

	// Rejects collects rows removed from the batch by transforms or the
	// loader, in the order they were rejected.
	Rejects []Reject
	// Filtered counts rows removed on purpose (a filter was false).
	Filtered int

	// Payload lets a loader attach the batch encoded for its bulk path
	// (e.g. COPY text), produced in parallel by the engine's workers.
	Payload any

	drop []bool // rows marked by Reject/Filter, removed by Compact
}

// Len returns the number of rows.
func (b *Batch) Len() int { return len(b.Rows) }

// Reject marks row i as rejected for reason. column is the offending column
// of the batch's schema ("" for the whole row). The row stays in place until
// Compact. Rejecting a row twice keeps the first reason.
func (b *Batch) Reject(i int, column string, reason string) {
	if b.marked(i) {
		return
	}
	r := Reject{Column: column, Reason: reason}
	if i < len(b.Origin) {
		r.Origin = b.Origin[i]
	}
	if i < len(b.Raw) {
		r.Raw = b.Raw[i]
	}
	if column != "" && b.Schema != nil {
		if j := b.Schema.Index(column); j >= 0 && b.Schema.Columns[j].Source >= 0 {
			r.Field = b.Schema.Columns[j].Source + 1
		}
	}
	b.Rejects = append(b.Rejects, r)
	b.mark(i)
}

// Filter marks row i as filtered out (not an error). It is removed by Compact.
func (b *Batch) Filter(i int) {
	if b.marked(i) {
		return
	}
	b.Filtered++
	b.mark(i)
}

// Marked reports whether row i was rejected or filtered since the last
// Compact; transforms skip such rows.
func (b *Batch) Marked(i int) bool { return b.marked(i) }

func (b *Batch) marked(i int) bool { return b.drop != nil && b.drop[i] }

func (b *Batch) mark(i int) {
	if b.drop == nil {
		b.drop = make([]bool, len(b.Rows))
	}
	b.drop[i] = true
}

// Compact removes the rows marked by Reject or Filter, keeping the order of
// the rest and of Ops, Records, Origin and Raw alongside.
func (b *Batch) Compact() {
	if b.drop == nil {
		return
	}
	n := 0
	for i := range b.Rows {
		if b.drop[i] {
			continue
		}
		b.Rows[n] = b.Rows[i]
		if b.Ops != nil {
			b.Ops[n] = b.Ops[i]
		}
		if b.Records != nil {
			b.Records[n] = b.Records[i]
		}
		if b.Origin != nil {
			b.Origin[n] = b.Origin[i]
		}
		if b.Raw != nil {
			b.Raw[n] = b.Raw[i]
		}
		n++
	}
	clear(b.Rows[n:])
	b.Rows = b.Rows[:n]
	if b.Ops != nil {
		b.Ops = b.Ops[:n]
	}
	if b.Records != nil {
		clear(b.Records[n:])
		b.Records = b.Records[:n]
	}
	if b.Origin != nil {
		b.Origin = b.Origin[:n]
	}
	if b.Raw != nil {
		clear(b.Raw[n:])
		b.Raw = b.Raw[:n]
	}
	b.drop = nil
}
