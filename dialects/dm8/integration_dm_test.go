//go:build dm

package dm8

import (
	"os"
	"testing"

	"github.com/xcetl/xcetl/dialects/dialecttest"
)

// TestDM8Integration runs the conformance suite against a real DM8 server:
//
//	XCETL_TEST_DM8_DSN='dm://SYSDBA:password@127.0.0.1:5236?schema=XCETL_TEST' \
//	  go test -tags dm -run TestDM8Integration ./dialects/dm8
//
// The schema should be disposable: the suite creates ct_* tables in it.
// It needs a binary built with the DM8 driver (see driver_dm.go).
func TestDM8Integration(t *testing.T) {
	dsn := os.Getenv("XCETL_TEST_DM8_DSN")
	if dsn == "" {
		t.Skip("XCETL_TEST_DM8_DSN is not set: no DM8 server to test against")
	}
	dialecttest.Run(t, Dialect, dsn)
}
