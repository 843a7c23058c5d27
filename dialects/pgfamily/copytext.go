package pgfamily

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// AppendCopyText appends v in PostgreSQL's COPY text format, for a column
// of kind k: NULL is \N; backslash, tab, newline and carriage return are
// escaped; bools are t/f; bytes are \\x followed by hex (bytea's hex input
// with its backslash escaped); dates and timestamps use xcetl's layouts,
// timestamptz in UTC with an explicit +00:00 so that no local-time offset
// of the value (some have second-level LMT offsets) is rounded. It does
// not allocate beyond growing dst.
func AppendCopyText(dst []byte, v any, k xcetl.Kind) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, '\\', 'N'), nil
	case string:
		return appendEscaped(dst, x), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case xcetl.Decimal:
		return append(dst, x...), nil
	case float64:
		switch {
		case math.IsNaN(x):
			return append(dst, "NaN"...), nil
		case math.IsInf(x, 1):
			return append(dst, "Infinity"...), nil
		case math.IsInf(x, -1):
			return append(dst, "-Infinity"...), nil
		}
		return strconv.AppendFloat(dst, x, 'g', -1, 64), nil
	case bool:
		if x {
			return append(dst, 't'), nil
		}
		return append(dst, 'f'), nil
	case time.Time:
		return appendTime(dst, x, k), nil
	case []byte:
		dst = append(dst, '\\', '\\', 'x')
		return hex.AppendEncode(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case float32:
		return AppendCopyText(dst, float64(x), k)
	}
	return dst, fmt.Errorf("unsupported value of Go type %T", v)
}

// copyEscape maps each byte that COPY text must escape to the letter after
// the backslash; 0 means the byte goes as it is; badByte marks NUL, which no
// text column can hold.
var copyEscape = [256]byte{'\\': '\\', '\n': 'n', '\r': 'r', '\t': 't', 0: badByte}

const badByte = 1

// appendEscaped appends s with COPY text escapes. Bytes that need no
// escape are copied in runs, so plain text costs one append.
func appendEscaped(dst []byte, s string) []byte {
	dst, _ = appendEscapedChecked(dst, s)
	return dst
}

// appendEscapedChecked is appendEscaped that also reports whether s can be
// stored: no NUL byte, valid UTF-8. The check rides on the escaping loop;
// only strings with non-ASCII bytes pay for a UTF-8 validation.
func appendEscapedChecked(dst []byte, s string) ([]byte, bool) {
	start := 0
	var acc byte
	ok := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		acc |= c
		esc := copyEscape[c]
		if esc == 0 {
			continue
		}
		if esc == badByte {
			ok = false
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '\\', esc)
		start = i + 1
	}
	if acc >= 0x80 && !utf8.ValidString(s) {
		ok = false
	}
	return append(dst, s[start:]...), ok
}

// appendTime writes what xcetl.AppendText writes for dates and timestamps
// (timestamptz converted to UTC, "+00:00"), without time.Format's layout
// interpretation, which was half of the encoding time. Years outside
// 1..9999 take the general path.
func appendTime(dst []byte, t time.Time, k xcetl.Kind) []byte {
	if k == xcetl.KindTimestampTZ {
		t = t.UTC()
	}
	y, m, d := t.Date()
	if y < 1 || y > 9999 {
		return xcetl.AppendText(dst, t, k)
	}
	dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
	if k == xcetl.KindDate {
		return dst
	}
	hh, mm, ss := t.Clock()
	dst = append(dst, ' ', byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':', byte('0'+ss/10), byte('0'+ss%10))
	if us := t.Nanosecond() / 1000; us != 0 {
		var frac [7]byte
		frac[0] = '.'
		for i := 6; i >= 1; i-- {
			frac[i] = byte('0' + us%10)
			us /= 10
		}
		n := 7
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	if k == xcetl.KindTimestampTZ {
		dst = append(dst, "+00:00"...)
	}
	return dst
}
