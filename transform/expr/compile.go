package expr

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	exprlang "github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/xcetl/xcetl"
)

// program is one compiled expression and the columns it reads.
type program struct {
	src   string
	prog  *vm.Program
	reads []read
	typ   reflect.Type // static result type; nil or interface when unknown
}

// read loads one column into the expression environment.
type read struct {
	idx     int
	key     string // env key: the column name, or its alias (see aliasKey)
	decimal bool   // exposed as float64
}

// aliasPrefix marks env keys of columns whose names are also function
// names (a column "date" or "count" is common): the expression keeps
// writing `date` for the column and `date(...)` for the function, and a
// patch renames the column references to the alias before type checking.
// Expressions cannot type the NUL byte, so aliases never clash.
const aliasPrefix = "\x00"

// functionNames are the names that would otherwise be shadowed by a column.
var functionNames = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range builtin.Builtins {
		m[f.Name] = true
	}
	for _, n := range ourFunctionNames {
		m[n] = true
	}
	return m
}()

func envKey(name string) string {
	if functionNames[name] {
		return aliasPrefix + name
	}
	return name
}

// zeroOf is the value that tells the type checker a column's Go type.
// Decimals are float64 in expressions: exact decimal arithmetic is not
// what filters and derived values need, and float64 has the operators.
func zeroOf(k xcetl.Kind) any {
	switch k {
	case xcetl.KindString:
		return ""
	case xcetl.KindInt:
		return int64(0)
	case xcetl.KindFloat, xcetl.KindDecimal:
		return float64(0)
	case xcetl.KindBool:
		return false
	case xcetl.KindDate, xcetl.KindTimestamp, xcetl.KindTimestampTZ:
		return time.Time{}
	case xcetl.KindBytes:
		return []byte(nil)
	}
	return nil
}

// aliaser renames column references whose names are function names (see
// aliasPrefix). It runs as an expr patch, after parsing and before type
// checking, visiting children before parents: a call's callee identifier
// is renamed first and then restored when the call itself is visited.
type aliaser struct {
	alias map[string]string // column name → env key, only for renamed ones
}

func (a *aliaser) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		if k, ok := a.alias[x.Value]; ok {
			x.Value = k
		}
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok && strings.HasPrefix(id.Value, aliasPrefix) {
			id.Value = strings.TrimPrefix(id.Value, aliasPrefix)
		}
	case *ast.MemberNode:
		if id, ok := x.Node.(*ast.IdentifierNode); ok && id.Value == "$env" {
			if s, ok := x.Property.(*ast.StringNode); ok {
				if k, ok := a.alias[s.Value]; ok {
					s.Value = k
				}
			}
		}
	}
}

// compile compiles src against the columns of in (a typed environment) and
// the functions of fs, once, at Bind.
func compile(src string, in *xcetl.Schema, fs *functions) (*program, error) {
	env := make(map[string]any, len(in.Columns))
	al := &aliaser{alias: map[string]string{}}
	for _, c := range in.Columns {
		k := envKey(c.Name)
		if k != c.Name {
			al.alias[c.Name] = k
		}
		env[k] = zeroOf(c.Type.Kind)
	}
	opts := []exprlang.Option{exprlang.Env(env), exprlang.Patch(al)}
	opts = append(opts, fs.options()...)
	opts = append(opts, overflowOptions...)
	prog, err := exprlang.Compile(src, opts...)
	if err != nil {
		return nil, errors.New(compileMessage(err, in))
	}
	p := &program{src: src, prog: prog, typ: prog.Node().Type()}
	p.reads = readsOf(prog.Node(), in)
	return p, nil
}

// compileMessage makes expr's error one line, with the position as a
// character number, and adds the hints people need most.
func compileMessage(err error, in *xcetl.Schema) string {
	msg := err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		msg = strings.TrimSpace(fe.Message)
		if fe.Snippet != "" {
			msg += " (at character " + strconv.Itoa(fe.Column+1) + ")"
		}
	}
	msg = strings.ReplaceAll(msg, aliasPrefix, "")
	if name, ok := strings.CutPrefix(fe0(fe), "unknown name "); ok {
		msg += xcetl.DidYouMean(name, in.Names())
	}
	if strings.Contains(msg, "mismatched types string and") || strings.Contains(msg, "and string)") {
		msg += "; columns are text until cast: put a `cast` before this transform"
	}
	return msg
}

func fe0(fe *file.Error) string {
	if fe == nil {
		return ""
	}
	return fe.Message
}

// readsOf lists the columns an expression uses, so that only those are
// loaded into the environment for each row. An expression that indexes
// $env with something other than a constant may read any column.
func readsOf(root ast.Node, in *xcetl.Schema) []read {
	c := &identCollector{names: map[string]bool{}}
	ast.Walk(&root, c)
	all := c.envRefs != c.envConst
	var out []read
	for i, col := range in.Columns {
		k := envKey(col.Name)
		if all || c.names[k] {
			out = append(out, read{idx: i, key: k, decimal: col.Type.Kind == xcetl.KindDecimal})
		}
	}
	return out
}

type identCollector struct {
	names    map[string]bool
	envRefs  int // uses of $env
	envConst int // of which $env["constant"]
}

func (c *identCollector) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.IdentifierNode:
		if x.Value == "$env" {
			c.envRefs++
		} else {
			c.names[x.Value] = true
		}
	case *ast.MemberNode:
		if id, ok := x.Node.(*ast.IdentifierNode); ok && id.Value == "$env" {
			if s, ok := x.Property.(*ast.StringNode); ok {
				c.envConst++
				c.names[s.Value] = true
			}
		}
	}
}

// state is one goroutine's scratch space: expr's VM (expr.Run would
// allocate one per call) and the environment map, reused row after row.
type state struct {
	vm  vm.VM
	env map[string]any
}

func newStatePool(size int) *sync.Pool {
	return &sync.Pool{New: func() any { return &state{env: make(map[string]any, size)} }}
}

// load puts a row's values for p into env. It fails for a decimal that a
// float64 cannot hold: the expression would compute with a rounded value.
func (st *state) load(p *program, row []any) error {
	for _, r := range p.reads {
		v := row[r.idx]
		if r.decimal {
			if d, ok := v.(xcetl.Decimal); ok {
				f, err := decimalFloat(d)
				if err != nil {
					return err
				}
				v = f
			}
		}
		st.env[r.key] = v
	}
	return nil
}

// decimalFloat is d as a float64, if that is exact to d's digits: up to 15
// significant digits always are; longer ones only when the float's
// shortest form gives them back.
func decimalFloat(d xcetl.Decimal) (float64, error) {
	f := d.Float()
	digits := 0
	for i := 0; i < len(d); i++ {
		if d[i] >= '0' && d[i] <= '9' {
			digits++
		}
	}
	if digits <= 15 {
		return f, nil
	}
	want := strings.TrimLeft(strings.TrimPrefix(string(d), "-"), "0")
	if strings.Contains(want, ".") {
		want = strings.TrimRight(strings.TrimRight(want, "0"), ".")
	}
	got := strings.TrimLeft(strconv.FormatFloat(math.Abs(f), 'f', -1, 64), "0")
	if got != want {
		return 0, fmt.Errorf("decimal %s has more significant digits than an expression keeps (it computes with float64, about 15 digits): the result would be rounded; cast the column to float before this transform if that is acceptable", d)
	}
	return f, nil
}

// runtimeMessage makes a runtime error one line for a reject reason.
func runtimeMessage(err error) string {
	msg := err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		msg = strings.TrimSpace(fe.Message)
	}
	msg = strings.ReplaceAll(msg, aliasPrefix, "")
	if strings.Contains(msg, "<nil>") {
		msg += " (a value is NULL: use coalesce(column, default))"
	}
	return msg
}

// typeOf maps an expression's static Go result type to a column type.
func typeOf(t reflect.Type) (xcetl.Type, bool) {
	if t == nil {
		return xcetl.Type{}, false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return xcetl.Type{Kind: xcetl.KindInt}, true
	case reflect.Float32, reflect.Float64:
		return xcetl.Type{Kind: xcetl.KindFloat}, true
	case reflect.String:
		return xcetl.Type{Kind: xcetl.KindString}, true
	case reflect.Bool:
		return xcetl.Type{Kind: xcetl.KindBool}, true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return xcetl.Type{Kind: xcetl.KindBytes}, true
		}
	case reflect.Struct:
		if t == reflect.TypeOf(time.Time{}) {
			return xcetl.Type{Kind: xcetl.KindTimestamp}, true
		}
	}
	return xcetl.Type{}, false
}

func quoteExpr(s string) string {
	return fmt.Sprintf("%q", s)
}

// namesIn returns the identifiers an expression mentions, without type
// checking (nil if it does not parse).
func namesIn(src string) map[string]bool {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	c := &identCollector{names: map[string]bool{}}
	ast.Walk(&tree.Node, c)
	return c.names
}
