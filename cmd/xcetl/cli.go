package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/xcetl/xcetl"
	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/internal/failpoint"
	"github.com/xcetl/xcetl/internal/safefile"
	"github.com/xcetl/xcetl/migrate"
	"github.com/xcetl/xcetl/pipelines"
)

// Exit codes (PIPELINE-SPEC.md, docs/operations.md).
const (
	exitOK      = 0
	exitFailed  = 1
	exitInvalid = 2
	exitLocked  = 3
	// exitUnreported: the run succeeded and its data is committed, but the
	// report or the metrics file could not be written. Not a failure to
	// retry: see committedButUnreported.
	exitUnreported = 4
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

type globals struct {
	logFormat string
	logLevel  string
	sets      []string
	stderr    io.Writer
	stdout    io.Writer
	stdin     io.Reader
	// terminal is the stderr given to Main, for telling whether it is a
	// terminal (stderr itself is wrapped by the scrubber).
	terminal io.Writer
	// scrub learns the pipeline's secrets when it is loaded; everything
	// written to stdout and stderr passes it.
	scrub *xcetl.Scrubber
}

// Main runs the CLI with args and returns the process exit code. It never
// calls os.Exit, so tests can drive it. Every byte it writes to stdout and
// stderr passes the pipeline's scrubber, a panic included.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	sc := &xcetl.Scrubber{}
	out, errw := sc.Writer(stdout), sc.Writer(stderr)
	defer out.Flush()
	defer errw.Flush()
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(errw, "xcetl: internal error (please report it): %v\n%s", r, debug.Stack())
			code = exitFailed
		}
	}()
	g := &globals{stdout: out, stderr: errw, stdin: stdin, terminal: stderr, scrub: sc}
	root := &cobra.Command{
		Use:           "xcetl",
		Short:         "xcetl loads CSV and more into DM8, KingbaseES, openGauss, PostgreSQL and SQLite",
		Long:          "xcetl (信创 ETL) runs YAML pipelines: extract → transform → load.\nDocumentation: docs/pipeline.md",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&g.logFormat, "log-format", "text", "log format: text|json")
	pf.StringVar(&g.logLevel, "log-level", "", "log level: debug|info|warn|error (default: warn for text, info for json)")
	pf.StringArrayVar(&g.sets, "set", nil, "KEY=VALUE for ${KEY} in the pipeline file (repeatable; wins over the environment)")

	root.AddCommand(runCmd(g), validateCmd(g), explainCmd(g), inspectCmd(g), sm4Cmd(g), versionCmd(g), schemaCmd(g), testCmd(g), migrateCmd(g), verifyCmd(g))

	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "xcetl: "+strings.ReplaceAll(ee.err.Error(), "\n", "\n  "))
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag, wrong argument count.
	fmt.Fprintln(stderr, "xcetl: "+err.Error())
	fmt.Fprintln(stderr, "run 'xcetl --help' for usage")
	return exitInvalid
}

func (g *globals) options() (pipelines.Option, error) {
	vars, err := g.vars()
	if err != nil {
		return nil, err
	}
	return pipelines.WithVars(vars), nil
}

// vars are the --set KEY=VALUE pairs, for pipeline and migration files.
func (g *globals) vars() (map[string]string, error) {
	vars := map[string]string{}
	for _, s := range g.sets {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, &exitError{exitInvalid, fmt.Errorf("--set %q: expected KEY=VALUE", s)}
		}
		vars[k] = v
	}
	return vars, nil
}

// checkProgress checks the --progress value of run and migrate.
func checkProgress(progress string) error {
	switch progress {
	case "auto", "always", "never":
		return nil
	}
	return &exitError{exitInvalid, fmt.Errorf("--progress %q: use auto, always or never", progress)}
}

func (g *globals) logger() (*slog.Logger, error) {
	level := slog.LevelWarn
	if g.logFormat == "json" {
		level = slog.LevelInfo
	}
	switch strings.ToLower(g.logLevel) {
	case "":
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, &exitError{exitInvalid, fmt.Errorf("--log-level %q: use debug, info, warn or error", g.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch g.logFormat {
	case "text":
		// The summary after a failed run shows its error: the log record
		// saying the same is left out of text logs, so that the error is
		// printed once.
		return slog.New(dropRecord{slog.NewTextHandler(g.stderr, opts), pipelines.MsgRunFailed}), nil
	case "json":
		return slog.New(slog.NewJSONHandler(g.stderr, opts)), nil
	}
	return nil, &exitError{exitInvalid, fmt.Errorf("--log-format %q: use text or json", g.logFormat)}
}

// load parses and checks a pipeline file; problems exit with code 2.
func (g *globals) load(path string) (*pipelines.Pipeline, *slog.Logger, error) {
	log, err := g.logger()
	if err != nil {
		return nil, nil, err
	}
	opts, err := g.options()
	if err != nil {
		return nil, nil, err
	}
	p, err := pipelines.Load(path, opts, pipelines.WithLogger(log), pipelines.WithScrubber(g.scrub))
	if err != nil {
		return nil, log, &exitError{codeOf(err), err}
	}
	return p, log, nil
}

func codeOf(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, xcetl.ErrLocked):
		return exitLocked
	case errors.Is(err, xcetl.ErrInvalid):
		return exitInvalid
	}
	return exitFailed
}

func runCmd(g *globals) *cobra.Command {
	var (
		reportPath   string
		dryRun       bool
		limit        int64
		exitWhenIdle time.Duration
		progress     string
		cpuProfile   string
		metricsFile  string
		metricsAddr  string
	)
	c := &cobra.Command{
		Use:   "run FILE",
		Short: "run the pipeline in FILE",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkProgress(progress); err != nil {
				return err
			}
			if limit < 0 {
				return &exitError{exitInvalid, fmt.Errorf("--limit %d: must be 0 (no limit) or more", limit)}
			}
			if exitWhenIdle < 0 {
				return &exitError{exitInvalid, fmt.Errorf("--exit-when-idle %s: must be 0 (run until stopped) or more", exitWhenIdle)}
			}
			p, log, err := g.load(args[0])
			if err != nil {
				writeFailedReport(reportPath, metricsFile, args[0], err, g.scrub)
				return err
			}
			if metricsAddr != "" {
				stopMetrics, err := serveMetrics(metricsAddr, p, log)
				if err != nil {
					return &exitError{exitInvalid, err}
				}
				defer stopMetrics()
			}
			if cpuProfile != "" {
				f, err := safefile.Create(cpuProfile, 0o600)
				if err != nil {
					return &exitError{exitInvalid, fmt.Errorf("--cpuprofile: %w", err)}
				}
				defer func() { _ = f.Commit() }()
				if err := pprof.StartCPUProfile(f); err != nil {
					f.Abort()
					return &exitError{exitInvalid, fmt.Errorf("--cpuprofile: %w", err)}
				}
				defer pprof.StopCPUProfile()
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sigs := make(chan os.Signal, 1)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(sigs)
			go func() {
				// A streaming source drains on the first signal: the batch in
				// hand is committed with its offsets and the run succeeds.
				// Otherwise, or on a second signal, the run is cancelled (and
				// rolled back); then the default handling is restored so that
				// one more Ctrl-C kills at once.
				select {
				case sig := <-sigs:
					if p.Drain() {
						fmt.Fprintf(g.stderr, "xcetl: %s: draining (committing the batch in hand); send it again to stop at once\n", sig)
						select {
						case <-sigs:
						case <-ctx.Done():
							return
						}
					}
				case <-ctx.Done():
					return
				}
				cancel()
				signal.Stop(sigs)
			}()
			ro := pipelines.RunOptions{DryRun: dryRun, Limit: limit, ExitWhenIdle: exitWhenIdle}
			if progress == "always" || (progress == "auto" && isTerminal(g.terminal)) {
				ro.Progress = g.stderr
			}
			rep, runErr := p.Run(ctx, ro)
			rep.Summary(g.stderr)
			return finishRun(g, p, rep, runErr, reportPath, metricsFile)
		},
	}
	f := c.Flags()
	f.StringVar(&reportPath, "report", "", "write the JSON report to this file")
	f.BoolVar(&dryRun, "dry-run", false, "extract and transform, write nothing to the target")
	f.Int64Var(&limit, "limit", 0, "stop after N source rows (0: no limit)")
	f.DurationVar(&exitWhenIdle, "exit-when-idle", 0, "streaming sources: drain, then exit 0 once no event arrived for this long")
	f.StringVar(&progress, "progress", "auto", "progress display on stderr: auto|always|never")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a Go CPU profile of the run to this file (for performance work)")
	_ = f.MarkHidden("cpuprofile")
	f.StringVar(&metricsFile, "metrics-file", "", "write Prometheus metrics of the run to this file at the end (node_exporter textfile collector; written atomically)")
	f.StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus metrics on HOST:PORT/metrics while the run goes on")
	return c
}

// writeFailedReport writes a report (and metrics) for a run that could not
// start (invalid file), so that monitoring that reads reports sees the
// failure.
func writeFailedReport(path, metricsPath, file string, err error, sc *xcetl.Scrubber) {
	if path == "" && metricsPath == "" {
		return
	}
	now := time.Now()
	rep := &pipelines.Report{Pipeline: strings.TrimSuffix(strings.TrimSuffix(baseName(file), ".yaml"), ".yml"),
		Status: "failed", StartedAt: now, FinishedAt: now, Error: sc.Scrub(err.Error())}
	if path != "" {
		_ = rep.WriteFile(path)
	}
	if metricsPath != "" {
		_ = rep.WriteMetricsFile(metricsPath)
	}
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func validateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE",
		Short: "check FILE without touching any database, API or broker (a local CSV/XLSX header is read); print every problem",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if migrate.IsMigration(args[0]) {
				return validateMigration(g, args[0])
			}
			p, _, err := g.load(args[0])
			if err != nil {
				return err
			}
			// A local CSV or workbook's header is read to check the
			// columns the transforms name; no database is touched.
			note, err := p.CheckColumns(cmd.Context())
			if err != nil {
				return &exitError{codeOf(err), err}
			}
			fmt.Fprintf(g.stdout, "%s: ok (pipeline %s, %d transform(s); %s)\n", args[0], p.Spec().Name, len(p.Spec().Transforms()), note)
			return nil
		},
	}
}

func explainCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "explain FILE",
		Short: "print the resolved plan and every SQL statement the run would execute (secrets redacted)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if migrate.IsMigration(args[0]) {
				return explainMigration(g, cmd.Context(), args[0])
			}
			p, _, err := g.load(args[0])
			if err != nil {
				return err
			}
			if err := p.Explain(cmd.Context(), g.stdout); err != nil {
				return &exitError{codeOf(err), err}
			}
			return nil
		},
	}
}

func versionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print version, commit, Go version and platform",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(g.stdout, "xcetl %s (commit %s, %s, %s/%s)\n", xcetl.Version, xcetl.Commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// finishRun writes the report and the metrics file of a run and returns
// the command's outcome. A run that succeeded keeps its success when they
// cannot be written — its data is committed — but exits 4 with a message
// saying so, so that nobody reruns it to get the report.
func finishRun(g *globals, p *pipelines.Pipeline, rep *pipelines.Report, runErr error, reportPath, metricsFile string) error {
	var outErrs []error
	if reportPath != "" {
		if err := rep.WriteFile(reportPath); err != nil {
			outErrs = append(outErrs, err)
		} else {
			failpoint.Hit(failpoint.Report)
		}
	}
	// A run that found the lock taken leaves the file to the holder, which
	// is still running: its metrics are the ones that matter.
	if metricsFile != "" && !errors.Is(runErr, xcetl.ErrLocked) {
		if err := p.WriteMetricsFile(metricsFile); err != nil {
			outErrs = append(outErrs, err)
		} else {
			failpoint.Hit(failpoint.Metrics)
		}
	}
	if runErr != nil {
		for _, err := range outErrs {
			fmt.Fprintln(g.stderr, "xcetl: "+err.Error())
		}
		// The summary already shows the run's error.
		return &exitError{codeOf(runErr), nil}
	}
	if len(outErrs) == 0 {
		return nil
	}
	if rep.DryRun {
		return &exitError{exitFailed, errors.Join(outErrs...)}
	}
	return &exitError{exitUnreported, committedButUnreported(rep, outErrs)}
}

// committedButUnreported is the message of exit code 4.
func committedButUnreported(rep *pipelines.Report, errs []error) error {
	rerun := "a rerun of the same input loads nothing again: the state committed with the data says it was loaded"
	if !rep.StateKept {
		rerun = "do not rerun it to get the report: this source keeps no state, so a rerun would load the same rows again (append mode)"
	}
	return fmt.Errorf("the run succeeded and its data is committed (%s rows, run %s in xcetl_runs), but: %w\n%s; fix the path or the disk for the next run",
		xcetl.GroupDigits(rep.RowsCommitted), rep.RunID, errors.Join(errs...), rerun)
}

// dropRecord leaves out the log records with one message.
type dropRecord struct {
	slog.Handler
	msg string
}

func (d dropRecord) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == d.msg {
		return nil
	}
	return d.Handler.Handle(ctx, r)
}

func (d dropRecord) WithAttrs(as []slog.Attr) slog.Handler {
	return dropRecord{d.Handler.WithAttrs(as), d.msg}
}

func (d dropRecord) WithGroup(name string) slog.Handler {
	return dropRecord{d.Handler.WithGroup(name), d.msg}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
