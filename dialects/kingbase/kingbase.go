// Package kingbase registers the "kingbase" dialect for KingbaseES V8R6
// and later, on PostgreSQL's wire protocol through pgx.
//
// KingbaseES fixes a database_mode at initdb (pg, oracle or mysql) that
// changes which upsert statement it accepts. The dialect reads it at
// connect (`SELECT current_setting('database_mode')`; absent or empty
// means pg), together with enable_ci (case-insensitive instances, shown in
// the logged mode), and uses INSERT … ON CONFLICT in pg mode, MERGE in oracle mode
// and INSERT … ON DUPLICATE KEY UPDATE in mysql mode. In oracle mode with
// ora_input_emptystr_isnull on, the server stores the empty string as NULL; the loader
// then rejects the empty string in NOT NULL columns with that reason.
//
// A DSN without a port uses 54321 and one without a database uses "test"
// (KingbaseES's defaults; there is no "postgres" database), unless PGPORT
// or PGDATABASE are set.
//
// None of this has run on a real KingbaseES server: the pg and oracle
// modes are tested against PostgreSQL 15 as a stand-in, mysql mode by
// golden SQL only. See docs/dialects.md.
package kingbase

import (
	"fmt"
	"strings"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/pgfamily"
)

// DefaultPort and DefaultDatabase fill DSNs that omit them.
const (
	DefaultPort     = 54321
	DefaultDatabase = "test"
)

// Dialect is the kingbase dialect, registered under "kingbase".
var Dialect = pgfamily.New(pgfamily.Config{
	Name:              "kingbase",
	Product:           "KingbaseES",
	DefaultPort:       DefaultPort,
	DefaultDatabase:   DefaultDatabase,
	Upsert:            pgfamily.OnConflict,
	Detect:            detect,
	ExplainAssumption: "assuming database_mode pg; the mode is detected at connect: oracle uses MERGE, mysql ON DUPLICATE KEY UPDATE",
})

func init() {
	dialects.Register(Dialect)
	dialects.RegisterSource(Dialect)
}

// Modes maps KingbaseES's database_mode values to the upsert statement.
var Modes = map[string]pgfamily.UpsertStyle{
	"pg":     pgfamily.OnConflict,
	"oracle": pgfamily.Merge,
	"mysql":  pgfamily.OnDuplicateKey,
}

// WithMode returns a kingbase dialect that uses database_mode mode
// ("pg", "oracle" or "mysql") without asking the server. The the empty string vs NULL
// setting is still read from the server.
func WithMode(mode string) (*pgfamily.Dialect, error) {
	style, ok := Modes[strings.ToLower(mode)]
	if !ok {
		return nil, fmt.Errorf("kingbase: unknown database_mode %q (known: pg, oracle, mysql)", mode)
	}
	return Dialect.WithVariant(pgfamily.Variant{Upsert: style, Label: "database_mode=" + strings.ToLower(mode) + " (forced)"}), nil
}

func detect(s pgfamily.Settings, _ pgfamily.Query) (pgfamily.Variant, error) {
	mode, _, err := s("database_mode")
	if err != nil {
		return pgfamily.Variant{}, err
	}
	mode = strings.ToLower(strings.TrimSpace(mode))
	if mode == "" {
		mode = "pg"
	}
	style, ok := Modes[mode]
	if !ok {
		return pgfamily.Variant{}, fmt.Errorf("database_mode is %q; xcetl knows pg, oracle and mysql", mode)
	}
	v := pgfamily.Variant{Upsert: style, Label: "database_mode=" + mode}
	emptyNull, ok, err := s("ora_input_emptystr_isnull")
	if err != nil {
		return pgfamily.Variant{}, err
	}
	if ok && isOn(emptyNull) {
		v.EmptyIsNull = "KingbaseES stores '' as NULL (ora_input_emptystr_isnull is on)"
	}
	// enable_ci (fixed at initdb) makes identifiers and string comparisons
	// case-insensitive. Names need nothing more: xcetl quotes every name
	// and matches existing columns ignoring case when that is unambiguous.
	// It is reported so that keys differing only in case are understood
	// as one key by the server (unconfirmed on a real server).
	ci, ok, err := s("enable_ci")
	if err != nil {
		return pgfamily.Variant{}, err
	}
	if ok && isOn(ci) {
		v.Label += ", enable_ci=on (case-insensitive)"
	}
	return v, nil
}

func isOn(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "yes", "1":
		return true
	}
	return false
}
