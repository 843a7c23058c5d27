package kafka

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xcetl/xcetl/change"
)

// debeziumFlat decodes the records of Debezium's ExtractNewRecordState
// transform (`format: debezium-flat`): the row itself, with or without the
// schema envelope, plus the metadata fields the transform adds under a
// prefix ("__" by default):
//
//   - __deleted ("true" with delete.handling.mode=rewrite, or
//     delete.tombstone.handling.mode=rewrite): the record is the deleted
//     row's before image;
//   - __op (add.fields=op): c, r, u, d, t;
//   - __table, __db, __schema, __lsn, __source_* (add.fields=table,
//     source.lsn, …): the source table and position — any field of the
//     source block, with or without "source_" (__source_ts_ms, __lsn);
//   - other prefixed fields (__source_version, …) are metadata too, and
//     never written.
//
// A tombstone (null value) deletes its key with `tombstones: delete` (the
// default: what delete.handling.mode=drop with drop.tombstones=false
// leaves of a delete), and is skipped with `tombstones: skip` (when the
// rewritten delete before it already says so). It carries no position, so
// it is applied without the version guard.
type debeziumFlat struct {
	dbz        *debezium
	prefix     string
	tombstones string // delete | skip
}

// flatMeta collects a record's metadata fields.
type flatMeta struct {
	prefix  string
	src     dbzSource
	op      string
	deleted bool
	tsMs    int64
}

func (fm *flatMeta) field(name string, raw []byte) (bool, error) {
	n, ok := strings.CutPrefix(name, fm.prefix)
	if !ok {
		return false, nil
	}
	var err error
	switch n {
	case "deleted":
		var t string
		if t, err = jsonText(raw); err == nil {
			fm.deleted = t == "true"
		}
	case "op":
		fm.op, err = jsonText(raw)
	case "ts_ms":
		if !isNull(raw) {
			fm.tsMs, err = parseInt(raw)
		}
	default:
		_, err = fm.src.set(strings.TrimPrefix(n, "source_"), raw)
	}
	return true, err
}

func (f *debeziumFlat) decode(m *message) (decoded, error) {
	if isNull(m.Value) {
		return f.tombstone(m)
	}
	body, schemaText, tomb, err := flatBody(m.Value)
	switch {
	case err != nil:
		return decoded{}, err
	case tomb:
		return f.tombstone(m)
	}
	var sch *dbzSchema
	if !isNull(schemaText) {
		if sch, err = f.dbz.schema(schemaText); err != nil {
			return decoded{}, err
		}
	}
	fm := flatMeta{prefix: f.prefix}
	row, err := dbzRowMeta(body, sch, "record", fm.field)
	if err != nil {
		return decoded{}, err
	}
	op, ok := dbzOps[fm.op]
	switch {
	case fm.deleted:
		op = change.Delete
	case fm.op == "":
		op = change.Update // an upsert: the transform did not say which
	case !ok:
		return decoded{}, fmt.Errorf("flattened debezium record has unknown %sop %q (want c, r, u, d or t)", f.prefix, fm.op)
	}
	table := fm.src.table()
	if op == change.Truncate {
		return decoded{truncate: &table}, nil
	}
	pos, err := fm.src.position(fm.tsMs, m)
	if err != nil {
		return decoded{}, err
	}
	key, err := f.dbz.messageKey(m.Key)
	if err != nil {
		return decoded{}, err
	}
	ev := change.Event{Source: table, Op: op, Position: pos, Meta: fm.src.meta(m, fm.tsMs)}
	if op == change.Delete {
		ev.Before = row
	} else {
		ev.After = row
	}
	events, err := keyed(ev, key, f.dbz.key)
	return decoded{events: events}, err
}

// tombstone is what a null record means (see tombstones).
func (f *debeziumFlat) tombstone(m *message) (decoded, error) {
	if f.tombstones == "skip" {
		return decoded{skip: skipTombstone}, nil
	}
	key, err := f.dbz.messageKey(m.Key)
	if err != nil {
		return decoded{}, err
	}
	if key == nil {
		return decoded{}, fmt.Errorf("a tombstone without a message key: cannot tell which row was deleted (tombstones: skip ignores them)")
	}
	src := dbzSource{}
	ev := change.Event{Op: change.Delete, Key: key, Before: append(change.Image(nil), key...), Meta: src.meta(m, 0)}
	return decoded{events: []change.Event{ev}}, nil
}

// flatBody returns the record of a flattened message: the value itself, or
// the payload of its schema envelope (an object of exactly the members
// "schema" and "payload"). tombstone reports the envelope of a null record.
func flatBody(v []byte) (body, schema json.RawMessage, tombstone bool, err error) {
	members, hasPayload := 0, false
	var payload json.RawMessage
	err = eachMember(v, func(name string, raw []byte) error {
		members++
		switch name {
		case "schema":
			schema = raw
		case "payload":
			payload, hasPayload = raw, true
		}
		return nil
	})
	if err != nil {
		return nil, nil, false, fmt.Errorf("not a JSON object: %w", err)
	}
	if members != 2 || !hasPayload || schema == nil {
		return v, nil, false, nil
	}
	if isNull(payload) {
		return nil, nil, true, nil
	}
	return payload, schema, false, nil
}
