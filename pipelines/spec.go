package pipelines

import (
	"fmt"
	"os"
	"path/filepath"
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

type fileSpec struct {
	Version     int            `yaml:"version,required"`
	Name        string         `yaml:"name,required"`
	Description string         `yaml:"description"`
	Source      *config.Node   `yaml:"source,required"`
	Transforms  []*config.Node `yaml:"transforms"`
	Target      *config.Node   `yaml:"target,required"`
	Errors      *config.Node   `yaml:"errors"`
}

type errorsSpec struct {
	MaxRejects string `yaml:"max_rejects"`
	RejectFile string `yaml:"reject_file"`
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
	errs = append(errs, config.Decode(root, &fs)...)
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
	if v := root.Get("version"); v != nil && fs.Version != 1 {
		errs = append(errs, v.Errorf("unsupported version %q: this xcetl reads version 1", v.Value))
	}
	if n := root.Get("name"); n != nil && !nameRE.MatchString(fs.Name) {
		errs = append(errs, n.Errorf("name %q must match [a-z0-9_-]+ (it names locks, state and metrics)", fs.Name))
	}
	for _, key := range []string{"source", "target"} {
		if n := root.Get(key); n != nil && n.Kind != config.Map {
			errs = append(errs, n.Errorf("%s must be a mapping with a `type:` key", key))
		}
	}
	if n := root.Get("transforms"); n != nil && n.Kind != config.List && n.Kind != config.Null {
		errs = append(errs, n.Errorf("transforms must be a list, e.g. `transforms: [{rename: {a: b}}]`"))
	}
	s.Errors = ErrorPolicy{}
	if n := fs.Errors; n != nil {
		var es errorsSpec
		errs = append(errs, config.Decode(n, &es)...)
		if mr := n.Get("max_rejects"); mr != nil {
			if err := s.Errors.parseMax(es.MaxRejects); err != nil {
				errs = append(errs, mr.Errorf("%v", err))
			}
		}
		if es.RejectFile != "" {
			s.Errors.RejectFile = s.Resolve(es.RejectFile)
		}
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
