package pipelines

import (
	"database/sql"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/internal/registry"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/transform"
)

// Option configures a pipeline: Parse, ParseFile, New, Load and Build take
// the same options, each using those that concern it.
type Option func(*Pipeline)

// WithVars gives values for ${NAME} in the pipeline (the CLI's --set); they
// win over the environment.
func WithVars(vars map[string]string) Option {
	return func(p *Pipeline) {
		if p.vars == nil {
			p.vars = map[string]string{}
		}
		for k, v := range vars {
			p.vars[k] = v
		}
	}
}

// WithLookupEnv sets how ${NAME} reads the environment (default
// os.LookupEnv). A program that does not want the process environment used
// passes a function that always returns false.
func WithLookupEnv(lookup func(string) (string, bool)) Option {
	return func(p *Pipeline) { p.lookupEnv = lookup }
}

// WithLogger sets the logger (default: slog.Default()). Log records carry
// the key "pipeline" with the pipeline's name.
func WithLogger(l *slog.Logger) Option { return func(p *Pipeline) { p.logger = l } }

// WithTargetDB makes the SQL target use db, a connection pool the program
// owns, instead of connecting with the target's dsn (which may then be left
// out of the file). The run takes one connection from db for its data,
// one for its lock and one for the run history row, gives them back after
// the run, and never closes db. db must use the driver the target type
// expects: pgx's database/sql driver (import _
// "github.com/jackc/pgx/v5/stdlib"; sql.Open("pgx", dsn)) for postgres,
// opengauss and kingbase, modernc.org/sqlite (sql.Open("sqlite", path)) for
// sqlite.
func WithTargetDB(db *sql.DB) Option { return func(p *Pipeline) { p.db = db } }

// WithMetrics registers the pipeline's metrics (see Collector) with reg,
// for the program's own /metrics endpoint. New fails if reg already has a
// pipeline of the same name.
func WithMetrics(reg prometheus.Registerer) Option { return func(p *Pipeline) { p.registerer = reg } }

// WithExtractor makes source type name available to this pipeline only,
// without registering it globally (extract.Register). It wins over a
// registered type of the same name.
func WithExtractor(name string, f extract.Factory) Option {
	return func(p *Pipeline) {
		if p.extractors == nil {
			p.extractors = map[string]extract.Factory{}
		}
		p.extractors[name] = f
	}
}

// WithTransform makes transform name available to this pipeline only
// (see WithExtractor).
func WithTransform(name string, f transform.Factory) Option {
	return func(p *Pipeline) {
		if p.transformers == nil {
			p.transformers = map[string]transform.Factory{}
		}
		p.transformers[name] = f
	}
}

// WithTransformSpec is WithTransform for a transform whose configuration
// is the declared spec type S (see package config): decoding and checks
// come from S, as for transform.RegisterSpec, for this pipeline only.
func WithTransformSpec[S any](name string, doc config.Doc, build func(*S, transform.Env) (transform.Transform, error)) Option {
	p := registry.Typed(name, doc, func(s *S, env transform.Env, n *config.Node, path string) (transform.Transform, error) {
		env.Node, env.Path = n, path
		return build(s, env)
	})
	return WithTransform(name, p.FromNode)
}

// WithLoader makes target type name available to this pipeline only (see
// WithExtractor). A loader that also implements load.Locker,
// load.RunRecorder or load.StateKeeper gets the lock, the run history and
// resumable sources as the SQL loader does.
func WithLoader(name string, f load.Factory) Option {
	return func(p *Pipeline) {
		if p.loaders == nil {
			p.loaders = map[string]load.Factory{}
		}
		p.loaders[name] = f
	}
}

// WithScrubber makes the pipeline register its secrets with sc and scrub
// every output with it, so that the program can pass its own output (a
// CLI's stdout and stderr, say) through the same scrubber (sc.Writer).
func WithScrubber(sc *xcetl.Scrubber) Option {
	return func(p *Pipeline) {
		if sc != nil {
			p.scrub = sc
		}
	}
}

// WithoutLock runs the pipeline without taking its lock, for programs that
// already make sure runs of one pipeline never overlap. Two overlapping
// runs of an append pipeline load its rows twice.
func WithoutLock() Option { return func(p *Pipeline) { p.noLock = true } }

// WithoutRunHistory does not record runs in the target's xcetl_runs table.
func WithoutRunHistory() Option { return func(p *Pipeline) { p.noHistory = true } }
