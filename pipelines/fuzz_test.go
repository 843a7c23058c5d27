package pipelines_test

import (
	"testing"

	"github.com/xcetl/xcetl/pipelines"
)

// FuzzPipeline feeds arbitrary bytes through the pipeline loader (YAML,
// interpolation, strict decoding, plugin factories). It must never panic
// and must return either a pipeline or an error.
func FuzzPipeline(f *testing.F) {
	f.Add([]byte("version: 1\nname: x\nsource: {type: gen, rows: 3}\ntarget: {type: rec, name: fz}\n"))
	f.Add([]byte("version: 1\nname: x\nsource: {type: gen}\ntransforms: [{every: {reject: 2}}]\ntarget: {type: rec}\nerrors: {max_rejects: 5%}\n"))
	f.Add([]byte("version: ${V:-1}\nname: &n x\ndescription: *n\nsource: {type: nope}\ntarget: []\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		spec, err := pipelines.Parse("f.yaml", src, pipelines.WithLookupEnv(noEnv))
		if err != nil {
			return
		}
		p, err := pipelines.New(spec)
		if err == nil && p == nil {
			t.Fatal("nil pipeline without error")
		}
	})
}
