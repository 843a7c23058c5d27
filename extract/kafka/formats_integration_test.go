package kafka_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestTruncateIntegration: a truncate event between changes stops the run
// by default (naming the source and the target table, everything before it
// applied), empties the target table in the batch's transaction with
// truncate: apply (the changes after it applied after it), and is passed
// over with truncate: skip.
func TestTruncateIntegration(t *testing.T) {
	h := newHarness(t, 1, "src.public.people")
	for _, table := range []string{"people_stop", "people_apply", "people_skip"} {
		h.exec(`CREATE TABLE ` + table + ` (id bigint PRIMARY KEY, name text)`)
	}
	ev := func(op string, id int, lsn int) rec {
		return msg(0, dbzKey(id), dbzWith(map[string]any{"connector": "postgresql", "lsn": lsn})(op, id, fmt.Sprint("p", id), 0))
	}
	h.produce("src.public.people", ev("c", 1, 10), ev("c", 2, 20),
		msg(0, "", `{"op":"t","source":{"connector":"postgresql","schema":"public","table":"people","lsn":30}}`),
		ev("c", 3, 40))
	pipeline := func(table, mode string) string {
		return h.pipeline(table, `
source: {type: kafka, brokers: ["${BROKER}"], topic: src.public.people, group: `+table+`, format: debezium`+mode+`}
target: {type: postgres, dsn: "${PG_DSN}", table: `+table+`, mode: cdc, key: [id]}
`)
	}
	_, err := h.run(pipeline("people_stop", ""))
	if err == nil || !strings.Contains(err.Error(), "truncate event for table public.people (target table target.table)") || !strings.Contains(err.Error(), "truncate: apply") {
		t.Fatalf("truncate: stop: err = %v", err)
	}
	if got := h.query(`SELECT id FROM people_stop ORDER BY id`); got != "1\n2" {
		t.Errorf("truncate: stop applied %q, want the changes before it", got)
	}
	rep := h.mustRun(pipeline("people_apply", ", truncate: apply"))
	if got := h.query(`SELECT id FROM people_apply ORDER BY id`); got != "3" {
		t.Errorf("truncate: apply left %q, want 3", got)
	}
	if stat(rep, "cdc_truncates_applied") != 1 {
		t.Errorf("truncates applied = %v", stat(rep, "cdc_truncates_applied"))
	}
	h.mustRun(pipeline("people_skip", ", truncate: skip"))
	if got := h.query(`SELECT id FROM people_skip ORDER BY id`); got != "1\n2\n3" {
		t.Errorf("truncate: skip left %q", got)
	}
}

// TestFlatFormatIntegration applies the records of Debezium's
// ExtractNewRecordState transform (format: debezium-flat) with the source
// fields added (add.fields=op,lsn, delete.handling.mode=rewrite, tombstones
// kept): creates, an update, a rewritten delete and its tombstone, a
// tombstone alone (a delete the transform dropped), delivered twice; then an
// old record re-published, which the version guard refuses.
func TestFlatFormatIntegration(t *testing.T) {
	h := newHarness(t, 1, "flat.public.people")
	h.exec(`CREATE TABLE people (id bigint PRIMARY KEY, name text, born date)`)
	rec1 := msg(0, dbzKey(1), `{"id":1,"name":"张三","born":"1990-05-01","__op":"c","__lsn":100,"__table":"people","__schema":"public"}`)
	recs := []rec{
		rec1,
		msg(0, dbzKey(2), `{"id":2,"name":"李四","born":null,"__op":"c","__lsn":110}`),
		msg(0, dbzKey(3), `{"id":3,"name":"王五","born":null,"__op":"c","__lsn":120}`),
		msg(0, dbzKey(1), `{"id":1,"name":"张三丰","born":"1990-05-01","__op":"u","__lsn":130}`),
		msg(0, dbzKey(2), `{"id":2,"name":"李四","born":null,"__op":"d","__lsn":140,"__deleted":"true"}`),
		tombstone(0, dbzKey(2)),
		tombstone(0, dbzKey(3)),
		// With schemas on.
		msg(0, dbzKey(4), `{"schema":{"type":"struct","fields":[{"type":"int64","field":"id"},{"type":"string","field":"name"},{"type":"int32","name":"io.debezium.time.Date","field":"born"},{"type":"string","field":"__op"},{"type":"int64","field":"__lsn"}]},"payload":{"id":4,"name":"赵六","born":-1,"__op":"r","__lsn":150}}`),
	}
	h.produce("flat.public.people", twice(recs)...)
	path := h.pipeline("flat", `
source: {type: kafka, brokers: ["${BROKER}"], topic: flat.public.people, group: g, format: debezium-flat}
target: {type: postgres, dsn: "${PG_DSN}", table: people, mode: cdc, key: [id]}
`)
	h.mustRun(path)
	const want = "1\t张三丰\t1990-05-01\n4\t赵六\t1969-12-31"
	if got := h.query(`SELECT id, name, born::text FROM people ORDER BY id`); got != want {
		t.Fatalf("people:\n%s\nwant:\n%s", got, want)
	}
	h.produce("flat.public.people", rec1)
	rep := h.mustRun(path)
	if got := h.query(`SELECT id, name, born::text FROM people ORDER BY id`); got != want {
		t.Fatalf("after an old record re-published:\n%s", got)
	}
	if stat(rep, "cdc_stale_skipped") != 1 {
		t.Errorf("stale = %v", stat(rep, "cdc_stale_skipped"))
	}
}
