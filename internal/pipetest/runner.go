package pipetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/xcetl/xcetl"
)

// Options configure Run.
type Options struct {
	// Update writes each case's actual output as its `want:`.
	Update bool
	// Out receives the report: a line per test file, the differences of
	// every failing case.
	Out io.Writer
	// Logger receives the plugins' log records (default: discarded).
	Logger *slog.Logger
}

// Result counts what Run did.
type Result struct {
	Files, Cases, Failed, Updated int
}

// Find returns the test files under paths: a test file itself, the test
// file of a pipeline (x.yaml → x_test.yaml next to it), or every test file
// in a directory tree, in lexical order.
func Find(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", xcetl.ErrInvalid, err)
		}
		switch {
		case st.IsDir():
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() && path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				if !d.IsDir() && strings.HasSuffix(d.Name(), Suffix) {
					out = append(out, path)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		case strings.HasSuffix(p, Suffix):
			out = append(out, p)
		default:
			t := strings.TrimSuffix(strings.TrimSuffix(p, ".yaml"), ".yml") + Suffix
			if _, err := os.Stat(t); err != nil {
				return nil, fmt.Errorf("%w: %s has no test file %s", xcetl.ErrInvalid, p, t)
			}
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Run runs every case of every test file under paths and reports on
// o.Out. A case fails when its output differs from its want (or it has
// none); a test file that does not parse, or a pipeline that does not
// build, is an error (xcetl.ErrInvalid for an invalid file).
func Run(ctx context.Context, paths []string, o Options) (Result, error) {
	var res Result
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	files, err := Find(paths)
	if err != nil {
		return res, err
	}
	if len(files) == 0 {
		return res, fmt.Errorf("%w: no test files (*%s) under %s", xcetl.ErrInvalid, Suffix, strings.Join(paths, ", "))
	}
	var errs []error
	for _, f := range files {
		res.Files++
		if err := runFile(ctx, f, o, &res); err != nil {
			fmt.Fprintf(o.Out, "ERROR %s\n  %s\n", f, strings.ReplaceAll(err.Error(), "\n", "\n  "))
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

func runFile(ctx context.Context, path string, o Options, res *Result) error {
	l, err := load(path)
	if err != nil {
		return err
	}
	var report strings.Builder
	failed, updated := 0, map[int]*Output{}
	tests := l.root.Get("tests")
	for i := range l.spec.Tests {
		tc := &l.spec.Tests[i]
		res.Cases++
		got, err := runCase(ctx, l, tc, tests.Items[i], o.Logger)
		if err != nil {
			return fmt.Errorf("case %q: %w", tc.Name, err)
		}
		if o.Update {
			updated[i] = got
			continue
		}
		if tc.Want == nil {
			failed++
			fmt.Fprintf(&report, "  --- FAIL: %s: no want: (run xcetl test --update to write what it gives)\n", tc.Name)
			continue
		}
		if d := diff(tc.Want, got); len(d) > 0 {
			failed++
			fmt.Fprintf(&report, "  --- FAIL: %s (%s)\n", tc.Name, tests.Items[i].Get("name").Pos)
			for _, line := range d {
				fmt.Fprintf(&report, "      %s\n", strings.ReplaceAll(line, "\n", "\n      "))
			}
		}
	}
	if o.Update {
		if err := update(l, updated); err != nil {
			return err
		}
		res.Updated += len(updated)
		fmt.Fprintf(o.Out, "updated %s (%d cases)\n", path, len(updated))
		return nil
	}
	res.Failed += failed
	if failed > 0 {
		fmt.Fprintf(o.Out, "FAIL %s (%d of %d cases)\n%s", path, failed, len(l.spec.Tests), report.String())
		return nil
	}
	fmt.Fprintf(o.Out, "ok   %s (%d cases)\n", path, len(l.spec.Tests))
	return nil
}

// update writes the outputs as the cases' `want:`, keeping the rest of the
// file (comments too).
func update(l *loaded, outs map[int]*Output) error {
	f, err := parser.ParseBytes(l.src, parser.ParseComments)
	if err != nil {
		return err
	}
	for i := 0; i < len(l.spec.Tests); i++ {
		got, ok := outs[i]
		if !ok {
			continue
		}
		if l.spec.Tests[i].Want != nil {
			p, err := yaml.PathString(fmt.Sprintf("$.tests[%d].want", i))
			if err != nil {
				return err
			}
			if err := p.ReplaceWithReader(f, strings.NewReader(wantYAML(got, ""))); err != nil {
				return fmt.Errorf("%s: tests[%d].want: %w", l.path, i, err)
			}
			continue
		}
		p, err := yaml.PathString(fmt.Sprintf("$.tests[%d]", i))
		if err != nil {
			return err
		}
		if err := p.MergeFromReader(f, strings.NewReader("want:\n"+wantYAML(got, "  "))); err != nil {
			return fmt.Errorf("%s: tests[%d]: %w", l.path, i, err)
		}
	}
	out := f.String()
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return os.WriteFile(l.path, []byte(out), 0o644)
}
