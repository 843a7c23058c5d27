// Package verify proves that a target table holds what its source table
// holds, without moving the rows: `xcetl verify`.
//
// For each Pair of tables, both sides are read through their source
// dialects (dialects.SourceDialect, with the optional dialects.Checksummer
// capability), and:
//
//  1. each database computes the row count and a checksum of the rows'
//     canonical text (dialects/checksum.go: the same text for equal values
//     whatever the database's types and formats) over the whole table; if
//     both agree the table matches;
//  2. otherwise the table is split into ranges of about Options.RangeRows
//     rows — key ranges of a single integer key (arithmetic, one GROUP BY
//     per side, narrowed again where a range holds many more rows), hash
//     buckets of the key's text for any other key (so that the databases'
//     collations cannot disagree on what a range holds) — and each
//     database checksums every range in one scan;
//  3. the rows of the ranges that differ are read from both sides (their
//     canonical text only) and compared by key in Go: keys missing from
//     the target, extra in the target, and different (with the columns).
//
// A table without a primary key (and no Pair.Key) is compared by count
// and checksum only: a mismatch is reported without keys.
//
// Values of Pair.Hidden columns are never printed nor written to the
// report; columns in Pair.Skip are not compared at all (their values are
// what a transform such as encrypt made of the source's).
//
// A caller with a migration file builds one Pair per table:
//
//	res, err := verify.Run(ctx, []verify.Pair{{
//		Name:   "residents",
//		Source: verify.Side{Driver: "mysql", DSN: src, Table: dialects.Table{Schema: "grid", Name: "residents"}},
//		Target: verify.Side{Driver: "postgres", DSN: dst, Table: dialects.Table{Schema: "public", Name: "residents"}},
//		Skip:   map[string]string{"id_card": "encrypted by the migration"},
//	}}, verify.Options{})
//
// and reads res.Match, res.Tables, or res.WriteFixSQL.
package verify

import (
	"context"
	"log/slog"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// Defaults of Options.
const (
	DefaultMaxDiffs  = 1000
	DefaultRangeRows = 1000
)

// Side is one table of a Pair.
type Side struct {
	// Driver is the source dialect's driver (mysql, postgres, opengauss,
	// kingbase, dm8, sqlite, oracle): a target type has a source dialect
	// of the same name.
	Driver string
	DSN    xcetl.Secret
	// BaseDir resolves a relative SQLite path.
	BaseDir string
	Table   dialects.Table
	// Columns are the columns compared, in order; nil for every column of
	// the source (on the source side) or the source's names (on the
	// target side). Target.Columns[i] is the copy of Source.Columns[i].
	Columns []string
	// Where limits the rows (the source's `where:`), "" for every row.
	Where string
	// Read are the options the columns were read with (zero dates as
	// NULL; type overrides by column name in Types).
	Read dialects.ReadOptions
	// Types overrides the xcetl type a column is compared as, by column
	// name or native type (the source's `types:`).
	Types map[string]xcetl.Type
}

// Pair is a source table and the target table that should hold the same
// rows.
type Pair struct {
	// Name names the pair in output (the target table, normally).
	Name           string
	Source, Target Side
	// Key are the source columns that identify a row; nil for the
	// source's primary key.
	Key []string
	// Hidden are source columns whose values are never printed or
	// written anywhere (they may still be compared).
	Hidden []string
	// Skip are source columns not compared, with the reason (shown).
	Skip map[string]string
}

// Options tune Run.
type Options struct {
	// MaxDiffs bounds the keys collected per table (missing, extra and
	// different together); 0 for DefaultMaxDiffs.
	MaxDiffs int
	// RangeRows is about how many rows a range holds when a mismatching
	// table is narrowed; 0 for DefaultRangeRows.
	RangeRows int
	// Parallel is the sessions per side that checksum a table with a
	// single integer key, each a part of the key range (1 or 0: one
	// session). It helps where each database has cores to spare.
	Parallel int
	// Logger receives notes; nil for none.
	Logger *slog.Logger
	// Scrubber removes secrets from errors; nil for none.
	Scrubber *xcetl.Scrubber
	// Progress, when set, is called after each table.
	Progress func(TableResult)
}

// Status of a table.
const (
	StatusMatch    = "match"
	StatusMismatch = "mismatch"
	StatusError    = "error"
)

// Result is the outcome of Run, as the --report JSON.
type Result struct {
	// Match is true when every table matches.
	Match   bool          `json:"match"`
	Tables  []TableResult `json:"tables"`
	Seconds float64       `json:"seconds"`
}

// TableResult is one Pair's outcome.
type TableResult struct {
	Name       string  `json:"name"`
	Source     string  `json:"source"`
	Target     string  `json:"target"`
	Status     string  `json:"status"`
	Error      string  `json:"error,omitempty"`
	SourceRows int64   `json:"source_rows"`
	TargetRows int64   `json:"target_rows"`
	Seconds    float64 `json:"seconds"`
	// Key names the key columns (source names); empty when the table has
	// none (then mismatches carry no keys: Note says so).
	Key []string `json:"key,omitempty"`
	// Compared are the source columns compared; NotCompared the others,
	// with the reason.
	Compared    []string          `json:"compared"`
	NotCompared map[string]string `json:"not_compared,omitempty"`
	// Missing are keys in the source only, Extra in the target only,
	// Different in both with other values. Keys are the key columns'
	// canonical text, in Key order.
	Missing   [][]string `json:"missing,omitempty"`
	Extra     [][]string `json:"extra,omitempty"`
	Different []Diff     `json:"different,omitempty"`
	// Truncated is true when more differences exist than MaxDiffs.
	Truncated bool   `json:"truncated,omitempty"`
	Note      string `json:"note,omitempty"`

	fix *fixData
}

// Diff is a key whose row differs, and the columns that differ (source
// names).
type Diff struct {
	Key     []string `json:"key"`
	Columns []string `json:"columns"`
}

// Diffs returns how many keys differ (missing, extra and different).
func (t *TableResult) Diffs() int { return len(t.Missing) + len(t.Extra) + len(t.Different) }

// Run compares every pair, one table after another, and returns what it
// found. An error of one table (it cannot be read) is that table's
// StatusError and makes Match false; Run's own error is only for the
// context ending.
func Run(ctx context.Context, pairs []Pair, opts Options) (*Result, error) {
	if opts.MaxDiffs <= 0 {
		opts.MaxDiffs = DefaultMaxDiffs
	}
	if opts.RangeRows <= 0 {
		opts.RangeRows = DefaultRangeRows
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	res := &Result{Match: true}
	for _, p := range pairs {
		tr := verifyTable(ctx, p, opts)
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if tr.Status != StatusMatch {
			res.Match = false
		}
		res.Tables = append(res.Tables, tr)
		if opts.Progress != nil {
			opts.Progress(tr)
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

func verifyTable(ctx context.Context, p Pair, opts Options) TableResult {
	start := time.Now()
	tr := TableResult{Name: p.Name, Source: plainName(p.Source.Table), Target: plainName(p.Target.Table)}
	err := compareTable(ctx, p, opts, &tr)
	tr.Seconds = time.Since(start).Seconds()
	switch {
	case err != nil:
		tr.Status = StatusError
		if opts.Scrubber != nil {
			err = opts.Scrubber.ScrubError(err)
		}
		tr.Error = err.Error()
	case tr.Note != "" || tr.Diffs() > 0 || tr.SourceRows != tr.TargetRows:
		tr.Status = StatusMismatch
	default:
		tr.Status = StatusMatch
	}
	return tr
}

// plainName is schema.table as stored, without quotes (for output).
func plainName(t dialects.Table) string {
	if t.Schema == "" {
		return t.Name
	}
	return t.Schema + "." + t.Name
}
