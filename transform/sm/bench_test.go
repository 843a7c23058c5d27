package sm

import (
	"context"
	"fmt"
	"testing"

	"github.com/xcetl/xcetl"
)

// BenchmarkField reports the cost of protecting one 18-byte field (an ID
// number) per mode, with the cipher state reused as Apply does; ns/op is
// ns per field.
func BenchmarkField(b *testing.B) {
	key, _ := ParseKey(stdKey)
	plain := []byte("11010519491231002X")
	for _, mode := range []Mode{CBC, ECB, GCM} {
		b.Run("encrypt-"+string(mode), func(b *testing.B) {
			c, _ := NewCodec(key, mode, Hex, "")
			w := c.get()
			var out []byte
			b.ReportAllocs()
			for b.Loop() {
				out, _ = c.encrypt(w, out[:0], plain)
			}
		})
		b.Run("decrypt-"+string(mode), func(b *testing.B) {
			c, _ := NewCodec(key, mode, Hex, "")
			w := c.get()
			ct, _ := c.Encrypt(nil, plain)
			var out []byte
			b.ReportAllocs()
			for b.Loop() {
				out, _ = c.decrypt(w, out[:0], ct)
			}
		})
	}
	b.Run("hmac-sm3", func(b *testing.B) {
		h := NewHMACSM3([]byte("0123456789abcdef0123"))
		var sum []byte
		b.ReportAllocs()
		for b.Loop() {
			h.Reset()
			h.Write(plain)
			sum = h.Sum(sum[:0])
		}
	})
}

// BenchmarkApply measures the encrypt transform on a 5000-row batch with two
// fields (id_card, phone), as the bench's encrypt scenario runs it; the
// ns/field metric is what a load pays per encrypted value.
func BenchmarkApply(b *testing.B) {
	for _, mode := range []string{"cbc", "ecb", "gcm"} {
		b.Run(mode, func(b *testing.B) {
			tr, err := newEncrypt(mustNode(b, fmt.Sprintf("{fields: [id_card, phone], key: %s, mode: %s}", stdKey, mode)), transformEnv())
			if err != nil {
				b.Fatal(err)
			}
			in := xcetl.NewStringSchema([]string{"id", "id_card", "phone"})
			if _, err := tr.Bind(in); err != nil {
				b.Fatal(err)
			}
			const n = 5000
			rows := make([][]any, n)
			batch := &xcetl.Batch{Rows: rows}
			b.ReportAllocs()
			for b.Loop() {
				for i := range rows {
					rows[i] = []any{"1", "11010519491231002X", "13812345678"}
				}
				batch.Schema = in
				if err := tr.Apply(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(2*n), "ns/field")
		})
	}
}
