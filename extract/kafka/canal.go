package kafka

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
)

// canal decodes Canal's flat JSON messages (canal.mq.flatMessage=true):
// several rows per message, every value a string (or null), typed later by
// the target's columns.
type canal struct {
	key []string // source.key: key columns when the message has no pkNames
}

type canalMessage struct {
	Data      []map[string]*string `json:"data"`
	Old       []map[string]*string `json:"old"`
	Database  string               `json:"database"`
	Table     string               `json:"table"`
	Type      string               `json:"type"`
	IsDDL     bool                 `json:"isDdl"`
	PKNames   []string             `json:"pkNames"`
	SQL       string               `json:"sql"`
	Es        int64                `json:"es"`
	Ts        int64                `json:"ts"`
	MySQLType map[string]string    `json:"mysqlType"`
}

// canalDDLTypes are the message types Canal uses for statements that are
// not row changes.
var canalDDLTypes = map[string]bool{
	"CREATE": true, "ALTER": true, "ERASE": true, "RENAME": true,
	"CINDEX": true, "DINDEX": true, "QUERY": true, "GTID": true,
}

func (c *canal) decode(m *message) (decoded, error) {
	if isNull(m.Value) {
		return decoded{skip: skipIgnored, why: "empty message"}, nil
	}
	var cm canalMessage
	if err := json.Unmarshal(m.Value, &cm); err != nil {
		return decoded{}, fmt.Errorf("canal flat message: %w", err)
	}
	table := cm.Table
	if cm.Database != "" {
		table = cm.Database + "." + cm.Table
	}
	typ := strings.ToUpper(cm.Type)
	if typ == "TRUNCATE" {
		return decoded{truncate: &table}, nil
	}
	if cm.IsDDL || canalDDLTypes[typ] {
		if typ == "QUERY" || typ == "GTID" {
			if strings.TrimSpace(cm.SQL) == "" || isTransactionStatement(cm.SQL) {
				return decoded{skip: skipIgnored, why: "canal " + typ + " message"}, nil
			}
		}
		sql := cm.SQL
		if sql == "" {
			sql = typ + " " + table
		}
		return decoded{ddl: &ddlEvent{Table: table, SQL: sql}}, nil
	}
	var op change.Op
	switch typ {
	case "INSERT":
		op = change.Create
	case "UPDATE":
		op = change.Update
	case "DELETE":
		op = change.Delete
	case "":
		return decoded{}, fmt.Errorf(`canal message has no "type" (is the topic a Canal flat-message topic?)`)
	default:
		return decoded{}, fmt.Errorf("canal message has unknown type %q (want INSERT, UPDATE, DELETE or a DDL type)", cm.Type)
	}
	if cm.Table == "" {
		return decoded{}, fmt.Errorf(`canal message has no "table"`)
	}
	pk := cm.PKNames
	if len(pk) == 0 {
		pk = c.key
	}
	if len(pk) == 0 {
		return decoded{}, fmt.Errorf("canal message for %s has no pkNames and source.key is not set: cannot tell which row changed", table)
	}
	if cm.Old != nil && len(cm.Old) != len(cm.Data) {
		return decoded{}, fmt.Errorf("canal message has %d data rows but %d old rows", len(cm.Data), len(cm.Old))
	}
	out := make([]change.Event, 0, len(cm.Data))
	for i, row := range cm.Data {
		if row == nil {
			return decoded{}, fmt.Errorf("canal data row %d is null", i+1)
		}
		var err error
		if out, err = cm.rowEvents(out, m, table, op, pk, i); err != nil {
			return decoded{}, err
		}
	}
	return decoded{events: out}, nil
}

// rowEvents appends the events of data row i: one, or, for an update whose
// `old` names a key column with another value (the row moved), a delete of
// the old key and the update of the new one.
func (cm *canalMessage) rowEvents(out []change.Event, m *message, table string, op change.Op, pk []string, i int) ([]change.Event, error) {
	fields := canalFields(cm.Data[i], cm.MySQLType)
	key, err := fields.Pick(pk)
	if err != nil {
		return nil, fmt.Errorf("canal data row %d: %w", i+1, err)
	}
	ev := change.Event{Source: table, Op: op, Key: key, Position: change.PositionCanal(cm.Es, m.Offset, uint32(i)),
		Meta: change.Meta{Connector: "canal", Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset, Index: i, Time: time.UnixMilli(cm.Es).UTC()}}
	if op == change.Delete {
		ev.Before = fields
		return append(out, ev), nil
	}
	ev.After = fields
	if op == change.Update && cm.Old != nil && cm.Old[i] != nil {
		// `old` holds the previous values of the changed columns only:
		// the before image is the row with those put back.
		before := slices.Clone(fields)
		for j := range before {
			if v, ok := cm.Old[i][before[j].Name]; ok {
				before[j].Value = canalValue(v, cm.MySQLType[before[j].Name])
			}
		}
		ev.Before = before
		oldKey, err := before.Pick(pk)
		if err != nil {
			return nil, fmt.Errorf("canal old row %d: %w", i+1, err)
		}
		if !sameValues(oldKey, key) {
			del := ev
			del.Op, del.Key, del.After, del.Before = change.Delete, oldKey, nil, slices.Clone(before)
			out = append(out, del)
		}
	}
	return append(out, ev), nil
}

// isTransactionStatement reports Canal's BEGIN/COMMIT pseudo-statements.
func isTransactionStatement(sql string) bool {
	s := strings.ToUpper(strings.TrimSpace(sql))
	return s == "BEGIN" || s == "COMMIT" || s == "ROLLBACK" || strings.HasPrefix(s, "SAVEPOINT")
}

func canalFields(row map[string]*string, types map[string]string) change.Image {
	out := make(change.Image, 0, len(row))
	for name, v := range row {
		f := change.Field{Name: name, Value: canalValue(v, types[name])}
		if _, ok := f.Value.([]byte); ok {
			f.Kind = xcetl.KindBytes
		}
		out = append(out, f)
	}
	change.SortFields(out)
	return out
}

// canalValue is a value as Canal sent it: a string, typed later by the
// target column. Binary columns arrive as ISO-8859-1 text (one character
// per byte) and become bytes again.
func canalValue(v *string, mysqlType string) any {
	if v == nil {
		return nil
	}
	t := strings.ToLower(mysqlType)
	if strings.Contains(t, "blob") || strings.HasPrefix(t, "binary") || strings.HasPrefix(t, "varbinary") {
		b := make([]byte, 0, len(*v))
		ok := true
		for _, r := range *v {
			if r > 0xFF {
				ok = false
				break
			}
			b = append(b, byte(r))
		}
		if ok {
			return b
		}
	}
	return *v
}
