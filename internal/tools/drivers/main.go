// Command drivers prepares a build with the vendor database drivers that the
// public Go module proxy does not serve (gitee.com): the DM8 driver for the
// build tag dm and openGauss's own driver for the tag opengauss.
//
// Neither driver is in go.mod, and no file of the module imports one: the
// files that do live in dialects/*/_driver/ (a directory the go command
// ignores), so `go mod tidy` and the default build never look for them.
// For a tagged build this command
//
//  1. copies go.mod and go.sum to DIR/go.mod and DIR/go.sum and adds the
//     drivers there (`go get -modfile`), leaving the real go.mod alone;
//  2. writes DIR/overlay.json, which places each _driver file into its
//     dialect package for this build only;
//
// and prints the flags for `go build`/`go test`/`go vet`:
//
//	go build -tags dm $(go run ./internal/tools/drivers -tags dm) ./cmd/xcetl
//
// It prints nothing when the tags name no vendor driver. Fetching a driver
// needs a GOPROXY that serves gitee.com, or GOPRIVATE/GONOSUMDB and direct
// access to gitee.com (see docs/dialects.md). -replace MODULE=DIR uses a
// local copy of a driver instead (a vendored checkout).
//
// For `make lint`, which must type-check the tagged files without gitee.com:
// -standins uses stand-ins of the drivers with exactly the API the _driver
// files use (StandIns), and -copy DIR writes a copy of the module's Go
// files into DIR with the _driver files in their packages and the modfile
// as go.mod, and prints DIR, for tools that read files from disk and take
// no -overlay (staticcheck):
//
//	cd $(go run ./internal/tools/drivers -tags dm,opengauss -standins -copy bin/lint-tagged) && staticcheck -tags dm,opengauss ./dialects/...
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Driver is one vendor driver linked by a build tag.
type Driver struct {
	Tag    string // build tag
	Module string // module path
	// Version is what `go get` fetches unless overridden by the environment
	// variable Env (MODULE@VERSION or just VERSION).
	Version string
	Env     string
	// Files are the _driver files, relative to the module root, each
	// placed as the file of the same name one directory up.
	Files []string
}

// Drivers are the vendor drivers xcetl can link.
var Drivers = []Driver{
	{
		Tag: "dm", Module: "gitee.com/chunanyong/dm", Version: "v1.8.13", Env: "XCETL_DM_DRIVER",
		Files: []string{"dialects/dm8/_driver/driver_dm.go"},
	},
	{
		Tag: "opengauss", Module: "gitee.com/opengauss/openGauss-connector-go-pq", Version: "latest", Env: "XCETL_OPENGAUSS_DRIVER",
		Files: []string{"dialects/opengauss/_driver/driver_opengauss.go"},
	},
}

func main() {
	tags := flag.String("tags", "", "build tags, comma or space separated")
	dir := flag.String("dir", "bin/drivers", "where to write go.mod, go.sum and overlay.json")
	var replaces multiFlag
	flag.Var(&replaces, "replace", "MODULE=DIR: use a local copy of a driver module (repeatable)")
	standIns := flag.Bool("standins", false, "use stand-ins of the drivers (their API only), for type-checking without gitee.com")
	copyTo := flag.String("copy", "", "write a copy of the module with the tagged files in place into this directory, and print it")
	flag.Parse()
	root, err := moduleRoot()
	if err == nil && *standIns {
		var more []string
		more, err = WriteStandIns(filepath.Join(absUnder(root, *dir), "standins"), Selected(*tags))
		replaces = append(replaces, more...)
	}
	if err == nil {
		var flags string
		flags, err = prepare(root, *dir, *tags, replaces)
		switch {
		case err == nil && *copyTo != "":
			var out string
			out, err = copyModule(root, absUnder(root, *copyTo), absUnder(root, *dir), *tags)
			flags = out
		}
		if flags != "" && err == nil {
			fmt.Println(flags)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "drivers:", err)
		os.Exit(1)
	}
}

func absUnder(root, dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(root, dir)
}

// StandIns are modules with the API the _driver files use of each vendor
// driver, by module path: DM8's DmError with ErrCode, registered as "dm";
// openGauss's lib/pq fork (here lib/pq itself) registered as "opengauss".
// They let the tagged files be compiled and checked where gitee.com is out
// of reach; they say nothing about the real drivers.
var StandIns = map[string]map[string]string{
	"gitee.com/chunanyong/dm": {
		"go.mod": "module gitee.com/chunanyong/dm\n\ngo 1.21\n",
		"dm.go": `package dm

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
)

type DmError struct {
	ErrCode int32
	ErrText string
}

func (e *DmError) Error() string { return fmt.Sprintf("[%d] %s", e.ErrCode, e.ErrText) }

type drv struct{}

func (drv) Open(string) (driver.Conn, error) {
	return nil, errors.Join(errors.New("stand-in DM8 driver"), &DmError{ErrCode: -70028, ErrText: "stand-in: no server"})
}

func init() { sql.Register("dm", drv{}) }
`,
	},
	"gitee.com/opengauss/openGauss-connector-go-pq": {
		"go.mod": "module gitee.com/opengauss/openGauss-connector-go-pq\n\ngo 1.21\n\nrequire github.com/lib/pq v1.10.9\n",
		"pq.go": `package pq

import (
	"database/sql"

	libpq "github.com/lib/pq"
)

type Error = libpq.Error

func CopyInSchema(schema, table string, columns ...string) string {
	return libpq.CopyInSchema(schema, table, columns...)
}

func init() { sql.Register("opengauss", &libpq.Driver{}) }
`,
	},
}

// WriteStandIns writes the stand-ins of drivers under dir and returns the
// -replace values that use them.
func WriteStandIns(dir string, drivers []Driver) ([]string, error) {
	var replaces []string
	for _, d := range drivers {
		files, ok := StandIns[d.Module]
		if !ok {
			return nil, fmt.Errorf("no stand-in for %s", d.Module)
		}
		mdir := filepath.Join(dir, filepath.Base(d.Module))
		if err := os.MkdirAll(mdir, 0o755); err != nil {
			return nil, err
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(mdir, name), []byte(body), 0o644); err != nil {
				return nil, err
			}
		}
		replaces = append(replaces, d.Module+"="+mdir)
	}
	return replaces, nil
}

// copyModule writes the module's files under dst, each _driver file of
// the tags in its package, and the modfile prepared in modDir as go.mod,
// and returns dst.
func copyModule(root, dst, modDir, tags string) (string, error) {
	if err := os.RemoveAll(dst); err != nil {
		return "", err
	}
	skip := map[string]bool{}
	for _, d := range Selected(tags) {
		for _, f := range d.Files {
			skip[filepath.Join(root, f)] = true
			to := filepath.Join(dst, filepath.Dir(filepath.Dir(f)), filepath.Base(f))
			if err := copyFile(filepath.Join(root, f), to); err != nil {
				return "", err
			}
		}
	}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || path == dst || path == modDir || d.Name() == "bin" || d.Name() == "dist" || d.Name() == "out") {
				return filepath.SkipDir
			}
			return nil
		}
		// Every file (embedded ones, testdata), but the _driver files are
		// only where the tags put them.
		if skip[path] || strings.Contains(path, string(filepath.Separator)+"_driver"+string(filepath.Separator)) || !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		return copyFile(path, filepath.Join(dst, rel))
	})
	if err != nil {
		return "", err
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if err := copyFile(filepath.Join(modDir, f), filepath.Join(dst, f)); err != nil {
			return "", err
		}
	}
	return dst, nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// Selected returns the drivers whose tag is among tags.
func Selected(tags string) []Driver {
	set := map[string]bool{}
	for _, t := range strings.FieldsFunc(tags, func(r rune) bool { return r == ',' || r == ' ' }) {
		set[t] = true
	}
	var out []Driver
	for _, d := range Drivers {
		if set[d.Tag] {
			out = append(out, d)
		}
	}
	return out
}

// prepare writes the modfile and overlay for tags under dir (relative to
// root unless absolute) and returns the go flags, or "" when no vendor
// driver is selected.
func prepare(root, dir, tags string, replaces []string) (string, error) {
	sel := Selected(tags)
	if len(sel) == 0 {
		return "", nil
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	modfile := filepath.Join(dir, "go.mod")
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			return "", err
		}
	}
	local := map[string]string{}
	for _, r := range replaces {
		mod, path, ok := strings.Cut(r, "=")
		if !ok || mod == "" || path == "" {
			return "", fmt.Errorf("-replace %q: want MODULE=DIR", r)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", err
		}
		local[mod] = abs
	}
	overlay := map[string]string{}
	for _, d := range sel {
		if path, ok := local[d.Module]; ok {
			if err := gocmd(root, "mod", "edit", "-modfile="+modfile, "-require="+d.Module+"@v0.0.0", "-replace="+d.Module+"="+path); err != nil {
				return "", err
			}
		} else {
			spec := d.Module + "@" + d.Version
			if v := os.Getenv(d.Env); v != "" {
				spec = v
				if !strings.Contains(v, "@") {
					spec = d.Module + "@" + v
				}
			}
			if err := gocmd(root, "get", "-modfile="+modfile, spec); err != nil {
				return "", fmt.Errorf("fetch the %s driver (%s) for the build tag %s: %w\n"+
					"the public Go module proxy does not serve gitee.com: set GOPROXY to a proxy that does, or "+
					"GOPRIVATE=%s GONOSUMDB=%s with direct access to gitee.com, or pass -replace %s=DIR with a local copy "+
					"(docs/dialects.md says more)", d.Tag, spec, d.Tag, err, d.Module, d.Module, d.Module)
			}
		}
		for _, f := range d.Files {
			src := filepath.Join(root, f)
			if _, err := os.Stat(src); err != nil {
				return "", err
			}
			dst := filepath.Join(filepath.Dir(filepath.Dir(src)), filepath.Base(src))
			overlay[dst] = src
		}
	}
	data, err := json.MarshalIndent(struct{ Replace map[string]string }{overlay}, "", "  ")
	if err != nil {
		return "", err
	}
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, data, 0o644); err != nil {
		return "", err
	}
	names := make([]string, 0, len(sel))
	for _, d := range sel {
		names = append(names, d.Tag)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "drivers: %s linked through %s and %s\n", strings.Join(names, ", "), modfile, ov)
	return "-modfile=" + modfile + " -overlay=" + ov, nil
}

func gocmd(dir string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// moduleRoot finds the directory of xcetl's go.mod from the working
// directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(data), "module github.com/xcetl/xcetl\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it inside the xcetl module (no go.mod of github.com/xcetl/xcetl above the working directory)")
		}
		dir = parent
	}
}
