package kafka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl/change"
)

// message is one Kafka record as the decoders see it.
type message struct {
	Topic     string
	Partition int
	Offset    int64
	Key       []byte
	Value     []byte
	Time      time.Time
}

func (m *message) where() string {
	return fmt.Sprintf("topic %s partition %d offset %d", m.Topic, m.Partition, m.Offset)
}

// ddlEvent is a schema change the source system announced.
type ddlEvent struct {
	Table string // as the source names it
	SQL   string
}

// skip says why a message holds nothing to apply.
type skip uint8

const (
	skipNone        skip = iota
	skipTombstone        // a tombstone (null value after a delete)
	skipTransaction      // Debezium transaction metadata (BEGIN/END on <server>.transaction)
	skipHeartbeat        // a Debezium heartbeat message
	skipIgnored          // anything else without a change (logical decoding message, Canal BEGIN)
)

// decoded is what one message turned into.
type decoded struct {
	events []change.Event
	ddl    *ddlEvent
	// truncate is set for a truncate event: the source table it empties.
	truncate *string
	skip     skip
	why      string // for skipIgnored
}

// decoder turns Kafka messages of one format into change events.
type decoder interface {
	decode(m *message) (decoded, error)
}

// debezium decodes Debezium's JSON change events, with or without the
// schema envelope ({"schema":…,"payload":…}).
type debezium struct {
	key []string // source.key: key fields when the message key is empty
	// schemas caches the parsed column schemas by the text of the
	// message's schema, which is the same for every message of a table.
	schemas map[string]*dbzSchema
}

// dbzField is the schema of one column.
type dbzField struct {
	typ, name string
	scale     int
	fields    []dbzField // struct members (VariableScaleDecimal)
	field     string
}

type dbzSchema struct {
	before, after map[string]*dbzField
}

func newDebezium(key []string) *debezium {
	return &debezium{key: key, schemas: map[string]*dbzSchema{}}
}

type dbzEnvelope struct {
	Schema  json.RawMessage `json:"schema"`
	Payload json.RawMessage `json:"payload"`
}

func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// dbzMessage is a message value: the payload's members, or the schema
// envelope around them ({"schema":…,"payload":…}).
type dbzMessage struct {
	Before, After, Source json.RawMessage
	Op                    string
	TsMs                  *int64
	DDL                   *string
	DatabaseName          string
	SchemaName            string
	// Transaction metadata (BEGIN/END).
	Status, ID string
	// TxID is the change event's transaction.id (provide.transaction.metadata).
	TxID string
	// The envelope, when there is one; hasPayload tells a null payload
	// from a missing one.
	Schema, Payload json.RawMessage
	hasPayload      bool
	members         int
}

// scan fills m from the JSON object b with the flat scanner: the row
// images stay raw (decoded later, by the schema), and b is scanned once
// instead of the three times encoding/json needs (validate, decode, skip).
func (m *dbzMessage) scan(b []byte) error {
	return eachMember(b, func(name string, raw []byte) error {
		m.members++
		var err error
		str := func(dst *string) {
			if !isNull(raw) {
				*dst, err = unquote(raw)
			}
		}
		switch name {
		case "schema":
			m.Schema = raw
		case "payload":
			m.Payload, m.hasPayload = raw, true
		case "before":
			m.Before = raw
		case "after":
			m.After = raw
		case "source":
			m.Source = raw
		case "op":
			str(&m.Op)
		case "ddl":
			if !isNull(raw) {
				var d string
				d, err = unquote(raw)
				m.DDL = &d
			}
		case "databaseName":
			str(&m.DatabaseName)
		case "schemaName":
			str(&m.SchemaName)
		case "status":
			str(&m.Status)
		case "id":
			if !isNull(raw) && raw[0] == '"' {
				m.ID, err = unquote(raw)
			}
		case "ts_ms":
			if !isNull(raw) {
				// A number, or (in some of Debezium's own samples) its text.
				var t string
				var n int64
				if t, err = jsonText(raw); err == nil {
					if n, err = strconv.ParseInt(t, 10, 64); err == nil {
						m.TsMs = &n
					}
				}
			}
		case "transaction":
			// The transaction block of a change event: its id.
			if !isNull(raw) {
				err = eachMember(raw, func(n string, v []byte) error {
					if n == "id" && !isNull(v) {
						var e error
						m.TxID, e = jsonText(v)
						return e
					}
					return nil
				})
			}
		}
		if err != nil {
			return fmt.Errorf("member %q: %w", name, err)
		}
		return nil
	})
}

// isChange reports whether the members are a change event's or a schema
// change's payload.
func (m *dbzMessage) isChange() bool { return m.Op != "" || m.DDL != nil }

// isTransaction reports Debezium's transaction metadata: {"status":"BEGIN"
// or "END","id":…,…} on the <server>.transaction topic.
func (m *dbzMessage) isTransaction() bool {
	return (m.Status == "BEGIN" || m.Status == "END") && m.ID != "" && !m.isChange()
}

// isHeartbeat reports a Debezium heartbeat: a payload of only ts_ms (on
// the __debezium-heartbeat.<server> topic).
func (m *dbzMessage) isHeartbeat(topic string) bool {
	if m.isChange() || m.Before != nil || m.After != nil {
		return false
	}
	return strings.HasPrefix(topic, "__debezium-heartbeat") || (m.TsMs != nil && m.members == 1)
}

// unwrap returns the payload's members: m itself, or the envelope's
// payload; schemaText is the envelope's schema. tombstone reports the
// envelope of a tombstone, as Kafka's JsonConverter writes it with schemas
// on: {"schema":null,"payload":null}.
func (m *dbzMessage) unwrap() (p *dbzMessage, schemaText json.RawMessage, tombstone bool, err error) {
	if m.isChange() || !m.hasPayload {
		return m, nil, false, nil
	}
	if isNull(m.Payload) {
		return nil, nil, true, nil
	}
	var inner dbzMessage
	if err := inner.scan(m.Payload); err != nil {
		return nil, nil, false, fmt.Errorf("debezium payload: %w", err)
	}
	return &inner, m.Schema, false, nil
}

var dbzOps = map[string]change.Op{"c": change.Create, "r": change.Read, "u": change.Update, "d": change.Delete, "t": change.Truncate}

func (d *debezium) decode(m *message) (decoded, error) {
	if isNull(m.Value) {
		return decoded{skip: skipTombstone}, nil
	}
	var top dbzMessage
	if err := top.scan(m.Value); err != nil {
		return decoded{}, fmt.Errorf("not a JSON object: %w", err)
	}
	p, schemaText, tomb, err := top.unwrap()
	switch {
	case err != nil:
		return decoded{}, err
	case tomb:
		return decoded{skip: skipTombstone}, nil
	case p.isTransaction():
		return decoded{skip: skipTransaction}, nil
	case p.isHeartbeat(m.Topic):
		return decoded{skip: skipHeartbeat}, nil
	}
	var src dbzSource
	if !isNull(p.Source) {
		if err := src.scan(p.Source); err != nil {
			return decoded{}, fmt.Errorf("debezium source block: %w", err)
		}
	}
	table := src.table()
	if p.DDL != nil {
		// A schema-change event (the connector's schema history topic).
		t := table
		if t == "" {
			t = strings.Trim(p.DatabaseName+"."+p.SchemaName, ".")
		}
		return decoded{ddl: &ddlEvent{Table: t, SQL: *p.DDL}}, nil
	}
	op, ok := dbzOps[p.Op]
	switch {
	case p.Op == "m":
		return decoded{skip: skipIgnored, why: "logical decoding message"}, nil
	case p.Op == "":
		return decoded{}, fmt.Errorf(`debezium event has no "op" (is the topic a Debezium change topic?)`)
	case !ok:
		return decoded{}, fmt.Errorf("debezium event has unknown op %q (want c, r, u, d, t or m)", p.Op)
	case op == change.Truncate:
		return decoded{truncate: &table}, nil
	}
	var sch *dbzSchema
	if !isNull(schemaText) {
		if sch, err = d.schema(schemaText); err != nil {
			return decoded{}, err
		}
	}
	ts := int64(0)
	if p.TsMs != nil {
		ts = *p.TsMs
	}
	pos, err := src.position(ts, m)
	if err != nil {
		return decoded{}, err
	}
	var before, after []change.Field
	if !isNull(p.Before) {
		if before, err = dbzRow(p.Before, sch, "before"); err != nil {
			return decoded{}, err
		}
	}
	if !isNull(p.After) {
		if after, err = dbzRow(p.After, sch, "after"); err != nil {
			return decoded{}, err
		}
	}
	key, err := d.messageKey(m.Key)
	if err != nil {
		return decoded{}, err
	}
	ev := change.Event{Source: table, Op: op, Before: before, After: after, Position: pos, Meta: src.meta(m, ts)}
	if p.TxID != "" {
		ev.Meta.Tx = p.TxID
	}
	events, err := keyed(ev, key, d.key)
	return decoded{events: events}, err
}

// keyed gives ev its key — the message key, else the cfgKey columns of
// its image — and returns the events to apply: ev, or, for an update whose
// before image has another key than its after image (the row moved), a
// delete of the old key and the update of the new one, so that every event
// is about one key (Debezium itself usually sends a delete, a tombstone
// and a create).
func keyed(ev change.Event, key []change.Field, cfgKey []string) ([]change.Event, error) {
	switch ev.Op {
	case change.Delete:
		if ev.Before == nil && key == nil {
			return nil, fmt.Errorf("%s event has neither a before image nor a message key", ev.Op)
		}
		ev.Before = mergeKey(ev.Before, key)
	default:
		if ev.After == nil {
			return nil, fmt.Errorf("%s event has no after image", ev.Op)
		}
	}
	if key == nil {
		// No message key: the configured key columns, from the row.
		if len(cfgKey) == 0 {
			return nil, fmt.Errorf("the message has no key and source.key is not set: cannot tell which row changed")
		}
		var err error
		if key, err = ev.Image().Pick(cfgKey); err != nil {
			return nil, err
		}
	}
	ev.Key = key
	if ev.Op == change.Delete {
		return []change.Event{ev}, nil
	}
	names := keyNames(key)
	if ev.Op == change.Update && ev.Before != nil {
		if old, err := ev.Before.Pick(names); err == nil && !sameValues(old, key) {
			del := ev
			del.Op, del.Key, del.After = change.Delete, old, nil
			del.Before = slices.Clone(ev.Before) // the update's is its own (the view edits it)
			return []change.Event{del, ev}, nil
		}
	}
	if img, err := ev.After.Pick(names); err == nil && !sameValues(img, key) {
		return nil, fmt.Errorf("the message key %s differs from the key columns of the after image %s", change.KeyText(key), change.KeyText(img))
	}
	return []change.Event{ev}, nil
}

func keyNames(key []change.Field) []string {
	out := make([]string, len(key))
	for i, k := range key {
		out[i] = k.Name
	}
	return out
}

// messageKey decodes a Debezium message key ({"id":1}, with or without the
// schema envelope); nil for an empty key.
func (d *debezium) messageKey(k []byte) ([]change.Field, error) {
	if isNull(k) {
		return nil, nil
	}
	var env dbzEnvelope
	if err := json.Unmarshal(k, &env); err != nil {
		return nil, fmt.Errorf("message key is not JSON: %w", err)
	}
	body := json.RawMessage(k)
	var sch *dbzSchema
	if !isNull(env.Payload) && env.Schema != nil {
		body = env.Payload
		var ks dbzSchemaJSON
		if err := json.Unmarshal(env.Schema, &ks); err == nil && ks.Type == "struct" {
			sch = &dbzSchema{after: map[string]*dbzField{}}
			for _, f := range ks.Fields {
				df := f.toField()
				sch.after[f.Field] = &df
			}
		}
	}
	fields, err := dbzRow(body, sch, "key")
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, nil
	}
	return fields, nil
}

// mergeKey adds key fields missing from a (partial) delete image.
func mergeKey(row change.Image, key []change.Field) change.Image {
	out := row
	for _, k := range key {
		found := false
		for _, f := range row {
			if f.Name == k.Name {
				found = true
				break
			}
		}
		if !found {
			out = append(out, k)
		}
	}
	return out
}

func sameValues(a, b []change.Field) bool {
	return change.KeyText(a) == change.KeyText(b)
}
