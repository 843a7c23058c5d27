package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// scanPage accepts exactly what encoding/json accepts.
func TestScanPageValidity(t *testing.T) {
	tests := []string{
		`0`, `-0`, `1.5e+10`, `-1E-2`, `01`, `1.`, `.5`, `+1`, `1e`, `--1`, `0x10`, `NaN`, `Infinity`,
		`""`, `"a\"b"`, `"\u00e9\uD83D\uDE00"`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\tb\"", "\"a\x01\"", `"unterminated`,
		`"\ud800"`, `"\udc00\ud800x"`, "\"\xff\xfe\"",
		`true`, `false`, `null`, `tru`, `nul`, `True`,
		`[]`, `[1,2]`, `[1,]`, `[,1]`, `[1 2]`, `[`, `]`,
		`{}`, `{"a":1}`, `{"a":1,}`, `{a:1}`, `{"a" 1}`, `{"a":}`, `{"a":1 "b":2}`, `{"a":{"b":[{"c":null}]}}`, `{"a":1}}`,
		" \t\r\n{ \"a\" : [ 1 , { } ] } \n", ``, ` `, `1 2`, `{"a":1}x`, "\uFEFF{}",
		`{"a":"\u0000"}`, `[1e1000]`, `-`, `1e+`, `"\/"`,
	}
	for _, in := range tests {
		_, err := scanPage([]byte(in), nil, nil)
		if valid := json.Valid([]byte(in)); valid != (err == nil) {
			t.Errorf("%q: encoding/json valid=%v, scanPage error %v", in, valid, err)
		}
		var je *jsonError
		if err != nil && !errors.As(err, &je) {
			t.Errorf("%q: error %T", in, err)
		}
	}
}

func TestScanPageDepth(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := scanPage([]byte(deep), nil, nil); err == nil || !strings.Contains(err.Error(), "nested more than 512 levels") {
		t.Fatalf("error %v", err)
	}
	ok := strings.Repeat(`{"a":`, maxDepth-1) + "1" + strings.Repeat("}", maxDepth-1)
	if _, err := scanPage([]byte(ok), nil, nil); err != nil {
		t.Fatalf("error %v", err)
	}
}

// The records and cursor paths find the last occurrence of a key, as
// encoding/json would.
func TestScanPagePaths(t *testing.T) {
	tests := []struct {
		body, records, cursor string
		count                 int
		kind                  byte
		cur                   string
	}{
		{`{"d":{"items":[1,2,3]},"m":{"next":"abc"}}`, "d.items", "m.next", 3, kindArray, `"abc"`},
		{`{"m":{"next":42},"d":{"items":[]}}`, "d.items", "m.next", 0, kindArray, `42`},
		{`{"d":{"items":[1]},"d":{"x":1}}`, "d.items", "", 0, kindNone, ``},
		{`{"d":{"x":1},"d":{"items":[1,2]}}`, "d.items", "", 2, kindArray, ``},
		{`{"d\u0061ta":[1], "m":{"n\u0065xt":"x\ny"}}`, "data", "m.next", 1, kindArray, `"x\ny"`},
		{`{"items":[{"items":[1,2,3,4]}]}`, "items", "", 1, kindArray, ``},
		{`{"items":null}`, "items", "next", 0, kindNull, ``},
		{`[[1],[2]]`, "", "", 2, kindArray, ``},
	}
	for _, tt := range tests {
		var rec, cur []string
		if tt.records != "" {
			rec = strings.Split(tt.records, ".")
		}
		if tt.cursor != "" {
			cur = strings.Split(tt.cursor, ".")
		}
		pi, err := scanPage([]byte(tt.body), rec, cur)
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		gotCur := ""
		if pi.curKind != kindNone {
			gotCur = tt.body[pi.curStart:pi.curEnd]
		}
		if pi.recKind != tt.kind || (tt.kind == kindArray && pi.count != tt.count) || gotCur != tt.cur {
			t.Errorf("%s: kind %q count %d cursor %q; want %q %d %q", tt.body, pi.recKind, pi.count, gotCur, tt.kind, tt.count, tt.cur)
		}
	}
}

// Strings decode exactly as encoding/json decodes them.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	tests := []string{
		`"plain"`, `"中文"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u4E2D"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`,
		`"\ud83d\u0041"`, `"\ud83dx"`, `"\ud83d\ud83d\ude00"`, "\"\xff\"", "\"a\xe4\xb8\"", "\"\xed\xa0\x80\"", `"\u0000"`,
	}
	for _, q := range tests {
		end, complex, err := scanString([]byte(q), 0)
		if err != nil || end != len(q) {
			t.Fatalf("%q: scanString %d %v", q, end, err)
		}
		var want string
		if err := json.Unmarshal([]byte(q), &want); err != nil {
			t.Fatal(err)
		}
		if got := string(appendString(nil, []byte(q), complex)); got != want {
			t.Errorf("%q: got %q, want %q", q, got, want)
		}
	}
}

func TestAppendCompact(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[ 1 , "a b" , { "c" : [ ] } ]`, `[1,"a b",{"c":[]}]`},
		{"[\n  \"x\\\" y\",\t2\r\n]", `["x\" y",2]`},
		{`[]`, `[]`},
	}
	for _, tt := range tests {
		if got := string(appendCompact(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("appendCompact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(tt.in)); err != nil || buf.String() != tt.want {
			t.Errorf("json.Compact disagrees: %q %v", buf.String(), err)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "a", `q"b\s`, "tab\tnl\ncr\r", "\x01\x1f", "中文😀", "bad\xffbyte", "</script>"} {
		got := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); back != want {
			t.Errorf("%q: round trip %q", s, back)
		}
	}
}

// leafRec is one flattened field: name, kind and decoded text.
type leafRec struct {
	name string
	kind byte
	text string
}

// flattenRecord flattens the object at data[i] with this package's code.
func flattenRecord(data []byte, i int) ([]leafRec, int, error) {
	var out []leafRec
	f := flattener{data: data}
	f.leaf = func(name []byte, kind byte, start, end int, complex bool) {
		var text string
		switch kind {
		case kindString:
			text = string(appendString(nil, data[start:end], complex))
		case kindArray:
			text = string(appendCompact(nil, data[start:end]))
		default:
			text = string(data[start:end])
		}
		out = append(out, leafRec{string(name), kind, text})
	}
	end, err := f.record(i)
	return out, end, err
}

// referenceFlatten flattens one JSON object with encoding/json's Decoder
// (tokens keep the key order; UseNumber keeps numbers as text).
func referenceFlatten(raw []byte) ([]leafRec, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var out []leafRec
	var walk func(prefix string) error
	walk = func(prefix string) error {
		if _, err := d.Token(); err != nil { // '{'
			return err
		}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return err
			}
			name := kt.(string)
			if prefix != "" {
				name = prefix + "_" + name
			}
			var rawv json.RawMessage
			if err := d.Decode(&rawv); err != nil {
				return err
			}
			switch c := rawv[0]; c {
			case '{':
				sub := json.NewDecoder(bytes.NewReader(rawv))
				sub.UseNumber()
				saved := d
				d = sub
				err := walk(name)
				d = saved
				if err != nil {
					return err
				}
			case '[':
				var buf bytes.Buffer
				if err := json.Compact(&buf, rawv); err != nil {
					return err
				}
				out = append(out, leafRec{name, kindArray, buf.String()})
			case '"':
				var s string
				if err := json.Unmarshal(rawv, &s); err != nil {
					return err
				}
				out = append(out, leafRec{name, kindString, s})
			default:
				out = append(out, leafRec{name, kindOf(c), string(rawv)})
			}
		}
		_, err := d.Token() // '}'
		return err
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	return out, nil
}

func TestFlattenMatchesReference(t *testing.T) {
	for _, rec := range []string{
		resident(7),
		`{}`,
		`{"a":{},"b":{"c":{}},"d":1}`,
		`{"a\u005fb":"x","a":{"b":"y"}}`,
		`{ "n" : -1.25E+3 , "s":"\ud83d\ude00", "arr": [ {"x" : 1} , [ ] ], "deep":{"er":{"est":true}}}`,
	} {
		got, end, err := flattenRecord([]byte(rec), 0)
		if err != nil || end != len(rec) {
			t.Fatalf("%s: %v (end %d)", rec, err, end)
		}
		want, err := referenceFlatten([]byte(rec))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %v\nwant %v", rec, got, want)
		}
	}
}

func TestNextLink(t *testing.T) {
	tests := []struct {
		in   []string
		want string
		ok   bool
	}{
		{[]string{`<https://a/r?page=2>; rel="next"`}, "https://a/r?page=2", true},
		{[]string{`<https://a/r?page=1>; rel="first", <https://a/r?page=3>; rel="next", <https://a/r?page=9>; rel="last"`}, "https://a/r?page=3", true},
		{[]string{`</r?_page=2&_limit=10>; rel=next`}, "/r?_page=2&_limit=10", true},
		{[]string{`<a>; rel="prev"`, `<b>; rel="NEXT"`}, "b", true},
		{[]string{`<c>; title="a, b; rel=next"; rel="last next"`}, "c", true},
		{[]string{`<d>;rel="next";title*=UTF-8'de'n%c3%a4chstes`}, "d", true},
		{[]string{`<x,y>; rel="next"`}, "x,y", true},
		{[]string{`<e>; rel="nextpage"`, `<f>; rel="prev next"`}, "f", true},
		{[]string{`garbage, <g>; rel="next"`}, "g", true},
		{[]string{`<h>; rel="last"`}, "", false},
		{[]string{`<i; rel="next"`}, "", false},
		{[]string{``}, "", false},
		{nil, "", false},
		{[]string{`<>; rel="next"`}, "", false},
		{[]string{`<j>; rel`, `<k>; rel="next`}, "k", true},
	}
	for _, tt := range tests {
		got, ok := nextLink(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("nextLink(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
