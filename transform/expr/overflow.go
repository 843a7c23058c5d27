package expr

import (
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"strconv"

	exprlang "github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
)

// Integer arithmetic in expr-lang wraps around as Go's does
// (9223372036854775807 + 1 is -9223372036854775808): a silently wrong
// value. overflowGuard, a patch that runs after type checking, replaces
// every integer +, -, *, unary - and abs() by a checked function, which
// fails on overflow: derive rejects the row and filter the row, with the
// reason, instead of going on with a wrapped value. (Operands whose type
// is only known at run time, $env["x"], keep expr's own arithmetic.)
type overflowGuard struct{}

var checkedBinary = map[string]string{"+": "xcetl_add", "-": "xcetl_sub", "*": "xcetl_mul"}

var intType = reflect.TypeOf(0)

func isInt(t reflect.Type) bool {
	return t != nil && (t.Kind() == reflect.Int || t.Kind() == reflect.Int64)
}

func (overflowGuard) Visit(n *ast.Node) {
	switch x := (*n).(type) {
	case *ast.BinaryNode:
		fn, ok := checkedBinary[x.Operator]
		if !ok {
			return
		}
		if !isInt(x.Left.Type()) || !isInt(x.Right.Type()) {
			return
		}
		call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: []ast.Node{x.Left, x.Right}}
		call.SetType(intType)
		ast.Patch(n, call)
	case *ast.UnaryNode:
		if t := x.Node.Type(); x.Operator == "-" && isInt(t) {
			call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "xcetl_neg"}, Arguments: []ast.Node{x.Node}}
			call.SetType(t)
			ast.Patch(n, call)
		}
	case *ast.BuiltinNode:
		if len(x.Arguments) != 1 {
			return
		}
		t := x.Arguments[0].Type()
		switch {
		case x.Name == "abs" && isInt(t):
			call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "xcetl_abs"}, Arguments: x.Arguments}
			call.SetType(t)
			ast.Patch(n, call)
		case x.Name == "int" && t != nil && t.Kind() == reflect.Float64:
			// Go's int(f) of a float beyond the range is undefined (on
			// amd64: -9223372036854775808).
			call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: "xcetl_int"}, Arguments: x.Arguments}
			call.SetType(intType)
			ast.Patch(n, call)
		}
	}
}

// overflowOptions declares the checked functions.
var overflowOptions = []exprlang.Option{
	exprlang.Patch(overflowGuard{}),
	binaryFunc("xcetl_add", "+", addInt, runtime.Add),
	binaryFunc("xcetl_sub", "-", subInt, runtime.Subtract),
	binaryFunc("xcetl_mul", "*", mulInt, runtime.Multiply),
	exprlang.Function("xcetl_neg", unaryFunc("-", negInt), new(func(int) int), new(func(int64) int64)),
	exprlang.Function("xcetl_abs", unaryFunc("abs", absInt), new(func(int) int), new(func(int64) int64)),
	exprlang.Function("xcetl_int", floatToInt, new(func(float64) int)),
}

// floatToInt is int(f), truncating toward zero, for floats within the
// 64-bit range.
func floatToInt(p ...any) (any, error) {
	f, ok := p[0].(float64)
	if !ok {
		return runtime.ToInt(p[0]), nil
	}
	if math.IsNaN(f) || f < -(1<<63) || f >= 1<<63 {
		return nil, fmt.Errorf("integer overflow: int(%s) is outside the 64-bit integer range", strconv.FormatFloat(f, 'g', -1, 64))
	}
	return int(f), nil
}

func binaryFunc(name, op string, f func(a, b int64) (int64, bool), fallback func(a, b any) any) exprlang.Option {
	return exprlang.Function(name, anyFunc(op, f, fallback),
		new(func(int, int) int), new(func(int64, int64) int), new(func(int, int64) int), new(func(int64, int) int))
}

// anyFunc is a checked binary operator: integers are combined with f,
// anything else (NULL) with expr's own operator, which says what is wrong.
func anyFunc(op string, f func(a, b int64) (int64, bool), fallback func(a, b any) any) func(...any) (any, error) {
	return func(p ...any) (any, error) {
		a, aok := asInt64(p[0])
		b, bok := asInt64(p[1])
		if !aok || !bok {
			return fallback(p[0], p[1]), nil
		}
		r, ok := f(a, b)
		if !ok {
			return nil, fmt.Errorf("integer overflow: %d %s %d is outside the 64-bit integer range", a, op, b)
		}
		return int(r), nil
	}
}

func unaryFunc(op string, f func(int64) (int64, bool)) func(...any) (any, error) {
	return func(p ...any) (any, error) {
		a, ok := asInt64(p[0])
		if !ok {
			return runtime.Negate(p[0]), nil
		}
		r, ok := f(a)
		if !ok {
			return nil, fmt.Errorf("integer overflow: %s(%d) is outside the 64-bit integer range", op, a)
		}
		if _, isInt := p[0].(int); isInt {
			return int(r), nil
		}
		return r, nil
	}
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

func addInt(a, b int64) (int64, bool) {
	r := a + b
	return r, (r > a) == (b > 0)
}

func subInt(a, b int64) (int64, bool) {
	r := a - b
	return r, (r < a) == (b > 0)
}

func mulInt(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(absU(a), absU(b))
	if hi != 0 || (!neg && lo > math.MaxInt64) || (neg && lo > 1<<63) {
		return 0, false
	}
	if neg {
		return int64(-lo), true
	}
	return int64(lo), true
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // MinInt64 gives 1<<63, as wanted
	}
	return uint64(a)
}

func negInt(a int64) (int64, bool) { return -a, a != math.MinInt64 }

func absInt(a int64) (int64, bool) {
	if a < 0 {
		return negInt(a)
	}
	return a, true
}
