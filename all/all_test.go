package all_test

import (
	"reflect"
	"testing"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/transform"

	_ "github.com/xcetl/xcetl/all"
)

// TestDeclaredSpecs checks every registered plugin's declared spec: its
// tags parse (Describe), its defaults decode (Defaults panics otherwise),
// and it has a summary for the reference docs.
func TestDeclaredSpecs(t *testing.T) {
	type plugin struct {
		kind, name string
		spec       reflect.Type
		doc        config.Doc
	}
	var all []plugin
	for _, p := range extract.Plugins() {
		all = append(all, plugin{"source", p.Name, p.Spec, p.Doc})
	}
	for _, p := range transform.Plugins() {
		all = append(all, plugin{"transform", p.Name, p.Spec, p.Doc})
	}
	for _, p := range load.Plugins() {
		all = append(all, plugin{"target", p.Name, p.Spec, p.Doc})
	}
	for _, p := range all {
		if p.spec == nil {
			continue
		}
		t.Run(p.kind+"/"+p.name, func(t *testing.T) {
			if p.doc.Summary == "" {
				t.Errorf("no Doc.Summary")
			}
			config.Describe(p.spec)
			v := reflect.New(p.spec)
			config.Defaults(v.Interface())
		})
	}
}
