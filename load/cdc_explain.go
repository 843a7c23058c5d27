package load

import (
	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// Explain implements Explainer. For a change stream it shows the
// statements of one batch, for the target's own table (the others are
// alike), with the guard where it would run.
func (l *CDC) Explain(schema *xcetl.Schema) ([]Statement, error) {
	if !l.routed {
		return l.SQL.Explain(schema)
	}
	out, err := l.explainState()
	if err != nil {
		return nil, err
	}
	t := l.foldTable()
	info := l.mainInfoGuess()
	tgt, err := l.cdcTarget(t, info, info.PrimaryKey)
	if err != nil {
		return nil, err
	}
	var vt *versionTable
	guarded := false
	if l.env.Versions {
		vt = newVersionTable(l.SQL)
		create, err := vt.createSQL()
		if err != nil {
			return nil, l.errorf("version table: %w", err)
		}
		out = append(out, Statement{When: "once at start, if the version table does not exist (the per-key versions of the version guard)", SQL: create})
		if _, ok := l.d.(dialects.VersionGuarder); ok {
			tgt.Guard, guarded = vt.guard(), true
		}
	}
	stmts, err := l.d.Explain(tgt)
	if err != nil && guarded {
		// The dialect guards only on some servers: show the loader's guard.
		tgt.Guard, guarded = nil, false
		stmts, err = l.d.Explain(tgt)
	}
	if err != nil {
		return nil, l.errorf("%w", err)
	}
	out = append(out, Statement{When: "per batch (each batch is one transaction for every table it changes)", SQL: "BEGIN"})
	if l.env.State {
		out = append(out, Statement{When: "per batch, first: lock the stored offsets of the partitions the batch continues (the fence), then read them", SQL: l.fenceLockSQL(1)})
	}
	out = append(out, Statement{When: "per batch, for a truncate event with truncate: apply (the table it names)", SQL: l.truncateSQL(t)})
	if vt != nil && !guarded {
		out = append(out, Statement{When: "per batch and table: the stored versions of the batch's keys (events at or below them are skipped)", SQL: vt.selectSQL(1)})
	}
	for _, s := range stmts {
		out = append(out, Statement{When: s.When + " (for each table the events name; shown for " + t.String() + ")", SQL: s.SQL})
	}
	if vt != nil && !guarded {
		out = append(out, Statement{When: "per batch and table: the applied keys' versions are upserted into " + versionsTableName, SQL: "(upsert into " + versionsTableName + " by key_hash)"})
	}
	out = append(out, Statement{When: "per batch, last (ROLLBACK instead if the batch fails)", SQL: "COMMIT"})
	return out, nil
}

// mainInfoGuess describes the target table for explain, without a
// connection: its key columns only.
func (l *CDC) mainInfoGuess() *dialects.TableInfo {
	info := &dialects.TableInfo{}
	for _, k := range l.s.key {
		info.Columns = append(info.Columns, dialects.CatalogColumn{Name: l.d.Fold(k), Type: "?"})
		info.PrimaryKey = append(info.PrimaryKey, l.d.Fold(k))
	}
	// The columns come from the catalog and the events at run time; one
	// stand-in shows where they go in the statements.
	info.Columns = append(info.Columns, dialects.CatalogColumn{Name: "<other columns>", Type: "?", Nullable: true})
	return info
}
