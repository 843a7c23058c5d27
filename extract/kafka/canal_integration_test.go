package kafka_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func row(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// TestCanalIntegration applies Canal flat messages of two tables from one
// topic (each table to its own target table), delivered twice: several
// rows per message, string values typed by the target's columns, an update
// with a partial `old`, an update that changes the key, a delete, and a
// delete of a row that never existed. A DDL message then stops the run
// with the table and statement, everything before it applied; ddl: skip
// goes past it.
func TestCanalIntegration(t *testing.T) {
	h := newHarness(t, 2, "canal.shop")
	h.exec(`CREATE TABLE orders (id bigint PRIMARY KEY, name varchar(32), amount numeric(10,2), paid boolean, created timestamp)`)
	h.exec(`CREATE TABLE customers (id bigint PRIMARY KEY, name text)`)
	o := func(id, name, amount, paid, created any) map[string]any {
		return row("id", id, "name", name, "amount", amount, "paid", paid, "created", created)
	}
	events := []rec{
		msg(0, "orders", canalMsg("INSERT", 1000, []map[string]any{
			o("1", "钢笔", "12.50", "1", "2024-05-01 08:00:00"),
			o("2", "墨水", "3.00", "0", "2024-05-01 08:01:00"),
			o("3", "纸", "1.10", "0", nil),
		}, nil, "orders")),
		msg(1, "customers", canalMsg("INSERT", 1001, []map[string]any{row("id", "7", "name", "王芳")}, nil, "customers")),
		msg(0, "orders", canalMsg("UPDATE", 1002, []map[string]any{o("2", "墨水", "3.50", "1", "2024-05-01 08:01:00")},
			[]map[string]any{row("amount", "3.00", "paid", "0")}, "orders")),
		// The key changes: `old` names id.
		msg(0, "orders", canalMsg("UPDATE", 1003, []map[string]any{o("30", "纸", "1.10", "0", nil)},
			[]map[string]any{row("id", "3")}, "orders")),
		msg(0, "orders", canalMsg("DELETE", 1004, []map[string]any{o("1", "钢笔", "12.50", "1", "2024-05-01 08:00:00")}, nil, "orders")),
		msg(0, "orders", canalMsg("DELETE", 1005, []map[string]any{o("404", "无", "0", "0", nil)}, nil, "orders")),
		msg(1, "customers", canalMsg("UPDATE", 1006, []map[string]any{row("id", "7", "name", "王芳芳")}, []map[string]any{row("name", "王芳")}, "customers")),
	}
	h.produce("canal.shop", twice(events)...)
	path := h.pipeline("shop_cdc", `
source:
  type: kafka
  brokers: ["${BROKER}"]
  topic: canal.shop
  group: shop
  format: canal
  table_map: {shop.customers: public.customers}   # orders keeps its name
  ddl: ${DDL:-stop}
target: {type: postgres, dsn: "${PG_DSN}", table: public.orders, mode: cdc, key: [id]}
`)
	rep := h.mustRun(path)
	const wantOrders = "2\t墨水\t3.50\ttrue\t2024-05-01 08:01:00\n30\t纸\t1.10\tfalse\tNULL"
	if got := h.query(`SELECT id, name, amount::text, paid, created FROM orders ORDER BY id`); got != wantOrders {
		t.Fatalf("orders:\n%s\nwant:\n%s", got, wantOrders)
	}
	if got := h.query(`SELECT id, name FROM customers`); got != "7\t王芳芳" {
		t.Fatalf("customers: %s", got)
	}
	if stat(rep, "cdc_events") != 20 {
		t.Errorf("events = %v, want 20 (stats %v)", stat(rep, "cdc_events"), rep.Stats)
	}

	// A DDL message between two changes: the run stops at it.
	h.produce("canal.shop",
		msg(0, "orders", canalMsg("INSERT", 2000, []map[string]any{o("5", "尺子", "2.00", "0", nil)}, nil, "orders")),
		msg(0, "orders", `{"data":null,"database":"shop","table":"orders","type":"ALTER","isDdl":true,"sql":"ALTER TABLE orders ADD COLUMN note varchar(10)","es":2001,"ts":2002}`),
		msg(0, "orders", canalMsg("INSERT", 2003, []map[string]any{o("6", "胶水", "4.00", "0", nil)}, nil, "orders")),
	)
	_, err := h.run(path)
	if err == nil || !strings.Contains(err.Error(), "shop.orders") || !strings.Contains(err.Error(), "ALTER TABLE orders ADD COLUMN note") || !strings.Contains(err.Error(), "ddl: skip") {
		t.Fatalf("run over a DDL message: err = %v", err)
	}
	if got := h.query(`SELECT id FROM orders ORDER BY id`); got != "2\n5\n30" {
		t.Fatalf("the change before the DDL was not applied (or the one after was): %q", got)
	}
	// Stopped again at the same place without ddl: skip…
	if _, err := h.run(path); err == nil {
		t.Fatal("second run went past the DDL")
	}
	// …and past it with ddl: skip.
	rep = h.mustRun(path, "DDL=skip")
	if got := h.query(`SELECT id FROM orders ORDER BY id`); got != "2\n5\n6\n30" {
		t.Fatalf("after ddl: skip: %q", got)
	}
	if stat(rep, "cdc_ddl_events") != 1 {
		t.Errorf("ddl events = %v", stat(rep, "cdc_ddl_events"))
	}
}

// TestSingleTableCanalRefusesMixedTopic: a pipeline that maps its one topic
// to one table refuses a topic that carries two tables instead of mixing
// them.
func TestSingleTableCanalRefusesMixedTopicIntegration(t *testing.T) {
	h := newHarness(t, 1, "canal.mixed")
	h.exec(`CREATE TABLE orders (id bigint PRIMARY KEY, name text)`)
	h.produce("canal.mixed",
		msg(0, "", canalMsg("INSERT", 1, []map[string]any{row("id", "1", "name", "a")}, nil, "orders")),
		msg(0, "", canalMsg("INSERT", 2, []map[string]any{row("id", "1", "name", "b")}, nil, "customers")),
	)
	path := h.pipeline("mixed", `
source: {type: kafka, brokers: ["${BROKER}"], topic: canal.mixed, group: g, format: canal}
target: {type: postgres, dsn: "${PG_DSN}", table: orders, mode: cdc, key: [id]}
`)
	_, err := h.run(path)
	if err == nil || !strings.Contains(err.Error(), "table_map") || !strings.Contains(err.Error(), "shop.customers") {
		t.Fatalf("err = %v", err)
	}
}

// TestExposedColumnsIntegration: a column exposed with source.columns is a
// pipeline column that transforms change (here masked), while the other
// fields travel untouched to the table.
func TestExposedColumnsIntegration(t *testing.T) {
	h := newHarness(t, 1, "canal.members")
	h.exec(`CREATE TABLE members (id bigint PRIMARY KEY, name text, phone varchar(11), joined date)`)
	h.produce("canal.members",
		msg(0, "", canalMsg("INSERT", 1, []map[string]any{row("id", "1", "name", "张三", "phone", "13812345678", "joined", "2024-05-01")}, nil, "members")),
		msg(0, "", canalMsg("UPDATE", 2, []map[string]any{row("id", "1", "name", "张三", "phone", "13987654321", "joined", "2024-05-01")},
			[]map[string]any{row("phone", "13812345678")}, "members")),
	)
	path := h.pipeline("members", `
source: {type: kafka, brokers: ["${BROKER}"], topic: canal.members, group: g, format: canal, columns: [phone]}
transforms:
  - mask: {phone: mobile}
target: {type: postgres, dsn: "${PG_DSN}", table: members, mode: cdc, key: [id]}
`)
	h.mustRun(path)
	if got := h.query(`SELECT id, name, phone, joined::text FROM members`); got != "1\t张三\t139****4321\t2024-05-01" {
		t.Fatalf("members: %q", got)
	}
}

// TestCanalToSQLiteIntegration applies Canal events to SQLite (with the
// per-key versions Canal uses by default), twice delivered.
func TestCanalToSQLiteIntegration(t *testing.T) {
	h := newHarness(t, 1, "canal.sqlite")
	dbFile := filepath.Join(h.dir, "target.db")
	db, err := sql.Open("sqlite", dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, name TEXT, amount NUMERIC, paid BOOLEAN, created TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	o := func(id, name, amount, paid, created any) map[string]any {
		return row("id", id, "name", name, "amount", amount, "paid", paid, "created", created)
	}
	h.produce("canal.sqlite", twice([]rec{
		msg(0, "", canalMsg("INSERT", 1, []map[string]any{o("1", "钢笔", "12.50", "1", "2024-05-01 08:00:00"), o("2", "墨水", "3.00", "0", nil)}, nil, "orders")),
		msg(0, "", canalMsg("UPDATE", 2, []map[string]any{o("20", "墨水", "3.50", "1", nil)}, []map[string]any{row("id", "2", "amount", "3.00")}, "orders")),
		msg(0, "", canalMsg("DELETE", 3, []map[string]any{o("1", "钢笔", "12.50", "1", "2024-05-01 08:00:00")}, nil, "orders")),
		msg(0, "", canalMsg("INSERT", 4, []map[string]any{o("3", "纸", "1.10", "0", "2024-05-02 09:00:00")}, nil, "orders")),
	})...)
	path := h.pipeline("sqlite_cdc", `
source: {type: kafka, brokers: ["${BROKER}"], topic: canal.sqlite, group: g, format: canal}
target: {type: sqlite, dsn: target.db, table: orders, mode: cdc, key: [id]}
`)
	rep := h.mustRun(path)
	rows, err := db.Query(`SELECT id, name, amount, paid, coalesce(created, 'NULL') FROM orders ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id int64
		var name, created string
		var amount float64
		var paid bool
		if err := rows.Scan(&id, &name, &amount, &paid, &created); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %.2f %t %s", id, name, amount, paid, created))
	}
	want := "3 纸 1.10 false 2024-05-02 09:00:00|20 墨水 3.50 true NULL"
	if g := strings.Join(got, "|"); g != want {
		t.Fatalf("orders:\n%s\nwant\n%s", g, want)
	}
	if stat(rep, "cdc_events_applied") == 0 {
		t.Errorf("stats: %v", rep.Stats)
	}
}
