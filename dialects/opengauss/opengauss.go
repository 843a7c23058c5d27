// Package opengauss registers the "opengauss" dialect for openGauss (and
// derivatives such as MogDB) on PostgreSQL's wire protocol through pgx.
//
// Differences from postgres, all in the Config below:
//   - upsert is MERGE INTO … USING <stage> (ON CONFLICT is not in
//     openGauss's documented grammar, and ON DUPLICATE KEY UPDATE picks the
//     first conflicting unique index, which may be the wrong one);
//   - the bulk path is text COPY only: PostgreSQL's binary COPY format is
//     not verified on openGauss;
//   - DBCOMPATIBILITY (A, B, C or PG) is read at connect from
//     pg_database.datcompatibility (sql_compatibility as a fallback; a
//     server with neither, such as PostgreSQL, is treated as PG);
//   - string(n) is created as varchar(4n) in A, B and C compatibility,
//     where varchar(n) counts bytes: room for n characters of up to 4
//     bytes (Chinese text would overflow varchar(n)); varchar(n) in PG;
//   - in A compatibility (the default) the empty string is stored as NULL:
//     the empty string in a NOT NULL column is rejected with that reason;
//   - in B compatibility the server stores text that is not a number as 0
//     in numeric columns: xcetl checks such text itself and rejects the
//     row (values cast by the pipeline are sent typed and need no check);
//   - openGauss's SHA256 password method reuses PostgreSQL's SASL code, so
//     pgx fails with a misleading SASL error: the error is explained.
//
// A binary built with the opengauss tag (driver_opengauss.go) connects
// through openGauss's own database/sql driver instead of pgx: SHA256 and
// SM3 passwords, multi-host DSNs. Only the transport changes (pgfamily's
// database/sql transport, with the driver's CopyIn protocol for COPY); the
// SQL is the same.
//
// None of this has run on a real openGauss server: it is tested against
// PostgreSQL 15 as a stand-in (MERGE from a staging table is valid there),
// through pgx and through the database/sql transport with pgx's and
// lib/pq's drivers; the openGauss driver itself is only type-checked.
package opengauss

import (
	"fmt"
	"strings"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/pgfamily"
)

// Dialect is the opengauss dialect, registered under "opengauss".
var Dialect = pgfamily.New(pgfamily.Config{
	Name:    "opengauss",
	Product: "openGauss",
	Upsert:  pgfamily.Merge,
	// Explain assumes A compatibility, the default of CREATE DATABASE.
	VarcharBytes:      true,
	Detect:            detect,
	ConnectHint:       ConnectHint,
	ExplainAssumption: "the same in every DBCOMPATIBILITY; explain assumes A, the default, where varchar counts bytes: detected at connect",
	// "" (pgx) unless built with the opengauss tag.
	SQLDriver: SQLDriver,
})

func init() {
	dialects.Register(Dialect)
	dialects.RegisterSource(Dialect)
}

// CompatibilityQuery reads the database's DBCOMPATIBILITY (fixed by CREATE
// DATABASE). PostgreSQL has no such column: the query then finds nothing,
// and sql_compatibility (the same value as a setting) is tried.
const CompatibilityQuery = "SELECT datcompatibility FROM pg_database WHERE datname = current_database()"

func detect(s pgfamily.Settings, q pgfamily.Query) (pgfamily.Variant, error) {
	v := pgfamily.Variant{Upsert: pgfamily.Merge}
	source := "datcompatibility"
	compat, ok := "", false
	var err error
	if q != nil {
		if compat, ok, err = q(CompatibilityQuery); err != nil {
			return v, err
		}
	}
	if !ok {
		source = "sql_compatibility"
		if compat, ok, err = s("sql_compatibility"); err != nil || !ok {
			return v, err // not openGauss (PostgreSQL): PG semantics
		}
	}
	compat = strings.ToUpper(strings.TrimSpace(compat))
	v.Label = source + "=" + compat
	switch compat {
	case "A", "ORA":
		v.EmptyIsNull = "openGauss in A (Oracle) compatibility stores '' as NULL"
		v.VarcharBytes = true
	case "B", "MYSQL":
		v.VarcharBytes = true
		v.StrictNumericText = "openGauss in B (MySQL) compatibility would store it as 0"
	case "C", "TD":
		v.VarcharBytes = true
	case "PG", "POSTGRES", "POSTGRESQL":
	default:
		return v, fmt.Errorf("%s is %q; xcetl knows A, B, C and PG", source, compat)
	}
	return v, nil
}

// sha256Why and md5Steps make up the explanations below.
const (
	sha256Why = `hint: openGauss answers with its own SHA256 password method, which reuses PostgreSQL's SASL authentication code (10), so the PostgreSQL driver in xcetl fails with a misleading SASL/SCRAM error.`
	md5Steps  = `
  1. allow md5 passwords: gs_guc reload -D $PGDATA -c "password_encryption_type=1" (1 = md5 and sha256);
  2. set the password again so that an md5 hash is stored: ALTER USER <user> PASSWORD '<password>';
  3. use md5 for this client in pg_hba.conf (host <db> <user> <address> md5) and reload.`
)

// SHA256Explanation is added to connection errors that look like
// openGauss's SHA256 authentication.
const SHA256Explanation = sha256Why + ` xcetl's default build has no openGauss-native driver; store the user's password as md5 instead:` + md5Steps + `
Or build xcetl with openGauss's own driver, which speaks SHA256 and SM3: make build TAGS=opengauss (docs/dialects.md says how to fetch the driver).`

// lockSHA256Explanation is SHA256Explanation in a binary built with the
// opengauss tag, where only the pipeline lock's session still connects
// with pgx (dialects/pgfamily/lock.go).
const lockSHA256Explanation = sha256Why + ` This binary loads through openGauss's own driver, but the pipeline lock still opens its session with pgx; store the user's password as md5 for it:` + md5Steps

// ConnectHint recognises pgx's failure on openGauss's SHA256 method.
func ConnectHint(err error) string {
	msg := err.Error()
	for _, s := range []string{"SASL", "SCRAM", "AuthenticationSASL", "authentication message"} {
		if strings.Contains(msg, s) {
			if SQLDriver != "" {
				return lockSHA256Explanation
			}
			return SHA256Explanation
		}
	}
	return ""
}
