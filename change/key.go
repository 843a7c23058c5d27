package change

import (
	"crypto/sha256"
	"encoding/json"
	"math"
	"strconv"

	"github.com/xcetl/xcetl"
)

// KeyText renders key fields as canonical JSON text: {"id":42,"region":"tj"}.
// It is stable across runs for the same decoder, so it identifies a row.
func KeyText(key []Field) string {
	return string(AppendKeyText(nil, key))
}

// AppendKeyText appends KeyText(key) to b.
func AppendKeyText(b []byte, key []Field) []byte {
	b = append(b, '{')
	for i, f := range key {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, f.Name)
		b = append(b, ':')
		b = appendJSONValue(b, f.Value, f.Kind)
	}
	return append(b, '}')
}

func appendJSONValue(b []byte, v any, k xcetl.Kind) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case bool:
		return strconv.AppendBool(b, x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.AppendQuote(b, strconv.FormatFloat(x, 'g', -1, 64))
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case string:
		j, _ := json.Marshal(x)
		return append(b, j...)
	}
	j, _ := json.Marshal(xcetl.FormatValue(v, k))
	return append(b, j...)
}

// KeyHashSize is the length of a KeyHash.
const KeyHashSize = 16

// KeyHash identifies a row of one pipeline's table in the version table:
// the first 16 bytes of SHA-256 over the pipeline's name, the table's and
// the key's canonical text, each followed by a zero byte. 128 bits make a
// collision (which would let one key's stored version refuse another key's
// change) as unlikely as a hardware fault, SHA-256 keeps it so for keys an
// attacker can choose, and the fixed width keeps the table and its index
// narrow. The row's key itself is not stored.
func KeyHash(pipeline, table string, key []Field) [KeyHashSize]byte {
	var buf [256]byte
	b := append(buf[:0], pipeline...)
	b = append(b, 0)
	b = append(b, table...)
	b = append(b, 0)
	b = AppendKeyText(b, key)
	b = append(b, 0)
	sum := sha256.Sum256(b)
	var out [KeyHashSize]byte
	copy(out[:], sum[:KeyHashSize])
	return out
}
