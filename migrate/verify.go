package migrate

import (
	"context"
	"log/slog"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

// VerifyTable is what `xcetl verify` compares for one table of a
// migration.
type VerifyTable struct {
	SourceDriver string
	SourceDSN    xcetl.Secret
	SourceTable  dialects.Table
	// Where is the override's condition on the source rows ("" for all).
	Where string

	TargetType  string
	TargetDSN   xcetl.Secret
	TargetTable dialects.Table

	// Columns pair each source column with its target column, in the
	// source's order.
	Columns []ColumnPair
	// Key is the source's primary key (source names; TargetKey the same
	// columns on the target); nil for a table without one.
	Key, TargetKey []string
	// Protected maps the source columns whose values a transform changes
	// (encrypt, mask, hash) to that transform: their values must not be
	// compared or printed.
	Protected map[string]string
}

// ColumnPair is a source column and the target column it is loaded into.
type ColumnPair struct {
	Source, Target string
}

// VerifyTables loads the migration file at path, reads the source catalog
// (it connects to the source, not to the target) and returns what verify
// compares, table by table, in the order the migration loads them.
func VerifyTables(ctx context.Context, path string, o Options, log *slog.Logger) ([]VerifyTable, error) {
	f, err := Load(path, o)
	if err != nil {
		return nil, err
	}
	p, err := Connect(ctx, f, log)
	if err != nil {
		return nil, err
	}
	return p.VerifyTables(), nil
}

// VerifyTables is VerifyTables of a plan made already.
func (p *Plan) VerifyTables() []VerifyTable {
	f := p.File
	out := make([]VerifyTable, 0, len(p.Tables))
	for _, tp := range p.Tables {
		vt := VerifyTable{SourceDriver: f.Spec.Source.Driver, SourceDSN: f.Spec.Source.DSN, SourceTable: tp.Source.Table,
			Where: tp.Override.Where, TargetType: f.Spec.Target.Type, TargetDSN: f.Spec.Target.DSN, TargetTable: tp.Target,
			Protected: map[string]string{}}
		byName := map[string]string{}
		for _, c := range tp.Columns {
			vt.Columns = append(vt.Columns, ColumnPair{Source: c.Source, Target: c.Target})
			byName[c.Source] = c.Target
		}
		for _, k := range tp.Key {
			vt.Key = append(vt.Key, k)
			vt.TargetKey = append(vt.TargetKey, byName[k])
		}
		for c, t := range tp.Protected {
			vt.Protected[c] = t
		}
		out = append(out, vt)
	}
	return out
}
