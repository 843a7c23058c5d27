// Package hostile runs a reader on a crafted input in a child process and
// checks that it reads or refuses the input within bounded memory and time,
// the assertion of the hostile-file tests: any input under 10 MB is read or
// refused within 300 MB peak RSS and 30 s (docs/security.md).
//
// Use it from a test:
//
//	func TestHostileInputs(t *testing.T) {
//		for _, c := range cases {
//			hostile.Check(t, c.name, hostile.Limits{}, func() error { return readAll(c.make(t.TempDir())) })
//		}
//	}
//
// The test binary runs itself again with -test.run naming the test and an
// environment variable naming the case; in that child, Check runs fn,
// writes the peak resident set size (VmHWM, the child's own) and fn's
// error, and exits. The parent fails the test when the child used more
// memory or time than allowed, crashed or panicked. An error returned by
// fn is a refusal and passes (the caller checks its text with Want).
package hostile

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Limits bound one case. Zero values mean the defaults of the assertion:
// 300 MB and 30 s.
type Limits struct {
	MaxRSS  int64         // bytes of peak resident set size
	MaxTime time.Duration // wall-clock time
	// Want, when not "", is a regular expression the refusal (fn's error)
	// must match; with Want set, a case that reads without error fails.
	Want string
}

const envCase = "XCETL_HOSTILE_CASE"

// Check runs fn in a child process under the limits (see the package doc).
// name must be unique within the test.
func Check(t *testing.T, name string, lim Limits, fn func() error) {
	t.Helper()
	if c, ok := os.LookupEnv(envCase); ok {
		if c == t.Name()+"/"+name {
			child(fn)
		}
		return
	}
	t.Run(name, func(t *testing.T) { parent(t, name, lim) })
}

func child(fn func() error) {
	err := fn()
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	fmt.Printf("\nhostile-hwm-kb=%d\nhostile-err=%s\n", hwmKB(), strconv.Quote(msg))
	os.Exit(0)
}

func parent(t *testing.T, name string, lim Limits) {
	if lim.MaxRSS == 0 {
		lim.MaxRSS = 300 << 20
	}
	if lim.MaxTime == 0 {
		lim.MaxTime = 30 * time.Second
	}
	parentName := strings.TrimSuffix(t.Name(), "/"+sanitize(name))
	r := runChild(parentName+"/"+name, lim.MaxTime+5*time.Second)
	switch {
	case !r.ok:
		t.Fatalf("child did not finish (%v after %v):\n%s", r.err, r.took.Round(time.Millisecond), tail(r.out))
	case r.took > lim.MaxTime:
		t.Errorf("took %v, limit %v", r.took.Round(time.Millisecond), lim.MaxTime)
	}
	if r.hwmKB*1024 > lim.MaxRSS {
		t.Errorf("peak RSS %d MB, limit %d MB", r.hwmKB>>10, lim.MaxRSS>>20)
	}
	if lim.Want != "" && !regexp.MustCompile(lim.Want).MatchString(r.msg) {
		t.Errorf("refusal = %q, want it to match %q", r.msg, lim.Want)
	}
	t.Logf("peak RSS %d MB, %v, result %q", r.hwmKB>>10, r.took.Round(time.Millisecond), r.msg)
}

type result struct {
	hwmKB int64
	msg   string
	ok    bool // the child reported
	took  time.Duration
	err   error
	out   []byte
}

// runChild runs the test binary again for the case named c (the full
// test name of the case's parent, "/", the case name).
func runChild(c string, timeout time.Duration) result {
	top, _, _ := strings.Cut(c, "/")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+regexp.QuoteMeta(top)+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCase+"="+c)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := result{took: time.Since(start), err: err, out: out.Bytes()}
	r.hwmKB, r.msg, r.ok = parseChild(r.out)
	return r
}

// sanitize is what testing does to a subtest name (spaces become _).
func sanitize(s string) string { return strings.ReplaceAll(s, " ", "_") }

func parseChild(out []byte) (hwmKB int64, msg string, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	var haveHWM bool
	for sc.Scan() {
		line := sc.Text()
		if v, found := strings.CutPrefix(line, "hostile-hwm-kb="); found {
			hwmKB, _ = strconv.ParseInt(v, 10, 64)
			haveHWM = true
		}
		if v, found := strings.CutPrefix(line, "hostile-err="); found && haveHWM {
			m, err := strconv.Unquote(v)
			return hwmKB, m, err == nil
		}
	}
	return 0, "", false
}

// hwmKB returns this process's peak resident set size in kB (0 where
// /proc is missing).
func hwmKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
