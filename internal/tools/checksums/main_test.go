package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteAndVerify(t *testing.T) {
	dir := t.TempDir()
	// "abc" is the GB/T 32905 SM3 example; its SHA-256 is FIPS 180-2's.
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := write([]string{filepath.Join(dir, "a")}); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"SM3SUMS":    "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0  a\n",
		"SHA256SUMS": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a\n",
	} {
		got, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q (%v), want %q", file, got, err, want)
		}
		if err := verify(filepath.Join(dir, file), io.Discard); err != nil {
			t.Errorf("verify %s: %v", file, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "a"), []byte("abd"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := verify(filepath.Join(dir, "SM3SUMS"), io.Discard); err == nil || !strings.Contains(err.Error(), "did not match") {
		t.Errorf("tampered file: err = %v", err)
	}
}
