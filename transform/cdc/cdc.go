// Package cdc is xcetl's idempotent change-event handler and the layout of
// the batches that carry change events from a CDC source (extract/kafka) to
// the cdc loader (load, mode: cdc).
//
// # Events
//
// A decoder (Debezium, Canal) turns each message into Events: one row
// change of one table, with its operation, the source table's key, the row
// image and a Version — the source position of the change (PostgreSQL LSN,
// MySQL binlog file/position/row, Oracle SCN, SQL Server LSN, or for Canal
// the binlog timestamp `es` with the Kafka offset), encoded so that
// bytes.Compare orders the changes of one key as the source made them.
//
// # The handler
//
// Handler.Collapse runs on every batch before it leaves the source: of the
// events of one key in the batch only the one with the highest version is
// kept (the last one in the batch on a tie), which is what applying them
// one by one would have left. An update that changes the key has already
// been split by the decoder into a delete of the old key and an upsert of
// the new one, so collapsing by key stays correct. Events at or below what
// the target has already applied are dropped elsewhere, with the state
// that tells: the source skips Kafka offsets below the committed ones
// (xcetl_state), and the cdc loader skips events whose version is at or
// below the key's stored version (xcetl_cdc_versions), in the transaction
// that applies the batch.
//
// # Batch layout
//
// A batch of events has one schema for the whole run (the engine's
// contract), whatever tables the events belong to:
//
//	_table    string  target table as mapped by the source ("" = the target's own table)
//	_key      string  the source key as canonical JSON text ({"id":42}); identifies the row
//	_version  bytes   the event's version; present only when per-key versions are kept
//	<columns> …       the fields the source was told to expose (source.columns), typed
//	_row      bytes   every other field of the row image, encoded by AppendRow
//
// b.Ops holds each event's operation (insert, update, delete). A delete's
// fields are the old row image (at least the key). Transforms see the
// exposed columns by name (mask, encrypt, …); the cdc loader takes each
// target column from the exposed column of that name, else from _row, and
// types the value by the target column.
package cdc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/xcetl/xcetl"
)

// FencePrefix starts the key of a checkpoint that is a condition, not
// state: "cdc-fence:" + K with the value V (a decimal offset) says that
// this batch continues the stream of checkpoint K at V. The cdc loader
// refuses the batch, in its transaction, when the stored value of K is
// already past V — another consumer of the group applied those events
// meanwhile (a rebalance) — and does not store the fence itself. Without
// it, a consumer that lost a partition could commit a batch of older
// events after the new owner applied newer ones.
const FencePrefix = "cdc-fence:"

// Names of the columns every CDC batch has (see the package doc).
const (
	ColTable   = "_table"
	ColKey     = "_key"
	ColVersion = "_version"
	ColRow     = "_row"
)

// Field is one named value of a row image.
type Field struct {
	Name  string
	Value any
	// Kind is the value's logical kind when the decoder knows it (a
	// Debezium schema said int32 days = date); KindInvalid otherwise.
	Kind xcetl.Kind
}

// Event is one row change of one table.
type Event struct {
	// Table is the target table the source mapped the change to ("" = the
	// target's own table).
	Table string
	// Source names the table in the source system ("db.table", or the
	// topic), for messages.
	Source string
	Op     xcetl.Op
	// Key holds the source key's fields, in key order.
	Key []Field
	// Fields is the row image: the new row for inserts and updates, the
	// old one (or only its key) for deletes.
	Fields []Field
	// Version orders the changes of one key (bytes.Compare).
	Version []byte
	// Ref is the caller's (e.g. the index of the message the event came
	// from); the handler carries it along.
	Ref int
}

// KeyText renders key fields as canonical JSON text: {"id":42,"region":"tj"}.
// It is stable across runs for the same decoder, so it identifies a row in
// the per-key version table.
func KeyText(key []Field) string {
	var b []byte
	b = append(b, '{')
	for i, f := range key {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, f.Name)
		b = append(b, ':')
		b = appendJSONValue(b, f.Value, f.Kind)
	}
	return string(append(b, '}'))
}

func appendJSONValue(b []byte, v any, k xcetl.Kind) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.AppendQuote(b, strconv.FormatFloat(x, 'g', -1, 64))
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case string:
		j, _ := json.Marshal(x)
		return append(b, j...)
	}
	j, _ := json.Marshal(xcetl.FormatValue(v, k))
	return append(b, j...)
}

// Stats counts what a Handler did. It is safe for concurrent use.
type Stats struct {
	Collapsed atomic.Int64 // events superseded by a later event of the same key in the batch
}

// Handler collapses the events of a batch (see the package doc). The zero
// value is ready to use; Collapse may be called concurrently.
type Handler struct {
	Stats Stats
}

// Collapse returns the events to apply, in their original order, keeping
// for each (table, key) only the event with the highest version (the later
// one on a tie). events is reordered in place; the result shares its
// backing array.
func (h *Handler) Collapse(events []Event) []Event {
	if len(events) < 2 {
		return events
	}
	best := make(map[string]int, len(events))
	keep := make([]bool, len(events))
	var kb []byte
	for i := range events {
		e := &events[i]
		kb = kb[:0]
		kb = append(kb, e.Table...)
		kb = append(kb, 0)
		kb = append(kb, KeyText(e.Key)...)
		prev, ok := best[string(kb)]
		if !ok {
			best[string(kb)] = i
			keep[i] = true
			continue
		}
		if bytes.Compare(e.Version, events[prev].Version) >= 0 {
			keep[prev] = false
			keep[i] = true
			best[string(kb)] = i
		}
		h.Stats.Collapsed.Add(1)
	}
	n := 0
	for i := range events {
		if keep[i] {
			events[n] = events[i]
			n++
		}
	}
	clear(events[n:])
	return events[:n]
}

// Row encoding (the _row column): a uvarint field count, then per field
// the name (uvarint length + bytes), a tag byte and the value.
const (
	tagNil byte = iota
	tagString
	tagInt
	tagFloat
	tagDecimal
	tagFalse
	tagTrue
	tagDate
	tagTimestamp
	tagTimestampTZ
	tagBytes
)

// AppendRow appends the encoding of fields to dst. Values must be of the
// types a batch may hold (see xcetl.Batch); a time.Time is kept with its
// kind (date, timestamp or timestamptz from Field.Kind; timestamp if
// unknown) and its zone offset.
func AppendRow(dst []byte, fields []Field) ([]byte, error) {
	dst = binary.AppendUvarint(dst, uint64(len(fields)))
	for _, f := range fields {
		dst = binary.AppendUvarint(dst, uint64(len(f.Name)))
		dst = append(dst, f.Name...)
		switch x := f.Value.(type) {
		case nil:
			dst = append(dst, tagNil)
		case string:
			dst = append(dst, tagString)
			dst = binary.AppendUvarint(dst, uint64(len(x)))
			dst = append(dst, x...)
		case int64:
			dst = append(dst, tagInt)
			dst = binary.AppendVarint(dst, x)
		case float64:
			dst = append(dst, tagFloat)
			dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(x))
		case xcetl.Decimal:
			dst = append(dst, tagDecimal)
			dst = binary.AppendUvarint(dst, uint64(len(x)))
			dst = append(dst, x...)
		case bool:
			if x {
				dst = append(dst, tagTrue)
			} else {
				dst = append(dst, tagFalse)
			}
		case time.Time:
			switch f.Kind {
			case xcetl.KindDate:
				dst = append(dst, tagDate)
			case xcetl.KindTimestampTZ:
				dst = append(dst, tagTimestampTZ)
			default:
				dst = append(dst, tagTimestamp)
			}
			_, off := x.Zone()
			dst = binary.AppendVarint(dst, x.Unix())
			dst = binary.AppendUvarint(dst, uint64(x.Nanosecond()))
			dst = binary.AppendVarint(dst, int64(off))
		case []byte:
			dst = append(dst, tagBytes)
			dst = binary.AppendUvarint(dst, uint64(len(x)))
			dst = append(dst, x...)
		default:
			return dst, fmt.Errorf("field %q: value of Go type %T cannot be carried in a batch", f.Name, f.Value)
		}
	}
	return dst, nil
}

// errShortRow is returned for a truncated or corrupt encoding.
var errShortRow = errors.New("cdc row encoding is truncated or corrupt")

// DecodeRow decodes what AppendRow wrote. Strings and byte slices are
// copies; the input may be reused.
func DecodeRow(b []byte) ([]Field, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errShortRow
	}
	b = b[k:]
	out := make([]Field, 0, n)
	readBytes := func() ([]byte, bool) {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, false
		}
		s := b[k : k+int(l)]
		b = b[k+int(l):]
		return s, true
	}
	for range n {
		name, ok := readBytes()
		if !ok || len(b) == 0 {
			return nil, errShortRow
		}
		tag := b[0]
		b = b[1:]
		f := Field{Name: string(name)}
		switch tag {
		case tagNil:
		case tagString:
			s, ok := readBytes()
			if !ok {
				return nil, errShortRow
			}
			f.Value, f.Kind = string(s), xcetl.KindString
		case tagInt:
			v, k := binary.Varint(b)
			if k <= 0 {
				return nil, errShortRow
			}
			b = b[k:]
			f.Value, f.Kind = v, xcetl.KindInt
		case tagFloat:
			if len(b) < 8 {
				return nil, errShortRow
			}
			f.Value, f.Kind = math.Float64frombits(binary.BigEndian.Uint64(b)), xcetl.KindFloat
			b = b[8:]
		case tagDecimal:
			s, ok := readBytes()
			if !ok {
				return nil, errShortRow
			}
			f.Value, f.Kind = xcetl.Decimal(s), xcetl.KindDecimal
		case tagFalse, tagTrue:
			f.Value, f.Kind = tag == tagTrue, xcetl.KindBool
		case tagDate, tagTimestamp, tagTimestampTZ:
			sec, k1 := binary.Varint(b)
			if k1 <= 0 {
				return nil, errShortRow
			}
			nsec, k2 := binary.Uvarint(b[k1:])
			if k2 <= 0 || nsec >= 1e9 {
				return nil, errShortRow
			}
			off, k3 := binary.Varint(b[k1+k2:])
			if k3 <= 0 || off < -24*3600 || off > 24*3600 {
				return nil, errShortRow
			}
			b = b[k1+k2+k3:]
			loc := time.UTC
			if off != 0 {
				loc = time.FixedZone("", int(off))
			}
			f.Value = time.Unix(sec, int64(nsec)).In(loc)
			f.Kind = map[byte]xcetl.Kind{tagDate: xcetl.KindDate, tagTimestamp: xcetl.KindTimestamp, tagTimestampTZ: xcetl.KindTimestampTZ}[tag]
		case tagBytes:
			s, ok := readBytes()
			if !ok {
				return nil, errShortRow
			}
			f.Value, f.Kind = bytes.Clone(s), xcetl.KindBytes
		default:
			return nil, fmt.Errorf("%w: unknown tag %d", errShortRow, tag)
		}
		out = append(out, f)
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes left over", errShortRow, len(b))
	}
	return out, nil
}

// Version builders. Each puts a one-byte family first, so versions of
// different families never compare as if they meant the same thing.
const (
	famPostgres  byte = 1 // LSN
	famMySQL     byte = 2 // binlog file number, position, row
	famOracle    byte = 3 // SCN (decimal, up to 40 digits)
	famSQLServer byte = 4 // change LSN, commit LSN, event serial
	famCanal     byte = 5 // es (ms), Kafka offset, row in message
	famGeneric   byte = 9 // event time (ms), Kafka partition, offset
)

// VersionLSN is the version of a PostgreSQL change at lsn.
func VersionLSN(lsn uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{famPostgres}, lsn)
}

// VersionBinlog is the version of a MySQL row change: binlog file number,
// position of the event, row within the event.
func VersionBinlog(file, pos uint64, row uint32) []byte {
	b := binary.BigEndian.AppendUint64([]byte{famMySQL}, file)
	b = binary.BigEndian.AppendUint64(b, pos)
	return binary.BigEndian.AppendUint32(b, row)
}

// VersionSCN is the version of an Oracle change at scn (decimal digits),
// with a sequence within it.
func VersionSCN(scn string, seq uint32) ([]byte, error) {
	if scn == "" || len(scn) > 40 {
		return nil, fmt.Errorf("scn %q: want 1 to 40 digits", scn)
	}
	for i := 0; i < len(scn); i++ {
		if scn[i] < '0' || scn[i] > '9' {
			return nil, fmt.Errorf("scn %q: not a decimal number", scn)
		}
	}
	b := make([]byte, 0, 45)
	b = append(b, famOracle)
	for i := len(scn); i < 40; i++ {
		b = append(b, '0')
	}
	b = append(b, scn...)
	return binary.BigEndian.AppendUint32(b, seq), nil
}

// VersionSQLServer is the version of a SQL Server change: commit LSN,
// change LSN (as hex digits without separators) and event serial number.
func VersionSQLServer(commitLSN, changeLSN []byte, serial uint32) []byte {
	b := []byte{famSQLServer}
	b = append(b, byte(len(commitLSN)))
	b = append(b, commitLSN...)
	b = append(b, byte(len(changeLSN)))
	b = append(b, changeLSN...)
	return binary.BigEndian.AppendUint32(b, serial)
}

// VersionCanal is the version of a Canal row change: the binlog timestamp
// in milliseconds, the Kafka offset of the message and the row's position
// in it.
func VersionCanal(esMillis int64, offset int64, row uint32) []byte {
	b := binary.BigEndian.AppendUint64([]byte{famCanal}, uint64(esMillis)^(1<<63))
	b = binary.BigEndian.AppendUint64(b, uint64(offset)^(1<<63))
	return binary.BigEndian.AppendUint32(b, row)
}

// VersionGeneric is the version of a change whose source position is
// unknown: the event time in milliseconds, then the Kafka partition and
// offset.
func VersionGeneric(tsMillis int64, partition int32, offset int64, row uint32) []byte {
	b := binary.BigEndian.AppendUint64([]byte{famGeneric}, uint64(tsMillis)^(1<<63))
	b = binary.BigEndian.AppendUint32(b, uint32(partition))
	b = binary.BigEndian.AppendUint64(b, uint64(offset)^(1<<63))
	return binary.BigEndian.AppendUint32(b, row)
}

// SortFields sorts fields by name (for tests and stable output).
func SortFields(f []Field) {
	slices.SortFunc(f, func(a, b Field) int { return strings.Compare(a.Name, b.Name) })
}
