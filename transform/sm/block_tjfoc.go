//go:build !amd64 || sm4_tjfoc

package sm

import (
	"crypto/cipher"

	"github.com/tjfoc/gmsm/sm4"
)

// blockProvider names the SM4 code this binary uses:
// github.com/tjfoc/gmsm's pure Go block function (one block at a time) for
// everything, on every architecture but amd64, and on amd64 with the
// sm4_tjfoc build tag (see block_emmansun.go). Not emmansun/gmsm on arm64:
// its v0.15.5 code for the SM4 instructions (taken where the CPU reports
// them, as qemu's does, and Kunpeng 920's) has the instruction words
// byte-swapped — SM4EKEY is written WORD $0x09c961ce for 0xce61c909 — and
// dies with SIGILL in key expansion (found running the arm64 tests under
// qemu-aarch64).
const blockProvider = "github.com/tjfoc/gmsm/sm4"

// sm4Ciphers returns key's ciphers: for single blocks, for GCM, and one
// that encrypts several blocks per call (nil: tjfoc has none).
func sm4Ciphers(key []byte) (single, gcm cipher.Block, multi multiBlock, err error) {
	b, err := sm4.NewCipher(key)
	return b, b, nil, err
}
