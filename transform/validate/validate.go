// Package validate implements the `validate` transform, which rejects rows
// whose values are not what they claim to be: resident ID numbers
// (GB 11643, with the birth date), mobile numbers, unified social credit
// codes (GB 32100), e-mail addresses, a regular expression, or present at
// all (`not_null`).
package validate

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform"
)

func init() {
	transform.RegisterSpec("validate", config.Doc{
		Summary: "rejects rows whose values fail a validator, naming the column and the rule (never the value)",
		Example: "validate: {id_card: idcard, phone: mobile, name: [not_null, \"regex:^\\\\p{Han}+$\"]}",
		Shape:   "a mapping of column: validator, e.g. {id_card: idcard, phone: mobile}",
	}, newTransform)
}

// Spec is the configuration of `validate`: column → its validators, checked
// in order (the first failure rejects the row).
type Spec = config.Ordered[Rules]

// Rules are one column's validators.
type Rules []Rule

// Noun implements config.Nouner.
func (Rules) Noun() string {
	return "a validator (" + strings.Join(names, ", ") + ") or a list of them"
}

// Check builds every validator once, so that a bad pattern is a validation
// error, and refuses an empty list.
func (rs Rules) Check(c *config.Check) {
	if len(rs) == 0 {
		c.ErrorfAt(nil, "name at least one validator")
	}
	for i, r := range rs {
		if _, err := New(string(r)); err != nil {
			c.ErrorfAt(c.Item("", i), "%v", err)
		}
	}
}

// Rule is the name of a validator in a spec.
type Rule string

// Noun implements config.Nouner.
func (Rule) Noun() string { return "a validator (" + strings.Join(names, ", ") + ")" }

// Validator checks one value's text. Check returns "" when the value is
// valid, otherwise what is wrong, without quoting the value (reject
// reasons reach logs, and these are personal data).
type Validator interface {
	Name() string
	Check(s string) string
}

// names of the built-in validators, for messages.
var names = []string{"idcard", "mobile", "uscc", "email", "regex:PATTERN", "not_null"}

// New returns the validator written as spec in a pipeline: idcard, mobile,
// uscc, email, not_null or regex:PATTERN (Go RE2 syntax, matched anywhere in
// the value unless anchored with ^…$).
func New(spec string) (Validator, error) {
	switch spec {
	case "idcard":
		return IDCard{}, nil
	case "mobile":
		return Mobile{}, nil
	case "uscc":
		return USCC{}, nil
	case "email":
		return Email{}, nil
	case "not_null":
		return NotNull{}, nil
	}
	if pat, ok := strings.CutPrefix(spec, "regex:"); ok {
		if pat == "" {
			return nil, fmt.Errorf("regex: needs a pattern, e.g. \"regex:^[0-9]{6}$\"")
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, fmt.Errorf("regex %q: %w", pat, err)
		}
		return Regex{re}, nil
	}
	return nil, fmt.Errorf("unknown validator %q%s; validators: %s", spec, xcetl.DidYouMean(spec, names[:len(names)-2]), strings.Join(names, ", "))
}

// NotNull rejects NULL and the empty string. (Every other validator lets
// NULL and "" pass: combine it with not_null to require a value.)
type NotNull struct{}

// Name implements Validator.
func (NotNull) Name() string { return "not_null" }

// Check implements Validator; NULL never reaches it (see Transform.Apply).
func (NotNull) Check(s string) string {
	if strings.TrimSpace(s) == "" {
		return "value is empty"
	}
	return ""
}

// IDCard checks an 18-character resident identity number (GB 11643-1999):
// 17 digits and a check character (0-9 or X, also x) computed with
// ISO 7064 MOD 11-2, a province code, and a birth date (YYYYMMDD at
// positions 7-14) that exists and is not in the future.
type IDCard struct{}

// Name implements Validator.
func (IDCard) Name() string { return "idcard" }

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idChecks = "10X98765432"

var provinces = map[string]bool{}

func init() {
	for _, p := range strings.Fields("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83 91") {
		provinces[p] = true
	}
}

// lengthProblem says what is wrong when s does not have n ASCII
// characters: the count of characters, or which one is not ASCII (a
// full-width digit looks right but is three bytes). what names the
// expected characters.
func lengthProblem(s string, n int, what string) string {
	if len(s) == n {
		return ""
	}
	if c := utf8.RuneCountInString(s); c != n {
		return fmt.Sprintf("must be %d %s, got %d characters", n, what, c)
	}
	for i, r := range []rune(s) {
		if r >= utf8.RuneSelf {
			return fmt.Sprintf("character %d is not an ASCII %s (full-width?)", i+1, strings.TrimSuffix(what, "s"))
		}
	}
	return fmt.Sprintf("must be %d %s", n, what) // unreachable
}

// Check implements Validator.
func (IDCard) Check(s string) string {
	if p := lengthProblem(s, 18, "characters"); p != "" {
		return p
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return fmt.Sprintf("character %d is not a digit", i+1)
		}
		sum += int(c-'0') * idWeights[i]
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if !(last >= '0' && last <= '9' || last == 'X') {
		return "the last character must be a digit or X"
	}
	if !provinces[s[:2]] {
		return "unknown province code " + s[:2]
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1800 {
		return "the birth date (characters 7-14) is not a date"
	}
	if birth.After(time.Now()) {
		return "the birth date (characters 7-14) is in the future"
	}
	if want := idChecks[sum%11]; last != want {
		return "wrong check digit"
	}
	return ""
}

// Mobile checks a mainland mobile number: 11 digits, 1[3-9]…
type Mobile struct{}

// Name implements Validator.
func (Mobile) Name() string { return "mobile" }

// Check implements Validator.
func (Mobile) Check(s string) string {
	if p := lengthProblem(s, 11, "digits"); p != "" {
		return p
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Sprintf("character %d is not a digit", i+1)
		}
	}
	if s[0] != '1' || s[1] < '3' {
		return "must start with 13-19"
	}
	return ""
}

// USCC checks an 18-character unified social credit code (GB 32100-2015):
// characters from 0-9 and A-Z without I, O, S, V, Z, and a check character
// computed modulo 31.
type USCC struct{}

// Name implements Validator.
func (USCC) Name() string { return "uscc" }

const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// Check implements Validator.
func (USCC) Check(s string) string {
	if p := lengthProblem(s, 18, "characters"); p != "" {
		return p
	}
	sum := 0
	for i := 0; i < 18; i++ {
		v := strings.IndexByte(usccChars, s[i])
		if v < 0 {
			return fmt.Sprintf("character %d is not allowed (use 0-9 and capital letters except I, O, S, V, Z)", i+1)
		}
		if i < 17 {
			sum += v * usccWeights[i]
		}
	}
	if want := usccChars[(31-sum%31)%31]; s[17] != want {
		return "wrong check character"
	}
	return ""
}

// Email checks the common shape local@domain.tld: no spaces, one @, a
// dotted domain of letters, digits and hyphens. It does not try to accept
// every address RFC 5322 allows.
type Email struct{}

var emailRE = regexp.MustCompile(`^[A-Za-z0-9.!#$%&'*+/=?^_` + "`" + `{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$`)

// Name implements Validator.
func (Email) Name() string { return "email" }

// Check implements Validator.
func (Email) Check(s string) string {
	if len(s) > 254 || !emailRE.MatchString(s) {
		return "not an e-mail address"
	}
	local, _, _ := strings.Cut(s, "@")
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "not an e-mail address"
	}
	return ""
}

// Regex checks that a value matches a regular expression.
type Regex struct{ re *regexp.Regexp }

// Name implements Validator.
func (r Regex) Name() string { return "regex:" + r.re.String() }

// Check implements Validator.
func (r Regex) Check(s string) string {
	if !r.re.MatchString(s) {
		return "does not match"
	}
	return ""
}

type spec struct {
	col   transform.Name
	rules []Validator
}

type bound struct {
	idx    int
	rules  []Validator
	prefix []string // "validate col (rule): " per rule
}

// Transform is the `validate` transform. A row with a value that fails a
// validator is rejected; the reason names the column and the rule. Apply
// is safe for concurrent use once Bind has returned.
type Transform struct {
	specs []spec
	in    *xcetl.Schema
	bound []bound
}

func newTransform(sp *Spec, env transform.Env) (transform.Transform, error) {
	t := &Transform{}
	for i, col := range transform.KeyNames(env.Node, env.Path, sp.Keys()) {
		s := spec{col: col}
		for _, r := range (*sp)[i].Value {
			v, _ := New(string(r)) // checked by Rules.Check
			s.rules = append(s.rules, v)
		}
		t.specs = append(t.specs, s)
	}
	return t, nil
}

// Bind finds the validated columns. The schema does not change.
func (t *Transform) Bind(in *xcetl.Schema) (*xcetl.Schema, error) {
	var errs xcetl.SpecErrors
	bs := make([]bound, 0, len(t.specs))
	for _, s := range t.specs {
		i := in.Index(s.col.Name)
		if i < 0 {
			errs = append(errs, s.col.Unknown(in))
			continue
		}
		bd := bound{idx: i, rules: s.rules}
		for _, r := range s.rules {
			bd.prefix = append(bd.prefix, "validate "+s.col.Name+" ("+r.Name()+"): ")
		}
		bs = append(bs, bd)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	t.in, t.bound = in, bs
	return in, nil
}

// Apply rejects every unmarked row with a value that fails a validator.
func (t *Transform) Apply(ctx context.Context, b *xcetl.Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := transform.CheckSchema("validate", b.Schema, t.in); err != nil {
		return err
	}
	width := len(t.in.Columns)
rows:
	for i, row := range b.Rows {
		if b.Marked(i) {
			continue
		}
		if len(row) != width {
			return fmt.Errorf("validate: row %d has %d values for %d columns", i, len(row), width)
		}
		for _, bd := range t.bound {
			var s string
			switch v := row[bd.idx].(type) {
			case nil:
			case string:
				s = v
			default:
				s = xcetl.FormatValue(v, t.in.Columns[bd.idx].Type.Kind)
			}
			for k, r := range bd.rules {
				if s == "" {
					if _, ok := r.(NotNull); !ok {
						continue
					}
					what := "value is empty"
					if row[bd.idx] == nil {
						what = "value is NULL"
					}
					b.Reject(i, t.in.Columns[bd.idx].Name, bd.prefix[k]+what)
					continue rows
				}
				if msg := r.Check(s); msg != "" {
					b.Reject(i, t.in.Columns[bd.idx].Name, bd.prefix[k]+msg)
					continue rows
				}
			}
		}
	}
	return nil
}

// Describe lists each column's validators for `xcetl explain`.
func (t *Transform) Describe() string {
	parts := make([]string, len(t.specs))
	for i, s := range t.specs {
		rs := make([]string, len(s.rules))
		for k, r := range s.rules {
			rs[k] = r.Name()
		}
		parts[i] = s.col.Name + ": " + strings.Join(rs, ", ")
	}
	return "validate " + strings.Join(parts, "; ")
}
