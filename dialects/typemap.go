package dialects

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xcetl/xcetl"
)

// TypeMap is the type mapping of one (source driver, target) pair that
// `xcetl migrate` uses for CREATE TABLE: a target column type for each
// source native type it names, and for every other native type the
// target's Dialect.ColumnType of the xcetl type the source reads the column
// as. A rule applies only when the column is read as the source dialect's
// own choice; a column whose type `types:` overrides gets the target type
// of the override.
//
// There is one TypeMap per pair, registered in an init function next to
// the others of its source (typemap_mysql.go); `xcetl explain` and
// docs/migration.md print them.
type TypeMap struct {
	Source, Target string
	Rules          []TypeRule
}

// TypeRule maps one native type of the source.
type TypeRule struct {
	// Native is the native type's name in lower case, without arguments,
	// followed by " unsigned" where that matters: "tinyint",
	// "int unsigned", "datetime". With arguments ("tinyint(1)") it matches
	// only them, and wins over the rule without.
	Native string
	// Target is the target's column type; {1} and {2} stand for the native
	// type's first and second arguments ("timestamp({1})"). When the native
	// type has no arguments, a rule's "({1})" is left out.
	Target string
	// Note says why, for the docs.
	Note string
}

var typeMaps = map[[2]string]*TypeMap{}

// RegisterTypeMap registers m. It panics if the pair has one already.
func RegisterTypeMap(m TypeMap) {
	k := [2]string{m.Source, m.Target}
	if _, dup := typeMaps[k]; dup {
		panic("dialects: type map " + m.Source + " → " + m.Target + " registered twice")
	}
	typeMaps[k] = &m
}

// LookupTypeMap returns the type map of the pair, if registered.
func LookupTypeMap(source, target string) (*TypeMap, bool) {
	m, ok := typeMaps[[2]string{source, target}]
	return m, ok
}

// NativeType is a native type split for mapping.
type NativeType struct {
	// Key is the lower-case name without arguments, " unsigned" appended
	// when unsigned.
	Key  string
	Args []string
	// Full is Key with the arguments: "datetime(6)", "tinyint(1)".
	Full string
}

// ParseNativeType splits a catalog type ("bigint(20) unsigned zerofill",
// "decimal(12,2)", "enum('a','b')").
func ParseNativeType(s string) NativeType {
	s = strings.ToLower(strings.TrimSpace(s))
	base, rest := s, ""
	var args []string
	if i := strings.IndexByte(s, '('); i >= 0 {
		if j := strings.LastIndexByte(s, ')'); j > i {
			base, rest = strings.TrimSpace(s[:i]), s[j+1:]
			inner := s[i+1 : j]
			if !strings.Contains(inner, "'") { // enum and set labels are not arguments
				for _, a := range strings.Split(inner, ",") {
					args = append(args, strings.TrimSpace(a))
				}
			}
		}
	} else if f := strings.Fields(s); len(f) > 1 && (f[len(f)-1] == "unsigned" || f[len(f)-1] == "zerofill") {
		base, rest = strings.Join(f[:len(f)-1], " "), f[len(f)-1]
		if len(f) > 2 && f[len(f)-2] == "unsigned" {
			base, rest = strings.Join(f[:len(f)-2], " "), "unsigned"
		}
	}
	key := base
	if strings.Contains(rest, "unsigned") {
		key += " unsigned"
	}
	full := base
	if len(args) > 0 {
		full += "(" + strings.Join(args, ",") + ")"
	}
	if strings.Contains(rest, "unsigned") {
		full += " unsigned"
	}
	return NativeType{Key: key, Args: args, Full: full}
}

// Rule returns the rule for native type n, if any.
func (m *TypeMap) Rule(n NativeType) (TypeRule, bool) {
	if m == nil {
		return TypeRule{}, false
	}
	for _, r := range m.Rules {
		if r.Native == n.Full {
			return r, true
		}
	}
	for _, r := range m.Rules {
		if r.Native == n.Key {
			return r, true
		}
	}
	return TypeRule{}, false
}

// Render fills the rule's target type with the native type's arguments.
func (r TypeRule) Render(n NativeType) string {
	out := r.Target
	for i := 1; i <= 2; i++ {
		ph := "{" + strconv.Itoa(i) + "}"
		if !strings.Contains(out, ph) {
			continue
		}
		if i <= len(n.Args) && n.Args[i-1] != "" {
			out = strings.ReplaceAll(out, ph, n.Args[i-1])
			continue
		}
		out = strings.ReplaceAll(out, "("+ph+")", "")
		out = strings.ReplaceAll(out, ","+ph, "")
		out = strings.ReplaceAll(out, ph, "")
	}
	return out
}

// MapColumnType returns the target column type of a source column of the
// given source driver read as typ, and where it came from ("rule", or
// "xcetl type" when the target's ColumnType mapped it). overridden says
// that `types:` chose typ: rules are then not used.
func MapColumnType(source string, d Dialect, c SourceColumn, typ xcetl.Type, overridden bool) (string, string, error) {
	if !overridden {
		m, _ := LookupTypeMap(source, d.Name())
		if r, ok := m.Rule(ParseNativeType(c.NativeType)); ok {
			return r.Render(ParseNativeType(c.NativeType)), "rule", nil
		}
	}
	t, err := d.ColumnType(typ)
	if err != nil {
		return "", "", fmt.Errorf("column %q (%s read as %s): %w", c.Name, c.NativeType, typ, err)
	}
	return t, "xcetl type " + typ.String(), nil
}
