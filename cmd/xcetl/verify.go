package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/internal/safefile"
	"github.com/xcetl/xcetl/verify"
)

// verifyPrinted is how many differing keys are printed per table (the
// report has them all, up to --max-diffs).
const verifyPrinted = 20

// pairReaders turn a file into the table pairs to verify, by the file's
// top-level `kind:` ("" for a pipeline file).
var pairReaders = map[string]func(ctx context.Context, g *globals, path string, opts verify.Options) ([]verify.Pair, []string, error){
	"": pipelinePairs,
}

// pipelinePairs reads a pipeline file: its one source table and target
// table.
func pipelinePairs(ctx context.Context, g *globals, path string, opts verify.Options) ([]verify.Pair, []string, error) {
	p, _, err := g.load(path)
	if err != nil {
		return nil, nil, err
	}
	pair, notes, err := verify.FromPipeline(ctx, p.Spec(), opts)
	if err != nil {
		return nil, nil, &exitError{codeOf(err), err}
	}
	return []verify.Pair{pair}, notes, nil
}

// fileKind reads a file's top-level `kind:` without resolving anything
// else ("" when it has none).
func fileKind(path string) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return "", &exitError{exitInvalid, err}
	}
	root, _ := config.Parse(path, src, func(string) (string, bool) { return "", true })
	if k := root.Get("kind"); k != nil && k.Kind == config.Scalar {
		return k.Value, nil
	}
	return "", nil
}

func verifyCmd(g *globals) *cobra.Command {
	var (
		reportPath, fixPath string
		maxDiffs, parallel  int
	)
	c := &cobra.Command{
		Use:   "verify FILE",
		Short: "prove that the target tables hold what the source tables hold: counts and checksums computed in each database, then the differing keys; exit 1 on any difference",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if maxDiffs < 1 {
				return &exitError{exitInvalid, fmt.Errorf("--max-diffs %d: must be at least 1", maxDiffs)}
			}
			if parallel < 1 || parallel > 64 {
				return &exitError{exitInvalid, fmt.Errorf("--parallel %d: must be 1 to 64", parallel)}
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			kind, err := fileKind(args[0])
			if err != nil {
				return err
			}
			read, ok := pairReaders[kind]
			if !ok {
				return &exitError{exitInvalid, fmt.Errorf("%s: verify cannot read files of kind %q", args[0], kind)}
			}
			opts := verify.Options{MaxDiffs: maxDiffs, Parallel: parallel, Logger: log, Scrubber: g.scrub,
				Progress: func(t verify.TableResult) { printTable(g.stdout, t) }}
			pairs, notes, err := read(cmd.Context(), g, args[0], opts)
			if err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintln(g.stderr, "note: "+n)
			}
			res, err := verify.Run(cmd.Context(), pairs, opts)
			if err != nil {
				return &exitError{exitFailed, err}
			}
			if err := writeVerifyFiles(res, reportPath, fixPath); err != nil {
				return &exitError{exitFailed, err}
			}
			return verifySummary(g, res)
		},
	}
	c.Flags().StringVar(&reportPath, "report", "", "write the result as JSON to FILE: per table the counts, status and every differing key (up to --max-diffs)")
	c.Flags().StringVar(&fixPath, "fix-sql", "", "write to FILE the SQL statements (the target's dialect) that would make each target table match its source")
	c.Flags().IntVar(&maxDiffs, "max-diffs", verify.DefaultMaxDiffs, "differing keys collected per table at most")
	c.Flags().IntVar(&parallel, "parallel", 1, "sessions per database that checksum parts of a table with a single integer key at once")
	return c
}

func writeVerifyFiles(res *verify.Result, reportPath, fixPath string) error {
	if reportPath != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := safefile.WriteFile(reportPath, append(data, '\n'), 0o600); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
	}
	if fixPath != "" {
		var b bytes.Buffer
		if err := res.WriteFixSQL(&b); err != nil {
			return err
		}
		if err := safefile.WriteFile(fixPath, b.Bytes(), 0o600); err != nil {
			return fmt.Errorf("--fix-sql: %w", err)
		}
	}
	return nil
}

// printTable prints one table's line and its differing keys.
func printTable(w io.Writer, t verify.TableResult) {
	fmt.Fprintf(w, "%-30s rows %s / %s  %-8s %.1fs\n", t.Name, xcetl.GroupDigits(t.SourceRows), xcetl.GroupDigits(t.TargetRows), t.Status, t.Seconds)
	if t.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", t.Error)
	}
	if t.Note != "" {
		fmt.Fprintf(w, "  %s\n", t.Note)
	}
	if len(t.NotCompared) > 0 {
		var parts []string
		for _, c := range sortedKeys(t.NotCompared) {
			parts = append(parts, c+" ("+t.NotCompared[c]+")")
		}
		fmt.Fprintf(w, "  not compared: %s\n", strings.Join(parts, "; "))
	}
	if n := t.Diffs(); n > 0 {
		more := ""
		if t.Truncated {
			more = " (at least: --max-diffs reached)"
		}
		fmt.Fprintf(w, "  %d missing in target, %d extra, %d different%s\n", len(t.Missing), len(t.Extra), len(t.Different), more)
	}
	printed := 0
	line := func(format string, args ...any) {
		if printed < verifyPrinted {
			fmt.Fprintf(w, "  "+format+"\n", args...)
		}
		printed++
	}
	key := strings.Join(t.Key, ", ")
	for _, k := range t.Missing {
		line("missing in target: %s = %s", key, strings.Join(k, ", "))
	}
	for _, k := range t.Extra {
		line("extra in target:   %s = %s", key, strings.Join(k, ", "))
	}
	for _, d := range t.Different {
		line("different:         %s = %s (%s)", key, strings.Join(d.Key, ", "), strings.Join(d.Columns, ", "))
	}
	if printed > verifyPrinted {
		fmt.Fprintf(w, "  … and %d more (all in --report)\n", printed-verifyPrinted)
	}
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// verifySummary prints the totals and returns the exit code: 0 when every
// table matches, 1 otherwise.
func verifySummary(g *globals, res *verify.Result) error {
	var bad []string
	for _, t := range res.Tables {
		if t.Status != verify.StatusMatch {
			bad = append(bad, t.Name)
		}
	}
	if len(bad) == 0 {
		fmt.Fprintf(g.stdout, "verify: %d table(s) match (%.1fs)\n", len(res.Tables), res.Seconds)
		return nil
	}
	return &exitError{exitFailed, fmt.Errorf("verify: %d of %d table(s) differ: %s", len(bad), len(res.Tables), strings.Join(bad, ", "))}
}
