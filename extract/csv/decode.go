package csv

import (
	"encoding/binary"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// gbDecoder returns a decoder for GBK or GB18030 that copies ASCII bytes
// straight through and hands only the other characters to x/text's
// decoder, which goes byte by byte. In Chinese exports most bytes are
// digits, dates and delimiters; BenchmarkGBDecoder measures the gain.
func gbDecoder(gb18030 bool) transform.Transformer {
	if gb18030 {
		return &asciiFast{dec: simplifiedchinese.GB18030.NewDecoder(), gb18030: true}
	}
	return &asciiFast{dec: simplifiedchinese.GBK.NewDecoder()}
}

// asciiFast must cut its input only where x/text's decoder would end a
// character: an ASCII byte can be the second byte of a GBK character (0x40
// to 0x7E) or the second and fourth of a GB18030 one (digits). charLen
// therefore mirrors that decoder's rules exactly, bad sequences included;
// FuzzGBDecoder compares the two.
type asciiFast struct {
	dec     transform.Transformer
	gb18030 bool
}

func (a *asciiFast) Reset() { a.dec.Reset() }

func (a *asciiFast) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		// ASCII decodes to itself; nSrc is always at a character start.
		i := nSrc
		for i+8 <= len(src) && binary.LittleEndian.Uint64(src[i:])&0x8080808080808080 == 0 {
			i += 8
		}
		for i < len(src) && src[i] < utf8.RuneSelf {
			i++
		}
		if i > nSrc {
			n := copy(dst[nDst:], src[nSrc:i])
			nDst += n
			nSrc += n
			if nSrc < i {
				return nDst, nSrc, transform.ErrShortDst
			}
			continue
		}
		// Characters up to the next ASCII byte that starts a character.
		j := nSrc
		for j < len(src) && src[j] >= utf8.RuneSelf {
			j += a.charLen(src[j:])
		}
		// When the window ends before src does, it ends where a character
		// does: tell the decoder so (atEOF) or a bad lead byte just before
		// the window's end would make it wait for a byte it never gets.
		end := min(j, len(src))
		nd, ns, err := a.dec.Transform(dst[nDst:], src[nSrc:end], atEOF || end < len(src))
		nDst += nd
		nSrc += ns
		if err != nil {
			// ErrShortDst, or ErrShortSrc for a character cut off at the
			// end of src: the decoder stopped where a character starts.
			return nDst, nSrc, err
		}
	}
	return nDst, nSrc, nil
}

// charLen is how many bytes x/text's GBK/GB18030 decoder consumes for the
// character starting at b[0] >= 0x80. It may return more than len(b) when
// the character is cut off at the end of b.
func (a *asciiFast) charLen(b []byte) int {
	c0 := b[0]
	if c0 == 0x80 || c0 == 0xFF {
		return 1
	}
	if len(b) < 2 {
		return 2
	}
	c1 := b[1]
	switch {
	case 0x40 <= c1 && c1 < 0x7F, 0x80 <= c1 && c1 < 0xFF:
		return 2
	case a.gb18030 && 0x30 <= c1 && c1 < 0x40:
		if len(b) < 4 {
			return 4
		}
		c2, c3 := b[2], b[3]
		if c2 < 0x81 || c2 == 0xFF || c3 < 0x30 || c3 > 0x39 {
			return 1
		}
		r := ((rune(c0-0x81)*10+rune(c1-0x30))*126+rune(c2-0x81))*10 + rune(c3-0x30)
		if r < 39420 {
			return 4
		}
		if r -= 189000; 0 <= r && r < 0x100000 {
			return 4
		}
		return 1
	}
	return 1
}
