// Package api is the `type: api` source: records from a paginated JSON HTTP
// API, flattened into columns (`addr.city` → `addr_city`).
//
// Pages are fetched one at a time with net/http and never more than one page
// is held in memory; a page larger than a batch is handed out over several
// calls of Next. Transient failures (connection errors, timeouts, 408, 429,
// 5xx) are retried with exponential backoff and jitter, honouring
// Retry-After, so that a flaky platform still loads every record exactly
// once. Everything that could carry a secret (header values, passwords,
// client secrets, tokens, interpolated ${VARS} in params, query strings and
// bodies) is kept out of errors, logs and origins.
//
// Response bodies are read by a small JSON scanner of this package (json.go)
// rather than encoding/json: it keeps the order of object keys (columns come
// out in the order the API sends them), keeps numbers as the text the API
// sent (an ID such as 110101199003077777 never passes through a float64) and
// walks a page without building maps. It accepts exactly what encoding/json
// accepts; FuzzScanPage checks that.
package api

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/config"
	"github.com/xcetl/xcetl/extract"
)

func init() {
	extract.RegisterSpec("api", config.Doc{
		Summary: "records of a paginated JSON HTTP API, flattened into columns (addr.city → addr_city)",
		Example: "url: http://127.0.0.1:3000/residents\nrecords: data.items\npagination: {type: page, size: 100}",
	}, New)
}

// Limits and names.
const (
	defaultPageSize     = 100
	bodySnippet         = 200
	paginationNone      = "none"
	paginationPage      = "page"
	paginationOffset    = "offset"
	paginationCursor    = "cursor"
	paginationLink      = "link"
	inQuery             = "query"
	inBody              = "body"
	authBasic           = "basic"
	authClientCreds     = "oauth2_client_credentials"
	clientAuthBasic     = "basic"
	clientAuthBody      = "body"
	extraReject         = "reject"
	extraIgnore         = "ignore"
	defaultRecordsLabel = "the body itself"
)

// Spec is the configuration of an api source (the `source:` mapping
// without `type`).
type Spec struct {
	URL                string                       `yaml:"url,required" doc:"the first page's URL, http:// or https://" example:"http://127.0.0.1:3000/residents"`
	Method             string                       `yaml:"method" default:"GET" enum:"GET,POST" doc:"the request method"`
	Headers            config.Ordered[xcetl.Secret] `yaml:"headers" doc:"request headers; the values are never printed" example:"{X-Api-Key: \"${API_KEY}\"}"`
	Params             config.Ordered[string]       `yaml:"params" doc:"query parameters, sent in this order" example:"{district: \"120101\"}"`
	Body               *config.Node                 `yaml:"body" doctype:"any" doc:"POST only: the request body, written in YAML and sent as JSON" example:"{query: {status: active}}"`
	Records            string                       `yaml:"records" doc:"the dotted path of the array of records in the JSON body; empty: the body itself" example:"data.items"`
	Columns            []string                     `yaml:"columns" doc:"the columns; default: the fields of the first page's records, in the order first seen" example:"[id, name, addr_city]"`
	ExtraFields        string                       `yaml:"extra_fields" enum:"reject,ignore" enumdoc:"reject=a record with a field that is not a column is rejected, naming the field;ignore=such fields are left out" doc:"fields that are not columns; default: reject, ignore with columns"`
	Pagination         Pagination                   `yaml:"pagination" doc:"how the next page is asked for"`
	Auth               *Auth                        `yaml:"auth" doc:"authentication" example:"{type: basic, username: etl, password: \"${API_PASSWORD}\"}"`
	Timeout            time.Duration                `yaml:"timeout" default:"30s" min:">0" doc:"one attempt, body included"`
	Retries            int                          `yaml:"retries" default:"3" min:"0" max:"20" doc:"retries on connection errors, timeouts, 408, 429 and 5xx, with exponential backoff and jitter (Retry-After honoured)"`
	Backoff            time.Duration                `yaml:"backoff" default:"500ms" doc:"the first wait between attempts; doubles per retry up to max_backoff"`
	MaxBackoff         time.Duration                `yaml:"max_backoff" default:"30s" doc:"the longest wait between attempts"`
	RateLimit          string                       `yaml:"rate_limit" doc:"at most this many requests: 10/s, 600/m or 3600/h" example:"10/s"`
	MaxResponseSize    string                       `yaml:"max_response_size" default:"64MiB" doc:"a larger body fails the run (it is never cut)"`
	CAFile             string                       `yaml:"ca_file" doc:"a PEM file of the certificate authorities to trust"`
	InsecureSkipVerify bool                         `yaml:"insecure_skip_verify" doc:"do not verify the server's certificate (logged as a warning; ca_file is the safe way)"`
	Incremental        *extract.IncrementalSpec     `yaml:"incremental" doc:"only what changed since the last run: the committed watermark of column, sent as param"`
}

// Pagination is the `pagination:` mapping.
type Pagination struct {
	Type            string `yaml:"type" default:"none" enum:"none,page,offset,cursor,link" enumdoc:"none=one request;page=page numbers, from start;offset=record offsets;cursor=the next cursor from the response, at cursor_path;link=the RFC 8288 Link header rel=next" doc:"how pages are asked for"`
	PageParam       string `yaml:"page_param" default:"page" doc:"page: the page number's parameter"`
	Start           int    `yaml:"start" default:"1" min:"0" doc:"page: the first page's number"`
	SizeParam       string `yaml:"size_param" default:"size" doc:"the page size's parameter"`
	Size            int    `yaml:"size" min:"1" doc:"records per page, sent as size_param; default: 100 for page and offset, not sent for cursor and link"`
	OffsetParam     string `yaml:"offset_param" default:"offset" doc:"offset: the offset's parameter"`
	CursorPath      string `yaml:"cursor_path" doc:"cursor: the dotted path of the next cursor in the response" example:"meta.next_cursor"`
	CursorParam     string `yaml:"cursor_param" default:"cursor" doc:"cursor: the cursor's parameter"`
	MaxPages        int    `yaml:"max_pages" min:"0" doc:"stop after this many pages; 0: no limit"`
	StopOnShortPage *bool  `yaml:"stop_on_short_page" default:"true" doc:"stop at a page with fewer than size records"`
	In              string `yaml:"in" default:"query" enum:"query,body" enumdoc:"query=in the query string;body=POST: as top-level members of the JSON body" doc:"where the paging values go"`
}

// Auth is the `auth:` mapping.
type Auth struct {
	Type         string       `yaml:"type,required" enum:"basic,oauth2_client_credentials" enumdoc:"basic=HTTP basic authentication;oauth2_client_credentials=an OAuth 2 token from token_url, cached until shortly before it expires" doc:"the kind of authentication"`
	Username     string       `yaml:"username" doc:"basic: the user"`
	Password     xcetl.Secret `yaml:"password" doc:"basic: the password, normally \"${VAR}\""`
	TokenURL     string       `yaml:"token_url" doc:"oauth2: the token endpoint"`
	ClientID     string       `yaml:"client_id" doc:"oauth2: the client id"`
	ClientSecret xcetl.Secret `yaml:"client_secret" doc:"oauth2: the client secret, normally \"${VAR}\""`
	Scope        string       `yaml:"scope" doc:"oauth2: the scope asked for"`
	ClientAuth   string       `yaml:"client_auth" default:"basic" enum:"basic,body" enumdoc:"basic=client id and secret in an Authorization header;body=in the form body" doc:"oauth2: how the client authenticates"`
}

// settings is the checked configuration with defaults applied.
type settings struct {
	url        *url.URL
	method     string
	headers    [][2]string // name, value (values are secrets)
	params     [][2]string // in file order
	body       *config.Node
	bodyJSON   []byte   // body rendered once, when pagination does not write into it
	records    []string // path; nil = the body
	recordsRaw string
	columns    []string
	extra      string // reject | ignore
	inc        extract.Incremental
	perBatch   bool // the target commits every batch (commit: batch)

	pag         string
	pageParam   string
	start       int
	sizeParam   string
	size        int // 0 = not sent (cursor, link)
	offsetPar   string
	cursorPath  []string
	cursorRaw   string
	cursorPar   string
	maxPages    int
	stopOnShort bool
	in          string // query | body

	auth         string
	username     string
	password     xcetl.Secret
	tokenURL     string
	clientID     string
	clientSecret xcetl.Secret
	scope        string
	clientAuth   string

	timeout     time.Duration
	retries     int
	backoff     time.Duration
	maxBackoff  time.Duration
	rateEvery   time.Duration // 0 = unlimited
	rateRaw     string
	maxResponse int64
	caFile      string
	insecure    bool
	baseDir     string

	scrub *xcetl.Scrubber // the pipeline's (extract.Env.Secrets), which every output is scrubbed with
}

// settings makes the settings of a spec: defaults applied, names
// canonical, secrets registered for scrubbing with sc (the pipeline's,
// extract.Env.Secrets; a scrubber of its own when nil). n is the spec's
// node (nil for a spec built in Go): values that came from ${VAR} are
// secrets too. A value that does not parse is left unset; Check reports it.
func (sp *Spec) settings(n *config.Node, sc *xcetl.Scrubber) settings {
	if sc == nil {
		sc = &xcetl.Scrubber{}
	}
	st := settings{method: strings.ToUpper(strings.TrimSpace(sp.Method)), caFile: sp.CAFile, insecure: sp.InsecureSkipVerify,
		columns: sp.Columns, timeout: sp.Timeout, retries: sp.Retries, backoff: sp.Backoff, maxBackoff: sp.MaxBackoff,
		scrub: sc}
	for _, k := range []string{"headers", "params", "body", "auth"} {
		addInterpolated(st.scrub, n.Get(k))
	}
	if u, err := url.Parse(strings.TrimSpace(sp.URL)); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		u.Fragment, u.RawFragment = "", ""
		st.url = u
		raw := sp.URL
		if un := n.Get("url"); un != nil {
			raw = un.Raw
		}
		urlSecrets(st.scrub, u, raw)
	}
	for _, h := range sp.Headers {
		v := h.Value.Reveal()
		st.headers = append(st.headers, [2]string{h.Key, v})
		// "Bearer abc…", "Basic base64", an API key: the credential
		// alone, or decoded, may be echoed back.
		st.scrub.AddAuthorization(v)
	}
	for _, p := range sp.Params {
		st.params = append(st.params, [2]string{p.Key, p.Value})
	}
	if sp.Body != nil && sp.Body.Kind != config.Null {
		st.body = sp.Body
	}
	if st.recordsRaw = strings.TrimSpace(sp.Records); st.recordsRaw != "" {
		st.records = strings.Split(st.recordsRaw, ".")
	}
	st.extra = or(sp.ExtraFields, extraReject)
	if sp.ExtraFields == "" && st.columns != nil {
		st.extra = extraIgnore
	}
	p := sp.Pagination
	st.pag, st.pageParam, st.sizeParam, st.offsetPar, st.cursorPar = p.Type, p.PageParam, p.SizeParam, p.OffsetParam, p.CursorParam
	st.start, st.maxPages, st.size, st.in = p.Start, p.MaxPages, p.Size, p.In
	st.stopOnShort = p.StopOnShortPage == nil || *p.StopOnShortPage
	if st.size == 0 && (st.pag == paginationPage || st.pag == paginationOffset) {
		st.size = defaultPageSize
	}
	if st.cursorRaw = strings.TrimSpace(p.CursorPath); st.cursorRaw != "" {
		st.cursorPath = strings.Split(st.cursorRaw, ".")
	}
	if st.body != nil && st.in != inBody {
		st.bodyJSON = nodeJSON(st.body, nil)
	}
	if a := sp.Auth; a != nil {
		st.auth, st.username, st.password = a.Type, a.Username, a.Password
		st.tokenURL, st.clientID, st.clientSecret, st.scope, st.clientAuth = a.TokenURL, a.ClientID, a.ClientSecret, a.Scope, a.ClientAuth
		st.scrub.AddPassword(a.Username, a.Password.Reveal())
		// The client secret is sent as HTTP Basic (escaped, RFC 6749
		// 2.3.1) or in the form.
		st.scrub.AddPassword(a.ClientID, a.ClientSecret.Reveal())
		st.scrub.AddPassword(url.QueryEscape(a.ClientID), url.QueryEscape(a.ClientSecret.Reveal()))
		if u, err := url.Parse(a.TokenURL); err == nil && a.Type == authClientCreds {
			raw := a.TokenURL
			if tn := n.Get("auth").Get("token_url"); tn != nil {
				raw = tn.Raw
			}
			urlSecrets(st.scrub, u, raw)
		}
	}
	st.rateRaw = strings.TrimSpace(sp.RateLimit)
	if sp.RateLimit != "" {
		st.rateEvery, _ = parseRate(sp.RateLimit)
	}
	st.maxResponse, _ = parseSize(sp.MaxResponseSize)
	if sp.Incremental != nil {
		st.inc = sp.Incremental.Incremental()
	}
	return st
}

// New builds an api source from its checked spec. Nothing is requested
// before Open.
func New(sp *Spec, env extract.Env) (extract.Extractor, error) {
	st := sp.settings(env.Node, env.Secrets)
	st.baseDir, st.perBatch = env.BaseDir, env.CommitPerBatch
	return &Extractor{st: st, log: env.Logger, wm: extract.NewWatermark(st.inc), wmCol: -1}, nil
}

// Check checks what no single key can: the URL, the body against the
// method, pagination against params, auth against headers, and the sizes
// and rates written as text.
func (sp *Spec) Check(c *config.Check) {
	st := sp.settings(c.Self(), nil)
	sp.checkURL(c, &st)
	for _, h := range sp.Headers {
		if !validHeaderName(h.Key) {
			c.At("headers").Errorf(h.Key, "%q is not a valid header name", h.Key)
		}
		if strings.ContainsAny(h.Value.Reveal(), "\r\n\x00") {
			c.At("headers").Errorf(h.Key, "header %s must be one line", h.Key)
		}
	}
	for _, p := range sp.Params {
		if p.Key == "" {
			c.Errorf("params", "a parameter name must not be empty")
		}
	}
	if st.body != nil && st.method != "POST" {
		c.Errorf("body", "body needs method: POST")
	}
	if slicesContain(st.records, "") {
		c.Errorf("records", "records %q has an empty part; write a dotted path such as data.items", sp.Records)
	}
	extract.CheckColumnsIn(c, "columns", sp.Columns, "leave it out to take the columns from the first page")
	if slicesContain(paginationTypes, st.pag) {
		if st.in == inBody && st.body == nil {
			c.At("pagination").Errorf("in", "in: body puts the paging values into the JSON body: it needs method: POST and a body mapping")
		}
		if st.body != nil && st.body.Kind != config.Map && st.in == inBody {
			c.Errorf("body", "pagination in: body needs body to be a mapping, got a %s", st.body.Kind)
		}
		st.conflicts(c)
	}
	if sp.Auth != nil {
		for _, h := range st.headers {
			if strings.EqualFold(h[0], "Authorization") {
				c.Errorf("auth", "auth sets the Authorization header, and headers sets it too; keep one of them")
			}
		}
	}
	if c.Has("max_backoff") && st.maxBackoff < st.backoff {
		c.Errorf("max_backoff", "max_backoff (%s) must not be less than backoff (%s)", st.maxBackoff, st.backoff)
	}
	if sp.RateLimit != "" {
		if _, err := parseRate(sp.RateLimit); err != nil {
			c.Errorf("rate_limit", "%v", err)
		}
	}
	if _, err := parseSize(sp.MaxResponseSize); err != nil {
		c.Errorf("max_response_size", "%v", err)
	}
	if st.insecure && st.caFile != "" {
		c.Errorf("insecure_skip_verify", "insecure_skip_verify and ca_file exclude each other: ca_file is the safe way to trust a private certificate authority")
	}
	if inc := st.inc; inc.Column != "" {
		if st.columns != nil && !slicesContain(st.columns, inc.Column) {
			c.At("incremental").Errorf("column", "incremental column %q is not among columns %v", inc.Column, st.columns)
		}
		if inc.Param != "" {
			st.incrementalConflicts(c, inc.Param)
		}
	}
}

// checkURL refuses a URL that is empty, does not parse, or is not http(s).
// url.Parse's message repeats the whole URL, password and all: it is
// scrubbed.
func (sp *Spec) checkURL(c *config.Check, st *settings) {
	raw := strings.TrimSpace(sp.URL)
	u, err := url.Parse(raw)
	switch {
	case raw == "" && !c.Has("url"):
		// missing: reported as a required key
	case raw == "":
		c.Errorf("url", "url must not be empty")
	case err != nil:
		msg := err.Error()
		if ue, ok := err.(*url.Error); ok {
			msg = ue.Err.Error()
		}
		c.Errorf("url", "url is not a valid URL: %s", st.scrub.Scrub(msg))
	case u.Scheme != "http" && u.Scheme != "https":
		c.Errorf("url", "url must start with http:// or https://, got %q", redactURL(u, st.scrub))
	case u.Host == "":
		c.Errorf("url", "url has no host")
	}
}

var paginationTypes = []string{paginationNone, paginationPage, paginationOffset, paginationCursor, paginationLink}

// Check checks the keys that depend on the pagination type.
func (p *Pagination) Check(c *config.Check) {
	if !slicesContain(paginationTypes, p.Type) {
		return // refused as an unknown type
	}
	if p.Type == paginationCursor {
		raw := strings.TrimSpace(p.CursorPath)
		if raw == "" {
			c.Errorf("cursor_path", "pagination type cursor needs cursor_path, the dotted path of the next cursor in the response (e.g. meta.next_cursor)")
		} else if slicesContain(strings.Split(raw, "."), "") {
			c.Errorf("cursor_path", "cursor_path %q has an empty part; write a dotted path such as meta.next_cursor", p.CursorPath)
		}
	}
	for _, k := range []struct {
		key  string
		used bool
	}{
		{"page_param", p.Type == paginationPage},
		{"start", p.Type == paginationPage},
		{"offset_param", p.Type == paginationOffset},
		{"cursor_path", p.Type == paginationCursor},
		{"cursor_param", p.Type == paginationCursor},
		{"size_param", p.Type != paginationNone},
		{"size", p.Type != paginationNone},
		{"max_pages", p.Type != paginationNone},
		{"stop_on_short_page", p.Type != paginationNone},
		{"in", p.Type != paginationNone && p.Type != paginationLink},
	} {
		if !k.used && c.Has(k.key) {
			c.Errorf(k.key, "%s is not used by pagination type %s", k.key, p.Type)
		}
	}
}

// Check checks the keys that depend on the type of authentication.
func (a *Auth) Check(c *config.Check) {
	switch a.Type {
	case authBasic:
		if a.Username == "" {
			c.Errorf("username", "auth type basic needs username")
		}
		if strings.Contains(a.Username, ":") {
			c.Errorf("username", "a basic auth username cannot contain \":\"")
		}
	case authClientCreds:
		if a.TokenURL == "" {
			c.Errorf("token_url", "auth type oauth2_client_credentials needs token_url")
		} else if u, err := url.Parse(a.TokenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.Errorf("token_url", "token_url must be an http:// or https:// URL")
		}
		if a.ClientID == "" || a.ClientSecret.IsZero() {
			c.Errorf("", "auth type oauth2_client_credentials needs client_id and client_secret")
		}
	default:
		return // refused as an unknown type
	}
	for _, k := range []string{"username", "password"} {
		if a.Type == authClientCreds && c.Has(k) {
			c.Errorf(k, "%s is for auth type basic", k)
		}
	}
	for _, k := range []string{"token_url", "client_id", "client_secret", "scope", "client_auth"} {
		if a.Type == authBasic && c.Has(k) {
			c.Errorf(k, "%s is for auth type oauth2_client_credentials", k)
		}
	}
}

// pagingParams returns the request parameters pagination sets.
func (st *settings) pagingParams() []string {
	var out []string
	switch st.pag {
	case paginationPage:
		out = append(out, st.pageParam)
	case paginationOffset:
		out = append(out, st.offsetPar)
	case paginationCursor:
		out = append(out, st.cursorPar)
	}
	if st.pag != paginationNone && st.size > 0 {
		out = append(out, st.sizeParam)
	}
	return out
}

// conflicts refuses parameters that pagination would set a second time:
// the server would see both values and pick one of them.
func (st *settings) conflicts(c *config.Check) {
	for _, name := range st.pagingParams() {
		if st.in == inBody {
			if st.body != nil && st.body.Get(name) != nil {
				c.At("body").Errorf(name, "body sets %q, which pagination sets on every request; remove it here", name)
			}
			continue
		}
		if st.hasParam(name) {
			c.At("params").Errorf(name, "params sets %q, which pagination sets on every request; remove it here", name)
		}
		if st.url != nil && st.url.Query().Has(name) {
			c.Errorf("url", "url already has the query parameter %q, which pagination sets on every request; remove it from the url", name)
		}
	}
	if st.pag == paginationPage && st.pageParam == st.sizeParam && st.size > 0 {
		c.Errorf("pagination", "page_param and size_param are both %q", st.pageParam)
	}
	if st.pag == paginationOffset && st.offsetPar == st.sizeParam {
		c.Errorf("pagination", "offset_param and size_param are both %q", st.offsetPar)
	}
}

func (st *settings) hasParam(name string) bool {
	for _, p := range st.params {
		if p[0] == name {
			return true
		}
	}
	return false
}

// incrementalConflicts refuses an incremental param that params, the url,
// the body or pagination already set.
func (st *settings) incrementalConflicts(c *config.Check, param string) {
	switch {
	case slicesContain(st.pagingParams(), param):
		c.At("incremental").Errorf("param", "param %q is set by pagination on every request; choose the name the API takes for \"changed since\"", param)
	case st.hasParam(param):
		c.At("params").Errorf(param, "params sets %q, which incremental sets to the watermark on every request; remove it here", param)
	case st.url != nil && st.url.Query().Has(param):
		c.Errorf("url", "url already has the query parameter %q, which incremental sets to the watermark; remove it from the url", param)
	case st.in == inBody && st.body != nil && st.body.Get(param) != nil:
		c.At("body").Errorf(param, "body sets %q, which incremental sets to the watermark on every request; remove it here", param)
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// validHeaderName reports whether s is an HTTP header field name (RFC 9110
// token).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// addInterpolated registers every scalar under n that came from a ${VAR}
// as a secret: tokens in params, headers and bodies are common.
func addInterpolated(s *xcetl.Scrubber, n *config.Node) {
	if n == nil {
		return
	}
	if n.Kind == config.Scalar && n.Raw != n.Value && strings.Contains(n.Raw, "${") {
		s.Add(n.Value, url.QueryEscape(n.Value), url.PathEscape(n.Value))
	}
	for _, e := range n.Entries {
		addInterpolated(s, e.Value)
	}
	for _, it := range n.Items {
		addInterpolated(s, it)
	}
}

// urlSecrets registers the secrets of a configured URL: the password of its
// user info, and every query value that is not written literally in raw
// (the text before ${VAR} interpolation), i.e. that came from a variable.
// The host and path are locations, not secrets: they stay readable in
// errors even when they came from a variable.
func urlSecrets(s *xcetl.Scrubber, u *url.URL, raw string) {
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			s.Add(p, url.QueryEscape(p), url.PathEscape(p))
		}
	}
	for _, part := range strings.Split(u.RawQuery, "&") {
		_, v, ok := strings.Cut(part, "=")
		if !ok || v == "" || strings.Contains(raw, part) {
			continue
		}
		s.Add(v)
		if uv, err := url.QueryUnescape(v); err == nil {
			s.Add(uv)
		}
	}
}

// nodeJSON renders a YAML value as JSON. Unquoted scalars that read as JSON
// numbers, booleans or null keep their JSON type; quoted ones are strings.
func nodeJSON(n *config.Node, b []byte) []byte {
	switch n.Kind {
	case config.Null:
		return append(b, "null"...)
	case config.Scalar:
		if !n.Quoted {
			switch n.Value {
			case "true", "false", "null":
				return append(b, n.Value...)
			}
			if jsonNumber(n.Value) {
				return append(b, n.Value...)
			}
		}
		return appendJSONString(b, n.Value)
	case config.List:
		b = append(b, '[')
		for i, it := range n.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = nodeJSON(it, b)
		}
		return append(b, ']')
	}
	b = append(b, '{')
	for i, e := range n.Entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, e.Key)
		b = append(b, ':')
		b = nodeJSON(e.Value, b)
	}
	return append(b, '}')
}

// jsonNumber reports whether s is a number in JSON's syntax (no leading
// zeros, "+", hex or "_").
func jsonNumber(s string) bool {
	end, ok := scanNumber([]byte(s), 0)
	return ok && end == len(s)
}

// parseRate reads "10/s", "600/m" (or /min) or "3600/h" as the interval
// between requests.
func parseRate(s string) (time.Duration, error) {
	num, unit, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "/")
	n, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || n <= 0 || n > 1e6 {
		return 0, fmt.Errorf("rate_limit must look like 10/s, 600/m or 3600/h, got %q", s)
	}
	var per time.Duration
	switch unit {
	case "s", "sec", "second":
		per = time.Second
	case "m", "min", "minute":
		per = time.Minute
	case "h", "hour":
		per = time.Hour
	default:
		return 0, fmt.Errorf("rate_limit must look like 10/s, 600/m or 3600/h, got %q", s)
	}
	return time.Duration(float64(per) / n), nil
}

// parseSize reads a byte size: 1048576, 512KiB, 64MiB, 1GiB (KB/MB/GB are
// read as the binary units too).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suf)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("max_response_size must be a size such as 64MiB (at most 1TiB), got %q", s)
	}
	return n * mult, nil
}

// formatSize renders a byte count the way max_response_size is written.
func formatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Describe returns one line for `xcetl explain`, without secrets.
func (e *Extractor) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "api %s %s (records %s, pagination %s", e.st.method, redactURL(e.st.url, e.st.scrub), or(e.st.recordsRaw, defaultRecordsLabel), e.st.pag)
	if e.st.pag != paginationNone && e.st.size > 0 {
		fmt.Fprintf(&b, " size %d", e.st.size)
	}
	if e.st.maxPages > 0 {
		fmt.Fprintf(&b, " max_pages %d", e.st.maxPages)
	}
	if e.st.in == inBody {
		b.WriteString(" in body")
	}
	if e.st.auth != "" {
		fmt.Fprintf(&b, ", auth %s", e.st.auth)
	}
	if e.st.columns != nil {
		fmt.Fprintf(&b, ", columns %v", e.st.columns)
	}
	if inc := e.st.inc; inc.Column != "" {
		fmt.Fprintf(&b, ", incremental on %s", inc.Column)
		if inc.Param != "" {
			fmt.Fprintf(&b, " (sent as %s)", inc.Param)
		}
	}
	fmt.Fprintf(&b, ", extra fields %s", e.st.extra)
	fmt.Fprintf(&b, ", retries %d, timeout %s", e.st.retries, e.st.timeout)
	if e.st.rateEvery > 0 {
		fmt.Fprintf(&b, ", rate_limit %s", e.st.rateRaw)
	}
	if e.st.insecure {
		b.WriteString(", TLS verification OFF")
	}
	b.WriteByte(')')
	return b.String()
}
