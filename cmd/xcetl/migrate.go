package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/internal/failpoint"
	"github.com/xcetl/xcetl/migrate"
)

func migrateCmd(g *globals) *cobra.Command {
	var reportPath, progress string
	c := &cobra.Command{
		Use:   "migrate FILE",
		Short: "migrate the tables of a migration file (kind: migration): create, load, key, index; resumable (docs/migration.md)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkProgress(progress); err != nil {
				return err
			}
			f, err := g.loadMigration(args[0])
			if err != nil {
				writeFailedMigrationReport(reportPath, args[0], err, g.scrub)
				return err
			}
			log, err := g.logger()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			plan, err := migrate.Connect(ctx, f, log)
			if err != nil {
				writeFailedMigrationReport(reportPath, args[0], err, g.scrub)
				return &exitError{codeOf(err), err}
			}
			for _, w := range plan.Warnings {
				fmt.Fprintln(g.stderr, "xcetl: warning: "+w)
			}
			ro := migrate.RunOptions{Logger: log, Scrubber: g.scrub}
			// A line per table as it starts and ends, on a terminal or not;
			// on a terminal also one line redrawn in place with the
			// progress of every table in flight.
			lw := &lockedWriter{w: g.stderr}
			clear := ""
			if progress == "always" || (progress == "auto" && isTerminal(g.terminal)) {
				ro.Progress, clear = lw, "\r\033[K"
			}
			ro.Events = progressLines(lw, clear, len(plan.Tables), progress != "never")
			rep, runErr := migrate.Run(ctx, plan, ro)
			migrationSummary(g.stderr, rep)
			return finishMigration(g, rep, runErr, reportPath)
		},
	}
	fl := c.Flags()
	fl.StringVar(&reportPath, "report", "", "write the JSON report (one entry per table, and the totals) to this file")
	fl.StringVar(&progress, "progress", "auto", "a line per table as it starts and ends, on stderr: auto|always|never")
	return c
}

// loadMigration loads a migration file; problems exit with code 2.
func (g *globals) loadMigration(path string) (*migrate.File, error) {
	vars, err := g.vars()
	if err != nil {
		return nil, err
	}
	f, err := migrate.Load(path, migrate.Options{Vars: vars, Scrubber: g.scrub})
	if err != nil {
		return nil, &exitError{codeOf(err), err}
	}
	return f, nil
}

// progressLines prints a line as each table starts and ends.
func progressLines(w io.Writer, clear string, tables int, on bool) func(migrate.Event) {
	var mu sync.Mutex
	done := 0
	return func(e migrate.Event) {
		if !on {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if e.Phase != "start" {
			done++
		}
		switch e.Phase {
		case "start":
			fmt.Fprintf(w, "%sxcetl: [%d/%d] %s → %s: loading\n", clear, done, tables, e.Table, e.Target)
		case migrate.StatusFailed:
			fmt.Fprintf(w, "%sxcetl: [%d/%d] %s: failed after %.1f s\n", clear, done, tables, e.Table, e.Seconds)
		case migrate.StatusSkipped:
			fmt.Fprintf(w, "%sxcetl: [%d/%d] %s: complete in an earlier run, skipped\n", clear, done, tables, e.Table)
		default:
			fmt.Fprintf(w, "%sxcetl: [%d/%d] %s: %s, %s rows (%d rejected) in %.1f s\n", clear, done, tables, e.Table, e.Phase, xcetl.GroupDigits(e.Rows), e.Rejects, e.Seconds)
		}
	}
}

// lockedWriter serialises whole writes of the event lines and the
// progress display on one terminal.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// migrationSummary prints the table of tables and the totals.
func migrationSummary(w io.Writer, rep *migrate.Report) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "table\ttarget\tstatus\trows\trejects\tseconds\n")
	for _, t := range rep.Tables {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%.1f\n", t.Table, t.Target, t.Status, xcetl.GroupDigits(t.Rows), t.Rejects, t.Seconds)
	}
	_ = tw.Flush()
	tt := rep.Totals
	fmt.Fprintf(w, "migration %s %s: %d table(s): %d complete, %d skipped (complete before), %d failed; %s rows, %d rejected; foreign keys %s; %.1f s\n",
		rep.Migration, rep.Status, tt.Tables, tt.Complete, tt.Skipped, tt.Failed, xcetl.GroupDigits(tt.Rows), tt.Rejects, rep.ForeignKeys, rep.Seconds)
	for _, t := range rep.Tables {
		if t.Error != "" {
			fmt.Fprintf(w, "  %s: %s\n", t.Table, t.Error)
		}
	}
	if rep.Error != "" && rep.Totals.Failed == 0 {
		fmt.Fprintf(w, "  error: %s\n", rep.Error)
	}
}

// finishMigration writes the report and returns the command's outcome,
// with the exit codes of run.
func finishMigration(g *globals, rep *migrate.Report, runErr error, reportPath string) error {
	var outErr error
	if reportPath != "" {
		if outErr = rep.WriteFile(reportPath); outErr == nil {
			failpoint.Hit(failpoint.Report)
		}
	}
	if runErr != nil {
		if outErr != nil {
			fmt.Fprintln(g.stderr, "xcetl: "+outErr.Error())
		}
		return &exitError{codeOf(runErr), nil}
	}
	if outErr != nil {
		return &exitError{exitUnreported, fmt.Errorf("the migration succeeded and its tables are complete (a rerun skips them), but: %w", outErr)}
	}
	return nil
}

// writeFailedMigrationReport writes the report of a migration that could
// not start (an invalid file, an unreachable source), so that monitoring
// that reads reports sees the failure.
func writeFailedMigrationReport(path, file string, err error, sc *xcetl.Scrubber) {
	if path == "" {
		return
	}
	now := time.Now()
	rep := &migrate.Report{Migration: strings.TrimSuffix(strings.TrimSuffix(baseName(file), ".yaml"), ".yml"), Status: "failed",
		StartedAt: now, FinishedAt: now, ForeignKeys: migrate.StatusNotRun, Error: sc.Scrub(err.Error())}
	_ = rep.WriteFile(path)
}

// validateMigration checks a migration file statically.
func validateMigration(g *globals, path string) error {
	f, err := g.loadMigration(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "%s: ok (migration %s: %s → %s, %d column rule(s), %d override(s); the source catalog is read by explain and migrate)\n",
		path, f.Spec.Name, f.Spec.Source.Driver, f.Spec.Target.Type, len(f.Spec.Columns), len(f.Spec.Overrides))
	return nil
}

// explainMigration reads the source catalog and prints the plan; it
// writes nothing and never connects to the target.
func explainMigration(g *globals, ctx context.Context, path string) error {
	f, err := g.loadMigration(path)
	if err != nil {
		return err
	}
	log, err := g.logger()
	if err != nil {
		return err
	}
	plan, err := migrate.Connect(ctx, f, log)
	if err != nil {
		if errors.Is(err, xcetl.ErrInvalid) {
			return &exitError{exitInvalid, err}
		}
		return &exitError{exitFailed, err}
	}
	return plan.Explain(g.stdout)
}
