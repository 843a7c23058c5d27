package excel

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The worksheet and shared-strings XML is tokenised here rather than with
// encoding/xml: encoding/xml allocates for every token and attribute and
// reads a byte at a time, which made it 80% of the time of a load (about
// 13 MB/s of sheet XML). This scanner returns slices into a sliding buffer
// and allocates nothing per token. It understands what spreadsheet writers
// produce — elements with optional namespace prefixes, attributes in single
// or double quotes, character and entity references, CDATA sections,
// comments and processing instructions — and refuses a DOCTYPE (no
// spreadsheet has one, and entity definitions are a classic XML attack).
// FuzzScannerMatchesEncodingXML checks it against encoding/xml.

// tokKind is the kind of an XML token.
type tokKind uint8

const (
	tokStart tokKind = iota + 1 // <name attr="v">
	tokEnd                      // </name>
	tokEmpty                    // <name attr="v"/>
	tokText                     // character data, entities not yet decoded
	tokCDATA                    // the literal content of a CDATA section
)

// maxTokenSize caps one tag or one run of text (the buffer grows to hold
// it). Excel limits a cell to 32,767 characters; 64 MiB leaves room for any
// writer while keeping a damaged file from growing the buffer without end.
var maxTokenSize = 64 << 20

// errTokenTooLong is returned for a tag or text longer than maxTokenSize.
var errTokenTooLong = errors.New("an XML tag or text is longer than the limit (a damaged or hostile file)")

// xmlScanner is a pull tokenizer over r. The slices of the current token
// (name, attrs, text) are valid until the next call of next.
type xmlScanner struct {
	r    io.Reader
	buf  []byte
	pos  int // first unread byte
	end  int // end of the data in buf
	eof  bool
	rerr error // the reader's error other than io.EOF

	depth int // elements open

	kind  tokKind
	name  []byte // local name (after any prefix) of a start, empty or end tag
	attrs []byte // the raw attributes of a start or empty tag
	text  []byte // raw text (tokText) or literal text (tokCDATA)
}

func newScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, 64<<10)}
}

// fill reads more data, moving the unread bytes to the front of the buffer
// and growing it when it is full. It reports false when nothing more can be
// read (end of input, a read error, or the token limit).
func (s *xmlScanner) fill() bool {
	if s.eof || s.rerr != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxTokenSize {
			s.rerr = errTokenTooLong
			return false
		}
		nb := make([]byte, min(2*len(s.buf), maxTokenSize))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return n > 0
		}
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// readErr is the error to return when the input ended inside a token.
func (s *xmlScanner) readErr() error {
	if s.rerr != nil {
		return s.rerr
	}
	return io.ErrUnexpectedEOF
}

// find returns the offset from pos of pat at or after offset off, reading
// more input as needed, or -1 if the input ends first.
func (s *xmlScanner) find(off int, pat []byte) int {
	for {
		if i := bytes.Index(s.buf[s.pos+off:s.end], pat); i >= 0 {
			return off + i
		}
		// Keep looking from where a partial match could start.
		off = max(off, s.end-s.pos-len(pat)+1)
		if !s.fill() {
			return -1
		}
	}
}

// has reports whether at least n unread bytes are buffered, reading more
// as needed.
func (s *xmlScanner) has(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

// next reads the next token. It returns io.EOF at the end of the input
// (between tokens), and another error for malformed XML or a read error.
func (s *xmlScanner) next() error {
	for {
		if s.pos == s.end && !s.fill() {
			if s.rerr != nil {
				return s.rerr
			}
			return io.EOF
		}
		if s.buf[s.pos] != '<' {
			i := s.find(0, []byte{'<'})
			if i < 0 {
				if s.rerr != nil {
					return s.rerr
				}
				i = s.end - s.pos // text up to the end of the input
			}
			s.kind, s.text = tokText, s.buf[s.pos:s.pos+i]
			s.pos += i
			return nil
		}
		if !s.has(2) {
			return s.readErr()
		}
		switch s.buf[s.pos+1] {
		case '?':
			i := s.find(2, []byte("?>"))
			if i < 0 {
				return s.readErr()
			}
			s.pos += i + 2
			continue
		case '!':
			if s.has(4) && bytes.HasPrefix(s.buf[s.pos:s.end], []byte("<!--")) {
				i := s.find(4, []byte("-->"))
				if i < 0 {
					return s.readErr()
				}
				s.pos += i + 3
				continue
			}
			if s.has(9) && bytes.HasPrefix(s.buf[s.pos:s.end], []byte("<![CDATA[")) {
				i := s.find(9, []byte("]]>"))
				if i < 0 {
					return s.readErr()
				}
				s.kind, s.text = tokCDATA, s.buf[s.pos+9:s.pos+i]
				s.pos += i + 3
				return nil
			}
			return errors.New("unexpected <! declaration (a DOCTYPE or a damaged file)")
		case '/':
			i := s.find(2, []byte{'>'})
			if i < 0 {
				return s.readErr()
			}
			name := s.buf[s.pos+2 : s.pos+i]
			for len(name) > 0 && isSpace(name[len(name)-1]) {
				name = name[:len(name)-1]
			}
			if !validName(name) {
				return fmt.Errorf("malformed end tag %q", clip(string(s.buf[s.pos:s.pos+i+1])))
			}
			s.kind, s.name = tokEnd, localName(name)
			s.pos += i + 1
			s.depth--
			return nil
		}
		off, err := s.tagEnd()
		if err != nil {
			return err
		}
		tag := s.buf[s.pos+1 : s.pos+off]
		s.pos += off + 1
		s.kind = tokStart
		if len(tag) > 0 && tag[len(tag)-1] == '/' {
			s.kind, tag = tokEmpty, tag[:len(tag)-1]
		}
		n := 0
		for n < len(tag) && !isSpace(tag[n]) {
			n++
		}
		if !validName(tag[:n]) {
			return fmt.Errorf("malformed tag <%s>", clip(string(tag)))
		}
		s.name, s.attrs = localName(tag[:n]), tag[n:]
		if s.kind == tokStart {
			if s.depth++; s.depth > maxDepth {
				return errTooDeep
			}
		}
		return nil
	}
}

// tagEnd returns the offset from pos of the '>' that ends the start tag
// at pos: the first outside quoted attribute values.
func (s *xmlScanner) tagEnd() (int, error) {
	off := 1
	for {
		b := s.buf[s.pos+off : s.end]
		i := 0
		for i < len(b) && !tagByte[b[i]] {
			i++
		}
		off += i
		if i == len(b) {
			if !s.fill() {
				return 0, s.readErr()
			}
			continue
		}
		switch c := b[i]; c {
		case '>':
			return off, nil
		case '<':
			return 0, fmt.Errorf("malformed tag %q", clip(string(s.buf[s.pos:s.pos+off])))
		default: // a quote: skip the value
			for {
				if j := bytes.IndexByte(s.buf[s.pos+off+1:s.end], c); j >= 0 {
					off += j + 2
					break
				}
				if !s.fill() {
					return 0, s.readErr()
				}
			}
		}
	}
}

// tagByte marks the bytes tagEnd stops at.
var tagByte = [256]bool{'"': true, '\'': true, '>': true, '<': true}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// validName is a light check of an element name: not empty, no markup or
// quote characters.
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	colons := 0
	for _, c := range b {
		switch c {
		case ':':
			colons++
		case '<', '>', '"', '\'', '=', '/', '&', ' ', '\t', '\r', '\n':
			return false
		}
	}
	return colons <= 1
}

// localName strips a namespace prefix ("x:row" → "row"). A name with an
// empty prefix or local part (":row", "row:") is kept whole, and one with
// two colons is refused by validName, as encoding/xml does.
func localName(b []byte) []byte {
	if i := bytes.IndexByte(b, ':'); i > 0 && i < len(b)-1 {
		return b[i+1:]
	}
	return b
}

// nextAttr splits the first attribute off raw attribute text. name is the
// qualified name (prefix included); val is raw (not yet decoded). ok is
// false at the end; err reports malformed attributes.
func nextAttr(b []byte) (name, val, rest []byte, ok bool, err error) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return nil, nil, nil, false, nil
	}
	j := i
	for j < len(b) && b[j] != '=' && !isSpace(b[j]) {
		j++
	}
	name = b[i:j]
	for j < len(b) && isSpace(b[j]) {
		j++
	}
	if len(name) == 0 || j == len(b) || b[j] != '=' {
		return nil, nil, nil, false, fmt.Errorf("malformed attributes %q", clip(string(b)))
	}
	j++
	for j < len(b) && isSpace(b[j]) {
		j++
	}
	if j == len(b) || (b[j] != '"' && b[j] != '\'') {
		return nil, nil, nil, false, fmt.Errorf("attribute %s has no quoted value", clip(string(name)))
	}
	q := b[j]
	k := bytes.IndexByte(b[j+1:], q)
	if k < 0 {
		return nil, nil, nil, false, fmt.Errorf("attribute %s has an unterminated value", clip(string(name)))
	}
	return name, b[j+1 : j+1+k], b[j+2+k:], true, nil
}

// appendText appends raw XML text to dst with character and entity
// references decoded and line ends normalised (\r\n and \r become \n), as
// an XML parser must.
func appendText(dst, raw []byte) ([]byte, error) {
	for len(raw) > 0 {
		i := indexAmpCR(raw)
		if i < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		if raw[0] == '\r' {
			dst = append(dst, '\n')
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			continue
		}
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 {
			return dst, fmt.Errorf("unterminated entity reference %q", clip(string(raw)))
		}
		ent := raw[1:semi]
		raw = raw[semi+1:]
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "apos":
			dst = append(dst, '\'')
		case "quot":
			dst = append(dst, '"')
		default:
			r, ok := charRef(ent)
			if !ok {
				return dst, fmt.Errorf("invalid entity reference &%s;", clip(string(ent)))
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}

// indexAmpCR is bytes.IndexAny(b, "&\r") without building a set per call.
func indexAmpCR(b []byte) int {
	for i, c := range b {
		if c == '&' || c == '\r' {
			return i
		}
	}
	return -1
}

// charRef decodes "#65" or "#x41".
func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	base, digits := 10, ent[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	for _, c := range digits {
		if c == '+' || c == '-' || c == '_' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || !isXMLChar(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

// isXMLChar reports whether r may appear in an XML 1.0 document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// decodeXString undoes the escapes of ECMA-376 ST_Xstring that Excel uses
// for characters XML cannot hold: _xHHHH_ is the UTF-16 code unit HHHH
// (a carriage return is written _x000D_), and _x005F_ escapes an
// underscore that would otherwise start such an escape.
func decodeXString(s string) string {
	i := indexXEscape(s, 0)
	if i < 0 {
		return s
	}
	var b []byte
	last := 0
	for i >= 0 {
		u, _ := strconv.ParseUint(s[i+2:i+6], 16, 16)
		r, n := rune(u), 7
		if utf16High(r) {
			if j := indexXEscape(s, i+7); j == i+7 {
				lo, _ := strconv.ParseUint(s[j+2:j+6], 16, 16)
				if utf16Low(rune(lo)) {
					r, n = 0x10000+(r-0xD800)<<10+(rune(lo)-0xDC00), 14
				}
			}
		}
		if utf16High(r) || utf16Low(r) {
			i = indexXEscape(s, i+1) // a lone surrogate: keep the text
			continue
		}
		b = append(b, s[last:i]...)
		b = utf8.AppendRune(b, r)
		last = i + n
		i = indexXEscape(s, last)
	}
	return string(append(b, s[last:]...))
}

func utf16High(r rune) bool { return r >= 0xD800 && r <= 0xDBFF }
func utf16Low(r rune) bool  { return r >= 0xDC00 && r <= 0xDFFF }

// indexXEscape finds the next _xHHHH_ at or after from.
func indexXEscape(s string, from int) int {
	for from+7 <= len(s) {
		i := strings.Index(s[from:], "_x")
		if i < 0 {
			return -1
		}
		i += from
		if i+7 <= len(s) && s[i+6] == '_' && isHex4(s[i+2:i+6]) {
			return i
		}
		from = i + 1
	}
	return -1
}

func isHex4(s string) bool {
	for i := 0; i < 4; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// simple reads, at the scanner's position, the literal markup open, text
// without markup, and the literal markup close, and returns the raw text
// (valid until the next call). When the input there is anything else it
// consumes nothing and reports false, and the caller reads it token by
// token. It exists for the shapes nearly every cell has (<v>…</v></c>,
// <is><t>…</t></is></c>), which cost five or more tokens otherwise. ends
// is how many elements close ends beyond those open starts (1 for the
// </c> above), so that the nesting depth stays right.
func (s *xmlScanner) simple(open, close []byte, ends int) ([]byte, bool) {
	if !s.has(len(open)) || !bytes.HasPrefix(s.buf[s.pos:s.end], open) {
		return nil, false
	}
	i := s.find(len(open), []byte{'<'})
	if i < 0 || !s.has(i+len(close)) || !bytes.HasPrefix(s.buf[s.pos+i:s.end], close) {
		return nil, false
	}
	text := s.buf[s.pos+len(open) : s.pos+i]
	s.pos += i + len(close)
	s.depth -= ends
	return text, true
}
