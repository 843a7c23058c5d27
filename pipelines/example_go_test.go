package pipelines_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xcetl/xcetl"
	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/pipelines"
	"github.com/xcetl/xcetl/transform"
	"github.com/xcetl/xcetl/transform/column"
	"github.com/xcetl/xcetl/transform/expr"
	"github.com/xcetl/xcetl/transform/mask"
)

var quietLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

// Building a pipeline in Go, without YAML: each part's configuration is
// its plugin's declared spec type, checked as a file would be (defaults,
// allowed values, every rule), with problems named by YAML path.
func ExampleBuild() {
	dir, _ := os.MkdirTemp("", "xcetl-build")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "people.csv"), []byte("编号,姓名,手机号\n1,张三,13812345678\n2,欧阳娜娜,13900001111\n"), 0o644)

	def := pipelines.Definition{
		Name: "people",
		Dir:  dir,
		// The csv source takes the keys of its YAML mapping.
		Source: pipelines.Part{Type: "csv", Spec: map[string]any{"path": "people.csv"}},
		Transforms: []pipelines.Part{
			{Type: "rename", Spec: column.RenameSpec{"编号": "id", "姓名": "name", "手机号": "phone"}},
			{Type: "derive", Spec: expr.DeriveSpec{{Key: "name_len", Value: expr.DeriveEntry{Expr: "len(name)"}}}},
			{Type: "mask", Spec: mask.Spec{{Key: "phone", Value: mask.RuleSpec{Rule: "mobile"}}, {Key: "name", Value: mask.RuleSpec{Rule: "name"}}}},
		},
		Target: pipelines.Part{Type: "sqlite", Spec: load.SQLSpec{DSN: xcetl.NewSecret("people.db"), Table: "people", Mode: "upsert", Key: []string{"id"}}},
	}
	p, err := pipelines.Build(def, pipelines.WithLogger(quietLog))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := p.Run(context.Background(), pipelines.RunOptions{})
	fmt.Println(rep.Status == pipelines.StatusOK, rep.RowsWritten, err)
	for _, line := range p.Spec().Target().Settings() {
		fmt.Println(line)
	}

	// The same checks as a file's, every problem at once:
	def.Target.Spec = load.SQLSpec{Table: "people", Mode: "upsret", BatchSize: 0}
	def.Transforms[2].Spec = mask.Spec{{Key: "phone", Value: mask.RuleSpec{Rule: "mobil"}}}
	_, err = pipelines.Build(def)
	fmt.Println(err)
	// Output:
	// true 2 <nil>
	// dsn: [redacted]
	// table: people
	// mode: upsert
	// key: [id]
	// create: if_missing (default)
	// batch_size: 5000 (default)
	// commit: run (default)
	// commit_every: 1 (default)
	// transforms[2].mask.phone.rule: unknown rule "mobil" (did you mean "mobile"?); one of: idcard (keep 6 + 4), mobile (keep 3 + 4), name (keep the surname, a compound one whole), bankcard (keep the last 4), address (the first 6 characters, then ****); or a mapping of keep_left, keep_right, char
	// target.mode: unknown mode "upsret" (did you mean "upsert"?); one of: append (inserts), upsert (inserts or updates by key), replace (the table holds exactly this run's rows, atomically), cdc (applies insert, update and delete events by key, exactly once)
	// target: missing required key "dsn"
}

// UpperSpec is the configuration of the example's `upper` transform.
type UpperSpec struct {
	Columns []string `yaml:"columns,required" doc:"the columns to write in upper case"`
}

// Check refuses an empty list.
func (s *UpperSpec) Check(c *config.Check) {
	if len(s.Columns) == 0 {
		c.Errorf("columns", "name at least one column")
	}
}

// upperCase is the example's transform.
type upperCase struct {
	cols []string
	idx  []int
}

func (u *upperCase) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	for _, c := range u.cols {
		i := in.Index(c)
		if i < 0 {
			return nil, fmt.Errorf("upper: no column %q", c)
		}
		u.idx = append(u.idx, i)
	}
	return in, nil
}

func (u *upperCase) Apply(_ context.Context, b *xcetl.Batch) error {
	for _, row := range b.Rows {
		for _, i := range u.idx {
			if s, ok := row[i].(string); ok {
				row[i] = strings.ToUpper(s)
			}
		}
	}
	return nil
}

// Registering a custom transform: its configuration is a declared spec
// type, so `xcetl validate`, the reference docs, the JSON Schema and
// `xcetl explain` know it like a built-in one.
func Example_customTransform() {
	transform.RegisterSpec("upper", config.Doc{Summary: "writes columns in upper case", Example: "upper: {columns: [code]}"},
		func(s *UpperSpec, _ transform.Env) (transform.Transform, error) {
			return &upperCase{cols: s.Columns}, nil
		})

	dir, _ := os.MkdirTemp("", "xcetl-custom")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "codes.csv"), []byte("code\nab-1\ncd-2\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "codes.yaml"), []byte(`version: 1
name: codes
source: {type: csv, path: codes.csv}
transforms:
  - upper: {columns: [code]}
target: {type: sqlite, dsn: codes.db, table: codes}
`), 0o644)
	p, err := pipelines.Load(filepath.Join(dir, "codes.yaml"), pipelines.WithLogger(quietLog))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := p.Run(context.Background(), pipelines.RunOptions{})
	fmt.Println(rep.Status, rep.RowsWritten, err)

	// Its keys are checked like a built-in transform's.
	bad, _ := pipelines.Parse("bad.yaml", []byte("version: 1\nname: b\nsource: {type: csv, path: x.csv}\ntransforms:\n  - upper: {colums: [code]}\ntarget: {type: sqlite, dsn: b.db, table: t}\n"))
	_, err = pipelines.New(bad)
	fmt.Println(err)
	// Output:
	// ok 2 <nil>
	// bad.yaml:5:12: transforms[0].upper: missing required key "columns"
	// bad.yaml:5:13: transforms[0].upper.colums: unknown key "colums" (did you mean "columns"?); allowed keys: columns
}

// Several pipelines running at once in one program, their metrics in one
// Prometheus registry (each pipeline's series carry its name).
func Example_concurrent() {
	dir, _ := os.MkdirTemp("", "xcetl-concurrent")
	defer os.RemoveAll(dir)
	reg := prometheus.NewRegistry()
	var ps []*pipelines.Pipeline
	for i, name := range []string{"district_a", "district_b", "district_c"} {
		csv := fmt.Sprintf("id\n%s", strings.Repeat("1\n", i+1))
		_ = os.WriteFile(filepath.Join(dir, name+".csv"), []byte(csv), 0o644)
		p, err := pipelines.Build(pipelines.Definition{
			Name:   name,
			Dir:    dir,
			Source: pipelines.Part{Type: "csv", Spec: map[string]any{"path": name + ".csv"}},
			Target: pipelines.Part{Type: "sqlite", Spec: &load.SQLSpec{DSN: xcetl.NewSecret(name + ".db"), Table: "t"}},
		}, pipelines.WithMetrics(reg), pipelines.WithLogger(quietLog))
		if err != nil {
			fmt.Println(err)
			return
		}
		ps = append(ps, p)
	}
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.Run(context.Background(), pipelines.RunOptions{}); err != nil {
				fmt.Println(err)
			}
		}()
	}
	wg.Wait()
	families, _ := reg.Gather()
	for _, mf := range families {
		if mf.GetName() != "xcetl_rows_written_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			fmt.Println(m.GetLabel()[0].GetValue(), m.GetCounter().GetValue())
		}
	}
	// Output:
	// district_a 1
	// district_b 2
	// district_c 3
}
