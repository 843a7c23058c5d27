// Package sql is the `type: sql` source: rows of a table or a query of a
// database — MySQL/MariaDB, the PostgreSQL family, DM8, SQLite, Oracle —
// read through that database's source dialect (dialects.SourceDialect), in
// key-range chunks by parallel readers that share one snapshot where the
// database allows it.
//
// How a run reads (see docs/pipeline.md for the keys):
//
//   - Open connects, reads the catalog (or the query's result metadata)
//     and maps every column to an xcetl type through the dialect, exactly:
//     a type with no exact reading is an error naming the table and the
//     column, unless `types:` overrides it.
//   - The first Next plans the chunks: by the chunk column (`chunk.column`,
//     else a single-column integer primary key), as arithmetic ranges of
//     `chunk.rows` values for a dense integer column, else by boundary
//     values `chunk.rows` rows apart found in the database. Rows whose chunk
//     column is NULL form a chunk of their own. Without a chunk column the
//     whole table is one chunk.
//   - Readers (`parallel`) each hold a session in the run's snapshot and
//     take chunks from a queue; rows stream from the database, are decoded
//     and handed on in batches; memory holds a few batches whatever the
//     table size.
//   - With `commit: batch` the plan and the progress (chunks done, and the
//     key reached inside chunks in flight) are checkpoints committed with
//     the rows, so that a killed run resumes at the first row not
//     committed. Rows are then read in key order inside each chunk.
//   - With `incremental: {column: c}` only rows with c above the committed
//     watermark are read; the watermark of the rows read commits with the
//     run's last batch.
package sql

import (
	"fmt"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/extract"
)

func init() {
	extract.RegisterSpec("sql", config.Doc{
		Summary: "rows of a database table or query (MySQL/MariaDB, PostgreSQL, openGauss, KingbaseES, DM8, SQLite, Oracle), in parallel key-range chunks from one snapshot, resumable by chunk",
		Example: `driver: mysql
dsn: "${SRC_DSN}"
table: grid.residents
where: "deleted = 0"
chunk: {column: id, rows: 100000}
parallel: 4`,
	}, New)
}

// Defaults and limits.
const (
	DefaultChunkRows = 100000
	MaxParallel      = 64
)

// Spec is the configuration of a `type: sql` source.
type Spec struct {
	Driver      string            `yaml:"driver,required" enum:"mysql,postgres,opengauss,kingbase,dm8,sqlite,oracle" enumalias:"mariadb=mysql,postgresql=postgres" doc:"the source database's driver"`
	DSN         xcetl.Secret      `yaml:"dsn,required" doc:"connection string; mysql: user:pass@tcp(host:3306)/db or mysql://user:pass@host:3306/db; the PostgreSQL family: postgres://…; sqlite: a file path; dm8: dm://…; oracle: oracle://user:pass@host:1521/service" example:"\"${SRC_DSN}\""`
	Table       string            `yaml:"table" doc:"the table to read, [schema.]table (MySQL: [database.]table); or give query"`
	Query       string            `yaml:"query" doc:"a SELECT to read instead of a table; chunked only with chunk.column"`
	Columns     []string          `yaml:"columns" doc:"the columns to read, in this order; default every column"`
	Where       string            `yaml:"where" doc:"an SQL condition of the source database that rows must meet" example:"\"deleted = 0\""`
	Chunk       *ChunkSpec        `yaml:"chunk" doc:"split the read into key ranges; default: by a single-column integer primary key"`
	Parallel    int               `yaml:"parallel" default:"1" min:"1" max:"64" doc:"readers of the table, each in its own session"`
	Snapshot    string            `yaml:"snapshot" default:"shared" enum:"shared,per_reader" doc:"shared: every reader sees one point in time (fails where the database cannot); per_reader: each reader its own snapshot"`
	Incremental *IncrementalSpec  `yaml:"incremental" doc:"read only rows whose column is above the watermark of the last run"`
	ZeroDates   string            `yaml:"zero_dates" default:"reject" enum:"reject,null" enumalias:"=null" doc:"MySQL dates such as 0000-00-00: reject the row, or read them as NULL (zero_dates: null)"`
	Types       map[string]string `yaml:"types" doc:"override the type mapping by native type (\"tinyint(1)\": bool) or by column name (geom: string)" example:"{\"tinyint(1)\": bool}"`
}

// ChunkSpec is `chunk:`.
type ChunkSpec struct {
	Column string `yaml:"column" doc:"the column whose value ranges make the chunks; with commit: batch it should be unique (or be followed by the primary key)"`
	Rows   int    `yaml:"rows" default:"100000" min:"1" max:"100000000" doc:"rows per chunk (about: ranges of an integer column are this many values wide)"`
}

// IncrementalSpec is `incremental:`.
type IncrementalSpec struct {
	Column    string `yaml:"column,required" doc:"the column that grows with every change (updated_at, an increasing id)"`
	Initial   string `yaml:"initial" doc:"the watermark before the first run; empty: read everything the first time"`
	Inclusive bool   `yaml:"inclusive" doc:"also read rows equal to the watermark (use with mode: upsert)"`
}

// Check implements config.Checker.
func (s *Spec) Check(c *config.Check) {
	hasTable, hasQuery := strings.TrimSpace(s.Table) != "", strings.TrimSpace(s.Query) != ""
	switch {
	case hasTable && hasQuery:
		c.Errorf("query", "give table or query, not both")
	case !hasTable && !hasQuery:
		c.Errorf("", "missing table (or query): what to read, e.g. table: grid.residents")
	}
	d, ok := CheckSource(c, s.Driver, s.DSN)
	if !ok {
		return
	}
	if hasTable {
		if _, err := d.ParseTable(s.Table); err != nil {
			c.Errorf("table", "%v", err)
		}
	}
	if hasQuery && s.Chunk != nil && s.Chunk.Column == "" {
		c.Errorf("chunk", "a query is chunked by the column you name: chunk: {column: id}")
	}
	seen := map[string]int{}
	for i, name := range s.Columns {
		switch first, dup := seen[name]; {
		case strings.TrimSpace(name) == "":
			c.ErrorfAt(c.Item("columns", i), "column name must not be empty")
		case dup:
			c.ErrorfAt(c.Item("columns", i), "duplicate column name %q (also columns[%d])", name, first)
		}
		seen[name] = i
	}
	if n := c.Node("columns"); n != nil && len(s.Columns) == 0 {
		c.Errorf("columns", "columns must list at least one name (leave it out to read every column)")
	}
	for k, v := range s.Types {
		if _, err := xcetl.ParseType(v); err != nil {
			c.Errorf("types", "%s: %v", k, err)
		}
	}
	if s.Incremental != nil && strings.TrimSpace(s.Incremental.Column) == "" {
		c.Errorf("incremental", "incremental.column must name the column that grows with every change, e.g. updated_at")
	}
}

// CheckSource checks the `driver:` and `dsn:` keys of a spec at c (the sql
// source's, a migration's source) without connecting, and returns the
// driver's source dialect; ok is false when the binary has no such driver.
func CheckSource(c *config.Check, driver string, dsn xcetl.Secret) (d dialects.SourceDialect, ok bool) {
	d, ok = dialects.LookupSource(driver)
	if !ok {
		if driver != "" && len(dialects.SourceNames()) > 0 {
			c.Errorf("driver", "driver %s is not in this binary (have: %s)", driver, strings.Join(dialects.SourceNames(), ", "))
		}
		return nil, false
	}
	if dsn.IsZero() {
		c.Errorf("dsn", "dsn is empty (is the variable it comes from set?)")
	} else if err := d.CheckDSN(dsn.Reveal()); err != nil {
		c.Errorf("dsn", "%s: %v", driver, err)
	}
	return d, true
}

// override returns the pipeline's type for a column: by column name (exact)
// first, then by its full native type, then by its native type without
// arguments (both ignoring case).
func (s *Spec) override(col dialects.SourceColumn) (*xcetl.Type, error) {
	native := strings.ToLower(strings.TrimSpace(col.NativeType))
	base, _, _ := strings.Cut(native, "(")
	key, ok := "", false
	if _, ok = s.Types[col.Name]; ok {
		key = col.Name
	}
	for _, want := range []string{native, strings.TrimSpace(base)} {
		for k := range s.Types {
			if !ok && strings.ToLower(strings.TrimSpace(k)) == want {
				key, ok = k, true
			}
		}
	}
	if !ok {
		return nil, nil
	}
	t, err := xcetl.ParseType(s.Types[key])
	if err != nil {
		return nil, fmt.Errorf("types: %s: %w", key, err)
	}
	return &t, nil
}
