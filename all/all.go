// Package all registers every built-in extractor, transform, loader and
// dialect. Import it for its side effects in programs that run pipelines:
//
//	import _ "github.com/xcetl/xcetl/all"
package all

import (
	// Dialects (and with them, the SQL loader for each).
	_ "github.com/xcetl/xcetl/dialects/dm8"
	_ "github.com/xcetl/xcetl/dialects/kingbase"
	_ "github.com/xcetl/xcetl/dialects/mysql" // source only
	_ "github.com/xcetl/xcetl/dialects/opengauss"
	_ "github.com/xcetl/xcetl/dialects/oracle" // source only
	_ "github.com/xcetl/xcetl/dialects/postgres"
	_ "github.com/xcetl/xcetl/dialects/sqlite"
	_ "github.com/xcetl/xcetl/load"

	// Sources.
	_ "github.com/xcetl/xcetl/extract/api"
	_ "github.com/xcetl/xcetl/extract/csv"
	_ "github.com/xcetl/xcetl/extract/excel"
	_ "github.com/xcetl/xcetl/extract/kafka" // Debezium and Canal change events
	_ "github.com/xcetl/xcetl/extract/sql"

	// Transforms.
	_ "github.com/xcetl/xcetl/transform/cast"
	_ "github.com/xcetl/xcetl/transform/column"
	_ "github.com/xcetl/xcetl/transform/expr"
	_ "github.com/xcetl/xcetl/transform/mask"
	_ "github.com/xcetl/xcetl/transform/sm" // encrypt, decrypt, hash
	_ "github.com/xcetl/xcetl/transform/validate"
)
