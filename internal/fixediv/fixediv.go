// Package fixediv is the one way to make SM4 encryption deterministic: a
// context that carries a fixed IV (and GCM nonce), which the encrypt
// transform uses instead of random bytes for the batches applied under it.
// Only `xcetl test` (internal/pipetest) sets it, so that expected
// ciphertexts in test files are stable; being internal, no program outside
// this module can, and a test of this package fails when any package but
// internal/pipetest (and transform/sm, which reads it) imports it. A fixed
// IV in production would make equal values encrypt equally: it must never
// reach a real run.
package fixediv

import "context"

type key struct{}

// With returns a context under which encrypt uses iv (16 bytes; its first
// 12 are the GCM nonce) for every value.
func With(ctx context.Context, iv []byte) context.Context {
	if len(iv) != 16 {
		panic("fixediv: the IV must be 16 bytes")
	}
	return context.WithValue(ctx, key{}, append([]byte(nil), iv...))
}

// From returns the fixed IV of ctx, or nil (random IVs: every real run).
func From(ctx context.Context) []byte {
	iv, _ := ctx.Value(key{}).([]byte)
	return iv
}
