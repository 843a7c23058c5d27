package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

const testSM4Key = "0123456789abcdeffedcba9876543210"

// runSM4 runs `sm4 ARGS` on a root built like Main's and returns stdout,
// stderr and the exit code Main would give.
func runSM4(t *testing.T, stdin string, args ...string) (string, int, error) {
	t.Helper()
	var out, errw bytes.Buffer
	g := &globals{stdout: &out, stderr: &errw, stdin: strings.NewReader(stdin)}
	root := &cobra.Command{Use: "xcetl", SilenceUsage: true, SilenceErrors: true}
	root.SetArgs(append([]string{"sm4"}, args...))
	root.SetOut(&out)
	root.SetErr(&errw)
	root.AddCommand(sm4Cmd(g))
	err := root.Execute()
	code := exitOK
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		code = exitInvalid
	}
	return out.String(), code, err
}

func TestSM4RoundTrip(t *testing.T) {
	in := "11010519491231002X\n\n13812345678\r\n张三"
	for _, mode := range []string{"cbc", "ecb", "gcm"} {
		for _, enc := range []string{"hex", "base64"} {
			t.Run(mode+"/"+enc, func(t *testing.T) {
				ct, code, err := runSM4(t, in, "encrypt", "--key", testSM4Key, "--mode", mode, "--encoding", enc, "--key-id", "k1")
				if code != 0 {
					t.Fatalf("encrypt: %d %v", code, err)
				}
				lines := strings.Split(ct, "\n")
				if len(lines) != 5 || lines[1] != "" || lines[4] != "" || !strings.HasPrefix(lines[0], "k1$") {
					t.Fatalf("encrypt output %q", ct)
				}
				pt, code, err := runSM4(t, ct, "decrypt", "--key", testSM4Key, "--mode", mode, "--encoding", enc)
				if code != 0 || pt != "11010519491231002X\n\n13812345678\n张三\n" {
					t.Fatalf("decrypt = %q, %d %v", pt, code, err)
				}
			})
		}
	}
}

func TestSM4Errors(t *testing.T) {
	t.Setenv("XCETL_SM4_KEY", "")
	dir := t.TempDir()
	open := filepath.Join(dir, "k")
	os.WriteFile(open, []byte(testSM4Key), 0o600)
	os.Chmod(open, 0o644)
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"short key", "x\n", []string{"encrypt", "--key", "abcdef12"}, 2, "sm4 encrypt: --key: an SM4 key must be 32 hex characters (16 bytes), got 8 characters"},
		{"non-hex key", "x\n", []string{"decrypt", "--key", strings.Repeat("g", 32)}, 2, "character 1 is not a hex digit"},
		{"no key", "x\n", []string{"encrypt"}, 2, "no key: give --key, --key-file or set XCETL_SM4_KEY"},
		{"open key file", "x\n", []string{"encrypt", "--key-file", open}, 2, "chmod 600"},
		{"bad mode", "x\n", []string{"encrypt", "--key", testSM4Key, "--mode", "cfb"}, 2, `unknown mode "cfb"`},
		{"wrong key", "509464555e170a91d4dd8ff754711dee9ec0cbd23ed8a969db536761cb41fddb\n", []string{"decrypt", "--key", "00112233445566778899aabbccddeeff", "--mode", "ecb"}, 1, "stdin line 1: cannot decrypt"},
		{"damaged", "ok\nzz\n", []string{"decrypt", "--key", testSM4Key}, 1, "stdin line 1: cannot decrypt: not hex-encoded"},
		{"no subcommand", "", nil, 2, "use `xcetl sm4 encrypt`"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, code, err := runSM4(t, tc.stdin, tc.args...)
			if code != tc.code || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("code %d, err %v; want %d, %q", code, err, tc.code, tc.want)
			}
			if strings.Contains(err.Error(), testSM4Key) || strings.Contains(err.Error(), "abcdef12") {
				t.Fatalf("error shows the key: %v", err)
			}
		})
	}
}

func TestSM4Keygen(t *testing.T) {
	a, code, _ := runSM4(t, "", "keygen")
	b, _, _ := runSM4(t, "", "keygen")
	if code != 0 || !regexp.MustCompile(`^[0-9a-f]{32}\n$`).MatchString(a) || a == b {
		t.Fatalf("keygen: %q %q", a, b)
	}
}

// TestSM4OpenSSL: what `xcetl sm4 encrypt` writes, openssl decrypts.
func TestSM4OpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is required in CI")
		}
		t.Skip("openssl not installed")
	}
	ct, _, err := runSM4(t, "11010519491231002X\n", "encrypt", "--key", testSM4Key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(strings.TrimSpace(ct))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("openssl", "enc", "-d", "-sm4-cbc", "-K", testSM4Key, "-iv", hex.EncodeToString(raw[:16]))
	cmd.Stdin = bytes.NewReader(raw[16:])
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "11010519491231002X" {
		t.Fatalf("openssl: %q, %v", out, err)
	}
}
