package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/xcetl/xcetl/transform/sm"
)

// sm4Cmd is `xcetl sm4 encrypt|decrypt|keygen`, for operators who check
// protected values by hand. It reads and writes exactly the format of the
// encrypt and decrypt transforms.
func sm4Cmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "sm4",
		Short: "encrypt or decrypt values (one per line on stdin) the way the encrypt transform does; make keys",
		Long: "xcetl sm4 encrypt|decrypt reads one value per line on stdin and writes one per line on stdout,\n" +
			"in the format of the encrypt transform (docs/security.md). The key comes from --key, --key-file\n" +
			"or the environment variable XCETL_SM4_KEY (preferred: a --key is visible in the process list).\n" +
			"Empty lines stay empty. xcetl sm4 keygen prints a new random key.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return &exitError{exitInvalid, errors.New("sm4: use `xcetl sm4 encrypt`, `xcetl sm4 decrypt` or `xcetl sm4 keygen`")}
		},
	}
	c.AddCommand(sm4CryptCmd(g, true), sm4CryptCmd(g, false), sm4KeygenCmd(g))
	return c
}

func sm4CryptCmd(g *globals, encrypt bool) *cobra.Command {
	var key, keyFile, keyID, mode, encoding string
	name := "decrypt"
	if encrypt {
		name = "encrypt"
	}
	c := &cobra.Command{
		Use:   name,
		Short: name + " one value per line from stdin to stdout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			codec, err := sm4Codec(name, key, keyFile, keyID, mode, encoding)
			if err != nil {
				return &exitError{exitInvalid, err}
			}
			r := bufio.NewReaderSize(g.stdin, 64<<10)
			w := bufio.NewWriter(g.stdout)
			var out []byte
			for line := 1; ; line++ {
				text, rerr := r.ReadBytes('\n')
				if len(text) == 0 && rerr != nil {
					if rerr != io.EOF {
						return &exitError{exitFailed, fmt.Errorf("sm4 %s: reading stdin: %w", name, rerr)}
					}
					break
				}
				text = trimEOL(text)
				out = out[:0]
				if len(text) > 0 {
					if encrypt {
						out, err = codec.Encrypt(out, text)
					} else {
						out, err = codec.Decrypt(out, text)
						switch {
						case err != nil:
						case !utf8.Valid(out):
							err = errors.New("the plaintext is not UTF-8 text (wrong key? a binary value decrypts with openssl, see docs/security.md)")
						case bytes.ContainsAny(out, "\r\n"):
							err = errors.New("the plaintext has a line break, which one-value-per-line output cannot show (decrypt it with openssl, see docs/security.md)")
						}
					}
					if err != nil {
						w.Flush()
						return &exitError{exitFailed, fmt.Errorf("sm4 %s: stdin line %d: %w", name, line, err)}
					}
				}
				out = append(out, '\n')
				if _, err := w.Write(out); err != nil {
					return &exitError{exitFailed, fmt.Errorf("sm4 %s: writing: %w", name, err)}
				}
				if rerr != nil {
					break
				}
			}
			if err := w.Flush(); err != nil {
				return &exitError{exitFailed, fmt.Errorf("sm4 %s: writing: %w", name, err)}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&key, "key", "", "the SM4 key, 32 hex characters (default: $XCETL_SM4_KEY)")
	f.StringVar(&keyFile, "key-file", "", "read the key from this file (mode 600)")
	f.StringVar(&keyID, "key-id", "", "encrypt: write KEYID$ before each value; decrypt: require this key id")
	f.StringVar(&mode, "mode", "cbc", "cbc|ecb|gcm")
	f.StringVar(&encoding, "encoding", "hex", "hex|base64")
	return c
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// sm4Codec checks the flags. Errors never contain the key.
func sm4Codec(name, key, keyFile, keyID, mode, encoding string) (*sm.Codec, error) {
	m, err := sm.ParseMode(mode)
	if err != nil {
		return nil, fmt.Errorf("sm4 %s: --mode: %w", name, err)
	}
	e, err := sm.ParseEncoding(encoding)
	if err != nil {
		return nil, fmt.Errorf("sm4 %s: --encoding: %w", name, err)
	}
	if err := sm.CheckKeyID(keyID); err != nil {
		return nil, fmt.Errorf("sm4 %s: --key-id: %w", name, err)
	}
	src := "--key"
	switch {
	case key != "" && keyFile != "":
		return nil, fmt.Errorf("sm4 %s: give --key or --key-file, not both", name)
	case keyFile != "":
		src = "--key-file"
		if key, err = sm.ReadKeyFile(keyFile); err != nil {
			return nil, fmt.Errorf("sm4 %s: %w", name, err)
		}
	case key == "":
		src = "XCETL_SM4_KEY"
		key = os.Getenv("XCETL_SM4_KEY")
		if key == "" {
			return nil, fmt.Errorf("sm4 %s: no key: give --key, --key-file or set XCETL_SM4_KEY", name)
		}
	}
	k, err := sm.ParseKey(key)
	if err != nil {
		return nil, fmt.Errorf("sm4 %s: %s: %w", name, src, err)
	}
	return sm.NewCodec(k, m, e, keyID)
}

func sm4KeygenCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "keygen",
		Short: "print a new random SM4 key (32 hex characters) from the system's secure random source",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k := make([]byte, sm.KeySize)
			if _, err := rand.Read(k); err != nil {
				return &exitError{exitFailed, fmt.Errorf("sm4 keygen: %w", err)}
			}
			_, err := fmt.Fprintln(g.stdout, strings.ToLower(hex.EncodeToString(k)))
			return err
		},
	}
}
