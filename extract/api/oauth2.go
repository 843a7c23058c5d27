package api

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// tokenMargin is how long before its announced expiry a token is replaced,
// so that a request never leaves with a token that expires on the way.
const tokenMargin = 30 * time.Second

// bearer returns the cached oauth2 access token, fetching a new one from
// token_url (client credentials grant, RFC 6749 4.4) when there is none or
// it is about to expire.
func (e *Extractor) bearer(ctx context.Context) (string, error) {
	if e.token != "" && (e.tokenExp.IsZero() || time.Now().Before(e.tokenExp)) {
		return e.token, nil
	}
	u, err := url.Parse(e.st.tokenURL)
	if err != nil {
		return "", fmt.Errorf("oauth2 token_url: %s", e.st.scrub.Scrub(urlErrText(err)))
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if e.st.scope != "" {
		form.Set("scope", e.st.scope)
	}
	if e.st.clientAuth == clientAuthBody {
		form.Set("client_id", e.st.clientID)
		form.Set("client_secret", e.st.clientSecret.Reveal())
	}
	resp, err := e.do(ctx, request{method: "POST", url: u, body: []byte(form.Encode()), form: true, token: true}, nil)
	if err != nil {
		return "", err
	}
	tok, exp, err := parseToken(resp.body)
	if err != nil {
		return "", fmt.Errorf("oauth2 token request to %s: %w: %s", redactURL(u, e.st.scrub), err, snippet(resp.body, e.st.scrub))
	}
	e.st.scrub.Add(tok)
	e.token = tok
	e.tokenExp = time.Time{}
	if exp > 0 {
		margin := min(tokenMargin, exp/10)
		e.tokenExp = time.Now().Add(exp - margin)
	}
	e.stats.tokens.Add(1)
	return tok, nil
}

// parseToken reads a token response: access_token, token_type (Bearer, or
// absent) and expires_in (seconds, as a number or a string).
func parseToken(body []byte) (string, time.Duration, error) {
	body = trimBOM(body)
	if _, err := scanPage(body, nil, nil); err != nil {
		return "", 0, fmt.Errorf("the response is not JSON (%v)", err)
	}
	if i := ws(body, 0); i >= len(body) || body[i] != '{' {
		return "", 0, fmt.Errorf("the response is not a JSON object")
	}
	var tok, typ, exp string
	f := flattener{data: body}
	f.leaf = func(name []byte, kind byte, start, end int, complex bool) {
		var v string
		switch kind {
		case kindString:
			v = string(appendString(nil, body[start:end], complex))
		case kindNumber:
			v = string(body[start:end])
		default:
			return
		}
		switch string(name) {
		case "access_token":
			tok = v
		case "token_type":
			typ = v
		case "expires_in":
			exp = v
		}
	}
	if _, err := f.record(ws(body, 0)); err != nil {
		return "", 0, err
	}
	if tok == "" {
		return "", 0, fmt.Errorf("the response has no access_token")
	}
	if typ != "" && !strings.EqualFold(typ, "bearer") {
		return "", 0, fmt.Errorf("token_type is %q; only Bearer tokens are supported", typ)
	}
	var d time.Duration
	if exp != "" {
		secs, err := strconv.ParseFloat(exp, 64)
		if err != nil || secs < 0 {
			return "", 0, fmt.Errorf("expires_in %q is not a number of seconds", exp)
		}
		d = time.Duration(min(secs, 365*24*3600) * float64(time.Second))
	}
	return tok, d, nil
}

// trimBOM removes a UTF-8 byte order mark, which some servers (IIS, .NET)
// put before JSON.
func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}
