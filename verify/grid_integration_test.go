package verify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/internal/mytest"
	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/verify"
)

// gridKeys orders each grid table's rows as mytest.Grid lists them.
var gridKeys = map[string][]string{"household_members": {"household_id", "member_no"}, "districts": {"code"}, "visit_log": {"visited_on", "district"}}

func keyOf(name string) []string {
	if k, ok := gridKeys[name]; ok {
		return k
	}
	return []string{"id"}
}

// TestGridVerifyIntegration loads every table of the MariaDB grid schema
// (every MySQL type) into PostgreSQL and SQLite with real `type: sql`
// pipelines, then checks that each database's canonical SQL gives exactly
// the Go reference text of the expected values, and that verify finds
// every table equal.
func TestGridVerifyIntegration(t *testing.T) {
	src := mytest.LoadGrid(t)
	targets := map[string]string{"postgres": pgtest.NewDatabase(t), "sqlite": filepath.Join(t.TempDir(), "grid.db")}
	zero := dialects.ReadOptions{ZeroDates: dialects.ZeroDateNull}
	srcTypes := map[string][]xcetl.Type{}
	for _, gt := range mytest.Grid() {
		t.Run("mysql/"+gt.Name, func(t *testing.T) {
			got, names, types := canonicalRows(t, "mysql", src, gt.Name, zero, keyOf(gt.Name), nil)
			compareCanonical(t, "mysql", got, reference(gt.Rows, types), names, types)
			srcTypes[gt.Name] = types
		})
	}
	for target, dsn := range targets {
		var pairs []verify.Pair
		for _, gt := range mytest.Grid() {
			yaml := fmt.Sprintf(`version: 1
name: grid_%s
source: {type: sql, driver: mysql, dsn: "${SRC}", table: %s, zero_dates: null}
target: {type: %s, dsn: "${DST}", table: %s}
`, gt.Name, gt.Name, target, gt.Name)
			runPipeline(t, t.TempDir(), yaml, map[string]string{"SRC": src, "DST": dsn})
			t.Run(target+"/"+gt.Name, func(t *testing.T) {
				got, names, types := canonicalRows(t, target, dsn, gt.Name, dialects.ReadOptions{}, keyOf(gt.Name), srcTypes[gt.Name])
				compareCanonical(t, target, got, reference(gt.Rows, types), names, types)
			})
			pairs = append(pairs, verify.Pair{Name: gt.Name,
				Source: verify.Side{Driver: "mysql", DSN: xcetl.NewSecret(src), Table: dialects.Table{Name: gt.Name}, Read: zero},
				Target: verify.Side{Driver: target, DSN: xcetl.NewSecret(dsn), Table: dialects.Table{Name: gt.Name}}})
		}
		res, err := verify.Run(context.Background(), pairs, verify.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range res.Tables {
			if tr.Status != verify.StatusMatch {
				t.Errorf("%s %s: %s %s %s missing %v extra %v different %v", target, tr.Name, tr.Status, tr.Error, tr.Note, tr.Missing, tr.Extra, tr.Different)
			}
		}
		if !res.Match {
			t.Errorf("%s: not a match", target)
		}
		if target == "postgres" {
			changeGrid(t, dsn, pairs)
		}
	}
}

// changeGrid changes a composite-key table (narrowed by key-hash buckets)
// and the table without a primary key in PostgreSQL, and checks what
// verify reports of them.
func changeGrid(t *testing.T, dsn string, pairs []verify.Pair) {
	pgExec(t, dsn, "UPDATE household_members SET relation = '子女' WHERE household_id = 1 AND member_no = 2",
		"DELETE FROM household_members WHERE household_id = 3", "INSERT INTO household_members VALUES (7, 1, '户主')",
		"DELETE FROM visit_log WHERE district IS NULL")
	var picked []verify.Pair
	for _, p := range pairs {
		if p.Name == "household_members" || p.Name == "visit_log" {
			picked = append(picked, p)
		}
	}
	res := runVerify(t, picked...)
	got := map[string]string{}
	for _, tr := range res.Tables {
		got[tr.Name] = fmt.Sprintf("%s %d/%d missing %v extra %v different %v note %t", tr.Status, tr.SourceRows, tr.TargetRows, tr.Missing, tr.Extra, tr.Different, tr.Note != "")
	}
	want := map[string]string{
		"household_members": "mismatch 3/3 missing [[3 1]] extra [[7 1]] different [{[1 2] [relation]}] note false",
		"visit_log":         "mismatch 3/2 missing [] extra [] different [] note true",
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s: %s\nwant %s", k, got[k], want[k])
		}
	}
}
