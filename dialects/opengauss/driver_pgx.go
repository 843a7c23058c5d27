//go:build !opengauss

package opengauss

// SQLDriver is the database/sql driver the dialect connects through: ""
// in this build, which uses pgx (see SHA256Explanation for servers that
// store passwords with openGauss's SHA256 method). `make build
// TAGS=opengauss` links openGauss's own driver instead
// (_driver/driver_opengauss.go, placed here by a build overlay; a plain
// `go build -tags opengauss` without it fails with "undefined: SQLDriver").
const SQLDriver = ""
