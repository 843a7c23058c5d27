package load

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
)

// Defaults and limits of the SQL target keys (as declared on SQLSpec).
const (
	DefaultBatchSize = 5000
	MaxBatchSize     = 1_000_000
)

// SQLSpec is the `target:` mapping of every SQL dialect, without `type`;
// each dialect adds keys of its own (dialects.Dialect.OptionSpec), written
// beside these.
type SQLSpec struct {
	DSN       xcetl.Secret `yaml:"dsn" doc:"how to connect, normally \"${VAR}\"; sqlite: a file path, relative to the pipeline file. Not needed when the program gives a connection pool (WithTargetDB)" example:"\"${PG_DSN}\""`
	Table     string       `yaml:"table,required" doc:"the table, [schema.]table; a part in double quotes is used exactly, never folded" example:"public.residents"`
	Mode      string       `yaml:"mode" default:"append" enum:"append,upsert,replace,cdc" enumdoc:"append=inserts;upsert=inserts or updates by key;replace=the table holds exactly this run's rows, atomically;cdc=applies insert, update and delete events by key, exactly once" doc:"how rows are written"`
	Key       []string     `yaml:"key" doc:"the columns that identify a row: required for upsert and cdc; the primary key when the table is created" example:"[id]"`
	Create    string       `yaml:"create" default:"if_missing" enum:"if_missing,never" enumdoc:"if_missing=creates the table from the pipeline's column types;never=the table must exist" doc:"whether the table may be created"`
	BatchSize int          `yaml:"batch_size" default:"5000" min:"1" max:"1000000" doc:"rows per batch"`
	Commit    string       `yaml:"commit" default:"run" enum:"run,batch" enumdoc:"run=the whole run is one transaction: a failed run leaves the target as it was;batch=each batch commits when written (resumable sources continue after the last one)" doc:"the unit of commit"`
	// CommitEvery groups the batches of commit: batch into transactions.
	CommitEvery int `yaml:"commit_every" default:"1" min:"1" max:"1000" doc:"with commit: batch, batches per transaction: the rows and checkpoints of that many batches commit together, streamed as one COPY where the dialect can (faster; a killed run resumes after the last group committed)"`

	// Options are the dialect's own keys when the spec is built in Go: a
	// value (or pointer) of the type its OptionSpec returns, e.g.
	// pgfamily.Options{CopyFormat: "text"}; nil for the defaults. In a
	// file they are written beside the others.
	Options any `yaml:",inline"`
}

// Check checks the key columns against the mode, and replace against the
// commit.
func (s *SQLSpec) Check(c *config.Check) {
	seen := map[string]bool{}
	for i, k := range s.Key {
		switch {
		case k == "":
			c.ErrorfAt(c.Item("key", i), "empty key column name")
		case seen[k]:
			c.ErrorfAt(c.Item("key", i), "key column %q is listed twice", k)
		}
		seen[k] = true
	}
	if (s.Mode == "upsert" || s.Mode == "cdc") && len(s.Key) == 0 {
		c.Errorf("key", "mode %s needs key: the column(s) that identify a row, e.g. key: [id]", s.Mode)
	}
	if s.Mode == "replace" && s.Commit == "batch" {
		c.Errorf("commit", "replace is atomic only with commit: run (with commit: batch a failed run would leave the table emptied and partly loaded)")
	}
	if s.CommitEvery > 1 && s.Commit != "batch" {
		c.Errorf("commit_every", "commit_every groups the batches of commit: batch; with commit: run the whole run is one transaction already")
	}
	if s.CommitEvery > 1 && s.Mode == "cdc" {
		c.Errorf("commit_every", "mode cdc commits every batch with its offsets (a streaming source would hold a transaction open while it waits for events)")
	}
	if c.Has("dsn") && s.DSN.IsZero() {
		c.Errorf("dsn", "dsn is empty (is the variable it comes from set?)")
	}
}

// settings is a checked target configuration.
type settings struct {
	dsn       xcetl.Secret
	table     dialects.Table
	mode      dialects.Mode
	key       []string
	create    bool // create: if_missing
	batchSize int
	perBatch  bool // commit: batch
	// commitEvery is the batches per transaction with commit: batch.
	commitEvery int
	options     any // the dialect's own keys (Target.Options)
}

var modes = map[string]dialects.Mode{"append": dialects.Append, "upsert": dialects.Upsert, "replace": dialects.Replace, "cdc": dialects.CDC}

// sqlType is the declared type of one dialect's target: SQLSpec and the
// dialect's options side by side (inline), so that decoding, the docs and
// the JSON Schema see one mapping.
var sqlTypes sync.Map // dialect name → reflect.Type

func sqlType(d dialects.Dialect) reflect.Type {
	if t, ok := sqlTypes.Load(d.Name()); ok {
		return t.(reflect.Type)
	}
	fields := []reflect.StructField{{Name: "Common", Type: reflect.TypeFor[SQLSpec](), Tag: `yaml:",inline"`}}
	if o := d.OptionSpec(); o != nil {
		fields = append(fields, reflect.StructField{Name: "Dialect", Type: reflect.TypeOf(o).Elem(), Tag: `yaml:",inline"`})
	}
	t := reflect.StructOf(fields)
	sqlTypes.Store(d.Name(), t)
	return t
}

// sqlPlugin is the plugin of the target type of dialect d.
func sqlPlugin(d dialects.Dialect) Plugin {
	return Plugin{
		Name: d.Name(),
		Doc:  config.Doc{Summary: "loads into " + d.Name() + " (see docs/dialects.md)"},
		Spec: sqlType(d),
		FromNode: func(n *config.Node, env Env) (Loader, error) {
			return newSQLTarget(d, n, env)
		},
		FromSpec: func(spec any, path string, env Env) (Loader, error) {
			return buildSQLTarget(d, spec, path, env)
		},
	}
}

// decodeSQL decodes and checks a target mapping (without `type`) for d.
func decodeSQL(d dialects.Dialect, n *config.Node, haveDB bool) (*SQLSpec, xcetl.SpecErrors) {
	n, errs := otherDialectKeys(d, n)
	v := reflect.New(sqlType(d)).Elem()
	if o := d.OptionSpec(); o != nil {
		v.Field(1).Set(reflect.ValueOf(o).Elem()) // what its Check knows of d
	}
	errs = append(errs, config.DecodeSpec(n, v.Addr().Interface())...)
	s := v.Field(0).Addr().Interface().(*SQLSpec)
	if v.NumField() > 1 {
		s.Options = v.Field(1).Addr().Interface()
	}
	if n.Get("dsn") == nil && !haveDB {
		errs = append(errs, n.Errorf("missing required key \"dsn\""))
	}
	return s, errs
}

// otherDialectKeys takes the keys of other dialects out of n, each with
// the problem that says where it belongs: `copy_format` on sqlite is "an
// option of target type postgres, …", not an unknown key.
func otherDialectKeys(d dialects.Dialect, n *config.Node) (*config.Node, xcetl.SpecErrors) {
	own := map[string]bool{}
	for _, f := range config.Describe(sqlType(d)) {
		own[f.Key] = true
	}
	others := map[string][]string{}
	for _, name := range dialects.Names() {
		o, ok := dialects.Lookup(name)
		if !ok || name == d.Name() || o.OptionSpec() == nil {
			continue
		}
		for _, f := range config.Describe(o.OptionSpec()) {
			if !own[f.Key] {
				others[f.Key] = append(others[f.Key], name)
			}
		}
	}
	var errs xcetl.SpecErrors
	var drop []string
	for _, e := range n.Entries {
		if names := others[e.Key]; len(names) > 0 {
			errs = append(errs, &xcetl.SpecError{Pos: e.KeyPos, Path: config.JoinPath(n.Path, e.Key),
				Msg: fmt.Sprintf("%s is an option of target type %s, not of %s", e.Key, strings.Join(names, ", "), d.Name())})
			drop = append(drop, e.Key)
		}
	}
	if len(drop) > 0 {
		n = config.Without(n, drop...)
	}
	return n, errs
}

// goSQLSpec fills the defaults of a spec built in Go and checks it with
// its dialect options.
func goSQLSpec(d dialects.Dialect, spec any, path string) (*SQLSpec, error) {
	var s SQLSpec
	switch v := spec.(type) {
	case SQLSpec:
		s = v
	case *SQLSpec:
		if v == nil {
			return nil, xcetl.SpecErrors{{Path: path, Msg: "target spec is nil"}}
		}
		s = *v
	default:
		return nil, fmt.Errorf("%w: %s: target type %s takes a load.SQLSpec, not a %T", xcetl.ErrInvalid, path, d.Name(), spec)
	}
	config.Defaults(&s)
	errs := config.Validate(&s, path)
	opts := d.OptionSpec()
	switch {
	case opts == nil && s.Options != nil:
		return nil, fmt.Errorf("%w: %s: target type %s has no options of its own, got a %T", xcetl.ErrInvalid, path, d.Name(), s.Options)
	case opts != nil:
		if s.Options != nil {
			given := reflect.ValueOf(s.Options)
			if given.Kind() == reflect.Pointer {
				given = given.Elem()
			}
			if given.Type() != reflect.TypeOf(opts).Elem() {
				return nil, fmt.Errorf("%w: %s: the options of target type %s are a %s, not a %T", xcetl.ErrInvalid, path, d.Name(), reflect.TypeOf(opts).Elem(), s.Options)
			}
			copyDeclared(reflect.ValueOf(opts).Elem(), given)
		}
		config.Defaults(opts)
		errs = append(errs, config.Validate(opts, path)...)
		s.Options = opts
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &s, nil
}

// copyDeclared copies the exported fields of src into dst (of the same
// struct type), keeping dst's unexported ones (what OptionSpec set).
func copyDeclared(dst, src reflect.Value) {
	for i := 0; i < dst.NumField(); i++ {
		if dst.Type().Field(i).IsExported() {
			dst.Field(i).Set(src.Field(i))
		}
	}
}

// newSettings turns a checked spec into settings; the table is parsed by
// the dialect (at is its node, nil for a spec built in Go).
func newSettings(d dialects.Dialect, s *SQLSpec, at *config.Node, path string) (*settings, xcetl.SpecErrors) {
	st := &settings{dsn: s.DSN, key: s.Key, mode: modes[s.Mode], create: s.Create != "never",
		batchSize: s.BatchSize, perBatch: s.Commit == "batch", commitEvery: max(s.CommitEvery, 1), options: s.Options}
	t, err := d.ParseTable(s.Table)
	if err != nil {
		if at == nil {
			at = &config.Node{Path: config.JoinPath(path, "table")}
		}
		return nil, xcetl.SpecErrors{at.Errorf("%v", err)}
	}
	st.table = t
	return st, nil
}

// parseSQLConfig checks the target mapping n (without `type`) for dialect
// d and returns every problem at once. haveDB is true when the program
// gave a *sql.DB (Env.DB): dsn is then optional.
func parseSQLConfig(d dialects.Dialect, n *config.Node, haveDB bool) (*settings, error) {
	if n == nil || n.Kind != config.Map {
		return nil, xcetl.SpecErrors{orEmpty(n).Errorf("target must be a mapping of keys")}
	}
	s, errs := decodeSQL(d, n, haveDB)
	if tn := n.Get("table"); tn != nil && !hasProblemAt(errs, tn.Path) {
		if _, terrs := newSettings(d, s, tn, n.Path); terrs != nil {
			errs = append(errs, terrs...)
		}
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	st, _ := newSettings(d, s, nil, n.Path)
	return st, nil
}

func orEmpty(n *config.Node) *config.Node {
	if n == nil {
		return &config.Node{}
	}
	return n
}

func hasProblemAt(errs xcetl.SpecErrors, path string) bool {
	return slices.ContainsFunc(errs, func(e *xcetl.SpecError) bool { return e.Path == path })
}
