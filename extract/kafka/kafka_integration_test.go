package kafka_test

import (
	"encoding/base64"
	"math/big"
	"testing"
)

const residentsDDL = `CREATE TABLE public.residents (
	id bigint PRIMARY KEY, name text NOT NULL, score numeric(10,2), born date, updated timestamp, active boolean)`

const residentsSelect = `SELECT id, name, score::text, born::text, updated, active FROM public.residents ORDER BY id`

func person(id int, name string, score any) map[string]any {
	return map[string]any{"id": id, "name": name, "score": score, "born": 7000, "updated": int64(1714566600000000), "active": true}
}

// debeziumEvents is a history of the residents table with every kind of
// change: inserts, an update, a delete with its tombstone, an update that
// moves a row to a new key, a delete of a row that never existed, and an
// insert sent with the schema envelope (decimal as base64, date as days,
// timestamp as microseconds).
func debeziumEvents() []rec {
	withSchema := `{"schema":{"type":"struct","fields":[` +
		`{"type":"struct","optional":true,"field":"before","fields":[]},` +
		`{"type":"struct","optional":true,"field":"after","fields":[` +
		`{"type":"int64","optional":false,"field":"id"},{"type":"string","optional":false,"field":"name"},` +
		`{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"score"},` +
		`{"type":"int32","optional":true,"name":"io.debezium.time.Date","field":"born"},` +
		`{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","field":"updated"},` +
		`{"type":"boolean","optional":true,"field":"active"}]},` +
		`{"type":"struct","optional":false,"field":"source","fields":[]},{"type":"string","optional":false,"field":"op"}]},` +
		`"payload":{"op":"c","before":null,"after":{"id":4,"name":"赵六","score":"` + decimalBase64(-12345, 2) + `","born":-1,"updated":1714566600123456,"active":false},` +
		`"source":{"connector":"postgresql","schema":"public","table":"residents","lsn":180}}}`
	return []rec{
		msg(0, dbzKey(1), dbz("c", nil, person(1, "张三", 88.5), 100)),
		msg(0, dbzKey(2), dbz("c", nil, person(2, "李四", 70), 110)),
		msg(0, dbzKey(3), dbz("r", nil, person(3, "王五", nil), 120)),
		msg(0, dbzKey(2), dbz("u", person(2, "李四", 70), person(2, "李四四", 71.25), 130)),
		msg(0, dbzKey(3), dbz("d", person(3, "王五", nil), nil, 140)),
		tombstone(0, dbzKey(3)),
		msg(0, dbzKey(10), dbz("u", person(1, "张三", 88.5), person(10, "张三", 99), 150)),
		msg(0, dbzKey(99), dbz("d", map[string]any{"id": 99}, nil, 160)),
		msg(0, dbzKey(4), withSchema),
	}
}

func decimalBase64(unscaled int64, _ int) string {
	b := big.NewInt(unscaled).Bytes()
	if unscaled < 0 {
		// two's complement, big-endian, minimal length
		n := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), uint(8*(len(b)+1))), big.NewInt(unscaled))
		b = n.Bytes()
		for len(b) > 1 && b[0] == 0xff && b[1]&0x80 != 0 {
			b = b[1:]
		}
	}
	return base64.StdEncoding.EncodeToString(b)
}

const debeziumFinal = "2\t李四四\t71.25\t1989-03-02\t2024-05-01 12:30:00\ttrue\n" +
	"4\t赵六\t-123.45\t1969-12-31\t2024-05-01 12:30:00.123456\tfalse\n" +
	"10\t张三\t99.00\t1989-03-02\t2024-05-01 12:30:00\ttrue"

func twice(rs []rec) []rec {
	var out []rec
	for _, r := range rs {
		out = append(out, r, r)
	}
	return out
}

// TestDebeziumIntegration applies a Debezium history delivered twice, runs
// again with nothing new, then replays the whole topic from the start —
// with a new consumer group (offsets in the target skip everything), with
// the target's offsets deleted (the per-key versions skip everything), and
// as another pipeline with its own state (everything is applied again) —
// and each time the table equals the source's final state.
func TestDebeziumIntegration(t *testing.T) {
	h := newHarness(t, 1, "src.public.residents")
	h.exec(residentsDDL)
	h.produce("src.public.residents", twice(debeziumEvents())...)
	body := `
source:
  type: kafka
  brokers: ["${BROKER}"]
  topic: src.public.residents
  group: ${GROUP:-g1}
  format: debezium
  versions: true
target: {type: postgres, dsn: "${PG_DSN}", table: public.residents, mode: cdc, key: [id]}
`
	path := h.pipeline("residents_cdc", body)
	rep := h.mustRun(path)
	if got := h.query(residentsSelect); got != debeziumFinal {
		t.Fatalf("after the first run:\n%s\nwant:\n%s", got, debeziumFinal)
	}
	if stat(rep, "kafka_messages") != 18 || stat(rep, "cdc_tombstones") != 2 {
		t.Errorf("stats: %v", rep.Stats)
	}
	// Every event came twice; the second copy is collapsed in the batch.
	if stat(rep, "cdc_events_collapsed") < 8 {
		t.Errorf("collapsed = %v, want at least 8 (stats %v)", stat(rep, "cdc_events_collapsed"), rep.Stats)
	}
	if got := h.query(`SELECT state_key, convert_from(decode(state_value, 'hex'), 'UTF8') FROM xcetl_state WHERE pipeline = 'residents_cdc'`); got != "kafka/src.public.residents/0\t18" {
		t.Errorf("state = %q", got)
	}

	// Nothing new: nothing read.
	rep = h.mustRun(path)
	if stat(rep, "kafka_messages") != 0 {
		t.Errorf("second run read %v messages", stat(rep, "kafka_messages"))
	}

	// A new group starts at the beginning of the topic: the offsets the
	// target holds skip every message.
	rep = h.mustRun(path, "GROUP=g2")
	if stat(rep, "cdc_duplicates_skipped") != 18 || stat(rep, "cdc_events_applied") != 0 {
		t.Errorf("replay with a new group: %v", rep.Stats)
	}
	if got := h.query(residentsSelect); got != debeziumFinal {
		t.Fatalf("after replay:\n%s", got)
	}

	// Without the offsets, the per-key versions refuse every old event.
	h.exec(`DELETE FROM xcetl_state`)
	rep = h.mustRun(path, "GROUP=g3")
	if stat(rep, "cdc_stale_skipped") == 0 || stat(rep, "cdc_events_applied") != 0 {
		t.Errorf("replay without offsets: %v", rep.Stats)
	}
	if got := h.query(residentsSelect); got != debeziumFinal {
		t.Fatalf("after replay without offsets:\n%s", got)
	}

	// Another pipeline (own offsets, own versions) replays the whole
	// history onto the same table and ends in the same state.
	other := h.pipeline("residents_cdc_2", body)
	rep = h.mustRun(other, "GROUP=g4")
	if stat(rep, "cdc_events_applied") == 0 {
		t.Errorf("full replay applied nothing: %v", rep.Stats)
	}
	if got := h.query(residentsSelect); got != debeziumFinal {
		t.Fatalf("after a full replay:\n%s", got)
	}
}
