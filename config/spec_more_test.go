package config

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

type commonKeys struct {
	Table string `yaml:"table,required" doc:"the table"`
	Mode  string `yaml:"mode" default:"append" enum:"append,upsert" enumdoc:"append=inserts;upsert=inserts or updates by key"`
}

func (c *commonKeys) Check(ch *Check) {
	if c.Table == "bad" {
		ch.Errorf("table", "table bad is refused by the inline Check")
	}
}

type dialectKeys struct {
	CopyFormat string `yaml:"copy_format" default:"auto" enum:"auto,text,binary"`
}

type maskRule struct {
	Rule string `yaml:"rule" shorthand:"true" enum:"idcard,mobile"`
	Left int    `yaml:"keep_left" min:"0"`
}

type moreSample struct {
	Common  commonKeys             `yaml:",inline"`
	Dialect dialectKeys            `yaml:",inline"`
	Derive  Ordered[string]        `yaml:"derive"`
	Masks   Ordered[maskRule]      `yaml:"mask"`
	Fields  Ordered[string]        `yaml:"fields" listkeys:"true"`
	Timeout time.Duration          `yaml:"timeout" min:">0"`
	Ratio   float64                `yaml:"ratio" min:">0" max:"1"`
	Inc     *struct{ Col string }  `yaml:"incremental" example:"{column: updated_at}"`
	Page    int                    `yaml:"start" default:"1"`
	Headers Ordered[moreHeaderVal] `yaml:"headers"`
}

type moreHeaderVal string

func decodeMore(t *testing.T, src string) (*moreSample, string) {
	t.Helper()
	n, err := Parse("p.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var s moreSample
	return &s, DecodeSpec(n, &s).Error()
}

func TestDecodeSpecInlineOrderedListKeys(t *testing.T) {
	s, errs := decodeMore(t, "table: t\ncopy_format: TEXT\nderive: {b: '1', a: '2'}\nmask: {phone: mobile, x: {keep_left: 2}}\nfields: [p, q]\n")
	if errs != "" {
		t.Fatal(errs)
	}
	if s.Common.Table != "t" || s.Common.Mode != "append" || s.Dialect.CopyFormat != "text" {
		t.Errorf("inline: %+v %+v", s.Common, s.Dialect)
	}
	if got := strings.Join(s.Derive.Keys(), ","); got != "b,a" {
		t.Errorf("ordered keys %s, want b,a (file order)", got)
	}
	if m, _ := s.Masks.Get("phone"); m.Rule != "mobile" {
		t.Errorf("shorthand in ordered: %+v", s.Masks)
	}
	if m, _ := s.Masks.Get("x"); m.Left != 2 {
		t.Errorf("long form in ordered: %+v", s.Masks)
	}
	if len(s.Fields) != 2 || s.Fields[1].Key != "q" || s.Fields[1].Value != "" {
		t.Errorf("listkeys: %+v", s.Fields)
	}
	s, errs = decodeMore(t, "table: t\nfields: {a: b}\n")
	if errs != "" || s.Fields[0].Value != "b" {
		t.Errorf("listkeys mapping form: %+v %s", s.Fields, errs)
	}
}

func TestDecodeSpecMoreProblems(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"inline strict keys", "table: t\ncopy_fromat: text\n", `unknown key "copy_fromat" (did you mean "copy_format"?)`},
		{"inline required", "mode: append\n", `missing required key "table"`},
		{"inline check", "table: bad\n", `p.yaml:1:8: table: table bad is refused by the inline Check`},
		{"enumdoc", "table: t\nmode: upsrt\n", `unknown mode "upsrt" (did you mean "upsert"?); one of: append (inserts), upsert (inserts or updates by key)`},
		{"shorthand enum names the long form", "table: t\nmask: {p: mobil}\n", `p.yaml:2:11: mask.p: unknown rule "mobil" (did you mean "mobile"?); one of: idcard, mobile; or a mapping of keep_left`},
		{"exclusive duration", "table: t\ntimeout: 0s\n", `timeout must be more than 0, not 0s`},
		{"exclusive and inclusive", "table: t\nratio: 0\n", `ratio must be more than 0 and at most 1, not 0`},
		{"ordered shape", "table: t\nderive: [a]\n", `derive: expected a mapping, got a list`},
		{"hint from example", "table: t\nincremental: files\n", `expected a mapping of keys, got a scalar (e.g. incremental: {column: updated_at})`},
		{"listkeys item", "table: t\nfields: [[a]]\n", `expected a name, got a list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := decodeMore(t, tt.src)
			if !strings.Contains(got, tt.want) {
				t.Errorf("errors lack %q; got:\n%s", tt.want, got)
			}
		})
	}
}

func TestCheckHasIgnoresDefaultsInGo(t *testing.T) {
	s := &moreSample{}
	Defaults(s)
	c := &Check{val: reflectValue(s)}
	if c.Has("start") {
		t.Error("Has(start) is true for a Go spec holding only the default")
	}
	s.Page = 3
	if !c.Has("start") {
		t.Error("Has(start) is false for a Go spec that set it")
	}
}

func TestValidateGoSpecOrdered(t *testing.T) {
	s := &moreSample{Common: commonKeys{Table: "t"}, Masks: Ordered[maskRule]{{Key: "p", Value: maskRule{Rule: "phone"}}}}
	Defaults(s)
	got := Validate(s, "transforms[0]").Error()
	if !strings.Contains(got, `transforms[0].mask.p.rule: unknown rule "phone"`) {
		t.Errorf("Validate: %s", got)
	}
}

func TestDescribeInlineAndOrdered(t *testing.T) {
	byKey := map[string]FieldDoc{}
	for _, d := range Describe(moreSample{}) {
		byKey[d.Key] = d
	}
	if _, ok := byKey["copy_format"]; !ok {
		t.Errorf("inline keys not described: %v", byKey)
	}
	if d := byKey["mode"]; len(d.EnumDoc) != 2 || d.EnumDoc[1] != "inserts or updates by key" {
		t.Errorf("enumdoc: %+v", d)
	}
	if d := byKey["mask"]; d.Type != "mapping of mappings" || len(d.Fields) != 2 {
		t.Errorf("ordered of structs: %+v", d)
	}
	if d := byKey["fields"]; d.Type != "mapping of strings, or a list of names" || !d.ListKeys {
		t.Errorf("listkeys: %+v", d)
	}
}

func reflectValue(p any) reflect.Value { return reflect.ValueOf(p).Elem() }

// FuzzDecodeSpec: any YAML decodes into a declared spec (inline structs,
// Ordered mappings, shorthands, list keys, bounds) without panicking, and
// what it accepts as a Go value too encodes back to a tree that decodes.
func FuzzDecodeSpec(f *testing.F) {
	for _, s := range []string{"table: t\nmask: {a: mobile, b: {keep_left: 1}}\nfields: [a]\n", "table: t\nderive: {a: '1'}\ntimeout: 1s\nratio: 0.5\n", "{}", "table: [1]\nfields: {a: b}\nstart: x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := Parse("f.yaml", []byte(src), nil)
		if err != nil || n == nil {
			return
		}
		var s moreSample
		if errs := DecodeSpec(n, &s); len(errs) > 0 {
			return
		}
		if errs := Validate(&s, ""); len(errs) > 0 {
			return // written but empty (`table:`): a Go spec says that by leaving it out
		}
		back, err := Encode(&s, "")
		if err != nil {
			t.Fatalf("encode %+v: %v", s, err)
		}
		var again moreSample
		if errs := DecodeSpec(back, &again); len(errs) > 0 {
			t.Fatalf("%q decodes, its encoding does not: %v", src, errs)
		}
	})
}
