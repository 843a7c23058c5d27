package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// cdcEventsTarget: events per second xcetl must apply into PostgreSQL with its default
// bookkeeping: the offsets in xcetl_state and the per-key version guard (xcetl_cdc_key_versions).
const cdcEventsTarget = 50000.0

// cdcKeepTarget: the most of the apply time the bookkeeping (offsets' fence and checkpoints, the
// version guard's statement) may take.
const cdcKeepTarget = 0.20

// cdcMaxEvents caps the events of the cdc scenario (the broker holds them in memory).
const cdcMaxEvents = 300_000

// cdcIdle is the --exit-when-idle of the cdc runs; it is subtracted from their wall-clock time.
const cdcIdle = 500 * time.Millisecond

// cdcProcesses is the number of xcetl processes of the scale-out contender (one consumer group).
const cdcProcesses = 3

const cdcTopic = "bench.public.residents"

// The cdc contenders.
const (
	cdcDefault   = "xcetl cdc"
	cdcNoGuard   = "xcetl cdc versions:false"
	cdcScaledOut = "xcetl cdc, 3 processes"
)

// What the xcetl reports of the cdc runs say, by contender (last round): the time spent
// applying batches and the part of it the bookkeeping took.
var (
	cdcApply = map[string]float64{}
	cdcKeep  = map[string]float64{}
)

// cdcScenario (`-only cdc`): a Kafka broker in this process (kfake) holds min(-rows, 300,000)
// Debezium change events of a 10-column table — 70% inserts, 25% updates, 5% deletes, keyed by
// id over 3 partitions — and `xcetl run … --exit-when-idle` applies the whole topic in mode cdc:
// with the defaults (the offsets stored in the batch's transaction, and the per-key version
// guard), without the guard (`versions: false`), and with the defaults by three processes in one
// consumer group. The xcetl reports say how much of the apply time went to the bookkeeping.
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

	tables := []string{"bench_cdc_full", "bench_cdc_offsets", "bench_cdc_scaled", "bench_cdc_expected"}
	stmts := []string{"DROP TABLE IF EXISTS " + strings.Join(tables, ", ")}
	for _, t := range tables {
		stmts = append(stmts, cdcTableSQL(t))
	}
	if err := b.db.exec(ctx, stmts...); err != nil {
		return broken("cdc: create tables: %v", err)
	}
	if err := b.loadExpected(ctx, final); err != nil {
		return broken("cdc: expected state: %v", err)
	}
	sc := &Scenario{Name: "cdc", Rows: n, File: "kafka " + cdcTopic,
		Note: "Debezium events, 70% insert / 25% update / 5% delete, 10 columns, 3 partitions; the whole topic each run; time minus the idle wait"}
	def := b.cdcContender(sc, cdcDefault, "bench_cdc_full", addr, "", 1)
	def.Baseline = true
	sc.Contenders = append(sc.Contenders, def,
		b.cdcContender(sc, cdcNoGuard, "bench_cdc_offsets", addr, "versions: false", 1),
		b.cdcContender(sc, cdcScaledOut, "bench_cdc_scaled", addr, "", cdcProcesses))
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
	for _, c := range sc.Contenders {
		if c.Name == cdcScaledOut {
			c.PeakRSSMiB = 0 // the shell that started the processes: not theirs
		}
	}
	fmt.Fprintf(b.out, "cdc, without the %s idle wait at the end of each run (peak RSS of the %d processes not measured):\n", cdcIdle, cdcProcesses)
	printScenario(b.out, sc)
	for _, c := range sc.Contenders {
		fmt.Fprintf(b.out, "  %-26s %9.0f events/s; the bookkeeping took %.1f%% of the %.2f s spent applying batches\n",
			c.Name, c.RowsPerSec, 100*cdcShare(c.Name), cdcApply[c.Name])
	}
	if g, o := cdcApply[cdcDefault], cdcApply[cdcNoGuard]; g > 0 && o > 0 {
		fmt.Fprintf(b.out, "  the version guard added %.1f%% to the apply time (%.2f s with it, %.2f s without)\n", 100*(g-o)/g, g, o)
	}
	fmt.Fprintf(b.out, "  %d processes in one consumer group on %d CPUs share the CPUs with PostgreSQL and the broker\n", cdcProcesses, runtime.NumCPU())
	fmt.Fprintln(b.out, "check: after every run the table equals the source's final state (EXCEPT ALL both ways)")
	return nil
}

func cdcShare(name string) float64 {
	if cdcApply[name] <= 0 {
		return 0
	}
	return cdcKeep[name] / cdcApply[name]
}

func cdcTableSQL(name string) string {
	return `CREATE TABLE ` + name + ` (id bigint PRIMARY KEY, name text, gender text, id_card text, phone text,
	birth_date date, address text, community text, score numeric(10,2), registered_at timestamp)` + noAutovacuum
}

// cdcContender runs the cdc pipeline for table in procs processes of one consumer group; every
// round replays the topic from the start with a new consumer group into an emptied table with
// no state (offsets and versions).
func (b *bench) cdcContender(sc *Scenario, name, table, addr, extra string, procs int) *Contender {
	pipeline := filepath.Join(b.o.dir, table+".yaml")
	if extra != "" {
		extra = "\n  " + extra
	}
	yaml := fmt.Sprintf(`version: 1
name: %s
source:
  type: kafka
  brokers: [%q]
  topic: %s
  group: ${XCETL_BENCH_GROUP}
  format: debezium%s
target:
  type: postgres
  dsn: ${XCETL_TEST_PG_DSN}
  table: %s
  mode: cdc
  key: [id]
  batch_size: 5000
`, table, addr, cdcTopic, extra, table)
	reports := func(round int) []string {
		var out []string
		for p := 1; p <= procs; p++ {
			out = append(out, filepath.Join(b.o.dir, "logs", fmt.Sprintf("cdc-%s-r%d-p%d.report.json", table, round, p)))
		}
		return out
	}
	var last []string
	return &Contender{
		Name: name,
		prepare: func(ctx context.Context) error {
			if err := writeFile(pipeline, yaml); err != nil {
				return err
			}
			if err := b.db.exec(ctx, "TRUNCATE "+table); err != nil {
				return err
			}
			for _, bk := range []string{"xcetl_state", "xcetl_cdc_key_versions"} {
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
			last = reports(round)
			group := fmt.Sprintf("XCETL_BENCH_GROUP=%s-%d-%d", table, round, time.Now().UnixNano())
			var cmds []string
			for _, report := range last {
				_ = os.Remove(report)
				argv := append(b.xcetlArgv(pipeline, report), "--exit-when-idle", cdcIdle.String(), "--set", group)
				if procs == 1 {
					return argv, "" // the report is checked by verify: a cdc run's counts are events, not rows
				}
				cmds = append(cmds, fmt.Sprintf("%s & p%d=$!;", shellQuote(argv), len(cmds)))
			}
			// One child that starts the processes at once and waits for all of them.
			script := strings.Join(cmds, " ")
			for i := range cmds {
				script += fmt.Sprintf(" wait $p%d || s=1;", i)
			}
			return []string{"sh", "-c", script + " exit ${s:-0}"}, ""
		},
		verify: func(ctx context.Context) error {
			apply, keep, err := b.checkCDCReports(last, sc.Rows)
			if err != nil {
				return err
			}
			cdcApply[name], cdcKeep[name] = apply, keep // the last round's
			return b.db.sameRows(ctx, table, "bench_cdc_expected")
		},
	}
}

func shellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// checkCDCReports checks the reports of one run — status ok, every event read (the processes
// together: a partition that moves in a rebalance is read by two) — and returns the time spent
// applying batches and the part of it the bookkeeping took, summed over the processes.
func (b *bench) checkCDCReports(paths []string, events int) (apply, keep float64, err error) {
	decoded := 0
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			return 0, 0, err
		}
		var r struct {
			Status string             `json:"status"`
			Error  string             `json:"error"`
			Stats  map[string]float64 `json:"stats"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return 0, 0, fmt.Errorf("parse %s: %w", path, err)
		}
		if r.Status != "ok" {
			return 0, 0, fmt.Errorf("report %s: status %q: %s", path, r.Status, r.Error)
		}
		decoded += int(r.Stats["cdc_events"])
		apply += r.Stats["cdc_apply_seconds_total"]
		keep += r.Stats["cdc_bookkeeping_seconds_total"]
	}
	if decoded < events || len(paths) == 1 && decoded != events {
		return 0, 0, fmt.Errorf("reports %s: %d events decoded, want %d", strings.Join(paths, ", "), decoded, events)
	}
	if apply <= 0 {
		return 0, 0, fmt.Errorf("reports %s: no cdc_apply_seconds_total", strings.Join(paths, ", "))
	}
	return apply, keep, nil
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

// cdcTargets is the cdc scenario's PASS/FAIL lines: the default pipeline (version guard on) must
// reach the rate, and its bookkeeping must stay within its share of the apply time.
func cdcTargets(res *Results) []Target {
	sc := findScenario(res, "cdc")
	var def, scaled *Contender
	for i := range sc.Contenders {
		switch sc.Contenders[i].Name {
		case cdcDefault:
			def = sc.Contenders[i]
		case cdcScaledOut:
			scaled = sc.Contenders[i]
		}
	}
	if def == nil || def.RowsPerSec <= 0 {
		return nil
	}
	note := ""
	if scaled != nil && scaled.RowsPerSec > 0 {
		note = fmt.Sprintf("; %d processes in one group: %.0f events/s", cdcProcesses, scaled.RowsPerSec)
	}
	return []Target{
		{Name: "cdc apply rate", Value: def.RowsPerSec, Op: ">=", Threshold: cdcEventsTarget,
			Detail: "events/s, Debezium, the defaults: offsets stored with each batch and the per-key version guard" + note},
		{Name: "cdc bookkeeping share", Value: cdcShare(cdcDefault), Op: "<=", Threshold: cdcKeepTarget,
			Detail: fmt.Sprintf("of the %.2f s spent applying batches: the offsets' fence and checkpoints and the version guard's statement", cdcApply[cdcDefault])},
	}
}
