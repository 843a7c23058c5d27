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
	extract.Register("api", New)
}

// Defaults and limits.
const (
	defaultTimeout      = 30 * time.Second
	defaultRetries      = 3
	defaultBackoff      = 500 * time.Millisecond
	defaultMaxBackoff   = 30 * time.Second
	defaultMaxResponse  = 64 << 20
	defaultPageSize     = 100
	maxRetries          = 20
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

type paginationSpec struct {
	Type            string `yaml:"type"`
	PageParam       string `yaml:"page_param"`
	Start           *int   `yaml:"start"`
	SizeParam       string `yaml:"size_param"`
	Size            int    `yaml:"size"`
	OffsetParam     string `yaml:"offset_param"`
	CursorPath      string `yaml:"cursor_path"`
	CursorParam     string `yaml:"cursor_param"`
	MaxPages        int    `yaml:"max_pages"`
	StopOnShortPage *bool  `yaml:"stop_on_short_page"`
	In              string `yaml:"in"`
}

type authSpec struct {
	Type         string       `yaml:"type,required"`
	Username     string       `yaml:"username"`
	Password     xcetl.Secret `yaml:"password"`
	TokenURL     string       `yaml:"token_url"`
	ClientID     string       `yaml:"client_id"`
	ClientSecret xcetl.Secret `yaml:"client_secret"`
	Scope        string       `yaml:"scope"`
	ClientAuth   string       `yaml:"client_auth"`
}

// spec is the YAML form of the source.
type spec struct {
	Type               string                  `yaml:"type"`
	URL                string                  `yaml:"url,required"`
	Method             string                  `yaml:"method"`
	Headers            map[string]xcetl.Secret `yaml:"headers"`
	Params             map[string]string       `yaml:"params"`
	Body               *config.Node            `yaml:"body"`
	Records            string                  `yaml:"records"`
	Columns            []string                `yaml:"columns"`
	Incremental        *config.Node            `yaml:"incremental"`
	ExtraFields        string                  `yaml:"extra_fields"`
	Pagination         *paginationSpec         `yaml:"pagination"`
	Auth               *authSpec               `yaml:"auth"`
	Timeout            *time.Duration          `yaml:"timeout"`
	Retries            *int                    `yaml:"retries"`
	Backoff            *time.Duration          `yaml:"backoff"`
	MaxBackoff         *time.Duration          `yaml:"max_backoff"`
	RateLimit          string                  `yaml:"rate_limit"`
	MaxResponseSize    string                  `yaml:"max_response_size"`
	CAFile             string                  `yaml:"ca_file"`
	InsecureSkipVerify bool                    `yaml:"insecure_skip_verify"`
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

// New builds an api source from its `source:` mapping. It checks the
// configuration only; nothing is requested before Open.
func New(n *config.Node, env extract.Env) (extract.Extractor, error) {
	var sp spec
	errs := config.Decode(n, &sp)
	at := func(parent *config.Node, key string) *config.Node {
		if v := parent.Get(key); v != nil {
			return v
		}
		if parent == nil {
			return n
		}
		return parent
	}
	st := settings{
		method: "GET", pag: paginationNone, timeout: defaultTimeout, retries: defaultRetries,
		backoff: defaultBackoff, maxBackoff: defaultMaxBackoff, maxResponse: defaultMaxResponse,
		baseDir: env.BaseDir, caFile: sp.CAFile, insecure: sp.InsecureSkipVerify, columns: sp.Columns,
		in: inQuery, stopOnShort: true, scrub: env.Secrets,
	}
	if st.scrub == nil {
		st.scrub = &xcetl.Scrubber{}
	}
	for _, k := range []string{"headers", "params", "body", "auth"} {
		addInterpolated(st.scrub, n.Get(k))
	}

	if un := n.Get("url"); un != nil && (un.Kind == config.Scalar || un.Kind == config.Null) {
		u, err := url.Parse(strings.TrimSpace(sp.URL))
		switch {
		case strings.TrimSpace(sp.URL) == "":
			errs = append(errs, un.Errorf("url must not be empty"))
		case err != nil:
			// url.Parse's message repeats the whole URL, password and all.
			msg := err.Error()
			if ue, ok := err.(*url.Error); ok {
				msg = ue.Err.Error()
			}
			errs = append(errs, un.Errorf("url is not a valid URL: %s", st.scrub.Scrub(msg)))
		case u.Scheme != "http" && u.Scheme != "https":
			errs = append(errs, un.Errorf("url must start with http:// or https://, got %q", redactURL(u, st.scrub)))
		case u.Host == "":
			errs = append(errs, un.Errorf("url has no host"))
		default:
			u.Fragment, u.RawFragment = "", ""
			st.url = u
			urlSecrets(st.scrub, u, un.Raw)
		}
	}
	if sp.Method != "" {
		m := strings.ToUpper(strings.TrimSpace(sp.Method))
		if m != "GET" && m != "POST" {
			errs = append(errs, at(n, "method").Errorf("method must be GET or POST, got %q", sp.Method))
		}
		st.method = m
	}
	if hn := n.Get("headers"); hn != nil {
		for _, e := range hn.Entries {
			v := sp.Headers[e.Key]
			st.headers = append(st.headers, [2]string{e.Key, v.Reveal()})
			// "Bearer abc…", "Basic base64", an API key: the credential
			// alone, or decoded, may be echoed back.
			st.scrub.AddAuthorization(v.Reveal())
			if !validHeaderName(e.Key) {
				errs = append(errs, e.Value.Errorf("%q is not a valid header name", e.Key))
			}
			if strings.ContainsAny(v.Reveal(), "\r\n\x00") {
				errs = append(errs, e.Value.Errorf("header %s must be one line", e.Key))
			}
		}
	}
	if pn := n.Get("params"); pn != nil {
		for _, e := range pn.Entries {
			st.params = append(st.params, [2]string{e.Key, sp.Params[e.Key]})
			if e.Key == "" {
				errs = append(errs, e.Value.Errorf("a parameter name must not be empty"))
			}
		}
	}
	if sp.Body != nil && sp.Body.Kind != config.Null {
		if st.method != "POST" {
			errs = append(errs, sp.Body.Errorf("body needs method: POST"))
		}
		st.body = sp.Body
	}
	st.recordsRaw = strings.TrimSpace(sp.Records)
	if st.recordsRaw != "" {
		st.records = strings.Split(st.recordsRaw, ".")
		if slicesContain(st.records, "") {
			errs = append(errs, at(n, "records").Errorf("records %q has an empty part; write a dotted path such as data.items", sp.Records))
		}
	}
	errs = append(errs, extract.CheckColumns(n.Get("columns"), sp.Columns, "leave it out to take the columns from the first page")...)
	st.extra = extraReject
	if st.columns != nil {
		st.extra = extraIgnore
	}
	if sp.ExtraFields != "" {
		switch sp.ExtraFields {
		case extraReject, extraIgnore:
			st.extra = sp.ExtraFields
		default:
			errs = append(errs, at(n, "extra_fields").Errorf("extra_fields must be reject or ignore, got %q%s",
				sp.ExtraFields, xcetl.DidYouMean(sp.ExtraFields, []string{extraReject, extraIgnore})))
		}
	}

	if p := sp.Pagination; p != nil {
		errs = append(errs, st.pagination(p, n.Get("pagination"), at)...)
	}
	if st.body != nil && st.body.Kind != config.Map && st.in == inBody {
		errs = append(errs, st.body.Errorf("pagination in: body needs body to be a mapping, got a %s", st.body.Kind))
	}
	if st.body != nil && st.in != inBody {
		st.bodyJSON = nodeJSON(st.body, nil)
	}
	errs = append(errs, st.conflicts(n)...)

	if a := sp.Auth; a != nil {
		errs = append(errs, st.authentication(a, n.Get("auth"), at)...)
	}
	if sp.Timeout != nil {
		st.timeout = *sp.Timeout
		if st.timeout <= 0 {
			errs = append(errs, at(n, "timeout").Errorf("timeout must be more than 0"))
		}
	}
	if sp.Retries != nil {
		st.retries = *sp.Retries
		if st.retries < 0 || st.retries > maxRetries {
			errs = append(errs, at(n, "retries").Errorf("retries must be 0 to %d, got %d", maxRetries, st.retries))
		}
	}
	if sp.Backoff != nil {
		st.backoff = *sp.Backoff
	}
	if sp.MaxBackoff != nil {
		st.maxBackoff = *sp.MaxBackoff
		if st.maxBackoff < st.backoff {
			errs = append(errs, at(n, "max_backoff").Errorf("max_backoff (%s) must not be less than backoff (%s)", st.maxBackoff, st.backoff))
		}
	}
	if sp.RateLimit != "" {
		d, err := parseRate(sp.RateLimit)
		if err != nil {
			errs = append(errs, at(n, "rate_limit").Errorf("%v", err))
		}
		st.rateEvery, st.rateRaw = d, strings.TrimSpace(sp.RateLimit)
	}
	if sp.MaxResponseSize != "" {
		sz, err := parseSize(sp.MaxResponseSize)
		if err != nil {
			errs = append(errs, at(n, "max_response_size").Errorf("%v", err))
		}
		st.maxResponse = sz
	}
	if st.insecure && st.caFile != "" {
		errs = append(errs, at(n, "insecure_skip_verify").Errorf("insecure_skip_verify and ca_file exclude each other: ca_file is the safe way to trust a private certificate authority"))
	}
	st.perBatch = env.CommitPerBatch
	if in := n.Get("incremental"); in != nil {
		inc, ierrs := extract.DecodeIncremental(in)
		errs = append(errs, ierrs...)
		switch {
		case inc.Files:
			errs = append(errs, in.Errorf("an api source takes incremental: {column: updated_at, param: updated_since}; `files` is for file sources"))
		case inc.Column != "" && st.columns != nil && !slicesContain(st.columns, inc.Column):
			errs = append(errs, at(in, "column").Errorf("incremental column %q is not among columns %v", inc.Column, st.columns))
		}
		if inc.Param != "" {
			errs = append(errs, st.incrementalConflicts(n, in, inc.Param)...)
		}
		st.inc = inc
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	return &Extractor{st: st, log: env.Logger, wm: extract.NewWatermark(st.inc), wmCol: -1}, nil
}

// pagination checks the `pagination:` mapping pn.
func (st *settings) pagination(p *paginationSpec, pn *config.Node, at func(*config.Node, string) *config.Node) xcetl.SpecErrors {
	var errs xcetl.SpecErrors
	st.pag = strings.ToLower(strings.TrimSpace(p.Type))
	if st.pag == "" {
		st.pag = paginationNone
	}
	kinds := []string{paginationNone, paginationPage, paginationOffset, paginationCursor, paginationLink}
	known := slicesContain(kinds, st.pag)
	if !known {
		errs = append(errs, at(pn, "type").Errorf("pagination type must be one of none, page, offset, cursor, link; got %q%s", p.Type, xcetl.DidYouMean(p.Type, kinds)))
	}
	st.pageParam, st.sizeParam, st.offsetPar, st.cursorPar = or(p.PageParam, "page"), or(p.SizeParam, "size"), or(p.OffsetParam, "offset"), or(p.CursorParam, "cursor")
	st.start, st.maxPages = 1, p.MaxPages
	if st.pag == paginationPage || st.pag == paginationOffset {
		st.size = defaultPageSize
	}
	if p.Start != nil {
		st.start = *p.Start
		if st.start < 0 {
			errs = append(errs, at(pn, "start").Errorf("start must be 0 or more, got %d", st.start))
		}
	}
	if pn.Get("size") != nil {
		st.size = p.Size
		if p.Size < 1 {
			errs = append(errs, at(pn, "size").Errorf("size must be 1 or more, got %d", p.Size))
		}
	}
	if p.MaxPages < 0 {
		errs = append(errs, at(pn, "max_pages").Errorf("max_pages must be 0 (no limit) or more, got %d", p.MaxPages))
	}
	if p.StopOnShortPage != nil {
		st.stopOnShort = *p.StopOnShortPage
	}
	if p.In != "" {
		st.in = strings.ToLower(p.In)
		if st.in != inQuery && st.in != inBody {
			errs = append(errs, at(pn, "in").Errorf("in must be query or body, got %q", p.In))
		}
	}
	if st.in == inBody && st.body == nil && known {
		errs = append(errs, at(pn, "in").Errorf("in: body puts the paging values into the JSON body: it needs method: POST and a body mapping"))
	}
	if st.pag == paginationCursor {
		st.cursorRaw = strings.TrimSpace(p.CursorPath)
		if st.cursorRaw == "" {
			errs = append(errs, at(pn, "cursor_path").Errorf("pagination type cursor needs cursor_path, the dotted path of the next cursor in the response (e.g. meta.next_cursor)"))
		} else {
			st.cursorPath = strings.Split(st.cursorRaw, ".")
			if slicesContain(st.cursorPath, "") {
				errs = append(errs, at(pn, "cursor_path").Errorf("cursor_path %q has an empty part; write a dotted path such as meta.next_cursor", p.CursorPath))
			}
		}
	}
	for _, k := range []struct {
		key  string
		used bool
	}{
		{"page_param", st.pag == paginationPage},
		{"start", st.pag == paginationPage},
		{"offset_param", st.pag == paginationOffset},
		{"cursor_path", st.pag == paginationCursor},
		{"cursor_param", st.pag == paginationCursor},
		{"size_param", st.pag != paginationNone},
		{"size", st.pag != paginationNone},
		{"max_pages", st.pag != paginationNone},
		{"stop_on_short_page", st.pag != paginationNone},
		{"in", st.pag != paginationNone && st.pag != paginationLink},
	} {
		if v := pn.Get(k.key); v != nil && !k.used && known {
			errs = append(errs, v.Errorf("%s is not used by pagination type %s", k.key, st.pag))
		}
	}
	return errs
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
func (st *settings) conflicts(n *config.Node) xcetl.SpecErrors {
	var errs xcetl.SpecErrors
	for _, name := range st.pagingParams() {
		if st.in == inBody {
			if st.body != nil && st.body.Get(name) != nil {
				errs = append(errs, st.body.Get(name).Errorf("body sets %q, which pagination sets on every request; remove it here", name))
			}
			continue
		}
		if pn := n.Get("params"); pn != nil && pn.Get(name) != nil {
			errs = append(errs, pn.Get(name).Errorf("params sets %q, which pagination sets on every request; remove it here", name))
		}
		if st.url != nil && st.url.Query().Has(name) {
			errs = append(errs, n.Get("url").Errorf("url already has the query parameter %q, which pagination sets on every request; remove it from the url", name))
		}
	}
	if st.pag == paginationPage && st.pageParam == st.sizeParam && st.size > 0 {
		errs = append(errs, n.Get("pagination").Errorf("page_param and size_param are both %q", st.pageParam))
	}
	if st.pag == paginationOffset && st.offsetPar == st.sizeParam {
		errs = append(errs, n.Get("pagination").Errorf("offset_param and size_param are both %q", st.offsetPar))
	}
	return errs
}

// incrementalConflicts refuses an incremental param that params, the url,
// the body or pagination already set.
func (st *settings) incrementalConflicts(n, in *config.Node, param string) xcetl.SpecErrors {
	pn := in.Get("param")
	if pn == nil {
		pn = in
	}
	if slicesContain(st.pagingParams(), param) {
		return xcetl.SpecErrors{pn.Errorf("param %q is set by pagination on every request; choose the name the API takes for \"changed since\"", param)}
	}
	if p := n.Get("params"); p != nil && p.Get(param) != nil {
		return xcetl.SpecErrors{p.Get(param).Errorf("params sets %q, which incremental sets to the watermark on every request; remove it here", param)}
	}
	if st.url != nil && st.url.Query().Has(param) {
		return xcetl.SpecErrors{n.Get("url").Errorf("url already has the query parameter %q, which incremental sets to the watermark; remove it from the url", param)}
	}
	if st.in == inBody && st.body != nil && st.body.Get(param) != nil {
		return xcetl.SpecErrors{st.body.Get(param).Errorf("body sets %q, which incremental sets to the watermark on every request; remove it here", param)}
	}
	return nil
}

// authentication checks the `auth:` mapping an.
func (st *settings) authentication(a *authSpec, an *config.Node, at func(*config.Node, string) *config.Node) xcetl.SpecErrors {
	var errs xcetl.SpecErrors
	st.auth = a.Type
	switch a.Type {
	case authBasic:
		if a.Username == "" {
			errs = append(errs, at(an, "username").Errorf("auth type basic needs username"))
		}
		if strings.Contains(a.Username, ":") {
			errs = append(errs, at(an, "username").Errorf("a basic auth username cannot contain \":\""))
		}
		st.username, st.password = a.Username, a.Password
		st.scrub.AddPassword(a.Username, a.Password.Reveal())
	case authClientCreds:
		if a.TokenURL == "" {
			errs = append(errs, at(an, "token_url").Errorf("auth type oauth2_client_credentials needs token_url"))
		} else if u, err := url.Parse(a.TokenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, at(an, "token_url").Errorf("token_url must be an http:// or https:// URL"))
		} else {
			urlSecrets(st.scrub, u, at(an, "token_url").Raw)
		}
		if a.ClientID == "" || a.ClientSecret.IsZero() {
			errs = append(errs, an.Errorf("auth type oauth2_client_credentials needs client_id and client_secret"))
		}
		st.tokenURL, st.clientID, st.clientSecret, st.scope = a.TokenURL, a.ClientID, a.ClientSecret, a.Scope
		// Sent as HTTP Basic (escaped, RFC 6749 2.3.1) or in the form.
		st.scrub.AddPassword(a.ClientID, a.ClientSecret.Reveal())
		st.scrub.AddPassword(url.QueryEscape(a.ClientID), url.QueryEscape(a.ClientSecret.Reveal()))
		st.clientAuth = or(a.ClientAuth, clientAuthBasic)
		if st.clientAuth != clientAuthBasic && st.clientAuth != clientAuthBody {
			errs = append(errs, at(an, "client_auth").Errorf("client_auth must be basic or body, got %q", a.ClientAuth))
		}
	default:
		errs = append(errs, at(an, "type").Errorf("auth type must be basic or oauth2_client_credentials, got %q%s", a.Type, xcetl.DidYouMean(a.Type, []string{authBasic, authClientCreds})))
	}
	for _, k := range []string{"username", "password"} {
		if v := an.Get(k); v != nil && a.Type == authClientCreds {
			errs = append(errs, v.Errorf("%s is for auth type basic", k))
		}
	}
	for _, k := range []string{"token_url", "client_id", "client_secret", "scope", "client_auth"} {
		if v := an.Get(k); v != nil && a.Type == authBasic {
			errs = append(errs, v.Errorf("%s is for auth type oauth2_client_credentials", k))
		}
	}
	for _, h := range st.headers {
		if strings.EqualFold(h[0], "Authorization") {
			errs = append(errs, an.Errorf("auth sets the Authorization header, and headers sets it too; keep one of them"))
		}
	}
	return errs
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
