package pipelines

import (
	"log/slog"
	"strconv"
	"strings"

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
// (or Load). A Pipeline runs once at a time; it holds no global state.
type Pipeline struct {
	Spec *Spec

	source     extract.Extractor
	transforms []transform.Transform
	target     load.Loader
	batchSize  int
	logger     *slog.Logger
	scrub      xcetl.Scrubber
}

// Option configures a Pipeline.
type Option func(*Pipeline)

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(p *Pipeline) { p.logger = l } }

// Load reads, parses and checks the pipeline file at path: ParseFile + New.
func Load(path string, popts Options, opts ...Option) (*Pipeline, error) {
	spec, err := ParseFile(path, popts)
	if spec == nil {
		return nil, err
	}
	// Go on checking the plugins even when the top level had problems, so
	// that every problem of the file is reported at once.
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
	p := &Pipeline{Spec: spec, batchSize: DefaultBatchSize, logger: slog.Default()}
	for _, o := range opts {
		o(p)
	}
	var errs xcetl.SpecErrors
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
	var err error
	if spec.Source != nil && spec.Source.Kind == config.Map {
		p.source, err = extract.New(spec.Source, extract.Env{BaseDir: spec.Dir, Logger: p.logger})
		collect(err)
	}
	tenv := transform.Env{BaseDir: spec.Dir, Logger: p.logger}
	for _, item := range spec.Transforms {
		t, err := transform.New(item, tenv)
		collect(err)
		p.transforms = append(p.transforms, t)
	}
	if spec.Target != nil && spec.Target.Kind == config.Map {
		r, resumes := p.source.(extract.Resumer)
		resumes = resumes && r.Resumes()
		p.target, err = load.New(spec.Target, load.Env{BaseDir: spec.Dir, Logger: p.logger, Pipeline: spec.Name, State: resumes})
		collect(err)
		if bs := spec.Target.Get("batch_size"); bs != nil && bs.Kind == config.Scalar {
			if n, err := strconv.Atoi(strings.ReplaceAll(bs.Value, "_", "")); err == nil && n > 0 {
				p.batchSize = n
			}
		}
	}
	p.collectSecrets(spec.Root)
	if len(errs) > 0 {
		return nil, sortErrs(errs)
	}
	return p, nil
}

// secretKeys are config keys whose values are secrets wherever they appear.
var secretKeys = map[string]bool{
	"dsn": true, "key": true, "password": true, "token": true, "secret": true,
	"client_secret": true, "authorization": true, "api_key": true,
}

// collectSecrets registers every secret value of the file with the
// scrubber, so that no error message or report can carry one.
func (p *Pipeline) collectSecrets(n *config.Node) {
	if n == nil {
		return
	}
	for _, e := range n.Entries {
		if e.Value.Kind == config.Scalar && secretKeys[strings.ToLower(e.Key)] {
			if strings.ToLower(e.Key) == "dsn" {
				p.scrub.AddDSN(e.Value.Value)
			} else if strings.ToLower(e.Key) != "key" || e.Value.Raw != e.Value.Value || len(e.Value.Value) >= 16 {
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
