package kafka

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docSample reads a sample event of Debezium's documentation (see
// testdata/debezium/README.md for where each comes from).
func docSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "debezium", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDebeziumDocSamples decodes the events Debezium's documentation shows
// for the PostgreSQL, MySQL, Oracle and SQL Server connectors: creates with
// the schema envelope, updates and deletes without it, truncates, and the
// transaction metadata messages (skipped), with the table and the position
// each source block gives.
func TestDebeziumDocSamples(t *testing.T) {
	// The Oracle samples' source blocks name no table (nor connector): the
	// table is the topic's (see tableFor), the position the SCN's.
	for _, tc := range []struct{ sample, key, topic, want string }{
		{"postgresql-create", `{"id":1}`, "PostgreSQL_server.inventory.customers", `insert public.customers {"id":1} {email=string:annek@noanswer.org first_name=string:Anne id=int:1 last_name=string:Kretchmar}`},
		{"postgresql-update", `{"id":1}`, "", `update public.customers {"id":1} {email="annek@noanswer.org" first_name="Anne Marie" id=int:1 last_name="Kretchmar"}`},
		{"postgresql-delete", `{"id":1}`, "", `delete public.customers {"id":1} {id=int:1}`},
		{"postgresql-truncate", ``, "", `truncate public.customers`},
		{"postgresql-transaction-begin", `"571:53195829"`, "PostgreSQL_server.transaction", `transaction`},
		{"postgresql-transaction-end", `"571:53195832"`, "PostgreSQL_server.transaction", `transaction`},
		{"mysql-create", `{"id":1004}`, "mysql-server-1.inventory.customers", `insert inventory.customers {"id":1004} {email=string:annek@noanswer.org first_name=string:Anne id=int:1004 last_name=string:Kretchmar}`},
		{"mysql-update", `{"id":1004}`, "", `update inventory.customers {"id":1004} {email="annek@noanswer.org" first_name="Anne Marie" id=int:1004 last_name="Kretchmar"}`},
		{"mysql-delete", `{"id":1004}`, "", `delete inventory.customers {"id":1004} {email="annek@noanswer.org" first_name="Anne Marie" id=int:1004 last_name="Kretchmar"}`},
		{"mysql-truncate", ``, "", `truncate inventory.customers`},
		{"mysql-transaction-begin", ``, "mysql-server-1.transaction", `transaction`},
		{"mysql-transaction-end", ``, "mysql-server-1.transaction", `transaction`},
		{"oracle-create", `{"ID":1004}`, "server1.DEBEZIUM.CUSTOMERS", `insert  {"ID":1004} {EMAIL=string:annek@noanswer.org FIRST_NAME=string:Anne ID=int:1004 LAST_NAME=string:Kretchmar}`},
		{"oracle-update", `{"ID":1004}`, "", `update  {"ID":1004} {EMAIL="anne@example.com" FIRST_NAME="Anne" ID=int:1004 LAST_NAME="Kretchmar"}`},
		{"oracle-delete", `{"ID":1004}`, "", `delete  {"ID":1004} {EMAIL="anne@example.com" FIRST_NAME="Anne" ID=int:1004 LAST_NAME="Kretchmar"}`},
		{"oracle-truncate", ``, "", `truncate DEBEZIUM.TEST_TABLE`},
		{"oracle-transaction-begin", ``, "server1.transaction", `transaction`},
		{"oracle-transaction-end", ``, "server1.transaction", `transaction`},
		{"sqlserver-create", `{"id":1005}`, "server1.testDB.dbo.customers", `insert dbo.customers {"id":1005} {email=string:john.doe@example.org first_name=string:john id=int:1005 last_name=string:doe}`},
		{"sqlserver-update", `{"id":1005}`, "", `update dbo.customers {"id":1005} {email="noreply@example.org" first_name="john" id=int:1005 last_name="doe"}`},
		{"sqlserver-delete", `{"id":1005}`, "", `delete dbo.customers {"id":1005} {email="noreply@example.org" first_name="john" id=int:1005 last_name="doe"}`},
		{"sqlserver-transaction-begin", ``, "server1.transaction", `transaction`},
		{"sqlserver-transaction-end", ``, "server1.transaction", `transaction`},
	} {
		t.Run(tc.sample, func(t *testing.T) {
			d := newDebezium(nil)
			got, err := d.decode(&message{Topic: tc.topic, Key: []byte(tc.key), Value: docSample(t, tc.sample)})
			if err != nil {
				t.Fatal(err)
			}
			if r := render(got); r != tc.want {
				t.Errorf("got\n%s\nwant\n%s", r, tc.want)
			}
			for _, e := range got.events {
				if e.Position == nil {
					t.Errorf("no position from the source block")
				}
			}
		})
	}
}

// TestDebeziumDocSamplePositions: the positions of the documentation's
// samples order as their source blocks say (PostgreSQL lsn, MySQL binlog
// position, Oracle SCN, SQL Server commit and change LSN).
func TestDebeziumDocSamplePositions(t *testing.T) {
	pos := func(sample, key string) []byte {
		got, err := newDebezium(nil).decode(&message{Key: []byte(key), Value: docSample(t, sample)})
		if err != nil || len(got.events) != 1 {
			t.Fatalf("%s: %v %v", sample, got, err)
		}
		return got.events[0].Position
	}
	for _, pair := range [][3]string{
		{"postgresql-update", "postgresql-delete", `{"id":1}`},
		{"mysql-update", "mysql-delete", `{"id":1004}`},
		{"oracle-delete", "oracle-update", `{"ID":1004}`}, // the samples' SCNs: 2122184 < 2125544
		{"sqlserver-update", "sqlserver-delete", `{"id":1005}`},
	} {
		if a, b := pos(pair[0], pair[2]), pos(pair[1], pair[2]); bytes.Compare(a, b) >= 0 {
			t.Errorf("position of %s (%x) is not below %s (%x)", pair[0], a, pair[1], b)
		}
	}
	if !strings.HasPrefix(string(pos("postgresql-create", `{"id":1}`)), "\x01") {
		t.Error("a PostgreSQL create's position is not of the PostgreSQL family")
	}
}
