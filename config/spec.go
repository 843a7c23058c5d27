package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xcetl/xcetl"
)

// A plugin's configuration is declared once, as a Go type whose fields carry
// tags; that one declaration drives decoding and validation (DecodeSpec and
// Validate), the reference docs, `xcetl explain` and the JSON Schema
// (Describe). The tags, besides `yaml:"key[,required]"`:
//
//	doc:"…"           one line saying what the key does (docs, schema, hover help)
//	default:"…"       YAML text of the value used when the key is absent ("[\"\"]" for a list)
//	enum:"a,b,c"      the allowed values of a string, or of each item of a []string;
//	                  matched ignoring case, stored as written in the tag
//	enumalias:"x=a"   other spellings of enum values, comma-separated ("utf8=utf-8,cp936=gbk")
//	min:"N" max:"N"   inclusive bounds of an int, float or time.Duration ("1s" for durations)
//	example:"…"       YAML text of an example value
//	alias:"old"       other accepted key names, comma-separated (a key that was renamed)
//	shorthand:"true"  on one field of a struct type: a scalar written where the struct is
//	                  expected fills this field (`birth_date: date` is `{to: date}`)
//	doctype:"…"       the type as the docs show it, for fields decoded by hand (*Node)
//
// Cross-field rules go in a Check method (the Checker interface); it runs
// after decoding, for the spec and for every nested struct that has one.
//
// A spec may also be a named non-struct type (map[string]string for
// `rename: {a: b}`, []string for `drop: [a]`, string for `filter: "…"`),
// with a Check method of its own.
//
// Defaults: DecodeSpec sets them before decoding, so a key written in the
// file always wins (`header: false` stays false). Go programs that build a
// spec without YAML call Defaults, which fills the fields that are still
// zero: a field whose default is not its zero value and whose zero value is
// meaningful (a bool defaulting to true) must be a pointer.

// Checker is implemented by spec types with rules that tags cannot say
// (one key needs another, a value must parse). Check reports problems
// through c; it must not fail on values that decoding already refused
// (c drops a second problem at a key that has one).
type Checker interface {
	Check(c *Check)
}

// Doc describes a plugin for the reference docs and the JSON Schema.
type Doc struct {
	// Summary is one line: what the plugin does.
	Summary string
	// Example is a YAML snippet of the plugin's configuration as a user
	// writes it (for a source: the whole `source:` mapping's keys).
	Example string
	// Shape says in words what the value must look like, for a spec that
	// is not a struct ("a mapping of old: new column names, e.g. {姓名:
	// name}"); a value of another shape is refused with "NAME takes
	// SHAPE".
	Shape string
}

// CheckShape refuses a value whose YAML shape cannot be the spec type t:
// a list or scalar for a mapping, a mapping for a list, a missing value for
// anything but a struct. The message is "name takes shape". It returns nil
// when the shape fits, or when doc.Shape is empty.
func CheckShape(n *Node, t reflect.Type, name string, doc Doc) *xcetl.SpecError {
	if doc.Shape == "" {
		return nil
	}
	var ok bool
	kind := Null
	if n != nil {
		kind = n.Kind
	}
	switch t.Kind() {
	case reflect.Struct:
		ok = kind == Map || kind == Null || kind == Scalar
	case reflect.Map:
		ok = kind == Map && len(n.Entries) > 0
	case reflect.Slice:
		ok = kind == List && len(n.Items) > 0 || kind == Scalar && t.Elem().Kind() == reflect.String
	default:
		ok = kind == Scalar
	}
	if ok {
		return nil
	}
	return n.Errorf("%s takes %s", name, doc.Shape)
}

// Check is what a Checker reports problems through. For a spec decoded
// from YAML it knows each key's node (so problems carry line and column);
// for a spec built in Go it knows only the YAML path.
type Check struct {
	node *Node
	path string
	val  reflect.Value
	errs *xcetl.SpecErrors
}

// Has reports whether key was written (YAML), or is not its zero value
// (a spec built in Go).
func (c *Check) Has(key string) bool {
	if c.node != nil {
		return c.Node(key) != nil
	}
	f, ok := fieldByKey(c.val, key)
	return ok && !f.IsZero()
}

// Node returns the value node of key, or nil when it was not written or the
// spec was built in Go.
func (c *Check) Node(key string) *Node {
	if c.node == nil {
		return nil
	}
	if c.val.Kind() == reflect.Struct {
		for _, f := range fieldsOf(c.val.Type()) {
			if f.key == key {
				return entryOf(c.node, f)
			}
		}
	}
	return c.node.Get(key)
}

// Self returns the node of the whole spec (nil for a spec built in Go).
func (c *Check) Self() *Node { return c.node }

// Errorf reports a problem at key's value ("" for the spec as a whole). A
// problem at a path that already has one is dropped, so a Check need not
// know which values decoding refused.
func (c *Check) Errorf(key, format string, args ...any) {
	var at *Node
	if key != "" {
		at = c.Node(key)
	}
	if at == nil {
		at = c.node
	}
	path := c.path
	if key != "" {
		path = joinPath(c.path, key)
	}
	c.add(at, path, fmt.Sprintf(format, args...))
}

// ErrorfAt reports a problem at node n (a list item, a mapping entry's
// value), or at the spec when n is nil.
func (c *Check) ErrorfAt(n *Node, format string, args ...any) {
	path := c.path
	if n != nil {
		path = n.Path
	} else {
		n = c.node
	}
	c.add(n, path, fmt.Sprintf(format, args...))
}

func (c *Check) add(n *Node, path, msg string) {
	for _, e := range *c.errs {
		if e.Path == path && path != c.path {
			return
		}
	}
	e := &xcetl.SpecError{Path: path, Msg: msg}
	if n != nil {
		e.Pos = n.Pos
	}
	*c.errs = append(*c.errs, e)
}

// Item returns the node of item i of the list under key, or the key's node
// when it is not a list that long (a scalar written for a one-item list).
func (c *Check) Item(key string, i int) *Node {
	n := c.Node(key)
	if n != nil && n.Kind == List && i < len(n.Items) {
		return n.Items[i]
	}
	return n
}

// DecodeSpec decodes n into the spec that dst points to and validates it:
// defaults, strict keys (with aliases and "did you mean"), types, required
// keys, enums, ranges, then every Check method. Every problem is returned,
// in file order.
func DecodeSpec(n *Node, dst any) xcetl.SpecErrors {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("config.DecodeSpec: dst must be a non-nil pointer")
	}
	var errs xcetl.SpecErrors
	setDefaults(rv.Elem(), false)
	decodeValue(orEmpty(n, rv.Elem().Type()), rv.Elem(), &errs)
	validate(rv.Elem(), n, pathOrZero(n), &errs)
	return errs.Sort()
}

// Validate checks a spec built in Go (no YAML): required keys, enums,
// ranges and Check methods, reporting YAML paths under path (for example
// "source"). Call Defaults first to fill what was left out.
func Validate(spec any, path string) xcetl.SpecErrors {
	rv := reflect.ValueOf(spec)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return xcetl.SpecErrors{{Path: path, Msg: "spec is nil"}}
		}
		rv = rv.Elem()
	}
	var errs xcetl.SpecErrors
	checkRequired(rv, path, &errs)
	validate(rv, nil, path, &errs)
	return errs
}

// Defaults fills every zero field of the spec that dst points to (and of
// its nested structs) with its declared default.
func Defaults(dst any) {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("config.Defaults: dst must be a non-nil pointer")
	}
	setDefaults(rv.Elem(), true)
}

// orEmpty turns a missing value into an empty mapping for struct specs (a
// transform written with nothing after its name is a spec of zero keys).
func orEmpty(n *Node, t reflect.Type) *Node {
	if (n == nil || n.Kind == Null) && t.Kind() == reflect.Struct {
		return &Node{Kind: Map, Pos: posOrZero(n), Path: pathOrZero(n)}
	}
	if n == nil {
		return &Node{Kind: Null}
	}
	return n
}

// ---- field declarations ----

// field is one declared key of a struct spec.
type field struct {
	index     int
	key       string
	required  bool
	aliases   []string
	doc       string
	def       string
	example   string
	doctype   string
	enum      []string
	enumAlias map[string]string
	min, max  string
	shorthand bool
}

var fieldCache sync.Map // reflect.Type → []field

// fieldsOf returns the declared keys of struct type t. Malformed tags are
// programming errors and panic (every registered spec is checked by a test).
func fieldsOf(t reflect.Type) []field {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]field)
	}
	var out []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		key, required := tagOf(sf)
		if key == "" {
			continue
		}
		f := field{index: i, key: key, required: required,
			doc: sf.Tag.Get("doc"), def: sf.Tag.Get("default"), example: sf.Tag.Get("example"),
			doctype: sf.Tag.Get("doctype"), min: sf.Tag.Get("min"), max: sf.Tag.Get("max"),
			shorthand: sf.Tag.Get("shorthand") == "true"}
		f.aliases = splitList(sf.Tag.Get("alias"))
		f.enum = splitList(sf.Tag.Get("enum"))
		for _, a := range splitList(sf.Tag.Get("enumalias")) {
			from, to, ok := strings.Cut(a, "=")
			if !ok {
				panic(fmt.Sprintf("config: %s.%s: enumalias %q is not from=to", t, sf.Name, a))
			}
			if f.enumAlias == nil {
				f.enumAlias = map[string]string{}
			}
			f.enumAlias[strings.ToLower(from)] = to
		}
		out = append(out, f)
	}
	fieldCache.Store(t, out)
	return out
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func fieldByKey(v reflect.Value, key string) (reflect.Value, bool) {
	if v.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	for _, f := range fieldsOf(v.Type()) {
		if f.key == key {
			return v.Field(f.index), true
		}
	}
	return reflect.Value{}, false
}

// shorthandField returns the field a scalar fills when written where a
// struct of type t is expected.
func shorthandField(t reflect.Type) (field, bool) {
	for _, f := range fieldsOf(t) {
		if f.shorthand {
			return f, true
		}
	}
	return field{}, false
}

// ---- defaults ----

var defaultCache sync.Map // "type\x00index" → *Node

func defaultNode(t reflect.Type, f field) *Node {
	k := t.String() + "\x00" + strconv.Itoa(f.index)
	if v, ok := defaultCache.Load(k); ok {
		return v.(*Node)
	}
	n, err := Parse("default", []byte(f.def), nil)
	if err != nil || n == nil {
		// A scalar the YAML parser reads as something else ("") is taken
		// as the text it is.
		n = &Node{Kind: Scalar, Value: f.def}
	}
	defaultCache.Store(k, n)
	return n
}

// setDefaults applies declared defaults to the struct v (through pointers
// that are set, and nested structs). With onlyZero, fields that already
// hold a value keep it.
func setDefaults(v reflect.Value, onlyZero bool) {
	if v.Kind() != reflect.Struct {
		return
	}
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if f.def != "" && (!onlyZero || fv.IsZero()) {
			var errs xcetl.SpecErrors
			decodeValue(defaultNode(v.Type(), f), fv, &errs)
			if len(errs) > 0 {
				panic(fmt.Sprintf("config: %s key %q: default %q does not decode: %v", v.Type(), f.key, f.def, errs))
			}
		}
		switch {
		case fv.Kind() == reflect.Struct && fv.Type() != secretType:
			setDefaults(fv, onlyZero)
		case fv.Kind() == reflect.Pointer && !fv.IsNil() && fv.Elem().Kind() == reflect.Struct:
			setDefaults(fv.Elem(), onlyZero)
		}
	}
}

// ---- validation after decoding ----

var checkerType = reflect.TypeOf((*Checker)(nil)).Elem()

// validate checks enums and ranges of the value v (decoded from n, which
// is nil for specs built in Go), recursing into structs, slices and maps,
// then runs v's Check method.
func validate(v reflect.Value, n *Node, path string, errs *xcetl.SpecErrors) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			validate(v.Elem(), n, path, errs)
		}
		return
	case reflect.Struct:
		if v.Type() == secretType || v.Type() == durationType {
			break
		}
		for _, f := range fieldsOf(v.Type()) {
			fv := v.Field(f.index)
			fn := entryOf(n, f)
			if n != nil && fn == nil && f.def == "" {
				continue // not written: nothing to check but required (done)
			}
			fpath := joinPath(path, f.key)
			checkField(v.Type(), f, fv, fn, fpath, errs)
			validate(fv, fn, fpath, errs)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			var in *Node
			if n != nil && n.Kind == List && i < len(n.Items) {
				in = n.Items[i]
			}
			validate(v.Index(i), in, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case reflect.Map:
		if v.Type().Key().Kind() == reflect.String {
			for _, k := range v.MapKeys() {
				validate(v.MapIndex(k), n.Get(k.String()), joinPath(path, k.String()), errs)
			}
		}
	}
	runCheck(v, n, path, errs)
}

func runCheck(v reflect.Value, n *Node, path string, errs *xcetl.SpecErrors) {
	var c Checker
	switch {
	case v.CanAddr() && v.Addr().Type().Implements(checkerType):
		c = v.Addr().Interface().(Checker)
	case v.Type().Implements(checkerType):
		c = v.Interface().(Checker)
	default:
		return
	}
	c.Check(&Check{node: n, path: path, val: v, errs: errs})
}

// checkField checks one key's enum and range. at is its node (nil when
// built in Go or set by a default).
func checkField(st reflect.Type, f field, v reflect.Value, at *Node, path string, errs *xcetl.SpecErrors) {
	fail := func(n *Node, format string, args ...any) {
		e := &xcetl.SpecError{Path: path, Msg: fmt.Sprintf(format, args...)}
		if n != nil {
			e.Pos, e.Path = n.Pos, n.Path
		}
		*errs = append(*errs, e)
	}
	if len(f.enum) > 0 {
		switch {
		case v.Kind() == reflect.String:
			if s, ok := f.canonical(v.String()); ok {
				v.SetString(s)
			} else {
				fail(at, "unknown %s %q%s; one of: %s", f.key, v.String(), xcetl.DidYouMean(v.String(), f.enum), strings.Join(f.enum, ", "))
			}
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
			for i := 0; i < v.Len(); i++ {
				item := at
				if at != nil && at.Kind == List && i < len(at.Items) {
					item = at.Items[i]
				}
				if s, ok := f.canonical(v.Index(i).String()); ok {
					v.Index(i).SetString(s)
				} else {
					fail(item, "unknown %s %q%s; one of: %s", f.key, v.Index(i).String(), xcetl.DidYouMean(v.Index(i).String(), f.enum), strings.Join(f.enum, ", "))
				}
			}
		}
	}
	if f.min == "" && f.max == "" {
		return
	}
	lo, hi, show := f.bounds(st, v)
	var x float64
	switch v.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		x = float64(v.Int())
	case reflect.Float64:
		x = v.Float()
	default:
		return
	}
	if x < lo || x > hi {
		fail(at, "%s must be %s, not %s", f.key, show, f.show(v))
	}
}

func (f field) canonical(s string) (string, bool) {
	low := strings.ToLower(strings.TrimSpace(s))
	for _, e := range f.enum {
		if strings.ToLower(e) == low {
			return e, true
		}
	}
	if to, ok := f.enumAlias[low]; ok {
		return to, true
	}
	return s, false
}

// bounds parses the min and max tags for a field of v's type and says
// them in words ("1..1000000", "at least 0", "at most 10s").
func (f field) bounds(st reflect.Type, v reflect.Value) (lo, hi float64, show string) {
	parse := func(s string) float64 {
		if v.Type() == durationType {
			d, err := time.ParseDuration(s)
			if err != nil {
				panic(fmt.Sprintf("config: %s key %q: bound %q is not a duration", st, f.key, s))
			}
			return float64(d)
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			panic(fmt.Sprintf("config: %s key %q: bound %q is not a number", st, f.key, s))
		}
		return x
	}
	lo, hi = -1e308, 1e308
	if f.min != "" {
		lo = parse(f.min)
	}
	if f.max != "" {
		hi = parse(f.max)
	}
	switch {
	case f.min != "" && f.max != "":
		show = f.min + ".." + f.max
	case f.min != "":
		show = "at least " + f.min
	default:
		show = "at most " + f.max
	}
	return lo, hi, show
}

func (f field) show(v reflect.Value) string {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	return fmt.Sprint(v.Interface())
}

// checkRequired reports required keys left zero in a spec built in Go.
func checkRequired(v reflect.Value, path string, errs *xcetl.SpecErrors) {
	if v.Kind() != reflect.Struct || v.Type() == secretType || v.Type() == durationType {
		return
	}
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if f.required && fv.IsZero() {
			*errs = append(*errs, &xcetl.SpecError{Path: path, Msg: fmt.Sprintf("missing required key %q", f.key)})
		}
		if fv.Kind() == reflect.Pointer && !fv.IsNil() {
			fv = fv.Elem()
		}
		checkRequired(fv, joinPath(path, f.key), errs)
	}
}
