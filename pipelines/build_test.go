package pipelines_test

import (
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects/pgfamily"
	"github.com/xcetl/xcetl/extract/api"
	"github.com/xcetl/xcetl/load"
	"github.com/xcetl/xcetl/pipelines"
	"github.com/xcetl/xcetl/transform/column"
	"github.com/xcetl/xcetl/transform/sm"
)

// TestBuildChecksLikeAFile: a Definition gets the defaults, allowed values
// and cross-key rules of the declared specs, and a wrong spec type is
// named.
func TestBuildChecksLikeAFile(t *testing.T) {
	good := pipelines.Definition{
		Name:       "api_people",
		Source:     pipelines.Part{Type: "api", Spec: &api.Spec{URL: "http://127.0.0.1:1/people", Pagination: api.Pagination{Type: "page"}}},
		Transforms: []pipelines.Part{{Type: "drop", Spec: column.DropSpec{"tmp"}}},
		Target:     pipelines.Part{Type: "postgres", Spec: load.SQLSpec{DSN: xcetl.NewSecret("postgres://u:pw-123@h/db"), Table: "people", Commit: "batch"}},
	}
	p, err := pipelines.Build(good)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Join(p.Spec().Source().Settings(), "\n")
	for _, want := range []string{"pagination.type: page", "pagination.start: 1 (default)", "timeout: 30s (default)", "method: GET (default)"} {
		if !strings.Contains(src, want) {
			t.Errorf("source settings lack %q:\n%s", want, src)
		}
	}
	if tgt := strings.Join(p.Spec().Target().Settings(), "\n"); !strings.Contains(tgt, "dsn: [redacted]") || strings.Contains(tgt, "pw-123") || !strings.Contains(tgt, "commit: batch") {
		t.Errorf("target settings:\n%s", tgt)
	}
	if p.Spec().Transforms()[0].Type() != "drop" || p.Spec().Target().Type() != "postgres" {
		t.Errorf("types: %v %v", p.Spec().Transforms()[0].Type(), p.Spec().Target().Type())
	}

	tests := []struct {
		name string
		edit func(*pipelines.Definition)
		want []string
	}{
		{"wrong spec type", func(d *pipelines.Definition) { d.Transforms[0].Spec = column.RenameSpec{"a": "b"} },
			[]string{"transforms[0].drop: drop takes a column.DropSpec, not a column.RenameSpec"}},
		{"cross-key rule", func(d *pipelines.Definition) {
			d.Source.Spec = api.Spec{URL: "http://h/p", Pagination: api.Pagination{Type: "cursor"}}
			d.Target.Spec = load.SQLSpec{DSN: xcetl.NewSecret("x"), Table: "t", Mode: "replace", Commit: "batch"}
		}, []string{"source.pagination.cursor_path: pagination type cursor needs cursor_path", "target.commit: replace is atomic only with commit: run"}},
		{"dialect options", func(d *pipelines.Definition) {
			d.Target = pipelines.Part{Type: "opengauss", Spec: load.SQLSpec{DSN: xcetl.NewSecret("x"), Table: "t", Options: pgOptions("binary")}}
		}, []string{"target.copy_format: copy_format binary is not available for opengauss"}},
		{"a key of another transform", func(d *pipelines.Definition) {
			d.Transforms = []pipelines.Part{{Type: "encrypt", Spec: sm.EncryptSpec{CryptSpec: sm.CryptSpec{Fields: []sm.Column{"a"}, Key: xcetl.NewSecret("short")}}}}
		}, []string{"transforms[0].encrypt.key: encrypt: key: an SM4 key must be 32 hex characters"}},
		{"unknown type", func(d *pipelines.Definition) { d.Target.Type = "postgress" }, []string{`unknown target type "postgress" (did you mean "postgres"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good
			d.Transforms = append([]pipelines.Part(nil), good.Transforms...)
			tt.edit(&d)
			_, err := pipelines.Build(d)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "short") {
				t.Errorf("a key in the error: %v", err)
			}
		})
	}
}

func pgOptions(format string) any {
	return pgfamily.Options{CopyFormat: format}
}
