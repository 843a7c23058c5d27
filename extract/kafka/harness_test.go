package kafka_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/pipelines"
)

// TestMain shares one throwaway PostgreSQL server between the tests.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	pgtest.Main(m)
}

// harness is a Kafka broker (kfake, in this process) and a fresh
// PostgreSQL database.
type harness struct {
	t    *testing.T
	addr string
	dsn  string
	dir  string
	kc   *kgo.Client
	db   *pgx.Conn
}

func newHarness(t *testing.T, partitions int32, topics ...string) *harness {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topics...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return newHarnessOn(t, c.ListenAddrs()[0])
}

func newHarnessOn(t *testing.T, addr string, opts ...kgo.Opt) *harness {
	t.Helper()
	h := &harness{t: t, addr: addr, dsn: pgtest.NewDatabase(t), dir: t.TempDir()}
	kc, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	h.kc = kc
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := pgx.Connect(ctx, h.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	h.db = db
	return h
}

// rec is one record to produce; Value nil is a tombstone.
type rec struct {
	Partition int32
	Key       string
	Value     *string
}

func msg(partition int32, key, value string) rec {
	return rec{Partition: partition, Key: key, Value: &value}
}
func tombstone(partition int32, key string) rec { return rec{Partition: partition, Key: key} }

func (h *harness) produce(topic string, recs ...rec) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var krs []*kgo.Record
	for _, r := range recs {
		kr := &kgo.Record{Topic: topic, Partition: r.Partition}
		if r.Key != "" {
			kr.Key = []byte(r.Key)
		}
		if r.Value != nil {
			kr.Value = []byte(*r.Value)
		}
		krs = append(krs, kr)
	}
	if err := h.kc.ProduceSync(ctx, krs...).FirstErr(); err != nil {
		h.t.Fatalf("produce: %v", err)
	}
}

func (h *harness) exec(sql string) {
	h.t.Helper()
	if _, err := h.db.Exec(context.Background(), sql); err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
}

// query returns the rows as lines of tab-separated text, in order.
func (h *harness) query(sql string) string {
	h.t.Helper()
	rows, err := h.db.Query(context.Background(), sql)
	if err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			h.t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case time.Time:
				parts[i] = x.UTC().Format("2006-01-02 15:04:05.999999")
			case []byte:
				parts[i] = fmt.Sprintf("%x", x)
			default:
				if n, ok := v.(interface{ Value() (any, error) }); ok {
					if vv, err := n.Value(); err == nil {
						parts[i] = fmt.Sprint(vv)
						continue
					}
				}
				parts[i] = fmt.Sprint(v)
			}
		}
		lines = append(lines, strings.Join(parts, "\t"))
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// pipeline writes a pipeline file; ${BROKER} and ${PG_DSN} are set at run.
func (h *harness) pipeline(name, body string) string {
	h.t.Helper()
	path := filepath.Join(h.dir, name+".yaml")
	if err := os.WriteFile(path, []byte("version: 1\nname: "+name+"\n"+body), 0o644); err != nil {
		h.t.Fatal(err)
	}
	return path
}

func (h *harness) vars() map[string]string {
	return map[string]string{"BROKER": h.addr, "PG_DSN": h.dsn}
}

// run runs a pipeline file until it is idle for a second.
func (h *harness) run(path string, vars ...string) (*pipelines.Report, error) {
	h.t.Helper()
	v := h.vars()
	for _, kv := range vars {
		k, val, _ := strings.Cut(kv, "=")
		v[k] = val
	}
	log := slog.New(slog.NewTextHandler(testWriter{h.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p, err := pipelines.Load(path, pipelines.WithVars(v), pipelines.WithLogger(log))
	if err != nil {
		h.t.Fatalf("load %s: %v", path, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return p.Run(ctx, pipelines.RunOptions{ExitWhenIdle: time.Second})
}

func (h *harness) mustRun(path string, vars ...string) *pipelines.Report {
	h.t.Helper()
	rep, err := h.run(path, vars...)
	if err != nil {
		h.t.Fatalf("run %s: %v", filepath.Base(path), err)
	}
	return rep
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// dbz builds a Debezium change event value (without the schema envelope).
func dbz(op string, before, after map[string]any, lsn int64) string {
	ev := map[string]any{
		"op": op, "before": before, "after": after, "ts_ms": 1714566600000,
		"source": map[string]any{"connector": "postgresql", "db": "src", "schema": "public", "table": "residents", "lsn": lsn},
	}
	b, _ := json.Marshal(ev)
	return string(b)
}

// dbzKey is the message key of a row with id.
func dbzKey(id int) string { return fmt.Sprintf(`{"id":%d}`, id) }

// canalMsg builds a Canal flat message.
func canalMsg(typ string, es int64, data, old []map[string]any, table string) string {
	m := map[string]any{"data": data, "old": old, "database": "shop", "table": table, "type": typ, "isDdl": false,
		"pkNames": []string{"id"}, "es": es, "ts": es + 5, "sql": "", "id": 1,
		"mysqlType": map[string]string{"id": "bigint(20)", "name": "varchar(32)", "amount": "decimal(10,2)", "paid": "tinyint(1)", "created": "datetime"}}
	b, _ := json.Marshal(m)
	return string(b)
}

func stat(rep *pipelines.Report, name string) float64 { return rep.Stats[name] }

func sortedLines(s string) string {
	lines := strings.Split(s, "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
