package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/xcetl/xcetl/pipelines"
)

// TestConcurrentCreateIntegration: eight pipelines that load into the same
// new table at the same moment all succeed — the losers of the CREATE TABLE
// race load into the winner's table — on PostgreSQL and SQLite, with
// commit: run and commit: batch.
func TestConcurrentCreateIntegration(t *testing.T) {
	dir := t.TempDir()
	for _, o := range opsTargets(t, dir) {
		for _, commit := range []string{"run", "batch"} {
			t.Run(o.name+"/"+commit, func(t *testing.T) {
				table := "shared_" + commit
				const runs = 8
				var wg sync.WaitGroup
				errs := make([]error, runs)
				start := make(chan struct{})
				for i := 0; i < runs; i++ {
					src := writeFile(t, dir, fmt.Sprintf("%s-%s-%d.csv", o.name, commit, i), fmt.Sprintf("id,name\n%d,a\n%d,b\n%d,c\n", 3*i+1, 3*i+2, 3*i+3))
					spec, err := pipelines.Parse(filepath.Join(dir, "p.yaml"), []byte(fmt.Sprintf(`version: 1
name: racer_%s_%d
source: {type: csv, path: %q}
transforms:
  - cast: {id: int}
target: {type: %s, dsn: %q, table: %s, commit: %s}
`, commit, i, src, o.typ, o.dsn, table, commit)))
					if err != nil {
						t.Fatal(err)
					}
					p, err := pipelines.New(spec)
					if err != nil {
						t.Fatal(err)
					}
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						<-start
						_, errs[i] = p.Run(context.Background(), pipelines.RunOptions{})
					}(i)
				}
				close(start)
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Errorf("run %d: %v", i, err)
					}
				}
				if n := o.count(t, "SELECT count(DISTINCT id) FROM "+table); n != 3*runs {
					t.Errorf("%d distinct rows, want %d", n, 3*runs)
				}
				if n := o.count(t, "SELECT count(*) FROM "+table); n != 3*runs {
					t.Errorf("%d rows, want %d", n, 3*runs)
				}
			})
		}
	}
}
