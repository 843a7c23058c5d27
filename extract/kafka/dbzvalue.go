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
	"github.com/xcetl/xcetl/change"
)

// The values of Debezium's row images, typed by the schema envelope when
// the converter sends one (value.converter.schemas.enable=true).

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
// before and after images, or of a flattened record's columns (in after).
func (d *debezium) schema(text json.RawMessage) (*dbzSchema, error) {
	if s, ok := d.schemas[string(text)]; ok {
		return s, nil
	}
	var top dbzSchemaJSON
	if err := json.Unmarshal(text, &top); err != nil {
		return nil, fmt.Errorf("debezium schema: %w", err)
	}
	s := &dbzSchema{before: map[string]*dbzField{}, after: map[string]*dbzField{}}
	flat := true // the schema of a flattened record (ExtractNewRecordState): the columns themselves
	for _, part := range top.Fields {
		if part.Field == "before" || part.Field == "after" {
			flat = false
		}
	}
	if flat {
		for _, c := range top.Fields {
			f := c.toField()
			s.after[c.Field] = &f
		}
	}
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
func dbzRow(raw json.RawMessage, sch *dbzSchema, part string) ([]change.Field, error) {
	return dbzRowMeta(raw, sch, part, nil)
}

// dbzRowMeta is dbzRow; members for which meta reports true are metadata,
// not columns (the __ fields of a flattened record).
func dbzRowMeta(raw json.RawMessage, sch *dbzSchema, part string, meta func(name string, raw []byte) (bool, error)) ([]change.Field, error) {
	var types map[string]*dbzField
	if sch != nil {
		types = sch.after
		if part == "before" && len(sch.before) > 0 {
			types = sch.before
		}
	}
	out := make([]change.Field, 0, 16)
	err := eachMember(raw, func(name string, v []byte) error {
		if meta != nil {
			if isMeta, err := meta(name, v); isMeta || err != nil {
				if err != nil {
					return fmt.Errorf("debezium field %q: %w", name, err)
				}
				return nil
			}
		}
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
				out[i] = change.Field{Name: name, Value: val, Kind: kind}
				return nil
			}
		}
		out = append(out, change.Field{Name: name, Value: val, Kind: kind})
		return nil
	})
	if err != nil {
		if errors.Is(err, errJSON) {
			return nil, fmt.Errorf("debezium %s image: %w", part, err)
		}
		return nil, err
	}
	change.SortFields(out)
	return out, nil
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
	if v, k, ok, err := dbzLogical(raw, f); ok {
		return v, k, err
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

// dbzLogical decodes the values of Kafka Connect's and Debezium's logical
// types (the schema field's name); ok is false for a field of a plain type.
func dbzLogical(raw json.RawMessage, f *dbzField) (v any, k xcetl.Kind, ok bool, err error) {
	switch f.name {
	case "org.apache.kafka.connect.data.Decimal":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			// decimal.handling.mode=double or string.
			v, k, err := plainJSON(raw)
			return v, k, true, err
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			// decimal.handling.mode=string gives the number as text.
			if _, perr := strconv.ParseFloat(s, 64); perr == nil {
				return s, xcetl.KindInvalid, true, nil
			}
			return nil, 0, true, fmt.Errorf("decimal is neither base64 nor a number: %q", s)
		}
		return decimalOf(b, f.scale), xcetl.KindDecimal, true, nil
	case "io.debezium.data.VariableScaleDecimal":
		var vs struct {
			Scale int    `json:"scale"`
			Value string `json:"value"`
		}
		if err := json.Unmarshal(raw, &vs); err != nil {
			v, k, err := plainJSON(raw)
			return v, k, true, err
		}
		b, err := base64.StdEncoding.DecodeString(vs.Value)
		if err != nil {
			return nil, 0, true, fmt.Errorf("variable scale decimal value is not base64: %w", err)
		}
		if vs.Scale < 0 || vs.Scale > 1000 {
			return nil, 0, true, fmt.Errorf("variable scale decimal has scale %d", vs.Scale)
		}
		return decimalOf(b, vs.Scale), xcetl.KindDecimal, true, nil
	case "org.apache.kafka.connect.data.Date", "io.debezium.time.Date":
		n, err := wholeNumber(raw)
		if err != nil {
			return nil, 0, true, err
		}
		if n < -1e7 || n > 1e7 {
			return nil, 0, true, fmt.Errorf("date %d days from 1970-01-01 is out of range", n)
		}
		return time.Unix(n*86400, 0).UTC(), xcetl.KindDate, true, nil
	case "org.apache.kafka.connect.data.Timestamp", "io.debezium.time.Timestamp":
		v, k, err := epoch(raw, time.Millisecond)
		return v, k, true, err
	case "io.debezium.time.MicroTimestamp":
		v, k, err := epoch(raw, time.Microsecond)
		return v, k, true, err
	case "io.debezium.time.NanoTimestamp":
		v, k, err := epoch(raw, time.Nanosecond)
		return v, k, true, err
	case "org.apache.kafka.connect.data.Time", "io.debezium.time.Time":
		v, k, err := timeOfDay(raw, time.Millisecond)
		return v, k, true, err
	case "io.debezium.time.MicroTime":
		v, k, err := timeOfDay(raw, time.Microsecond)
		return v, k, true, err
	case "io.debezium.time.NanoTime":
		v, k, err := timeOfDay(raw, time.Nanosecond)
		return v, k, true, err
	case "io.debezium.time.ZonedTimestamp":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, 0, true, fmt.Errorf("zoned timestamp is not a string: %s", raw)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, 0, true, fmt.Errorf("zoned timestamp %q: %w", s, err)
		}
		return t, xcetl.KindTimestampTZ, true, nil
	}
	return nil, 0, false, nil
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
