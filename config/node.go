// Package config turns a YAML pipeline file into a tree of Nodes that know
// their line, column and YAML path, with ${VAR} interpolation already
// applied, and decodes Nodes into typed structs strictly: unknown keys,
// wrong types and missing required keys are all collected as
// xcetl.SpecErrors instead of stopping at the first.
//
// Extractors, transforms and loaders receive their part of the file as a
// *Node and decode it with Decode into their own config struct, so every
// plugin reports problems the same way.
package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/xcetl/xcetl"
)

// Kind is the shape of a node.
type Kind uint8

// Node kinds.
const (
	Null Kind = iota
	Scalar
	Map
	List
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Scalar:
		return "scalar"
	case Map:
		return "mapping"
	case List:
		return "list"
	}
	return "?"
}

// Node is one YAML value.
type Node struct {
	Kind Kind
	Pos  xcetl.Pos
	// Path is the YAML path from the document root, e.g.
	// "transforms[1].cast.birth_date".
	Path string
	// Value is a scalar's text after interpolation.
	Value string
	// Quoted reports whether the scalar was quoted in the file (then it is
	// always a string, never a number or bool).
	Quoted bool
	// Raw is a scalar's text before interpolation; explain prints it so
	// that secrets given as ${VAR} never show.
	Raw string
	// Entries holds a mapping's keys and values in file order.
	Entries []Entry
	// Items holds a list's values.
	Items []*Node
}

// Entry is one key of a mapping.
type Entry struct {
	Key    string
	KeyPos xcetl.Pos
	Value  *Node
}

// Get returns the value of key in a mapping, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil {
		return nil
	}
	for _, e := range n.Entries {
		if e.Key == key {
			return e.Value
		}
	}
	return nil
}

// Keys returns a mapping's keys in file order.
func (n *Node) Keys() []string {
	out := make([]string, len(n.Entries))
	for i, e := range n.Entries {
		out[i] = e.Key
	}
	return out
}

// Errorf returns a SpecError located at n.
func (n *Node) Errorf(format string, args ...any) *xcetl.SpecError {
	if n == nil {
		// A value that is missing altogether (`- mask:` with nothing
		// after it): the caller adds the position it knows.
		return &xcetl.SpecError{Msg: fmt.Sprintf(format, args...)}
	}
	return &xcetl.SpecError{Pos: n.Pos, Path: n.Path, Msg: fmt.Sprintf(format, args...)}
}

// Lookup resolves ${NAME} during parsing. It returns the value and whether it
// is set.
type Lookup func(name string) (string, bool)

// maxNodes bounds the tree after alias expansion (a "billion laughs" file is
// refused instead of eating memory).
const maxNodes = 100000

// Limits of a pipeline file, checked before the YAML library sees it (its
// parser takes quadratic time and memory on deep nesting: 40,000 nested
// `[` took 26 s and 2.5 GB).
const (
	// MaxFileSize bounds a pipeline file (real ones are a few KB).
	MaxFileSize = 1 << 20
	// MaxDepth bounds the nesting of mappings and lists, block or flow.
	MaxDepth = 100
	// MaxEntries bounds the entries of one mapping or list (the YAML
	// parser is quadratic in the keys of a mapping: 20,000 took 8 s).
	MaxEntries = 5000
)

// Parse parses src (the contents of file) into a tree. Problems (syntax,
// unset variables, duplicate keys) are returned as xcetl.SpecErrors, all of
// them, in file order; the tree is returned even when some scalars had
// problems so that callers can go on checking.
func Parse(file string, src []byte, lookup Lookup) (root *Node, err error) {
	defer func() {
		// The YAML library must not take the process down on a strange
		// file: report it as a problem of the file.
		if r := recover(); r != nil {
			root, err = nil, xcetl.SpecErrors{{Pos: xcetl.Pos{File: file}, Msg: fmt.Sprintf("YAML syntax: cannot parse the file (%v)", r)}}
		}
	}()
	if err := checkLimits(file, src); err != nil {
		return nil, err
	}
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, syntaxError(file, err)
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return nil, xcetl.SpecErrors{{Pos: xcetl.Pos{File: file, Line: 1}, Msg: "the file is empty"}}
	}
	if len(f.Docs) > 1 {
		return nil, xcetl.SpecErrors{{Pos: posOf(file, f.Docs[1]), Msg: "only one YAML document is allowed per pipeline file"}}
	}
	c := &converter{file: file, lookup: lookup, anchors: map[string]ast.Node{}}
	root = c.convert(f.Docs[0].Body, "")
	return root, c.errs.Err()
}

// checkLimits refuses a file larger than MaxFileSize or nested deeper than
// MaxDepth, in one pass over its bytes: flow collections ('[', '{' outside
// quotes and comments) count one level each, and block collections one
// per indentation step, which the YAML parser gets to see only when both
// are within bounds.
func checkLimits(file string, src []byte) error {
	if len(src) > MaxFileSize {
		return xcetl.SpecErrors{{Pos: xcetl.Pos{File: file}, Msg: fmt.Sprintf("the file has %d bytes; a pipeline file may have at most %d (1 MiB)", len(src), MaxFileSize)}}
	}
	var indents []int   // indentation of the open block levels
	var siblings []int  // entries seen so far at each open block level
	var flowItems []int // entries of each open flow collection
	flow, line, lineStart := 0, 1, true
	indent, dashes := 0, 0 // dashes: block sequences opened on this line ("- - x")
	var quote byte
	deep := func() error {
		return xcetl.SpecErrors{{Pos: xcetl.Pos{File: file, Line: line}, Msg: fmt.Sprintf("nesting deeper than %d levels", MaxDepth)}}
	}
	wide := func() error {
		return xcetl.SpecErrors{{Pos: xcetl.Pos{File: file, Line: line}, Msg: fmt.Sprintf("more than %d entries in one mapping or list", MaxEntries)}}
	}
	for i := 0; i < len(src); i++ {
		ch := src[i]
		if ch == '\n' {
			line, lineStart, indent, dashes = line+1, true, 0, 0
			continue
		}
		if quote != 0 {
			switch {
			case quote == '"' && ch == '\\':
				i++
			case ch == quote && quote == '\'' && i+1 < len(src) && src[i+1] == '\'':
				i++
			case ch == quote:
				quote = 0
			}
			continue
		}
		if lineStart {
			if ch == ' ' {
				indent++
				continue
			}
			lineStart = false
			if ch != '#' && ch != '\r' && flow == 0 {
				for len(indents) > 0 && indents[len(indents)-1] > indent {
					indents, siblings = indents[:len(indents)-1], siblings[:len(siblings)-1]
				}
				if k := len(indents) - 1; k >= 0 && indents[k] == indent {
					if siblings[k]++; siblings[k] > MaxEntries {
						return wide()
					}
				} else {
					indents, siblings = append(indents, indent), append(siblings, 1)
				}
				if len(indents) > MaxDepth {
					return deep()
				}
			}
		}
		switch ch {
		case '#':
			if i == 0 || src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n' {
				for i+1 < len(src) && src[i+1] != '\n' {
					i++
				}
			}
		case '"', '\'':
			if i == 0 || strings.IndexByte(" \t[{,:-", src[i-1]) >= 0 {
				quote = ch
			}
		case '-':
			if flow == 0 && i+1 < len(src) && src[i+1] == ' ' && (i == 0 || src[i-1] == ' ' || src[i-1] == '\n') {
				if dashes++; len(indents)+dashes > MaxDepth {
					return deep()
				}
			}
		case '[', '{':
			flow++
			flowItems = append(flowItems, 1)
			if flow+len(indents)+dashes > MaxDepth {
				return deep()
			}
		case ']', '}':
			if flow > 0 {
				flow--
				flowItems = flowItems[:flow]
			}
		case ',':
			if flow > 0 {
				if flowItems[flow-1]++; flowItems[flow-1] > MaxEntries {
					return wide()
				}
			}
		}
	}
	return nil
}

func syntaxError(file string, err error) error {
	msg := err.Error()
	pos := xcetl.Pos{File: file}
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pos.Line, pos.Col = tk.Position.Line, tk.Position.Column
		}
		msg = ye.GetMessage()
	}
	return xcetl.SpecErrors{{Pos: pos, Msg: "YAML syntax: " + msg}}
}

type converter struct {
	file    string
	lookup  Lookup
	anchors map[string]ast.Node
	count   int
	errs    xcetl.SpecErrors
	depth   int
}

func posOf(file string, n ast.Node) xcetl.Pos {
	p := xcetl.Pos{File: file}
	if tk := tokenOf(n); tk != nil && tk.Position != nil {
		p.Line, p.Col = tk.Position.Line, tk.Position.Column
	}
	return p
}

// tokenOf returns n's token; some nodes of the YAML library panic when they
// have none (a document without a "---" start).
func tokenOf(n ast.Node) (tk *token.Token) {
	defer func() {
		if recover() != nil {
			tk = nil
		}
	}()
	if n == nil {
		return nil
	}
	return n.GetToken()
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

func (c *converter) fail(pos xcetl.Pos, path, format string, args ...any) {
	c.errs = append(c.errs, &xcetl.SpecError{Pos: pos, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (c *converter) convert(n ast.Node, path string) *Node {
	c.count++
	if c.count > maxNodes {
		if c.count == maxNodes+1 {
			c.fail(posOf(c.file, n), path, "the file expands to more than %d values (aliases?)", maxNodes)
		}
		return &Node{Kind: Null, Pos: posOf(c.file, n), Path: path}
	}
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > MaxDepth {
		c.fail(posOf(c.file, n), path, "nesting deeper than %d levels", MaxDepth)
		return &Node{Kind: Null, Pos: posOf(c.file, n), Path: path}
	}
	pos := posOf(c.file, n)
	switch v := n.(type) {
	case *ast.DocumentNode:
		return c.convert(v.Body, path)
	case *ast.AnchorNode:
		if tk := tokenOf(v.Name); tk != nil {
			c.anchors[tk.Value] = v.Value
		}
		return c.convert(v.Value, path)
	case *ast.AliasNode:
		name := ""
		if tk := tokenOf(v.Value); tk != nil {
			name = tk.Value
		}
		target, ok := c.anchors[name]
		if !ok {
			c.fail(pos, path, "unknown alias *%s", name)
			return &Node{Kind: Null, Pos: pos, Path: path}
		}
		out := c.convert(target, path)
		return out
	case *ast.TagNode:
		return c.convert(v.Value, path)
	case *ast.MappingNode:
		out := &Node{Kind: Map, Pos: pos, Path: path}
		seen := make(map[string]int, len(v.Values))
		for _, mv := range v.Values {
			c.addEntry(out, mv, path, seen)
		}
		return out
	case *ast.MappingValueNode:
		out := &Node{Kind: Map, Pos: pos, Path: path}
		c.addEntry(out, v, path, map[string]int{})
		return out
	case *ast.SequenceNode:
		out := &Node{Kind: List, Pos: pos, Path: path}
		for i, item := range v.Values {
			out.Items = append(out.Items, c.convert(item, fmt.Sprintf("%s[%d]", path, i)))
		}
		return out
	case *ast.NullNode:
		// Keep the text ("null", "NULL", "~"): in a list of strings such as
		// null_values, people mean the word.
		text := ""
		if tk := tokenOf(v); tk != nil {
			text = tk.Value
		}
		return &Node{Kind: Null, Pos: pos, Path: path, Raw: text, Value: text}
	case *ast.LiteralNode:
		raw := v.Value.Value
		return &Node{Kind: Scalar, Pos: pos, Path: path, Raw: raw, Value: c.interpolate(raw, pos, path), Quoted: true}
	case *ast.StringNode:
		quoted := false
		if tk := tokenOf(v); tk != nil {
			quoted = tk.Type == token.DoubleQuoteType || tk.Type == token.SingleQuoteType
		}
		return &Node{Kind: Scalar, Pos: pos, Path: path, Raw: v.Value, Value: c.interpolate(v.Value, pos, path), Quoted: quoted}
	case *ast.MergeKeyNode:
		c.fail(pos, path, "merge keys (<<) are not supported")
		return &Node{Kind: Null, Pos: pos, Path: path}
	}
	// Numbers, bools, infinities: keep the source text.
	if _, ok := n.(ast.ScalarNode); ok {
		raw := ""
		if tk := tokenOf(n); tk != nil {
			raw = tk.Value
		}
		return &Node{Kind: Scalar, Pos: pos, Path: path, Raw: raw, Value: c.interpolate(raw, pos, path)}
	}
	c.fail(pos, path, "unsupported YAML construct %s", n.Type())
	return &Node{Kind: Null, Pos: pos, Path: path}
}

// addEntry adds one key to out; seen maps the keys added so far to their
// lines (a map, not a scan of out: a file with 50,000 keys took minutes).
func (c *converter) addEntry(out *Node, mv *ast.MappingValueNode, path string, seen map[string]int) {
	if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
		c.fail(posOf(c.file, mv.Key), path, "merge keys (<<) are not supported")
		return
	}
	key := keyText(mv.Key)
	kpos := posOf(c.file, mv.Key)
	if line, dup := seen[key]; dup {
		c.fail(kpos, joinPath(path, key), "duplicate key %q (first at line %d)", key, line)
		return
	}
	seen[key] = kpos.Line
	var val *Node
	if mv.Value == nil {
		val = &Node{Kind: Null, Pos: kpos, Path: joinPath(path, key)}
	} else {
		val = c.convert(mv.Value, joinPath(path, key))
	}
	out.Entries = append(out.Entries, Entry{Key: key, KeyPos: kpos, Value: val})
}

func keyText(k ast.MapKeyNode) string {
	switch v := k.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.MappingKeyNode:
		if v.Value != nil {
			return keyText(v.Value.(ast.MapKeyNode))
		}
	}
	if tk := tokenOf(k); tk != nil {
		return tk.Value
	}
	return strings.TrimSpace(k.String())
}

// interpolate replaces ${NAME} and ${NAME:-default}; "$${" is a literal "${".
func (c *converter) interpolate(s string, pos xcetl.Pos, path string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	out, missing := Interpolate(s, c.lookup)
	for _, m := range missing {
		c.fail(pos, path, "%s", m)
	}
	return out
}

// Interpolate replaces ${NAME} and ${NAME:-default} in s. It returns the
// result and one message per problem (unset variable without default,
// unterminated reference).
func Interpolate(s string, lookup Lookup) (string, []string) {
	var b strings.Builder
	var problems []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			break
		}
		if i > 0 && s[i-1] == '$' {
			// "$${" escapes: write "${" literally.
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			problems = append(problems, fmt.Sprintf("unterminated variable reference %q", s[i:]))
			b.WriteString(s[i:])
			break
		}
		expr := s[i+2 : i+end]
		s = s[i+end+1:]
		name, def, hasDef := strings.Cut(expr, ":-")
		name = strings.TrimSpace(name)
		if !validVarName(name) {
			problems = append(problems, fmt.Sprintf("invalid variable name %q in ${%s}", name, expr))
			continue
		}
		if v, ok := lookupVar(lookup, name); ok && (v != "" || !hasDef) {
			b.WriteString(v)
		} else if hasDef {
			b.WriteString(def)
		} else {
			problems = append(problems, fmt.Sprintf("variable ${%s} is not set (set it in the environment, with --set %s=..., or give a default: ${%s:-value})", name, name, name))
		}
	}
	return b.String(), problems
}

func lookupVar(lookup Lookup, name string) (string, bool) {
	if lookup == nil {
		return "", false
	}
	return lookup(name)
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (i > 0 && r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

// Without returns a copy of the mapping n without the given keys (the
// `type` of a source or target, which picks the plugin and is not part of
// its spec). Positions and paths are kept.
func Without(n *Node, keys ...string) *Node {
	if n == nil || n.Kind != Map {
		return n
	}
	c := *n
	c.Entries = nil
	for _, e := range n.Entries {
		drop := false
		for _, k := range keys {
			drop = drop || e.Key == k
		}
		if !drop {
			c.Entries = append(c.Entries, e)
		}
	}
	return &c
}

// JoinPath appends key to a YAML path ("transforms[1]" + "cast").
func JoinPath(base, key string) string { return joinPath(base, key) }
