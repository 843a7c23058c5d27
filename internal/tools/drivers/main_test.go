package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func writeStandIns(t *testing.T) []string {
	t.Helper()
	replaces, err := WriteStandIns(t.TempDir(), Drivers)
	if err != nil {
		t.Fatal(err)
	}
	return replaces
}

func TestSelected(t *testing.T) {
	for tags, want := range map[string]string{
		"":                 "",
		"netgo":            "",
		"dm":               "dm",
		"opengauss,dm":     "dm opengauss",
		"dm opengauss foo": "dm opengauss",
	} {
		var got []string
		for _, d := range Selected(tags) {
			got = append(got, d.Tag)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("Selected(%q) = %v, want %q", tags, got, want)
		}
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Drivers {
		for _, f := range d.Files {
			if _, err := os.Stat(filepath.Join(root, f)); err != nil {
				t.Errorf("driver %s: %v", d.Tag, err)
			}
			if !strings.Contains(f, "/_driver/") {
				t.Errorf("driver %s file %s must live in a _driver directory, which the go command (and go mod tidy) ignores", d.Tag, f)
			}
		}
	}
	if flags, err := prepare(root, t.TempDir(), "netgo", nil); flags != "" || err != nil {
		t.Errorf("no vendor tag: flags %q, err %v", flags, err)
	}
}

// TestTaggedBuildIntegration builds xcetl with both vendor build tags
// against stand-in driver modules, through the same modfile and overlay as
// `make build TAGS=dm,opengauss`, so that the tagged files are known to
// compile and vet, and runs the binary: a dm8 run must reach the (stand-in)
// driver instead of failing with the build instruction. The real go.mod
// must stay untouched.
func TestTaggedBuildIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds xcetl twice (-short)")
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	flags, err := prepare(root, dir, "dm,opengauss", writeStandIns(t))
	if err != nil {
		t.Fatal(err)
	}
	var ov struct{ Replace map[string]string }
	data, err := os.ReadFile(filepath.Join(dir, "overlay.json"))
	if err != nil || json.Unmarshal(data, &ov) != nil || len(ov.Replace) != 2 {
		t.Fatalf("overlay %s: %v", data, err)
	}
	bin := filepath.Join(dir, "xcetl")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	args := append([]string{"build", "-tags", "dm,opengauss"}, strings.Fields(flags)...)
	run(append(args, "-o", bin, "./cmd/xcetl")...)
	vet := append([]string{"vet", "-tags", "dm,opengauss"}, strings.Fields(flags)...)
	run(append(vet, "./dialects/dm8", "./dialects/opengauss")...)

	pipeline := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("id\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pipeline, []byte("version: 1\nname: dmtag\nsource: {type: csv, path: a.csv}\n"+
		"target: {type: dm8, dsn: \"dm://SYSDBA:secret-pass@127.0.0.1:1?schema=X\", table: t}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(bin, "run", pipeline).CombinedOutput()
	if strings.Contains(string(out), "has no DM8 driver") || !strings.Contains(string(out), "stand-in") {
		t.Errorf("a dm-tagged binary must reach the driver; got:\n%s", out)
	}
	if strings.Contains(string(out), "secret-pass") {
		t.Errorf("the password leaked:\n%s", out)
	}
	after, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || string(after) != string(before) {
		t.Errorf("go.mod changed by a tagged build")
	}
}
