// Command specdoc writes the reference tables of docs/pipeline.md from the
// declared specs of the plugins (package config), so that the docs say what
// the code accepts:
//
//	go run ./internal/tools/specdoc            rewrite docs/pipeline.md
//	go run ./internal/tools/specdoc -check     exit 1 if it is out of date
//
// It rewrites the regions between `<!-- specdoc KIND NAME -->` and
// `<!-- /specdoc -->` (KIND is source, transform or target; `<!-- specdoc
// pipeline -->` is the file's top-level keys, `<!-- specdoc targets -->`
// the keys every SQL target shares and those of each one, `<!-- specdoc
// unlisted -->` every declared plugin that has no region of its own,
// `<!-- specdoc testfile -->` the keys of an `xcetl test` file).
// Text outside the regions is left as it is.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/internal/pipetest"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/pipelines"
	"github.com/xcetl/xcetl/transform"

	_ "github.com/xcetl/xcetl/all"
)

// Doc is the file the tables are written into, relative to the module root.
const Doc = "docs/pipeline.md"

// Regenerate is the command that rewrites the docs, for messages.
const Regenerate = "go run ./internal/tools/specdoc"

func main() {
	check := flag.Bool("check", false, "do not write: exit 1 if "+Doc+" differs from what the specs give")
	root := flag.String("root", ".", "the module root")
	flag.Parse()
	path := filepath.Join(*root, Doc)
	old, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	out, err := Rewrite(old)
	if err != nil {
		fail(err)
	}
	if bytes.Equal(old, out) {
		return
	}
	if *check {
		fail(fmt.Errorf("%s is out of date with the declared specs; run `%s`", Doc, Regenerate))
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "specdoc:", err)
	os.Exit(1)
}

// plugin is one declared plugin as the docs show it.
type plugin struct {
	kind, name string
	spec       reflect.Type
	doc        config.Doc
}

func plugins() []plugin {
	var out []plugin
	for _, p := range extract.Plugins() {
		out = append(out, plugin{"source", p.Name, p.Spec, p.Doc})
	}
	for _, p := range transform.Plugins() {
		out = append(out, plugin{"transform", p.Name, p.Spec, p.Doc})
	}
	for _, p := range load.Plugins() {
		out = append(out, plugin{"target", p.Name, p.Spec, p.Doc})
	}
	return out
}

var region = regexp.MustCompile(`(?s)(<!-- specdoc ([a-z]+)(?: ([a-z0-9_-]+))? -->\n)(.*?)(<!-- /specdoc -->)`)

// Rewrite returns doc with every region regenerated.
func Rewrite(doc []byte) ([]byte, error) {
	all := plugins()
	listed := map[string]bool{}
	for _, m := range region.FindAllSubmatch(doc, -1) {
		listed[string(m[2])+" "+string(m[3])] = true
	}
	var problems []string
	out := region.ReplaceAllFunc(doc, func(m []byte) []byte {
		sm := region.FindSubmatch(m)
		kind, name := string(sm[2]), string(sm[3])
		body, err := render(kind, name, all, listed)
		if err != nil {
			problems = append(problems, err.Error())
		}
		return slices.Concat(sm[1], []byte(body), sm[5])
	})
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return out, nil
}

func render(kind, name string, all []plugin, listed map[string]bool) (string, error) {
	switch kind {
	case "pipeline":
		return table(config.Describe(pipelines.FileSpecType()), ""), nil
	case "targets":
		return targets(all), nil
	case "testfile":
		return "Every key of a test file:\n\n" + table(config.Describe(pipetest.FileType()), ""), nil
	case "unlisted":
		var b strings.Builder
		for _, p := range all {
			if p.spec == nil || listed[p.kind+" "+p.name] || p.kind == "target" && listed["targets "] {
				continue
			}
			fmt.Fprintf(&b, "\n#### %s `%s`\n\n%s\n\n%s", p.kind, p.name, p.doc.Summary, table(config.Describe(p.spec), ""))
		}
		return b.String(), nil
	case "source", "transform", "target":
		for _, p := range all {
			if p.kind == kind && p.name == name {
				if p.spec == nil {
					return "<!-- " + kind + " " + name + " declares no spec yet: its keys are described above -->\n", nil
				}
				return plainSpec(p) + table(config.Describe(p.spec), ""), nil
			}
		}
		return "", fmt.Errorf("%s: no %s named %q is registered", Doc, kind, name)
	}
	return "", fmt.Errorf("%s: unknown region kind %q", Doc, kind)
}

// plainSpec says what a spec that is not a mapping of keys takes, and the
// keys of its values when they are mappings (mask's rules).
func plainSpec(p plugin) string {
	if p.spec.Kind() == reflect.Struct {
		return ""
	}
	out := "`" + p.name + "` takes " + p.doc.Shape + ".\n"
	var elem reflect.Type
	switch {
	case config.IsOrdered(p.spec):
		elem = config.OrderedValue(p.spec)
	case p.spec.Kind() == reflect.Map || p.spec.Kind() == reflect.Slice:
		elem = p.spec.Elem()
	}
	if elem == nil {
		return out
	}
	if fields := config.Describe(elem); len(fields) > 0 {
		out += "Each value takes these keys:\n\n" + table(fields, "")
	}
	return out
}

// targets is the table of the keys every target type shares, then one of
// the keys only some have.
func targets(all []plugin) string {
	var ts []plugin
	for _, p := range all {
		if p.kind == "target" && p.spec != nil {
			ts = append(ts, p)
		}
	}
	if len(ts) == 0 {
		return ""
	}
	count := map[string]int{}
	byKey := map[string]config.FieldDoc{}
	owners := map[string][]string{}
	var order []string
	for _, p := range ts {
		for _, f := range config.Describe(p.spec) {
			if count[f.Key] == 0 {
				order = append(order, f.Key)
				byKey[f.Key] = f
			}
			count[f.Key]++
			owners[f.Key] = append(owners[f.Key], p.name)
		}
	}
	var common, own []config.FieldDoc
	for _, k := range order {
		if count[k] == len(ts) {
			common = append(common, byKey[k])
		} else {
			f := byKey[k]
			f.Doc = strings.Join(owners[k], ", ") + " only: " + f.Doc
			own = append(own, f)
		}
	}
	out := table(common, "")
	if len(own) > 0 {
		out += "\nKeys of some target types only:\n\n" + table(own, "")
	}
	return out
}

// table renders the keys of a spec, nested ones as parent.key rows.
func table(fields []config.FieldDoc, prefix string) string {
	if len(fields) == 0 {
		return ""
	}
	var b strings.Builder
	if prefix == "" {
		b.WriteString("| key | type | default | meaning |\n|---|---|---|---|\n")
	}
	for _, f := range fields {
		key := prefix + f.Key
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", key, typeCell(f), defaultCell(f), meaningCell(f))
		if len(f.Fields) > 0 {
			sub := key + "."
			if strings.HasPrefix(f.Type, "mapping of") || strings.HasPrefix(f.Type, "list of") {
				sub = key + ".*."
			}
			b.WriteString(table(f.Fields, sub))
		}
	}
	return b.String()
}

func typeCell(f config.FieldDoc) string {
	t := f.Type
	if len(f.Enum) > 0 {
		vals := make([]string, len(f.Enum))
		for i, e := range f.Enum {
			vals[i] = "`" + e + "`"
		}
		t = strings.Join(vals, " | ")
		if strings.HasPrefix(f.Type, "list of") {
			t = "list of " + t
		}
	}
	switch {
	case f.Min != "" && f.Max != "":
		t += ", " + bound(f.Min) + ".." + bound(f.Max)
	case f.Min != "":
		t += ", " + atLeast(f.Min)
	case f.Max != "":
		t += ", at most " + f.Max
	}
	if f.Required {
		t += ", **required**"
	}
	return escape(t)
}

func bound(s string) string { return strings.TrimLeft(s, "<>") }

func atLeast(s string) string {
	if rest, ok := strings.CutPrefix(s, ">"); ok {
		return "more than " + rest
	}
	return "at least " + s
}

func defaultCell(f config.FieldDoc) string {
	if f.Default == "" {
		return ""
	}
	return "`" + escape(f.Default) + "`"
}

func meaningCell(f config.FieldDoc) string {
	m := f.Doc
	var vals []string
	for i, e := range f.Enum {
		if i < len(f.EnumDoc) && f.EnumDoc[i] != "" {
			vals = append(vals, "`"+e+"`: "+f.EnumDoc[i])
		}
	}
	if len(vals) > 0 {
		m += " — " + strings.Join(vals, "; ")
	}
	if len(f.Aliases) > 0 {
		m += " (formerly `" + strings.Join(f.Aliases, "`, `") + "`)"
	}
	if f.Shorthand {
		m += " (may be written alone, without its mapping)"
	}
	if f.Example != "" {
		m += ". Example: `" + f.Example + "`"
	}
	return escape(m)
}

// escape keeps a cell's text from ending the cell.
func escape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
