package kafka

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/change"
)

// render shows decoded events compactly: "op table key {fields}" (the
// row's operation, the image it applies).
func render(d decoded) string {
	switch d.skip {
	case skipTombstone:
		return "tombstone"
	case skipTransaction:
		return "transaction"
	case skipHeartbeat:
		return "heartbeat"
	case skipIgnored:
		return "ignored: " + d.why
	}
	if d.ddl != nil {
		return "ddl " + d.ddl.Table + ": " + d.ddl.SQL
	}
	if d.truncate != nil {
		return "truncate " + *d.truncate
	}
	var parts []string
	for _, e := range d.events {
		var fs []string
		for _, f := range e.Image() {
			v := "NULL"
			if f.Value != nil {
				v = fmt.Sprintf("%s:%s", f.Kind, xcetl.FormatValue(f.Value, f.Kind))
				if _, ok := f.Value.(string); ok && f.Kind == xcetl.KindInvalid {
					v = fmt.Sprintf("%q", f.Value)
				}
			}
			fs = append(fs, f.Name+"="+v)
		}
		parts = append(parts, fmt.Sprintf("%s %s %s {%s}", e.Op.Row(), e.Source, change.KeyText(e.Key), strings.Join(fs, " ")))
	}
	return strings.Join(parts, " | ")
}

// checkEvents fails for an event a batch cannot carry: without a key, or
// with a value of a type no loader takes.
func checkEvents(t *testing.T, events []change.Event) {
	t.Helper()
	for _, e := range events {
		if len(e.Key) == 0 {
			t.Fatalf("event without key: %+v", e)
		}
		for _, im := range []change.Image{e.Before, e.After, e.Key} {
			for _, f := range im {
				switch f.Value.(type) {
				case nil, string, int64, float64, xcetl.Decimal, bool, time.Time, []byte:
				default:
					t.Fatalf("field %q holds a %T", f.Name, f.Value)
				}
			}
		}
	}
}

// checkDecode decodes one message of topic srv.public.t and compares the
// rendering (or the error) with want (or wantErr).
func checkDecode(t *testing.T, d decoder, key, value, want, wantErr string) {
	t.Helper()
	got, err := d.decode(&message{Topic: "srv.public.t", Key: []byte(key), Value: []byte(value), Time: time.Unix(1, 0)})
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if r := render(got); r != want {
		t.Errorf("got\n%s\nwant\n%s", r, want)
	}
}

func TestDebeziumDecode(t *testing.T) {
	src := `"source":{"connector":"postgresql","schema":"public","table":"t","lsn":42}`
	schemaAfter := func(fields string) string {
		return `{"type":"struct","fields":[{"type":"struct","field":"before","fields":[` + fields + `]},{"type":"struct","field":"after","fields":[` + fields + `]},{"type":"string","field":"op"}]}`
	}
	for _, tc := range []struct {
		name, key, value, want, err string
		cfgKey                      []string
	}{
		{name: "insert without schema", key: `{"id":1}`,
			value: `{"op":"c","before":null,"after":{"id":1,"name":"张三","score":88.5,"big":12345678901234567890,"flag":true,"obj":{"a":[1]}},` + src + `}`,
			want:  `insert public.t {"id":1} {big="12345678901234567890" flag=bool:true id=int:1 name="张三" obj=string:{"a":[1]} score="88.5"}`},
		{name: "snapshot read is an insert", key: `{"id":1}`, value: `{"op":"r","after":{"id":1},` + src + `}`, want: `insert public.t {"id":1} {id=int:1}`},
		{name: "update", key: `{"id":1}`, value: `{"op":"u","before":{"id":1,"n":"a"},"after":{"id":1,"n":"b"},` + src + `}`, want: `update public.t {"id":1} {id=int:1 n="b"}`},
		{name: "update that moves the key", key: `{"id":2}`, value: `{"op":"u","before":{"id":1,"n":"a"},"after":{"id":2,"n":"a"},` + src + `}`,
			want: `delete public.t {"id":1} {id=int:1 n="a"} | update public.t {"id":2} {id=int:2 n="a"}`},
		{name: "delete with a key-only before image", key: `{"id":3}`, value: `{"op":"d","before":{"id":3},"after":null,` + src + `}`, want: `delete public.t {"id":3} {id=int:3}`},
		{name: "delete without before", key: `{"id":3}`, value: `{"op":"d","before":null,"after":null,` + src + `}`, want: `delete public.t {"id":3} {id=int:3}`},
		{name: "tombstone", key: `{"id":3}`, value: ``, want: "tombstone"},
		{name: "tombstone null", key: `{"id":3}`, value: `null`, want: "tombstone"},
		{name: "tombstone with schemas on (JsonConverter)", key: `{"schema":{"type":"struct","fields":[{"type":"int32","field":"id"}]},"payload":{"id":3}}`, value: `{"schema":null,"payload":null}`, want: "tombstone"},
		{name: "heartbeat", key: `{"serverName":"srv"}`, value: `{"ts_ms":1532616560152}`, want: "heartbeat"},
		{name: "heartbeat with schemas on", key: ``, value: `{"schema":{"type":"struct","name":"io.debezium.connector.common.Heartbeat","fields":[{"type":"int64","field":"ts_ms"}]},"payload":{"ts_ms":1532616560152}}`, want: "heartbeat"},
		{name: "transaction metadata", value: `{"status":"END","id":"571:53195832","ts_ms":1486500577691,"event_count":2,"data_collections":[{"data_collection":"s1.a","event_count":1}]}`, want: "transaction"},
		{name: "quoted ts_ms and a transaction block", key: `{"id":1}`, value: `{"op":"c","after":{"id":1},"ts_ms":"1580390884335","transaction":{"id":"0e4d5dcd:10","total_order":"1"},` + src + `}`, want: `insert public.t {"id":1} {id=int:1}`},
		{name: "key with schema envelope", key: `{"schema":{"type":"struct","fields":[{"type":"int32","field":"id"}]},"payload":{"id":5}}`,
			value: `{"op":"c","after":{"id":5},` + src + `}`, want: `insert public.t {"id":5} {id=int:5}`},
		{name: "no message key uses source.key", cfgKey: []string{"code"}, value: `{"op":"c","after":{"code":"A1","n":1},` + src + `}`, want: `insert public.t {"code":"A1"} {code="A1" n=int:1}`},
		{name: "no key at all", value: `{"op":"c","after":{"code":"A1"},` + src + `}`, err: "source.key is not set"},
		{name: "message key differs from the row", key: `{"id":9}`, value: `{"op":"c","after":{"id":1},` + src + `}`, err: "differs from the key columns"},
		{name: "typed by the schema", key: `{"id":1}`,
			value: `{"schema":` + schemaAfter(`{"type":"int64","field":"id"},`+
				`{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"field":"amount"},`+
				`{"type":"struct","name":"io.debezium.data.VariableScaleDecimal","field":"v","fields":[{"type":"int32","field":"scale"},{"type":"bytes","field":"value"}]},`+
				`{"type":"int32","name":"io.debezium.time.Date","field":"d"},`+
				`{"type":"int64","name":"io.debezium.time.Timestamp","field":"ms"},`+
				`{"type":"int64","name":"io.debezium.time.MicroTimestamp","field":"us"},`+
				`{"type":"int64","name":"io.debezium.time.NanoTimestamp","field":"ns"},`+
				`{"type":"string","name":"io.debezium.time.ZonedTimestamp","field":"z"},`+
				`{"type":"int64","name":"io.debezium.time.MicroTime","field":"tod"},`+
				`{"type":"bytes","field":"raw"},{"type":"double","field":"f"},{"type":"boolean","field":"b"},{"type":"string","field":"s"}`) +
				`,"payload":{"op":"c","after":{"id":1,"amount":"/4U=","v":{"scale":3,"value":"AeI="},"d":19844,"ms":1714566600123,"us":1714566600123456,"ns":1714566600123456789,` +
				`"z":"2024-05-01T12:30:00+08:00","tod":45296000001,"raw":"AAH/","f":"NaN","b":false,"s":"x"},` + src + `}}`,
			want: `insert public.t {"id":1} {amount=decimal:-1.23 b=bool:false d=date:2024-05-01 f=float:NaN id=int:1 ms=timestamp:2024-05-01 12:30:00.123 ns=timestamp:2024-05-01 12:30:00.123456 raw=bytes:0001ff s=string:x tod=string:12:34:56.000001 us=timestamp:2024-05-01 12:30:00.123456 v=decimal:0.482 z=timestamptz:2024-05-01 12:30:00+08:00}`},
		{name: "ddl", value: `{"source":{"connector":"mysql","db":"shop","table":"orders"},"databaseName":"shop","ddl":"ALTER TABLE orders ADD c int","tableChanges":[]}`, want: "ddl shop.orders: ALTER TABLE orders ADD c int"},
		{name: "truncate", key: ``, value: `{"op":"t",` + src + `}`, want: "truncate public.t"},
		{name: "logical message", value: `{"op":"m",` + src + `}`, want: "ignored: logical decoding message"},
		{name: "unknown op", key: `{"id":1}`, value: `{"op":"x",` + src + `}`, err: `unknown op "x"`},
		{name: "not debezium", value: `{"hello":1}`, err: `has no "op"`},
		{name: "not json", value: `{`, err: "not a JSON object"},
		{name: "toasted value", key: `{"id":1}`, value: `{"op":"u","after":{"id":1,"doc":"__debezium_unavailable_value"},` + src + `}`, err: "REPLICA IDENTITY FULL"},
		{name: "bad decimal", key: `{"id":1}`, value: `{"schema":` + schemaAfter(`{"type":"int64","field":"id"},{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"field":"a"}`) + `,"payload":{"op":"c","after":{"id":1,"a":"%%%"},` + src + `}}`, err: `column "a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkDecode(t, newDebezium(tc.cfgKey), tc.key, tc.value, tc.want, tc.err)
		})
	}
}

func TestDebeziumFlatDecode(t *testing.T) {
	for _, tc := range []struct {
		name, key, value, want, err string
		tombstones                  string
	}{
		{name: "upsert without metadata", key: `{"id":1}`, value: `{"id":1,"name":"张三"}`, want: `update  {"id":1} {id=int:1 name="张三"}`},
		{name: "op and source fields", key: `{"id":1}`, value: `{"id":1,"name":"a","__op":"c","__table":"residents","__schema":"public","__lsn":"123456789","__source_ts_ms":"1714566600000"}`,
			want: `insert public.residents {"id":1} {id=int:1 name="a"}`},
		{name: "rewritten delete", key: `{"pk":2}`, value: `{"pk":2,"cola":null,"__deleted":"true"}`, want: `delete  {"pk":2} {cola=NULL pk=int:2}`},
		{name: "schema envelope", key: `{"id":5}`, value: `{"schema":{"type":"struct","fields":[{"type":"int64","field":"id"},{"type":"int32","name":"io.debezium.time.Date","field":"d"},{"type":"string","field":"__op"}]},"payload":{"id":5,"d":19844,"__op":"u"}}`,
			want: `update  {"id":5} {d=date:2024-05-01 id=int:5}`},
		{name: "tombstone deletes", key: `{"id":7}`, value: ``, want: `delete  {"id":7} {id=int:7}`},
		{name: "tombstone with schemas on", key: `{"id":7}`, value: `{"schema":null,"payload":null}`, want: `delete  {"id":7} {id=int:7}`},
		{name: "tombstone skipped", key: `{"id":7}`, value: ``, tombstones: "skip", want: "tombstone"},
		{name: "truncate", value: `{"__op":"t","__table":"t","__db":"shop"}`, want: "truncate shop.t"},
		{name: "unknown op", key: `{"id":1}`, value: `{"id":1,"__op":"x"}`, err: `unknown __op "x"`},
		{name: "tombstone without key", value: ``, err: "without a message key"},
		{name: "a column called op is a column", key: `{"id":1}`, value: `{"id":1,"op":7}`, want: `update  {"id":1} {id=int:1 op=int:7}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := tc.tombstones
			if ts == "" {
				ts = "delete"
			}
			checkDecode(t, &debeziumFlat{dbz: newDebezium(nil), prefix: "__", tombstones: ts}, tc.key, tc.value, tc.want, tc.err)
		})
	}
	// The source fields order flattened records like the envelope's.
	d := &debeziumFlat{dbz: newDebezium(nil), prefix: "__", tombstones: "delete"}
	pos := func(v string) []byte {
		got, err := d.decode(&message{Key: []byte(`{"id":1}`), Value: []byte(v)})
		if err != nil {
			t.Fatal(err)
		}
		return got.events[0].Position
	}
	a, b := pos(`{"id":1,"__lsn":99,"__source_sequence":"[\"90\",\"99\"]"}`), pos(`{"id":1,"__lsn":100}`)
	if string(a) >= string(b) || a[0] != 1 {
		t.Errorf("flattened positions %x, %x", a, b)
	}
	if p := pos(`{"id":1,"__source_file":"mysql-bin.000010","__source_pos":4}`); p[0] != 2 {
		t.Errorf("a flattened MySQL record's position is %x", p)
	}
}

func TestDebeziumVersions(t *testing.T) {
	d := newDebezium(nil)
	version := func(source string) []byte {
		got, err := d.decode(&message{Key: []byte(`{"id":1}`), Value: []byte(`{"op":"c","after":{"id":1},"source":` + source + `}`)})
		if err != nil {
			t.Fatal(err)
		}
		return got.events[0].Position
	}
	for _, pair := range [][2]string{
		{`{"connector":"postgresql","lsn":99}`, `{"connector":"postgresql","lsn":100}`},
		{`{"connector":"mysql","file":"mysql-bin.000009","pos":900,"row":1}`, `{"connector":"mysql","file":"mysql-bin.000010","pos":4,"row":0}`},
		{`{"connector":"oracle","scn":"9999"}`, `{"connector":"oracle","scn":"10000"}`},
		{`{"connector":"sqlserver","change_lsn":"00000027:00000758:0003","commit_lsn":"00000027:00000758:0005"}`, `{"connector":"sqlserver","change_lsn":"00000027:00000760:0002","commit_lsn":"00000027:00000760:0005"}`},
		{`{"connector":"db2","ts_ms":5}`, `{"connector":"db2","ts_ms":6}`},
	} {
		if a, b := version(pair[0]), version(pair[1]); string(a) >= string(b) {
			t.Errorf("version of %s is not below %s", pair[0], pair[1])
		}
	}
}

func TestCanalDecode(t *testing.T) {
	c := &canal{}
	for _, tc := range []struct{ name, value, want, err string }{
		{name: "insert of two rows", value: `{"data":[{"id":"1","n":"a"},{"id":"2","n":null}],"database":"db","table":"t","type":"INSERT","isDdl":false,"pkNames":["id"],"es":1000}`,
			want: `insert db.t {"id":"1"} {id="1" n="a"} | insert db.t {"id":"2"} {id="2" n=NULL}`},
		{name: "update", value: `{"data":[{"id":"1","n":"b"}],"old":[{"n":"a"}],"database":"db","table":"t","type":"UPDATE","pkNames":["id"],"es":1}`,
			want: `update db.t {"id":"1"} {id="1" n="b"}`},
		{name: "update that moves the key", value: `{"data":[{"id":"2","n":"b"}],"old":[{"id":"1","n":"a"}],"database":"db","table":"t","type":"UPDATE","pkNames":["id"],"es":1}`,
			want: `delete db.t {"id":"1"} {id="1" n="a"} | update db.t {"id":"2"} {id="2" n="b"}`},
		{name: "delete", value: `{"data":[{"id":"1","n":"b"}],"database":"db","table":"t","type":"DELETE","pkNames":["id"],"es":1}`,
			want: `delete db.t {"id":"1"} {id="1" n="b"}`},
		{name: "binary column", value: `{"data":[{"id":"1","b":"\u0000\u00ff"}],"database":"db","table":"t","type":"INSERT","pkNames":["id"],"mysqlType":{"b":"blob"},"es":1}`,
			want: `insert db.t {"id":"1"} {b=bytes:00ff id="1"}`},
		{name: "ddl", value: `{"data":null,"database":"db","table":"t","type":"ALTER","isDdl":true,"sql":"ALTER TABLE t ADD x int","es":1}`, want: "ddl db.t: ALTER TABLE t ADD x int"},
		{name: "truncate", value: `{"database":"db","table":"t","type":"TRUNCATE","isDdl":true,"sql":"","es":1}`, want: "truncate db.t"},
		{name: "begin", value: `{"database":"db","table":"","type":"QUERY","isDdl":false,"sql":"BEGIN","es":1}`, want: "ignored: canal QUERY message"},
		{name: "no pk", value: `{"data":[{"id":"1"}],"database":"db","table":"t","type":"INSERT","es":1}`, err: "no pkNames"},
		{name: "pk not in row", value: `{"data":[{"n":"1"}],"database":"db","table":"t","type":"INSERT","pkNames":["id"],"es":1}`, err: `key column "id" is not in the row`},
		{name: "old and data differ in length", value: `{"data":[{"id":"1"}],"old":[],"database":"db","table":"t","type":"UPDATE","pkNames":["id"],"es":1}`, err: "1 data rows but 0 old rows"},
		{name: "unknown type", value: `{"data":[],"database":"db","table":"t","type":"UPSERT","es":1}`, err: `unknown type "UPSERT"`},
		{name: "not canal", value: `{"op":"c"}`, err: `no "type"`},
		{name: "null row", value: `{"data":[null],"database":"db","table":"t","type":"INSERT","pkNames":["id"],"es":1}`, err: "row 1 is null"},
		{name: "not json", value: `[`, err: "canal flat message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.decode(&message{Offset: 7, Value: []byte(tc.value)})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r := render(got); r != tc.want {
				t.Errorf("got\n%s\nwant\n%s", r, tc.want)
			}
		})
	}
	// Rows of one message are ordered by their position; messages by es.
	got, _ := c.decode(&message{Offset: 7, Value: []byte(`{"data":[{"id":"1"},{"id":"1"}],"database":"db","table":"t","type":"UPDATE","pkNames":["id"],"es":5}`)})
	if string(got.events[0].Position) >= string(got.events[1].Position) {
		t.Error("second row of a message is not newer than the first")
	}
}

func FuzzDebezium(f *testing.F) {
	f.Add([]byte(`{"id":1}`), []byte(`{"op":"u","before":{"id":1},"after":{"id":2,"n":"x"},"source":{"connector":"postgresql","lsn":5}}`))
	f.Add([]byte(``), []byte(`{"schema":{"type":"struct","fields":[{"type":"struct","field":"after","fields":[{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2"},"field":"a"},{"type":"int32","name":"io.debezium.time.Date","field":"d"}]}]},"payload":{"op":"c","after":{"a":"AQ==","d":1}}}`))
	f.Add([]byte(`{"schema":{},"payload":{"id":1}}`), []byte(`{"source":{"connector":"mysql","file":"b.1","pos":4},"ddl":"x"}`))
	f.Fuzz(func(t *testing.T, key, value []byte) {
		d := newDebezium([]string{"id"})
		got, err := d.decode(&message{Key: key, Value: value})
		if err != nil {
			return
		}
		checkEvents(t, got.events)
	})
}

func FuzzDebeziumFlat(f *testing.F) {
	f.Add([]byte(`{"id":1}`), []byte(`{"id":1,"n":"x","__op":"u","__lsn":5,"__source_sequence":"[\"4\",\"5\"]"}`))
	f.Add([]byte(`{"id":2}`), []byte(`{"schema":{"type":"struct","fields":[{"type":"int32","name":"io.debezium.time.Date","field":"d"}]},"payload":{"id":2,"d":1,"__deleted":"true"}}`))
	f.Add([]byte(`{"id":3}`), []byte(``))
	f.Add([]byte(``), []byte(`{"__op":"t","__table":"t"}`))
	f.Fuzz(func(t *testing.T, key, value []byte) {
		d := &debeziumFlat{dbz: newDebezium([]string{"id"}), prefix: "__", tombstones: "delete"}
		got, err := d.decode(&message{Key: key, Value: value})
		if err != nil {
			return
		}
		checkEvents(t, got.events)
	})
}

func FuzzCanal(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"2","n":"b"}],"old":[{"id":"1","n":"a"}],"database":"db","table":"t","type":"UPDATE","pkNames":["id"],"es":1}`))
	f.Add([]byte(`{"data":[{"id":"1","b":"\u00ff"}],"database":"db","table":"t","type":"INSERT","pkNames":["id"],"mysqlType":{"b":"blob"},"es":1}`))
	f.Add([]byte(`{"database":"db","table":"t","type":"ALTER","isDdl":true,"sql":"ALTER TABLE t"}`))
	f.Fuzz(func(t *testing.T, value []byte) {
		c := &canal{key: []string{"id"}}
		got, err := c.decode(&message{Value: value})
		if err != nil {
			return
		}
		checkEvents(t, got.events)
	})
}
