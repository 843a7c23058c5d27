package pgfamily

import (
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl/dialects"
)

func TestHolderName(t *testing.T) {
	since := time.Unix(1764844246, 0)
	for _, host := range []string{"etl-01", "", strings.Repeat("h", 100), "网格-服务器"} {
		name := holderName(dialects.LockHolder{Host: host, PID: 31337, Since: since})
		if len(name) > MaxIdentBytes {
			t.Errorf("%q: application_name %q is %d bytes, the server keeps %d", host, name, len(name), MaxIdentBytes)
		}
		h, ok := parseHolder(name)
		if !ok || h.PID != 31337 || !h.Since.Equal(since) || !strings.HasPrefix(host, h.Host) {
			t.Errorf("%q: parsed %+v %v from %q", host, h, ok, name)
		}
	}
	for _, other := range []string{"", "psql", "xcetl", "xcetl 12@h", "xcetl x@h 12", "xcetl 12@h x"} {
		if _, ok := parseHolder(other); ok {
			t.Errorf("%q parsed as a holder", other)
		}
	}
	if k := LockKey("residents"); k != LockKey("residents") || k == LockKey("residents2") {
		t.Error("LockKey is not a stable per-name key")
	}
	c, o := keyHalves(-1)
	if c != "4294967295" || o != "4294967295" {
		t.Errorf("keyHalves(-1) = %s, %s", c, o)
	}
}

// FuzzParseHolder: any application_name parses without panicking, and what
// holderName writes parses back.
func FuzzParseHolder(f *testing.F) {
	f.Add("xcetl 1@h 2", "host", 42, int64(1))
	f.Fuzz(func(t *testing.T, any string, host string, pid int, secs int64) {
		parseHolder(any)
		if pid < 0 || strings.ContainsAny(host, " @") || secs < 0 || secs > 1<<40 {
			return
		}
		name := holderName(dialects.LockHolder{Host: host, PID: pid, Since: time.Unix(secs, 0)})
		h, ok := parseHolder(name)
		if !ok || h.PID != pid || h.Since.Unix() != secs {
			t.Fatalf("%q → %+v %v", name, h, ok)
		}
	})
}
