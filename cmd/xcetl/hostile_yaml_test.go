package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHostileYAMLIntegration: pipeline files crafted to exhaust the parser — deep
// flow and block nesting, an alias bomb, a file of 9 MB, a 900 KB scalar,
// 50,000 keys in one mapping, 4,990 unknown keys — are each read or refused by `xcetl validate`
// within 300 MB peak RSS and 30 s (the deep nesting: at once), with a
// bounded message. The files are generated here, not committed.
func TestHostileYAMLIntegration(t *testing.T) {
	deepBlock := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(strings.Repeat(" ", i) + "a:\n")
		}
		return b.String()
	}
	keys := func(n int) string {
		var b strings.Builder
		b.WriteString("version: 1\nname: keys\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "k%d: v\n", i)
		}
		return b.String()
	}
	laughs := "version: 1\nname: lol\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i < 12; i++ {
		laughs += fmt.Sprintf("a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, body string
		fast       bool // refused by the limits before parsing: at once
		want       string
	}{
		{"200 KB of [", "version: 1\nname: x\nsource: " + strings.Repeat("[", 200<<10), true, "nesting deeper than 100 levels"},
		{"nested flow maps", "version: 1\nname: x\nsource: " + strings.Repeat("{a: ", 100_000), true, "nesting deeper than 100 levels"},
		{"deep block nesting", deepBlock(1300), true, "nesting deeper than 100 levels"},
		{"9 MB file", "version: 1\nname: big\n#" + strings.Repeat("x", 9<<20) + "\n", true, "a pipeline file may have at most"},
		{"alias bomb", laughs, false, "expands to more than"},
		{"900 KB scalar", "version: 1\nname: \"" + strings.Repeat("名", 300_000) + "\"\n", false, "name"},
		{"50,000 keys", keys(50_000), true, "more than 5000 entries in one mapping or list"},
		{"4,990 unknown keys", keys(4990), false, "more problems"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml", tc.body)
			c, stderr := child(t, "validate", file)
			start := time.Now()
			err := c.Run()
			took := time.Since(start)
			if code := c.ProcessState.ExitCode(); code != 2 {
				t.Fatalf("exit %d (%v), want 2:\n%.2000s", code, err, stderr)
			}
			rss := c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
			t.Logf("%s: %s, peak RSS %d MB, %d bytes of message", tc.name, took.Round(time.Millisecond), rss>>20, len(stderr.String()))
			if rss > 300<<20 || took > 30*time.Second {
				t.Errorf("peak RSS %d MB, %s: over 300 MB or 30 s", rss>>20, took)
			}
			if tc.fast && took > 3*time.Second {
				t.Errorf("took %s to refuse what the limits refuse before parsing", took)
			}
			if msg := stderr.String(); !strings.Contains(msg, tc.want) || len(msg) > 200<<10 {
				t.Errorf("message of %d bytes, want one mentioning %q:\n%.2000s", len(msg), tc.want, msg)
			}
		})
	}
}
