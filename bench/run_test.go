package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const defaultTestTimeout = 2 * time.Minute

func TestPipelineYAML(t *testing.T) {
	tests := []struct {
		mode    string
		wantKey bool
	}{
		{"append", false},
		{"upsert", true},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			src := pipelineYAML("bench_"+tc.mode, "residents-v1-10.csv", "bench_t", tc.mode)
			lookup := func(name string) (string, bool) {
				if name == "XCETL_TEST_PG_DSN" {
					return "postgres://u@h/db", true
				}
				return "", false
			}
			root, err := config.Parse("bench.yaml", []byte(src), lookup)
			if err != nil {
				t.Fatalf("parse generated pipeline: %v\n%s", err, src)
			}
			get := func(path ...string) string {
				n := root
				for _, p := range path {
					n = n.Get(p)
				}
				if n == nil {
					return "<missing>"
				}
				return n.Value
			}
			for _, c := range []struct{ path, want string }{
				{"version", "1"},
				{"source.type", "csv"},
				{"source.path", "residents-v1-10.csv"},
				{"source.encoding", "utf-8"},
				{"target.type", "postgres"},
				{"target.dsn", "postgres://u@h/db"},
				{"target.table", "bench_t"},
				{"target.mode", tc.mode},
				{"target.create", "never"},
				{"target.batch_size", "5000"},
			} {
				if got := get(strings.Split(c.path, ".")...); got != c.want {
					t.Errorf("%s = %q, want %q", c.path, got, c.want)
				}
			}
			if hasKey := root.Get("target").Get("key") != nil; hasKey != tc.wantKey {
				t.Errorf("target.key present = %v, want %v", hasKey, tc.wantKey)
			}
			tr := root.Get("transforms")
			if tr == nil || len(tr.Items) != 2 {
				t.Fatalf("want 2 transforms, got %v", tr)
			}
			rename := tr.Items[0].Get("rename")
			for i, h := range header {
				if got := rename.Get(h); got == nil || got.Value != columns[i].name {
					t.Errorf("rename %s -> %v, want %s", h, got, columns[i].name)
				}
			}
			cast := tr.Items[1].Get("cast")
			for col, typ := range map[string]string{"id": "int", "birth_date": "date", "score": "decimal(10,2)", "registered_at": "timestamp"} {
				if got := cast.Get(col); got == nil || got.Value != typ {
					t.Errorf("cast %s = %v, want %s", col, got, typ)
				}
			}
		})
	}
}

func TestUpsertScript(t *testing.T) {
	tests := []struct {
		method string
		want   []string
	}{
		{"conflict", []string{"BEGIN;", "CREATE TEMP TABLE s (LIKE tgt) ON COMMIT DROP;", `\copy s FROM '/d/it''s.csv'`,
			"ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name", "registered_at = EXCLUDED.registered_at;", "COMMIT;"}},
		{"merge", []string{"MERGE INTO tgt t USING s ON t.id = s.id", "WHEN MATCHED THEN UPDATE SET name = s.name",
			"WHEN NOT MATCHED THEN INSERT (id, name", "VALUES (s.id, s.name", "COMMIT;"}},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			got := upsertScript(tc.method, "tgt", "/d/it's.csv")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("script lacks %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "id = EXCLUDED.id") || strings.Contains(got, "SET id = s.id") {
				t.Errorf("script updates the key column:\n%s", got)
			}
		})
	}
}

func TestCheckReport(t *testing.T) {
	tests := []struct {
		name, json string
		wantErr    string
	}{
		{"ok", `{"status":"ok","rows_read":10,"rows_written":10,"rows_rejected":0,"rows_filtered":0}`, ""},
		{"failed", `{"status":"failed","rows_read":10,"rows_written":0,"rows_rejected":0,"error":"boom"}`, `status "failed"`},
		{"short", `{"status":"ok","rows_read":10,"rows_written":9,"rows_rejected":1}`, "rows_written 9, want 10"},
		{"garbage", `not json`, "parse xcetl report"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "r.json")
			if err := os.WriteFile(p, []byte(tc.json), 0o644); err != nil {
				t.Fatal(err)
			}
			err := checkReport(p, 10)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
	if err := checkReport(filepath.Join(t.TempDir(), "missing.json"), 1); err == nil {
		t.Errorf("missing report accepted")
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tc := range tests {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	mk := func(name string, rows int, cs ...*Contender) Scenario {
		sc := Scenario{Name: name, Rows: rows, FileBytes: int64(rows) * 150, Contenders: cs}
		summarize(&sc)
		return sc
	}
	run := func(secs float64, rssKB int64) []Run { return []Run{{Round: 1, Seconds: secs, MaxRSSKB: rssKB}} }
	res := &Results{Scenarios: []Scenario{
		mk("append", 100,
			&Contender{Name: `psql \copy`, Baseline: true, Runs: run(9, 10000)},
			&Contender{Name: "pgloader", Runs: run(90, 100000)},
			&Contender{Name: "xcetl append", Runs: run(9, 100*1024)}), // ratio 1.0: pass
		mk("append-flat", 500, &Contender{Name: "xcetl append", Runs: run(50, 120*1024)}), // +20%: fail
		mk("upsert", 100,
			&Contender{Name: "psql COPY+ON CONFLICT", Baseline: true, Runs: run(8, 10000)},
			&Contender{Name: "psql COPY+MERGE", Baseline: true, Runs: run(6, 10000)},
			&Contender{Name: "xcetl upsert", Runs: run(10, 160*1024)}), // ratio 0.6, 160 MiB: fail
		mk("upsert-half", 100,
			&Contender{Name: "psql COPY+ON CONFLICT", Baseline: true, Runs: run(8, 10000)},
			&Contender{Name: "xcetl upsert", Runs: run(7.9, 100*1024)}), // ratio > 1: pass
	}}
	want := map[string]bool{
		"append speed": true, "append, peer: pgloader": false, "append memory": true, "upsert speed (full)": false, "upsert memory (full)": false,
		"upsert speed (half)": true, "upsert memory (half)": true, "flat memory": false,
	}
	ts := evaluate(res)
	if len(ts) != len(want) {
		t.Fatalf("got %d targets, want %d: %+v", len(ts), len(want), ts)
	}
	for _, tg := range ts {
		if pass, ok := want[tg.Name]; !ok || pass != tg.Pass {
			t.Errorf("target %s: pass=%v value=%.3f, want pass=%v", tg.Name, tg.Pass, tg.Value, pass)
		}
	}
	if got := res.Scenarios[2].Contenders[2].Ratio; got != 0.6 {
		t.Errorf("upsert ratio = %v, want 0.6 (against the faster baseline)", got)
	}
	for _, tg := range ts {
		if tg.Name == "append, peer: pgloader" && (tg.Op != "info" || tg.Value != 0.1 || !strings.HasPrefix(tg.Xcetl, "pgloader 90.00 s")) {
			t.Errorf("pgloader line %+v, want an info line with ratio 0.1", tg)
		}
	}
}

// TestSummaryTable: the bench ends with one table with a line per target, the baseline and
// xcetl with median and spread, the goal and the verdict; a scenario that registers its
// targets gets its lines without any other change.
func TestSummaryTable(t *testing.T) {
	sc := Scenario{Name: "append", Rows: 100, FileBytes: 15000, Contenders: []*Contender{
		{Name: `psql \copy`, Baseline: true, Runs: []Run{{1, 2.0, 1000}, {2, 2.4, 1000}, {3, 2.2, 1000}}},
		{Name: "xcetl append", Runs: []Run{{1, 2.1, 90 * 1024}, {2, 2.0, 95 * 1024}, {3, 1.9, 99 * 1024}}},
	}}
	summarize(&sc)
	res := &Results{Scenarios: []Scenario{sc}}
	saved := targetSources
	defer func() { targetSources = saved }()
	addTargets(1000, func(*Results) []Target {
		return []Target{{Name: "newcomer rate", Value: 25000, Op: ">=", Threshold: 20000, Detail: "a scenario added on merge"},
			{Name: "newcomer share", Value: 0.47, Op: "<=", Threshold: 0.2}}
	})
	var out strings.Builder
	printSummary(&out, evaluate(res))
	cells := map[string][]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
		cells[f[0]] = f
	}
	for name, want := range map[string][]string{
		"scenario":       {"scenario", "baseline", "xcetl", "ratio / value", "goal", "result"},
		"append speed":   {"append speed", `psql \copy 2.20 s (2.00–2.40)`, "2.00 s (1.90–2.10)", "1.10", "≥ 1.00", "PASS"},
		"append memory":  {"append memory", "-", "peak RSS 99.0 MiB", "99.0", "< 150", "PASS"},
		"newcomer rate":  {"newcomer rate", "-", "-", "25000", "≥ 20000", "PASS"},
		"newcomer share": {"newcomer share", "-", "-", "47.0%", "≤ 20%", "FAIL"},
	} {
		if got := cells[name]; !slices.Equal(got, want) {
			t.Errorf("line %q = %q, want %q\n%s", name, got, want, out.String())
		}
	}
	if !strings.Contains(out.String(), "  newcomer rate: a scenario added on merge") {
		t.Errorf("no detail line for the registered target:\n%s", out.String())
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{`psql \copy`: "psql-copy", "psql COPY+ON CONFLICT": "psql-copy-on-conflict", "xcetl append": "xcetl-append"} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func needPSQL(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("psql not found: %v", err)
		}
		t.Skipf("psql not found: %v", err)
	}
}

// TestBaselinesIntegration runs the whole bench with only the psql contenders.
func TestBaselinesIntegration(t *testing.T) {
	needPSQL(t)
	o := options{rows: 300, rounds: 2, psql: "psql", dir: t.TempDir(), dsn: pgtest.NewDatabase(t),
		only: "all", prefill: "half", skipXcetl: true, timeout: defaultTestTimeout}
	res, err := runBench(context.Background(), o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scenarios) != 2 {
		t.Fatalf("got %d scenarios, want 2", len(res.Scenarios))
	}
	for _, sc := range res.Scenarios {
		for _, c := range sc.Contenders {
			if len(c.Runs) != 2 || c.MedianSeconds <= 0 || c.PeakRSSMiB <= 0 {
				t.Errorf("%s/%s: runs %v, median %v, rss %v", sc.Name, c.Name, c.Runs, c.MedianSeconds, c.PeakRSSMiB)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(o.dir, "results.json")); err != nil {
		t.Errorf("results.json: %v", err)
	}
}

// standIn is a shell script in xcetl's place that checks the CLI arguments the bench passes and
// loads the pipeline's CSV into the pipeline's table with psql, then writes a report. It tests
// the bench's plumbing and its checks, not xcetl. STANDIN=empty makes it load nothing,
// STANDIN=short report one row too few, STANDIN=mangle change one value, so the bench's checks must catch them.
const standIn = `#!/bin/sh
set -e
[ "$1" = run ] && [ "$3" = --report ] && [ "$5" = --progress ] && [ "$6" = never ] || { echo "bad args: $*" >&2; exit 2; }
dir=$(dirname "$2")
table=$(sed -n 's/^  table: //p' "$2")
mode=$(sed -n 's/^  mode: //p' "$2")
data="$dir/$(sed -n 's/^  path: "\(.*\)"$/\1/p' "$2")"
n=$(( $(wc -l < "$data") - 1 ))
conflict=""
[ "$mode" = upsert ] && conflict="ON CONFLICT (id) DO UPDATE SET name=EXCLUDED.name, gender=EXCLUDED.gender, id_card=EXCLUDED.id_card, phone=EXCLUDED.phone, birth_date=EXCLUDED.birth_date, address=EXCLUDED.address, community=EXCLUDED.community, score=EXCLUDED.score, registered_at=EXCLUDED.registered_at"
if [ "$STANDIN" != empty ]; then
psql -X -q -v ON_ERROR_STOP=1 -d "$XCETL_TEST_PG_DSN" <<SQL
BEGIN;
CREATE TEMP TABLE s (LIKE $table) ON COMMIT DROP;
\copy s FROM '$data' WITH (FORMAT csv, HEADER true)
INSERT INTO $table SELECT * FROM s $conflict;
COMMIT;
SQL
fi
if [ "$STANDIN" = mangle ]; then
psql -X -q -v ON_ERROR_STOP=1 -d "$XCETL_TEST_PG_DSN" -c "UPDATE $table SET score = score + 1 WHERE id = 7"
fi
w=$n
[ "$STANDIN" = short ] && w=$((n - 1))
printf '{"status":"ok","rows_read":%d,"rows_written":%d,"rows_rejected":0,"rows_filtered":0}\n' $n $w > "$4"
`

// TestPgloaderPeer runs the append scenario's baselines with pgloader, the peer, when it is
// installed: it must load exactly what psql loads. pgloader is optional (CI does not install
// it), so this is not a Test*Integration test that CI requires.
func TestPgloaderPeer(t *testing.T) {
	needPSQL(t)
	if _, err := exec.LookPath("pgloader"); err != nil {
		t.Skip("pgloader not installed (apt-get install pgloader)")
	}
	o := options{rows: 500, rounds: 2, psql: "psql", pgloader: "pgloader", dir: t.TempDir(), dsn: pgtest.NewDatabase(t),
		only: "append", prefill: "full", skipXcetl: true, timeout: defaultTestTimeout}
	var out strings.Builder
	res, err := runBench(context.Background(), o, &out)
	if err != nil {
		t.Fatal(err)
	}
	c := findContender(res, "append", "pgloader")
	if c == nil || len(c.Runs) != 2 || c.Ratio <= 0 {
		t.Fatalf("pgloader contender %+v\n%s", c, out.String())
	}
	if !strings.Contains(out.String(), "check: bench_pgloader and bench_copy hold identical rows") {
		t.Errorf("no equality check of pgloader's table:\n%s", out.String())
	}
}

func TestHarnessWithStandInIntegration(t *testing.T) {
	needPSQL(t)
	bin := filepath.Join(t.TempDir(), "xcetl-standin")
	if err := os.WriteFile(bin, []byte(standIn), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		standIn, only string
		flat          bool
		wantErr       string
	}{
		{"ok", "all", true, ""},
		{"empty", "append", false, "holds 0 rows"},
		{"empty", "upsert", false, "were not updated"},
		{"short", "append", false, "rows_written 199, want 200"},
		{"mangle", "append", false, "1 rows of bench_xcetl are not in bench_copy"},
		{"mangle", "upsert", false, "rows of bench_up_xcetl were not updated"},
	}
	for _, tc := range tests {
		t.Run(tc.standIn+"-"+tc.only, func(t *testing.T) {
			t.Setenv("STANDIN", tc.standIn)
			o := options{rows: 200, rounds: 1, psql: "psql", xcetl: bin, dir: t.TempDir(), dsn: pgtest.NewDatabase(t),
				only: tc.only, prefill: "full", flat: tc.flat, timeout: defaultTestTimeout}
			res, err := runBench(context.Background(), o, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			names := map[string]bool{}
			for _, tg := range res.Targets {
				names[tg.Name] = true
			}
			for _, n := range []string{"append speed", "append memory", "upsert speed (full)", "upsert memory (full)", "flat memory"} {
				if !names[n] {
					t.Errorf("target %q not evaluated; got %+v", n, res.Targets)
				}
			}
		})
	}
}

// TestPairRounds: each round's ratio is against the reference baseline's run of that round; the
// paired ratio is their median, and a drift of the machine between rounds cancels out.
func TestPairRounds(t *testing.T) {
	tests := []struct {
		name        string
		contenders  []*Contender
		wantRounds  []float64
		wantPaired  float64
		wantByRatio float64 // the ratio of medians, for contrast
	}{
		{"the median of the rounds' ratios, not the ratio of the medians",
			[]*Contender{{Name: "base", Baseline: true, Runs: roundRuns(2.0, 1.0, 1.5, 1.1, 2.2)},
				{Name: "xcetl", Runs: roundRuns(1.8, 2.0, 0.9, 1.2, 1.0)}},
			[]float64{2.0 / 1.8, 1.0 / 2.0, 1.5 / 0.9, 1.1 / 1.2, 2.2 / 1.0}, 2.0 / 1.8, 1.5 / 1.2},
		{"two baselines: against the one with the faster median, not each round's faster run",
			[]*Contender{{Name: "a", Baseline: true, Runs: roundRuns(5, 1, 4)},
				{Name: "b", Baseline: true, Runs: roundRuns(3, 3.5, 3.2)},
				{Name: "xcetl", Runs: roundRuns(3, 2, 4)}},
			[]float64{1, 1.75, 0.8}, 1, 3.2 / 3},
		{"a round without a baseline run is left out",
			[]*Contender{{Name: "base", Baseline: true, Runs: roundRuns(2)},
				{Name: "xcetl", Runs: roundRuns(1, 5)}},
			[]float64{2}, 2, 2.0 / 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := Scenario{Name: "s", Rows: 10, Contenders: tc.contenders}
			summarize(&sc)
			x := tc.contenders[len(tc.contenders)-1]
			if len(x.RoundRatios) != len(tc.wantRounds) {
				t.Fatalf("round ratios %v, want %v", x.RoundRatios, tc.wantRounds)
			}
			for i, w := range tc.wantRounds {
				if math.Abs(x.RoundRatios[i]-w) > 1e-9 {
					t.Errorf("round %d ratio %v, want %v", i+1, x.RoundRatios[i], w)
				}
			}
			if math.Abs(x.PairedRatio-tc.wantPaired) > 1e-9 || math.Abs(x.Ratio-tc.wantByRatio) > 1e-9 {
				t.Errorf("paired %v ratio %v, want %v and %v", x.PairedRatio, x.Ratio, tc.wantPaired, tc.wantByRatio)
			}
			for _, c := range tc.contenders[:len(tc.contenders)-1] {
				if c.PairedRatio != 0 || c.RoundRatios != nil {
					t.Errorf("baseline %s got paired ratios %v", c.Name, c.RoundRatios)
				}
			}
			if d := paired(x); len(x.RoundRatios) > 1 && !strings.Contains(d, fmt.Sprintf("median %.2f", tc.wantPaired)) {
				t.Errorf("detail %q does not give the paired median", d)
			}
		})
	}
}

// roundRuns makes one run per round, round 1 first, with these seconds.
func roundRuns(secs ...float64) []Run {
	var rs []Run
	for i, s := range secs {
		rs = append(rs, Run{Round: i + 1, Seconds: s})
	}
	return rs
}
