package pipelines

import (
	"bytes"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/internal/safefile"
)

// Metrics are exported with github.com/prometheus/client_golang, so that a
// program embedding xcetl registers a pipeline's metrics in the registry it
// already serves (WithMetrics, Collector); the CLI writes the same metrics
// to a file for node_exporter's textfile collector (--metrics-file) or
// serves them (--metrics-addr).
//
// Every metric has the label pipeline. Counters count the current run (or,
// between runs, the last one): they start again at 0 with every run, which
// Prometheus treats as a counter reset.

// MetricNames lists the metrics a pipeline exports besides the plugins'
// stats (xcetl_<stat>, with _total for counters), for documentation and
// tests.
var MetricNames = []string{
	"xcetl_rows_read_total", "xcetl_rows_written_total", "xcetl_rows_rejected_total",
	"xcetl_rows_filtered_total", "xcetl_rows_committed_total", "xcetl_batches_total",
	"xcetl_run_in_progress", "xcetl_run_success", "xcetl_run_start_time_seconds",
	"xcetl_run_end_time_seconds", "xcetl_run_duration_seconds", "xcetl_build_info",
}

// liveRun is a run going on, or the last one once rep is set.
type liveRun struct {
	c       *counters
	started time.Time

	mu    sync.Mutex
	rep   *Report
	stats []xcetl.Stat
}

func (lr *liveRun) finish(rep *Report, stats []xcetl.Stat) {
	lr.mu.Lock()
	lr.rep, lr.stats = rep, stats
	lr.mu.Unlock()
}

// snapshot is what one scrape sees.
type snapshot struct {
	pipeline                                            string
	running                                             bool
	read, written, rejected, filtered, committed, batch int64
	started, finished                                   time.Time
	status                                              string
	stats                                               []xcetl.Stat
}

func (p *Pipeline) snapshot() (snapshot, bool) {
	lr := p.live.Load()
	if lr == nil {
		return snapshot{}, false
	}
	lr.mu.Lock()
	rep, stats := lr.rep, lr.stats
	lr.mu.Unlock()
	if rep != nil {
		return reportSnapshot(rep, stats), true
	}
	return snapshot{
		pipeline: p.spec.Name, running: true, started: lr.started,
		read: lr.c.read.Load(), written: lr.c.written.Load(), rejected: lr.c.rejected.Load(),
		filtered: lr.c.filtered.Load(), committed: lr.c.committed.Load(), batch: lr.c.batches.Load(),
		stats: p.Stats(),
	}, true
}

func reportSnapshot(rep *Report, stats []xcetl.Stat) snapshot {
	return snapshot{
		pipeline: rep.Pipeline, started: rep.StartedAt, finished: rep.FinishedAt, status: string(rep.Status),
		read: rep.RowsRead, written: rep.RowsWritten, rejected: rep.RowsRejected, filtered: rep.RowsFiltered,
		committed: rep.RowsCommitted, batch: rep.Batches, stats: stats,
	}
}

// Collector returns a prometheus.Collector of the pipeline's metrics: the
// current (or last) run's row counts, its state and times, and every stat
// the source, transforms and target report (Stats). Metrics appear once the
// first run has started. Its descriptions carry the pipeline's name, so a
// registry refuses a second pipeline of the same name.
func (p *Pipeline) Collector() prometheus.Collector {
	return &collector{name: p.spec.Name, snap: p.snapshot, stats: p.Stats}
}

type collector struct {
	name  string
	snap  func() (snapshot, bool)
	stats func() []xcetl.Stat
}

// fixedMetric is one of the metrics every pipeline exports.
type fixedMetric struct {
	name, help string
	typ        prometheus.ValueType
	value      func(s snapshot) (float64, bool)
}

var fixedMetrics = []fixedMetric{
	{"xcetl_rows_read_total", "Source rows read by the run (rows_read of the report).", prometheus.CounterValue,
		func(s snapshot) (float64, bool) { return float64(s.read), true }},
	{"xcetl_rows_written_total", "Rows handed to the target by the run (rows_written).", prometheus.CounterValue,
		func(s snapshot) (float64, bool) { return float64(s.written), true }},
	{"xcetl_rows_rejected_total", "Rows rejected by the run (rows_rejected).", prometheus.CounterValue,
		func(s snapshot) (float64, bool) { return float64(s.rejected), true }},
	{"xcetl_rows_filtered_total", "Rows filtered out on purpose by the run (rows_filtered).", prometheus.CounterValue,
		func(s snapshot) (float64, bool) { return float64(s.filtered), true }},
	{"xcetl_rows_committed_total", "Rows durably committed to the target by the run (rows_committed).", prometheus.CounterValue,
		func(s snapshot) (float64, bool) { return float64(s.committed), true }},
	{"xcetl_batches_total", "Batches the run has handled.", prometheus.CounterValue,
		func(s snapshot) (float64, bool) { return float64(s.batch), true }},
	{"xcetl_run_in_progress", "1 while a run of the pipeline goes on, 0 after it ended.", prometheus.GaugeValue,
		func(s snapshot) (float64, bool) { return b2f(s.running), true }},
	{"xcetl_run_success", "1 if the last run ended with status ok, 0 if it failed.", prometheus.GaugeValue,
		func(s snapshot) (float64, bool) { return b2f(s.status == "ok"), !s.running }},
	{"xcetl_run_start_time_seconds", "Start of the current or last run, Unix time.", prometheus.GaugeValue,
		func(s snapshot) (float64, bool) { return unixSeconds(s.started), true }},
	{"xcetl_run_end_time_seconds", "End of the last run, Unix time.", prometheus.GaugeValue,
		func(s snapshot) (float64, bool) { return unixSeconds(s.finished), !s.running }},
	{"xcetl_run_duration_seconds", "Duration of the last run, or of the current one so far.", prometheus.GaugeValue,
		func(s snapshot) (float64, bool) {
			end := s.finished
			if s.running {
				end = time.Now()
			}
			return end.Sub(s.started).Seconds(), true
		}},
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *collector) labels() prometheus.Labels { return prometheus.Labels{"pipeline": c.name} }

func (c *collector) buildInfo() *prometheus.Desc {
	return prometheus.NewDesc("xcetl_build_info", "The xcetl build that ran the pipeline (always 1).", nil,
		prometheus.Labels{"pipeline": c.name, "version": xcetl.Version, "commit": xcetl.Commit, "goversion": runtime.Version()})
}

// Describe implements prometheus.Collector: the fixed metrics and the
// stats the plugins report now (plugins report the same stats throughout).
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range fixedMetrics {
		ch <- prometheus.NewDesc(m.name, m.help, nil, c.labels())
	}
	ch <- c.buildInfo()
	if c.stats != nil {
		for _, st := range mergeStats(c.stats()) {
			name, help, _ := statMetric(st)
			ch <- prometheus.NewDesc(name, help, nil, c.labels())
		}
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s, ok := c.snap()
	if !ok {
		return
	}
	for _, m := range fixedMetrics {
		if v, ok := m.value(s); ok {
			ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(m.name, m.help, nil, c.labels()), m.typ, v)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.buildInfo(), prometheus.GaugeValue, 1)
	for _, st := range mergeStats(s.stats) {
		name, help, t := statMetric(st)
		ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, help, nil, c.labels()), t, st.Value)
	}
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// mergeStats adds up stats of the same name (a source and a target may
// both report one), keeping the first one's help and kind, sorted by name.
func mergeStats(stats []xcetl.Stat) []xcetl.Stat {
	byName := map[string]int{}
	var out []xcetl.Stat
	for _, st := range stats {
		name := metricName(st.Name)
		if name == "" {
			continue
		}
		if i, ok := byName[name]; ok {
			out[i].Value += st.Value
			continue
		}
		byName[name] = len(out)
		st.Name = name
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// statMetric names a stat's metric: xcetl_<name>, with _total for
// counters; a name that would clash with the engine's own metrics gets
// xcetl_stat_<name> instead.
func statMetric(st xcetl.Stat) (string, string, prometheus.ValueType) {
	name, t := "xcetl_"+st.Name, prometheus.GaugeValue
	if st.Kind == xcetl.Counter {
		t = prometheus.CounterValue
		if !strings.HasSuffix(name, "_total") {
			name += "_total"
		}
	} else {
		name = strings.TrimSuffix(name, "_total")
	}
	for _, n := range MetricNames {
		if n == name {
			name = "xcetl_stat_" + strings.TrimPrefix(name, "xcetl_")
		}
	}
	help := st.Help
	if help == "" {
		help = "Stat " + st.Name + " reported by the pipeline's plugins."
	}
	return name, help, t
}

// metricName makes a stat name a valid metric name part: snake_case ASCII
// letters, digits and underscores.
func metricName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.Trim(b.String(), "_")
	if out != "" && out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	return out
}

// WriteMetricsFile writes the pipeline's metrics (Collector) to path in the
// Prometheus text format, for node_exporter's textfile collector: written to
// a temporary file in the same directory and renamed, so that the collector
// never reads half a file. Call it after Run.
func (p *Pipeline) WriteMetricsFile(path string) error {
	return writeMetrics(path, p.Collector(), p.scrub)
}

// WriteMetricsFile writes the metrics of a finished run described only by
// its report (a pipeline file that could not be loaded, say), like
// Pipeline.WriteMetricsFile.
func (r *Report) WriteMetricsFile(path string) error {
	return writeMetrics(path, &collector{name: r.Pipeline, snap: func() (snapshot, bool) { return reportSnapshot(r, nil), true }}, nil)
}

func writeMetrics(path string, c prometheus.Collector, scrub *xcetl.Scrubber) error {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		return fmt.Errorf("write metrics %s: %w", path, err)
	}
	families, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("write metrics %s: %w", path, err)
	}
	// The temporary name does not end in .prom: the textfile collector
	// reads every *.prom file of its directory.
	f, err := safefile.Create(path, 0o644)
	if err != nil {
		return fmt.Errorf("write metrics %s: %w", path, err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range families {
		if err = enc.Encode(mf); err != nil {
			break
		}
	}
	if err == nil {
		_, err = f.Write([]byte(scrub.Scrub(b.String())))
	}
	if err != nil {
		f.Abort()
		return fmt.Errorf("write metrics %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("write metrics %s: %w", path, err)
	}
	return nil
}
