package api

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/xcetl/xcetl"
)

// secretParamWords mark query parameters whose values are credentials,
// whatever their value: ?access_token=…, ?api_key=…, ?sign=….
var secretParamWords = []string{"token", "secret", "password", "passwd", "pwd", "key", "sign", "auth", "credential", "session", "ticket", "sig"}

// secretParam reports whether a query parameter name looks like it carries
// a credential.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretParamWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// redactURL renders u for messages and origins: the password of its user
// info and the values of credential-like query parameters become "***",
// the fragment is dropped, and every known secret is scrubbed.
func redactURL(u *url.URL, s *xcetl.Scrubber) string {
	if u == nil {
		return ""
	}
	c := *u
	c.Fragment, c.RawFragment = "", ""
	masked := false
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User, masked = url.UserPassword(c.User.Username(), "xcetlPW"), true
		}
	}
	if c.RawQuery != "" {
		parts := strings.Split(c.RawQuery, "&")
		for i, p := range parts {
			name, _, ok := strings.Cut(p, "=")
			if un, err := url.QueryUnescape(name); err == nil {
				name = un
			}
			if ok && secretParam(name) {
				parts[i] = p[:strings.IndexByte(p, '=')] + "=***"
			}
		}
		c.RawQuery = strings.Join(parts, "&")
	}
	out := c.String()
	if masked {
		// url.URL escapes '*' in user info; "***" reads better.
		out = strings.Replace(out, ":xcetlPW@", ":***@", 1)
	}
	return s.Scrub(out)
}

// scrubErr returns err with every secret of s removed from its message.
func scrubErr(s *xcetl.Scrubber, err error) error { return s.ScrubError(err) }

// snippet returns the first bodySnippet bytes of a body for an error
// message, cut at a character boundary, scrubbed, with control characters
// shown escaped.
func snippet(body []byte, s *xcetl.Scrubber) string {
	b := body
	cut := false
	if len(b) > bodySnippet {
		b, cut = b[:bodySnippet], true
		// Do not split a UTF-8 character.
		j := len(b) - 1
		for j > 0 && j > len(b)-utf8.UTFMax && !utf8.RuneStart(b[j]) {
			j--
		}
		if !utf8.FullRune(b[j:]) {
			b = b[:j]
		}
	}
	var sb strings.Builder
	for _, r := range strings.ToValidUTF8(string(b), "\uFFFD") {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			sb.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			sb.WriteString("\uFFFD")
		default:
			sb.WriteRune(r)
		}
	}
	out := strings.TrimSpace(s.Scrub(sb.String()))
	if out == "" {
		return "(empty body)"
	}
	if cut {
		out += " …"
	}
	return out
}
