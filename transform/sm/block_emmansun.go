//go:build amd64 && !sm4_tjfoc

package sm

import (
	"crypto/cipher"

	emmansun "github.com/emmansun/gmsm/sm4"
	tjfoc "github.com/tjfoc/gmsm/sm4"
)

// blockProvider names the SM4 code this binary uses (README.md, "Which
// SM4"). On amd64 two implementations, each where it is faster (measured
// with BenchmarkApply and BenchmarkField): github.com/emmansun/gmsm, which
// computes SM4 with the CPU's AES instructions and encrypts 8 independent
// blocks per call with AVX2 (4 with AES-NI alone), for the batched CBC and
// ECB of Encrypt.Apply and for GCM; github.com/tjfoc/gmsm's pure Go block
// function for single blocks (one value's CBC or ECB, every decryption),
// where emmansun's one-block call is about 1.6 times slower. Build with
// -tags sm4_tjfoc for tjfoc's alone. Other architectures always use
// tjfoc's (block_tjfoc.go).
const blockProvider = "github.com/emmansun/gmsm/sm4 (batches, GCM) + github.com/tjfoc/gmsm/sm4 (single blocks)"

// sm4Ciphers returns key's ciphers: for single blocks, for GCM, and one
// that encrypts several blocks per call (nil where there is none).
func sm4Ciphers(key []byte) (single, gcm cipher.Block, multi multiBlock, err error) {
	if single, err = tjfoc.NewCipher(key); err != nil {
		return nil, nil, nil, err
	}
	if gcm, err = emmansun.NewCipher(key); err != nil {
		return nil, nil, nil, err
	}
	if m, ok := gcm.(multiBlock); ok && m.Concurrency() > 1 {
		multi = m
	}
	return single, gcm, multi, nil
}
