package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

// FuzzScanPage checks the response scanner and the record flattening
// against encoding/json: the same bodies are valid, the records path finds
// the same array, and every record flattens to the same fields (names in
// order, kinds, texts: strings decoded, numbers as sent, arrays compacted).
// Nothing may panic, whatever the body.
func FuzzScanPage(f *testing.F) {
	f.Add([]byte(`{"data":{"items":[`+resident(1)+`,`+resident(2)+`]},"meta":{"next":"x"}}`), "data.items")
	f.Add([]byte(`[{"a":{"b":{"c":[1,{"d":2}]}},"e":"\ud83d\ude00\u00e9"}]`), "")
	f.Add([]byte(`{"d":{"items":[1]},"d":{"items":[{"x":null}]}}`), "d.items")
	f.Add([]byte(`{"items":[{"a_b":1,"a":{"b":2}},{"":true}]}`), "items")
	f.Add([]byte("[{\"s\":\"\xff\\ud800x\"}]"), "")
	f.Add([]byte(`{"x":[1,2,}`), "x")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		var rec []string
		if path != "" {
			rec = strings.Split(path, ".")
		}
		pi, err := scanPage(data, rec, []string{"meta", "next"})
		valid := json.Valid(data)
		if err != nil && strings.Contains(err.Error(), "nested more than") {
			return
		}
		if valid != (err == nil) {
			t.Fatalf("encoding/json valid=%v, scanPage error %v", valid, err)
		}
		if err != nil {
			return
		}
		// The records path leads where encoding/json's decoding leads.
		var doc any
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		at, found := doc, true
		for _, k := range rec {
			m, ok := at.(map[string]any)
			if !ok {
				found = false
				break
			}
			if at, ok = m[k]; !ok {
				found = false
				break
			}
		}
		arr, isArr := at.([]any)
		switch {
		case !found && pi.recKind != kindNone:
			t.Fatalf("scanPage found %q at %q, encoding/json nothing", pi.recKind, path)
		case found && isArr && (pi.recKind != kindArray || pi.count != len(arr)):
			t.Fatalf("encoding/json: array of %d at %q; scanPage: kind %q count %d", len(arr), path, pi.recKind, pi.count)
		case found && !isArr && pi.recKind == kindArray:
			t.Fatalf("scanPage found an array at %q, encoding/json %T", path, at)
		}
		if pi.recKind != kindArray {
			return
		}
		// Walk the records as Next does, comparing each object's fields.
		i := ws(data, pi.recStart+1)
		for k := 0; k < pi.count; k++ {
			var end int
			if data[i] == '{' {
				got, e, err := flattenRecord(data, i)
				if err != nil {
					t.Fatalf("record %d: %v", k, err)
				}
				want, err := referenceFlatten(data[i:e])
				if err != nil {
					t.Fatalf("record %d: reference: %v", k, err)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("record %d:\n got %v\nwant %v", k, got, want)
				}
				end = e
			} else if end, err = skipValue(data, i); err != nil {
				t.Fatalf("record %d: %v", k, err)
			}
			i = nextElem(data, end)
		}
		if data[i] != ']' {
			t.Fatalf("after %d records: %q, want ']'", pi.count, data[i])
		}
	})
}

// FuzzNextLink: any Link header is read without a panic, and a well-formed
// next link is always found.
func FuzzNextLink(f *testing.F) {
	f.Add(`<https://a/r?page=2>; rel="next", <https://a/r?page=9>; rel="last"`, "/r?x=1")
	f.Add(`<a>; title="x, y"; rel=next`, "b")
	f.Add(`<<>>;;;rel="`, "")
	f.Fuzz(func(t *testing.T, header, target string) {
		nextLink([]string{header})
		target = strings.TrimSpace(target)
		if target == "" || strings.ContainsAny(target, "<>") {
			return
		}
		got, ok := nextLink([]string{`<` + target + `>; rel="next"`})
		if !ok || got != target {
			t.Fatalf("nextLink(<%s>; rel=next) = %q, %v", target, got, ok)
		}
		got, ok = nextLink([]string{`<x>; rel="prev", <` + target + `>; rel="next"`})
		if !ok || got != target {
			t.Fatalf("second link: %q, %v", got, ok)
		}
	})
}

// FuzzNew: any `source:` mapping is checked without a panic; what New
// accepts describes itself, and parseRate/parseSize never panic either.
func FuzzNew(f *testing.F) {
	f.Add("type: api\nurl: http://h/r\npagination: {type: page, size: 10}\n")
	f.Add("type: api\nurl: http://u:p@h/r?token=${T}\nmethod: POST\nbody: {a: [1, {b: null}]}\npagination: {type: page, in: body}\n")
	f.Add("type: api\nurl: https://h\nauth: {type: oauth2_client_credentials, token_url: http://t, client_id: a, client_secret: b}\nrate_limit: 3/m\nmax_response_size: 1GiB\n")
	f.Add("type: api\nurl: h\npagination: page\nauth: basic\ncolumns: x\n")
	f.Fuzz(func(t *testing.T, body string) {
		parseRate(body)
		parseSize(body)
		root, err := config.Parse("f.yaml", []byte("source:\n"+indent(body)), func(string) (string, bool) { return "v-123456", true })
		if err != nil || root.Get("source") == nil || root.Get("source").Kind != config.Map {
			return
		}
		x, err := extract.New(root.Get("source"), extract.Env{})
		if err != nil {
			return
		}
		e := x.(*Extractor)
		_ = e.Describe()
		_ = e.nextRequest()
	})
}
