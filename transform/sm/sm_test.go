package sm

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tjfoc/gmsm/sm3"
	"github.com/tjfoc/gmsm/sm4"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
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

func FuzzDecrypt(f *testing.F) {
	k, _ := ParseKey(stdKey)
	codecs := map[Mode]*Codec{}
	for _, m := range []Mode{CBC, ECB, GCM} {
		codecs[m], _ = NewCodec(k, m, Hex, "")
		ct, _ := codecs[m].Encrypt(nil, []byte("11010119900307777X"))
		f.Add(string(ct), uint8(0))
	}
	f.Add("k2024$00", uint8(1))
	f.Add("", uint8(2))
	f.Fuzz(func(t *testing.T, s string, m uint8) {
		c := codecs[[]Mode{CBC, ECB, GCM}[int(m)%3]]
		out, err := c.DecryptText(s)
		if err != nil && !errors.Is(err, ErrDecrypt) {
			t.Fatalf("error does not wrap ErrDecrypt: %v", err)
		}
		if err == nil {
			// A value that decrypts must encrypt back to one that decrypts to the same.
			ct, _ := c.Encrypt(nil, []byte(out))
			if back, err := c.DecryptText(string(ct)); err != nil || back != out {
				t.Fatalf("round trip of %q failed: %v", out, err)
			}
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
		{"bad mode", "transforms:\n  - encrypt: {fields: [a], key: \"${K}\", mode: cfb}\n", `transforms[0].encrypt.mode: unknown mode "cfb": use cbc, ecb or gcm`},
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

func transformEnv() transform.Env { return transform.Env{} }

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
