package kafka

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/transform/cdc"
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

// decoded is what one message turned into.
type decoded struct {
	events    []cdc.Event
	ddl       *ddlEvent
	tombstone bool // a Debezium tombstone (null value after a delete): nothing to do
	ignored   string
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
	all           []string // every column of the table, in schema order
}

func newDebezium(key []string) *debezium {
	return &debezium{key: key, schemas: map[string]*dbzSchema{}}
}

type dbzEnvelope struct {
	Schema  json.RawMessage `json:"schema"`
	Payload json.RawMessage `json:"payload"`
}

type dbzPayload struct {
	Before       json.RawMessage `json:"before"`
	After        json.RawMessage `json:"after"`
	Op           string          `json:"op"`
	Source       json.RawMessage `json:"source"`
	TsMs         *int64          `json:"ts_ms"`
	DDL          *string         `json:"ddl"`
	DatabaseName string          `json:"databaseName"`
	SchemaName   string          `json:"schemaName"`
	TableChanges json.RawMessage `json:"tableChanges"`
}

type dbzSource struct {
	Connector string          `json:"connector"`
	DB        string          `json:"db"`
	Schema    string          `json:"schema"`
	Table     string          `json:"table"`
	TsMs      int64           `json:"ts_ms"`
	LSN       json.Number     `json:"lsn"`
	File      string          `json:"file"`
	Pos       json.Number     `json:"pos"`
	Row       json.Number     `json:"row"`
	SCN       json.RawMessage `json:"scn"`
	CommitSCN json.RawMessage `json:"commit_scn"`
	ChangeLSN string          `json:"change_lsn"`
	CommitLSN string          `json:"commit_lsn"`
	Serial    json.Number     `json:"event_serial_no"`
	Snapshot  json.RawMessage `json:"snapshot"`
}

func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// dbzMessage is a message value: the payload's members, or the schema
// envelope around them ({"schema":…,"payload":…}).
type dbzMessage struct {
	dbzPayload
	Schema  json.RawMessage
	Payload json.RawMessage
}

// scan fills m from the JSON object b with the flat scanner: the row
// images stay raw (decoded later, by the schema), and b is scanned once
// instead of the three times encoding/json needs (validate, decode, skip).
func (m *dbzMessage) scan(b []byte) error {
	return eachMember(b, func(name string, raw []byte) error {
		var err error
		switch name {
		case "schema":
			m.Schema = raw
		case "payload":
			m.Payload = raw
		case "before":
			m.Before = raw
		case "after":
			m.After = raw
		case "source":
			m.Source = raw
		case "tableChanges":
			m.TableChanges = raw
		case "op":
			if !isNull(raw) {
				m.Op, err = unquote(raw)
			}
		case "ddl":
			if !isNull(raw) {
				var d string
				d, err = unquote(raw)
				m.DDL = &d
			}
		case "databaseName":
			if !isNull(raw) {
				m.DatabaseName, err = unquote(raw)
			}
		case "schemaName":
			if !isNull(raw) {
				m.SchemaName, err = unquote(raw)
			}
		case "ts_ms":
			if !isNull(raw) {
				var n int64
				if n, err = parseInt(raw); err == nil {
					m.TsMs = &n
				}
			}
		}
		if err != nil {
			return fmt.Errorf("member %q: %w", name, err)
		}
		return nil
	})
}

func (d *debezium) decode(m *message) (decoded, error) {
	if isNull(m.Value) {
		return decoded{tombstone: true}, nil
	}
	var top dbzMessage
	if err := top.scan(m.Value); err != nil {
		return decoded{}, fmt.Errorf("not a JSON object: %w", err)
	}
	p := top.dbzPayload
	var schemaText json.RawMessage
	if p.Op == "" && p.DDL == nil && !isNull(top.Payload) {
		// The envelope: a payload is recognised by its "op" (change
		// events) or "ddl" (schema changes) member.
		var inner dbzMessage
		if err := inner.scan(top.Payload); err != nil {
			return decoded{}, fmt.Errorf("debezium payload: %w", err)
		}
		if inner.Op != "" || inner.DDL != nil {
			p, schemaText = inner.dbzPayload, top.Schema
		}
	}
	var src dbzSource
	if !isNull(p.Source) {
		if err := src.scan(p.Source); err != nil {
			return decoded{}, fmt.Errorf("debezium source block: %w", err)
		}
	}
	table := src.Table
	if src.Schema != "" {
		table = src.Schema + "." + table
	} else if src.DB != "" {
		table = src.DB + "." + table
	}
	if p.DDL != nil {
		// A schema-change event (the connector's schema history topic).
		t := table
		if t == "" {
			t = strings.Trim(p.DatabaseName+"."+p.SchemaName, ".")
		}
		return decoded{ddl: &ddlEvent{Table: t, SQL: *p.DDL}}, nil
	}
	var op xcetl.Op
	switch p.Op {
	case "c", "r":
		op = xcetl.OpInsert
	case "u":
		op = xcetl.OpUpdate
	case "d":
		op = xcetl.OpDelete
	case "t":
		return decoded{ddl: &ddlEvent{Table: table, SQL: "TRUNCATE " + table}}, nil
	case "m":
		return decoded{ignored: "logical decoding message"}, nil
	case "":
		return decoded{}, fmt.Errorf(`debezium event has no "op" (is the topic a Debezium change topic?)`)
	default:
		return decoded{}, fmt.Errorf("debezium event has unknown op %q (want c, r, u, d, t or m)", p.Op)
	}
	var sch *dbzSchema
	var err error
	if !isNull(schemaText) {
		if sch, err = d.schema(schemaText); err != nil {
			return decoded{}, err
		}
	}
	version, err := dbzVersion(&src, p.TsMs, m)
	if err != nil {
		return decoded{}, err
	}
	var before, after []cdc.Field
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
	ev := cdc.Event{Source: table, Op: op, Version: version}
	switch op {
	case xcetl.OpDelete:
		if before == nil && key == nil {
			return decoded{}, fmt.Errorf("debezium delete has neither a before image nor a message key")
		}
		ev.Fields = mergeKey(before, key)
	default:
		if after == nil {
			return decoded{}, fmt.Errorf("debezium %q event has no after image", p.Op)
		}
		ev.Fields = after
	}
	if key == nil {
		// No message key: the configured key columns, from the row.
		if len(d.key) == 0 {
			return decoded{}, fmt.Errorf("the message has no key and source.key is not set: cannot tell which row changed")
		}
		if key, err = pick(ev.Fields, d.key); err != nil {
			return decoded{}, err
		}
	}
	ev.Key = key
	if op == xcetl.OpDelete {
		return decoded{events: []cdc.Event{ev}}, nil
	}
	// The message key is the new key. An update whose before image has
	// another key moved the row: delete the old key, upsert the new one.
	if op == xcetl.OpUpdate && before != nil {
		names := make([]string, len(key))
		for i, k := range key {
			names[i] = k.Name
		}
		if old, err := pick(before, names); err == nil && !sameValues(old, key) {
			del := cdc.Event{Source: table, Op: xcetl.OpDelete, Key: old, Fields: before, Version: version}
			return decoded{events: []cdc.Event{del, ev}}, nil
		}
	}
	if after, err := pick(ev.Fields, keyNames(key)); err == nil && !sameValues(after, key) {
		return decoded{}, fmt.Errorf("the message key %s differs from the key columns of the after image %s", cdc.KeyText(key), cdc.KeyText(after))
	}
	return decoded{events: []cdc.Event{ev}}, nil
}

func keyNames(key []cdc.Field) []string {
	out := make([]string, len(key))
	for i, k := range key {
		out[i] = k.Name
	}
	return out
}

// messageKey decodes a Debezium message key ({"id":1}, with or without the
// schema envelope); nil for an empty key.
func (d *debezium) messageKey(k []byte) ([]cdc.Field, error) {
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
func mergeKey(row, key []cdc.Field) []cdc.Field {
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

// pick returns the fields named, in that order.
func pick(row []cdc.Field, names []string) ([]cdc.Field, error) {
	out := make([]cdc.Field, 0, len(names))
	for _, n := range names {
		found := false
		for _, f := range row {
			if f.Name == n {
				out = append(out, f)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("key column %q is not in the row", n)
		}
	}
	return out, nil
}

func sameValues(a, b []cdc.Field) bool {
	return cdc.KeyText(a) == cdc.KeyText(b)
}

type dbzSchemaJSON struct {
	Type       string            `json:"type"`
	Name       string            `json:"name"`
	Field      string            `json:"field"`
	Fields     []dbzSchemaJSON   `json:"fields"`
	Parameters map[string]string `json:"parameters"`
}

func (s dbzSchemaJSON) toField() dbzField {
	f := dbzField{typ: s.Type, name: s.Name, field: s.Field}
	if sc, ok := s.Parameters["scale"]; ok {
		f.scale, _ = strconv.Atoi(sc)
	}
	for _, m := range s.Fields {
		f.fields = append(f.fields, m.toField())
	}
	return f
}

// schema parses (once per distinct schema text) the column schemas of the
// before and after images.
func (d *debezium) schema(text json.RawMessage) (*dbzSchema, error) {
	if s, ok := d.schemas[string(text)]; ok {
		return s, nil
	}
	var top dbzSchemaJSON
	if err := json.Unmarshal(text, &top); err != nil {
		return nil, fmt.Errorf("debezium schema: %w", err)
	}
	s := &dbzSchema{before: map[string]*dbzField{}, after: map[string]*dbzField{}}
	for _, part := range top.Fields {
		var into map[string]*dbzField
		switch part.Field {
		case "before":
			into = s.before
		case "after":
			into = s.after
		default:
			continue
		}
		for _, c := range part.Fields {
			f := c.toField()
			into[c.Field] = &f
			if part.Field == "after" {
				s.all = append(s.all, c.Field)
			}
		}
	}
	if len(d.schemas) > 1000 {
		clear(d.schemas) // a runaway number of distinct schemas: keep memory flat
	}
	d.schemas[string(text)] = s
	return s, nil
}

// dbzRow decodes a row image, typing values by the schema when there is
// one.
func dbzRow(raw json.RawMessage, sch *dbzSchema, part string) ([]cdc.Field, error) {
	var types map[string]*dbzField
	if sch != nil {
		types = sch.after
		if part == "before" && len(sch.before) > 0 {
			types = sch.before
		}
	}
	out := make([]cdc.Field, 0, 16)
	err := eachMember(raw, func(name string, v []byte) error {
		var f *dbzField
		if types != nil {
			f = types[name]
		}
		val, kind, err := dbzValue(v, f)
		if err != nil {
			return fmt.Errorf("debezium %s column %q: %w", part, name, err)
		}
		for i := range out {
			if out[i].Name == name { // a repeated member: the last one counts, as in encoding/json
				out[i] = cdc.Field{Name: name, Value: val, Kind: kind}
				return nil
			}
		}
		out = append(out, cdc.Field{Name: name, Value: val, Kind: kind})
		return nil
	})
	if err != nil {
		if errors.Is(err, errJSON) {
			return nil, fmt.Errorf("debezium %s image: %w", part, err)
		}
		return nil, err
	}
	cdc.SortFields(out)
	return out, nil
}

// scan fills src from the source block with the flat scanner. Numbers
// keep their text (json.Number); strings are unquoted.
func (src *dbzSource) scan(b []byte) error {
	return eachMember(b, func(name string, raw []byte) error {
		if isNull(raw) {
			return nil
		}
		text := func() (string, error) {
			if raw[0] == '"' {
				return unquote(raw)
			}
			return string(raw), nil
		}
		var err error
		switch name {
		case "connector":
			src.Connector, err = text()
		case "db":
			src.DB, err = text()
		case "schema":
			src.Schema, err = text()
		case "table":
			src.Table, err = text()
		case "ts_ms":
			src.TsMs, err = parseInt(raw)
		case "lsn":
			var t string
			t, err = text()
			src.LSN = json.Number(t)
		case "file":
			src.File, err = text()
		case "pos":
			var t string
			t, err = text()
			src.Pos = json.Number(t)
		case "row":
			var t string
			t, err = text()
			src.Row = json.Number(t)
		case "scn":
			src.SCN = raw
		case "commit_scn":
			src.CommitSCN = raw
		case "change_lsn":
			src.ChangeLSN, err = text()
		case "commit_lsn":
			src.CommitLSN, err = text()
		case "event_serial_no":
			var t string
			t, err = text()
			src.Serial = json.Number(t)
		}
		if err != nil {
			return fmt.Errorf("member %q: %w", name, err)
		}
		return nil
	})
}

// unavailable is Debezium's placeholder for a TOASTed value an update did
// not touch (PostgreSQL without REPLICA IDENTITY FULL).
const unavailable = "__debezium_unavailable_value"

// dbzValue decodes one column value. Without a schema, JSON numbers that
// are whole become int64 and other numbers keep their text (the target
// column's type decides), strings stay strings, objects and arrays become
// their JSON text.
func dbzValue(raw json.RawMessage, f *dbzField) (any, xcetl.Kind, error) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return nil, xcetl.KindInvalid, nil
	}
	if f == nil {
		return plainJSON(raw)
	}
	switch f.name {
	case "org.apache.kafka.connect.data.Decimal":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			// decimal.handling.mode=double or string.
			return plainJSON(raw)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			// decimal.handling.mode=string gives the number as text.
			if _, perr := strconv.ParseFloat(s, 64); perr == nil {
				return s, xcetl.KindInvalid, nil
			}
			return nil, 0, fmt.Errorf("decimal is neither base64 nor a number: %q", s)
		}
		return decimalOf(b, f.scale), xcetl.KindDecimal, nil
	case "io.debezium.data.VariableScaleDecimal":
		var v struct {
			Scale int    `json:"scale"`
			Value string `json:"value"`
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return plainJSON(raw)
		}
		b, err := base64.StdEncoding.DecodeString(v.Value)
		if err != nil {
			return nil, 0, fmt.Errorf("variable scale decimal value is not base64: %w", err)
		}
		if v.Scale < 0 || v.Scale > 1000 {
			return nil, 0, fmt.Errorf("variable scale decimal has scale %d", v.Scale)
		}
		return decimalOf(b, v.Scale), xcetl.KindDecimal, nil
	case "org.apache.kafka.connect.data.Date", "io.debezium.time.Date":
		n, err := wholeNumber(raw)
		if err != nil {
			return nil, 0, err
		}
		if n < -1e7 || n > 1e7 {
			return nil, 0, fmt.Errorf("date %d days from 1970-01-01 is out of range", n)
		}
		return time.Unix(n*86400, 0).UTC(), xcetl.KindDate, nil
	case "org.apache.kafka.connect.data.Timestamp", "io.debezium.time.Timestamp":
		return epoch(raw, time.Millisecond)
	case "io.debezium.time.MicroTimestamp":
		return epoch(raw, time.Microsecond)
	case "io.debezium.time.NanoTimestamp":
		return epoch(raw, time.Nanosecond)
	case "org.apache.kafka.connect.data.Time", "io.debezium.time.Time":
		return timeOfDay(raw, time.Millisecond)
	case "io.debezium.time.MicroTime":
		return timeOfDay(raw, time.Microsecond)
	case "io.debezium.time.NanoTime":
		return timeOfDay(raw, time.Nanosecond)
	case "io.debezium.time.ZonedTimestamp":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, 0, fmt.Errorf("zoned timestamp is not a string: %s", raw)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, 0, fmt.Errorf("zoned timestamp %q: %w", s, err)
		}
		return t, xcetl.KindTimestampTZ, nil
	}
	switch f.typ {
	case "int8", "int16", "int32", "int64":
		n, err := wholeNumber(raw)
		return n, xcetl.KindInt, err
	case "float", "float32", "float64", "double":
		var x float64
		if err := json.Unmarshal(raw, &x); err != nil {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				// NaN and infinities are strings in JSON.
				if x, err := strconv.ParseFloat(s, 64); err == nil {
					return x, xcetl.KindFloat, nil
				}
			}
			return nil, 0, fmt.Errorf("not a number: %s", raw)
		}
		return x, xcetl.KindFloat, nil
	case "boolean":
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, 0, fmt.Errorf("not a boolean: %s", raw)
		}
		return b, xcetl.KindBool, nil
	case "string":
		s, err := unquote(raw)
		if err != nil {
			return nil, 0, fmt.Errorf("not a string: %s", raw)
		}
		if s == unavailable {
			return nil, 0, fmt.Errorf("the value was not sent (%s): the update did not change this TOASTed column; set REPLICA IDENTITY FULL on the source table", unavailable)
		}
		return s, xcetl.KindString, nil
	case "bytes":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, 0, fmt.Errorf("bytes are not a string: %s", raw)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			// binary.handling.mode=hex
			if hb, herr := hex.DecodeString(s); herr == nil {
				return hb, xcetl.KindBytes, nil
			}
			return nil, 0, fmt.Errorf("bytes are neither base64 nor hex: %q", s)
		}
		return b, xcetl.KindBytes, nil
	}
	// struct, array, map: their JSON text.
	return string(raw), xcetl.KindString, nil
}

func plainJSON(raw json.RawMessage) (any, xcetl.Kind, error) {
	switch raw[0] {
	case '"':
		s, err := unquote(raw)
		if err != nil {
			return nil, 0, fmt.Errorf("bad JSON string: %w", err)
		}
		if s == unavailable {
			return nil, 0, fmt.Errorf("the value was not sent (%s): the update did not change this TOASTed column; set REPLICA IDENTITY FULL on the source table", unavailable)
		}
		return s, xcetl.KindInvalid, nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, 0, fmt.Errorf("bad JSON value %s", raw)
		}
		return b, xcetl.KindBool, nil
	case '{', '[':
		if !json.Valid(raw) {
			return nil, 0, fmt.Errorf("bad JSON value")
		}
		return string(raw), xcetl.KindString, nil
	}
	s := string(raw)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, xcetl.KindInt, nil
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return nil, 0, fmt.Errorf("bad JSON value %q", s)
	}
	return s, xcetl.KindInvalid, nil
}

func wholeNumber(raw json.RawMessage) (int64, error) {
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not a whole number: %s", raw)
	}
	return n, nil
}

func epoch(raw json.RawMessage, unit time.Duration) (any, xcetl.Kind, error) {
	n, err := wholeNumber(raw)
	if err != nil {
		return nil, 0, err
	}
	per := int64(time.Second / unit)
	sec, frac := n/per, n%per
	if frac < 0 {
		sec, frac = sec-1, frac+per
	}
	if sec < -62135596800 || sec > 253402300799 {
		return nil, 0, fmt.Errorf("timestamp %d is out of range", n)
	}
	return time.Unix(sec, frac*int64(unit)).UTC(), xcetl.KindTimestamp, nil
}

// timeOfDay renders a time-of-day column as text (xcetl has no time kind;
// every target parses "15:04:05.999999").
func timeOfDay(raw json.RawMessage, unit time.Duration) (any, xcetl.Kind, error) {
	n, err := wholeNumber(raw)
	if err != nil {
		return nil, 0, err
	}
	d := time.Duration(n) * unit
	if d < 0 || d > 24*time.Hour {
		return nil, 0, fmt.Errorf("time of day %d is out of range", n)
	}
	t := time.Unix(0, 0).UTC().Add(d)
	if d == 24*time.Hour {
		return "24:00:00", xcetl.KindString, nil
	}
	return t.Format("15:04:05.999999"), xcetl.KindString, nil
}

// decimalOf renders a two's complement big-endian unscaled value with the
// scale as a canonical xcetl.Decimal.
func decimalOf(b []byte, scale int) xcetl.Decimal {
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	neg := n.Sign() < 0
	digits := n.Abs(n).String()
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		digits = "-" + digits
	}
	return xcetl.Decimal(digits)
}

// dbzVersion builds the version of an event from its source block: the
// connector's own position where xcetl knows it, else the event time with
// the Kafka position.
func dbzVersion(src *dbzSource, tsMs *int64, m *message) ([]byte, error) {
	switch src.Connector {
	case "postgresql":
		if src.LSN != "" {
			lsn, err := strconv.ParseUint(string(src.LSN), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("debezium source.lsn %q: %w", src.LSN, err)
			}
			return cdc.VersionLSN(lsn), nil
		}
	case "mysql":
		if src.File != "" && src.Pos != "" {
			i := strings.LastIndexByte(src.File, '.')
			fileNo, err := strconv.ParseUint(src.File[i+1:], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("debezium source.file %q: no binlog sequence number", src.File)
			}
			pos, err := strconv.ParseUint(string(src.Pos), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("debezium source.pos %q: %w", src.Pos, err)
			}
			var row uint64
			if src.Row != "" {
				if row, err = strconv.ParseUint(string(src.Row), 10, 32); err != nil {
					return nil, fmt.Errorf("debezium source.row %q: %w", src.Row, err)
				}
			}
			return cdc.VersionBinlog(fileNo, pos, uint32(row)), nil
		}
	case "oracle":
		scn := jsonText(src.SCN)
		if scn != "" {
			return cdc.VersionSCN(scn, 0)
		}
	case "sqlserver":
		if src.ChangeLSN != "" {
			commit, err := hex.DecodeString(strings.ReplaceAll(src.CommitLSN, ":", ""))
			if err != nil {
				return nil, fmt.Errorf("debezium source.commit_lsn %q: %w", src.CommitLSN, err)
			}
			change, err := hex.DecodeString(strings.ReplaceAll(src.ChangeLSN, ":", ""))
			if err != nil {
				return nil, fmt.Errorf("debezium source.change_lsn %q: %w", src.ChangeLSN, err)
			}
			var serial uint64
			if src.Serial != "" {
				serial, _ = strconv.ParseUint(string(src.Serial), 10, 32)
			}
			return cdc.VersionSQLServer(commit, change, uint32(serial)), nil
		}
	}
	ts := src.TsMs
	if ts == 0 && tsMs != nil {
		ts = *tsMs
	}
	if ts == 0 {
		ts = m.Time.UnixMilli()
	}
	return cdc.VersionGeneric(ts, int32(m.Partition), m.Offset, 0), nil
}

// jsonText returns a JSON string's or number's text ("" for null).
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
