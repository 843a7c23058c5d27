package pgfamily

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl/dialects"
)

// `replace_method: swap` (mode replace, where Config.SwapReplace allows it)
// replaces the table without ever making its readers wait for the load.
// TRUNCATE (the default method) takes an ACCESS EXCLUSIVE lock that is held
// until the run commits: every reader waits for the whole load. Swap
// instead, inside the run's one transaction:
//
//  1. once at start: CREATE TABLE new (LIKE t INCLUDING ALL) in t's
//     schema — columns, defaults, NOT NULL and CHECK constraints, indexes
//     (primary key and unique ones too), storage, statistics and the
//     comments on columns — then t's own comment, and every privilege on t
//     that roles other than its owner hold is granted on new as well;
//  2. per batch: COPY into new (readers go on reading t's old rows);
//  3. before COMMIT: SAVEPOINT; SET LOCAL lock_timeout; ALTER TABLE t
//     RENAME TO old; ALTER TABLE new RENAME TO t; DROP TABLE old; the
//     indexes of new get the names t's had; RELEASE SAVEPOINT. The lock
//     these statements need is held only from the swap to the COMMIT that
//     follows at once. If a reader holds t longer than swapLockWait (a long
//     report), the attempt is undone (ROLLBACK TO SAVEPOINT), so that
//     readers queued behind it never wait longer than that, and tried again
//     after a pause, for up to swapPatience; then the run fails and rolls
//     back, leaving t as it was.
//
// Readers see the old rows until the COMMIT, the new ones after it, never
// a partial table. What the new table cannot carry over is refused before
// anything is loaded, naming it: views and other tables' foreign keys
// depending on t (they would follow the old table), triggers, row-level
// security policies, identity columns and sequences owned by t (the DROP
// would take the sequence), partitioned tables, and a table owned by
// another role than the one xcetl connects as (the new table would change
// owner).
const optReplaceMethod = "replace_method"

// Swap timing (variables for tests).
var (
	swapLockWait = 200 * time.Millisecond
	swapPatience = 10 * time.Minute
)

// swapPlan holds the statements of a swap.
type swapPlan struct {
	name    string // t's name, unquoted
	table   string // quoted t
	newName string // the new table's name, unquoted
	newQ    string // quoted, schema-qualified
	oldName string
	oldQ    string
	create  string
	regT    string // t as a regclass literal
	regNew  string
	schema  string // quoted schema prefix ("" or `"s".`)
}

// swapName shortens prefix+name to the identifier limit.
func swapName(prefix, name string) string {
	out := prefix + name
	for len(out) > MaxIdentBytes {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	return out
}

func (d *Dialect) swapPlan(t dialects.Target) *swapPlan {
	s := &swapPlan{name: t.Table.Name, table: dialects.QualifiedName(d, t.Table)}
	s.newName, s.oldName = swapName("xcetl_new_", t.Table.Name), swapName("xcetl_old_", t.Table.Name)
	nt, ot := t.Table, t.Table
	nt.Name, ot.Name = s.newName, s.oldName
	s.newQ, s.oldQ = dialects.QualifiedName(d, nt), dialects.QualifiedName(d, ot)
	if t.Table.Schema != "" {
		s.schema = d.Quote(t.Table.Schema) + "."
	}
	s.create = "CREATE TABLE " + s.newQ + " (LIKE " + s.table + " INCLUDING ALL)"
	s.regT, s.regNew = quoteLiteral(s.table), quoteLiteral(s.newQ)
	return s
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// swapChecksSQL lists what a swap cannot carry over, one text per kind
// (NULL when there is none).
const swapChecksSQL = `SELECT
 (SELECT string_agg(DISTINCT v.oid::regclass::text, ', ') FROM pg_depend dep
    JOIN pg_rewrite w ON dep.classid = 'pg_rewrite'::regclass AND w.oid = dep.objid
    JOIN pg_class v ON v.oid = w.ev_class
  WHERE dep.refobjid = $1::text::regclass AND v.oid <> $1::text::regclass),
 (SELECT string_agg(conrelid::regclass::text, ', ') FROM pg_constraint WHERE confrelid = $1::text::regclass AND contype = 'f' AND conrelid <> $1::text::regclass),
 (SELECT string_agg(tgname, ', ') FROM pg_trigger WHERE tgrelid = $1::text::regclass AND NOT tgisinternal),
 (SELECT CASE WHEN c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) THEN 'on' END FROM pg_class c WHERE c.oid = $1::text::regclass),
 (SELECT string_agg(a.attname, ', ') FROM pg_attribute a WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped
    AND (a.attidentity <> '' OR pg_get_serial_sequence($1::text, a.attname) IS NOT NULL)),
 (SELECT CASE WHEN c.relkind = 'p' THEN 'partitioned' END FROM pg_class c WHERE c.oid = $1::text::regclass),
 (SELECT CASE WHEN pg_get_userbyid(c.relowner) <> current_user THEN pg_get_userbyid(c.relowner) END FROM pg_class c WHERE c.oid = $1::text::regclass)`

var swapRefusals = [...]string{
	"views depend on it (they would keep showing the old table): %s",
	"other tables' foreign keys reference it: %s",
	"it has triggers, which the new table would not have: %s",
	"it has row-level security (%s), which the new table would not have",
	"it has identity or serial columns, whose sequences belong to the old table: %s",
	"it is %s",
	"it belongs to role %s, and the new table would belong to the role xcetl connects as",
}

// swapGrantsSQL lists the privileges other roles hold on the table.
const swapGrantsSQL = `SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.is_grantable::text
FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
WHERE c.oid = $1::text::regclass AND a.grantee <> c.relowner
ORDER BY 2, 1`

// swapCommentSQL reads the table's own comment (LIKE copies only those of
// columns, constraints and indexes).
const swapCommentSQL = `SELECT obj_description($1::text::regclass, 'pg_class')`

// swapIndexesSQL lists a table's indexes with what identifies one across
// the copy: primary, unique, and the definition after USING.
const swapIndexesSQL = `SELECT i.relname, x.indisprimary::text, x.indisunique::text, regexp_replace(pg_get_indexdef(x.indexrelid), '^.* USING ', '')
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::text::regclass ORDER BY i.relname`

func (s *swapPlan) statements() []dialects.Statement {
	return []dialects.Statement{
		{When: "once at start (replace_method swap: checks that the table has no dependent views, foreign keys from other tables, triggers, row-level security, identity or serial columns, partitions or other owner)", SQL: swapChecksSQL},
		{When: "once at start: the new table, in the run's transaction (readers keep reading the old one)", SQL: s.create},
		{When: "once at start: the privileges of other roles on the table, granted on the new table too (GRANT … ON " + s.newQ + " TO …)", SQL: swapGrantsSQL},
		{When: fmt.Sprintf("at end, before COMMIT: the swap (each attempt waits at most %s for readers, undone and tried again for up to %s)", swapLockWait, swapPatience),
			SQL: strings.Join([]string{"SAVEPOINT xcetl_swap", fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", swapLockWait.Milliseconds()),
				"ALTER TABLE " + s.table + " RENAME TO " + quoteIdent(s.oldName), "ALTER TABLE " + s.newQ + " RENAME TO " + quoteIdent(s.name),
				"DROP TABLE " + s.oldQ, "-- ALTER INDEX … RENAME TO <the old table's index names>", "RELEASE SAVEPOINT xcetl_swap"}, ";\n")},
	}
}

func quoteIdent(s string) string { return dialects.QuoteDouble(s) }

// prepareSwap refuses a table a swap cannot carry over, then creates the
// new table with the old one's grants.
func (w *writer) prepareSwap(ctx context.Context, t dialects.Target) error {
	s := w.p.swap
	rows, err := w.s.Query(ctx, swapChecksSQL, s.table)
	if err != nil {
		return fmt.Errorf("replace_method swap: check %s: %w", t.Table, err)
	}
	var why []string
	for i, v := range rows[0] {
		if v != nil && fmt.Sprint(v) != "" {
			why = append(why, fmt.Sprintf(swapRefusals[i], v))
		}
	}
	if len(why) > 0 {
		return fmt.Errorf("replace_method swap cannot replace %s: %s; use replace_method: truncate (readers then wait for the run) or change the table", t.Table, strings.Join(why, "; "))
	}
	grants, err := w.s.Query(ctx, swapGrantsSQL, s.table)
	if err != nil {
		return fmt.Errorf("replace_method swap: read the grants on %s: %w", t.Table, err)
	}
	if err := w.s.Exec(ctx, s.create); err != nil {
		return fmt.Errorf("replace_method swap: create %s: %w", s.newQ, err)
	}
	if c, err := w.s.Query(ctx, swapCommentSQL, s.table); err != nil {
		return fmt.Errorf("replace_method swap: read the comment on %s: %w", t.Table, err)
	} else if len(c) == 1 && c[0][0] != nil {
		if err := w.s.Exec(ctx, "COMMENT ON TABLE "+s.newQ+" IS "+quoteLiteral(fmt.Sprint(c[0][0]))); err != nil {
			return fmt.Errorf("replace_method swap: copy the comment on %s: %w", t.Table, err)
		}
	}
	for _, g := range grants {
		q := fmt.Sprintf("GRANT %s ON %s TO %s", g[0], s.newQ, g[1])
		if fmt.Sprint(g[2]) == "true" {
			q += " WITH GRANT OPTION"
		}
		if err := w.s.Exec(ctx, q); err != nil {
			return fmt.Errorf("replace_method swap: copy the grants of %s: %w", t.Table, err)
		}
	}
	return nil
}

// Finish implements dialects.Finisher: the swap, before the run commits.
func (w *writer) Finish(ctx context.Context) error {
	s := w.p.swap
	if s == nil {
		return nil
	}
	deadline := time.Now().Add(swapPatience)
	for attempt := 1; ; attempt++ {
		err := w.swapOnce(ctx)
		if err == nil {
			return nil
		}
		if pe := pgError(err); pe == nil || pe.Code != "55P03" || time.Now().After(deadline) {
			return fmt.Errorf("replace_method swap: %w", err)
		}
		if rerr := w.s.Exec(ctx, "ROLLBACK TO SAVEPOINT xcetl_swap"); rerr != nil {
			return fmt.Errorf("replace_method swap: %w", rerr)
		}
		if attempt%25 == 1 {
			w.s.logger().Warn("replace_method swap: readers hold the table; trying again", "table", s.table, "attempt", attempt)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(swapLockWait):
		}
	}
}

func (w *writer) swapOnce(ctx context.Context) error {
	s := w.p.swap
	oldIdx, err := w.s.Query(ctx, swapIndexesSQL, s.table)
	if err != nil {
		return err
	}
	newIdx, err := w.s.Query(ctx, swapIndexesSQL, s.newQ)
	if err != nil {
		return err
	}
	for _, q := range []string{"SAVEPOINT xcetl_swap", fmt.Sprintf("SET LOCAL lock_timeout = '%dms'", swapLockWait.Milliseconds()),
		"ALTER TABLE " + s.table + " RENAME TO " + quoteIdent(s.oldName),
		"ALTER TABLE " + s.newQ + " RENAME TO " + quoteIdent(s.name),
		"DROP TABLE " + s.oldQ} {
		if err := w.s.Exec(ctx, q); err != nil {
			return err
		}
	}
	// The copied indexes got generated names; give them the old ones,
	// free now, matching by kind and definition.
	used := make([]bool, len(oldIdx))
	for _, ni := range newIdx {
		for k, oi := range oldIdx {
			if used[k] || fmt.Sprint(oi[1], oi[2], oi[3]) != fmt.Sprint(ni[1], ni[2], ni[3]) {
				continue
			}
			used[k] = true
			if oi[0] != ni[0] {
				if err := w.s.Exec(ctx, "ALTER INDEX "+s.schema+quoteIdent(fmt.Sprint(ni[0]))+" RENAME TO "+quoteIdent(fmt.Sprint(oi[0]))); err != nil {
					return err
				}
			}
			break
		}
	}
	return w.s.Exec(ctx, "RELEASE SAVEPOINT xcetl_swap")
}
