package kafka

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzEachMember checks the scanner against encoding/json: it accepts
// exactly the objects encoding/json accepts and gives the same members.
func FuzzEachMember(f *testing.F) {
	for _, s := range []string{`{}`, ` {"a":1,"b":"x\"y","c":null,"d":[1,{"e":true}],"a":2} `, `{"a":-1.5e3}`, `{"a":01}`, `{"a":"\u00e9"}`, `[1]`, `{"a":}`, `{"a":1,}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want := map[string]json.RawMessage{}
		werr := json.Unmarshal(b, &want)
		if werr == nil && bytes.TrimSpace(b)[0] != '{' {
			return // null or another type: not a row image
		}
		got := map[string][]byte{}
		gerr := eachMember(b, func(name string, raw []byte) error {
			got[name] = raw
			return nil
		})
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("encoding/json: %v, eachMember: %v, input %q", werr, gerr, b)
		}
		if werr != nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%d members, want %d: %q", len(got), len(want), b)
		}
		for k, v := range want {
			if !bytes.Equal(bytes.TrimSpace(got[k]), bytes.TrimSpace(v)) {
				t.Fatalf("member %q = %q, want %q", k, got[k], v)
			}
			if v[0] == '"' {
				var s string
				_ = json.Unmarshal(v, &s)
				u, err := unquote(got[k])
				if err != nil || u != s {
					t.Fatalf("unquote(%q) = %q, %v; want %q", got[k], u, err, s)
				}
			}
		}
	})
}
