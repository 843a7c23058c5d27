package csv

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// A file decided (or declared) as GBK can hold rows written in UTF-8 by
// another program: GBK decodes them without an error, into mojibake (张三
// becomes 寮犱笁). mixWatch sees the raw bytes on their way into the
// decoder and marks the lines holding a run of non-ASCII bytes that is
// valid multi-byte UTF-8 and, for GBK, not common Chinese when read as GBK
// (genuine GBK text is almost all GB2312 characters; UTF-8 read as GBK
// lands in GBK's extension rows). The reader then looks at the fields of a
// marked record and rejects it, naming the field (mixedField).

// runKeep is how many bytes of a run of non-ASCII bytes are looked at.
const runKeep = 96

type mixWatch struct {
	dec   transform.Transformer
	gb    bool  // GBK/GB18030 (else a single-byte encoding)
	lines int64 // line breaks consumed
	run   []byte
	inRun bool
	marks []int64 // 1-based lines, increasing
}

func newMixWatch(dec transform.Transformer, kind byte) *mixWatch {
	return &mixWatch{dec: dec, gb: kind == 'g', run: make([]byte, 0, runKeep)}
}

func (m *mixWatch) Reset() {
	m.dec.Reset()
	m.lines, m.run, m.inRun, m.marks = 0, m.run[:0], false, m.marks[:0]
}

func (m *mixWatch) Transform(dst, src []byte, atEOF bool) (int, int, error) {
	nd, ns, err := m.dec.Transform(dst, src, atEOF)
	m.scan(src[:ns])
	if atEOF && ns == len(src) && err == nil {
		m.endRun()
	}
	return nd, ns, err
}

// scan follows line breaks and runs of non-ASCII bytes through b.
func (m *mixWatch) scan(b []byte) {
	for len(b) > 0 {
		if !m.inRun {
			i := indexNonASCII(b)
			if i < 0 {
				m.lines += int64(bytes.Count(b, nl))
				return
			}
			m.lines += int64(bytes.Count(b[:i], nl))
			b = b[i:]
			m.inRun = true
		}
		j := 0
		for j < len(b) && b[j] >= utf8.RuneSelf {
			j++
		}
		if room := runKeep - len(m.run); room > 0 {
			m.run = append(m.run, b[:min(j, room)]...)
		}
		b = b[j:]
		if len(b) > 0 {
			m.endRun()
		}
	}
}

func (m *mixWatch) endRun() {
	if m.inRun && m.utf8Like(m.run) {
		line := m.lines + 1
		if n := len(m.marks); n == 0 || m.marks[n-1] != line {
			m.marks = append(m.marks, line)
		}
	}
	m.run, m.inRun = m.run[:0], false
}

// utf8Like reports whether run (a run of non-ASCII bytes, perhaps cut at
// runKeep) reads as multi-byte UTF-8 text rather than as text of the
// file's encoding.
func (m *mixWatch) utf8Like(run []byte) bool {
	if len(run) == runKeep {
		run = run[:len(run)-incompleteSuffix(run)]
	}
	if len(run) < 2 || !utf8.Valid(run) {
		return false
	}
	if !m.gb {
		return true
	}
	for i := 0; i+1 < len(run); i += 2 {
		if !isCommonGB(run[i], run[i+1]) {
			return true
		}
	}
	return len(run)%2 == 1
}

// marked reports whether a line in [from, to] (decoder lines) was marked,
// dropping the marks before from.
func (m *mixWatch) marked(from, to int64) bool {
	k := 0
	for k < len(m.marks) && m.marks[k] < from {
		k++
	}
	if k > 0 {
		m.marks = append(m.marks[:0], m.marks[k:]...)
	}
	return len(m.marks) > 0 && m.marks[0] <= to
}

// indexNonASCII returns the index of the first byte >= 0x80, or -1.
func indexNonASCII(b []byte) int {
	i := 0
	for i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 == 0 {
		i += 8
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// mixedField returns the first field of rec (decoded from enc) whose bytes
// in the file were UTF-8 text, with that text; -1 if none.
func mixedField(enc string, rec []string) (int, string) {
	for f, v := range rec {
		if indexNonASCII([]byte(v)) < 0 {
			continue
		}
		var raw []byte
		var err error
		switch enc {
		case EncodingGBK:
			raw, err = simplifiedchinese.GBK.NewEncoder().Bytes([]byte(v))
		case EncodingGB18030:
			raw, err = simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(v))
		default:
			raw, err = encodeSingle(enc, v)
		}
		if err != nil {
			continue
		}
		w := &mixWatch{gb: mixCheck(enc) == 'g'}
		for _, run := range nonASCIIRuns(raw) {
			if w.utf8Like(run) {
				return f, string(raw)
			}
		}
	}
	return -1, ""
}

func nonASCIIRuns(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := indexNonASCII(b)
		if i < 0 {
			break
		}
		b = b[i:]
		j := 0
		for j < len(b) && b[j] >= utf8.RuneSelf {
			j++
		}
		out = append(out, b[:min(j, runKeep)])
		b = b[j:]
	}
	return out
}
