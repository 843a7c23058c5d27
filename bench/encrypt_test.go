package main

import (
	"testing"

	"github.com/xcetl/xcetl/config"
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
