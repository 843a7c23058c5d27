//go:build !opengauss

package opengauss

// SQLDriver is the database/sql driver the dialect connects through: ""
// in this build, which uses pgx (see SHA256Explanation for servers that
// store passwords with openGauss's SHA256 method). Build with the
// opengauss tag (driver_opengauss.go) for openGauss's own driver.
const SQLDriver = ""
