package csv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The field splitter. encoding/csv cannot be used: it does not say whether
// a field was quoted (so `""` and an empty field look the same), it turns
// CRLF inside quotes into LF, it trims inside quotes with
// TrimLeadingSpace, it knows no escapes (MySQL, PostgreSQL text), and it
// keeps growing a field without bound. The splitter reads the decoded text
// line by line from a bufio.Reader (a record on one line is split straight
// out of bufio's buffer), copies the fields' bytes into one buffer per
// record and makes one string of it, so that a record costs one allocation
// however many fields it has.

// fieldKind says how a field was written.
type fieldKind uint8

const (
	plainField  fieldKind = iota // unquoted: matched against null_values
	quotedField                  // in quotes: a value, even when empty
	nullField                    // \N (format mysql or postgres), or NULL unquoted in mysql with quotes: NULL
)

// escapeRules are the backslash escapes of a format.
type escapeRules uint8

const (
	noEscapes escapeRules = iota
	// mysqlEscapes: SELECT … INTO OUTFILE, mysqldump --tab, LOAD DATA:
	// \0 \b \n \r \t \Z, \N for NULL, a backslash before any other
	// character (the delimiter, the quote, a line break, itself) keeps it.
	mysqlEscapes
	// postgresEscapes: COPY … TO in text format: \b \f \n \r \t \v,
	// octal \ooo and hex \xhh bytes, \N for NULL, any other character
	// after a backslash is itself; a line `\.` ends the data.
	postgresEscapes
	// literalEscapes: `escape:` of format csv (Python's escapechar, PHP
	// and others writing \"): the escape character keeps the character
	// after it, whatever it is, inside quotes and out.
	literalEscapes
)

// splitConf is how a file's records are split.
type splitConf struct {
	delim      []byte // the delimiter's UTF-8 bytes
	quote      byte   // 0: fields are never quoted (quote: none)
	escapes    escapeRules
	esc        byte // the escape character when escapes is not noEscapes
	lazy       bool // lazy_quotes: a stray quote is data
	comment    byte // 0: no comment lines
	trim       bool // trim_space: outside quotes only
	lfInQuotes bool // quoted_newlines: lf — CRLF inside quotes becomes LF
	crlf       bool // CRLF ends a line as LF does (not in format mysql, where CR is data)
	maxField   int  // bytes of one field
	maxRecord  int  // bytes of one record as written
	maxFields  int  // fields of one record
}

// maxFieldsPerRecord bounds the fields of one record (a line of a million
// delimiters would otherwise cost a million strings). It is Excel's column
// limit, above what any target database allows in a table.
const maxFieldsPerRecord = 16384

// recordSizeFactor: a record may be this many times max_field_size long.
const recordSizeFactor = 4

// splitError is a record that cannot be split: one reject, and reading
// goes on after it.
type splitError struct {
	StartLine int // the record's first line (1-based, in the stream)
	Line      int // where the problem is
	Column    int // 1-based, in characters
	Field     int // 1-based
	Msg       string
}

func (e *splitError) Error() string {
	return fmt.Sprintf("line %d column %d: %s", e.Line, e.Column, e.Msg)
}

var errLineTooLong = errors.New("line too long")

// splitter splits the records of one stream. Its results are valid until
// the next call of Read.
type splitter struct {
	c  *splitConf
	br *bufio.Reader

	line   int   // physical lines read
	offset int64 // bytes read: after Read, the end of the record
	eod    bool  // a postgres `\.` line was read

	startLine int // of the last record
	recBytes  int // bytes of the current record as written
	escBytes  bool

	simple bool // one-byte delimiter, no trim_space, no escapes: plainRun

	// Where the next escape and delimiter are in the current line (seq
	// counts the lines read): a line with thousands of them is scanned
	// once, not once per field or escape.
	seq            int
	escAt, delimAt nextIndex

	rec    []byte
	ends   []int
	kinds  []fieldKind
	fields []string
	long   []byte // a line longer than br's buffer
}

func newSplitter(c *splitConf, br *bufio.Reader) *splitter {
	return &splitter{c: c, br: br, simple: len(c.delim) == 1 && !c.trim && c.escapes == noEscapes}
}

// InputOffset is the offset in the stream just after the last record read.
func (s *splitter) InputOffset() int64 { return s.offset }

// StartLine is the first line of the last record read (1-based).
func (s *splitter) StartLine() int { return s.startLine }

// EndLine is the last line of the last record read.
func (s *splitter) EndLine() int { return s.line }

// Kinds returns how each field of the last record was written.
func (s *splitter) Kinds() []fieldKind { return s.kinds }

// EscapedBytes reports whether the last record had octal or hex escapes,
// whose bytes are not known to be valid UTF-8.
func (s *splitter) EscapedBytes() bool { return s.escBytes }

// readLine reads one physical line (with its line break), storing at most
// room bytes; a longer line returns errLineTooLong with what was read.
func (s *splitter) readLine(room int) ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		s.long = append(s.long[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(s.long) > room {
				s.offset += int64(len(s.long))
				s.seq++
				s.line++ // it started; skip reads its end
				return s.long, errLineTooLong
			}
			line, err = s.br.ReadSlice('\n')
			s.long = append(s.long, line...)
		}
		line = s.long
	}
	s.offset += int64(len(line))
	s.seq++
	if len(line) > 0 {
		s.line++
		if err == io.EOF {
			err = nil
		}
	}
	if len(line) > room && err == nil {
		return line, errLineTooLong
	}
	return line, err
}

// release drops buffers that a huge record made huge.
func (s *splitter) release() {
	const keep = 1 << 20
	if cap(s.long) > keep {
		s.long = nil
	}
	if cap(s.rec) > keep {
		s.rec = nil
	}
	if cap(s.fields) > 4096 {
		s.fields, s.ends, s.kinds = nil, nil, nil
	}
}

// Read returns the fields of the next record, io.EOF at the end, a
// *splitError for a record that cannot be split (the rest of it has been
// read), or the reader's error.
func (s *splitter) Read() ([]string, error) {
	s.rec, s.ends, s.kinds = s.rec[:0], s.ends[:0], s.kinds[:0]
	s.escBytes = false
	var line []byte
	for {
		if s.eod {
			return nil, io.EOF
		}
		var err error
		line, err = s.readLine(s.c.maxRecord)
		if len(line) == 0 && err == io.EOF {
			return nil, io.EOF
		}
		s.startLine = s.line
		if err == errLineTooLong {
			return nil, s.tooLong(line, s.longField(line), false)
		}
		if err != nil {
			return nil, err
		}
		if s.c.comment != 0 && line[0] == s.c.comment {
			continue
		}
		if len(s.eol(line)) == 0 {
			continue // blank lines are skipped (and counted)
		}
		if s.c.escapes == postgresEscapes && string(s.eol(line)) == `\.` {
			s.eod = true
			return nil, io.EOF
		}
		break
	}
	s.recBytes = len(line)
	if err := s.split(line); err != nil {
		s.release()
		return nil, err
	}
	return s.strings(), nil
}

// strings makes the record's one string and slices the fields out of it.
func (s *splitter) strings() []string {
	str := string(s.rec)
	if cap(s.fields) < len(s.ends) {
		s.fields = make([]string, len(s.ends), max(len(s.ends), 2*cap(s.fields)))
	}
	s.fields = s.fields[:len(s.ends)]
	start := 0
	for i, end := range s.ends {
		s.fields[i] = str[start:end]
		start = end
	}
	return s.fields
}

// split splits the record that starts with line.
func (s *splitter) split(line []byte) error {
	pos := 0
	for {
		if s.simple {
			var done bool
			if pos, done = s.plainRun(line, pos); done {
				return nil
			}
		}
		if len(s.ends) == s.c.maxFields {
			return s.tooLong(line[pos:], len(s.ends)+1, false)
		}
		start := pos
		if s.c.trim {
			start += leadingSpace(line[pos:], s.c.delim)
		}
		var (
			next int
			last bool
			err  error
		)
		// Leading white space is dropped with trim_space, so fields can
		// start after it.
		if s.c.quote != 0 && start < len(line) && line[start] == s.c.quote {
			line, next, last, err = s.quoted(line, start+1)
		} else if s.c.escapes != noEscapes {
			line, next, last, err = s.escaped(line, start)
		} else {
			next, last, err = s.plain(line, start)
		}
		if err != nil {
			return err
		}
		if last {
			return nil
		}
		pos = next
	}
}

// plainRun splits the unquoted fields from line[pos:] on the fast way
// (one-byte delimiter, no trim_space, no escapes: the common case): it
// returns where it stopped — a quoted field, a problem for split to report
// — and done when the line was split to its end.
func (s *splitter) plainRun(line []byte, pos int) (int, bool) {
	d, q := s.c.delim[0], s.c.quote
	checkQuote := q != 0 && !s.c.lazy
	for len(s.ends) < s.c.maxFields && (pos >= len(line) || line[pos] != q || q == 0) {
		rest := line[pos:]
		i := bytes.IndexByte(rest, d)
		field := rest
		if i >= 0 {
			field = rest[:i]
		} else {
			field = s.eol(rest)
		}
		if checkQuote && bytes.IndexByte(field, q) >= 0 || len(field) > s.c.maxField {
			return pos, false // split says what is wrong
		}
		s.rec = append(s.rec, field...)
		s.ends = append(s.ends, len(s.rec))
		s.kinds = append(s.kinds, plainField)
		if i < 0 {
			return len(line), true
		}
		pos += i + 1
	}
	return pos, false
}

// plain adds the unquoted field at line[pos:].
func (s *splitter) plain(line []byte, pos int) (next int, last bool, err error) {
	rest := line[pos:]
	var field []byte
	if i := s.indexDelim(rest); i >= 0 {
		field, next = rest[:i], pos+i+len(s.c.delim)
	} else {
		field, next, last = s.eol(rest), len(line), true
	}
	if err := s.bareQuote(line, pos, field); err != nil {
		return 0, false, err
	}
	if s.c.trim {
		field = trimSpace(field)
	}
	if len(field) > s.c.maxField {
		return 0, false, s.tooLong(line[next:], len(s.ends)+1, false)
	}
	s.add(field, plainField)
	return next, last, nil
}

// quoted adds the quoted field whose text starts at line[pos:], reading
// more lines while the quote stays open. It returns the line the field
// ended on.
func (s *splitter) quoted(line []byte, pos int) (cur []byte, next int, last bool, err error) {
	q := s.c.quote
	begin := len(s.rec)
	// Where the quote opened, for an error: line's bytes do not outlive
	// the next read, so the column is counted before one (most quoted
	// fields end on their line and never need it).
	openLine, openCol, openPos := s.line, 0, pos
	column := func() {
		if openCol == 0 && s.line == openLine {
			openCol = utf8.RuneCount(line[:openPos])
		}
	}
	for {
		rest := line[pos:]
		i := bytes.IndexByte(rest, q)
		if s.c.escapes != noEscapes {
			if e := s.escAt.find(s, line, pos); e >= 0 && (i < 0 || e < i) {
				column()
				s.rec = append(s.rec, rest[:e]...)
				var more bool
				line, pos, more, err = s.escape(line, pos+e, true)
				if err != nil {
					return nil, 0, false, err
				}
				if !more {
					return nil, 0, false, s.unclosed(openLine, openCol)
				}
				if len(s.rec)-begin > s.c.maxField {
					return nil, 0, false, s.tooLong(line[pos:], len(s.ends)+1, true)
				}
				continue
			}
		}
		if i < 0 {
			// The field goes on past this line.
			column()
			s.appendQuotedText(rest)
			if len(s.rec)-begin > s.c.maxField {
				return nil, 0, false, s.tooLong(nil, len(s.ends)+1, true)
			}
			if line, err = s.moreLine(true); err != nil {
				return nil, 0, false, err
			}
			if len(line) == 0 {
				return nil, 0, false, s.unclosed(openLine, openCol)
			}
			pos = 0
			continue
		}
		s.rec = append(s.rec, rest[:i]...)
		pos += i + 1
		if pos < len(line) && line[pos] == q {
			s.rec = append(s.rec, q) // doubled: one quote of data
			pos++
			continue
		}
		// The closing quote: a delimiter, the end of the line, or (with
		// trim_space) spaces before them must follow.
		after := pos
		if s.c.trim {
			after += leadingSpace(line[pos:], s.c.delim)
		}
		if bytes.HasPrefix(line[after:], s.c.delim) {
			next = after + len(s.c.delim)
		} else if len(s.eol(line[after:])) == 0 {
			last = true
		} else if s.c.lazy {
			s.rec = append(s.rec, q)
			continue
		} else {
			return nil, 0, false, s.fail(line, pos, fmt.Sprintf("text after the closing %s of a quoted field (a quote inside a quoted field is written twice: \"\"; set lazy_quotes: true to keep such quotes as data)", quoteName(q)))
		}
		if len(s.rec)-begin > s.c.maxField {
			return nil, 0, false, s.tooLong(line[next:], len(s.ends)+1, false)
		}
		s.ends = append(s.ends, len(s.rec))
		s.kinds = append(s.kinds, quotedField)
		return line, next, last, nil
	}
}

// moreLine reads the next line of a record whose field goes on past a line
// break (inside quotes when inQuote): empty at the end of the input.
func (s *splitter) moreLine(inQuote bool) ([]byte, error) {
	line, err := s.readLine(s.c.maxRecord - s.recBytes)
	s.recBytes += len(line)
	switch {
	case err == errLineTooLong:
		return nil, s.tooLong(line, len(s.ends)+1, inQuote)
	case err != nil && err != io.EOF:
		return nil, err
	}
	return line, nil
}

// appendQuotedText adds text of a quoted field that ends with a line break.
func (s *splitter) appendQuotedText(b []byte) {
	if s.c.lfInQuotes && len(b) >= 2 && b[len(b)-2] == '\r' && b[len(b)-1] == '\n' {
		s.rec = append(s.rec, b[:len(b)-2]...)
		s.rec = append(s.rec, '\n')
		return
	}
	s.rec = append(s.rec, b...)
}

// escaped adds the unquoted field at line[pos:] of a format with
// backslash escapes.
func (s *splitter) escaped(line []byte, pos int) (cur []byte, next int, last bool, err error) {
	begin := len(s.rec)
	start := pos
	escapedAny := false
	for {
		rest := line[pos:]
		d := s.delimAt.find(s, line, pos)
		e := s.escAt.find(s, line, pos)
		if e >= 0 && (d < 0 || e < d) {
			if err := s.bareQuote(line, pos, rest[:e]); err != nil {
				return nil, 0, false, err
			}
			s.rec = append(s.rec, rest[:e]...)
			if s.isNullToken(line, pos+e, start) {
				line, next, last = s.afterNull(line, pos+e+2)
				s.rec = s.rec[:begin]
				s.ends = append(s.ends, len(s.rec))
				s.kinds = append(s.kinds, nullField)
				return line, next, last, nil
			}
			var more bool
			line, pos, more, err = s.escape(line, pos+e, false)
			if err != nil {
				return nil, 0, false, err
			}
			escapedAny = true
			if !more {
				next, last = len(line), true
				break
			}
			if len(s.rec)-begin > s.c.maxField {
				return nil, 0, false, s.tooLong(line[pos:], len(s.ends)+1, false)
			}
			continue
		}
		var field []byte
		if d >= 0 {
			field, next = rest[:d], pos+d+len(s.c.delim)
		} else {
			field, next, last = s.eol(rest), len(line), true
		}
		if err := s.bareQuote(line, pos, field); err != nil {
			return nil, 0, false, err
		}
		s.rec = append(s.rec, field...)
		break
	}
	val := s.rec[begin:]
	if s.c.trim {
		t := trimSpace(val)
		n := copy(s.rec[begin:], t)
		s.rec = s.rec[:begin+n]
		val = s.rec[begin:]
	}
	if len(val) > s.c.maxField {
		return nil, 0, false, s.tooLong(line[next:], len(s.ends)+1, false)
	}
	kind := plainField
	if !escapedAny && s.c.escapes == mysqlEscapes && s.c.quote != 0 && string(val) == "NULL" {
		// LOAD DATA with ENCLOSED BY: the bare word NULL is NULL ("NULL"
		// in quotes is the text).
		kind = nullField
		s.rec = s.rec[:begin]
	}
	s.ends = append(s.ends, len(s.rec))
	s.kinds = append(s.kinds, kind)
	return line, next, last, nil
}

// isNullToken reports whether the backslash at line[at] starts a field
// that is exactly \N.
func (s *splitter) isNullToken(line []byte, at, fieldStart int) bool {
	if s.c.escapes == literalEscapes || at != fieldStart || at+1 >= len(line) || line[at+1] != 'N' {
		return false
	}
	rest := line[at+2:]
	return bytes.HasPrefix(rest, s.c.delim) || len(s.eol(rest)) == 0 ||
		s.c.trim && (len(s.eol(trimSpace(rest))) == 0 || bytes.HasPrefix(rest[leadingSpace(rest, s.c.delim):], s.c.delim))
}

// afterNull moves past the delimiter after a \N at line[pos-2:pos].
func (s *splitter) afterNull(line []byte, pos int) ([]byte, int, bool) {
	if s.c.trim {
		pos += leadingSpace(line[pos:], s.c.delim)
	}
	if bytes.HasPrefix(line[pos:], s.c.delim) {
		return line, pos + len(s.c.delim), false
	}
	return line, len(line), true
}

// escape decodes the backslash escape at line[at] into s.rec. A backslash
// before a line break keeps the line break and reads the next line; more
// is false when the input ended there.
func (s *splitter) escape(line []byte, at int, inQuote bool) (cur []byte, pos int, more bool, err error) {
	if at+1 >= len(line) {
		s.rec = append(s.rec, s.c.esc) // an escape character at the very end of the input
		return line, at + 1, false, nil
	}
	c := line[at+1]
	pos = at + 2
	switch {
	case c == '\n':
		// An escaped line break is data; the field goes on.
		s.rec = append(s.rec, '\n')
		if line, err = s.moreLine(inQuote); err != nil {
			return nil, 0, false, err
		}
		return line, 0, len(line) > 0, nil
	case s.c.escapes == mysqlEscapes:
		s.rec = append(s.rec, mysqlEscape(c))
	case s.c.escapes == literalEscapes:
		s.rec = append(s.rec, c)
	default:
		pos = s.postgresEscape(line, at+1)
	}
	return line, pos, true, nil
}

func mysqlEscape(c byte) byte {
	switch c {
	case '0':
		return 0
	case 'b':
		return '\b'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'Z':
		return 0x1A
	}
	return c
}

// postgresEscape decodes the escape whose letter is at line[i] and returns
// the position after it.
func (s *splitter) postgresEscape(line []byte, i int) int {
	c := line[i]
	switch c {
	case 'b':
		s.rec = append(s.rec, '\b')
	case 'f':
		s.rec = append(s.rec, '\f')
	case 'n':
		s.rec = append(s.rec, '\n')
	case 'r':
		s.rec = append(s.rec, '\r')
	case 't':
		s.rec = append(s.rec, '\t')
	case 'v':
		s.rec = append(s.rec, '\v')
	case 'x':
		v, n := 0, 0
		for n < 2 && i+1+n < len(line) && isHex(line[i+1+n]) {
			v = v*16 + hexVal(line[i+1+n])
			n++
		}
		if n == 0 {
			s.rec = append(s.rec, 'x')
			return i + 1
		}
		s.addByte(byte(v))
		return i + 1 + n
	default:
		if c >= '0' && c <= '7' {
			v, n := 0, 0
			for n < 3 && i+n < len(line) && line[i+n] >= '0' && line[i+n] <= '7' {
				v = v*8 + int(line[i+n]-'0')
				n++
			}
			s.addByte(byte(v))
			return i + n
		}
		s.rec = append(s.rec, c)
	}
	return i + 1
}

// addByte adds a byte given by its code; it may not be valid UTF-8 alone.
func (s *splitter) addByte(b byte) {
	if b >= utf8.RuneSelf {
		s.escBytes = true
	}
	s.rec = append(s.rec, b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

// bareQuote refuses a quote inside unquoted text (text is line[pos:]…),
// unless lazy_quotes.
func (s *splitter) bareQuote(line []byte, pos int, text []byte) error {
	if s.c.quote == 0 || s.c.lazy {
		return nil
	}
	if j := bytes.IndexByte(text, s.c.quote); j >= 0 {
		return s.fail(line, pos+j, fmt.Sprintf("bare %s in an unquoted field (set lazy_quotes: true to keep such quotes as data)", quoteName(s.c.quote)))
	}
	return nil
}

func (s *splitter) add(field []byte, k fieldKind) {
	s.rec = append(s.rec, field...)
	s.ends = append(s.ends, len(s.rec))
	s.kinds = append(s.kinds, k)
}

// nextIndex caches where the next escape or delimiter of a line is.
type nextIndex struct {
	seq, from, at int // at: in the line, or -1 when there is none at or after from
}

// find returns the relative index from pos of the next escape (the cache
// s.escAt) or delimiter (s.delimAt) in line, or -1.
func (n *nextIndex) find(s *splitter, line []byte, pos int) int {
	if n.seq != s.seq || pos < n.from || n.at >= 0 && n.at < pos {
		var i int
		if n == &s.escAt {
			i = bytes.IndexByte(line[pos:], s.c.esc)
		} else {
			i = s.indexDelim(line[pos:])
		}
		n.seq, n.from, n.at = s.seq, pos, -1
		if i >= 0 {
			n.at = pos + i
		}
	}
	if n.at < 0 {
		return -1
	}
	return n.at - pos
}

func (s *splitter) indexDelim(b []byte) int {
	if len(s.c.delim) == 1 {
		return bytes.IndexByte(b, s.c.delim[0])
	}
	return bytes.Index(b, s.c.delim)
}

// fail reads the rest of the record's line (reading goes on with the next
// line) and returns the error at line[at].
func (s *splitter) fail(line []byte, at int, msg string) error {
	return &splitError{StartLine: s.startLine, Line: s.line, Column: utf8.RuneCount(line[:at]) + 1, Field: len(s.ends) + 1, Msg: msg}
}

func (s *splitter) unclosed(openLine, openCol int) error {
	return &splitError{StartLine: s.startLine, Line: openLine, Column: openCol, Field: len(s.ends) + 1,
		Msg: fmt.Sprintf("the %s opened here is never closed: the rest of the file was read as this one field", quoteName(s.c.quote))}
}

// tooLong reads the rest of a record that broke a size limit without
// keeping it, starting with rest (the unread part of the current line) and
// inside a quoted field when inQuote, and returns the error.
func (s *splitter) tooLong(rest []byte, field int, inQuote bool) error {
	line := s.line
	s.skip(rest, inQuote)
	var msg string
	switch {
	case field > s.c.maxFields:
		msg = fmt.Sprintf("the record has more than %d fields", s.c.maxFields)
	case field == 0:
		msg = fmt.Sprintf("the record is longer than %s (%d × max_field_size)", sizeText(int64(s.c.maxRecord)), recordSizeFactor)
	default:
		msg = fmt.Sprintf("field %d is longer than max_field_size (%s)", field, sizeText(int64(s.c.maxField)))
	}
	s.release()
	return &splitError{StartLine: s.startLine, Line: line, Column: 1, Field: field, Msg: msg}
}

// longField says which field of a record too long to read whole is too
// long, from the part read (prefix): the one being read at its end when it
// is already past max_field_size, else 0 (the record as a whole).
func (s *splitter) longField(prefix []byte) int {
	field, start, in := 1, 0, false
	for i := 0; i < len(prefix); i++ {
		switch c := prefix[i]; {
		case c == s.c.quote && s.c.quote != 0:
			in = !in
		case c == s.c.esc && s.c.escapes != noEscapes:
			i++
		case !in && bytes.HasPrefix(prefix[i:], s.c.delim):
			field, start = field+1, i+len(s.c.delim)
		}
	}
	if len(prefix)-start > s.c.maxField {
		return field
	}
	return 0
}

// skip reads, without keeping it, the rest of the record: rest, then
// whole lines until one ends outside quotes.
func (s *splitter) skip(rest []byte, inQuote bool) {
	inQuote = s.scanQuotes(rest, inQuote)
	// rest is the end of a line read whole, or the start of a line too
	// long to read whole.
	ended := len(rest) == 0 || rest[len(rest)-1] == '\n'
	for !ended || inQuote {
		chunk, err := s.br.ReadSlice('\n')
		if len(chunk) == 0 {
			return
		}
		s.offset += int64(len(chunk))
		if ended {
			s.line++
		}
		inQuote = s.scanQuotes(chunk, inQuote)
		ended = chunk[len(chunk)-1] == '\n'
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// scanQuotes follows whether b ends inside quotes (doubled quotes toggle
// twice; escapes hide the next byte).
func (s *splitter) scanQuotes(b []byte, in bool) bool {
	if s.c.quote == 0 {
		return false
	}
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case s.c.quote:
			in = !in
		case s.c.esc:
			if s.c.escapes != noEscapes {
				i++
			}
		}
	}
	return in
}

// eol drops the line break at the end of b: LF, or CRLF unless CR is data
// (format mysql, whose lines end with LF only).
func (s *splitter) eol(b []byte) []byte {
	n := len(b)
	if n > 0 && b[n-1] == '\n' {
		n--
		if s.c.crlf && n > 0 && b[n-1] == '\r' {
			n--
		}
	}
	return b[:n]
}

// leadingSpace is how many bytes of white space (unicode.IsSpace, but not
// a line feed, which ends the line, nor the delimiter, even when it is
// TAB) start b.
func leadingSpace(b, delim []byte) int {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == '\n' || !asciiSpace[c] || bytes.HasPrefix(b[i:], delim) {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if !unicode.IsSpace(r) || bytes.HasPrefix(b[i:], delim) {
			return i
		}
		i += n
	}
	return i
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// trimSpace removes what unicode.IsSpace calls white space from both ends
// (as strings.TrimSpace does); it returns a subslice.
func trimSpace(b []byte) []byte { return bytes.TrimFunc(b, unicode.IsSpace) }

func quoteName(q byte) string {
	switch q {
	case '"':
		return `"`
	case '\'':
		return "'"
	}
	return strings.TrimSpace(fmt.Sprintf("%q", string(rune(q))))
}
