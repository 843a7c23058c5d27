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

// Spec is a parsed pipeline file: the top-level keys decoded, the plugin
// sections kept as config nodes for their factories.
type Spec struct {
	// File is the pipeline file's path as given; Dir the directory that
	// relative paths in it are resolved against.
	File string
	Dir  string

	Version     int
	Name        string
	Description string
	Source      *config.Node
	Transforms  []*config.Node
	Target      *config.Node
	Errors      ErrorPolicy

	// Root is the whole file as a node tree (for explain and plugins that
	// need to look around).
	Root *config.Node
}

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

// Options configure parsing.
type Options struct {
	// Vars are values for ${NAME} interpolation (the CLI's --set); they win
	// over the environment.
	Vars map[string]string
	// LookupEnv reads the environment; nil means os.LookupEnv. Embedders
	// that do not want the process environment used pass a function that
	// always returns false.
	LookupEnv func(string) (string, bool)
}

func (o Options) lookup() config.Lookup {
	env := o.LookupEnv
	if env == nil {
		env = os.LookupEnv
	}
	return func(name string) (string, bool) {
		if v, ok := o.Vars[name]; ok {
			return v, true
		}
		return env(name)
	}
}

// ParseFile reads and parses the pipeline file at path.
func ParseFile(path string, opts Options) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", xcetl.ErrInvalid, err)
	}
	return Parse(path, src, opts)
}

// Parse parses a pipeline file's contents. file names it in errors and
// decides the base directory for relative paths. Every problem found is
// returned at once as xcetl.SpecErrors (which is an xcetl.ErrInvalid).
func Parse(file string, src []byte, opts Options) (*Spec, error) {
	root, perr := config.Parse(file, src, opts.lookup())
	if root == nil {
		return nil, perr
	}
	var errs xcetl.SpecErrors
	if perr != nil {
		errs = append(errs, perr.(xcetl.SpecErrors)...)
	}
	var fs fileSpec
	errs = append(errs, config.DecodeSpec(root, &fs)...)
	s := &Spec{
		File:        file,
		Dir:         filepath.Dir(file),
		Version:     fs.Version,
		Name:        fs.Name,
		Description: fs.Description,
		Source:      fs.Source,
		Transforms:  fs.Transforms,
		Target:      fs.Target,
		Root:        root,
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
