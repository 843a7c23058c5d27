// Package pipelines parses, checks and runs xcetl pipelines; it is the API
// for programs that embed xcetl (the xcetl command is a thin layer over it).
//
// The steps, each usable on its own:
//
//	spec, err := pipelines.Parse(name, yamlBytes, opts...)  // or ParseFile
//	p, err := pipelines.New(spec, opts...)  // builds and checks the plugins; touches nothing
//	err = p.Explain(ctx, w)                 // the plan and every SQL statement, secrets redacted
//	rep, err := p.Run(ctx, pipelines.RunOptions{})
//
// Load is ParseFile + New. Build does the same for a Definition: a pipeline
// built in Go, without YAML, each part's configuration its plugin's
// declared spec type (api.Spec, column.RenameSpec, load.SQLSpec, …), checked
// by the same rules. Every problem is reported at once as xcetl.SpecErrors
// (an xcetl.ErrInvalid), each with file, line and column, or its YAML path.
// Pipeline.Spec is a read-only view of what the pipeline runs.
//
// Every step takes the same functional options (options.go), without any
// global state: WithVars and WithLookupEnv (the values of ${VAR}),
// WithTargetDB (the program's *sql.DB pool instead of the target's dsn),
// WithLogger (a *slog.Logger), WithMetrics (a Prometheus registry, which
// several pipelines may share; or register Pipeline.Collector yourself),
// and WithExtractor, WithTransform, WithTransformSpec and WithLoader for
// plugins of this pipeline only. The built-in plugins register themselves
// in global registries when the program imports github.com/xcetl/xcetl/all
// (or single plugin packages); a program's own register the same way
// (transform.RegisterSpec).
//
// A Report's Status is StatusOK or StatusFailed. Errors wrap the sentinels
// of package xcetl, all in one place: ErrInvalid (a problem of the
// pipeline), ErrLocked (another run holds its lock), ErrInterrupted (the
// context stopped the run).
//
// A run takes the pipeline's lock in the target (a second concurrent run,
// in this program or anywhere, fails with an error wrapping
// xcetl.ErrLocked), writes a row to the target's run history (xcetl_runs)
// when it ends, and returns its Report, complete also when it failed. The
// library never calls os.Exit and never writes to stdout; it logs through
// the logger it was given. Cancel the context to stop a run: with commit:
// run the target is rolled back.
//
// See docs/operations.md for locks, state tables and metrics, and
// examples/embed for a complete program.
package pipelines
