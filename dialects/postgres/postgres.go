// Package postgres registers the "postgres" dialect: PostgreSQL through
// pgx, with COPY for append, COPY into a temporary stage plus INSERT … ON
// CONFLICT for upsert, and a transactional TRUNCATE for replace. It is the
// reference member of dialects/pgfamily, verified against PostgreSQL 15.
//
// Rows go in as binary COPY, encoded by xcetl on the engine's workers,
// wherever every column has a binary encoding (copy_format: auto, the
// default), because the server then skips parsing text and the load
// measured fastest; `copy_format: text` forces text COPY (see
// docs/dialects.md).
package postgres

import (
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/pgfamily"
)

// Dialect is the postgres dialect, registered under "postgres".
var Dialect = pgfamily.New(pgfamily.Config{
	Name:        "postgres",
	Product:     "PostgreSQL",
	BinaryCopy:  true,
	Upsert:      pgfamily.OnConflict,
	GuardCDC:    true,
	SwapReplace: true,
})

func init() {
	dialects.Register(Dialect)
	dialects.RegisterSource(Dialect)
}
