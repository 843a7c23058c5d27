// Package opengauss registers the "opengauss" dialect for openGauss (and
// derivatives such as MogDB) on PostgreSQL's wire protocol through pgx.
//
// Differences from postgres, all in the Config below:
//   - upsert is MERGE INTO … USING <stage> (ON CONFLICT is not in
//     openGauss's documented grammar, and ON DUPLICATE KEY UPDATE picks the
//     first conflicting unique index, which may be the wrong one);
//   - the bulk path is text COPY only: PostgreSQL's binary COPY format is
//     not verified on openGauss;
//   - string(n) is created as text, because varchar(n) counts bytes outside
//     PG compatibility and Chinese text would overflow it;
//   - in A compatibility (the default) the empty string is stored as NULL: detected from
//     sql_compatibility at connect, and the empty string in NOT NULL columns is rejected
//     with that reason;
//   - openGauss's SHA256 password method reuses PostgreSQL's SASL code, so
//     pgx fails with a misleading SASL error: the error is explained.
//
// None of this has run on a real openGauss server: it is tested against
// PostgreSQL 15 as a stand-in (MERGE from a staging table is valid there).
package opengauss

import (
	"strings"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/pgfamily"
)

// Dialect is the opengauss dialect, registered under "opengauss".
var Dialect = pgfamily.New(pgfamily.Config{
	Name:           "opengauss",
	Product:        "openGauss",
	Upsert:         pgfamily.Merge,
	TextForVarchar: true,
	Detect:         detect,
	ConnectHint:    ConnectHint,
})

func init() { dialects.Register(Dialect) }

func detect(s pgfamily.Settings) (pgfamily.Variant, error) {
	v := pgfamily.Variant{Upsert: pgfamily.Merge}
	compat, ok, err := s("sql_compatibility")
	if err != nil || !ok {
		return v, err
	}
	compat = strings.ToUpper(strings.TrimSpace(compat))
	v.Label = "sql_compatibility=" + compat
	if compat == "A" || compat == "ORA" {
		v.EmptyIsNull = "openGauss in A (Oracle) compatibility stores '' as NULL"
	}
	return v, nil
}

// SHA256Explanation is added to connection errors that look like
// openGauss's SHA256 authentication.
const SHA256Explanation = `hint: openGauss answers with its own SHA256 password method, which reuses PostgreSQL's SASL authentication code (10), so the PostgreSQL driver in xcetl fails with a misleading SASL/SCRAM error. xcetl's default build has no openGauss-native driver; store the user's password as md5 instead:
  1. allow md5 passwords: gs_guc reload -D $PGDATA -c "password_encryption_type=1" (1 = md5 and sha256);
  2. set the password again so that an md5 hash is stored: ALTER USER <user> PASSWORD '<password>';
  3. use md5 for this client in pg_hba.conf (host <db> <user> <address> md5) and reload.`

// ConnectHint recognises pgx's failure on openGauss's SHA256 method.
func ConnectHint(err error) string {
	msg := err.Error()
	for _, s := range []string{"SASL", "SCRAM", "AuthenticationSASL", "authentication message"} {
		if strings.Contains(msg, s) {
			return SHA256Explanation
		}
	}
	return ""
}
