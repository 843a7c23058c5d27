//go:build opengauss

package opengauss

// This file links openGauss's own Go driver, a fork of lib/pq that speaks
// openGauss's SHA256 and SM3 password methods and tries the hosts of a
// multi-host DSN in order (postgres://u:p@h1:5432,h2:5432/db?
// target_session_attrs=read-write). It is not on the public Go module
// proxy, so it is linked only by `make build TAGS=opengauss`, which fetches
// it into a separate modfile and places this file into the package through
// a build overlay (internal/tools/drivers; docs/dialects.md). It lives in
// _driver/, which the go command ignores, so that `go mod tidy` and the
// default build never look for the driver; it is never in go.mod.
//
// The dialect then connects through database/sql with this driver instead
// of pgx (pgfamily's database/sql transport, tested against PostgreSQL 15
// with pgx's and lib/pq's database/sql drivers): COPY rows go through the
// driver's CopyIn protocol, server errors are read through *pq.Error's
// Get method.

import (
	pq "gitee.com/opengauss/openGauss-connector-go-pq"
)

// SQLDriver is the database/sql driver the dialect connects through: the
// name gitee.com/opengauss/openGauss-connector-go-pq registers.
const SQLDriver = "opengauss"

// What pgfamily relies on in the driver, checked when this file compiles:
// server errors carry the protocol's fields behind Get (pgfamily reads the
// SQLSTATE and the COPY line from them), and CopyIn is the COPY statement
// protocol the transport drives (pgfamily prepares its own quoted COPY
// statement, as pq.CopyInSchema would write it).
var (
	_ interface{ Get(field byte) string }    = (*pq.Error)(nil)
	_ func(string, string, ...string) string = pq.CopyInSchema
)
