package load

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/xcetl/xcetl"
)

// lastOfEachKey returns, in order, the rows to load so that each key
// appears once, as its last row in the batch — what loading the rows one
// after the other would leave, and what lets ON CONFLICT and MERGE apply a
// batch in one statement ("cannot affect row a second time"). It returns nil
// when every key is already unique (the common case costs no copy).
func lastOfEachKey(rows [][]any, keyIdx []int) []int {
	if len(rows) < 2 || len(keyIdx) == 0 {
		return nil
	}
	var superseded []bool
	mark := func(prev int) {
		if superseded == nil {
			superseded = make([]bool, len(rows))
		}
		superseded[prev] = true
	}
	if len(keyIdx) == 1 {
		k := keyIdx[0]
		switch rows[0][k].(type) {
		case int64:
			if seen, ok := uniqueBy(rows, k, func(v any) (int64, bool) { x, ok := v.(int64); return x, ok }); ok {
				for _, prev := range seen {
					mark(prev)
				}
				return keep(superseded)
			}
		case string:
			if seen, ok := uniqueBy(rows, k, func(v any) (string, bool) { x, ok := v.(string); return x, ok }); ok {
				for _, prev := range seen {
					mark(prev)
				}
				return keep(superseded)
			}
		}
	}
	seen := make(map[string]int, len(rows))
	var buf []byte
	for i, row := range rows {
		buf = buf[:0]
		for _, k := range keyIdx {
			buf = appendKeyPart(buf, row[k])
		}
		if prev, dup := seen[string(buf)]; dup {
			mark(prev)
		}
		seen[string(buf)] = i
	}
	return keep(superseded)
}

// uniqueBy indexes rows by one key column of a single Go type; it returns
// the superseded rows, or ok=false if some value has another type.
func uniqueBy[K comparable](rows [][]any, k int, get func(any) (K, bool)) (superseded []int, ok bool) {
	seen := make(map[K]int, len(rows))
	for i, row := range rows {
		v, ok := get(row[k])
		if !ok {
			return nil, false
		}
		if prev, dup := seen[v]; dup {
			superseded = append(superseded, prev)
		}
		seen[v] = i
	}
	return superseded, true
}

func keep(superseded []bool) []int {
	if superseded == nil {
		return nil
	}
	out := make([]int, 0, len(superseded))
	for i, s := range superseded {
		if !s {
			out = append(out, i)
		}
	}
	return out
}

// appendKeyPart appends an unambiguous encoding of one key value: a type
// tag, then a length-prefixed text or a fixed-size number. Instants compare
// as instants, whatever their zone.
func appendKeyPart(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, 0)
	case int64:
		dst = append(dst, 1)
		return binary.BigEndian.AppendUint64(dst, uint64(x))
	case string:
		dst = append(dst, 2)
		dst = binary.AppendUvarint(dst, uint64(len(x)))
		return append(dst, x...)
	case xcetl.Decimal:
		dst = append(dst, 3)
		dst = binary.AppendUvarint(dst, uint64(len(x)))
		return append(dst, x...)
	case float64:
		dst = append(dst, 4)
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(x))
	case bool:
		if x {
			return append(dst, 5, 1)
		}
		return append(dst, 5, 0)
	case time.Time:
		dst = append(dst, 6)
		dst = binary.BigEndian.AppendUint64(dst, uint64(x.Unix()))
		return binary.BigEndian.AppendUint32(dst, uint32(x.Nanosecond()))
	case []byte:
		dst = append(dst, 7)
		dst = binary.AppendUvarint(dst, uint64(len(x)))
		return append(dst, x...)
	}
	dst = append(dst, 8)
	s := xcetl.FormatValue(v, xcetl.KindString)
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}
