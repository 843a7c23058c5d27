package main

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/transform/sm"
)

func TestEncryptPipelineYAML(t *testing.T) {
	y := encryptPipelineYAML("bench_encrypt_sm4", "residents-v1-10.csv", "bench_enc_sm4")
	lookup := func(name string) (string, bool) { return "x", true }
	root, err := config.Parse("encrypt.yaml", []byte(y), lookup)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	items := root.Get("transforms").Items
	var names []string
	for _, it := range items {
		names = append(names, it.Entries[0].Key)
	}
	if len(names) != 3 || names[0] != "rename" || names[1] != "cast" || names[2] != "encrypt" {
		t.Fatalf("transforms %v\n%s", names, y)
	}
	enc := items[2].Get("encrypt")
	if enc.Get("mode").Value != "cbc" || len(enc.Get("fields").Items) != 2 || enc.Get("key").Raw != "${"+encryptKeyEnv+"}" {
		t.Fatalf("encrypt item: %s", y)
	}
	if root.Get("target").Get("table").Value != "bench_enc_sm4" {
		t.Fatal("table")
	}
}

func TestOnlyEncryptAccepted(t *testing.T) {
	o := options{rows: 10, rounds: 1, only: "encrypt", prefill: "full"}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	o.only = "encryp"
	if err := o.validate(); err == nil {
		t.Fatal("-only encryp accepted")
	}
}

// TestEncryptedCSV: the ciphertext copy keeps every other field, leaves empty fields empty, and
// its id_card and phone decrypt to the original values.
func TestEncryptedCSV(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
	in := "编号,姓名,身份证号,手机号\n1,\"赵,海涛\",31010119500530452X,13216234825\n2,李四,,13800000000\n"
	if err := os.WriteFile(src, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{7}, sm.KeySize)
	if err := encryptedCSV(src, dst, key); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := csv.NewReader(strings.NewReader(in)).ReadAll()
	codec, _ := sm.NewCodec(key, sm.CBC, sm.Hex, "")
	if len(got) != len(want) || !slices.Equal(got[0], want[0]) {
		t.Fatalf("got %q", got)
	}
	for i := 1; i < len(want); i++ {
		for j := range want[i] {
			switch {
			case j < 2 || want[i][j] == "":
				if got[i][j] != want[i][j] {
					t.Errorf("row %d field %d: %q, want %q", i, j, got[i][j], want[i][j])
				}
			default:
				plain, err := codec.DecryptText(got[i][j])
				if err != nil || plain != want[i][j] || len(got[i][j]) != 2*(16+(len(plain)/16+1)*16) {
					t.Errorf("row %d field %d: %q decrypts to %q (%v)", i, j, got[i][j], plain, err)
				}
			}
		}
	}
}

// TestEncryptStorageLimit: the limit line is t(xcetl append)/t(xcetl append of the ciphertext
// CSV), the psql line t(copy plain)/t(copy ciphertext), and the speed line says what share of the
// limit xcetl reaches.
func TestEncryptStorageLimit(t *testing.T) {
	sc := Scenario{Name: "encrypt", Rows: 1000, Contenders: []*Contender{
		{Name: "xcetl append", Baseline: true, Runs: roundRuns(1.0, 1.0, 1.0)},
		{Name: "xcetl append+sm4-cbc", Runs: roundRuns(1.25, 1.25, 1.25)},
		{Name: encryptCipherLoad, Runs: roundRuns(1.25, 1.0, 1.25)},
		{Name: encryptCopyPlain, Runs: roundRuns(2.0, 2.0, 2.0)},
		{Name: encryptCopyCipher, Runs: roundRuns(2.5, 2.5, 4.0)},
	}}
	summarize(&sc)
	ts := encryptTargets(&Results{Scenarios: []Scenario{sc}})
	var lim, peer, speed *Target
	for i := range ts {
		switch ts[i].Name {
		case "encrypt storage limit":
			lim = &ts[i]
		case "encrypt, psql peer":
			peer = &ts[i]
		case "encrypt speed":
			speed = &ts[i]
		}
	}
	if lim == nil || peer == nil || speed == nil {
		t.Fatalf("targets %+v", ts)
	}
	if math.Abs(lim.Value-0.8) > 1e-9 || lim.Op != "info" {
		t.Errorf("limit %v %s, want 0.80 info", lim.Value, lim.Op)
	}
	if math.Abs(peer.Value-0.8) > 1e-9 || !strings.Contains(peer.Detail, "paired by round 0.80") {
		t.Errorf("psql peer %v %q, want 0.80", peer.Value, peer.Detail)
	}
	if !strings.Contains(speed.Detail, "100% of the storage limit (paired by round: 100%)") {
		t.Errorf("speed detail %q", speed.Detail)
	}
}
