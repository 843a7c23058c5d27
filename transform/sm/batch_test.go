package sm

import (
	"bytes"
	"context"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	tjfoc "github.com/tjfoc/gmsm/sm4"

	"github.com/xcetl/xcetl"
)

// TestBatchMatchesPerValue: the batched CBC and ECB of Encrypt.Apply (and
// the one-block-at-a-time path used when the cipher cannot encrypt several
// blocks per call) give for every value exactly what a reference SM4
// (github.com/tjfoc/gmsm, whatever this binary uses) with Go's CBC gives
// for that value alone, with the IV the value carries; values of every
// length around the block size, of string, []byte and typed columns, key
// id prefix, hex and base64.
func TestBatchMatchesPerValue(t *testing.T) {
	key := mustKey(t, stdKey)
	ref, err := tjfoc.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mode := range []Mode{CBC, ECB} {
		for _, enc := range []Encoding{Hex, Base64} {
			for _, tc := range []struct {
				multi bool
				size  int
			}{{true, 300}, {false, 300}, {true, 2}, {true, 9}} {
				multi, size := tc.multi, tc.size
				name := fmt.Sprintf("%s-%s-multi=%v-rows=%d", mode, enc, multi, size)
				t.Run(name, func(t *testing.T) {
					c, err := NewCodec(key, mode, enc, "k1")
					if err != nil {
						t.Fatal(err)
					}
					w := c.get()
					if !multi {
						w.multi = nil
					} else if w.multi == nil {
						t.Skipf("%s has no multi-block encryption on this CPU", blockProvider)
					}
					c.put(w)
					in := &xcetl.Schema{Columns: []xcetl.Column{
						{Name: "s", Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true},
						{Name: "b", Type: xcetl.Type{Kind: xcetl.KindBytes}, Nullable: true},
						{Name: "n", Type: xcetl.Type{Kind: xcetl.KindInt}, Nullable: true},
					}}
					e := &Encrypt{crypt: crypt{name: "encrypt", fields: []field{{Name: "s"}, {Name: "b"}, {Name: "n"}}, mode: mode, enc: enc}, codec: c}
					if _, err := e.Bind(in); err != nil {
						t.Fatal(err)
					}
					var rows [][]any
					var plain [][3]string
					for i := 0; i < size; i++ {
						s := strings.Repeat("证", rng.IntN(12)) + strings.Repeat("x", rng.IntN(40))
						bs := []byte(strings.Repeat("\x00\xff", rng.IntN(25)))
						n := rng.Int64()
						row := []any{s, bs, n}
						if i%17 == 0 {
							row = []any{nil, nil, nil}
						}
						rows = append(rows, row)
						plain = append(plain, [3]string{s, string(bs), fmt.Sprint(n)})
					}
					b := &xcetl.Batch{Schema: in, Rows: rows}
					if size > 5 {
						b.Reject(5, "s", "marked: must stay as it is")
					}
					if err := e.Apply(context.Background(), b); err != nil {
						t.Fatal(err)
					}
					for i, row := range b.Rows {
						for j, v := range row {
							switch {
							case i%17 == 0:
								if v != nil {
									t.Fatalf("row %d col %d: NULL became %v", i, j, v)
								}
								continue
							case i == 5 && size > 5:
								if fmt.Sprintf("%v", v) != fmt.Sprintf("%v", []any{plain[5][0], []byte(plain[5][1]), plain[5][2]}[j]) {
									t.Fatalf("col %d of a rejected row changed: %v", j, v)
								}
								continue
							}
							if plain[i][j] == "" {
								if v != "" && !(j == 1 && len(v.([]byte)) == 0) {
									t.Fatalf("row %d col %d: an empty value was encrypted: %v", i, j, v)
								}
								continue
							}
							text, ok := v.(string)
							if !ok || !strings.HasPrefix(text, "k1$") {
								t.Fatalf("row %d col %d: %T %v, want text with the key id", i, j, v, v)
							}
							raw, err := decodeText(enc, text[3:])
							if err != nil {
								t.Fatal(err)
							}
							want := referenceEncrypt(ref, mode, raw, []byte(plain[i][j]))
							if !bytes.Equal(raw, want) {
								t.Fatalf("row %d col %d: ciphertext\n%x\nwant\n%x", i, j, raw, want)
							}
						}
					}
				})
			}
		}
	}
}

// referenceEncrypt encrypts plain the textbook way; for CBC with the IV
// that got starts with.
func referenceEncrypt(blk cipher.Block, mode Mode, got, plain []byte) []byte {
	body := pad(nil, plain)
	if mode == ECB {
		for i := 0; i < len(body); i += blockSize {
			blk.Encrypt(body[i:], body[i:])
		}
		return body
	}
	iv := got[:blockSize]
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(body, body)
	return append(bytes.Clone(iv), body...)
}

func decodeText(enc Encoding, s string) ([]byte, error) {
	if enc == Base64 {
		return base64.StdEncoding.DecodeString(s)
	}
	return hex.DecodeString(s)
}

// TestAppendHex: the word-at-a-time encoder writes what encoding/hex
// writes, for every byte value at every position and every length.
func TestAppendHex(t *testing.T) {
	src := make([]byte, 259)
	for i := range src {
		src[i] = byte(i)
	}
	for n := range len(src) + 1 {
		if got, want := appendHex([]byte("p$"), src[:n]), hex.AppendEncode([]byte("p$"), src[:n]); !bytes.Equal(got, want) {
			t.Errorf("n=%d: %s, want %s", n, got, want)
		}
	}
}

// TestIVsAreFresh: no two values get the same IV, within a worker and
// across workers, and a worker reseeds from the kernel.
func TestIVsAreFresh(t *testing.T) {
	c, _ := NewCodec(mustKey(t, stdKey), CBC, Hex, "")
	seen := map[[blockSize]byte]bool{}
	for k := 0; k < 3; k++ {
		w, _ := newWorker(mustKey(t, stdKey), CBC)
		if _, err := w.random(blockSize); err != nil { // seeds the generator
			t.Fatal(err)
		}
		first := w.rng
		w.rngOut = reseedAfter - 8192 // reseeds during the loop
		for i := 0; i < 20000; i++ {
			out, err := c.encrypt(w, nil, []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := hex.DecodeString(string(out))
			iv := [blockSize]byte(raw[:blockSize])
			if seen[iv] {
				t.Fatalf("worker %d value %d: IV repeated", k, i)
			}
			seen[iv] = true
		}
		if w.rng == first || w.rngOut >= reseedAfter {
			t.Errorf("worker %d was not reseeded after %d bytes", k, reseedAfter)
		}
	}
}
