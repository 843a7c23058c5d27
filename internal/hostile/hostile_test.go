package hostile

import (
	"errors"
	"os"
	"testing"
	"time"
)

var sink []byte

func touch(n int) {
	sink = make([]byte, n)
	for i := 0; i < len(sink); i += 4096 {
		sink[i] = 1
	}
}

// skipShort skips in -short runs: the children are the test binary run
// again, which under qemu-user (make test-arm64 runs -short) the host
// cannot execute.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("re-executes the test binary as a child process")
	}
}

func TestCheck(t *testing.T) {
	skipShort(t)
	Check(t, "small", Limits{}, func() error { return nil })
	Check(t, "refusal", Limits{Want: "too big"}, func() error { return errors.New("field too big") })
	Check(t, "alloc 50MB", Limits{}, func() error { touch(50 << 20); return nil })
}

// TestChildMeasuresItself proves the measure bites: a child touching
// 120 MB reports over 100 MB, and one touching nothing reports a few MB
// although this process holds 200 MB.
func TestChildMeasuresItself(t *testing.T) {
	skipShort(t)
	if _, child := os.LookupEnv(envCase); child {
		Check(t, "big", Limits{MaxRSS: 1 << 40}, func() error { touch(120 << 20); return nil })
		Check(t, "small", Limits{}, func() error { return nil })
		return
	}
	touch(200 << 20)
	big := runChild("TestChildMeasuresItself/big", time.Minute)
	small := runChild("TestChildMeasuresItself/small", time.Minute)
	if !big.ok || big.hwmKB < 100<<10 {
		t.Errorf("big child: peak %d kB (reported %v)", big.hwmKB, big.ok)
	}
	if !small.ok || small.hwmKB > 60<<10 {
		t.Errorf("small child: peak %d kB (reported %v)", small.hwmKB, small.ok)
	}
}
