package load

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
)

// Defaults and limits of the SQL target keys.
const (
	DefaultBatchSize = 5000
	MaxBatchSize     = 1_000_000
)

// sqlConfig is the `target:` mapping of every SQL dialect. Dialect-specific
// keys (copy_format, …) are taken out before decoding and checked by the
// dialect.
type sqlConfig struct {
	Type      string       `yaml:"type,required"`
	DSN       xcetl.Secret `yaml:"dsn"`
	Table     string       `yaml:"table,required"`
	Mode      string       `yaml:"mode"`
	Key       []string     `yaml:"key"`
	Create    string       `yaml:"create"`
	BatchSize int          `yaml:"batch_size"`
	Commit    string       `yaml:"commit"`
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
	options   dialects.Options
}

var (
	modeNames   = []string{"append", "upsert", "replace", "cdc"}
	createNames = []string{"if_missing", "never"}
	commitNames = []string{"run", "batch"}
)

// parseSQLConfig checks the whole target mapping n for dialect d and
// returns every problem at once.
// haveDB is true when the program gave a *sql.DB (Env.DB): dsn is then
// optional.
func parseSQLConfig(d dialects.Dialect, n *config.Node, haveDB bool) (*settings, error) {
	if n == nil || n.Kind != config.Map {
		pos := &config.Node{}
		if n != nil {
			pos = n
		}
		return nil, xcetl.SpecErrors{pos.Errorf("target must be a mapping of keys")}
	}
	var errs xcetl.SpecErrors
	own := d.OptionNames()
	others := otherDialectOptions(d)
	common := *n
	common.Entries = nil
	opts := dialects.Options{}
	for _, e := range n.Entries {
		switch {
		case slices.Contains(own, e.Key):
			if e.Value.Kind != config.Scalar && e.Value.Kind != config.Null {
				errs = append(errs, e.Value.Errorf("expected a single value, got a %s", e.Value.Kind))
				continue
			}
			if err := d.CheckOption(e.Key, e.Value.Value); err != nil {
				errs = append(errs, e.Value.Errorf("%v", err))
				continue
			}
			if e.Value.Value != "" {
				opts[e.Key] = e.Value.Value
			}
		case len(others[e.Key]) > 0:
			errs = append(errs, &xcetl.SpecError{Pos: e.KeyPos, Path: joinPath(n.Path, e.Key),
				Msg: fmt.Sprintf("%s is an option of target type %s, not of %s", e.Key, strings.Join(others[e.Key], ", "), d.Name())})
		default:
			common.Entries = append(common.Entries, e)
		}
	}
	var c sqlConfig
	errs = append(errs, config.Decode(&common, &c)...)
	at := func(key string) *config.Node {
		if v := n.Get(key); v != nil {
			return v
		}
		return n
	}

	s := &settings{dsn: c.DSN, key: c.Key, options: opts, batchSize: DefaultBatchSize, create: true}
	if n.Get("dsn") == nil && !haveDB {
		errs = append(errs, n.Errorf("missing required key \"dsn\""))
	}
	if n.Get("dsn") != nil && c.DSN.IsZero() {
		errs = append(errs, at("dsn").Errorf("dsn is empty (is the variable it comes from set?)"))
	}
	if n.Get("table") != nil {
		t, err := d.ParseTable(c.Table)
		if err != nil {
			errs = append(errs, at("table").Errorf("%v", err))
		}
		s.table = t
	}
	switch c.Mode {
	case "", "append":
		s.mode = dialects.Append
	case "upsert":
		s.mode = dialects.Upsert
	case "replace":
		s.mode = dialects.Replace
	case "cdc":
		s.mode = dialects.CDC
	default:
		errs = append(errs, at("mode").Errorf("unknown mode %q%s; modes: %s", c.Mode, xcetl.DidYouMean(c.Mode, modeNames), strings.Join(modeNames, ", ")))
	}
	seen := map[string]bool{}
	for i, k := range c.Key {
		kn := at("key")
		if kn.Kind == config.List && i < len(kn.Items) {
			kn = kn.Items[i]
		}
		switch {
		case k == "":
			errs = append(errs, kn.Errorf("empty key column name"))
		case seen[k]:
			errs = append(errs, kn.Errorf("key column %q is listed twice", k))
		}
		seen[k] = true
	}
	if (c.Mode == "upsert" || c.Mode == "cdc") && len(c.Key) == 0 {
		errs = append(errs, at("key").Errorf("mode %s needs key: the column(s) that identify a row, e.g. key: [id]", c.Mode))
	}
	switch c.Create {
	case "", "if_missing":
	case "never":
		s.create = false
	default:
		errs = append(errs, at("create").Errorf("unknown create %q%s; one of: %s", c.Create, xcetl.DidYouMean(c.Create, createNames), strings.Join(createNames, ", ")))
	}
	if n.Get("batch_size") != nil && len(errsAt(errs, "batch_size")) == 0 {
		if c.BatchSize < 1 || c.BatchSize > MaxBatchSize {
			errs = append(errs, at("batch_size").Errorf("batch_size must be 1..%d, not %d", MaxBatchSize, c.BatchSize))
		} else {
			s.batchSize = c.BatchSize
		}
	}
	switch c.Commit {
	case "", "run":
	case "batch":
		s.perBatch = true
		if s.mode == dialects.Replace {
			errs = append(errs, at("commit").Errorf("replace is atomic only with commit: run (with commit: batch a failed run would leave the table emptied and partly loaded)"))
		}
	default:
		errs = append(errs, at("commit").Errorf("unknown commit %q%s; one of: %s", c.Commit, xcetl.DidYouMean(c.Commit, commitNames), strings.Join(commitNames, ", ")))
	}
	if len(errs) > 0 {
		return nil, sortErrs(errs)
	}
	return s, nil
}

// otherDialectOptions maps each option key of another registered dialect
// to the dialects that have it, so that `copy_format` on sqlite says where
// it belongs instead of "unknown key".
func otherDialectOptions(d dialects.Dialect) map[string][]string {
	out := map[string][]string{}
	for _, name := range dialects.Names() {
		o, ok := dialects.Lookup(name)
		if !ok || name == d.Name() {
			continue
		}
		for _, k := range o.OptionNames() {
			if !slices.Contains(d.OptionNames(), k) {
				out[k] = append(out[k], name)
			}
		}
	}
	return out
}

func errsAt(errs xcetl.SpecErrors, key string) xcetl.SpecErrors {
	var out xcetl.SpecErrors
	for _, e := range errs {
		if strings.HasSuffix(e.Path, key) {
			out = append(out, e)
		}
	}
	return out
}

// sortErrs puts problems in file order.
func sortErrs(errs xcetl.SpecErrors) xcetl.SpecErrors {
	slices.SortStableFunc(errs, func(a, b *xcetl.SpecError) int {
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line - b.Pos.Line
		}
		return a.Pos.Col - b.Pos.Col
	})
	return errs
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}
