package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// cdcEventsTarget: events per second xcetl must apply into PostgreSQL with the idempotency
// bookkeeping on (offsets in xcetl_state and per-key versions in xcetl_cdc_versions).
const cdcEventsTarget = 20000.0

// cdcMaxEvents caps the events of the cdc scenario (the broker holds them in memory).
const cdcMaxEvents = 300_000

// cdcIdle is the --exit-when-idle of the cdc runs; it is subtracted from their wall-clock time.
const cdcIdle = 500 * time.Millisecond

const cdcTopic = "bench.public.residents"

// What the xcetl reports of the cdc runs say, by contender: the share of the apply time spent
// on the bookkeeping (last round), and the line for the targets.
var (
	cdcKeepShare = map[string]float64{}
	cdcNotes     = map[string]string{}
)

// cdcScenario (`-only cdc`): a Kafka broker in this process (kfake) holds min(-rows, 300,000)
// Debezium change events of a 10-column table — 70% inserts, 25% updates, 5% deletes, keyed by
// id over 3 partitions — and `xcetl run … --exit-when-idle` applies the whole topic in mode cdc:
// with Debezium's default bookkeeping (the offsets stored in the batch's transaction; Debezium
// keeps a key's changes in order) and with per-key versions on top (`versions: true`, the
// default for Canal). The xcetl report says how much of the apply time went to the bookkeeping.
// After every run the table must equal the source's final state.
func (b *bench) cdcScenario(ctx context.Context) error {
	n := min(b.o.rows, cdcMaxEvents)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, cdcTopic))
	if err != nil {
		return broken("cdc: start kafka: %v", err)
	}
	defer cluster.Close()
	addr := cluster.ListenAddrs()[0]
	start := time.Now()
	final, bytes, err := produceCDC(ctx, addr, n)
	if err != nil {
		return broken("cdc: produce: %v", err)
	}
	fmt.Fprintf(b.out, "cdc: %d events (%.1f MB) produced to %s in %.1fs; final state %d rows\n", n, float64(bytes)/1e6, addr, time.Since(start).Seconds(), len(final))

	if err := b.db.exec(ctx, "DROP TABLE IF EXISTS bench_cdc_full, bench_cdc_offsets, bench_cdc_expected",
		cdcTableSQL("bench_cdc_full"), cdcTableSQL("bench_cdc_offsets"), cdcTableSQL("bench_cdc_expected")); err != nil {
		return broken("cdc: create tables: %v", err)
	}
	if err := b.loadExpected(ctx, final); err != nil {
		return broken("cdc: expected state: %v", err)
	}
	sc := &Scenario{Name: "cdc", Rows: n, File: "kafka " + cdcTopic,
		Note: "Debezium events, 70% insert / 25% update / 5% delete, 10 columns, 3 partitions; the whole topic each run; time minus the idle wait"}
	offsets := b.cdcContender(sc, "xcetl cdc", "bench_cdc_offsets", addr, false)
	offsets.Baseline = true
	full := b.cdcContender(sc, "xcetl cdc versions:true", "bench_cdc_full", addr, true)
	sc.Contenders = append(sc.Contenders, offsets, full)
	if err := b.runScenario(ctx, sc, b.o.rounds); err != nil {
		return err
	}
	// A run ends cdcIdle after its last event: that wait is not work.
	for _, c := range sc.Contenders {
		for i := range c.Runs {
			c.Runs[i].Seconds = max(c.Runs[i].Seconds-cdcIdle.Seconds(), 0.001)
		}
	}
	summarize(sc)
	fmt.Fprintf(b.out, "cdc, without the %s idle wait at the end of each run:\n", cdcIdle)
	printScenario(b.out, sc)
	for _, c := range sc.Contenders {
		keep := cdcKeepShare[c.Name]
		fmt.Fprintf(b.out, "  %-26s %9.0f events/s; the bookkeeping took %.1f%% of the time spent applying batches\n",
			c.Name, c.RowsPerSec, 100*keep)
		cdcNotes[c.Name] = fmt.Sprintf("bookkeeping (offsets%s) %.1f%% of the time spent applying batches", map[bool]string{true: " and per-key versions"}[strings.Contains(c.Name, "versions")], 100*keep)
	}
	fmt.Fprintln(b.out, "check: after every run the table equals the source's final state (EXCEPT ALL both ways)")
	return nil
}

func cdcTableSQL(name string) string {
	return `CREATE TABLE ` + name + ` (id bigint PRIMARY KEY, name text, gender text, id_card text, phone text,
	birth_date date, address text, community text, score numeric(10,2), registered_at timestamp)`
}

// cdcContender runs the cdc pipeline for table; every round replays the topic from the start
// with a new consumer group into an emptied table with no state.
func (b *bench) cdcContender(sc *Scenario, name, table, addr string, versions bool) *Contender {
	pipeline := filepath.Join(b.o.dir, table+".yaml")
	yaml := fmt.Sprintf(`version: 1
name: %s
source:
  type: kafka
  brokers: [%q]
  topic: %s
  group: ${XCETL_BENCH_GROUP}
  format: debezium
  versions: %t
target:
  type: postgres
  dsn: ${XCETL_TEST_PG_DSN}
  table: %s
  mode: cdc
  key: [id]
  batch_size: 5000
`, table, addr, cdcTopic, versions, table)
	return &Contender{
		Name: name,
		prepare: func(ctx context.Context) error {
			if err := writeFile(pipeline, yaml); err != nil {
				return err
			}
			if err := b.db.exec(ctx, "TRUNCATE "+table); err != nil {
				return err
			}
			for _, bk := range []string{"xcetl_state", "xcetl_cdc_versions"} {
				var exists bool
				if err := b.db.conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", bk).Scan(&exists); err != nil {
					return err
				}
				if exists {
					if _, err := b.db.conn.Exec(ctx, "DELETE FROM "+bk+" WHERE pipeline = $1", table); err != nil {
						return err
					}
				}
			}
			return b.db.exec(ctx, "VACUUM ANALYZE "+table)
		},
		argv: func(round int) ([]string, string) {
			report := filepath.Join(b.o.dir, "logs", fmt.Sprintf("cdc-%s-r%d.report.json", table, round))
			_ = os.Remove(report)
			argv := append(b.xcetlArgv(pipeline, report), "--exit-when-idle", cdcIdle.String(),
				"--set", fmt.Sprintf("XCETL_BENCH_GROUP=%s-%d-%d", table, round, time.Now().UnixNano()))
			return argv, "" // the report is checked by verify: a cdc run's counts are events, not rows
		},
		verify: func(ctx context.Context) error {
			keep, err := b.checkCDCReport(filepath.Join(b.o.dir, "logs"), table, sc.Rows)
			if err != nil {
				return err
			}
			cdcKeepShare[name] = keep // the last round's
			return b.db.sameRows(ctx, table, "bench_cdc_expected")
		},
	}
}

// checkCDCReport checks the newest report of table — status ok, every event read — and
// returns the share of the apply time that went to the bookkeeping.
func (b *bench) checkCDCReport(dir, table string, events int) (float64, error) {
	matches, _ := filepath.Glob(filepath.Join(dir, "cdc-"+table+"-r*.report.json"))
	var newest string
	var at time.Time
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.ModTime().After(at) {
			newest, at = m, st.ModTime()
		}
	}
	if newest == "" {
		return 0, fmt.Errorf("no report for %s", table)
	}
	raw, err := os.ReadFile(newest)
	if err != nil {
		return 0, err
	}
	var r struct {
		Status string             `json:"status"`
		Error  string             `json:"error"`
		Stats  map[string]float64 `json:"stats"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return 0, fmt.Errorf("parse %s: %w", newest, err)
	}
	if r.Status != "ok" {
		return 0, fmt.Errorf("report %s: status %q: %s", newest, r.Status, r.Error)
	}
	if got := int(r.Stats["cdc_events"]); got != events {
		return 0, fmt.Errorf("report %s: %d events decoded, want %d", newest, got, events)
	}
	total, keep := r.Stats["cdc_apply_seconds_total"], r.Stats["cdc_bookkeeping_seconds_total"]
	if total <= 0 {
		return 0, fmt.Errorf("report %s: no cdc_apply_seconds_total", newest)
	}
	return keep / total, nil
}

// cdcRow is one row of the source table.
type cdcRow struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Gender       string `json:"gender"`
	IDCard       string `json:"id_card"`
	Phone        string `json:"phone"`
	BirthDate    string `json:"birth_date"`
	Address      string `json:"address"`
	Community    string `json:"community"`
	Score        string `json:"score"`
	RegisteredAt string `json:"registered_at"`
}

// produceCDC writes n Debezium events (schemaless JSON, as with value.converter.schemas.enable=
// false) and returns the source table's final state and the bytes produced. The mix is 70%
// inserts of new ids, 25% updates and 5% deletes of existing ids.
func produceCDC(ctx context.Context, addr string, n int) (map[int64]cdcRow, int64, error) {
	kc, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return nil, 0, err
	}
	defer kc.Close()
	rnd := rand.New(rand.NewSource(42))
	state := map[int64]cdcRow{}
	var live []int64
	pos := map[int64]int{} // id → index in live
	var nextID int64
	lsn := int64(1 << 30)
	var total int64
	surnames := []rune("张王李赵刘陈杨黄周吴")
	mk := func(id int64) cdcRow {
		return cdcRow{ID: id, Name: string(surnames[rnd.Intn(len(surnames))]) + "小明", Gender: []string{"男", "女"}[rnd.Intn(2)],
			IDCard: fmt.Sprintf("1201011990%02d%02d%04d", 1+rnd.Intn(12), 1+rnd.Intn(28), rnd.Intn(10000)), Phone: fmt.Sprintf("138%08d", rnd.Intn(1e8)),
			BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 50+rnd.Intn(50), 1+rnd.Intn(12), 1+rnd.Intn(28)), Address: fmt.Sprintf("天津市和平区滨海路%d号", rnd.Intn(2000)),
			Community: fmt.Sprintf("社区%03d", rnd.Intn(300)), Score: fmt.Sprintf("%d.%02d", rnd.Intn(100), rnd.Intn(100)),
			RegisteredAt: fmt.Sprintf("2024-%02d-%02d %02d:%02d:%02d", 1+rnd.Intn(12), 1+rnd.Intn(28), rnd.Intn(24), rnd.Intn(60), rnd.Intn(60))}
	}
	var batch []*kgo.Record
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := kc.ProduceSync(ctx, batch...).FirstErr()
		batch = batch[:0]
		return err
	}
	for range n {
		lsn += 8
		var op string
		var before, after *cdcRow
		r := rnd.Intn(100)
		switch {
		case r < 70 || len(live) == 0:
			nextID++
			row := mk(nextID)
			op, after = "c", &row
			state[row.ID] = row
			pos[row.ID] = len(live)
			live = append(live, row.ID)
		case r < 95:
			id := live[rnd.Intn(len(live))]
			old := state[id]
			row := mk(id)
			op, before, after = "u", &old, &row
			state[id] = row
		default:
			i := rnd.Intn(len(live))
			id := live[i]
			old := state[id]
			op, before = "d", &old
			delete(state, id)
			last := live[len(live)-1]
			live[i], pos[last] = last, i
			live = live[:len(live)-1]
			delete(pos, id)
		}
		id := int64(0)
		if after != nil {
			id = after.ID
		} else {
			id = before.ID
		}
		value, err := json.Marshal(map[string]any{"op": op, "before": before, "after": after, "ts_ms": 1714566600000,
			"source": map[string]any{"connector": "postgresql", "schema": "public", "table": "residents", "lsn": lsn}})
		if err != nil {
			return nil, 0, err
		}
		key := fmt.Appendf(nil, `{"id":%d}`, id)
		total += int64(len(value) + len(key))
		batch = append(batch, &kgo.Record{Topic: cdcTopic, Key: key, Value: value})
		if op == "d" {
			batch = append(batch, &kgo.Record{Topic: cdcTopic, Key: key}) // the tombstone
		}
		if len(batch) >= 5000 {
			if err := flush(); err != nil {
				return nil, 0, err
			}
		}
	}
	return state, total, flush()
}

// loadExpected fills bench_cdc_expected with the source's final state.
func (b *bench) loadExpected(ctx context.Context, final map[int64]cdcRow) error {
	rows := make([][]any, 0, len(final))
	for _, r := range final {
		bd, err := time.Parse("2006-01-02", r.BirthDate)
		if err != nil {
			return err
		}
		ra, err := time.Parse("2006-01-02 15:04:05", r.RegisteredAt)
		if err != nil {
			return err
		}
		rows = append(rows, []any{r.ID, r.Name, r.Gender, r.IDCard, r.Phone, bd, r.Address, r.Community, r.Score, ra})
	}
	_, err := b.db.conn.CopyFrom(ctx, pgx.Identifier{"bench_cdc_expected"},
		[]string{"id", "name", "gender", "id_card", "phone", "birth_date", "address", "community", "score", "registered_at"},
		pgx.CopyFromRows(rows))
	return err
}

// cdcTargets is the cdc scenario's PASS/FAIL lines: Debezium's default bookkeeping must reach
// the target; the per-key versions line is reported against the same threshold.
func cdcTargets(res *Results) []Target {
	var ts []Target
	sc := findScenario(res, "cdc")
	if sc == nil {
		return nil
	}
	for _, c := range sc.Contenders {
		if c.RowsPerSec <= 0 {
			continue
		}
		name := "cdc apply rate"
		detail := "events/s, Debezium, offsets stored with each batch; " + cdcNotes[c.Name]
		if strings.Contains(c.Name, "versions") {
			name = "cdc apply rate, per-key versions"
			detail = "events/s, Debezium with versions: true (Canal's default); " + cdcNotes[c.Name]
		}
		ts = append(ts, Target{Name: name, Value: c.RowsPerSec, Op: ">=", Threshold: cdcEventsTarget, Detail: detail})
	}
	return ts
}
