package csv

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding names, as written in `encoding:` and shown in reports.
const (
	EncodingUTF8        = "utf-8"
	EncodingGBK         = "gbk"
	EncodingGB18030     = "gb18030"
	EncodingBig5        = "big5"
	EncodingWindows1252 = "windows-1252"
	EncodingLatin1      = "iso-8859-1"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	encodingUTF16       = "utf-16" // either, by the byte order mark
	encodingAuto        = "auto"
)

// sniffSize is how much of a file `encoding: auto` looks at. Large enough to
// catch the first non-ASCII text of almost any real export, small enough to
// cost nothing next to reading the file.
const sniffSize = 1 << 20

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
	gb18030BOM = []byte{0x84, 0x31, 0x95, 0x33}
)

// bomOf returns the encoding a byte order mark at the start of head names,
// or "".
func bomOf(head []byte) string {
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		return EncodingUTF8
	case bytes.HasPrefix(head, utf16LEBOM):
		return EncodingUTF16LE
	case bytes.HasPrefix(head, utf16BEBOM):
		return EncodingUTF16BE
	case bytes.HasPrefix(head, gb18030BOM):
		return EncodingGB18030
	}
	return ""
}

// decoderFor returns the decoder of enc to UTF-8; nil for UTF-8, which is
// read as it is. Bytes that are not valid in enc become U+FFFD, which
// rejects their row.
func decoderFor(enc string) transform.Transformer {
	switch enc {
	case EncodingGBK:
		return gbDecoder(false)
	case EncodingGB18030:
		return gbDecoder(true)
	case EncodingBig5:
		return traditionalchinese.Big5.NewDecoder()
	case EncodingWindows1252:
		return charmap.Windows1252.NewDecoder()
	case EncodingLatin1:
		return charmap.ISO8859_1.NewDecoder()
	case EncodingUTF16LE:
		// The byte order mark, if any, comes out as U+FEFF and is removed
		// with the others.
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
	case EncodingUTF16BE:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
	}
	return nil
}

// utf16Order is how line breaks are found in the bytes of a file (resume
// offsets): byte 0x0A in every encoding but UTF-16, where it is the code
// unit 0x000A.
type utf16Order uint8

const (
	notUTF16 utf16Order = iota
	littleEndian
	bigEndian
)

func utf16Of(enc string) utf16Order {
	switch enc {
	case EncodingUTF16LE:
		return littleEndian
	case EncodingUTF16BE:
		return bigEndian
	}
	return notUTF16
}

// mixCheck says how rows of UTF-8 text are recognised in a file of enc:
// 0 none, 'g' GBK/GB18030 (a UTF-8 run that is not common Chinese as GB),
// 's' single-byte encodings (any multi-byte UTF-8 run).
func mixCheck(enc string) byte {
	switch enc {
	case EncodingGBK, EncodingGB18030:
		return 'g'
	case EncodingWindows1252, EncodingLatin1:
		return 's'
	}
	return 0
}

// Decision is what `encoding: auto` decided for a file, and why.
type Decision struct {
	// Encoding is one of the Encoding names, or "" when the evidence does
	// not decide (Reason then says what was seen).
	Encoding string
	// Reason is the evidence, one line: "UTF-8 byte order mark", "valid
	// UTF-8", "not UTF-8 …; as GB18030 …".
	Reason string
	// Suggest is an encoding the bytes would fit when Encoding is "" (the
	// user must confirm it), or "".
	Suggest string
}

// Sniff decides the encoding of a file from head, its first bytes (the
// whole file when complete): a byte order mark; else valid UTF-8 (a
// character cut off at the end of an incomplete head is allowed); else
// GB18030 (the superset of GBK and GB2312) when the text is plausibly
// Chinese: most of its non-ASCII characters are common Chinese characters
// or punctuation (GB2312). Anything else is not decided: Latin-1 text, Big5,
// UTF-16 without a byte order mark, mixtures.
func Sniff(head []byte, complete bool) Decision {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE, 0, 0}), bytes.HasPrefix(head, []byte{0, 0, 0xFE, 0xFF}):
		return Decision{Reason: "a UTF-32 byte order mark: UTF-32 is not read; save the file as UTF-8"}
	}
	if enc := bomOf(head); enc != "" {
		return Decision{Encoding: enc, Reason: strings.ToUpper(enc) + " byte order mark"}
	}
	if i := bytes.Index(head, []byte("\x1b$")); i >= 0 {
		return Decision{Reason: "ISO-2022 escape sequences (ESC $ at " + lineCol(head, i) + "): a 7-bit Japanese, Korean or Chinese encoding, which is not read; save the file as UTF-8"}
	}
	if zeros := bytes.Count(head, []byte{0}); zeros > 0 {
		return sniffZeros(head, zeros)
	}
	bad := invalidUTF8At(head, complete)
	if bad < 0 {
		n := nonASCIIChars(head)
		if n == 0 {
			return Decision{Encoding: EncodingUTF8, Reason: "only ASCII in the first " + sniffWindow(head, complete) + " (read as UTF-8)"}
		}
		return Decision{Encoding: EncodingUTF8, Reason: fmt.Sprintf("valid UTF-8 (%d non-ASCII characters in the first %s)", n, sniffWindow(head, complete))}
	}
	where := "not UTF-8 (" + byteContext(head, bad) + ")"
	gb := gbStats(head, complete)
	if gb.plausible() {
		return Decision{Encoding: EncodingGB18030, Reason: fmt.Sprintf("%s; as GB18030, %d of %d non-ASCII characters are common Chinese characters or punctuation", where, gb.common, gb.total)}
	}
	d := Decision{Reason: fmt.Sprintf("%s; as GB18030 only %d of %d non-ASCII characters would be common Chinese characters", where, gb.common, gb.total)}
	if b5 := big5Stats(head, complete); b5.plausibleBig5() {
		d.Suggest = EncodingBig5
		d.Reason += fmt.Sprintf(", but as Big5 %d of %d are common traditional Chinese characters", b5.common, b5.total)
	} else if isolatedHighBytes(head) {
		d.Suggest = EncodingWindows1252
		d.Reason += "; the non-ASCII bytes stand alone, as in single-byte text such as windows-1252 (Latin-1): " + strconv.Quote(latin1Line(head, bad))
	}
	return d
}

func sniffWindow(head []byte, complete bool) string {
	if complete {
		return "file"
	}
	return sizeText(int64(len(head)))
}

// sniffZeros: NUL bytes are not CSV text; UTF-16 without a byte order mark
// has them in every other byte.
func sniffZeros(head []byte, zeros int) Decision {
	even, odd := 0, 0
	for i, c := range head {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	switch {
	case odd > 0 && even == 0 && odd*4 >= len(head):
		return Decision{Reason: fmt.Sprintf("%d NUL bytes, all at odd offsets: UTF-16LE text without a byte order mark?", zeros), Suggest: EncodingUTF16LE}
	case even > 0 && odd == 0 && even*4 >= len(head):
		return Decision{Reason: fmt.Sprintf("%d NUL bytes, all at even offsets: UTF-16BE text without a byte order mark?", zeros), Suggest: EncodingUTF16BE}
	}
	i := bytes.IndexByte(head, 0)
	return Decision{Reason: fmt.Sprintf("%d NUL bytes (the first at %s): not text", zeros, lineCol(head, i))}
}

// invalidUTF8At returns the offset of the first byte that is not valid
// UTF-8, or -1. Unless complete, a character cut off at the end is valid.
func invalidUTF8At(b []byte, complete bool) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			if !complete && !utf8.FullRune(b[i:]) {
				return -1
			}
			return i
		}
		i += n
	}
	return -1
}

func nonASCIIChars(b []byte) int {
	n := 0
	for _, c := range b {
		if c >= 0xC0 {
			n++ // lead bytes of valid UTF-8
		}
	}
	return n
}

// lineCol says where offset i is: "line 3, column 7" (characters, counted
// as single bytes when the encoding is unknown).
func lineCol(b []byte, i int) string {
	line := bytes.Count(b[:i], []byte{'\n'}) + 1
	col := i - (bytes.LastIndexByte(b[:i], '\n') + 1) + 1
	return fmt.Sprintf("line %d, byte %d", line, col)
}

// byteContext shows the bytes at offset i: "bytes E9 68 at line 1, byte 2".
func byteContext(b []byte, i int) string {
	end := min(len(b), i+4)
	var hex []string
	for _, c := range b[i:end] {
		hex = append(hex, fmt.Sprintf("%02X", c))
	}
	return "bytes " + strings.Join(hex, " ") + " at " + lineCol(b, i)
}

// gbCount counts the non-ASCII characters of text read as a double-byte
// encoding, and the common ones among them. For GB18030 it also counts the
// hanzi of GB2312 (rows B0–F7), those of its second, rarer level (rows
// D8–F7) and those in rows C9–F7.
type gbCount struct{ common, total, hanzi, level2, high, lowTrail int }

// plausible: Chinese text is almost all GB2312 characters (measured on the
// GB2312 files of chardet's test suite: 100%, with rarely a level-2 hanzi,
// and 35–46% of hanzi in rows C9–F7). Text of other encodings read as
// GB18030 breaks one of the rules: Cyrillic, Greek, Thai and Arabic
// single-byte text leaves lone bytes (at most 91% common there) or lands
// in level 2; Korean EUC-KR lands in rows B0–C8 only; EUC-TW in level 2.
//
// A few dozen characters say less (a rarer character in a name weighs
// more): a small sample may have half of its hanzi in level 2.
func (g gbCount) plausible() bool {
	switch {
	case g.total == 0:
		return false
	case g.total < 50:
		return g.common*100 >= g.total*95 && (g.hanzi < 4 || g.level2*2 <= g.hanzi)
	}
	return g.common*100 >= g.total*95 && (g.hanzi < 20 || g.level2*4 <= g.hanzi && g.high*10 >= g.hanzi)
}

// plausibleBig5 is gbCount.plausible's rule for Big5: common characters,
// a good share of them with a trail byte below 0x7F (which EUC-KR and
// EUC-JP never have).
func (g gbCount) plausibleBig5() bool {
	return g.total > 0 && g.common*5 >= g.total*4 && g.lowTrail*10 >= g.total
}

// gbStats reads b as GB18030. Common: GB2312's hanzi (rows B0–F7) and its
// punctuation, numbers and full-width forms (rows A1–A3), which is what
// Chinese text is made of; text of another encoding read as GB18030 lands
// mostly in GBK's extension rows (a trail byte below A1), in the kana,
// Greek and Cyrillic rows, or in invalid sequences.
func gbStats(b []byte, complete bool) gbCount {
	var g gbCount
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			i++
			continue
		}
		if i+1 >= len(b) && !complete {
			break
		}
		g.total++
		n := (&asciiFast{gb18030: true}).charLen(b[i:])
		if n == 2 && i+1 < len(b) && isCommonGB(c, b[i+1]) {
			g.common++
			if c >= 0xB0 {
				g.hanzi++
				if c >= 0xD8 {
					g.level2++
				}
				if c >= 0xC9 {
					g.high++
				}
			}
		}
		i += max(n, 1)
	}
	return g
}

// isCommonGB reports whether the GBK character lead, trail is in GB2312's
// hanzi or common symbol rows.
func isCommonGB(lead, trail byte) bool {
	return trail >= 0xA1 && trail <= 0xFE && (lead >= 0xB0 && lead <= 0xF7 || lead >= 0xA1 && lead <= 0xA3)
}

// big5Stats reads b as Big5. Common: the frequent characters (A440–C67E)
// and the symbols (A140–A3BF).
func big5Stats(b []byte, complete bool) gbCount {
	var g gbCount
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			i++
			continue
		}
		if i+1 >= len(b) {
			if complete {
				g.total++
			}
			break
		}
		g.total++
		t := b[i+1]
		validTrail := t >= 0x40 && t <= 0x7E || t >= 0xA1 && t <= 0xFE
		if validTrail && c >= 0xA1 && c <= 0xC6 {
			g.common++
			if t < 0x7F {
				g.lowTrail++
			}
		}
		if validTrail {
			i += 2
		} else {
			i++
		}
	}
	return g
}

// isolatedHighBytes: in single-byte text (Latin-1) non-ASCII bytes are
// letters and signs between ASCII ones, in runs of one to three (é, ß, «é),
// and none is a byte windows-1252 leaves undefined.
func isolatedHighBytes(b []byte) bool {
	short, runs := 0, 0
	for i := 0; i < len(b); {
		if b[i] < 0x80 {
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] >= 0x80 {
			switch b[j] {
			case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
				return false
			}
			j++
		}
		runs++
		if j-i <= 3 {
			short++
		}
		i = j
	}
	return runs > 0 && short*5 >= runs*4
}

// latin1Line is the line holding offset i read as windows-1252, cut to 60
// characters.
func latin1Line(b []byte, i int) string {
	start := bytes.LastIndexByte(b[:i], '\n') + 1
	end := bytes.IndexByte(b[i:], '\n')
	if end < 0 {
		end = len(b)
	} else {
		end += i
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(bytes.TrimRight(b[start:end], "\r"))
	if err != nil {
		return ""
	}
	return cutText(string(s), 60)
}

func cutText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// sizeText renders a byte count: "16 MiB", "1.5 KiB", "300 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// parseSize reads "16MiB", "512 KiB", "1048576", "1 GiB" (also KB/MB/GB
// as powers of 1024, as people write them).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	unit := int64(1)
	low := strings.ToLower(t)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"bytes", 1}, {"b", 1}} {
		if strings.HasSuffix(low, u.suffix) {
			unit, t = u.n, strings.TrimSpace(t[:len(t)-len(u.suffix)])
			break
		}
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a size: write bytes (1048576) or a number with KiB, MiB or GiB (16MiB)", s)
	}
	if v > (1<<40)/unit {
		return 0, fmt.Errorf("%q is more than 1 TiB", s)
	}
	return v * unit, nil
}

// encodeSingle encodes v back into a single-byte encoding.
func encodeSingle(enc, v string) ([]byte, error) {
	switch enc {
	case EncodingWindows1252:
		return charmap.Windows1252.NewEncoder().Bytes([]byte(v))
	case EncodingLatin1:
		return charmap.ISO8859_1.NewEncoder().Bytes([]byte(v))
	}
	return nil, fmt.Errorf("no encoder for %s", enc)
}

// DecodeText decodes b (a file's first bytes, so perhaps cut inside a
// character) from enc to UTF-8, without byte order marks at the start.
// Bytes that do not decode become U+FFFD.
func DecodeText(enc string, b []byte) []byte {
	if dec := decoderFor(enc); dec != nil {
		out, _, err := transform.Bytes(dec, b)
		if err == nil {
			b = out
		}
	}
	for bytes.HasPrefix(b, utf8BOM) {
		b = b[len(utf8BOM):]
	}
	return b
}
