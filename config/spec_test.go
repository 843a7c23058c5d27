package config

import (
	"strings"
	"testing"
	"time"
)

type castTo struct {
	To     string `yaml:"to,required" shorthand:"true" doc:"the type"`
	Format string `yaml:"format"`
}

type specSample struct {
	Path      string            `yaml:"path,required" doc:"file or glob"`
	Encoding  string            `yaml:"encoding" default:"auto" enum:"auto,utf-8,gbk" enumalias:"utf8=utf-8,cp936=gbk" doc:"text encoding"`
	Header    *bool             `yaml:"header" default:"true"`
	Nulls     []string          `yaml:"null_values" default:"[\"\"]"`
	Batch     int               `yaml:"batch_size" default:"5000" min:"1" max:"1000000"`
	Timeout   time.Duration     `yaml:"timeout" default:"30s" min:"1s"`
	Modes     []string          `yaml:"modes" enum:"a,b"`
	Delimiter string            `yaml:"delimiter" alias:"sep"`
	Casts     map[string]castTo `yaml:"cast"`
	Quote     string            `yaml:"quote"`
}

func (s *specSample) Check(c *Check) {
	if len(s.Quote) > 1 {
		c.Errorf("quote", "quote must be one character, got %q", s.Quote)
	}
	if s.Quote != "" && s.Quote == s.Delimiter {
		c.Errorf("quote", "delimiter and quote are both %q", s.Quote)
	}
}

func decodeSample(t *testing.T, src string) (*specSample, string) {
	t.Helper()
	n, err := Parse("p.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var s specSample
	errs := DecodeSpec(n, &s)
	return &s, errs.Error()
}

func TestDecodeSpecDefaults(t *testing.T) {
	s, errs := decodeSample(t, "path: a.csv\nheader: false\ncast: {id: int, d: {to: date, format: '2006'}}\n")
	if errs != "" {
		t.Fatal(errs)
	}
	if s.Encoding != "auto" || s.Header == nil || *s.Header || len(s.Nulls) != 1 || s.Nulls[0] != "" ||
		s.Batch != 5000 || s.Timeout != 30*time.Second {
		t.Fatalf("defaults not applied or written values lost: %+v", s)
	}
	if s.Casts["id"].To != "int" || s.Casts["d"].To != "date" || s.Casts["d"].Format != "2006" {
		t.Fatalf("shorthand: %+v", s.Casts)
	}
}

func TestDecodeSpecProblems(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"enum alias and case", "path: a\nencoding: UTF8\n", nil},
		{"enum unknown", "path: a\nencoding: utf-9\n", []string{`p.yaml:2:11: encoding: unknown encoding "utf-9" (did you mean "utf-8"?); one of: auto, utf-8, gbk`}},
		{"enum list item", "path: a\nmodes: [a, c]\n", []string{`p.yaml:2:12: modes[1]: unknown modes "c"`}},
		{"range", "path: a\nbatch_size: 0\n", []string{`p.yaml:2:13: batch_size: batch_size must be 1..1000000, not 0`}},
		{"duration range", "path: a\ntimeout: 10ms\n", []string{`timeout must be at least 1s, not 10ms`}},
		{"alias", "path: a\nsep: ';'\n", nil},
		{"alias twice", "path: a\ndelimiter: ','\nsep: ';'\n", []string{`p.yaml:3:1: sep: "delimiter" and "sep" are the same key`}},
		{"check", "path: a\nquote: \"'\"\nsep: \"'\"\n", []string{`p.yaml:2:8: quote: delimiter and quote are both "'"`}},
		{"check once per key", "path: a\nquote: ab\nsep: ab\n", []string{`quote must be one character`}},
		{"required", "encoding: gbk\n", []string{`missing required key "path"`}},
		{"shorthand required", "path: a\ncast: {d: {format: x}}\n", []string{`cast.d: missing required key "to"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := decodeSample(t, tt.src)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("errors lack %q; got:\n%s", w, got)
				}
			}
			if n := len(tt.want); (n == 0) != (got == "") || strings.Count(got, "\n")+1 != n && n > 0 {
				t.Errorf("got %q, want %d problem(s)", got, n)
			}
		})
	}
}

func TestDecodeSpecCanonicalEnum(t *testing.T) {
	s, errs := decodeSample(t, "path: a\nencoding: CP936\n")
	if errs != "" || s.Encoding != "gbk" {
		t.Fatalf("encoding = %q, errs %q; want gbk", s.Encoding, errs)
	}
}

func TestValidateGoSpec(t *testing.T) {
	s := &specSample{Batch: 0, Quote: ";", Delimiter: ";"}
	Defaults(s)
	if s.Batch != 5000 || s.Encoding != "auto" || s.Header == nil || !*s.Header {
		t.Fatalf("Defaults: %+v", s)
	}
	got := Validate(s, "source").Error()
	for _, w := range []string{`source: missing required key "path"`, `source.quote: delimiter and quote are both ";"`} {
		if !strings.Contains(got, w) {
			t.Errorf("Validate lacks %q; got:\n%s", w, got)
		}
	}
	s.Path, s.Quote, s.Encoding = "a.csv", "", "latin9"
	if got := Validate(s, "source").Error(); !strings.Contains(got, `source.encoding: unknown encoding "latin9"`) {
		t.Errorf("Validate enum: %s", got)
	}
}

func TestDescribe(t *testing.T) {
	docs := Describe(specSample{})
	byKey := map[string]FieldDoc{}
	for _, d := range docs {
		byKey[d.Key] = d
	}
	if d := byKey["encoding"]; d.Type != "string" || d.Default != "auto" || len(d.Enum) != 3 || d.Doc != "text encoding" {
		t.Errorf("encoding: %+v", d)
	}
	if d := byKey["path"]; !d.Required {
		t.Errorf("path not required: %+v", d)
	}
	if d := byKey["cast"]; d.Type != "mapping of mappings" || len(d.Fields) != 2 || !d.Fields[0].Shorthand {
		t.Errorf("cast: %+v", d)
	}
	if d := byKey["null_values"]; d.Type != "list of strings" {
		t.Errorf("null_values: %+v", d)
	}
	if d := byKey["delimiter"]; len(d.Aliases) != 1 || d.Aliases[0] != "sep" {
		t.Errorf("delimiter: %+v", d)
	}
}
