// Package mask implements the `mask` transform, which hides part of a
// personal value for display and test copies (`mask: {phone: mobile,
// id_card: idcard, name: name}`). Everything is counted in characters
// (runes), never bytes, so 王小明 masks as 王** and not as broken UTF-8.
package mask

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

func init() {
	transform.RegisterSpec("mask", config.Doc{
		Summary: "hides part of personal values (counted in characters); the columns become strings",
		Example: "mask: {name: name, phone: mobile, id_card: idcard, remark: {keep_left: 1, keep_right: 1, char: \"#\"}}",
		Shape:   "a mapping of column: rule, e.g. {phone: mobile, id_card: idcard, name: name}",
	}, newTransform)
}

// Rule turns one value into its masked form. It is given a non-empty
// string and returns the masked string.
type Rule interface {
	Mask(s string) string
	String() string
}

// Keep is the generic rule: the first Left and last Right characters stay,
// every other character becomes Char. A value with no more than Left+Right
// characters is masked whole: a rule that would show everything shows
// nothing instead.
type Keep struct {
	Left, Right int
	Char        rune
}

// Mask implements Rule.
func (k Keep) Mask(s string) string {
	r := []rune(s)
	n := len(r)
	left, right := k.Left, k.Right
	if n <= left+right {
		left, right = 0, 0
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for i, c := range r {
		if i < left || i >= n-right {
			sb.WriteRune(c)
		} else {
			sb.WriteRune(k.Char)
		}
	}
	return sb.String()
}

func (k Keep) String() string {
	return fmt.Sprintf("keep %d + %d, mask with %q", k.Left, k.Right, k.Char)
}

// Name keeps the surname (a compound surname such as 欧阳 or 诸葛 whole)
// and masks the given name, one '*' per character. A one-character value
// is masked whole.
type Name struct{}

// Mask implements Rule.
func (Name) Mask(s string) string {
	r := []rune(s)
	keep := 1
	if len(r) >= 3 && compound[string(r[:2])] {
		keep = 2
	}
	if len(r) <= 1 {
		keep = 0
	}
	return string(r[:keep]) + strings.Repeat("*", len(r)-keep)
}

func (Name) String() string { return "name (keep the surname)" }

// Address keeps the first 6 characters and writes "****" for the rest. An
// address of 6 characters or fewer keeps half of them (rounded down), so
// that the mask always hides something.
type Address struct{}

// Mask implements Rule.
func (Address) Mask(s string) string {
	n := utf8.RuneCountInString(s)
	keep := 6
	if n <= 6 {
		keep = n / 2
	}
	i := 0
	for k := 0; k < keep; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "****"
}

func (Address) String() string { return "address (first 6 characters, then ****)" }

// compound lists the compound surnames (复姓) kept whole by the name rule.
// It is filled once in init and only read afterwards.
//
// Left out on purpose: 宗政, 乐正, 单于, 谷梁 and 褚师, whose first
// character is also a common one-character surname and whose second is a
// common given-name character (宗政伟 is more likely 宗 + 政伟). Guessing
// "compound" wrongly would show a character of the given name; guessing
// "single" wrongly only hides one more character.
var compound = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊
		赫连 澹台 皇甫 濮阳 公冶 太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车
		亓官 司寇 巫马 公西 颛孙 壤驷 公良 漆雕 宰父 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭
		南门 羊舌 微生 公户 公玉 公仪 梁丘 公仲 公上 公门 公山 公坚 左丘 公伯 西门 公祖 第五 公乘 贯丘
		公皙 南荣 东里 东宫 仲长 子书 子桑 即墨 达奚 淳于 完颜`) {
		compound[s] = true
	}
}

// Named returns the built-in rule called name: idcard, mobile, name,
// bankcard or address.
func Named(name string) (Rule, bool) {
	switch name {
	case "idcard":
		return Keep{6, 4, '*'}, true
	case "mobile":
		return Keep{3, 4, '*'}, true
	case "bankcard":
		return Keep{0, 4, '*'}, true
	case "name":
		return Name{}, true
	case "address":
		return Address{}, true
	}
	return nil, false
}

// Spec is the configuration of `mask`: column → rule.
type Spec = config.Ordered[RuleSpec]

// RuleSpec is one column's rule: a built-in rule's name (the short form
// `phone: mobile`) or the generic {keep_left, keep_right, char}.
type RuleSpec struct {
	Rule      string `yaml:"rule" shorthand:"true" enum:"idcard,mobile,name,bankcard,address" enumdoc:"idcard=keep 6 + 4;mobile=keep 3 + 4;name=keep the surname, a compound one whole;bankcard=keep the last 4;address=the first 6 characters, then ****" doc:"a built-in rule" example:"mobile"`
	KeepLeft  int    `yaml:"keep_left" min:"0" doc:"generic rule: characters kept at the start"`
	KeepRight int    `yaml:"keep_right" min:"0" doc:"generic rule: characters kept at the end"`
	Char      string `yaml:"char" default:"*" doc:"generic rule: the character written for each hidden one"`
}

// Check refuses a rule mixed with the generic keys, and a char of more
// than one character.
func (r *RuleSpec) Check(c *config.Check) {
	if r.Rule != "" && (c.Has("keep_left") || c.Has("keep_right") || c.Has("char")) {
		c.Errorf("rule", "rule %s is a built-in rule; keep_left, keep_right and char are for the generic rule without it", r.Rule)
	}
	if utf8.RuneCountInString(r.Char) != 1 {
		c.Errorf("char", "char must be one character, got %q", r.Char)
	}
}

// rule returns the Rule the spec describes.
func (r RuleSpec) rule() Rule {
	if r.Rule != "" {
		rule, _ := Named(r.Rule) // the enum is checked
		return rule
	}
	ch, _ := utf8.DecodeRuneInString(r.Char)
	return Keep{Left: r.KeepLeft, Right: r.KeepRight, Char: ch}
}

type spec struct {
	col  transform.Name
	rule Rule
}

type bound struct {
	idx  int
	rule Rule
}

// Transform is the `mask` transform. NULL and empty values stay as they
// are; other values are masked as text and the columns become strings.
// Apply is safe for concurrent use once Bind has returned.
type Transform struct {
	specs   []spec
	in, out *xcetl.Schema
	bound   []bound
}

func newTransform(sp *Spec, env transform.Env) (transform.Transform, error) {
	t := &Transform{}
	for i, col := range transform.KeyNames(env.Node, env.Path, sp.Keys()) {
		t.specs = append(t.specs, spec{col: col, rule: (*sp)[i].Value.rule()})
	}
	return t, nil
}

// Bind finds the masked columns; they become strings.
func (t *Transform) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	out := in.Clone()
	bs := make([]bound, 0, len(t.specs))
	for _, s := range t.specs {
		i := in.Index(s.col.Name)
		if i < 0 {
			errs = append(errs, s.col.Unknown(in))
			continue
		}
		if out.Columns[i].Type.Kind != xcetl.KindString {
			out.Columns[i].Type = xcetl.Type{Kind: xcetl.KindString}
		}
		bs = append(bs, bound{i, s.rule})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	t.in, t.out, t.bound = in, out, bs
	return out, nil
}

// Apply masks the columns of every unmarked row in place.
func (t *Transform) Apply(ctx context.Context, b *xcetl.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := transform.CheckSchema("mask", b.Schema, t.in); err != nil {
		return err
	}
	width := len(t.in.Columns)
	for i, row := range b.Rows {
		if len(row) != width {
			return fmt.Errorf("mask: row %d has %d values for %d columns", i, len(row), width)
		}
		if b.Marked(i) {
			continue
		}
		for _, bd := range t.bound {
			var s string
			switch v := row[bd.idx].(type) {
			case nil:
				continue
			case string:
				s = v
			default:
				s = xcetl.FormatValue(v, t.in.Columns[bd.idx].Type.Kind)
			}
			if s == "" {
				row[bd.idx] = s
				continue
			}
			row[bd.idx] = bd.rule.Mask(s)
		}
	}
	b.Schema = t.out
	return nil
}

// Describe lists each column's rule for `xcetl explain`.
func (t *Transform) Describe() string {
	parts := make([]string, len(t.specs))
	for i, s := range t.specs {
		parts[i] = s.col.Name + ": " + s.rule.String()
	}
	return "mask " + strings.Join(parts, ", ")
}
