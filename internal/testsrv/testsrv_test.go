package testsrv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func TestReapRemovesOnlyDeadOwners(t *testing.T) {
	const prefix = "xcetl-testsrv-reap-"
	live, err := MakeDir(prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(live)
	dead, err := MakeDir(prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dead)
	// A process that has exited: its pid is free (reuse within the test is unlikely).
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dead, "owner.pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	var stopped []string
	Reap(prefix, func(dir string) { stopped = append(stopped, dir) })
	if len(stopped) != 1 || stopped[0] != dead {
		t.Errorf("stopped %v, want only %s", stopped, dead)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("dead owner's dir still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("live owner's dir removed: %v", err)
	}
}

func TestLastLines(t *testing.T) {
	if got := LastLines([]byte("a\nb\nc\n"), 2); got != "b\nc" {
		t.Errorf("LastLines = %q", got)
	}
}
