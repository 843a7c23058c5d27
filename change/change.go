// Package change is xcetl's change record: one row change of one table, as
// change-data-capture sources (extract/kafka: Debezium, Canal) decode it,
// transforms see it and the cdc loader (load, mode: cdc) applies it. It
// imports only package xcetl, so that extract, transform and load can all
// depend on it without depending on each other.
//
// # The record
//
// An Event has its table (as the source routed it), its key, its operation
// (create, update, delete, snapshot read, truncate), the row's images
// before and after the change, its Position in the source's log — encoded
// so that bytes.Compare orders the changes of one key as the source made
// them (see the Position functions) — and Meta, where it came from (Kafka
// topic, partition, offset; connector; transaction).
//
// # How a batch carries events
//
// The root package knows nothing of this one, and a run keeps one schema for
// every batch (transforms are checked against it before any data arrives),
// while the tables of a change stream each have their own columns. So a
// batch of events is a batch of rows like any other, one row per event, and
// each row is a view of its event: b.Records[i] holds the *Event, and the
// row's columns are the fields of the event's row image (the new row; for a
// delete the old one) that the source exposes by name (`source.columns`),
// as text. Transforms change those columns as they change any batch —
// mask, encrypt, rename, cast, filter, reject — and Events, called by the
// loader after the last transform, writes the columns back into the
// images by name and drops the events whose rows were removed. Fields not
// exposed travel in the images untouched; the row counts of the report are
// events.
//
// This keeps the root package's Batch free of change types (a per-row
// Records slot of type any, kept aligned by Compact) and needs nothing
// from the transforms: they never learn that their rows are events.
//
// # The handler
//
// Collapse runs on every batch before it leaves the source: of the events
// of one key in the batch only the one with the highest position is kept
// (the later one on a tie), which is what applying them one by one would
// have left. Events at or below what the target has already applied are
// dropped elsewhere, with the state that tells: the source skips Kafka
// offsets below the committed ones (xcetl_state), and the cdc loader skips
// events whose position is at or below the key's stored one (the version
// table), in the transaction that applies the batch.
package change

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
)

// Op is what happened to the row.
type Op uint8

// The operations. Their names are ConduitIO OpenCDC's and Debezium's.
const (
	OpInvalid Op = iota
	Create       // a new row (Debezium c, Canal INSERT)
	Update       // a changed row (u, UPDATE)
	Delete       // a deleted row (d, DELETE)
	Read         // a row read by a snapshot (r): applied as an upsert
	Truncate     // every row of the table deleted (t); no key, no images
)

var opNames = [...]string{OpInvalid: "invalid", Create: "create", Update: "update", Delete: "delete", Read: "snapshot-read", Truncate: "truncate"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// Row is the operation as a row of the target sees it: an insert (upsert)
// for create and snapshot reads, an update, or a delete.
func (o Op) Row() xcetl.Op {
	switch o {
	case Update:
		return xcetl.OpUpdate
	case Delete:
		return xcetl.OpDelete
	}
	return xcetl.OpInsert
}

// Field is one named value of a row image or key.
type Field struct {
	Name  string
	Value any
	// Kind is the value's logical kind when the decoder knows it (a
	// Debezium schema said int32 days = date); KindInvalid otherwise
	// (Canal's strings, JSON without schema): the target column decides.
	Kind xcetl.Kind
}

// Image is a row image: its fields, by name, in no particular order.
type Image []Field

// Get returns the field called name.
func (im Image) Get(name string) (Field, bool) {
	for _, f := range im {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Set replaces the field called f.Name, or appends it.
func (im *Image) Set(f Field) {
	for i := range *im {
		if (*im)[i].Name == f.Name {
			(*im)[i] = f
			return
		}
	}
	*im = append(*im, f)
}

// Remove deletes the field called name, if there is one.
func (im *Image) Remove(name string) {
	for i := range *im {
		if (*im)[i].Name == name {
			*im = slices.Delete(*im, i, i+1)
			return
		}
	}
}

// Pick returns the fields named, in that order, or an error naming the
// first one the image does not have.
func (im Image) Pick(names []string) ([]Field, error) {
	out := make([]Field, 0, len(names))
	for _, n := range names {
		f, ok := im.Get(n)
		if !ok {
			return nil, fmt.Errorf("key column %q is not in the row", n)
		}
		out = append(out, f)
	}
	return out, nil
}

// SortFields sorts fields by name (stable output for tests and decoders).
func SortFields(f []Field) {
	slices.SortFunc(f, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
}

// Meta is where an event came from, for messages, reject reports and the
// record's consumers. Nothing in it decides how the event is applied.
type Meta struct {
	Connector string // "postgresql", "mysql", "oracle", "sqlserver", "canal", …
	Topic     string
	Partition int32
	Offset    int64
	// Index is the event's position among the events of its message
	// (Canal messages carry several rows), from 0.
	Index int
	// Time is when the source made the change (its ts_ms), or the Kafka
	// message's time when the source does not say.
	Time time.Time
	// Tx identifies the source transaction when the source says (Debezium
	// transaction.id, MySQL GTID), for messages.
	Tx string
	// Snapshot is true for rows read by a snapshot.
	Snapshot bool
}

// Event is one change of one table.
type Event struct {
	// Table is the target table the source routed the change to ("" = the
	// target's own table).
	Table string
	// Source names the table in the source system ("db.table",
	// "schema.table"), for messages.
	Source string
	Op     Op
	// Key holds the source key's fields, in key order; it identifies the
	// row for Collapse and the version table. nil for Truncate.
	Key []Field
	// Before and After are the row images: After for create, update and
	// snapshot reads; Before for deletes (the old row, or at least its
	// key) and, when the source sends it, for updates.
	Before, After Image
	// Position is the change's place in the source's log, encoded so that
	// bytes.Compare orders the changes of one key as the source made them
	// (see PositionLSN and the others). nil when the source gives none
	// that orders changes: such an event is applied without the per-key
	// version guard and leaves the stored version alone.
	Position []byte
	Meta     Meta

	// shown holds the values of the exposed fields as the row view showed
	// them (see View), to tell the transformed ones from the untouched.
	shown   []any
	present []bool
	view    *View
}

// Image returns the image the change applies: After, or Before for a
// delete.
func (e *Event) Image() Image {
	if e.Op == Delete {
		return e.Before
	}
	return e.After
}

func (e *Event) image() *Image {
	if e.Op == Delete {
		return &e.Before
	}
	return &e.After
}

// TruncatePrefix starts the key of a checkpoint that is an action: a batch
// that carries "cdc-truncate:" + T (T as Event.Table) asks the cdc loader
// to empty the target table T in the batch's transaction, before its rows
// are applied. A source sends a truncate this way, never as a row, so that
// no transform can filter or reject it, and starts a new batch with it so
// that the changes before it are applied first.
const TruncatePrefix = "cdc-truncate:"

// GapPrefix starts the key of a checkpoint that is a condition: "cdc-gap:"
// + K with the value V (a decimal offset) says that the run continues the
// stream of checkpoint K at V, past where the target stood when the run
// started. The cdc loader refuses the batch when the target, read in the
// batch's transaction, holds K below V: the events in between would never
// be applied (a target restored from a backup, a consumer group's offsets
// reset). Held at V or above, another consumer of the group applied them
// meanwhile, and the fence decides.
const GapPrefix = "cdc-gap:"

// FencePrefix starts the key of a checkpoint that is a condition, not
// state: "cdc-fence:" + K with the value V (a decimal offset) says that
// the batch continues the stream of checkpoint K at V. The cdc loader
// refuses the batch, in its transaction, when the stored value of K is
// already past V — another consumer of the group applied those events
// meanwhile (a rebalance) — and does not store the fence itself.
const FencePrefix = "cdc-fence:"
