package main

import (
	"context"
	"fmt"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/migrate"
	"github.com/xcetl/xcetl/verify"
)

func init() { pairReaders["migration"] = migrationPairs }

// migrationPairs reads a migration file: every table it migrates, each
// compared with the table it was loaded into. It connects to the source
// to read the catalog (as explain does); columns under encrypt, mask and
// hash rules are neither compared nor printed.
func migrationPairs(ctx context.Context, g *globals, path string, opts verify.Options) ([]verify.Pair, []string, error) {
	f, err := g.loadMigration(path)
	if err != nil {
		return nil, nil, err
	}
	log, err := g.logger()
	if err != nil {
		return nil, nil, err
	}
	plan, err := migrate.Connect(ctx, f, log)
	if err != nil {
		return nil, nil, &exitError{codeOf(err), err}
	}
	read := dialects.ReadOptions{}
	if f.Spec.Source.ZeroDates == "null" {
		read.ZeroDates = dialects.ZeroDateNull
	}
	types := map[string]xcetl.Type{}
	for k, v := range f.Spec.Types {
		t, err := xcetl.ParseType(v)
		if err != nil {
			return nil, nil, &exitError{exitInvalid, fmt.Errorf("%s: types: %s: %w", path, k, err)}
		}
		types[k] = t
	}
	var pairs []verify.Pair
	for _, vt := range plan.VerifyTables() {
		pairs = append(pairs, pairOf(vt, f.Dir, read, types))
	}
	if len(pairs) == 0 {
		return nil, nil, &exitError{exitInvalid, fmt.Errorf("%s: the migration selects no table", path)}
	}
	return pairs, nil, nil
}

// pairOf is one migrated table as verify compares it.
func pairOf(vt migrate.VerifyTable, dir string, read dialects.ReadOptions, types map[string]xcetl.Type) verify.Pair {
	p := verify.Pair{
		Name:   vt.SourceTable.Name,
		Source: verify.Side{Driver: vt.SourceDriver, DSN: vt.SourceDSN, BaseDir: dir, Table: vt.SourceTable, Where: vt.Where, Read: read, Types: types},
		Target: verify.Side{Driver: vt.TargetType, DSN: vt.TargetDSN, BaseDir: dir, Table: vt.TargetTable, Read: read, Types: types},
		Key:    vt.Key,
	}
	for _, c := range vt.Columns {
		p.Source.Columns = append(p.Source.Columns, c.Source)
		p.Target.Columns = append(p.Target.Columns, c.Target)
	}
	for _, c := range sortedKeys(vt.Protected) {
		if p.Skip == nil {
			p.Skip = map[string]string{}
		}
		p.Skip[c] = vt.Protected[c] + ": the target holds what the rule made of the value"
		p.Hidden = append(p.Hidden, c)
	}
	return p
}
