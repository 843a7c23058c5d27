package dm8

import (
	"fmt"
	"strings"

	"github.com/xcetl/xcetl/dialects"
)

// plan holds every statement shape of a writer; statements for n rows are
// rendered by the methods below.
type plan struct {
	d         dialect
	table     string   // quoted, qualified target
	cols      []string // table column names
	exprs     []string // bind expression per column, in VALUES
	selExprs  []string // bind expression per column, in SELECT … FROM DUAL
	key       []string
	keyIdx    []int // key columns' positions in cols
	mode      dialects.Mode
	prepared  bool // insert_method: prepared
	perStmt   int  // rows per INSERT / MERGE
	perDelete int  // keys per DELETE
	clear     string
	// identity is the IDENTITY column the pipeline writes ("" if none or
	// unknown); identityOn says whether SET IDENTITY_INSERT ON runs.
	identity   string
	identityOn bool
}

func (d dialect) plan(t dialects.Target) (*plan, error) {
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("dm8: table %s: no columns to write", t.Table)
	}
	opts := dialects.OptionsOf[Options](t.Options)
	p := &plan{d: d, table: dialects.QualifiedName(d, t.Table), mode: t.Mode, prepared: opts.InsertMethod == Prepared}
	for _, c := range t.Columns {
		p.cols = append(p.cols, c.Name)
		lob := isLOB(c.Base)
		if c.Base == "" {
			typ, _ := d.ColumnType(c.Type)
			lob = isLOB(typ)
		}
		p.exprs = append(p.exprs, bindExpr(c.Type.Kind, false, lob))
		p.selExprs = append(p.selExprs, bindExpr(c.Type.Kind, true, lob))
	}
	p.perStmt = min(opts.RowsPerStatement, MaxParams/len(p.cols))
	if p.perStmt < 1 {
		return nil, fmt.Errorf("dm8: table %s: %d columns exceed %d bind parameters per statement", t.Table, len(p.cols), MaxParams)
	}
	if p.prepared {
		p.perStmt = 1
	}
	switch t.Mode {
	case dialects.Append:
	case dialects.Replace:
		// Not TRUNCATE: it commits implicitly on DM8, and a failed run
		// would leave the table empty.
		p.clear = "DELETE FROM " + p.table
	case dialects.Upsert, dialects.CDC:
		if len(t.Key) == 0 {
			return nil, fmt.Errorf("dm8: %s into %s needs a key", t.Mode, t.Table)
		}
		p.key = t.Key
		for _, k := range t.Key {
			found := false
			for j, c := range p.cols {
				if c == k {
					p.keyIdx = append(p.keyIdx, j)
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("dm8: key column %q is not among the columns written", k)
			}
		}
		p.perDelete = min(opts.RowsPerStatement, MaxParams/len(t.Key))
		if p.prepared {
			p.perDelete = 1
		}
	default:
		return nil, fmt.Errorf("dm8: mode %s is not supported", t.Mode)
	}
	return p, nil
}

// identityStatement is SET IDENTITY_INSERT for the target table.
func (p *plan) identityStatement(on bool) string {
	if on {
		return "SET IDENTITY_INSERT " + p.table + " ON"
	}
	return "SET IDENTITY_INSERT " + p.table + " OFF"
}

// insert renders INSERT INTO t (cols) VALUES (…), … for n rows.
func (p *plan) insert(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + p.table + " (" + dialects.QuoteList(p.d, "", p.cols) + ") VALUES ")
	tuple := "(" + strings.Join(p.exprs, ", ") + ")"
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}

// merge renders the MERGE of n rows given as SELECT … FROM DUAL UNION ALL
// …. WHEN MATCHED comes before WHEN NOT MATCHED (DM8 requires that order);
// key columns are never updated, and with nothing but key columns (or only
// the IDENTITY column besides them, which DM8 cannot update) there is no
// WHEN MATCHED at all.
func (p *plan) merge(n int) string {
	var b strings.Builder
	b.WriteString("MERGE INTO " + p.table + " t\nUSING (")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString("\nUNION ALL ")
		}
		b.WriteString("SELECT ")
		for j, c := range p.cols {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.selExprs[j])
			if i == 0 {
				b.WriteString(" " + p.d.Quote(c))
			}
		}
		b.WriteString(" FROM DUAL")
	}
	b.WriteString(") s\nON (")
	isKey := map[string]bool{}
	for i, k := range p.key {
		isKey[k] = true
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString("t." + p.d.Quote(k) + " = s." + p.d.Quote(k))
	}
	b.WriteString(")")
	var set []string
	for _, c := range p.cols {
		if !isKey[c] && c != p.identity {
			set = append(set, p.d.Quote(c)+" = s."+p.d.Quote(c))
		}
	}
	if len(set) > 0 {
		b.WriteString("\nWHEN MATCHED THEN UPDATE SET " + strings.Join(set, ", "))
	}
	b.WriteString("\nWHEN NOT MATCHED THEN INSERT (" + dialects.QuoteList(p.d, "", p.cols) + ") VALUES (" + dialects.QuoteList(p.d, "s.", p.cols) + ")")
	return b.String()
}

// delete renders DELETE FROM t WHERE key IN (…) for n keys (mode cdc).
func (p *plan) delete(n int) string {
	var b strings.Builder
	b.WriteString("DELETE FROM " + p.table + " WHERE ")
	if len(p.key) == 1 {
		b.WriteString(p.d.Quote(p.key[0]) + " IN (")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.exprs[p.keyIdx[0]])
		}
		b.WriteString(")")
		return b.String()
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("(")
		for k, j := range p.keyIdx {
			if k > 0 {
				b.WriteString(" AND ")
			}
			b.WriteString(p.d.Quote(p.key[k]) + " = " + p.exprs[j])
		}
		b.WriteString(")")
	}
	return b.String()
}

// write returns the per-batch statement for n rows: INSERT or MERGE.
func (p *plan) write(n int) string {
	if p.mode == dialects.Upsert || p.mode == dialects.CDC {
		return p.merge(n)
	}
	return p.insert(n)
}

// Explain implements dialects.Dialect.
func (d dialect) Explain(t dialects.Target) ([]dialects.Statement, error) {
	p, err := d.plan(t)
	if err != nil {
		return nil, err
	}
	var out []dialects.Statement
	ident := dialects.OptionsOf[Options](t.Options).IdentityInsert
	if ident != "off" {
		when := "once at start, only if the pipeline writes the table's IDENTITY column (found in the catalog at connect)"
		if ident == "on" {
			when = "once at start (identity_insert: on)"
		}
		out = append(out, dialects.Statement{When: when, SQL: p.identityStatement(true)})
	}
	if p.clear != "" {
		out = append(out, dialects.Statement{When: "once at start (replace: DELETE, not TRUNCATE, which commits implicitly on DM8: the old rows come back if the run fails)", SQL: p.clear})
	}
	shown := min(2, p.perStmt)
	how := fmt.Sprintf("per batch, for every %d rows (a shorter statement for the rest); shown for %d rows", p.perStmt, shown)
	if p.prepared {
		how = "per batch, prepared once per batch and run for each row"
	}
	if p.mode == dialects.CDC {
		dn := min(2, p.perDelete)
		dhow := fmt.Sprintf("per batch (cdc: rows whose last event is a delete), for every %d keys; shown for %d keys", p.perDelete, dn)
		if p.prepared {
			dhow = "per batch (cdc: rows whose last event is a delete), prepared once per batch and run for each key"
		}
		out = append(out, dialects.Statement{When: dhow, SQL: p.delete(dn)})
		how += " (cdc: the other rows)"
	}
	out = append(out, dialects.Statement{When: how, SQL: p.write(shown)})
	if ident != "off" {
		out = append(out, dialects.Statement{When: "when the session closes, after COMMIT or ROLLBACK, if it was set ON (DM8 also resets it when a session ends)", SQL: p.identityStatement(false)})
	}
	return out, nil
}
