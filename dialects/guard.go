package dialects

import "time"

// The per-key version guard of mode cdc. The cdc loader keeps, for every
// key a pipeline applied, the position of its last change in a version
// table (created by the loader through CreateTable):
//
//	xcetl_cdc_key_versions(key_hash PRIMARY KEY, version, pipeline, updated_at)
//
// key_hash is change.KeyHash (16 bytes, a bounded binary type every
// database can index), version the change's position, both as bytes.
//
// and applies a change only when its position is above the stored one
// (bytes order), storing the new one, in the batch's transaction. The
// loader can do that itself — read the stored versions of the batch's keys,
// drop the stale rows, upsert the new versions — which costs two more round
// trips and a second bulk load per batch. A dialect that can compare the
// versions inside its own cdc statements implements VersionGuarder; the
// loader then sets Target.Guard and the Writer does it all in the
// statements that apply the batch.

// VersionGuard describes the version table to a guarding cdc Writer.
type VersionGuard struct {
	Table Table
	// Column names as created (folded): the key's hash, the version, the
	// pipeline, the time of the last update.
	KeyHash, Version, Pipeline, UpdatedAt string
	// PipelineName is the value of the pipeline column.
	PipelineName string
}

// VersionGuarder is implemented by dialects whose mode cdc Writer can apply
// the version guard in its own statements. GuardsVersions reports whether
// it can for this connection's server (false: the loader guards).
//
// With Target.Guard set, every row handed to Encode has two more values
// after the target columns: the key's hash ([]byte) and the change's
// version ([]byte, nil for a change without one, which is applied without
// the guard and stores nothing). In Write, before the changes are applied,
// the writer stores the versions of the rows whose version is above the
// stored one (or that have none stored) and applies only those rows; the
// others are stale and skipped. The comparison must see concurrent
// transactions' committed versions (PostgreSQL's INSERT … ON CONFLICT DO
// UPDATE … WHERE does), so that consumers applying the same keys at once
// cannot both win. The Writer implements GuardReporter.
type VersionGuarder interface {
	GuardsVersions(c Conn) bool
}

// GuardReporter is implemented by Writers that apply the version guard:
// what the last Write's guard skipped, and how long its statement took
// (the bookkeeping's share of the apply time).
type GuardReporter interface {
	LastGuard() (skipped int64, took time.Duration)
}
