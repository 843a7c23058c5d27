package migrate

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
	sqlsrc "github.com/xcetl/xcetl/extract/sql"
	"github.com/xcetl/xcetl/transform"
)

// Spec is a migration file, declared: config.DecodeSpec checks it (strict
// keys, line:column errors, did-you-mean) and the JSON Schema of `xcetl
// schema --kind migration` is generated from it.
type Spec struct {
	Version     int                  `yaml:"version,required" doc:"the file format; this xcetl reads version 1" example:"1"`
	Name        string               `yaml:"name,required" doc:"[a-z0-9_-]+; names the migration's state, and with each table's name its locks" example:"grid_to_dm8"`
	Kind        string               `yaml:"kind,required" enum:"migration" doc:"migration: a file for xcetl migrate (pipeline files have no kind)"`
	Description string               `yaml:"description" doc:"what the migration is for, shown by explain"`
	Source      SourceSpec           `yaml:"source,required" doc:"the database the tables come from"`
	Target      TargetSpec           `yaml:"target,required" doc:"the database the tables are created in"`
	Tables      TablesSpec           `yaml:"tables" doc:"which tables, and how many at once"`
	Types       map[string]string    `yaml:"types" doc:"override the type mapping by native type (\"tinyint(1)\": bool) or column name, as in the sql source; the target type is then the target's for that xcetl type" example:"{\"tinyint(1)\": bool}"`
	Columns     []ColumnRule         `yaml:"columns" doc:"transforms applied to every table that has a matching column"`
	Overrides   map[string]*Override `yaml:"overrides" doc:"per source table: rename, where, chunk, transforms, mode" example:"{residents: {table: RESIDENT_INFO, where: \"deleted = 0\"}}"`
	Errors      ErrorsSpec           `yaml:"errors" doc:"what rejected rows do"`
}

// SourceSpec is `source:`.
type SourceSpec struct {
	Driver    string       `yaml:"driver,required" enum:"mysql,postgres,opengauss,kingbase,dm8,sqlite,oracle" enumalias:"mariadb=mysql,postgresql=postgres" doc:"the source database's driver"`
	DSN       xcetl.Secret `yaml:"dsn,required" doc:"connection string, normally \"${VAR}\" (as the sql source's dsn)" example:"\"${SRC_DSN}\""`
	Schema    string       `yaml:"schema" doc:"the schema (MySQL: database) whose tables move; default the DSN's"`
	ZeroDates string       `yaml:"zero_dates" default:"reject" enum:"reject,null" enumalias:"=null" doc:"MySQL dates such as 0000-00-00: reject the row, or load NULL"`
	Snapshot  string       `yaml:"snapshot" default:"shared" enum:"shared,per_reader" doc:"the readers of one table share one snapshot, or each has its own"`
}

// TargetSpec is `target:`.
type TargetSpec struct {
	Type      string       `yaml:"type,required" enum:"postgres,opengauss,kingbase,dm8,sqlite" doc:"the target database"`
	DSN       xcetl.Secret `yaml:"dsn,required" doc:"connection string, normally \"${VAR}\"; sqlite: a file path relative to the migration file" example:"\"${DM_DSN}\""`
	Schema    string       `yaml:"schema" doc:"the schema the tables are created in; default the connection's"`
	BatchSize int          `yaml:"batch_size" default:"5000" min:"1" max:"1000000" doc:"rows per batch"`
	// CommitEvery is the target's commit_every for the tables that resume
	// by chunk.
	CommitEvery int `yaml:"commit_every" default:"8" min:"1" max:"1000" doc:"batches per transaction of a table that resumes by chunk: they commit together with their chunk's progress, streamed as one COPY where the target can (a killed run resumes after the last group committed)"`
}

// TablesSpec is `tables:`.
type TablesSpec struct {
	Include   []string `yaml:"include" default:"[\"*\"]" doc:"globs on source table names (path.Match: *, ?, [a-z])" example:"[\"*\"]"`
	Exclude   []string `yaml:"exclude" doc:"globs of tables left out" example:"[\"tmp_*\", \"*_bak\"]"`
	Parallel  int      `yaml:"parallel" default:"4" min:"1" max:"64" doc:"tables loaded at once, and readers of each table"`
	ChunkRows int      `yaml:"chunk_rows" default:"100000" min:"1" max:"100000000" doc:"rows per chunk, the unit of resumption"`
}

// ColumnRule is one item of `columns:`.
type ColumnRule struct {
	Match      string        `yaml:"match,required" doc:"a regular expression matched against the whole column name" example:"\"id_card|sfzh\""`
	Transforms transformList `yaml:"transforms,required" doctype:"list of mappings" doc:"transforms without their column names: encrypt, hash (fields filled with the matching columns), mask and others keyed by column (the value given once for every matching column)"`
	re         *regexp.Regexp
}

// Override is one table's entry of `overrides:`.
type Override struct {
	Table      string            `yaml:"table" doc:"the target table's name (folded by the target unless quoted)" example:"RESIDENT_INFO"`
	Where      string            `yaml:"where" doc:"an SQL condition of the source that the rows must meet" example:"\"deleted = 0\""`
	Chunk      *sqlsrc.ChunkSpec `yaml:"chunk" doc:"the chunk column and size of this table"`
	Transforms transformList     `yaml:"transforms" doctype:"list of mappings" doc:"transforms for this table, after the columns: rules', as in a pipeline"`
	Mode       string            `yaml:"mode" default:"append" enum:"append,upsert" enumdoc:"append=inserts, the primary key created after the data;upsert=inserts or updates by the primary key, created before the data" doc:"how rows are written"`
	Skip       bool              `yaml:"skip" doc:"leave the table out"`
}

// ErrorsSpec is `errors:`.
type ErrorsSpec struct {
	MaxRejects string `yaml:"max_rejects" default:"0" doc:"rejected rows allowed per table: a number, or a percentage of the rows read (\"2%\")"`
	RejectDir  string `yaml:"reject_dir" doc:"a directory for the rejected rows, one CSV per table (TABLE.csv), relative to the migration file" example:"rejects/"`
}

// transformList is a list of transforms, each decoded by its transform
// when the table's pipeline is built.
type transformList []*config.Node

// Noun implements config.Nouner.
func (transformList) Noun() string {
	return "a list of transforms, e.g. `transforms: [{encrypt: {key: \"${SM4_KEY}\"}}]`"
}

// SpecType is the declared type of a migration file, for the reference
// docs and the JSON Schema.
func SpecType() reflect.Type { return reflect.TypeFor[Spec]() }

// JSONSchema is the JSON Schema of a migration file.
func JSONSchema() map[string]any {
	s := config.JSONSchema(SpecType())
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["title"] = "xcetl migration file"
	return s
}

var nameRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

// Check implements config.Checker: the name, the version, the DSNs and
// patterns, every transform item's shape.
func (s *Spec) Check(c *config.Check) {
	if c.Has("version") && s.Version != 1 {
		c.Errorf("version", "unsupported version %d: this xcetl reads version 1", s.Version)
	}
	if c.Has("name") && !nameRE.MatchString(s.Name) {
		c.Errorf("name", "name %q must match [a-z0-9_-]+ (it names locks and state)", s.Name)
	}
	for k, v := range s.Types {
		if _, err := xcetl.ParseType(v); err != nil {
			c.Errorf("types", "%s: %v", k, err)
		}
	}
	for name, o := range s.Overrides {
		if o == nil || o.Table == "" {
			continue
		}
		if d, ok := dialects.Lookup(s.Target.Type); ok {
			if _, err := d.ParseTable(o.Table); err != nil {
				c.ErrorfAt(overrideNode(c, name, "table"), "overrides.%s.table: %v", name, err)
			}
		}
	}
}

func overrideNode(c *config.Check, table, key string) *config.Node {
	n := c.Node("overrides")
	if n == nil {
		return nil
	}
	if t := n.Get(table); t != nil {
		if k := t.Get(key); k != nil {
			return k
		}
		return t
	}
	return n
}

// Check implements config.Checker.
func (s *SourceSpec) Check(c *config.Check) { sqlsrc.CheckSource(c, s.Driver, s.DSN) }

// Check implements config.Checker.
func (s *TargetSpec) Check(c *config.Check) {
	d, ok := dialects.Lookup(s.Type)
	if !ok {
		if s.Type != "" {
			c.Errorf("type", "target %s is not in this binary (have: %s)", s.Type, strings.Join(dialects.Names(), ", "))
		}
		return
	}
	if _, ok := d.(dialects.SchemaMigrator); !ok {
		c.Errorf("type", "target %s cannot create migrated tables (its dialect has no MigrationDDL)", s.Type)
	}
	if s.DSN.IsZero() {
		c.Errorf("dsn", "dsn is empty (is the variable it comes from set?)")
	}
	if s.Schema != "" {
		if err := d.CheckIdent(d.Fold(s.Schema)); err != nil {
			c.Errorf("schema", "%v", err)
		}
	}
}

// Check implements config.Checker.
func (s *TablesSpec) Check(c *config.Check) {
	for _, key := range []string{"include", "exclude"} {
		list := s.Include
		if key == "exclude" {
			list = s.Exclude
		}
		for i, g := range list {
			if _, err := path.Match(g, ""); err != nil {
				c.ErrorfAt(c.Item(key, i), "bad glob %q: %v", g, err)
			}
		}
	}
}

// Check implements config.Checker.
func (r *ColumnRule) Check(c *config.Check) {
	re, err := regexp.Compile("^(?:" + r.Match + ")$")
	if err != nil {
		c.Errorf("match", "bad regular expression %q: %v", r.Match, err)
		return
	}
	r.re = re
	checkTransforms(c, r.Transforms)
}

// regexp is the rule's pattern, anchored (Check has refused a bad one).
func (r *ColumnRule) regexp() *regexp.Regexp {
	if r.re == nil {
		r.re = regexp.MustCompile("^(?:" + r.Match + ")$")
	}
	return r.re
}

// Check implements config.Checker.
func (o *Override) Check(c *config.Check) { checkTransforms(c, o.Transforms) }

func checkTransforms(c *config.Check, list transformList) {
	for i, n := range list {
		if n.Kind != config.Map || len(n.Entries) != 1 {
			c.ErrorfAt(n, "transforms[%d]: each transform is a mapping with one key, its name (e.g. {encrypt: {key: \"${SM4_KEY}\"}})", i)
			continue
		}
		if name := n.Entries[0].Key; !knownTransform(name) {
			c.ErrorfAt(n, "transforms[%d]: unknown transform %q (have: %s)", i, name, strings.Join(transformNames(), ", "))
		}
	}
}

func knownTransform(name string) bool {
	_, ok := transform.Lookup(name)
	return ok
}

func transformNames() []string {
	var out []string
	for _, p := range transform.Plugins() {
		out = append(out, p.Name)
	}
	return out
}

// Check implements config.Checker.
func (e *ErrorsSpec) Check(c *config.Check) {
	m := strings.TrimSpace(e.MaxRejects)
	if m == "" {
		return
	}
	if _, err := fmt.Sscanf(strings.TrimSuffix(m, "%"), "%g", new(float64)); err != nil {
		c.Errorf("max_rejects", "max_rejects %q: give a number of rows (e.g. 10) or a percentage (e.g. \"2%%\")", m)
	}
}

// Options are how a migration file is loaded.
type Options struct {
	// Vars give values for ${NAME} (the CLI's --set); they win over the
	// environment.
	Vars map[string]string
	// LookupEnv reads the environment (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
	// Scrubber, when set, learns the file's secrets (DSNs, keys).
	Scrubber *xcetl.Scrubber
}

// File is a loaded migration file.
type File struct {
	Path string
	// Dir is where relative paths (a SQLite target, reject_dir) resolve.
	Dir  string
	Spec Spec
	root *config.Node
}

// IsMigration reports whether the YAML file at path declares `kind:
// migration` (without checking anything else), so that commands can pick
// the loader of the file.
func IsMigration(path string) bool {
	src, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	root, _ := config.Parse(path, src, func(string) (string, bool) { return "", true })
	if root == nil {
		return false
	}
	k := root.Get("kind")
	return k != nil && k.Kind == config.Scalar && strings.EqualFold(k.Value, "migration")
}

// Load reads and checks a migration file, without connecting anywhere.
// Problems are xcetl.SpecErrors (an xcetl.ErrInvalid), every one at once.
func Load(file string, o Options) (*File, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", xcetl.ErrInvalid, err)
	}
	return Parse(file, src, o)
}

// Parse is Load of a file's contents.
func Parse(file string, src []byte, o Options) (*File, error) {
	env := o.LookupEnv
	if env == nil {
		env = os.LookupEnv
	}
	lookup := func(name string) (string, bool) {
		if v, ok := o.Vars[name]; ok {
			return v, true
		}
		return env(name)
	}
	root, perr := config.Parse(file, src, lookup)
	if root == nil {
		return nil, perr
	}
	if o.Scrubber != nil {
		collectSecrets(o.Scrubber, root)
	}
	var errs xcetl.SpecErrors
	if perr != nil {
		errs = append(errs, perr.(xcetl.SpecErrors)...)
	}
	f := &File{Path: file, Dir: filepath.Dir(file), root: root}
	errs = append(errs, config.DecodeSpec(root, &f.Spec)...)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

// collectSecrets registers the DSNs and keys of the file with sc.
func collectSecrets(sc *xcetl.Scrubber, n *config.Node) {
	for _, e := range n.Entries {
		if e.Value.Kind == config.Scalar {
			switch k := strings.ToLower(e.Key); {
			case k == "dsn":
				sc.AddDSN(e.Value.Value)
			case k == "key" && (e.Value.Raw != e.Value.Value || len(e.Value.Value) >= 16), xcetl.IsSecretParam(k):
				// a short literal key: is a column name (upsert keys are lists)
				sc.Add(e.Value.Value)
			}
		}
		collectSecrets(sc, e.Value)
	}
	for _, it := range n.Items {
		collectSecrets(sc, it)
	}
}

// override returns the override of a source table (the zero one for none).
func (f *File) override(table string) Override {
	if o := f.Spec.Overrides[table]; o != nil {
		return *o
	}
	return Override{}
}

// resolve makes a path of the file relative to its directory.
func (f *File) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(f.Dir, p)
}
