package pipelines

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
)

// Spec is a resolved pipeline (a parsed file, or a Definition built in Go):
// the top-level keys decoded, ${VAR}s replaced. It is read-only: the
// plugins' configurations are reached through Source, Transforms and
// Target, which show them without secrets.
type Spec struct {
	// File is the pipeline file's path as given ("" for a Definition);
	// Dir the directory that relative paths in it are resolved against.
	File string
	Dir  string

	Version     int
	Name        string
	Description string
	Errors      ErrorPolicy

	// The plugin sections, kept as config nodes for their factories, and
	// the whole file (for explain and the secrets it holds).
	source     *config.Node
	transforms []*config.Node
	target     *config.Node
	root       *config.Node
}

// Source returns the source's configuration.
func (s Spec) Source() PluginView { return PluginView{kind: "source", node: s.source} }

// Target returns the target's configuration.
func (s Spec) Target() PluginView { return PluginView{kind: "target", node: s.target} }

// Transforms returns the configuration of each transform, in order.
func (s Spec) Transforms() []PluginView {
	out := make([]PluginView, len(s.transforms))
	for i, n := range s.transforms {
		out[i] = PluginView{kind: "transform", node: n}
	}
	return out
}

// PluginView is a read-only view of the configuration of one source,
// transform or target of a Spec.
type PluginView struct {
	kind string // source, transform, target
	node *config.Node
}

// Type is the source's or target's type, or the transform's name.
func (v PluginView) Type() string {
	if v.kind == "transform" {
		if v.node != nil && v.node.Kind == config.Map && len(v.node.Entries) == 1 {
			return v.node.Entries[0].Key
		}
		return ""
	}
	return typeOf(v.node)
}

// Settings returns the plugin's effective settings as `xcetl explain` shows
// them, one "key: value" each: the keys written, as written (a value from
// ${VAR} as the reference, secrets redacted), and the defaults of the keys
// left out, marked "(default)". Nil for a plugin without a declared spec.
func (v PluginView) Settings() []string { return settings(specOf(v.kind, v.node)) }

// Config returns a copy of the plugin's configuration (a transform's:
// the value under its name), ${VAR}s resolved and secrets included, for
// tools that read a pipeline's settings (xcetl verify decodes a source's
// keys with config.DecodeSpec). The view stays read-only: changing the
// copy changes nothing in the pipeline.
func (v PluginView) Config() *config.Node {
	n := v.node
	if v.kind == "transform" && n != nil && n.Kind == config.Map && len(n.Entries) == 1 {
		n = n.Entries[0].Value
	}
	return cloneNode(n)
}

func cloneNode(n *config.Node) *config.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Entries, c.Items = nil, nil
	for _, e := range n.Entries {
		e.Value = cloneNode(e.Value)
		c.Entries = append(c.Entries, e)
	}
	for _, it := range n.Items {
		c.Items = append(c.Items, cloneNode(it))
	}
	return &c
}

// String is the configuration as written, secrets redacted.
func (v PluginView) String() string { return rawText(v.node) }

// ErrorPolicy is the `errors:` section.
type ErrorPolicy struct {
	// MaxRejects is the number of rejected rows allowed before the run
	// fails; -1 when a percentage is given instead.
	MaxRejects int64
	// MaxRejectsPct is the allowed share of rejected rows in percent of rows
	// read, checked at the end of the run; used when MaxRejects is -1.
	MaxRejectsPct float64
	// RejectFile is where rejected rows are written (CSV, UTF-8 with BOM);
	// "" for nowhere. Resolved against the pipeline's directory.
	RejectFile string
	// raw is the text as written, for explain.
	raw string
}

// String renders the limit as written: "10" or "2%".
func (e ErrorPolicy) String() string {
	if e.MaxRejects < 0 {
		return strconv.FormatFloat(e.MaxRejectsPct, 'f', -1, 64) + "%"
	}
	return strconv.FormatInt(e.MaxRejects, 10)
}

// fileSpec is the declared form of a pipeline file. The plugin sections
// stay nodes: each plugin decodes its own, by its own spec.
type fileSpec struct {
	Version     int           `yaml:"version,required" doc:"the file format; this xcetl reads version 1" example:"1"`
	Name        string        `yaml:"name,required" doc:"[a-z0-9_-]+; names the pipeline's lock, state and metrics" example:"residents_daily"`
	Description string        `yaml:"description" doc:"what the pipeline is for, shown by explain" example:"街道居民信息每日入库"`
	Source      *config.Node  `yaml:"source,required" doctype:"mapping" doc:"where rows come from: a mapping with type (see Sources)"`
	Transforms  transformList `yaml:"transforms" doctype:"list of mappings" doc:"applied in order; each item is a mapping with one key, the transform's name (see Transforms)"`
	Target      *config.Node  `yaml:"target,required" doctype:"mapping" doc:"where rows go: a mapping with type (see Targets)"`
	Errors      ErrorsSpec    `yaml:"errors" doc:"what rejected rows do"`
}

// FileSpecType is the declared type of a pipeline file's top-level keys,
// for the reference docs and the JSON Schema.
func FileSpecType() reflect.Type { return reflect.TypeFor[fileSpec]() }

// transformList is the `transforms:` list, each item decoded by its
// transform.
type transformList []*config.Node

// Noun implements config.Nouner.
func (transformList) Noun() string {
	return "a list of transforms, e.g. `transforms: [{rename: {a: b}}]`"
}

// Check checks the version, the name, and that source and target are
// mappings.
func (fs *fileSpec) Check(c *config.Check) {
	if c.Has("version") && fs.Version != 1 {
		v := fmt.Sprint(fs.Version)
		if n := c.Node("version"); n != nil {
			v = n.Value
		}
		c.Errorf("version", "unsupported version %q: this xcetl reads version 1", v)
	}
	if c.Has("name") && !nameRE.MatchString(fs.Name) {
		c.Errorf("name", "name %q must match [a-z0-9_-]+ (it names locks, state and metrics)", fs.Name)
	}
	for _, key := range []string{"source", "target"} {
		if n := c.Node(key); n != nil && n.Kind != config.Map {
			c.Errorf(key, "%s must be a mapping with a `type:` key", key)
		}
	}
}

// ErrorsSpec is the `errors:` section.
type ErrorsSpec struct {
	MaxRejects string `yaml:"max_rejects" default:"0" doc:"rejected rows allowed before the run fails: a number of rows, or a percentage of the rows read, checked at the end (\"2%\")" example:"\"2%\""`
	RejectFile string `yaml:"reject_file" doc:"where rejected rows are written (CSV, UTF-8 with BOM: the values as read, the source location and the reason), relative to the pipeline file" example:"rejects/residents.csv"`
}

// Check parses max_rejects.
func (es *ErrorsSpec) Check(c *config.Check) {
	var e ErrorPolicy
	if err := e.parseMax(es.MaxRejects); err != nil {
		c.Errorf("max_rejects", "%v", err)
	}
}

var nameRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

// lookup resolves ${NAME}: the vars, then the environment.
func (p *Pipeline) lookup() config.Lookup {
	env := p.lookupEnv
	if env == nil {
		env = os.LookupEnv
	}
	return func(name string) (string, bool) {
		if v, ok := p.vars[name]; ok {
			return v, true
		}
		return env(name)
	}
}

// ParseFile reads and parses the pipeline file at path. Of opts, WithVars
// and WithLookupEnv concern parsing; the others are for New.
func ParseFile(path string, opts ...Option) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", xcetl.ErrInvalid, err)
	}
	return Parse(path, src, opts...)
}

// Parse parses a pipeline file's contents. file names it in errors and
// decides the base directory for relative paths. Every problem found is
// returned at once as xcetl.SpecErrors (which is an xcetl.ErrInvalid).
// Of opts, WithVars and WithLookupEnv concern parsing; the others are for
// New.
func Parse(file string, src []byte, opts ...Option) (*Spec, error) {
	p := &Pipeline{}
	for _, o := range opts {
		o(p)
	}
	root, perr := config.Parse(file, src, p.lookup())
	if root == nil {
		return nil, perr
	}
	var errs xcetl.SpecErrors
	if perr != nil {
		errs = append(errs, perr.(xcetl.SpecErrors)...)
	}
	return specOfRoot(file, filepath.Dir(file), root, errs)
}

// specOfRoot decodes the top level of a pipeline's node tree (a parsed
// file, or a Definition encoded) into its Spec, adding every problem to
// errs.
func specOfRoot(file, dir string, root *config.Node, errs xcetl.SpecErrors) (*Spec, error) {
	var fs fileSpec
	errs = append(errs, config.DecodeSpec(root, &fs)...)
	s := &Spec{
		File:        file,
		Dir:         dir,
		Version:     fs.Version,
		Name:        fs.Name,
		Description: fs.Description,
		source:      fs.Source,
		transforms:  fs.Transforms,
		target:      fs.Target,
		root:        root,
	}
	if err := s.Errors.parseMax(fs.Errors.MaxRejects); err != nil {
		s.Errors = ErrorPolicy{}
	}
	if fs.Errors.RejectFile != "" {
		s.Errors.RejectFile = s.Resolve(fs.Errors.RejectFile)
	}
	return s, sortErrs(errs).Err()
}

func (e *ErrorPolicy) parseMax(s string) error {
	s = strings.TrimSpace(s)
	e.raw = s
	if strings.HasSuffix(s, "%") {
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, "%")), 64)
		if err != nil || f < 0 || f > 100 {
			return fmt.Errorf("max_rejects %q: a percentage must be between 0%% and 100%%", s)
		}
		e.MaxRejects, e.MaxRejectsPct = -1, f
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("max_rejects %q: give a number of rows (e.g. 10) or a percentage (e.g. \"2%%\")", s)
	}
	e.MaxRejects = n
	return nil
}

// Resolve makes a path from the pipeline file relative to the file's
// directory (absolute paths stay as they are).
func (s *Spec) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Dir, p)
}

func sortErrs(errs xcetl.SpecErrors) xcetl.SpecErrors { return errs.Sort() }
