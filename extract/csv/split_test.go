package csv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// refRecord is a record as the reference splitter sees it.
type refRecord struct {
	fields []string
	kinds  []fieldKind
	start  int   // first line
	end    int64 // offset just after the record
	err    bool
}

// refSplit is the reference for the splitter: the grammar of split.go
// written the slow, obvious way, byte by byte over the whole text (no
// lines, no buffers), without the size limits. FuzzSplitter compares the
// two.
func refSplit(text []byte, c *splitConf) []refRecord {
	p := &refParser{t: text, c: c, line: 1}
	var out []refRecord
	for p.i < len(p.t) {
		if c.comment != 0 && p.t[p.i] == c.comment {
			p.toLineEnd()
			continue
		}
		if p.atEOL(p.i) {
			p.i = p.skipEOL(p.i)
			continue
		}
		if c.escapes == postgresEscapes && bytes.HasPrefix(p.t[p.i:], []byte(`\.`)) && p.atEOL(p.i+2) {
			break
		}
		rec := refRecord{start: p.line}
		if !p.record(&rec) {
			rec.err = true
			rec.fields, rec.kinds = nil, nil
		}
		rec.end = int64(p.i)
		out = append(out, rec)
	}
	return out
}

type refParser struct {
	t    []byte
	c    *splitConf
	i    int
	line int
}

func (p *refParser) atEOL(j int) bool {
	return j >= len(p.t) || p.t[j] == '\n' || p.c.crlf && p.t[j] == '\r' && j+1 < len(p.t) && p.t[j+1] == '\n'
}

// skipEOL moves past the line break at j.
func (p *refParser) skipEOL(j int) int {
	if p.c.crlf && j < len(p.t) && p.t[j] == '\r' {
		j++
	}
	if j < len(p.t) && p.t[j] == '\n' {
		j++
		p.line++
	}
	return j
}

// toLineEnd moves past the line break after p.i (an error ends the record
// there).
func (p *refParser) toLineEnd() {
	for p.i < len(p.t) && p.t[p.i] != '\n' {
		p.i++
	}
	if p.i < len(p.t) {
		p.i++
		p.line++
	}
}

func (p *refParser) space(j int) int {
	for j < len(p.t) && !bytes.HasPrefix(p.t[j:], p.c.delim) {
		r, n := utf8.DecodeRune(p.t[j:])
		if r == '\n' || !unicode.IsSpace(r) || r == utf8.RuneError && n == 1 {
			break
		}
		j += n
	}
	return j
}

// record parses the fields of one record; false for a malformed one (the
// parser is then after the line where the problem is).
func (p *refParser) record(rec *refRecord) bool {
	for {
		j := p.i
		if p.c.trim {
			j = p.space(j)
		}
		var ok, last bool
		if p.c.quote != 0 && j < len(p.t) && p.t[j] == p.c.quote {
			ok, last = p.quoted(rec, j+1)
		} else {
			ok, last = p.unquoted(rec, j)
		}
		if !ok {
			p.toLineEnd() // the error is at p.i, never at a line break
			return false
		}
		if last {
			return true
		}
	}
}

func (p *refParser) fieldEnd(k int, rec *refRecord, v []byte, kind fieldKind) (ok, last bool) {
	rec.fields = append(rec.fields, string(v))
	rec.kinds = append(rec.kinds, kind)
	if bytes.HasPrefix(p.t[k:], p.c.delim) {
		p.i = k + len(p.c.delim)
		return true, false
	}
	p.i = p.skipEOL(k)
	return true, true
}

func (p *refParser) quoted(rec *refRecord, j int) (ok, last bool) {
	q := p.c.quote
	var v []byte
	for {
		if j >= len(p.t) {
			p.i = len(p.t)
			return false, true
		}
		ch := p.t[j]
		switch {
		case ch == p.c.esc && p.c.escapes != noEscapes:
			var more bool
			v, j, more = p.escape(v, j)
			if !more {
				p.i = len(p.t)
				return false, true
			}
		case ch == q && j+1 < len(p.t) && p.t[j+1] == q:
			v = append(v, q)
			j += 2
		case ch == q:
			k := j + 1
			if p.c.trim {
				k = p.space(k)
			}
			if bytes.HasPrefix(p.t[k:], p.c.delim) || p.atEOL(k) {
				return p.fieldEnd(k, rec, v, quotedField)
			}
			if p.c.lazy {
				v = append(v, q)
				j++
				continue
			}
			p.i = j
			return false, true
		case ch == '\n':
			if p.c.lfInQuotes && j > 0 && p.t[j-1] == '\r' && len(v) > 0 {
				v = v[:len(v)-1]
			}
			v = append(v, '\n')
			p.line++
			j++
		default:
			v = append(v, ch)
			j++
		}
	}
}

func (p *refParser) unquoted(rec *refRecord, j int) (ok, last bool) {
	start := j
	var v []byte
	escaped := false
	for !p.atEOL(j) && !bytes.HasPrefix(p.t[j:], p.c.delim) {
		ch := p.t[j]
		if ch == p.c.quote && p.c.quote != 0 && !p.c.lazy {
			p.i = j
			return false, true
		}
		if ch == p.c.esc && p.c.escapes != noEscapes {
			if p.c.escapes != literalEscapes && j == start && j+1 < len(p.t) && p.t[j+1] == 'N' {
				k := j + 2
				if p.c.trim {
					k = p.space(k)
				}
				if bytes.HasPrefix(p.t[k:], p.c.delim) || p.atEOL(k) {
					return p.fieldEnd(k, rec, nil, nullField)
				}
			}
			var more bool
			v, j, more = p.escape(v, j)
			escaped = true
			if !more {
				break
			}
			continue
		}
		v = append(v, ch)
		j++
	}
	if p.c.trim {
		v = bytes.TrimFunc(v, unicode.IsSpace)
	}
	kind := plainField
	if p.c.escapes == mysqlEscapes && p.c.quote != 0 && !escaped && string(v) == "NULL" {
		kind, v = nullField, nil
	}
	return p.fieldEnd(j, rec, v, kind)
}

// escape decodes the escape at p.t[j] == '\\'.
func (p *refParser) escape(v []byte, j int) ([]byte, int, bool) {
	if j+1 >= len(p.t) {
		return append(v, p.c.esc), j + 1, false
	}
	ch := p.t[j+1]
	if ch == '\n' {
		p.line++
		return append(v, '\n'), j + 2, j+2 < len(p.t)
	}
	if p.c.escapes == literalEscapes {
		return append(v, ch), j + 2, true
	}
	if p.c.escapes == mysqlEscapes {
		m := map[byte]byte{'0': 0, 'b': '\b', 'n': '\n', 'r': '\r', 't': '\t', 'Z': 0x1A}
		if b, ok := m[ch]; ok {
			return append(v, b), j + 2, true
		}
		return append(v, ch), j + 2, true
	}
	m := map[byte]byte{'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}
	if b, ok := m[ch]; ok {
		return append(v, b), j + 2, true
	}
	if ch == 'x' {
		k, n := j+2, 0
		for k < len(p.t) && k < j+4 && strings.IndexByte("0123456789abcdefABCDEF", p.t[k]) >= 0 {
			n = n*16 + strings.IndexByte("0123456789abcdef", toLower(p.t[k]))
			k++
		}
		if k == j+2 {
			return append(v, 'x'), k, true
		}
		return append(v, byte(n)), k, true
	}
	if ch >= '0' && ch <= '7' {
		k, n := j+1, 0
		for k < len(p.t) && k < j+4 && p.t[k] >= '0' && p.t[k] <= '7' {
			n = n*8 + int(p.t[k]-'0')
			k++
		}
		return append(v, byte(n)), k, true
	}
	return append(v, ch), j + 2, true
}

func toLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// splitAll runs the splitter over text.
func splitAll(t testing.TB, text []byte, c *splitConf, bufSize int) []refRecord {
	t.Helper()
	s := newSplitter(c, bufio.NewReaderSize(bytes.NewReader(text), bufSize))
	var out []refRecord
	for n := 0; ; n++ {
		if n > len(text)+1 {
			t.Fatalf("more records than bytes")
		}
		rec, err := s.Read()
		if err == io.EOF {
			return out
		}
		var se *splitError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("Read: %v", err)
		}
		r := refRecord{end: s.InputOffset()}
		if se != nil {
			r.err, r.start = true, se.StartLine
			if se.Msg == "" || se.Line < se.StartLine || se.Column < 1 {
				t.Fatalf("error %+v", se)
			}
		} else {
			r.start = s.StartLine()
			r.fields = append([]string{}, rec...)
			r.kinds = append([]fieldKind{}, s.Kinds()...)
		}
		out = append(out, r)
	}
}

func conf(mods ...func(*splitConf)) *splitConf {
	c := &splitConf{delim: []byte(","), quote: '"', crlf: true, maxField: 1 << 30, maxRecord: 1 << 32, maxFields: maxFieldsPerRecord}
	for _, m := range mods {
		m(c)
	}
	return c
}

func TestSplit(t *testing.T) {
	mysql := func(c *splitConf) {
		c.escapes, c.esc, c.delim, c.quote, c.crlf = mysqlEscapes, '\\', []byte("\t"), 0, false
	}
	mysqlQuoted := func(c *splitConf) {
		c.escapes, c.esc, c.delim, c.quote, c.crlf = mysqlEscapes, '\\', []byte(","), '"', false
	}
	pg := func(c *splitConf) { c.escapes, c.esc, c.delim, c.quote = postgresEscapes, '\\', []byte("\t"), 0 }
	literal := func(c *splitConf) { c.escapes, c.esc, c.delim, c.comment = literalEscapes, '\\', []byte(";"), '#' }
	trim := func(c *splitConf) { c.trim = true }
	lazy := func(c *splitConf) { c.lazy = true }
	p, q, n := plainField, quotedField, nullField
	tests := []struct {
		name   string
		c      *splitConf
		in     string
		fields [][]string
		kinds  [][]fieldKind
		errs   []int // 1-based records that are malformed
	}{
		{"quoted empty is not unquoted empty", conf(), "1,\"\",\n", [][]string{{"1", "", ""}}, [][]fieldKind{{p, q, p}}, nil},
		{"CRLF inside quotes is kept", conf(), "\"a\r\nb\",c\r\nd,e\r\n", [][]string{{"a\r\nb", "c"}, {"d", "e"}}, nil, nil},
		{"quoted_newlines: lf", conf(func(c *splitConf) { c.lfInQuotes = true }), "\"a\r\nb\r\n\",c\r\n", [][]string{{"a\nb\n", "c"}}, nil, nil},
		{"trim_space never trims inside quotes", conf(trim), "  \" a \"  , b \n", [][]string{{" a ", "b"}}, [][]fieldKind{{q, p}}, nil},
		{"doubled quotes", conf(), `"say ""hi""",x` + "\n", [][]string{{`say "hi"`, "x"}}, nil, nil},
		{"bare quote is a reject", conf(), "1,37°36'37.8\"N\n2,b\n", [][]string{nil, {"2", "b"}}, nil, []int{1}},
		{"bare quote with lazy_quotes", conf(lazy), "1,37°36'37.8\"N\n", [][]string{{"1", `37°36'37.8"N`}}, nil, nil},
		{"text after closing quote", conf(), "\"a\"b,c\nd\n", [][]string{nil, {"d"}}, nil, []int{1}},
		{"text after closing quote with lazy_quotes", conf(lazy), "\"a\"b\",c\n", [][]string{{`a"b`, "c"}}, nil, nil},
		{"unclosed quote", conf(), "a\n\"b\nc\n", [][]string{{"a"}, nil}, nil, []int{2}},
		{"quote: none", conf(func(c *splitConf) { c.quote = 0 }), "\"a,b\"\n", [][]string{{`"a`, `b"`}}, nil, nil},
		{"comment lines", conf(func(c *splitConf) { c.comment = '#' }), "# note\na,b\n\"x\n# not a comment\",y\n", [][]string{{"a", "b"}, {"x\n# not a comment", "y"}}, nil, nil},
		{"blank lines are skipped", conf(), "\n\r\na\n\n", [][]string{{"a"}}, nil, nil},
		{"multi-byte delimiter", conf(func(c *splitConf) { c.delim = []byte("，") }), "a，\"b，c\"，d\n", [][]string{{"a", "b，c", "d"}}, nil, nil},
		{"last line without a line break", conf(), "a,b", [][]string{{"a", "b"}}, nil, nil},
		{"mysql escapes", conf(mysql), "a\\tb\tc\\\\d\t\\N\te\\\nf\t\\0\\Z\n", [][]string{{"a\tb", `c\d`, "", "e\nf", "\x00\x1a"}}, [][]fieldKind{{p, p, n, p, p}}, nil},
		{"mysql \\N only as a whole field", conf(mysql), "\\Nx\tx\\N\n", [][]string{{"Nx", "xN"}}, nil, nil},
		{"mysql enclosed: NULL word and quoted NULL", conf(mysqlQuoted), "NULL,\"NULL\",\"a\\\"b\",\"c\"\"d\",\\N\n", [][]string{{"", "NULL", `a"b`, `c"d`, ""}}, [][]fieldKind{{n, q, q, q, n}}, nil},
		{"mysql escaped delimiter", conf(mysql), "a\\\tb\tc\n", [][]string{{"a\tb", "c"}}, nil, nil},
		{"mysql: CR before LF is data", conf(mysql), "a\tb\r\nc\\\r\n", [][]string{{"a", "b\r"}, {"c\r"}}, nil, nil},
		{"postgres: escaped CR before LF is data", conf(pg), "a\\\r\nb\r\n", [][]string{{"a\r"}, {"b"}}, nil, nil},
		{"postgres escapes", conf(pg), "a\\tb\t\\N\t\\101\\x42\\\\\t\\.x\n\\.\nnot read\n", [][]string{{"a\tb", "", `AB\`, ".x"}}, [][]fieldKind{{p, n, p, p}}, nil},
		{"escape: \\ (rust-csv's strange.csv)", conf(literal), "\"\\\"Hacksaw\\\" Jim Duggan\";1987\n# comment\na\\;b;\\N\n", [][]string{{`"Hacksaw" Jim Duggan`, "1987"}, {"a;b", "N"}}, [][]fieldKind{{q, p}, {p, p}}, nil},
		{"postgres empty string is not NULL", conf(pg), "\t\\N\n", [][]string{{"", ""}}, [][]fieldKind{{p, n}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitAll(t, []byte(tt.in), tt.c, 16)
			if len(got) != len(tt.fields) {
				t.Fatalf("%d records, want %d: %+v", len(got), len(tt.fields), got)
			}
			for i, r := range got {
				wantErr := false
				for _, e := range tt.errs {
					wantErr = wantErr || e == i+1
				}
				if r.err != wantErr {
					t.Errorf("record %d: malformed %v, want %v", i+1, r.err, wantErr)
					continue
				}
				if !wantErr && !reflect.DeepEqual(r.fields, tt.fields[i]) {
					t.Errorf("record %d = %q, want %q", i+1, r.fields, tt.fields[i])
				}
				if tt.kinds != nil && !wantErr && !reflect.DeepEqual(r.kinds, tt.kinds[i]) {
					t.Errorf("record %d kinds = %v, want %v", i+1, r.kinds, tt.kinds[i])
				}
			}
			// The reference agrees, with any buffer size.
			if ref := refSplit([]byte(tt.in), tt.c); !sameRecords(ref, got) {
				t.Errorf("reference:\n%+v\nsplitter:\n%+v", ref, got)
			}
		})
	}
}

func sameRecords(a, b []refRecord) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].err != b[i].err || a[i].start != b[i].start || a[i].end != b[i].end {
			return false
		}
		if !a[i].err && (!reflect.DeepEqual(a[i].fields, b[i].fields) || !reflect.DeepEqual(a[i].kinds, b[i].kinds)) {
			return false
		}
	}
	return true
}

// TestSplitLimits: a field longer than max_field_size, a record of too
// many fields, a line longer than the record limit are each one reject
// naming the line, and reading goes on after the record.
func TestSplitLimits(t *testing.T) {
	small := func(c *splitConf) { c.maxField, c.maxRecord, c.maxFields = 8, 32, 4 }
	tests := []struct {
		name string
		in   string
		msg  string
		line int
		next []string // the record after
	}{
		{"unquoted field", "a,0123456789\nok\n", "field 2 is longer than max_field_size (8 bytes)", 1, []string{"ok"}},
		{"quoted field over lines", "\"0123\n4567\n89\",x\nok\n", "field 1 is longer than max_field_size (8 bytes)", 1, []string{"ok"}},
		{"quoted field with a delimiter and line breaks inside", "x,\"0123456789,\n\n,\"\nok\n", "field 2 is longer", 1, []string{"ok"}},
		{"too many fields", "a,b,c,d,e,f\nok\n", "more than 4 fields", 1, []string{"ok"}},
		{"long line", strings.Repeat("a", 100) + "\nok\n", "field 1 is longer than max_field_size (8 bytes)", 1, []string{"ok"}},
		{"long record of short fields", strings.Repeat("abc,", 3) + strings.Repeat("a,\"bb\"", 20) + "\nok\n", "the record is longer than 32 bytes (4 × max_field_size)", 1, []string{"ok"}},
		{"long line in quotes", "\"" + strings.Repeat("a,\n", 40) + "\"\nok\n", "longer", 1, []string{"ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSplitter(conf(small), bufio.NewReaderSize(bytes.NewReader([]byte(tt.in)), 16))
			_, err := s.Read()
			var se *splitError
			if !errors.As(err, &se) || !strings.Contains(se.Msg, tt.msg) || se.StartLine != tt.line {
				t.Fatalf("Read = %v, want a split error %q at line %d", err, tt.msg, tt.line)
			}
			rec, err := s.Read()
			if err != nil || !reflect.DeepEqual(rec, tt.next) {
				t.Fatalf("next Read = %q, %v; want %q", rec, err, tt.next)
			}
			if _, err := s.Read(); err != io.EOF {
				t.Fatalf("then %v, want EOF", err)
			}
		})
	}
}

// FuzzSplitter compares the splitter with refSplit on arbitrary text under
// settings chosen by opts, with a small buffer so that lines outgrow it.
func FuzzSplitter(f *testing.F) {
	for i, s := range []string{
		"a,b\n1,\"x\r\ny\"\r\n2,3",
		"1,\"\",\n\"a\"\"b\",c\n",
		" \"a\" , b ,\"c\nd\n",
		"a\\tb\t\\N\tc\\\nd\n",
		"\\.\nx",
		"# c\n\"#\",x\n",
		"NULL,\"NULL\",\"a\\\"b\"\n",
		"x\\101\\x4g\\8\n",
	} {
		f.Add([]byte(s), uint16(i*97))
	}
	f.Fuzz(func(t *testing.T, data []byte, opts uint16) {
		c := conf()
		c.delim = [][]byte{[]byte(","), []byte("\t"), []byte("，"), []byte(";")}[opts&3]
		c.quote = []byte{'"', '\'', 0, '"'}[(opts>>2)&3]
		c.escapes = escapeRules((opts >> 4) % 4)
		c.esc = '\\'
		if c.escapes == literalEscapes && opts&1 != 0 {
			c.esc = '~'
		}
		c.trim = opts&64 != 0
		c.lazy = opts&128 != 0
		c.lfInQuotes = opts&256 != 0
		if opts&512 != 0 {
			c.comment = '#'
		}
		if c.escapes == postgresEscapes {
			c.quote = 0
		}
		c.crlf = c.escapes != mysqlEscapes
		bufSize := 16 + int(opts>>10)*7
		got := splitAll(t, data, c, bufSize)
		want := refSplit(data, c)
		if !sameRecords(want, got) {
			t.Fatalf("config %+v buffer %d\ninput %q\nreference:\n%s\nsplitter:\n%s", *c, bufSize, data, dump(want), dump(got))
		}
	})
}

func dump(rs []refRecord) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "  line %d end %d err %v %q %v\n", r.start, r.end, r.err, r.fields, r.kinds)
	}
	return b.String()
}
