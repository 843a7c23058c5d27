// Command embed shows xcetl used as a Go library by a program that owns its
// database pool, its logger and its metrics: it parses a pipeline held in
// the program (no file, no process environment), adds a transform of its
// own to this pipeline only, runs it twice against its *sql.DB and prints
// the reports and a few metrics.
//
//	go run ./examples/embed            # SQLite database in a temporary directory
//	go run ./examples/embed -db x.db   # or in x.db
//
// Nothing here calls os.Exit but main; the library never does.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver for our own pool

	"github.com/xcetl/xcetl"
	_ "github.com/xcetl/xcetl/all" // the built-in sources, transforms and targets
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/pipelines"
	"github.com/xcetl/xcetl/transform"
)

// pipelineYAML has no dsn: the target uses the program's *sql.DB. ${DATA}
// comes from Options.Vars, not from the environment.
const pipelineYAML = `
version: 1
name: grid_residents
description: 网格居民信息 (embedded)
source: {type: csv, path: "${DATA}/residents.csv"}
transforms:
  - rename: {编号: id, 姓名: name, 网格: grid}
  - cast: {id: int}
  - grid_code: {column: grid}        # this program's own transform
target: {type: sqlite, table: residents, mode: upsert, key: [id]}
errors: {max_rejects: 0}
`

const residents = "编号,姓名,网格\n1,张三,东城-01\n2,李四,西城-07\n3,王五,东城-02\n"

func main() {
	dbPath := flag.String("db", "", "SQLite database file (default: in a temporary directory)")
	flag.Parse()
	if err := run(context.Background(), *dbPath); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dbPath string) error {
	dir, err := os.MkdirTemp("", "xcetl-embed")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "residents.csv"), []byte(residents), 0o644); err != nil {
		return err
	}
	if dbPath == "" {
		dbPath = filepath.Join(dir, "grid.db")
	}

	// The program's own pool, logger and registry.
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	reg := prometheus.NewRegistry()

	// One set of options for parsing and building: the values of ${VAR}
	// (and no process environment), the program's pool, logger and
	// registry, and a transform of this pipeline only.
	opts := []pipelines.Option{
		pipelines.WithVars(map[string]string{"DATA": dir}),
		pipelines.WithLookupEnv(func(string) (string, bool) { return "", false }),
		pipelines.WithTargetDB(db),
		pipelines.WithLogger(logger),
		pipelines.WithMetrics(reg),
		pipelines.WithTransformSpec("grid_code", config.Doc{Summary: "东城-01 → DC01"}, newGridCode),
	}
	spec, err := pipelines.Parse(filepath.Join(dir, "grid.yaml"), []byte(pipelineYAML), opts...)
	if err != nil {
		return err // every problem, each with line and column
	}
	p, err := pipelines.New(spec, opts...)
	if err != nil {
		return err
	}
	fmt.Printf("pipeline %s: %s → %s, %d transforms\n", p.Spec().Name, p.Spec().Source().Type(), p.Spec().Target().Type(), len(p.Spec().Transforms()))

	for i := 1; i <= 2; i++ {
		rep, err := p.Run(ctx, pipelines.RunOptions{})
		if errors.Is(err, xcetl.ErrLocked) {
			return fmt.Errorf("another run holds the lock: %w", err)
		}
		if err != nil || rep.Status != pipelines.StatusOK {
			return fmt.Errorf("run %d: %w", i, err)
		}
		fmt.Printf("run %d: %s, read %d, written %d, rejected %d\n", i, rep.Status, rep.RowsRead, rep.RowsWritten, rep.RowsRejected)
	}

	rows, err := db.QueryContext(ctx, "SELECT id, name, grid FROM residents ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name, grid string
		if err := rows.Scan(&id, &name, &grid); err != nil {
			return err
		}
		fmt.Printf("  %d %s %s\n", id, name, grid)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var runs int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM xcetl_runs WHERE pipeline = 'grid_residents'").Scan(&runs); err != nil {
		return err
	}
	fmt.Printf("run history: %d runs\n", runs)

	families, err := reg.Gather()
	if err != nil {
		return err
	}
	for _, mf := range families {
		if name := mf.GetName(); name == "xcetl_rows_written_total" || name == "xcetl_run_success" || name == "xcetl_grid_codes_total" {
			fmt.Printf("metric %s = %g\n", name, value(mf.GetMetric()[0]))
		}
	}
	return nil
}

// gridCode turns "东城-01" into "DC01": a transform this program keeps to
// itself (pipelines.WithTransform), counted in a stat of its own.
type gridCode struct {
	column string
	idx    int
	n      atomic.Int64 // Apply runs on several goroutines
}

// gridSpec is grid_code's configuration, declared as the built-in
// transforms' are: decoding, checks and explain come from it.
type gridSpec struct {
	Column string `yaml:"column,required" doc:"the column holding <district>-<number>"`
}

func newGridCode(s *gridSpec, _ transform.Env) (transform.Transform, error) {
	return &gridCode{column: s.Column}, nil
}

var districts = map[string]string{"东城": "DC", "西城": "XC"}

func (g *gridCode) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	if g.idx = in.Index(g.column); g.idx < 0 {
		return nil, fmt.Errorf("grid_code: no column %q", g.column)
	}
	return in, nil
}

func (g *gridCode) Apply(_ context.Context, b *xcetl.Batch) error {
	for i, row := range b.Rows {
		if b.Marked(i) || row[g.idx] == nil {
			continue
		}
		district, num, ok := strings.Cut(row[g.idx].(string), "-")
		code, known := districts[district]
		if !ok || !known {
			b.Reject(i, g.column, fmt.Sprintf("grid_code: %q is not <district>-<number>", row[g.idx]))
			continue
		}
		row[g.idx] = code + num
		g.n.Add(1)
	}
	return nil
}

// Stats implements xcetl.Statser: exported as xcetl_grid_codes_total.
func (g *gridCode) Stats() []xcetl.Stat {
	return []xcetl.Stat{{Name: "grid_codes", Help: "Grid codes converted.", Kind: xcetl.Counter, Value: float64(g.n.Load())}}
}

func value(m *dto.Metric) float64 {
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return m.GetGauge().GetValue()
}
