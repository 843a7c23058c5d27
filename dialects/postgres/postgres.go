// Package postgres registers the "postgres" dialect: PostgreSQL through
// pgx, with COPY for append, COPY into a temporary stage plus INSERT … ON
// CONFLICT for upsert, and a transactional TRUNCATE for replace. It is the
// reference member of dialects/pgfamily, verified against PostgreSQL 15.
//
// `copy_format: binary` switches the bulk path to PostgreSQL's binary COPY
// (pgx.CopyFrom); text, encoded by xcetl on the engine's workers, is the
// default because it measured faster (see docs/dialects.md).
package postgres

import (
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/pgfamily"
)

// Dialect is the postgres dialect, registered under "postgres".
var Dialect = pgfamily.New(pgfamily.Config{
	Name:       "postgres",
	Product:    "PostgreSQL",
	BinaryCopy: true,
	Upsert:     pgfamily.OnConflict,
})

func init() { dialects.Register(Dialect) }
