// Package box puts strings into interface values without an allocation per
// value.
//
// Converting a string to `any` makes Go allocate 16 bytes for a copy of the
// string's header, one allocation per value. A source puts every field of
// every row into an `any` (a row is []any), so a million-row, ten-column CSV
// load makes ten million of these small allocations: about a tenth of the
// client's CPU with the garbage collection they cause (issue 15). At makes
// the interface value point at a header the caller already keeps, as Go's
// conversion does with a header of its own.
//
// Why it is sound: an interface holding a string is a pair (the string
// type, a pointer to a string header); Go's runtime and package reflect
// rely on that layout, and the garbage collector treats the second word as
// a pointer, so the value keeps the header's allocation (and the text it
// points to) alive. What the caller must guarantee: the header is never
// written again, because an interface value must never change.
// TestAtSurvivesGC checks values through collections.
package box

import "unsafe"

// eface is the layout of an interface value without methods.
type eface struct {
	typ, data unsafe.Pointer
}

// stringType is the type word of an interface holding a string.
var stringType = func() unsafe.Pointer {
	var x any = ""
	return (*eface)(unsafe.Pointer(&x)).typ
}()

// At returns any(*p) for every purpose (type switches, ==, reflect), but
// pointing at *p instead of at a copy. *p must never be written again.
func At(p *string) any {
	var a any
	*(*eface)(unsafe.Pointer(&a)) = eface{typ: stringType, data: unsafe.Pointer(p)}
	return a
}
