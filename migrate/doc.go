// Package migrate is `xcetl migrate`: whole schemas from a source database
// (MySQL/MariaDB, the PostgreSQL family, DM8, SQLite, Oracle) into a target
// (DM8, KingbaseES, openGauss, PostgreSQL, SQLite), tables created from the
// source catalog, loaded, then keyed, indexed and linked.
//
// A migration file (kind: migration; docs/migration.md) is declared by
// Spec and loaded by Load, with ${VAR} expansion as pipeline files have it
// and every secret (DSNs, keys) kept out of messages. Connect reads the
// source catalog (SourceConn.Tables, DescribeSource), keeps the tables of
// tables.include that no tables.exclude matches, and plans each
// (PlanTables, which needs no connection): target names folded by the
// target dialect, column types through the type map of the (source driver,
// target) pair (dialects.MapColumnType), portable defaults, the DDL of the
// target's dialects.SchemaMigrator, the transforms of the columns: rules
// that match the table's columns and of its override.
//
// Run loads the plan, tables.parallel tables at once. Each table is one
// pipeline built in Go (Plan.Definition, pipelines.Build): the sql source
// over the source table, the transforms, the target table with commit:
// batch, so that a killed run resumes by chunk; the pipeline's name
// (`<migration>-<table>`) names its lock and its chunk state. The
// migration's own state is a row per table in the target's
// xcetl_migrations: "loading" from the table's creation, "complete" in the
// transaction of its post-data DDL (keys, indexes, sequences). A rerun
// skips complete tables, resumes loading ones without recreating them, and
// refuses an existing table with rows that it did not create. The foreign
// keys come last, once every table is complete.
//
// # For xcetl verify
//
// VerifyTables(ctx, path, Options, logger) ([]VerifyTable, error) loads a
// migration file and returns, per table, the source driver, DSN and table,
// the target type, DSN and table, the column pairs (source → target), the
// key columns on both sides, and the columns whose values an encrypt, mask
// or hash transform changes (Protected): their values must be neither
// compared nor printed. It connects to the source only (for the catalog).
// Plan.VerifyTables gives the same from a plan made already.
package migrate
