package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/dialects"
)

// newSQLTarget builds the SQL loader of dialect d from its target mapping
// (without `type`): mode cdc gets the loader of change events.
func newSQLTarget(d dialects.Dialect, n *config.Node, env Env) (Loader, error) {
	l, err := NewSQL(d, n, env)
	if err != nil {
		return nil, err
	}
	return l.withMode(), nil
}

// buildSQLTarget builds the SQL loader of dialect d from a spec built in
// Go (a SQLSpec or *SQLSpec).
func buildSQLTarget(d dialects.Dialect, spec any, path string, env Env) (Loader, error) {
	s, err := goSQLSpec(d, spec, path)
	if err != nil {
		return nil, err
	}
	if s.DSN.IsZero() && env.DB == nil {
		return nil, xcetl.SpecErrors{{Path: path, Msg: "missing required key \"dsn\" (or give the pipeline a connection pool: WithTargetDB)"}}
	}
	st, errs := newSettings(d, s, nil, path)
	if errs != nil {
		return nil, errs
	}
	return newSQL(d, st, env).withMode(), nil
}

func (l *SQL) withMode() Loader {
	if l.s.mode == dialects.CDC {
		return newCDC(l) // cdc.go: change events of any number of tables
	}
	return l
}

// SQL is the loader of every SQL dialect. It owns what is the same for all
// databases — config, name resolution, the commit policy, rejects of rows
// the target cannot take, picking the last row of each key — and leaves
// everything that differs to its dialects.Dialect.
type SQL struct {
	d   dialects.Dialect
	s   *settings
	env Env
	log *slog.Logger

	// Set by Open.
	schema    *xcetl.Schema
	conn      dialects.Conn
	w         dialects.Writer
	target    dialects.Target
	keyIdx    []int // key columns' positions in the schema
	notNull   []int // positions of columns the table declares NOT NULL
	emptyNull string
	stateSQL  stateSQL // the state table's statements, made once (state.go)
	inTx      bool     // the run's transaction is open (commit: run), or a group's (commit_every)
	grouped   int      // batches written in the open group's transaction
	dropTable string   // DROP TABLE to run on Rollback (DDL that auto-commits)
	batches   int
	def       *deferred // commit: run with a writer that holds work back (sql_defer.go)
}

var (
	_ Loader      = (*SQL)(nil)
	_ Explainer   = (*SQL)(nil)
	_ Describer   = (*SQL)(nil)
	_ Preflighter = (*SQL)(nil)
)

// Preflight implements Preflighter: a dialect whose driver is not linked
// into this binary (dialects.DriverChecker) fails here, before the run
// reads anything.
func (l *SQL) Preflight() error {
	if dc, ok := l.d.(dialects.DriverChecker); ok {
		if err := dc.CheckDriver(); err != nil {
			return l.errorf("%w", err)
		}
	}
	return nil
}

// NewSQL builds the SQL loader for dialect d from a `target:` mapping (its
// `type` is ignored), checking everything it can without connecting.
// Library users can pass a dialect that is not registered
// (kingbase.WithMode, a dialect of their own).
func NewSQL(d dialects.Dialect, n *config.Node, env Env) (*SQL, error) {
	s, err := parseSQLConfig(d, config.Without(n, "type"), env.DB != nil)
	if err != nil {
		return nil, err
	}
	return newSQL(d, s, env), nil
}

func newSQL(d dialects.Dialect, s *settings, env Env) *SQL {
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SQL{d: d, s: s, env: env, log: log}
}

// BatchSize implements BatchPolicy: target.batch_size.
func (l *SQL) BatchSize() int { return l.s.batchSize }

// CommitsPerBatch implements BatchPolicy: commit: batch (mode cdc always).
func (l *SQL) CommitsPerBatch() bool { return l.s.perBatch }

func (l *SQL) errorf(format string, args ...any) error {
	return Errorf(l.s.table.String(), format, args...)
}

// Describe implements Describer.
func (l *SQL) Describe() string {
	commit := "run"
	if l.s.perBatch {
		commit = "batch"
	}
	desc := fmt.Sprintf("%s %s table %s, mode %s", l.d.Name(), xcetl.RedactDSN(l.s.dsn.Reveal()), l.s.table, l.s.mode)
	if len(l.s.key) > 0 {
		desc += " by key (" + strings.Join(l.s.key, ", ") + ")"
	}
	return desc + ", commit per " + commit
}

// checkSchema checks the pipeline's columns against the target settings.
func (l *SQL) checkSchema(schema *xcetl.Schema) ([]int, error) {
	if schema == nil || len(schema.Columns) == 0 {
		return nil, l.errorf("the pipeline has no columns to load")
	}
	seen := map[string]bool{}
	for _, c := range schema.Columns {
		if seen[c.Name] {
			return nil, l.errorf("the pipeline has two columns named %q", c.Name)
		}
		seen[c.Name] = true
	}
	var idx []int
	for _, k := range l.s.key {
		i := schema.Index(k)
		if i < 0 {
			return nil, l.errorf("key column %q is not a column of the pipeline%s; columns: %s", k, xcetl.DidYouMean(k, schema.Names()), strings.Join(schema.Names(), ", "))
		}
		idx = append(idx, i)
	}
	return idx, nil
}

// createTarget returns the target as xcetl would create it: folded names.
func (l *SQL) createTarget(schema *xcetl.Schema) (dialects.Target, error) {
	t := dialects.Target{Table: l.foldTable(), Mode: l.s.mode, Options: l.s.options, Pipeline: l.env.Pipeline, Defer: l.defers()}
	byFolded := map[string]string{}
	isKey := map[string]bool{}
	for _, k := range l.s.key {
		isKey[k] = true
	}
	for _, c := range schema.Columns {
		name := l.d.Fold(c.Name)
		if err := l.d.CheckIdent(name); err != nil {
			return t, l.errorf("column %q: %w", c.Name, err)
		}
		if prev, dup := byFolded[name]; dup {
			return t, l.errorf("columns %q and %q would both be created as %s", prev, c.Name, l.d.Quote(name))
		}
		byFolded[name] = c.Name
		t.Columns = append(t.Columns, dialects.Column{Name: name, Type: c.Type, Nullable: c.Nullable && !isKey[c.Name]})
	}
	for _, k := range l.s.key {
		t.Key = append(t.Key, l.d.Fold(k))
	}
	return t, nil
}

func (l *SQL) foldTable() dialects.Table {
	t := l.s.table
	if !t.SchemaQuoted {
		t.Schema = l.d.Fold(t.Schema)
	}
	if !t.NameQuoted {
		t.Name = l.d.Fold(t.Name)
	}
	return t
}

// Explain implements Explainer: the statements of a run, computed without
// connecting, with the names a created table would have.
func (l *SQL) Explain(schema *xcetl.Schema) ([]Statement, error) {
	if _, err := l.checkSchema(schema); err != nil {
		return nil, err
	}
	t, err := l.createTarget(schema)
	if err != nil {
		return nil, err
	}
	out, err := l.explainState()
	if err != nil {
		return nil, err
	}
	// A dialect whose DDL commits implicitly creates the table before the
	// transaction (see open).
	ddlCommits := false
	if a, ok := l.d.(dialects.DDLAutoCommitter); ok {
		ddlCommits = a.DDLCommits()
	}
	if l.s.create && ddlCommits {
		ddl, err := l.d.CreateTable(t.Table, t.Columns, t.Key)
		if err != nil {
			return nil, l.errorf("%w", err)
		}
		when := "once at start, if the table does not exist, before BEGIN (DDL commits implicitly here; the table is dropped again if the run fails)"
		if l.s.perBatch {
			when = "once at start, if the table does not exist, before BEGIN (DDL commits implicitly here; the table stays if the run fails, with the batches that committed)"
		}
		out = append(out, Statement{When: when, SQL: ddl})
	}
	if !l.s.perBatch {
		out = append(out, Statement{When: "once at start (commit: run — the whole run is one transaction)", SQL: "BEGIN"})
	}
	if l.s.create && !ddlCommits {
		ddl, err := l.d.CreateTable(t.Table, t.Columns, t.Key)
		if err != nil {
			return nil, l.errorf("%w", err)
		}
		out = append(out, Statement{When: "once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)", SQL: ddl})
	}
	stmts, err := l.d.Explain(t)
	if err != nil {
		return nil, l.errorf("%w", err)
	}
	begin, commit := "per batch (commit: batch — each batch is its own transaction)", "per batch, last (ROLLBACK instead if the batch fails)"
	if n := l.s.commitEvery; n > 1 {
		begin = fmt.Sprintf("per %d batches (commit: batch, commit_every: %d — they share one transaction)", n, n)
		commit = fmt.Sprintf("after every %d batches, and at end (ROLLBACK instead if one of them fails)", n)
	}
	perBatchOpen := false
	for _, s := range stmts {
		if l.s.perBatch && !perBatchOpen && strings.HasPrefix(s.When, "per batch") {
			out = append(out, Statement{When: begin, SQL: "BEGIN"})
			perBatchOpen = true
		}
		out = append(out, Statement{When: s.When, SQL: s.SQL})
	}
	if l.s.perBatch {
		out = append(out, Statement{When: commit, SQL: "COMMIT"})
	} else {
		out = append(out, Statement{When: "at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)", SQL: "COMMIT"})
	}
	return out, nil
}

// Open implements Loader.
func (l *SQL) Open(ctx context.Context, schema *xcetl.Schema) error {
	keyIdx, err := l.checkSchema(schema)
	if err != nil {
		return err
	}
	l.schema, l.keyIdx = schema, keyIdx
	if err := l.Preflight(); err != nil {
		return err
	}
	conn, err := l.connect(ctx)
	if err != nil {
		if errors.Is(err, xcetl.ErrConnect) {
			return err // the root cause, first
		}
		return l.errorf("%w", err)
	}
	l.conn = conn
	if err := l.open(ctx); err != nil {
		if l.inTx || l.dropTable != "" {
			if rbErr := l.Rollback(ctx); rbErr != nil {
				err = errors.Join(err, rbErr)
			}
		}
		return err
	}
	return nil
}

func (l *SQL) open(ctx context.Context) error {
	info, table, err := l.resolveTable(ctx)
	if err != nil {
		return err
	}
	var create string
	if info == nil {
		if !l.s.create {
			return l.errorf("table does not exist (create: never); create it or set create: if_missing")
		}
		l.target, err = l.createTarget(l.schema)
		if err != nil {
			return err
		}
		if tc, ok := l.conn.(dialects.TableCreator); ok {
			create, err = tc.CreateTable(l.target.Table, l.target.Columns, l.target.Key)
		} else {
			create, err = l.d.CreateTable(l.target.Table, l.target.Columns, l.target.Key)
		}
		if err != nil {
			return l.errorf("%w", err)
		}
	} else {
		if l.target, err = l.matchTable(table, info); err != nil {
			return err
		}
	}
	ddlCommits := false
	if a, ok := l.conn.(dialects.DDLAutoCommitter); ok {
		ddlCommits = a.DDLCommits()
	}
	if create != "" && ddlCommits {
		if create, err = l.createTable(ctx, create); err != nil {
			return err
		}
		// With commit: run a failed run leaves no table behind. With
		// commit: batch the table keeps the batches that committed, whose
		// checkpoints a rerun resumes after: dropping it would lose them.
		if create != "" && !l.s.perBatch {
			l.dropTable = "DROP TABLE " + dialects.QualifiedName(l.d, l.target.Table)
		}
	}
	if l.env.State {
		if err := l.ensureStateTable(ctx); err != nil {
			return err
		}
	}
	if !l.s.perBatch {
		if err := l.conn.Begin(ctx); err != nil {
			return l.errorf("begin: %w", err)
		}
		l.inTx = true
	}
	if create != "" && !ddlCommits {
		if create, err = l.createTable(ctx, create); err != nil {
			return err
		}
	}
	if create != "" {
		l.log.Info("created table", "table", l.target.Table.String(), "dialect", l.d.Name())
	}
	l.target.Created = create != ""
	if l.w, err = l.conn.NewWriter(ctx, l.target); err != nil {
		return l.errorf("%w", err)
	}
	l.startDefer()
	if e, ok := l.conn.(dialects.EmptyStringNuller); ok {
		l.emptyNull = e.EmptyStringIsNull()
	}
	l.notNull = l.notNull[:0]
	for j, c := range l.target.Columns {
		if !c.Nullable {
			l.notNull = append(l.notNull, j)
		}
	}
	return nil
}

// createTable runs CREATE TABLE. When it fails because another run created
// the same table at the same moment (two pipelines loading one new table:
// the database makes the second CREATE wait for the first's transaction,
// then refuses it), the table the winner made is used instead, as if it had
// been there at the start: the run's transaction is begun again and the
// columns are matched. It returns create, or "" when the table was found.
func (l *SQL) createTable(ctx context.Context, create string) (string, error) {
	cerr := l.conn.Exec(ctx, create)
	if cerr == nil {
		return create, nil
	}
	wasInTx := l.inTx
	if wasInTx {
		// The failed statement aborted the transaction; nothing was done
		// in it yet.
		l.inTx = false
		if err := l.conn.Rollback(ctx); err != nil {
			return "", errors.Join(l.errorf("create table: %w", cerr), l.errorf("%w", err))
		}
	}
	info, err := l.conn.Describe(ctx, l.target.Table)
	if err != nil || info == nil {
		return "", l.errorf("create table: %w", cerr)
	}
	if l.target, err = l.matchTable(l.target.Table, info); err != nil {
		return "", err
	}
	l.log.Info("another run created the table at the same moment; loading into it", "table", l.target.Table.String())
	if wasInTx {
		if err := l.conn.Begin(ctx); err != nil {
			return "", l.errorf("begin: %w", err)
		}
		l.inTx = true
	}
	return "", nil
}

// resolveTable finds the table under its name as written, then, for
// unquoted parts, under the folded name. table is the name that was found,
// or the name to create.
func (l *SQL) resolveTable(ctx context.Context) (*dialects.TableInfo, dialects.Table, error) {
	exact := l.s.table
	info, err := l.conn.Describe(ctx, exact)
	if err != nil {
		return nil, exact, l.errorf("%w", err)
	}
	if info != nil {
		return info, exact, nil
	}
	folded := l.foldTable()
	if folded == exact {
		return nil, folded, nil
	}
	info, err = l.conn.Describe(ctx, folded)
	if err != nil {
		return nil, folded, l.errorf("%w", err)
	}
	return info, folded, nil
}

// matchTable maps the pipeline's columns to an existing table's: exactly
// first, then after folding the pipeline's name, then ignoring ASCII case
// when that is unambiguous.
func (l *SQL) matchTable(table dialects.Table, info *dialects.TableInfo) (dialects.Target, error) {
	t := dialects.Target{Table: table, Mode: l.s.mode, Options: l.s.options, Pipeline: l.env.Pipeline, Defer: l.defers()}
	names := make([]string, len(info.Columns))
	for i, c := range info.Columns {
		names[i] = c.Name
	}
	used := map[int]string{}
	var missing []string
	for _, pc := range l.schema.Columns {
		i := matchColumn(l.d, pc.Name, info.Columns)
		if i < 0 {
			missing = append(missing, fmt.Sprintf("%q%s", pc.Name, xcetl.DidYouMean(pc.Name, names)))
			continue
		}
		if prev, dup := used[i]; dup {
			return t, l.errorf("pipeline columns %q and %q both match table column %q", prev, pc.Name, info.Columns[i].Name)
		}
		used[i] = pc.Name
		t.Columns = append(t.Columns, dialects.Column{Name: info.Columns[i].Name, Type: pc.Type, Nullable: info.Columns[i].Nullable, Base: info.Columns[i].Base})
	}
	if len(missing) > 0 {
		cols := make([]string, len(info.Columns))
		for i, c := range info.Columns {
			cols[i] = c.Name + " " + c.Type
		}
		what := "column"
		if len(missing) > 1 {
			what = "columns"
		}
		return t, l.errorf("the table has no column for pipeline %s %s; the table's columns: %s (rename or drop the pipeline column, or alter the table)", what, strings.Join(missing, ", "), strings.Join(cols, ", "))
	}
	for _, k := range l.keyIdx {
		t.Key = append(t.Key, t.Columns[k].Name)
	}
	if (l.s.mode == dialects.Upsert || l.s.mode == dialects.CDC) && !sameSet(t.Key, info.PrimaryKey) && !anySameSet(t.Key, info.Unique) {
		l.log.Warn("the upsert key is neither the primary key nor a unique constraint of the table; the database may refuse the upsert or update several rows per key",
			"table", table.String(), "key", strings.Join(t.Key, ","), "primary_key", strings.Join(info.PrimaryKey, ","))
	}
	return t, nil
}

func matchColumn(d dialects.Dialect, name string, cols []dialects.CatalogColumn) int {
	for i, c := range cols {
		if c.Name == name {
			return i
		}
	}
	folded := d.Fold(name)
	for i, c := range cols {
		if c.Name == folded {
			return i
		}
	}
	found := -1
	for i, c := range cols {
		if strings.EqualFold(dialects.FoldLower(c.Name), dialects.FoldLower(name)) {
			if found >= 0 {
				return -1 // ambiguous: refuse to guess
			}
			found = i
		}
	}
	return found
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

func anySameSet(a []string, sets [][]string) bool {
	for _, s := range sets {
		if sameSet(a, s) {
			return true
		}
	}
	return false
}

// payload is what Prepare leaves in b.Payload.
type payload struct {
	// rows maps payload rows to batch rows; nil means one to one.
	rows []int
	n    int
	data any
	// keys hashes each payload row's key when an upsert is staged across
	// batches (sql_defer.go).
	keys []uint64
}

// Prepare implements Loader. It may run concurrently for different
// batches. Once the rows are encoded the batch lets go of their values
// (b.Rows keeps its length, each row nil): only the payload is written. It rejects rows the target cannot take (NULL key, NULL or — on
// servers that store the empty string as NULL — the empty string in a NOT NULL column, and what the
// dialect refuses), compacts the batch, and for upsert keeps only the last
// row of each key in the payload (the others stay in the batch: they are
// loaded, just overwritten within the batch).
func (l *SQL) Prepare(b *xcetl.Batch) error {
	if l.w == nil {
		return l.errorf("prepare called before a successful open")
	}
	if b.Schema != l.schema && !sameColumns(b.Schema, l.schema) {
		return l.errorf("batch columns (%s) differ from the columns the target was opened with (%s)", strings.Join(b.Schema.Names(), ", "), strings.Join(l.schema.Names(), ", "))
	}
	cols := l.schema.Columns
	if b.Ops != nil && len(b.Ops) != len(b.Rows) {
		return l.errorf("batch has %d operations for %d rows", len(b.Ops), len(b.Rows))
	}
	if b.Ops != nil && l.s.mode != dialects.CDC {
		for _, op := range b.Ops {
			if op != xcetl.OpInsert {
				return l.errorf("the source sends %s events; load them with mode: cdc (mode %s only inserts)", op, l.s.mode)
			}
		}
	}
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		if len(row) != len(cols) {
			return l.errorf("row %d has %d values for %d columns", i+1, len(row), len(cols))
		}
		l.checkRow(b, i, row)
	}
	b.Compact()
	if l.s.mode == dialects.CDC {
		return l.prepareCDC(b)
	}
	rows, data, err := l.encode(b)
	if errors.Is(err, dialects.ErrCheckRows) {
		if rc, ok := l.w.(dialects.RowChecker); ok {
			rc.CheckRows(b)
			b.Compact()
			rows, data, err = l.encode(b)
		}
	}
	if err != nil {
		return l.rowError("encode", b.Origin, len(b.Rows), rows, err)
	}
	n := len(b.Rows)
	if rows != nil {
		n = len(rows)
	}
	b.Payload = &payload{rows: rows, n: n, data: data, keys: l.keyHashes(b, rows)}
	// The payload holds the rows now, and the batch waits for its turn to
	// be written with a few others: without its values — often most of
	// it, every field boxed, and ciphertext five times the size of the
	// text — the live heap is smaller, and with GOGC=200 three times so.
	// b.Rows keeps its length (rows counted as written); a new slice, as
	// a caller may still hold the old one.
	b.Rows = make([][]any, len(b.Rows))
	return nil
}

// encode picks the rows to load (for upsert, the last of each key) and
// encodes them.
func (l *SQL) encode(b *xcetl.Batch) ([]int, any, error) {
	var rows []int
	if l.s.mode == dialects.Upsert {
		rows = lastOfEachKey(b.Rows, l.keyIdx)
	}
	data, err := l.w.Encode(b, rows)
	return rows, data, err
}

// defers reports whether the run lets its writer hold work back until
// Flush (dialects.Target.Defer): the whole run is one transaction, and the
// mode writes rows (cdc applies each batch as it comes).
func (l *SQL) defers() bool {
	return (!l.s.perBatch || l.s.commitEvery > 1) && l.s.mode != dialects.CDC
}

func (l *SQL) checkRow(b *xcetl.Batch, i int, row []any) {
	cols := l.schema.Columns
	for _, k := range l.keyIdx {
		if row[k] == nil {
			b.Reject(i, cols[k].Name, "key column "+cols[k].Name+" is NULL")
			return
		}
	}
	if b.Ops != nil && b.Ops[i] == xcetl.OpDelete {
		return // a delete needs its key only
	}
	for _, j := range l.notNull {
		switch v := row[j].(type) {
		case nil:
			b.Reject(i, cols[j].Name, fmt.Sprintf("column %s is NULL but table column %s is NOT NULL", cols[j].Name, l.d.Quote(l.target.Columns[j].Name)))
			return
		case string:
			if v == "" && l.emptyNull != "" {
				b.Reject(i, cols[j].Name, fmt.Sprintf("column %s is an empty string and table column %s is NOT NULL: %s", cols[j].Name, l.d.Quote(l.target.Columns[j].Name), l.emptyNull))
				return
			}
		}
	}
}

func sameColumns(a, b *xcetl.Schema) bool {
	if a == nil || b == nil || len(a.Columns) != len(b.Columns) {
		return false
	}
	for i := range a.Columns {
		if a.Columns[i].Name != b.Columns[i].Name || a.Columns[i].Type != b.Columns[i].Type {
			return false
		}
	}
	return true
}

// Write implements Loader.
func (l *SQL) Write(ctx context.Context, b *xcetl.Batch) (bool, error) {
	if l.w == nil {
		return false, l.errorf("write called before a successful open")
	}
	p, ok := b.Payload.(*payload)
	if !ok {
		if err := l.Prepare(b); err != nil {
			return false, err
		}
		p = b.Payload.(*payload)
	}
	b.Payload = nil
	l.batches++
	if l.def != nil && l.s.perBatch {
		return l.writeGrouped(ctx, b, p)
	}
	if l.def != nil {
		return false, l.writeDeferred(ctx, b, p)
	}
	if p.n == 0 && len(b.Checkpoints) == 0 {
		return l.s.perBatch, nil
	}
	write := func() error {
		if p.n > 0 {
			if err := l.w.Write(ctx, p.data); err != nil {
				return l.rowError("batch "+strconv.Itoa(l.batches), b.Origin, len(b.Rows), p.rows, err)
			}
		}
		// The source's state goes into the same transaction as the rows.
		return l.saveCheckpoints(ctx, b.Checkpoints)
	}
	if !l.s.perBatch {
		return false, write()
	}
	if err := l.conn.Begin(ctx); err != nil {
		return false, l.errorf("batch %d: begin: %w", l.batches, err)
	}
	if err := write(); err != nil {
		if rbErr := l.conn.Rollback(ctx); rbErr != nil {
			err = errors.Join(err, l.errorf("batch %d: %w", l.batches, rbErr))
		}
		return false, err
	}
	if err := l.conn.Commit(ctx); err != nil {
		return false, l.errorf("batch %d: %w", l.batches, err)
	}
	return true, nil
}

// writeGrouped is Write with commit: batch and commit_every > 1: the
// batches of a group share one transaction, in which the writer may hold
// work back as in a run that is one transaction (dialects.Target.Defer);
// the group's last batch flushes, saves the checkpoints and commits.
// Write reports the batch committed then, and the engine counts every
// batch of the group committed with it.
func (l *SQL) writeGrouped(ctx context.Context, b *xcetl.Batch, p *payload) (bool, error) {
	if !l.inTx {
		if err := l.conn.Begin(ctx); err != nil {
			return false, l.errorf("batch %d: begin: %w", l.batches, err)
		}
		l.inTx, l.grouped = true, 0
	}
	if err := l.writeDeferred(ctx, b, p); err != nil {
		return false, errors.Join(err, l.Rollback(context.WithoutCancel(ctx)))
	}
	if l.grouped++; l.grouped < l.s.commitEvery {
		return false, nil
	}
	if err := l.finishDeferred(ctx); err != nil {
		return false, errors.Join(err, l.Rollback(context.WithoutCancel(ctx)))
	}
	l.inTx = false
	if err := l.conn.Commit(ctx); err != nil {
		return false, l.errorf("batch %d: %w", l.batches, err)
	}
	return true, nil
}

// rowError names the source row of a dialect's RowError:
// `load t: batch 3 row 4031 (file a.csv line 4033): column "x": …`. origin
// and nrows are the batch's; rows maps payload rows to batch rows (nil:
// one to one).
func (l *SQL) rowError(what string, origin []xcetl.Origin, nrows int, rows []int, err error) error {
	var re *dialects.RowError
	if !errors.As(err, &re) {
		return l.errorf("%s: %w", what, err)
	}
	r := re.Row
	if rows != nil && r >= 0 && r < len(rows) {
		r = rows[r]
	}
	where := what
	if r >= 0 && r < nrows {
		where += " row " + strconv.Itoa(r+1)
		if r < len(origin) {
			if o := origin[r].String(); o != "" {
				where += " (" + o + ")"
			}
		}
	}
	if re.Column != "" {
		return l.errorf("%s: column %q: %w", where, re.Column, re.Err)
	}
	return l.errorf("%s: %w", where, re.Err)
}

// Commit implements Loader.
func (l *SQL) Commit(ctx context.Context) error {
	if !l.inTx {
		return nil
	}
	if l.def != nil {
		if err := l.finishDeferred(ctx); err != nil {
			return err
		}
	}
	if f, ok := l.w.(dialects.Finisher); ok {
		if err := f.Finish(ctx); err != nil {
			return errors.Join(l.errorf("%w", err), l.Rollback(context.WithoutCancel(ctx)))
		}
	}
	l.inTx = false
	if err := l.conn.Commit(ctx); err != nil {
		return l.errorf("%w", err)
	}
	l.dropTable = ""
	return nil
}

// Rollback implements Loader: with commit: run the table is left exactly as
// it was before the run; a table created by the run is gone.
func (l *SQL) Rollback(ctx context.Context) error {
	if l.conn == nil {
		return nil
	}
	var err error
	if l.inTx {
		l.inTx = false
		if e := l.conn.Rollback(ctx); e != nil {
			err = l.errorf("%w", e)
		}
	}
	if l.dropTable != "" {
		drop := l.dropTable
		l.dropTable = ""
		if e := l.conn.Exec(context.WithoutCancel(ctx), drop); e != nil {
			err = errors.Join(err, l.errorf("drop the table this run created: %w", e))
		}
	}
	return err
}

// Close implements Loader.
func (l *SQL) Close(ctx context.Context) error {
	if l.conn == nil {
		return nil
	}
	c := l.conn
	l.conn, l.w, l.def = nil, nil, nil
	if err := c.Close(ctx); err != nil {
		return l.errorf("close: %w", err)
	}
	return nil
}
