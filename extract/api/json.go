package api

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of a response (objects and arrays), so that a
// hostile body cannot exhaust the stack. Real APIs nest a handful of levels.
const maxDepth = 512

// jsonError is a syntax error in a response body.
type jsonError struct {
	off int // byte offset of the problem
	msg string
	eof bool // the body ended too early (truncated)
}

func (e *jsonError) Error() string {
	if e.eof {
		return fmt.Sprintf("the JSON ends too early at byte %d (truncated response?)", e.off)
	}
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.off, e.msg)
}

func errAt(data []byte, i int, what string) error {
	if i >= len(data) {
		return &jsonError{off: i, eof: true}
	}
	return &jsonError{off: i, msg: fmt.Sprintf("%s, found %s", what, quoteByte(data[i]))}
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// kinds of JSON values, named by their first byte.
const (
	kindNone   = 0
	kindObject = '{'
	kindArray  = '['
	kindString = '"'
	kindNumber = '0'
	kindTrue   = 't'
	kindFalse  = 'f'
	kindNull   = 'n'
)

func kindName(k byte) string {
	switch k {
	case kindObject:
		return "an object"
	case kindArray:
		return "an array"
	case kindString:
		return "a string"
	case kindNumber:
		return "a number"
	case kindTrue, kindFalse:
		return "a boolean"
	case kindNull:
		return "null"
	}
	return "nothing"
}

func kindOf(c byte) byte {
	switch c {
	case '{', '[', '"', 't', 'f', 'n':
		return c
	}
	return kindNumber
}

func ws(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanNumber returns the end of the JSON number starting at data[i].
func scanNumber(data []byte, i int) (int, bool) {
	if i < len(data) && data[i] == '-' {
		i++
	}
	if i >= len(data) {
		return i, false
	}
	switch c := data[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		return i, false
	}
	if i < len(data) && data[i] == '.' {
		i++
		j := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == j {
			return i, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == j {
			return i, false
		}
	}
	return i, true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// scanString checks the string starting at data[i] (a '"') and returns the
// index after its closing quote and whether it needs unescaping (escapes or
// bytes that are not valid UTF-8).
func scanString(data []byte, i int) (end int, complex bool, err error) {
	i++
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			return i + 1, complex, nil
		case c == '\\':
			complex = true
			if i+1 >= len(data) {
				return 0, false, &jsonError{off: len(data), eof: true}
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := 2; k < 6; k++ {
					if i+k >= len(data) {
						return 0, false, &jsonError{off: len(data), eof: true}
					}
					if hexVal(data[i+k]) < 0 {
						return 0, false, errAt(data, i+k, "expected a hex digit in \\u escape")
					}
				}
				i += 6
			default:
				return 0, false, errAt(data, i+1, "invalid escape in string")
			}
		case c < 0x20:
			return 0, false, errAt(data, i, "control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				complex = true
			}
			i += size
		}
	}
	return 0, false, &jsonError{off: len(data), eof: true}
}

// appendString appends the decoded content of the JSON string q (with its
// quotes) to dst, the way encoding/json decodes strings: escapes resolved,
// surrogate pairs joined, lone surrogates and invalid UTF-8 bytes replaced
// by U+FFFD. q must have passed scanString.
func appendString(dst, q []byte, complex bool) []byte {
	q = q[1 : len(q)-1]
	if !complex {
		return append(dst, q...)
	}
	for i := 0; i < len(q); {
		c := q[i]
		if c == '\\' {
			switch q[i+1] {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := rune(hex4(q[i+2:]))
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(q) && q[i] == '\\' && q[i+1] == 'u' {
						if r2 := utf16.DecodeRune(r, rune(hex4(q[i+2:]))); r2 != utf8.RuneError {
							dst = utf8.AppendRune(dst, r2)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, q[i+1])
			}
			i += 2
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(q[i:])
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, q[i:i+size]...)
		}
		i += size
	}
	return dst
}

func hex4(b []byte) int {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// keyIs reports whether the JSON string q (with quotes) decodes to name.
func keyIs(q []byte, complex bool, name string) bool {
	if !complex {
		return string(q[1:len(q)-1]) == name
	}
	var buf [64]byte
	return string(appendString(buf[:0], q, true)) == name
}

// pageInfo is what a scan of a whole response body found.
type pageInfo struct {
	// records is the span of the value at the records path; recKind its
	// kind (kindNone if the path was not found).
	recStart, recEnd int
	recKind          byte
	count            int // elements, when it is an array
	// prefix[k] is the kind of the value at the first k parts of the
	// records path (the body itself for k = 0), for error messages.
	prefix []byte

	// cursor is the value at the cursor path (kindNone if absent).
	curStart, curEnd int
	curKind          byte
	curComplex       bool
}

// scanPage checks that data is one JSON value (exactly what encoding/json
// accepts, nesting limited to maxDepth) and finds the value at the records
// path (nil = the body) and at the cursor path (nil = none). When a path
// occurs twice (a duplicate key), the last occurrence counts, as in
// encoding/json.
func scanPage(data []byte, records, cursor []string) (pageInfo, error) {
	s := pageScanner{data: data, records: records, cursor: cursor}
	s.pi.prefix = make([]byte, len(records)+1)
	rec, cur := 0, -1
	if cursor != nil {
		cur = 0
	}
	i, err := s.value(ws(data, 0), 0, rec, cur)
	if err != nil {
		return s.pi, err
	}
	if i = ws(data, i); i < len(data) {
		return s.pi, errAt(data, i, "expected the end of the JSON")
	}
	return s.pi, nil
}

type pageScanner struct {
	data            []byte
	records, cursor []string
	pi              pageInfo
}

// value checks the value at data[i]. rec (cur) is how many parts of the
// records (cursor) path lead to this value, or -1 when it is off the path.
func (s *pageScanner) value(i, depth, rec, cur int) (int, error) {
	data := s.data
	if i >= len(data) {
		return i, &jsonError{off: i, eof: true}
	}
	start := i
	var err error
	count := 0
	switch c := data[i]; c {
	case '{':
		if depth >= maxDepth {
			return i, &jsonError{off: i, msg: fmt.Sprintf("nested more than %d levels deep", maxDepth)}
		}
		i = ws(data, i+1)
		if i < len(data) && data[i] == '}' {
			i++
			break
		}
		for {
			if i >= len(data) || data[i] != '"' {
				return i, errAt(data, i, "expected a string key")
			}
			ks := i
			var complex bool
			if i, complex, err = scanString(data, i); err != nil {
				return i, err
			}
			key := data[ks:i]
			nr, nc := -1, -1
			if rec >= 0 && rec < len(s.records) && keyIs(key, complex, s.records[rec]) {
				nr = rec + 1
			}
			if cur >= 0 && cur < len(s.cursor) && keyIs(key, complex, s.cursor[cur]) {
				nc = cur + 1
			}
			if i = ws(data, i); i >= len(data) || data[i] != ':' {
				return i, errAt(data, i, "expected ':' after an object key")
			}
			// A key seen again replaces what its first occurrence led to,
			// as in encoding/json.
			if nr >= 0 {
				clear(s.pi.prefix[nr:])
				s.pi.recKind = kindNone
			}
			if nc >= 0 {
				s.pi.curKind = kindNone
			}
			if i, err = s.value(ws(data, i+1), depth+1, nr, nc); err != nil {
				return i, err
			}
			i = ws(data, i)
			if i < len(data) && data[i] == ',' {
				i = ws(data, i+1)
				continue
			}
			if i < len(data) && data[i] == '}' {
				i++
				break
			}
			return i, errAt(data, i, "expected ',' or '}' in an object")
		}
	case '[':
		if depth >= maxDepth {
			return i, &jsonError{off: i, msg: fmt.Sprintf("nested more than %d levels deep", maxDepth)}
		}
		i = ws(data, i+1)
		if i < len(data) && data[i] == ']' {
			i++
			break
		}
		for {
			if i, err = s.value(i, depth+1, -1, -1); err != nil {
				return i, err
			}
			count++
			i = ws(data, i)
			if i < len(data) && data[i] == ',' {
				i = ws(data, i+1)
				continue
			}
			if i < len(data) && data[i] == ']' {
				i++
				break
			}
			return i, errAt(data, i, "expected ',' or ']' in an array")
		}
	case '"':
		var complex bool
		if i, complex, err = scanString(data, i); err != nil {
			return i, err
		}
		if cur == len(s.cursor) {
			s.pi.curComplex = complex
		}
	case 't':
		i, err = literal(data, i, "true")
	case 'f':
		i, err = literal(data, i, "false")
	case 'n':
		i, err = literal(data, i, "null")
	default:
		var ok bool
		if i, ok = scanNumber(data, i); !ok {
			if i >= len(data) {
				return i, &jsonError{off: i, eof: true}
			}
			if i == start {
				return i, errAt(data, i, "expected a JSON value")
			}
			return i, errAt(data, i, "invalid number")
		}
	}
	if err != nil {
		return i, err
	}
	k := kindOf(data[start])
	if rec >= 0 && rec < len(s.pi.prefix) {
		s.pi.prefix[rec] = k
	}
	if rec == len(s.records) {
		s.pi.recStart, s.pi.recEnd, s.pi.recKind, s.pi.count = start, i, k, count
	}
	if cur >= 0 && cur == len(s.cursor) {
		s.pi.curStart, s.pi.curEnd, s.pi.curKind = start, i, k
	}
	return i, nil
}

func literal(data []byte, i int, word string) (int, error) {
	for k := 0; k < len(word); k++ {
		if i+k >= len(data) {
			return i + k, &jsonError{off: i + k, eof: true}
		}
		if data[i+k] != word[k] {
			return i + k, errAt(data, i+k, "invalid literal (expected "+word+")")
		}
	}
	return i + len(word), nil
}

// skipValue returns the end of the (already checked) value at data[i].
func skipValue(data []byte, i int) (int, error) {
	var s pageScanner
	s.data = data
	return s.value(i, 0, -1, -1)
}

// recordsError explains why the records path did not lead to an array.
func recordsError(pi pageInfo, path []string, raw string) error {
	if pi.recKind == kindNone {
		k := 0
		for k+1 < len(pi.prefix) && pi.prefix[k+1] != kindNone {
			k++
		}
		where := "the body"
		if k > 0 {
			where = strings.Join(path[:k], ".")
		}
		if pi.prefix[k] != kindObject {
			return fmt.Errorf("records path %q: %s is %s, not an object with key %q", raw, where, kindName(pi.prefix[k]), path[k])
		}
		return fmt.Errorf("records path %q: %s has no key %q", raw, where, path[k])
	}
	what := "records path " + strconvQuote(raw)
	if raw == "" {
		what = "the body (records is empty)"
	}
	return fmt.Errorf("%s is %s, not an array of records", what, kindName(pi.recKind))
}

func strconvQuote(s string) string { return strconv.Quote(s) }

// flattener walks records, naming nested object members with their path
// joined by "_", and hands every leaf to leaf.
type flattener struct {
	data []byte
	key  []byte
	// leaf gets the flattened name and the leaf's kind and span.
	leaf func(name []byte, kind byte, start, end int, complex bool)
}

// record walks the object at data[i] and returns the index after it.
func (f *flattener) record(i int) (int, error) {
	f.key = f.key[:0]
	return f.object(i, 0)
}

func (f *flattener) object(i, depth int) (int, error) {
	data := f.data
	if depth >= maxDepth {
		return i, &jsonError{off: i, msg: fmt.Sprintf("nested more than %d levels deep", maxDepth)}
	}
	i = ws(data, i+1) // after '{'
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, errAt(data, i, "expected a string key")
		}
		ks := i
		end, complex, err := scanString(data, i)
		if err != nil {
			return end, err
		}
		base := len(f.key)
		if depth > 0 {
			f.key = append(f.key, '_')
		}
		f.key = appendString(f.key, data[ks:end], complex)
		if i = ws(data, end); i >= len(data) || data[i] != ':' {
			return i, errAt(data, i, "expected ':' after an object key")
		}
		if i = ws(data, i+1); i >= len(data) {
			return i, &jsonError{off: i, eof: true}
		}
		switch c := data[i]; c {
		case '{':
			if i, err = f.object(i, depth+1); err != nil {
				return i, err
			}
		case '"':
			vs := i
			if i, complex, err = scanString(data, i); err != nil {
				return i, err
			}
			f.leaf(f.key, kindString, vs, i, complex)
		default:
			vs := i
			if i, err = skipValue(data, i); err != nil {
				return i, err
			}
			f.leaf(f.key, kindOf(c), vs, i, false)
		}
		f.key = f.key[:base]
		i = ws(data, i)
		if i < len(data) && data[i] == ',' {
			i = ws(data, i+1)
			continue
		}
		if i < len(data) && data[i] == '}' {
			return i + 1, nil
		}
		return i, errAt(data, i, "expected ',' or '}' in an object")
	}
}

// appendCompact appends the JSON value span compacted (insignificant
// whitespace removed, everything else as the API sent it).
func appendCompact(dst, span []byte) []byte {
	for i := 0; i < len(span); i++ {
		c := span[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			end, _, err := scanString(span, i)
			if err != nil {
				return append(dst, span[i:]...)
			}
			dst = append(dst, span[i:end]...)
			i = end - 1
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}
