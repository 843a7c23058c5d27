package api

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/extract"
)

// Every configuration problem is reported, with its position, before
// anything is requested.
func TestNewErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"no url", "type: api\n", []string{`missing required key "url"`}},
		{"bad scheme", "type: api\nurl: ftp://h/x\n", []string{`p.yaml:3:8: source.url: url must start with http:// or https://, got "ftp://h/x"`}},
		{"no host", "type: api\nurl: http:///x\n", []string{"url has no host"}},
		{"empty url", "type: api\nurl:\n", []string{"url must not be empty"}},
		{"blank url", "type: api\nurl: \"  \"\n", []string{"url must not be empty"}},
		{"unparsable url hides password", "type: api\nurl: \"http://u:s3cret@h/%zz\"\n", []string{"url is not a valid URL: invalid URL escape"}},
		{"method", "type: api\nurl: http://h\nmethod: DELETE\n", []string{`p.yaml:4:11: source.method: unknown method "DELETE"; one of: GET, POST`}},
		{"body needs POST", "type: api\nurl: http://h\nbody: {a: 1}\n", []string{"body needs method: POST"}},
		{"header name", "type: api\nurl: http://h\nheaders: {\"X Bad\": v}\n", []string{`"X Bad" is not a valid header name`}},
		{"records", "type: api\nurl: http://h\nrecords: data..items\n", []string{`records "data..items" has an empty part`}},
		{"columns empty", "type: api\nurl: http://h\ncolumns: []\n", []string{"columns must list at least one name"}},
		{"columns dup", "type: api\nurl: http://h\ncolumns: [a, b, a]\n", []string{`p.yaml:4:19: source.columns[2]: duplicate column name "a" (also columns[0])`}},
		{"extra_fields", "type: api\nurl: http://h\nextra_fields: rejct\n", []string{`source.extra_fields: unknown extra_fields "rejct" (did you mean "reject"?); one of: reject (`}},
		{"pagination type", "type: api\nurl: http://h\npagination: {type: pages}\n", []string{`source.pagination.type: unknown type "pages" (did you mean "page"?); one of: none (one request), page (`}},
		{"pagination size", "type: api\nurl: http://h\npagination: {type: page, size: 0}\n", []string{"source.pagination.size: size must be at least 1, not 0"}},
		{"pagination start", "type: api\nurl: http://h\npagination: {type: page, start: -1}\n", []string{"source.pagination.start: start must be at least 0, not -1"}},
		{"max_pages", "type: api\nurl: http://h\npagination: {type: page, max_pages: -2}\n", []string{"source.pagination.max_pages: max_pages must be at least 0, not -2"}},
		{"cursor_path needed", "type: api\nurl: http://h\npagination: {type: cursor}\n", []string{"pagination type cursor needs cursor_path"}},
		{"unused keys", "type: api\nurl: http://h\npagination: {type: offset, page_param: p, cursor_path: x}\n", []string{"page_param is not used by pagination type offset", "cursor_path is not used by pagination type offset"}},
		{"unknown pagination key", "type: api\nurl: http://h\npagination: {type: page, sise: 10}\n", []string{`unknown key "sise" (did you mean "size"?)`}},
		{"in body without body", "type: api\nurl: http://h\npagination: {type: page, in: body}\n", []string{"in: body puts the paging values into the JSON body"}},
		{"in body list", "type: api\nurl: http://h\nmethod: POST\nbody: [1]\npagination: {type: page, in: body}\n", []string{"pagination in: body needs body to be a mapping"}},
		{"in", "type: api\nurl: http://h\npagination: {type: page, in: header}\n", []string{`source.pagination.in: unknown in "header"; one of: query (`}},
		{"param conflict", "type: api\nurl: http://h\nparams: {page: 1}\npagination: {type: page}\n", []string{`params sets "page", which pagination sets on every request`}},
		{"url conflict", "type: api\nurl: http://h/r?size=5\npagination: {type: page}\n", []string{`url already has the query parameter "size"`}},
		{"body conflict", "type: api\nurl: http://h\nmethod: POST\nbody: {pageNo: 1}\npagination: {type: page, page_param: pageNo, in: body}\n", []string{`body sets "pageNo"`}},
		{"same params", "type: api\nurl: http://h\npagination: {type: page, page_param: p, size_param: p}\n", []string{`page_param and size_param are both "p"`}},
		{"auth type", "type: api\nurl: http://h\nauth: {type: bearer}\n", []string{`source.auth.type: unknown type "bearer"; one of: basic (`}},
		{"auth basic", "type: api\nurl: http://h\nauth: {type: basic, token_url: http://t}\n", []string{"auth type basic needs username", "token_url is for auth type oauth2_client_credentials"}},
		{"auth oauth2", "type: api\nurl: http://h\nauth: {type: oauth2_client_credentials, token_url: t, username: u}\n", []string{"token_url must be an http:// or https:// URL", "needs client_id and client_secret", "username is for auth type basic"}},
		{"client_auth", "type: api\nurl: http://h\nauth: {type: oauth2_client_credentials, token_url: http://t, client_id: a, client_secret: b, client_auth: header}\n", []string{`source.auth.client_auth: unknown client_auth "header"; one of: basic (`}},
		{"auth and header", "type: api\nurl: http://h\nheaders: {authorization: x}\nauth: {type: basic, username: u}\n", []string{"auth sets the Authorization header, and headers sets it too"}},
		{"timeout", "type: api\nurl: http://h\ntimeout: 0s\n", []string{"timeout must be more than 0"}},
		{"retries", "type: api\nurl: http://h\nretries: 50\n", []string{"source.retries: retries must be 0..20, not 50"}},
		{"max_backoff", "type: api\nurl: http://h\nbackoff: 2s\nmax_backoff: 1s\n", []string{"max_backoff (1s) must not be less than backoff (2s)"}},
		{"rate", "type: api\nurl: http://h\nrate_limit: fast\n", []string{`rate_limit must look like 10/s, 600/m or 3600/h, got "fast"`}},
		{"size", "type: api\nurl: http://h\nmax_response_size: 1.5MB\n", []string{`max_response_size must be a size such as 64MiB`}},
		{"tls", "type: api\nurl: https://h\nca_file: ca.pem\ninsecure_skip_verify: true\n", []string{"insecure_skip_verify and ca_file exclude each other"}},
		{"unknown key", "type: api\nurl: http://h\nrecord: data\n", []string{`unknown key "record" (did you mean "records"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := extract.New(parseSource(t, tt.src, nil), extract.Env{})
			var se xcetl.SpecErrors
			if !errors.As(err, &se) || !errors.Is(err, xcetl.ErrInvalid) {
				t.Fatalf("error %v (%T), want SpecErrors", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("errors lack %q:\n%s", w, err)
				}
			}
			if len(se) != len(tt.want) {
				t.Errorf("%d errors, want %d:\n%s", len(se), len(tt.want), err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows a password: %s", err)
			}
		})
	}
}

// Defaults, and what Describe (xcetl explain) says.
func TestNewAndDescribe(t *testing.T) {
	tests := []struct {
		name, src, describe string
		check               func(t *testing.T, st *settings)
	}{
		{"defaults", "type: api\nurl: http://h/r", "api GET http://h/r (records the body itself, pagination none, extra fields reject, retries 3, timeout 30s)",
			func(t *testing.T, st *settings) {
				if st.timeout != 30*time.Second || st.retries != 3 || st.backoff != 500*time.Millisecond || st.maxBackoff != 30*time.Second ||
					st.maxResponse != 64<<20 || st.rateEvery != 0 || st.extra != extraReject || st.in != inQuery || !st.stopOnShort {
					t.Errorf("settings %+v", st)
				}
			}},
		{"page defaults", "type: api\nurl: http://h/r\npagination: {type: page}", "api GET http://h/r (records the body itself, pagination page size 100, extra fields reject, retries 3, timeout 30s)",
			func(t *testing.T, st *settings) {
				if st.pageParam != "page" || st.sizeParam != "size" || st.start != 1 || st.size != 100 {
					t.Errorf("settings %+v", st)
				}
			}},
		{"link without size", "type: api\nurl: http://h/r\npagination: {type: link}", "api GET http://h/r (records the body itself, pagination link, extra fields reject, retries 3, timeout 30s)",
			func(t *testing.T, st *settings) {
				if st.size != 0 {
					t.Errorf("size %d: link sends no size unless given", st.size)
				}
			}},
		{"everything", `type: api
url: https://u:${PW}@h/r?token=${TOK}&v=1
method: post
headers: {Authorization: "Bearer ${TOK}"}
body: {q: 1}
records: data.items
columns: [id, name]
pagination: {type: cursor, cursor_path: meta.next, size: 50, max_pages: 10}
timeout: 5s
retries: 5
rate_limit: 10/s
max_response_size: 8MiB`,
			"api POST https://u:***@h/r?token=***&v=1 (records data.items, pagination cursor size 50 max_pages 10, columns [id name], extra fields ignore, retries 5, timeout 5s, rate_limit 10/s)",
			func(t *testing.T, st *settings) {
				if st.rateEvery != 100*time.Millisecond || st.maxResponse != 8<<20 || string(st.bodyJSON) != `{"q":1}` || st.extra != extraIgnore {
					t.Errorf("settings %+v", st)
				}
				if st.scrub.Scrub("pw-value tok-value") != "*** ***" {
					t.Errorf("secrets not registered")
				}
			}},
		{"oauth2", "type: api\nurl: http://h/r\nauth: {type: oauth2_client_credentials, token_url: http://h/token, client_id: id, client_secret: s3cr3t}\ninsecure_skip_verify: true",
			"api GET http://h/r (records the body itself, pagination none, auth oauth2_client_credentials, extra fields reject, retries 3, timeout 30s, TLS verification OFF)",
			func(t *testing.T, st *settings) {
				if st.clientAuth != clientAuthBasic || st.scrub.Scrub("s3cr3t") != "***" {
					t.Errorf("settings %+v", st)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newSource(t, tt.src, map[string]string{"PW": "pw-value", "TOK": "tok-value"}, nil)
			if got := e.Describe(); got != tt.describe {
				t.Errorf("Describe\n got %s\nwant %s", got, tt.describe)
			}
			tt.check(t, &e.st)
		})
	}
}

// A host or path that comes from a variable stays readable in messages: it
// is a location, not a secret. Query values from variables are hidden.
func TestURLFromVariable(t *testing.T) {
	e := newSource(t, "type: api\nurl: \"${BASE}/residents?district=${D}&key=${K}\"", map[string]string{"BASE": "http://api.example:8080/v1", "D": "120101", "K": "k-123456"}, nil)
	if got := e.Describe(); !strings.Contains(got, "http://api.example:8080/v1/residents?district=***&key=***") {
		t.Fatalf("Describe %s", got)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"10/s", 100 * time.Millisecond, true}, {"600/m", 100 * time.Millisecond, true}, {"2/min", 30 * time.Second, true},
		{"3600/h", time.Second, true}, {"0.5/s", 2 * time.Second, true}, {" 5 / s ", 200 * time.Millisecond, true},
		{"10", 0, false}, {"10/d", 0, false}, {"0/s", 0, false}, {"-1/s", 0, false}, {"x/s", 0, false},
	}
	for _, tt := range tests {
		got, err := parseRate(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseRate(%q) = %s, %v", tt.in, got, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"1048576", 1 << 20}, {"512KiB", 512 << 10}, {"64MiB", 64 << 20}, {"64mb", 64 << 20}, {"1GiB", 1 << 30}, {"2 g", 2 << 30}, {"100B", 100},
		{"0", 0}, {"-1MiB", 0}, {"1.5MiB", 0}, {"2TiB", 0}, {"lots", 0}, {"2000GiB", 0},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != (tt.want > 0) || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v", tt.in, got, err)
		}
	}
	for n, want := range map[int64]string{64 << 20: "64MiB", 1 << 30: "1GiB", 4096: "4KiB", 1000: "1000 bytes"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %s", n, got)
		}
	}
}

// A YAML body becomes the JSON a person would expect: unquoted numbers,
// booleans and null keep their JSON type, quoted values are strings, keys
// keep their order.
func TestNodeJSON(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"{b: 1, a: x}", `{"b":1,"a":"x"}`},
		{`{n: "1", m: 01, f: 1.5, e: 1e3, neg: -2, big: 110101199003077777}`, `{"n":"1","m":"01","f":1.5,"e":1e3,"neg":-2,"big":110101199003077777}`},
		{"{t: true, f: false, z: null, tilde: ~, yes: yes}", `{"t":true,"f":false,"z":null,"tilde":null,"yes":"yes"}`},
		{`{s: "a\"b\\c", u: 张三, tab: "a\tb"}`, `{"s":"a\"b\\c","u":"张三","tab":"a\tb"}`},
		{"[1, [2, {x: []}], {}]", `[1,[2,{"x":[]}],{}]`},
	}
	for _, tt := range tests {
		n := parseSource(t, "body: "+tt.yaml, nil)
		if got := string(nodeJSON(n.Get("body"), nil)); got != tt.want {
			t.Errorf("nodeJSON(%s) = %s, want %s", tt.yaml, got, tt.want)
		}
	}
}
