package cast

import (
	"fmt"
	"strings"

	"github.com/xcetl/xcetl"
)

// maxSig bounds the significant digits kept while parsing. Results have at
// most MaxDecimalPrecision digits, and rounding looks at one more digit, so
// anything beyond that cannot change the result.
const maxSig = xcetl.MaxDecimalPrecision + 2

func zeroText(scale int) string {
	if scale == 0 {
		return "0"
	}
	return "0." + strings.Repeat("0", scale)
}

// ParseDecimal parses s (optional sign, digits with an optional ".", an
// optional exponent such as "E3") exactly, rounds it half away from zero
// to t.Scale fractional digits and returns its canonical text. It fails
// when s is not a number or has more than t.Precision-t.Scale integer
// digits.
func ParseDecimal(s string, t xcetl.Type) (xcetl.Decimal, error) {
	c := Converter{t: t, zero: xcetl.Decimal(zeroText(t.Scale))}
	return c.parseDecimal(strings.TrimSpace(s))
}

// parseDecimal works on the text's digits directly (never through float64)
// with fixed-size buffers, so it allocates only the result, and not even
// that when the caller can reuse its own string.
func (c *Converter) parseDecimal(s string) (xcetl.Decimal, error) {
	p, sc := c.t.Precision, c.t.Scale
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var sig [maxSig]byte
	nsig := 0     // significant digits kept in sig
	pointPos := 0 // digits left of the decimal point, relative to sig[0]
	digits := 0   // mantissa digits seen
	seenDot := false
	leading := true
	for ; i < len(s); i++ {
		ch := s[i]
		if ch == '.' {
			if seenDot {
				return "", c.notDecimal(s)
			}
			seenDot = true
			continue
		}
		if ch < '0' || ch > '9' {
			break
		}
		digits++
		if leading && ch == '0' {
			if seenDot {
				pointPos--
			}
			continue
		}
		leading = false
		if !seenDot {
			pointPos++
		}
		if nsig < maxSig {
			sig[nsig] = ch
			nsig++
		}
	}
	if digits == 0 {
		return "", c.notDecimal(s)
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return "", c.notDecimal(s)
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return "", c.notDecimal(s)
		}
		exp := 0
		for ; i < len(s); i++ {
			ch := s[i]
			if ch < '0' || ch > '9' {
				return "", c.notDecimal(s)
			}
			if exp < 1<<20 { // saturate: beyond this only "0" or "too big" remain
				exp = exp*10 + int(ch-'0')
			}
		}
		if eneg {
			exp = -exp
		}
		pointPos += exp
	}
	if nsig == 0 {
		return c.zero, nil
	}
	if pointPos > p-sc {
		return "", c.tooBig(s)
	}
	keep := pointPos + sc // significant digits that survive rounding
	if keep < 0 {
		return c.zero, nil
	}
	// r holds the rounded magnitude's digits, with one spare byte in front
	// for a carry.
	var r [maxSig + 1]byte
	n := 0
	for k := 0; k < keep; k++ {
		if k < nsig {
			r[1+k] = sig[k]
		} else {
			r[1+k] = '0'
		}
		n++
	}
	start := 1
	if keep < nsig && sig[keep] >= '5' {
		k := n
		for k > 0 && r[k] == '9' {
			r[k] = '0'
			k--
		}
		if k == 0 {
			r[0] = '1'
			start = 0
		} else {
			r[k]++
		}
	}
	mag := r[start : 1+n]
	allZero := true
	for _, ch := range mag {
		if ch != '0' {
			allZero = false
			break
		}
	}
	if allZero {
		return c.zero, nil
	}
	if len(mag)-sc > p-sc {
		return "", c.tooBig(s)
	}
	var out [maxSig + 4]byte
	o := 0
	if neg {
		out[o] = '-'
		o++
	}
	if len(mag) <= sc {
		out[o] = '0'
		o++
		out[o] = '.'
		o++
		for k := len(mag); k < sc; k++ {
			out[o] = '0'
			o++
		}
		o += copy(out[o:], mag)
	} else {
		intLen := len(mag) - sc
		o += copy(out[o:], mag[:intLen])
		if sc > 0 {
			out[o] = '.'
			o++
			o += copy(out[o:], mag[intLen:])
		}
	}
	if string(out[:o]) == s { // no allocation: the comparison does not escape
		return xcetl.Decimal(s), nil
	}
	return xcetl.Decimal(out[:o]), nil
}

func (c *Converter) notDecimal(s string) error {
	return fmt.Errorf("%s is not a %s", quote(s), c.t)
}

func (c *Converter) tooBig(s string) error {
	return fmt.Errorf("value %s does not fit %s", quote(s), c.t)
}
