package pipelines_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	_ "github.com/xcetl/xcetl/all" // every built-in source, transform and target
	"github.com/xcetl/xcetl/pipelines"
)

// Embedding xcetl: load a pipeline file, run it, read the report. The
// pipeline here reads a small CSV and loads it into SQLite.
func Example() {
	dir, _ := os.MkdirTemp("", "xcetl-example")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "people.csv"), []byte("编号,姓名,积分\n1,张三,88.5\n2,李四,不详\n3,王五,92\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "people.yaml"), []byte(`
version: 1
name: people
source: {type: csv, path: people.csv}
transforms:
  - rename: {编号: id, 姓名: name, 积分: score}
  - cast: {id: int, score: "decimal(5,1)"}
target: {type: sqlite, dsn: people.db, table: people, mode: upsert, key: [id]}
errors: {max_rejects: 1}
`), 0o644)

	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	p, err := pipelines.Load(filepath.Join(dir, "people.yaml"), pipelines.WithLogger(quiet))
	if err != nil {
		fmt.Println(err) // every problem of the file, each with file:line:col
		return
	}
	rep, err := p.Run(context.Background(), pipelines.RunOptions{})
	if err != nil {
		fmt.Println("run failed:", err)
	}
	fmt.Printf("%s: read %d, written %d, rejected %d\n", rep.Status, rep.RowsRead, rep.RowsWritten, rep.RowsRejected)
	fmt.Println(rep.FirstRejects[0])
	// Output:
	// ok: read 3, written 2, rejected 1
	// file people.csv line 3 field 3 (column score): cast score: "不详" is not a decimal(5,1)
}
