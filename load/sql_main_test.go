package load_test

import (
	"testing"

	"github.com/xcetl/xcetl/internal/pgtest"
)

// TestMain shares one throwaway PostgreSQL server between the package's
// integration tests and benchmarks.
func TestMain(m *testing.M) { pgtest.Main(m) }
