package sm

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/xcetl/xcetl"
)

// The benchmarks report "cpu-ns/field", the CPU time of the benchmark's own
// thread per field, next to Go's wall-clock ns/op: on a shared machine the
// wall clock counts the time other processes held the core, the thread's
// CPU time does not. (threadCPU is 0 where the OS does not tell it.)

// cpuPerOp runs f b.N times on a locked thread and reports CPU ns per op
// divided by perOp.
func cpuPerOp(b *testing.B, perOp int, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	start := threadCPU()
	for b.Loop() {
		f()
	}
	if cpu := threadCPU() - start; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(perOp), "cpu-ns/field")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(perOp), "ns/field")
}

// BenchmarkField reports the cost of protecting one 18-byte field (an ID
// number) per mode, with the cipher state reused as Apply does.
func BenchmarkField(b *testing.B) {
	key, _ := ParseKey(stdKey)
	const id = "11010519491231002X"
	for _, mode := range []Mode{CBC, ECB, GCM} {
		b.Run("encrypt-"+string(mode), func(b *testing.B) {
			c, _ := NewCodec(key, mode, Hex, "")
			w := c.get()
			var out []byte
			cpuPerOp(b, 1, func() { out, _ = encryptTo(c, w, out[:0], id) })
		})
		b.Run("decrypt-"+string(mode), func(b *testing.B) {
			c, _ := NewCodec(key, mode, Hex, "")
			w := c.get()
			ct, _ := c.Encrypt(nil, []byte(id))
			var out []byte
			cpuPerOp(b, 1, func() { out, _ = c.open(w, out[:0], ct) })
		})
	}
	b.Run("hmac-sm3", func(b *testing.B) {
		h := newHMACSM3([]byte("0123456789abcdef0123"))
		var sum []byte
		cpuPerOp(b, 1, func() { sum = h.sum(sum[:0], []byte(id)) })
	})
	b.Run("hmac-sm3-crypto-hmac", func(b *testing.B) {
		h := NewHMACSM3([]byte("0123456789abcdef0123"))
		var sum []byte
		cpuPerOp(b, 1, func() {
			h.Reset()
			h.Write([]byte(id))
			sum = h.Sum(sum[:0])
		})
	})
	b.Run("sm3", func(b *testing.B) {
		h := NewSM3()
		var sum []byte
		cpuPerOp(b, 1, func() {
			h.Reset()
			h.Write([]byte(id))
			sum = h.Sum(sum[:0])
		})
	})
}

// BenchmarkApply measures the encrypt and hash transforms on a 5000-row
// batch with two fields (id_card, phone), as the bench's encrypt scenario
// runs encrypt: ns/field is what a load pays per protected value, all
// included (the new string values, their buffers).
func BenchmarkApply(b *testing.B) {
	cases := []struct{ name, cfg string }{
		{"encrypt-cbc", "encrypt: {fields: [id_card, phone], key: %s, mode: cbc}"},
		{"encrypt-ecb", "encrypt: {fields: [id_card, phone], key: %s, mode: ecb}"},
		{"encrypt-gcm", "encrypt: {fields: [id_card, phone], key: %s, mode: gcm}"},
		{"hash-hmac-sm3", "hash: {fields: [id_card, phone], key: %s}"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			root := mustNode(b, "["+fmt.Sprintf(tc.cfg, stdKey)+"]")
			tr, err := transformNew(root.Items[0])
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
			cpuPerOp(b, 2*n, func() {
				for i := range rows {
					rows[i] = []any{"1", "11010519491231002X", "13812345678"}
				}
				batch.Schema = in
				if err := tr.Apply(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
