package sm

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tjfoc/gmsm/sm3"
	"github.com/tjfoc/gmsm/sm4"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/internal/fixediv"
	"github.com/xcetl/xcetl/transform"
)

const (
	stdKey = "0123456789abcdeffedcba9876543210" // GB/T 32907-2016 appendix A
	key2   = "00112233445566778899aabbccddeeff"
)

func mustKey(t testing.TB, s string) []byte {
	t.Helper()
	k, err := ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKnownAnswers(t *testing.T) {
	t.Run("SM4 block GB/T 32907", func(t *testing.T) {
		k := mustKey(t, stdKey)
		b, err := sm4.NewCipher(k)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 16)
		b.Encrypt(out, k)
		if got := hex.EncodeToString(out); got != "681edf34d206965e86b3e94f536e4246" {
			t.Fatalf("SM4(key, key) = %s", got)
		}
	})
	t.Run("SM4 ECB with padding (openssl enc -sm4-ecb)", func(t *testing.T) {
		c, err := NewCodec(mustKey(t, stdKey), ECB, Hex, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Encrypt(nil, mustKey(t, stdKey))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "681edf34d206965e86b3e94f536e4246002a8a4efa863ccad024ac0300bb40d2" {
			t.Fatalf("ECB = %s", got)
		}
	})
	t.Run("SM4 CBC fixed IV (openssl enc -sm4-cbc)", func(t *testing.T) {
		c, err := NewCodec(mustKey(t, stdKey), CBC, Hex, "")
		if err != nil {
			t.Fatal(err)
		}
		w := c.get()
		for i := range 16 {
			w.rnd[i] = byte(i)
		}
		w.rndOff = 0
		got, err := c.encrypt(w, nil, []byte("11010119900307777X"))
		if err != nil {
			t.Fatal(err)
		}
		want := "000102030405060708090a0b0c0d0e0f" + "509464555e170a91d4dd8ff754711dee9ec0cbd23ed8a969db536761cb41fddb"
		if string(got) != want {
			t.Fatalf("CBC = %s\nwant %s", got, want)
		}
	})
	t.Run("SM3 GB/T 32905", func(t *testing.T) {
		cases := map[string]string{
			"abc":                      "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
			strings.Repeat("abcd", 16): "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
		}
		for in, want := range cases {
			h := sm3.New()
			h.Write([]byte(in))
			if got := hex.EncodeToString(h.Sum(nil)); got != want {
				t.Errorf("SM3(%q) = %s, want %s", in, got, want)
			}
		}
	})
	t.Run("HMAC-SM3 (openssl dgst -sm3 -hmac)", func(t *testing.T) {
		h := NewHMACSM3([]byte("0123456789abcdef0123"))
		h.Write([]byte("abc"))
		if got := hex.EncodeToString(h.Sum(nil)); got != "318551056190ee6931827c201dffe27c8f87a2166de1ebc3d360b5b7d6450104" {
			t.Fatalf("HMAC-SM3 = %s", got)
		}
	})
}

func TestParseKey(t *testing.T) {
	cases := []struct{ in, want string }{
		{stdKey, ""},
		{strings.ToUpper(stdKey), ""},
		{"0123", "must be 32 hex characters (16 bytes), got 4 characters"},
		{stdKey + "00", "got 34 characters"},
		{"0123456789abcdeffedcba987654321g", "character 32 is not a hex digit"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			_, err := ParseKey(tc.in)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), tc.in) {
				t.Fatalf("error quotes the key: %v", err)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	values := []string{"x", "11010119900307777X", "13812345678", "张三丰", strings.Repeat("a", 16), strings.Repeat("长", 100)}
	for _, mode := range []Mode{CBC, ECB, GCM} {
		for _, enc := range []Encoding{Hex, Base64} {
			for _, id := range []string{"", "k2024"} {
				t.Run(string(mode)+"/"+string(enc)+"/"+id, func(t *testing.T) {
					c, err := NewCodec(mustKey(t, stdKey), mode, enc, id)
					if err != nil {
						t.Fatal(err)
					}
					wrong, _ := NewCodec(mustKey(t, key2), mode, enc, id)
					for _, v := range values {
						ct, err := c.Encrypt(nil, []byte(v))
						if err != nil {
							t.Fatal(err)
						}
						if id != "" && !strings.HasPrefix(string(ct), id+"$") {
							t.Fatalf("%s: no key id prefix", ct)
						}
						pt, err := c.DecryptText(string(ct))
						if err != nil || pt != v {
							t.Fatalf("decrypt(%s) = %q, %v; want %q", ct, pt, err, v)
						}
						if _, err := wrong.DecryptText(string(ct)); !errors.Is(err, ErrDecrypt) {
							t.Fatalf("wrong key: err = %v", err)
						}
						ct2, _ := c.Encrypt(nil, []byte(v))
						if same := bytes.Equal(ct, ct2); same != (mode == ECB) {
							t.Fatalf("two encryptions equal = %v in mode %s", same, mode)
						}
					}
				})
			}
		}
	}
}

func TestDecryptDamaged(t *testing.T) {
	for _, mode := range []Mode{CBC, ECB, GCM} {
		t.Run(string(mode), func(t *testing.T) {
			c, _ := NewCodec(mustKey(t, stdKey), mode, Hex, "")
			ct, _ := c.Encrypt(nil, []byte("11010119900307777X"))
			withID, _ := NewCodec(mustKey(t, stdKey), mode, Hex, "k2024")
			if _, err := withID.DecryptText("k9$" + string(ct)); err == nil || !strings.Contains(err.Error(), `key id "k9", expected "k2024"`) {
				t.Errorf("other key id: err = %v", err)
			}
			flipped := []byte(string(ct))
			flipped[len(flipped)-1] ^= 1 // last hex digit of the last byte
			for name, in := range map[string]string{
				"not hex":   "zz" + string(ct[2:]),
				"odd":       string(ct[:len(ct)-1]),
				"truncated": string(ct[:len(ct)-2]),
				"short":     "00",
				"flipped":   string(flipped),
			} {
				if _, err := c.DecryptText(in); !errors.Is(err, ErrDecrypt) {
					t.Errorf("%s: err = %v, want ErrDecrypt", name, err)
				}
			}
		})
	}
}

// FuzzDecrypt feeds damaged and arbitrary values to every decrypt path: the
// codec in each mode and encoding, with and without a key id, and the
// decrypt transform with a keys: map. Each must reject with ErrDecrypt,
// never panic, and a value that does decrypt must survive a round trip.
func FuzzDecrypt(f *testing.F) {
	k1, _ := ParseKey(stdKey)
	k2, _ := ParseKey(key2)
	var codecs []*Codec
	for _, m := range []Mode{CBC, ECB, GCM} {
		for _, e := range []Encoding{Hex, Base64} {
			for _, id := range []string{"", "k2024"} {
				c, err := NewCodec(k1, m, e, id)
				if err != nil {
					f.Fatal(err)
				}
				codecs = append(codecs, c)
				for _, v := range []string{"11010119900307777X", "", "张三", strings.Repeat("x", 16)} {
					ct, _ := c.Encrypt(nil, []byte(v))
					f.Add(string(ct), uint8(len(codecs)-1))
					if len(ct) > 3 {
						f.Add(string(ct[:len(ct)-3]), uint8(len(codecs)-1))
						damaged := bytes.Clone(ct)
						damaged[len(damaged)/2] ^= 0x01
						f.Add(string(damaged), uint8(len(codecs)-1))
					}
				}
			}
		}
	}
	f.Add("k2024$00", uint8(1))
	f.Add("$", uint8(3))
	f.Add("k2025$k2024$", uint8(200))
	f.Add("", uint8(2))
	// The transform with keys: picks the codec by prefix.
	dec := map[Mode]transform.Transform{}
	schema := xcetl.NewStringSchema([]string{"v"})
	for _, m := range []Mode{CBC, ECB, GCM} {
		root, err := config.Parse("p.yaml", []byte("transforms:\n  - decrypt: {fields: [v], mode: "+string(m)+", keys: {k2024: \""+stdKey+"\", k2025: \""+key2+"\"}}\n"), nil)
		if err != nil {
			f.Fatal(err)
		}
		if dec[m], err = transform.New(root.Get("transforms").Items[0], transform.Env{}); err != nil {
			f.Fatal(err)
		}
		if _, err := dec[m].Bind(schema); err != nil {
			f.Fatal(err)
		}
	}
	c2, _ := NewCodec(k2, GCM, Hex, "k2025")
	ct, _ := c2.Encrypt(nil, []byte("13812345678"))
	f.Add(string(ct), uint8(5))
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		c := codecs[int(which)%len(codecs)]
		out, err := c.DecryptText(s)
		if err != nil && !errors.Is(err, ErrDecrypt) {
			t.Fatalf("error does not wrap ErrDecrypt: %v", err)
		}
		if err != nil && strings.Contains(err.Error(), s) && len(s) > 20 {
			t.Fatalf("error quotes the value: %v", err)
		}
		if err == nil {
			// A value that decrypts must encrypt back to one that decrypts to the same.
			ct, _ := c.Encrypt(nil, []byte(out))
			if back, err := c.DecryptText(string(ct)); err != nil || back != out {
				t.Fatalf("round trip of %q failed: %v", out, err)
			}
		}
		if raw, err := c.Decrypt(nil, []byte(s)); err != nil && !errors.Is(err, ErrDecrypt) || err == nil && !bytes.Equal(raw, []byte(out)) && utf8.Valid(raw) {
			t.Fatalf("Decrypt = %q, %v", raw, err)
		}
		tr := dec[[]Mode{CBC, ECB, GCM}[int(which)%3]]
		b := &xcetl.Batch{Schema: schema, Rows: [][]any{{s}}, Origin: make([]xcetl.Origin, 1)}
		if err := tr.Apply(context.Background(), b); err != nil {
			t.Fatalf("Apply error (must reject instead): %v", err)
		}
		if b.Marked(0) {
			b.Compact()
			if len(b.Rejects) != 1 || !strings.HasPrefix(b.Rejects[0].Reason, "decrypt v: cannot decrypt") {
				t.Fatalf("rejects %+v", b.Rejects)
			}
		} else if s != "" && !strings.HasPrefix(s, "k2024$") && !strings.HasPrefix(s, "k2025$") {
			t.Fatalf("%q decrypted without a known key id", s)
		}
	})
}

func TestOpenSSLInterop(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is required in CI")
		}
		t.Skip("openssl not installed")
	}
	plain := "11010119900307777X 张三"
	for _, mode := range []Mode{CBC, ECB} {
		t.Run(string(mode), func(t *testing.T) {
			c, _ := NewCodec(mustKey(t, stdKey), mode, Hex, "")
			ct, _ := c.Encrypt(nil, []byte(plain))
			raw, _ := hex.DecodeString(string(ct))
			args := []string{"enc", "-d", "-sm4-" + string(mode), "-K", stdKey}
			if mode == CBC {
				args = append(args, "-iv", hex.EncodeToString(raw[:16]))
				raw = raw[16:]
			}
			cmd := exec.Command("openssl", args...)
			cmd.Stdin = bytes.NewReader(raw)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("openssl %v: %v\n%s", args, err, out)
			}
			if string(out) != plain {
				t.Fatalf("openssl decrypted %q, want %q", out, plain)
			}
			// And the other way: what openssl encrypts, the codec decrypts.
			args[1] = "-e"
			cmd = exec.Command("openssl", args...)
			cmd.Stdin = strings.NewReader(plain)
			out, err = cmd.Output()
			if err != nil {
				t.Fatalf("openssl encrypt: %v", err)
			}
			text := hex.EncodeToString(out)
			if mode == CBC {
				text = hex.EncodeToString(raw[:0]) + args[len(args)-1] + text
			}
			got, err := c.DecryptText(text)
			if err != nil || got != plain {
				t.Fatalf("decrypt openssl output = %q, %v", got, err)
			}
		})
	}
	t.Run("hmac-sm3", func(t *testing.T) {
		key := "0123456789abcdef-secret"
		cmd := exec.Command("openssl", "dgst", "-sm3", "-hmac", key)
		cmd.Stdin = strings.NewReader(plain)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		h := NewHMACSM3([]byte(key))
		h.Write([]byte(plain))
		if want := hex.EncodeToString(h.Sum(nil)); !strings.HasSuffix(strings.TrimSpace(string(out)), want) {
			t.Fatalf("openssl: %s, we: %s", out, want)
		}
		if fast := hex.EncodeToString(newHMACSM3([]byte(key)).sum(nil, []byte(plain))); !strings.HasSuffix(strings.TrimSpace(string(out)), fast) {
			t.Fatalf("openssl: %s, the transform's HMAC: %s", out, fast)
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	c, _ := NewCodec(mustKey(t, stdKey), CBC, Hex, "")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				v := strings.Repeat(string(rune('a'+g)), i%40+1)
				ct, err := c.Encrypt(nil, []byte(v))
				if err == nil {
					var pt string
					if pt, err = c.DecryptText(string(ct)); err == nil && pt != v {
						err = errors.New("mismatch: " + pt + " vs " + v)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.key")
	open := filepath.Join(dir, "open.key")
	os.WriteFile(good, []byte(stdKey+"\n"), 0o600)
	os.WriteFile(open, []byte(stdKey+"\n"), 0o644)
	os.Chmod(open, 0o644)
	if s, err := ReadKeyFile(good); err != nil || s != stdKey {
		t.Fatalf("good: %q, %v", s, err)
	}
	_, err := ReadKeyFile(open)
	if err == nil || !strings.Contains(err.Error(), "chmod 600 "+open) || !strings.Contains(err.Error(), "0644") {
		t.Fatalf("open: %v", err)
	}
	if strings.Contains(err.Error(), stdKey) {
		t.Fatal("error quotes the key")
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file accepted")
	}
}

// ---- transforms ----

func newFromYAML(t *testing.T, src string, vars map[string]string) (transform.Transform, error) {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte(src), func(n string) (string, bool) { v, ok := vars[n]; return v, ok })
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return transform.New(root.Get("transforms").Items[0], transform.Env{})
}

func mustNew(t *testing.T, src string, vars map[string]string) transform.Transform {
	t.Helper()
	tr, err := newFromYAML(t, src, vars)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	openKey := filepath.Join(dir, "open.key")
	os.WriteFile(openKey, []byte(stdKey), 0o600)
	os.Chmod(openKey, 0o640)
	vars := map[string]string{"K": stdKey, "SHORT": "abcd1234", "BAD": "0123456789abcdeffedcba98765432zz", "EMPTY": ""}
	cases := []struct{ name, src, want string }{
		{"no key", "transforms:\n  - encrypt: {fields: [id_card]}\n", `p.yaml:2:14: transforms[0].encrypt: encrypt needs key (32 hex characters`},
		{"short key", "transforms:\n  - encrypt: {fields: [id_card], key: \"${SHORT}\"}\n", `transforms[0].encrypt.key: encrypt: key: an SM4 key must be 32 hex characters (16 bytes), got 8 characters`},
		{"non-hex key", "transforms:\n  - encrypt: {fields: [id_card], key: \"${BAD}\"}\n", `encrypt: key: an SM4 key must be 32 hex characters; character 31 is not a hex digit`},
		{"empty env", "transforms:\n  - encrypt: {fields: [id_card], key: \"${EMPTY}\"}\n", `encrypt: key is empty`},
		{"bad mode", "transforms:\n  - encrypt: {fields: [a], key: \"${K}\", mode: cfb}\n", `transforms[0].encrypt.mode: unknown mode "cfb"; one of: cbc (16-byte random IV`},
		{"bad encoding", "transforms:\n  - encrypt: {fields: [a], key: \"${K}\", encoding: base32}\n", `unknown encoding "base32"`},
		{"typo", "transforms:\n  - encrypt: {fields: [a], key: \"${K}\", key_fille: x}\n", `unknown key "key_fille" (did you mean "key_file"?)`},
		{"no fields", "transforms:\n  - encrypt: {key: \"${K}\"}\n", `missing required key "fields"`},
		{"bad key id", "transforms:\n  - encrypt: {fields: [a], key: \"${K}\", key_id: \"k$1\"}\n", `key_id "k$1": use only letters`},
		{"open key file", "transforms:\n  - encrypt: {fields: [a], key_file: " + openKey + "}\n", `has mode 0640: group and others must have no access; run ` + "`chmod 600 " + openKey},
		{"keys on encrypt", "transforms:\n  - encrypt: {fields: [a], key: \"${K}\", keys: {a: \"${K}\"}}\n", `keys: is for decrypt`},
		{"keys and key", "transforms:\n  - decrypt: {fields: [a], key: \"${K}\", keys: {a: \"${K}\"}}\n", `give either keys:`},
		{"bad key in keys", "transforms:\n  - decrypt: {fields: [a], keys: {k1: \"${K}\", k2: \"${SHORT}\"}}\n", `transforms[0].decrypt.keys.k2: decrypt: key "k2": an SM4 key must be 32 hex characters`},
		{"hash without key", "transforms:\n  - hash: {fields: {id_card: h}}\n", `hash needs key or key_file for HMAC-SM3`},
		{"hash short key", "transforms:\n  - hash: {fields: {id_card: h}, key: \"${SHORT}\"}\n", `the HMAC key must be at least 16 bytes, got 8`},
		{"hash sm3 with key", "transforms:\n  - hash: {fields: [id_card], key: \"${K}\", algorithm: sm3}\n", `algorithm: sm3 is unkeyed`},
		{"hash key and file", "transforms:\n  - hash: {fields: [id_card], key: \"${K}\", key_file: k.txt}\n", `transforms[0].hash.key_file: give key or key_file, not both`},
		{"hash empty column", "transforms:\n  - hash: {fields: {id_card: \"\"}, key: \"${K}\"}\n", `transforms[0].hash.fields.id_card: expected the output column for "id_card"`},
		{"fields listed twice", "transforms:\n  - encrypt: {fields: [a, a], key: \"${K}\"}\n", `p.yaml:2:27: transforms[0].encrypt.fields[1]: column "a" is listed twice`},
		{"decrypt type", "transforms:\n  - decrypt: {fields: [a], key: \"${K}\", type: byte}\n", `transforms[0].decrypt.type: unknown type "byte" (did you mean "bytes"?); one of: string (the plaintext must be UTF-8 text), bytes`},
		{"hash bad algorithm", "transforms:\n  - hash: {fields: [id_card], algorithm: md5}\n", `unknown algorithm "md5"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newFromYAML(t, tc.src, vars)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
			if !errors.Is(err, xcetl.ErrInvalid) {
				t.Fatal("not ErrInvalid")
			}
			for _, secret := range []string{stdKey, vars["SHORT"], vars["BAD"]} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error shows a key: %v", err)
				}
			}
		})
	}
}

func batchOf(names []string, rows ...[]any) *xcetl.Batch {
	b := &xcetl.Batch{Schema: xcetl.NewStringSchema(names), Rows: rows}
	for i := range rows {
		b.Origin = append(b.Origin, xcetl.Origin{File: "a.csv", Line: i + 2})
	}
	return b
}

func apply(t *testing.T, tr transform.Transform, b *xcetl.Batch) {
	t.Helper()
	if _, err := tr.Bind(b.Schema); err != nil {
		t.Fatal(err)
	}
	if err := tr.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

func TestEncryptDecryptTransforms(t *testing.T) {
	vars := map[string]string{"K1": stdKey, "K2": key2}
	names := []string{"id", "id_card", "phone"}
	for _, mode := range []string{"cbc", "ecb", "gcm"} {
		t.Run(mode, func(t *testing.T) {
			enc := mustNew(t, "transforms:\n  - encrypt: {fields: [id_card, phone], key: \"${K1}\", key_id: k2024, mode: "+mode+"}\n", vars)
			b := batchOf(names, []any{"1", "11010119900307777X", "13812345678"}, []any{"2", nil, ""})
			apply(t, enc, b)
			ct := b.Rows[0][1].(string)
			if !strings.HasPrefix(ct, "k2024$") || b.Rows[1][1] != nil || b.Rows[1][2] != "" || b.Rows[0][0] != "1" {
				t.Fatalf("encrypted rows = %v", b.Rows)
			}
			if d := enc.(transform.Describer).Describe(); d != "encrypt id_card, phone (sm4-"+mode+", hex, key [redacted], key_id k2024)" || strings.Contains(d, stdKey) {
				t.Fatalf("Describe = %q", d)
			}
			dec := mustNew(t, "transforms:\n  - decrypt: {fields: [id_card, phone], keys: {k2025: \"${K2}\", k2024: \"${K1}\"}, mode: "+mode+"}\n", vars)
			// A row with a damaged value and one with an unknown key id.
			b.Rows = append(b.Rows, []any{"3", ct[:len(ct)-4], "x"}, []any{"4", "k1999$" + ct[6:], "x"})
			b.Origin = append(b.Origin, xcetl.Origin{Line: 4}, xcetl.Origin{Line: 5})
			b.Schema = xcetl.NewStringSchema(names)
			apply(t, dec, b)
			if b.Rows[0][1] != "11010119900307777X" || b.Rows[0][2] != "13812345678" {
				t.Fatalf("decrypted = %v", b.Rows[0])
			}
			if !b.Marked(2) || !b.Marked(3) || b.Marked(0) || b.Marked(1) {
				t.Fatalf("marks wrong: %v", b.Rows)
			}
			b.Compact()
			if len(b.Rejects) != 2 || !strings.HasPrefix(b.Rejects[0].Reason, "decrypt id_card: cannot decrypt") ||
				!strings.Contains(b.Rejects[1].Reason, `unknown key id "k1999" (keys: has k2024, k2025)`) {
				t.Fatalf("rejects = %+v", b.Rejects)
			}
			// The wrong single key rejects.
			wrong := mustNew(t, "transforms:\n  - decrypt: {fields: [id_card], key: \"${K2}\", mode: "+mode+"}\n", vars)
			b2 := batchOf(names, []any{"1", ct, nil})
			apply(t, wrong, b2)
			if !b2.Marked(0) {
				t.Fatalf("wrong key decrypted to %q", b2.Rows[0][1])
			}
		})
	}
}

func TestEncryptTypedColumn(t *testing.T) {
	enc := mustNew(t, "transforms:\n  - encrypt: {fields: [n], key: \"${K}\"}\n", map[string]string{"K": stdKey})
	in := &xcetl.Schema{Columns: []xcetl.Column{{Name: "n", Type: xcetl.Type{Kind: xcetl.KindInt}}}}
	out, err := enc.Bind(in)
	if err != nil || out.Columns[0].Type.Kind != xcetl.KindString || in.Columns[0].Type.Kind != xcetl.KindInt {
		t.Fatalf("Bind: %v %v", out, err)
	}
	b := &xcetl.Batch{Schema: in, Rows: [][]any{{int64(42)}}}
	if err := enc.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	k, _ := ParseKey(stdKey)
	c, _ := NewCodec(k, CBC, Hex, "")
	if pt, err := c.DecryptText(b.Rows[0][0].(string)); err != nil || pt != "42" {
		t.Fatalf("decrypted %q, %v", pt, err)
	}
}

func TestHashTransform(t *testing.T) {
	vars := map[string]string{"H": "0123456789abcdef0123"}
	tr := mustNew(t, "transforms:\n  - hash: {fields: {id_card: id_card_sm3, name: name}, key: \"${H}\"}\n", vars)
	b := batchOf([]string{"id_card", "name"}, []any{"abc", "abc"}, []any{nil, ""})
	apply(t, tr, b)
	want := "318551056190ee6931827c201dffe27c8f87a2166de1ebc3d360b5b7d6450104"
	if len(b.Schema.Columns) != 3 || b.Schema.Columns[2].Name != "id_card_sm3" {
		t.Fatalf("schema = %v", b.Schema.Names())
	}
	if b.Rows[0][0] != "abc" || b.Rows[0][1] != want || b.Rows[0][2] != want {
		t.Fatalf("row 0 = %v", b.Rows[0])
	}
	if b.Rows[1][1] != "" || b.Rows[1][2] != nil {
		t.Fatalf("row 1 = %v", b.Rows[1])
	}
	if d := tr.(transform.Describer).Describe(); strings.Contains(d, vars["H"]) || !strings.Contains(d, "hmac-sm3") {
		t.Fatalf("Describe = %q", d)
	}
	plain := mustNew(t, "transforms:\n  - hash: {fields: [v], algorithm: sm3}\n", nil)
	b = batchOf([]string{"v"}, []any{"abc"})
	apply(t, plain, b)
	if b.Rows[0][0] != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Fatalf("sm3 = %v", b.Rows[0][0])
	}
}

func TestKeyFileTransform(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sm4.key")
	os.WriteFile(p, []byte(stdKey+"\n"), 0o600)
	root, _ := config.Parse("p.yaml", []byte("transforms:\n  - encrypt: {fields: [a], key_file: sm4.key}\n"), nil)
	tr, err := transform.New(root.Get("transforms").Items[0], transform.Env{BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if d := tr.(transform.Describer).Describe(); !strings.Contains(d, "key from file "+p) {
		t.Fatalf("Describe = %q", d)
	}
}

func mustNode(t testing.TB, flow string) *config.Node {
	t.Helper()
	root, err := config.Parse("p.yaml", []byte("x: "+flow+"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return root.Get("x")
}

func transformNew(item *config.Node) (transform.Transform, error) {
	return transform.New(item, transform.Env{})
}

func TestKeyIDRequired(t *testing.T) {
	plain, _ := NewCodec(mustKey(t, stdKey), CBC, Hex, "")
	withID, _ := NewCodec(mustKey(t, stdKey), CBC, Hex, "k2024")
	ct, _ := plain.Encrypt(nil, []byte("x"))
	if _, err := withID.DecryptText(string(ct)); err == nil || !strings.Contains(err.Error(), "no key id prefix, expected k2024$") {
		t.Fatalf("err = %v", err)
	}
	if _, err := withID.Decrypt(nil, ct); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Decrypt err = %v", err)
	}
	// A codec without a key id reads values with any prefix.
	if pt, err := plain.DecryptText("k7$" + string(ct)); err != nil || pt != "x" {
		t.Fatalf("%q %v", pt, err)
	}
}

func TestSM3SumAppends(t *testing.T) {
	// gmsm's own Sum(b) hashes b; ours must append the digest to b.
	h := NewSM3()
	h.Write([]byte("abc"))
	got := h.Sum([]byte("prefix"))
	if string(got[:6]) != "prefix" || hex.EncodeToString(got[6:]) != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Fatalf("Sum(prefix) = %x", got)
	}
	// Sum does not change the state.
	if again := h.Sum(nil); hex.EncodeToString(again) != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Fatalf("second Sum = %x", again)
	}
	m := NewHMACSM3([]byte("0123456789abcdef0123"))
	m.Write([]byte("abc"))
	if got := m.Sum([]byte{1, 2}); hex.EncodeToString(got) != "0102318551056190ee6931827c201dffe27c8f87a2166de1ebc3d360b5b7d6450104" {
		t.Fatalf("HMAC Sum(prefix) = %x", got)
	}
}

func TestEncodedLen(t *testing.T) {
	for _, mode := range []Mode{CBC, ECB, GCM} {
		for _, enc := range []Encoding{Hex, Base64} {
			for _, id := range []string{"", "k2024"} {
				c, _ := NewCodec(mustKey(t, stdKey), mode, enc, id)
				for n := 0; n <= 70; n++ {
					ct, err := c.Encrypt(nil, bytes.Repeat([]byte{'a'}, n))
					if err != nil || len(ct) != c.EncodedLen(n) {
						t.Fatalf("%s/%s/%q: %d bytes give %d characters, EncodedLen says %d (%v)", mode, enc, id, n, len(ct), c.EncodedLen(n), err)
					}
				}
			}
		}
	}
}

// TestEncryptLargeBatch crosses the transform's 64 KiB output buffers and
// checks that the strings of one batch do not change when the next batch
// is encrypted (they point into buffers that must never be reused).
func TestEncryptLargeBatch(t *testing.T) {
	for _, mode := range []string{"cbc", "ecb", "gcm"} {
		t.Run(mode, func(t *testing.T) {
			enc := mustNew(t, "transforms:\n  - encrypt: {fields: [a, b], key: \"${K}\", mode: "+mode+", encoding: base64}\n", map[string]string{"K": stdKey})
			c, _ := NewCodec(mustKey(t, stdKey), Mode(mode), Base64, "")
			mk := func(seed int) *xcetl.Batch {
				b := batchOf([]string{"a", "b"})
				for i := range 3000 {
					b.Rows = append(b.Rows, []any{fmt.Sprintf("%d-%d-%s", seed, i, strings.Repeat("x", i%50)), "长" + strconv.Itoa(i)})
				}
				return b
			}
			b1 := mk(1)
			apply(t, enc, b1)
			saved := make([]string, 0, 2*len(b1.Rows))
			for _, r := range b1.Rows {
				saved = append(saved, strings.Clone(r[0].(string)), strings.Clone(r[1].(string)))
			}
			b2 := mk(2)
			if _, err := enc.Bind(b2.Schema); err != nil {
				t.Fatal(err)
			}
			if err := enc.Apply(context.Background(), b2); err != nil {
				t.Fatal(err)
			}
			for i, r := range b1.Rows {
				if r[0] != saved[2*i] || r[1] != saved[2*i+1] {
					t.Fatalf("row %d of the first batch changed", i)
				}
				want := fmt.Sprintf("1-%d-%s", i, strings.Repeat("x", i%50))
				if pt, err := c.DecryptText(r[0].(string)); err != nil || pt != want {
					t.Fatalf("row %d: %q, %v", i, pt, err)
				}
				if pt, err := c.DecryptText(r[1].(string)); err != nil || pt != "长"+strconv.Itoa(i) {
					t.Fatalf("row %d: %q, %v", i, pt, err)
				}
			}
		})
	}
}

func TestDecryptKeysForms(t *testing.T) {
	dir := t.TempDir()
	kf := filepath.Join(dir, "k2025.hex")
	os.WriteFile(kf, []byte(key2+"\n"), 0o600)
	vars := map[string]string{"K1": stdKey}
	c1, _ := NewCodec(mustKey(t, stdKey), CBC, Hex, "k2024")
	c2, _ := NewCodec(mustKey(t, key2), CBC, Hex, "k2025")
	v1, _ := c1.Encrypt(nil, []byte("11010519491231002X"))
	v2, _ := c2.Encrypt(nil, []byte("13812345678"))
	root, err := config.Parse("p.yaml", []byte("transforms:\n  - decrypt: {fields: [a], keys: {k2024: \"${K1}\", k2025: {key_file: k2025.hex}}}\n"),
		func(n string) (string, bool) { v, ok := vars[n]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	dec, err := transform.New(root.Get("transforms").Items[0], transform.Env{BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b := batchOf([]string{"a"}, []any{string(v1)}, []any{string(v2)}, []any{"11010519491231002X"}, []any{"a b$c"}, []any{"k2024$" + string(v2[6:])})
	apply(t, dec, b)
	if b.Rows[0][0] != "11010519491231002X" || b.Rows[1][0] != "13812345678" {
		t.Fatalf("rows %v", b.Rows)
	}
	b.Compact()
	want := []string{
		"decrypt a: cannot decrypt: the value has no key id prefix (expected one of k2024, k2025 followed by $)",
		"decrypt a: cannot decrypt: the text before $ is not a key id (keys: has k2024, k2025)",
		"decrypt a: cannot decrypt: ",
	}
	if len(b.Rejects) != 3 {
		t.Fatalf("rejects %+v", b.Rejects)
	}
	for i, w := range want {
		if !strings.HasPrefix(b.Rejects[i].Reason, w) {
			t.Errorf("reject %d = %q, want %q…", i, b.Rejects[i].Reason, w)
		}
	}
	if d := dec.(transform.Describer).Describe(); d != "decrypt a (sm4-cbc, hex, key ids k2024, k2025 [keys redacted])" {
		t.Errorf("Describe = %q", d)
	}

	for name, src := range map[string]string{
		"null key":      "transforms:\n  - decrypt: {fields: [a], keys: {k1: }}\n",
		"list":          "transforms:\n  - decrypt: {fields: [a], keys: [a]}\n",
		"typo in entry": "transforms:\n  - decrypt: {fields: [a], keys: {k1: {key_fil: x}}}\n",
		"open file":     "transforms:\n  - decrypt: {fields: [a], keys: {k1: {key_file: " + kf + "}}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if name == "open file" {
				os.Chmod(kf, 0o604)
				defer os.Chmod(kf, 0o600)
			}
			_, err := newFromYAML(t, src, vars)
			wants := map[string]string{
				"null key":      `decrypt: key "k1": key is empty`,
				"list":          `transforms[0].decrypt.keys: expected a mapping, got a list (e.g. keys: {k2024: "${K2024}"`,
				"typo in entry": `unknown key "key_fil" (did you mean "key_file"?)`,
				"open file":     `decrypt: key "k1": key file ` + kf + ` has mode 0604`,
			}
			if err == nil || !strings.Contains(err.Error(), wants[name]) || !errors.Is(err, xcetl.ErrInvalid) {
				t.Fatalf("err = %v, want %q", err, wants[name])
			}
		})
	}
}

func TestDecryptTypeBytes(t *testing.T) {
	vars := map[string]string{"K": stdKey}
	enc := mustNew(t, "transforms:\n  - encrypt: {fields: [photo], key: \"${K}\", mode: gcm}\n", vars)
	in := &xcetl.Schema{Columns: []xcetl.Column{{Name: "photo", Type: xcetl.Type{Kind: xcetl.KindBytes}}}}
	raw := []byte{0xff, 0xd8, 0xff, 0x00, 0x10}
	b := &xcetl.Batch{Schema: in, Rows: [][]any{{bytes.Clone(raw)}, {[]byte{}}}, Origin: make([]xcetl.Origin, 2)}
	if _, err := enc.Bind(in); err != nil {
		t.Fatal(err)
	}
	if err := enc.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	ct := b.Rows[0][0].(string)
	// The default type (string) refuses a plaintext that is not text.
	asText := mustNew(t, "transforms:\n  - decrypt: {fields: [photo], key: \"${K}\", mode: gcm}\n", vars)
	bt := batchOf([]string{"photo"}, []any{ct})
	apply(t, asText, bt)
	bt.Compact()
	if len(bt.Rejects) != 1 || !strings.Contains(bt.Rejects[0].Reason, "not UTF-8 text (wrong key? for binary values use type: bytes)") {
		t.Fatalf("rejects %+v", bt.Rejects)
	}
	asBytes := mustNew(t, "transforms:\n  - decrypt: {fields: [photo], key: \"${K}\", mode: gcm, type: bytes}\n", vars)
	bb := batchOf([]string{"photo"}, []any{ct}, []any{""})
	out, err := asBytes.Bind(bb.Schema)
	if err != nil || out.Columns[0].Type.Kind != xcetl.KindBytes {
		t.Fatalf("Bind %v %v", out, err)
	}
	if err := asBytes.Apply(context.Background(), bb); err != nil {
		t.Fatal(err)
	}
	if got, ok := bb.Rows[0][0].([]byte); !ok || !bytes.Equal(got, raw) || bb.Rows[1][0] != "" {
		t.Fatalf("decrypted %#v", bb.Rows)
	}
	if _, err := newFromYAML(t, "transforms:\n  - decrypt: {fields: [a], key: \"${K}\", type: blob}\n", vars); err == nil || !strings.Contains(err.Error(), `unknown type "blob"`) {
		t.Fatalf("type blob: %v", err)
	}
	if _, err := newFromYAML(t, "transforms:\n  - encrypt: {fields: [a], key: \"${K}\", type: bytes}\n", vars); err == nil || !strings.Contains(err.Error(), "type: is for decrypt") {
		t.Fatalf("encrypt type: %v", err)
	}
}

func TestHashDuplicateOutput(t *testing.T) {
	_, err := newFromYAML(t, "transforms:\n  - hash: {fields: {a: h, b: h}, key: \"${H}\"}\n", map[string]string{"H": "0123456789abcdef0123"})
	if err == nil || !strings.Contains(err.Error(), `column "h" receives two hashes`) {
		t.Fatalf("err = %v", err)
	}
}

// TestLiteralKeyWarning: a key written in the file works but is logged as
// a warning that names the place, never the key.
func TestLiteralKeyWarning(t *testing.T) {
	var logs bytes.Buffer
	env := transform.Env{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	for _, src := range []string{
		"transforms:\n  - encrypt: {fields: [a], key: " + stdKey + "}\n",
		"transforms:\n  - decrypt: {fields: [a], keys: {k1: " + stdKey + "}}\n",
		"transforms:\n  - hash: {fields: [a], key: " + stdKey + "}\n",
	} {
		logs.Reset()
		root, err := config.Parse("p.yaml", []byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := transform.New(root.Get("transforms").Items[0], env); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "the key is written in the pipeline file") || !strings.Contains(logs.String(), "p.yaml:2:") ||
			strings.Contains(logs.String(), stdKey) {
			t.Fatalf("%s: log = %q", src, logs.String())
		}
	}
	logs.Reset()
	root, _ := config.Parse("p.yaml", []byte("transforms:\n  - encrypt: {fields: [a], key: \"${K}\"}\n"), func(string) (string, bool) { return stdKey, true })
	if _, err := transform.New(root.Get("transforms").Items[0], env); err != nil || logs.Len() != 0 {
		t.Fatalf("${K}: %v, log %q", err, logs.String())
	}
}

// TestFastHMACSM3 checks the transform's HMAC-SM3 against crypto/hmac over
// SM3 for keys and messages of every length around the block size.
func TestFastHMACSM3(t *testing.T) {
	rnd := mrand.New(mrand.NewPCG(1, 2))
	for _, kl := range []int{1, 16, 32, 63, 64, 65, 100} {
		key := make([]byte, kl)
		for i := range key {
			key[i] = byte(rnd.IntN(256))
		}
		fast := newHMACSM3(key)
		for ml := 0; ml <= 130; ml++ {
			msg := make([]byte, ml)
			for i := range msg {
				msg[i] = byte(rnd.IntN(256))
			}
			ref := NewHMACSM3(key)
			ref.Write(msg)
			want := ref.Sum(nil)
			if got := fast.sum([]byte("p"), msg); !bytes.Equal(got[1:], want) || got[0] != 'p' {
				t.Fatalf("key %d, msg %d bytes: %x, want %x", kl, ml, got[1:], want)
			}
		}
	}
}

// TestFixedIVOnlyUnderItsContext: under the context of `xcetl test`
// (internal/fixediv) encryption is deterministic, and still decrypts;
// under any other context every value gets a fresh IV.
func TestFixedIVOnlyUnderItsContext(t *testing.T) {
	vars := map[string]string{"K": stdKey}
	for _, mode := range []string{"cbc", "gcm"} {
		enc := mustNew(t, "transforms:\n  - encrypt: {fields: [a], key: \"${K}\", mode: "+mode+"}\n", vars)
		dec := mustNew(t, "transforms:\n  - decrypt: {fields: [a], key: \"${K}\", mode: "+mode+"}\n", vars)
		in := xcetl.NewStringSchema([]string{"a"})
		if _, err := enc.Bind(in); err != nil {
			t.Fatal(err)
		}
		out, _ := dec.Bind(in)
		run := func(ctx context.Context) string {
			b := &xcetl.Batch{Schema: in, Rows: [][]any{{"11010519491231002X"}}}
			if err := enc.Apply(ctx, b); err != nil {
				t.Fatal(err)
			}
			ct := b.Rows[0][0].(string)
			d := &xcetl.Batch{Schema: out, Rows: [][]any{{ct}}}
			if err := dec.Apply(ctx, d); err != nil || d.Rows[0][0] != "11010519491231002X" {
				t.Fatalf("%s: decrypt: %v %v", mode, d.Rows[0][0], err)
			}
			return ct
		}
		fixed := fixediv.With(context.Background(), []byte("0123456789abcdef"))
		if a, b := run(fixed), run(fixed); a != b {
			t.Errorf("%s under the fixed IV: %s then %s", mode, a, b)
		}
		if a, b := run(context.Background()), run(context.Background()); a == b {
			t.Errorf("%s without it: the same ciphertext twice (%s)", mode, a)
		}
	}
}
