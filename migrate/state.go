package migrate

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// The migration's own state lives in the target, in the table
// xcetl_migrations (folded by the target), one row per (migration, table):
// "loading" once the table is created (or an empty existing one adopted),
// "complete" in the transaction of the table's post-data DDL. A rerun skips
// complete tables and resumes the loading ones by their pipelines' chunk
// state; it never creates or drops a table that is loading.

// Table states.
const (
	stateLoading  = "loading"
	stateComplete = "complete"
	// fkRow is the table_name of the foreign keys' row.
	fkRow = "*foreign keys*"
)

// target is the migration's DDL and state session on the target, shared by
// the table workers under mu.
type target struct {
	mu        sync.Mutex
	d         dialects.Dialect
	c         dialects.Conn
	t         dialects.Table
	migration string
	// ddlCommits: DDL commits the open transaction (DM8): DDL then runs
	// outside one.
	ddlCommits bool
}

func openTarget(ctx context.Context, d dialects.Dialect, dsn string, env dialects.Env, migration string) (*target, error) {
	c, err := d.Open(ctx, dsn, env)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", d.Name(), err)
	}
	tg := &target{d: d, c: c, t: dialects.Table{Name: d.Fold("xcetl_migrations")}, migration: migration}
	if ac, ok := c.(dialects.DDLAutoCommitter); ok && ac.DDLCommits() {
		tg.ddlCommits = true
	}
	info, err := c.Describe(ctx, tg.t)
	if err == nil && info == nil {
		err = tg.createState(ctx)
	}
	if err != nil {
		_ = c.Close(ctx)
		return nil, fmt.Errorf("target %s: state table %s: %w", d.Name(), tg.t, err)
	}
	return tg, nil
}

func (tg *target) createState(ctx context.Context) error {
	str := func(n int) xcetl.Type { return xcetl.Type{Kind: xcetl.KindString, Precision: n} }
	cols := []dialects.Column{
		{Name: tg.d.Fold("migration"), Type: str(64)},
		{Name: tg.d.Fold("table_name"), Type: str(255)},
		{Name: tg.d.Fold("status"), Type: str(16)},
		{Name: tg.d.Fold("rows_loaded"), Type: xcetl.Type{Kind: xcetl.KindInt}},
		{Name: tg.d.Fold("updated_at"), Type: str(40)},
	}
	sql, err := tg.d.CreateTable(tg.t, cols, []string{cols[0].Name, cols[1].Name})
	if err != nil {
		return err
	}
	return tg.c.Exec(ctx, sql)
}

func (tg *target) close(ctx context.Context) { _ = tg.c.Close(ctx) }

func (tg *target) col(name string) string { return tg.d.Quote(tg.d.Fold(name)) }

// status returns the state of a source table ("" for none).
func (tg *target) status(ctx context.Context, table string) (string, error) {
	q := "SELECT " + tg.col("status") + " FROM " + dialects.QualifiedName(tg.d, tg.t) +
		" WHERE " + tg.col("migration") + " = " + tg.d.Placeholder(1) + " AND " + tg.col("table_name") + " = " + tg.d.Placeholder(2)
	rows, err := tg.c.Query(ctx, q, tg.migration, table)
	if err != nil || len(rows) == 0 {
		return "", err
	}
	switch v := rows[0][0].(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	}
	return fmt.Sprint(rows[0][0]), nil
}

// setStatus records the state of a table, in the transaction open on the
// session if any.
func (tg *target) setStatus(ctx context.Context, table, status string, rows int64) error {
	name := dialects.QualifiedName(tg.d, tg.t)
	p := tg.d.Placeholder
	del := "DELETE FROM " + name + " WHERE " + tg.col("migration") + " = " + p(1) + " AND " + tg.col("table_name") + " = " + p(2)
	if err := tg.c.Exec(ctx, del, tg.migration, table); err != nil {
		return err
	}
	ins := "INSERT INTO " + name + " (" + strings.Join([]string{tg.col("migration"), tg.col("table_name"), tg.col("status"), tg.col("rows_loaded"), tg.col("updated_at")}, ", ") +
		") VALUES (" + p(1) + ", " + p(2) + ", " + p(3) + ", " + p(4) + ", " + p(5) + ")"
	return tg.c.Exec(ctx, ins, tg.migration, table, status, rows, time.Now().UTC().Format(time.RFC3339))
}

// inTx runs fn in one transaction where DDL can be part of one; on DM8
// (DDL commits) the statements run one by one and the state row last.
func (tg *target) inTx(ctx context.Context, fn func() error) error {
	if tg.ddlCommits {
		return fn()
	}
	if err := tg.c.Begin(ctx); err != nil {
		return err
	}
	if err := fn(); err != nil {
		_ = tg.c.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return tg.c.Commit(ctx)
}

func (tg *target) exec(ctx context.Context, stmts []dialects.Statement) error {
	for _, s := range stmts {
		if err := tg.c.Exec(ctx, s.SQL); err != nil {
			return fmt.Errorf("%w\n  statement: %s", err, s.SQL)
		}
	}
	return nil
}

// prepare makes the table ready for its load: created (with its state row
// "loading") when missing, resumed when loading, adopted when it exists
// empty; a table with rows and no state is refused.
func (tg *target) prepare(ctx context.Context, tp *TablePlan) (resumed bool, err error) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	name := tp.Source.Table.Name
	st, err := tg.status(ctx, name)
	if err != nil {
		return false, err
	}
	info, err := tg.c.Describe(ctx, tp.Target)
	if err != nil {
		return false, err
	}
	switch {
	case info == nil:
		return false, tg.inTx(ctx, func() error {
			if err := tg.exec(ctx, tp.DDL.Create); err != nil {
				return err
			}
			return tg.setStatus(ctx, name, stateLoading, 0)
		})
	case st == stateLoading:
		return true, nil
	}
	rows, err := tg.c.Query(ctx, "SELECT COUNT(*) FROM "+dialects.QualifiedName(tg.d, tp.Target))
	if err != nil {
		return false, err
	}
	if len(rows) == 1 && fmt.Sprint(rows[0][0]) != "0" {
		return false, fmt.Errorf("target table %s exists and holds rows, but this migration did not create it: drop it, or leave the table out (overrides: {%s: {skip: true}})", tp.Target, name)
	}
	return false, tg.inTx(ctx, func() error { return tg.setStatus(ctx, name, stateLoading, 0) })
}

// finish runs the table's post-data DDL and records it complete, in one
// transaction where the database allows.
func (tg *target) finish(ctx context.Context, tp *TablePlan, rows int64) error {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.inTx(ctx, func() error {
		if err := tg.exec(ctx, tp.DDL.After); err != nil {
			return err
		}
		return tg.setStatus(ctx, tp.Source.Table.Name, stateComplete, rows)
	})
}
