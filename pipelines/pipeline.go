package pipelines

import (
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/transform"
)

// DefaultBatchSize is the number of rows per batch when target.batch_size
// is not set.
const DefaultBatchSize = 5000

// Pipeline is a checked pipeline, ready to Run or Explain. Build it with New
// (or Load). A Pipeline runs once at a time (Run fails while another Run of
// it goes on) and may be run again: every run after the first builds fresh
// plugins from the spec. It holds no global state.
type Pipeline struct {
	spec *Spec

	source     extract.Extractor
	transforms []transform.Transform
	target     load.Loader
	batchSize  int
	logger     *slog.Logger
	scrub      *xcetl.Scrubber

	// Set by options.
	vars         map[string]string
	lookupEnv    func(string) (string, bool)
	db           *sql.DB
	registerer   prometheus.Registerer
	extractors   map[string]extract.Factory
	transformers map[string]transform.Factory
	loaders      map[string]load.Factory
	noLock       bool
	noHistory    bool

	// live is the run going on, or the last one (for metrics).
	live atomic.Pointer[liveRun]
	// plugins of the next run; fresh ones are built after every run.
	plugins plugins
	used    bool
	running atomic.Bool
	// drained is set by Drain: a run that starts again after a fenced
	// batch (rejoin.go) ends instead.
	drained atomic.Bool
	mu      sync.RWMutex // guards source, transforms, target against Stats
}

// Load reads, parses and checks the pipeline file at path: ParseFile + New,
// with the same options.
func Load(path string, opts ...Option) (*Pipeline, error) {
	spec, err := ParseFile(path, opts...)
	return newAfter(spec, err, opts)
}

// newAfter is New for a spec whose top level had the problems err: it goes
// on checking the plugins, so that every problem is reported at once.
func newAfter(spec *Spec, err error, opts []Option) (*Pipeline, error) {
	if spec == nil {
		return nil, err
	}
	p, nerr := New(spec, opts...)
	if err == nil {
		return p, nerr
	}
	all, _ := err.(xcetl.SpecErrors)
	if more, ok := nerr.(xcetl.SpecErrors); ok {
		all = append(all, more...)
	}
	return nil, sortErrs(dedupe(all))
}

// Spec returns a copy of the pipeline's resolved spec: what the pipeline
// runs, read-only.
func (p *Pipeline) Spec() Spec { return *p.spec }

// dedupe drops repeated problems (an unset variable is reported by the
// parser and again by a plugin that decodes the same value).
func dedupe(errs xcetl.SpecErrors) xcetl.SpecErrors {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if k := e.Error(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// New builds the source, transforms and target of spec, checking every
// option without touching any file, API or database. All problems are
// returned at once as xcetl.SpecErrors.
func New(spec *Spec, opts ...Option) (*Pipeline, error) {
	p := &Pipeline{spec: spec, batchSize: DefaultBatchSize, logger: slog.Default(), scrub: &xcetl.Scrubber{}}
	for _, o := range opts {
		o(p)
	}
	// Every record the pipeline and its plugins log passes the scrubber.
	p.logger = slog.New(scrubHandler{h: p.logger.Handler(), sc: p.scrub})
	pl, errs := p.build()
	p.plugins = pl
	p.source, p.transforms, p.target = pl.source, pl.transforms, pl.target
	if bp, ok := pl.target.(load.BatchPolicy); ok && bp.BatchSize() > 0 {
		p.batchSize = bp.BatchSize()
	}
	p.collectSecrets(spec.root)
	if len(errs) > 0 {
		return nil, sortErrs(errs)
	}
	if p.registerer != nil {
		if err := p.registerer.Register(p.Collector()); err != nil {
			return nil, fmt.Errorf("pipeline %s: register its metrics: %w", spec.Name, err)
		}
	}
	return p, nil
}

// typeOf returns the `type:` of a source or target mapping.
func typeOf(n *config.Node) string {
	if t := n.Get("type"); t != nil && t.Kind == config.Scalar {
		return t.Value
	}
	return ""
}

// customTransform finds a transform given by WithTransform for a
// `transforms:` item.
func (p *Pipeline) customTransform(item *config.Node) (transform.Factory, *config.Node, bool) {
	if len(p.transformers) == 0 || item == nil || item.Kind != config.Map || len(item.Entries) != 1 {
		return nil, nil, false
	}
	e := item.Entries[0]
	f, ok := p.transformers[e.Key]
	return f, e.Value, ok
}

// commitsPerBatch asks the target whether it commits each batch on its
// own (commit: batch), which lets a source resume a killed run from its
// last committed batch.
func commitsPerBatch(target load.Loader) bool {
	bp, ok := target.(load.BatchPolicy)
	return ok && bp.CommitsPerBatch()
}

// secretKeys are config keys whose values are secrets wherever they appear.
var secretKeys = map[string]bool{
	"dsn": true, "key": true, "password": true, "token": true, "secret": true,
	"client_secret": true, "authorization": true, "api_key": true, "apikey": true,
	"x-api-key": true, "access_token": true, "sslpassword": true, "passwd": true,
}

// collectSecrets registers every secret value of the file with the
// scrubber, so that no error message or report can carry one.
func (p *Pipeline) collectSecrets(n *config.Node) {
	if n == nil {
		return
	}
	for _, e := range n.Entries {
		if e.Value.Kind == config.Scalar && secretKeys[strings.ToLower(e.Key)] {
			switch k := strings.ToLower(e.Key); {
			case k == "dsn":
				p.scrub.AddDSN(e.Value.Value)
			case k == "authorization" || k == "x-api-key":
				p.scrub.AddAuthorization(e.Value.Value)
			case k != "key" || e.Value.Raw != e.Value.Value || len(e.Value.Value) >= 16:
				// `key:` also names key columns (`key: [id]`, a list, not
				// reached here) — a short literal scalar is a column name.
				p.scrub.Add(e.Value.Value)
			}
		}
		p.collectSecrets(e.Value)
	}
	for _, it := range n.Items {
		p.collectSecrets(it)
	}
}

// Scrub removes the pipeline's secrets from text.
func (p *Pipeline) Scrub(text string) string { return p.scrub.Scrub(text) }

// plugins are the source, transforms and target of one run.
type plugins struct {
	source     extract.Extractor
	transforms []transform.Transform
	target     load.Loader
}

// build makes the plugins of the pipeline from its spec. New calls it to
// check the file; Run calls it again for every run after the first, since
// plugins are good for one run.
func (p *Pipeline) build() (plugins, xcetl.SpecErrors) {
	spec := p.spec
	var (
		pl   plugins
		errs xcetl.SpecErrors
		err  error
	)
	collect := func(err error) {
		if err == nil {
			return
		}
		if se, ok := err.(xcetl.SpecErrors); ok {
			errs = append(errs, se...)
			return
		}
		if se, ok := err.(*xcetl.SpecError); ok {
			errs = append(errs, se)
			return
		}
		errs = append(errs, &xcetl.SpecError{Pos: xcetl.Pos{File: spec.File}, Msg: err.Error()})
	}
	// Plugins' log records carry the pipeline's name.
	plog := p.logger.With("pipeline", spec.Name)
	// The source must know whether the target commits every batch, and the
	// target what the source keeps in it: the target is built once to be
	// asked (building touches nothing), then again below with what the
	// source said; only the second one's problems are reported.
	var probe load.Loader
	if spec.target != nil && spec.target.Kind == config.Map {
		probe, _ = p.newTarget(load.Env{BaseDir: spec.Dir, Logger: plog, Pipeline: spec.Name, DB: p.db})
	}
	if spec.source != nil && spec.source.Kind == config.Map {
		env := extract.Env{BaseDir: spec.Dir, Logger: plog, CommitPerBatch: commitsPerBatch(probe), Secrets: p.scrub}
		if f, ok := p.extractors[typeOf(spec.source)]; ok {
			pl.source, err = f(spec.source, env)
		} else {
			pl.source, err = extract.New(spec.source, env)
		}
		collect(err)
	}
	tenv := transform.Env{BaseDir: spec.Dir, Logger: plog}
	for _, item := range spec.transforms {
		var t transform.Transform
		if f, val, ok := p.customTransform(item); ok {
			t, err = f(val, tenv)
		} else {
			t, err = transform.New(item, tenv)
		}
		collect(err)
		pl.transforms = append(pl.transforms, t)
	}
	if spec.target != nil && spec.target.Kind == config.Map {
		r, resumes := pl.source.(extract.Resumer)
		resumes = resumes && r.Resumes()
		env := load.Env{BaseDir: spec.Dir, Logger: plog, Pipeline: spec.Name, State: resumes, DB: p.db}
		if cs, ok := pl.source.(extract.ChangeSource); ok {
			env.Changes, env.Versions = true, cs.Guarded()
		}
		pl.target, err = p.newTarget(env)
		collect(err)
	}
	return pl, errs
}

// newTarget builds the target of the spec with env.
func (p *Pipeline) newTarget(env load.Env) (load.Loader, error) {
	if f, ok := p.loaders[typeOf(p.spec.target)]; ok {
		return f(p.spec.target, env)
	}
	return load.New(p.spec.target, env)
}
