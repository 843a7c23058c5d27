package config

import (
	"fmt"
	"reflect"
	"slices"
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
//	enumdoc:"a=…;b=…" what each enum value means, ';'-separated (docs, schema, and the
//	                  message for a value that is not one of them)
//	refuse:"…"        the key is not this plugin's: writing it is refused with this
//	                  message (`keys:` on encrypt says it is for decrypt); not in docs
//	listkeys:"true"   on an Ordered mapping: a list of names (or one name) may be written
//	                  instead, giving those keys with zero values (`fields: [phone]`)
//
// min:">0" makes a bound exclusive ("more than 0"). `yaml:",inline"` on a
// struct field merges that struct's keys into the parent's mapping (a
// loader's common keys and its dialect's own, side by side); on a field of
// interface type, whose keys depend on the value it holds, it is skipped
// by decoding and the docs, and Encode merges the held spec's keys. A key whose
// value is a mapping of keys in file order is an Ordered (derive's
// columns, computed in order), not a Go map.
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
	switch {
	case isOrdered(t):
		ok = kind == Map && len(n.Entries) > 0
	case t.Kind() == reflect.Struct:
		ok = kind == Map || kind == Null || kind == Scalar
	case t.Kind() == reflect.Map:
		ok = kind == Map && len(n.Entries) > 0
	case t.Kind() == reflect.Slice:
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
	root string // path of the value whose Check method runs (At keeps it)
	val  reflect.Value
	errs *xcetl.SpecErrors
}

// Has reports whether key was written (YAML), or is not its zero value
// (a spec built in Go).
func (c *Check) Has(key string) bool {
	if c.node != nil {
		return c.Node(key) != nil
	}
	if !c.val.IsValid() || c.val.Kind() != reflect.Struct {
		return false
	}
	for _, f := range fieldsOf(c.val.Type()) {
		if f.key == key {
			fv := c.val.FieldByIndex(f.index)
			return !fv.IsZero() && !f.isDefault(fv)
		}
	}
	return false
}

// Node returns the value node of key ("" for the value being checked), or
// nil when it was not written or the spec was built in Go.
func (c *Check) Node(key string) *Node {
	if c.node == nil || key == "" {
		return c.node
	}
	if c.val.IsValid() && c.val.Kind() == reflect.Struct {
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

// Path returns the YAML path of the spec being checked.
func (c *Check) Path() string { return c.path }

// At returns the Check of the value under key (a key of a struct, of an
// Ordered mapping or of a map), so that problems inside it are reported at
// the right node or, for a spec built in Go, the right path.
func (c *Check) At(key string) *Check {
	sub := &Check{node: c.Node(key), path: joinPath(c.path, key), root: c.root, errs: c.errs}
	switch v := c.val; {
	case !v.IsValid():
	case v.Kind() == reflect.Struct:
		for _, f := range fieldsOf(v.Type()) {
			if f.key == key {
				sub.val = v.FieldByIndex(f.index)
			}
		}
	case isOrdered(v.Type()):
		for i := 0; i < v.Len(); i++ {
			if v.Index(i).Field(0).String() == key {
				sub.val = v.Index(i).Field(1)
			}
		}
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		sub.val = v.MapIndex(reflect.ValueOf(key))
	}
	for sub.val.IsValid() && sub.val.Kind() == reflect.Pointer && !sub.val.IsNil() {
		sub.val = sub.val.Elem()
	}
	return sub
}

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
	// A value that decoding refused (or whose parent it refused) gets no
	// second problem from a Check.
	for _, e := range *c.errs {
		if path != c.root && (e.Path == path || e.Path != c.root && under(path, e.Path) && under(e.Path, c.root)) {
			return
		}
		// A required key that is missing is reported once, by decoding.
		if e.Path != "" && strings.HasPrefix(path, e.Path+".") && e.Msg == fmt.Sprintf("missing required key %q", strings.TrimPrefix(path, e.Path+".")) {
			return
		}
	}
	e := &xcetl.SpecError{Path: path, Msg: msg}
	if n != nil {
		e.Pos = n.Pos
	}
	*c.errs = append(*c.errs, e)
}

// under reports whether path p is base or inside it.
func under(p, base string) bool {
	if base == "" || p == base {
		return true
	}
	return strings.HasPrefix(p, base) && (p[len(base)] == '.' || p[len(base)] == '[')
}

// CheckNode runs fn with a Check of the value n (decoded by hand, not by
// DecodeSpec), for helpers shared by hand-written and declared plugins.
func CheckNode(n *Node, fn func(*Check)) xcetl.SpecErrors {
	var errs xcetl.SpecErrors
	path := pathOrZero(n)
	fn(&Check{node: n, path: path, root: path, errs: &errs})
	return errs
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
	decodeValue(orEmpty(n, rv.Elem().Type()), rv.Elem(), "", &errs)
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
	index     []int // reflect.Value.FieldByIndex path (through inline structs)
	key       string
	required  bool
	aliases   []string
	doc       string
	def       string
	defNode   *Node // def parsed
	example   string
	doctype   string
	enum      []string
	enumDoc   []string // parallel to enum; "" for a value without one
	enumAlias map[string]string
	min, max  string
	shorthand bool
	listKeys  bool
	refuse    string // the message for a key that is declared only to be refused
}

// declared is what fieldsOf knows about one struct type.
type declared struct {
	fields  []field
	inlines [][]int // index paths of inline structs, for their Check methods
	dynamic [][]int // inline fields of interface type: encoded (Encode) from the value they hold, not decoded
}

var fieldCache sync.Map // reflect.Type → *declared

// fieldsOf returns the declared keys of struct type t, those of inline
// structs included. Malformed tags are programming errors and panic (every
// registered spec is checked by a test).
func fieldsOf(t reflect.Type) []field { return declOf(t).fields }

func declOf(t reflect.Type) *declared {
	if v, ok := fieldCache.Load(t); ok {
		return v.(*declared)
	}
	d := &declared{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		key, required, inline := tagOf(sf)
		if inline && sf.Type.Kind() == reflect.Interface {
			d.dynamic = append(d.dynamic, []int{i})
			continue
		}
		if inline {
			if sf.Type.Kind() != reflect.Struct {
				panic(fmt.Sprintf("config: %s.%s: inline needs a struct, not %s", t, sf.Name, sf.Type))
			}
			sub := declOf(sf.Type)
			for _, f := range sub.fields {
				f.index = append([]int{i}, f.index...)
				d.fields = append(d.fields, f)
			}
			d.inlines = append(d.inlines, []int{i})
			for _, in := range sub.inlines {
				d.inlines = append(d.inlines, append([]int{i}, in...))
			}
			continue
		}
		if key == "" {
			continue
		}
		d.fields = append(d.fields, newField(t, sf, i, key, required))
	}
	seen := map[string]bool{}
	for _, f := range d.fields {
		for _, k := range append([]string{f.key}, f.aliases...) {
			if seen[k] {
				panic(fmt.Sprintf("config: %s: key %q is declared twice", t, k))
			}
			seen[k] = true
		}
	}
	fieldCache.Store(t, d)
	return d
}

func newField(t reflect.Type, sf reflect.StructField, i int, key string, required bool) field {
	f := field{index: []int{i}, key: key, required: required,
		doc: sf.Tag.Get("doc"), def: sf.Tag.Get("default"), example: sf.Tag.Get("example"),
		doctype: sf.Tag.Get("doctype"), min: sf.Tag.Get("min"), max: sf.Tag.Get("max"),
		shorthand: sf.Tag.Get("shorthand") == "true", listKeys: sf.Tag.Get("listkeys") == "true",
		refuse: sf.Tag.Get("refuse")}
	if f.def != "" {
		f.defNode = parseDefault(f.def)
	}
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
	if ed := sf.Tag.Get("enumdoc"); ed != "" {
		f.enumDoc = make([]string, len(f.enum))
		for _, part := range strings.Split(ed, ";") {
			v, text, ok := strings.Cut(strings.TrimSpace(part), "=")
			j := slices.Index(f.enum, v)
			if !ok || j < 0 {
				panic(fmt.Sprintf("config: %s.%s: enumdoc %q is not value=text for a value of enum", t, sf.Name, part))
			}
			f.enumDoc[j] = strings.TrimSpace(text)
		}
	}
	if f.listKeys && !isOrdered(sf.Type) {
		panic(fmt.Sprintf("config: %s.%s: listkeys needs an Ordered mapping", t, sf.Name))
	}
	return f
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

// enumList says the allowed values in a message, each with its meaning
// where declared: "cbc (the default: …), ecb (…)".
func (f field) enumList() string {
	parts := make([]string, len(f.enum))
	for i, e := range f.enum {
		parts[i] = e
		if i < len(f.enumDoc) && f.enumDoc[i] != "" {
			parts[i] += " (" + f.enumDoc[i] + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// ---- defaults ----

// parseDefault reads a default tag's YAML text.
func parseDefault(def string) *Node {
	n, err := Parse("default", []byte(def), nil)
	if err != nil || n == nil {
		// A scalar the YAML parser reads as something else ("") is taken
		// as the text it is.
		n = &Node{Kind: Scalar, Value: def}
	}
	return n
}

// defaultValue returns the value field f, of Go type typ, has by default.
func (f field) defaultValue(typ reflect.Type) reflect.Value {
	v := reflect.New(typ).Elem()
	var errs xcetl.SpecErrors
	decodeValue(f.defNode, v, "", &errs)
	if len(errs) > 0 {
		panic(fmt.Sprintf("config: key %q: default %q does not decode as %s: %v", f.key, f.def, typ, errs))
	}
	return v
}

// isDefault reports whether fv holds the declared default of f (false
// when f has none).
func (f field) isDefault(fv reflect.Value) bool {
	return f.def != "" && reflect.DeepEqual(fv.Interface(), f.defaultValue(fv.Type()).Interface())
}

// setDefaults applies declared defaults to the struct v (through pointers
// that are set, and nested structs). With onlyZero, fields that already
// hold a value keep it.
func setDefaults(v reflect.Value, onlyZero bool) {
	if v.Kind() != reflect.Struct {
		return
	}
	for _, f := range fieldsOf(v.Type()) {
		fv := v.FieldByIndex(f.index)
		if f.def != "" && (!onlyZero || fv.IsZero()) {
			fv.Set(f.defaultValue(fv.Type()))
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
// then runs the Check methods of v's inline structs and of v.
func validate(v reflect.Value, n *Node, path string, errs *xcetl.SpecErrors) {
	switch {
	case v.Kind() == reflect.Pointer:
		if !v.IsNil() {
			validate(v.Elem(), n, path, errs)
		}
		return
	case isOrdered(v.Type()):
		for i := 0; i < v.Len(); i++ {
			key := v.Index(i).Field(0).String()
			validate(v.Index(i).Field(1), n.Get(key), joinPath(path, key), errs)
		}
	case v.Kind() == reflect.Struct:
		if v.Type() == secretType || v.Type() == durationType {
			break
		}
		d := declOf(v.Type())
		for _, f := range d.fields {
			fv := v.FieldByIndex(f.index)
			fn := entryOf(n, f)
			if n != nil && fn == nil && f.def == "" {
				continue // not written: nothing to check but required (done)
			}
			fpath := joinPath(path, f.key)
			checkField(v.Type(), f, fv, fn, fpath, errs)
			validate(fv, fn, fpath, errs)
		}
		for _, in := range d.inlines {
			runCheck(v.FieldByIndex(in), n, path, errs)
		}
	case v.Kind() == reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			var in *Node
			if n != nil && n.Kind == List && i < len(n.Items) {
				in = n.Items[i]
			}
			validate(v.Index(i), in, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case v.Kind() == reflect.Map:
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
	c.Check(&Check{node: n, path: path, root: path, val: v, errs: errs})
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
		check := func(item reflect.Value, n *Node) {
			if s, ok := f.canonical(item.String()); ok {
				item.SetString(s)
				return
			}
			fail(n, "unknown %s %q%s; one of: %s%s", f.key, item.String(), xcetl.DidYouMean(item.String(), f.enum), f.enumList(), f.longForm(st))
		}
		switch {
		case v.Kind() == reflect.String:
			check(v, at)
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
			for i := 0; i < v.Len(); i++ {
				item := at
				if at != nil && at.Kind == List && i < len(at.Items) {
					item = at.Items[i]
				}
				check(v.Index(i), item)
			}
		}
	}
	if f.min == "" && f.max == "" {
		return
	}
	var x float64
	switch v.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		x = float64(v.Int())
	case reflect.Float64:
		x = v.Float()
	default:
		return
	}
	if !f.inBounds(st, v, x) {
		fail(at, "%s must be %s, not %s", f.key, f.boundsText(), f.show(v))
	}
}

// longForm names the mapping a shorthand field's struct also takes, for
// the message about a scalar that is not one of its values.
func (f field) longForm(st reflect.Type) string {
	if !f.shorthand {
		return ""
	}
	var keys []string
	for _, g := range fieldsOf(st) {
		if g.key != f.key {
			keys = append(keys, g.key)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	return "; or a mapping of " + strings.Join(keys, ", ")
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

// bound is one parsed min or max tag.
type bound struct {
	set       bool
	exclusive bool // ">0": more than, not at least
	x         float64
	text      string
}

func (f field) bound(st reflect.Type, v reflect.Value, tag string) bound {
	if tag == "" {
		return bound{}
	}
	b := bound{set: true, text: tag}
	if rest, ok := strings.CutPrefix(tag, ">"); ok {
		b.exclusive, b.text = true, rest
	} else if rest, ok := strings.CutPrefix(tag, "<"); ok {
		b.exclusive, b.text = true, rest
	}
	if v.Type() == durationType {
		d, err := time.ParseDuration(b.text)
		if err != nil {
			panic(fmt.Sprintf("config: %s key %q: bound %q is not a duration", st, f.key, tag))
		}
		b.x = float64(d)
		return b
	}
	x, err := strconv.ParseFloat(b.text, 64)
	if err != nil {
		panic(fmt.Sprintf("config: %s key %q: bound %q is not a number", st, f.key, tag))
	}
	b.x = x
	return b
}

func (f field) inBounds(st reflect.Type, v reflect.Value, x float64) bool {
	lo, hi := f.bound(st, v, f.min), f.bound(st, v, f.max)
	switch {
	case lo.set && (x < lo.x || lo.exclusive && x == lo.x):
		return false
	case hi.set && (x > hi.x || hi.exclusive && x == hi.x):
		return false
	}
	return true
}

// boundsText says the min and max tags in words ("1..1000000", "at least
// 0", "at most 10s", "more than 0").
func (f field) boundsText() string {
	say := func(tag, incl, excl string) string {
		if rest, ok := strings.CutPrefix(tag, ">"); ok {
			return excl + " " + rest
		}
		if rest, ok := strings.CutPrefix(tag, "<"); ok {
			return excl + " " + rest
		}
		return incl + " " + tag
	}
	switch {
	case f.min != "" && f.max != "" && !strings.ContainsAny(f.min+f.max, "<>"):
		return f.min + ".." + f.max
	case f.min != "" && f.max != "":
		return say(f.min, "at least", "more than") + " and " + say(f.max, "at most", "less than")
	case f.min != "":
		return say(f.min, "at least", "more than")
	}
	return say(f.max, "at most", "less than")
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
		fv := v.FieldByIndex(f.index)
		if f.required && fv.IsZero() {
			*errs = append(*errs, &xcetl.SpecError{Path: path, Msg: fmt.Sprintf("missing required key %q", f.key)})
		}
		requiredIn(fv, joinPath(path, f.key), errs)
	}
}

// requiredIn looks for required keys in the structs that v is, points to
// or holds (list items, mapping values).
func requiredIn(v reflect.Value, path string, errs *xcetl.SpecErrors) {
	switch {
	case v.Kind() == reflect.Pointer:
		if !v.IsNil() {
			requiredIn(v.Elem(), path, errs)
		}
	case isOrdered(v.Type()):
		for i := 0; i < v.Len(); i++ {
			requiredIn(v.Index(i).Field(1), joinPath(path, v.Index(i).Field(0).String()), errs)
		}
	case v.Kind() == reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			requiredIn(v.Index(i), fmt.Sprintf("%s[%d]", path, i), errs)
		}
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
		for _, k := range v.MapKeys() {
			requiredIn(v.MapIndex(k), joinPath(path, k.String()), errs)
		}
	case v.Kind() == reflect.Struct:
		checkRequired(v, path, errs)
	}
}
