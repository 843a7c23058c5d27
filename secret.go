package xcetl

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Secret holds a value that must never be printed: a DSN with a password,
// an SM4 key, an API token. Every way of printing it (fmt verbs, JSON, slog)
// gives "[redacted]"; the value is reached only through Reveal.
type Secret struct{ v string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{v: s} }

// Reveal returns the secret value. Call it only where the value is handed to
// a driver or a cipher, never to build a message.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == "" }

const redacted = "[redacted]"

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer (%#v).
func (s Secret) GoString() string { return redacted }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// IsSecretParam reports whether a DSN or URL parameter of this name holds
// a credential: password, sslpassword, passwd, pwd, client_secret, token,
// access_token, api_key, … (case-insensitive).
func IsSecretParam(name string) bool {
	n := strings.ToLower(name)
	for _, w := range [...]string{"password", "passwd", "pwd", "secret", "token", "api_key", "apikey"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// secretParam finds password-like parameters of a DSN in key=value form
// (`host=h sslpassword='a b'`) and in a URL's query (`?sslpassword=x&…`)
// — anywhere, also inside what looks like another key's quoted value, for
// a DSN with an unbalanced quote must not hide a password from us while a
// driver may still show it: group 1 is the key, group 2 the value as
// written. The names are those of IsSecretParam.
var secretParam = regexp.MustCompile(`(?i)([a-z0-9_.-]*(?:password|passwd|pwd|secret|token|api_?key)[a-z0-9_.-]*)\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s&;]*)`)

// redactParams replaces the values of secret parameters in s with "***".
func redactParams(s string) string {
	ms := secretParam.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if m[4] == m[5] {
			continue
		}
		b.WriteString(s[last:m[4]])
		b.WriteString("***")
		last = m[5]
	}
	b.WriteString(s[last:])
	return b.String()
}

// unquoteParam returns a key=value DSN value without its quotes and
// backslash escapes (libpq's rules).
func unquoteParam(v string) string {
	if len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' {
		return v
	}
	v = v[1 : len(v)-1]
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// parseURLDSN parses a DSN in URL form. ok is false when it is not one, or
// when it does not parse cleanly: a DSN has no fragment, so a '#' means an
// unencoded character in the password, which would hide the password's
// tail from the parser (and show it as a "fragment"); likewise an '@'
// after the first '/' or '?'.
func parseURLDSN(dsn string) (u *url.URL, isURL, ok bool) {
	i := strings.Index(dsn, "://")
	if i <= 0 || strings.ContainsAny(dsn[:i], " =") {
		return nil, false, false
	}
	u, err := url.Parse(dsn)
	rest := dsn[i+3:]
	if at, slash := strings.LastIndex(rest, "@"), strings.IndexAny(rest, "/?"); err != nil || strings.Contains(dsn, "#") || at > slash && slash >= 0 {
		// An '@' after the host's end: an unencoded '/' or '?' in the
		// password moved the user information into the path for the URL
		// parser, which drivers may read otherwise.
		return nil, true, false
	}
	return u, true, true
}

// RedactDSN returns dsn with its secrets replaced by "***": the password of
// a URL (postgres://user:***@host/db) and every password-like parameter in
// URL and key=value form (password=, sslpassword=, …). A URL-form DSN that
// does not parse is shown without anything after its scheme: where its
// user information ends cannot be known. A DSN that is a plain file path
// is returned as it is.
func RedactDSN(dsn string) string {
	u, isURL, ok := parseURLDSN(dsn)
	if !isURL {
		if m := driverDSN.FindStringSubmatchIndex(dsn); m != nil && m[4] >= 0 {
			return redactParams(dsn[:m[4]] + "***" + dsn[m[5]:])
		}
		return redactParams(dsn)
	}
	if !ok {
		return schemePrefix(dsn) + "*** (the dsn does not parse as a URL: %-encode the characters @ : / ? # % in the password)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxx")
		return redactParams(strings.Replace(u.String(), ":xxx@", ":***@", 1))
	}
	return redactParams(dsn)
}

// driverDSN matches go-sql-driver/mysql's DSN form, user:password@tcp(host)/db
// (the password may contain anything but is followed by the last "@" before
// the protocol).
var driverDSN = regexp.MustCompile(`^([^:@/]*):(.*)@(?:tcp|tcp6|unix|pipe|memory)?\(`)

// schemePrefix is the scheme of a URL with "://".
func schemePrefix(dsn string) string { return dsn[:strings.Index(dsn, "://")+3] }

// Scrubber replaces known secret values in text (error messages, driver
// output, logs, reports) with "***". It learns each secret in the forms it
// can take on the way out — raw, URL-encoded and -decoded, JSON-escaped,
// base64 of user:password, the credential of an Authorization header — so
// that a server echoing a credential back in its own encoding is scrubbed
// too. The zero value scrubs nothing; a Scrubber is safe for concurrent
// use and must not be copied after first use.
type Scrubber struct {
	mu      sync.RWMutex
	secrets []string // longest first: a secret containing another is replaced whole
	seen    map[string]bool
	maxLen  int
}

// Add registers values to hide, with their URL-escaped and JSON-escaped
// forms. Short values (under 4 bytes) are ignored: hiding them would
// mangle ordinary text.
func (s *Scrubber) Add(values ...string) {
	var forms []string
	for _, v := range values {
		forms = append(forms, v, url.QueryEscape(v), url.PathEscape(v), jsonEscape(v, true), jsonEscape(v, false))
	}
	s.add(forms...)
}

func (s *Scrubber) add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for _, v := range values {
		if len(v) < 4 || s.seen[v] {
			continue
		}
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		s.seen[v] = true
		s.secrets = append(s.secrets, v)
		s.maxLen = max(s.maxLen, len(v))
		changed = true
	}
	if changed {
		sort.SliceStable(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
	}
}

// jsonEscape is v as it appears inside a JSON string.
func jsonEscape(v string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(v)
	out := strings.TrimSuffix(b.String(), "\n")
	return strings.TrimSuffix(strings.TrimPrefix(out, `"`), `"`)
}

// AddPassword registers a password, with the base64 forms of
// "user:password" that HTTP Basic authentication sends (and that a server
// may echo back).
func (s *Scrubber) AddPassword(user, password string) {
	if password == "" {
		return
	}
	s.Add(password)
	cred := user + ":" + password
	s.add(base64.StdEncoding.EncodeToString([]byte(cred)), base64.RawStdEncoding.EncodeToString([]byte(cred)),
		base64.URLEncoding.EncodeToString([]byte(cred)), base64.RawURLEncoding.EncodeToString([]byte(cred)))
}

// AddAuthorization registers the value of an Authorization (or API key)
// header: the whole value, the credential after its scheme ("Bearer x" →
// x), and for Basic the password inside the base64.
func (s *Scrubber) AddAuthorization(value string) {
	value = strings.TrimSpace(value)
	s.Add(value)
	scheme, cred, ok := strings.Cut(value, " ")
	if !ok {
		return
	}
	cred = strings.TrimSpace(cred)
	s.Add(cred)
	if strings.EqualFold(scheme, "basic") {
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if user, pw, ok := strings.Cut(string(raw), ":"); ok {
				s.AddPassword(user, pw)
			}
		}
	}
}

// AddDSN registers a DSN and every secret inside it: the password of a
// URL-form DSN (also when unencoded '@', ':', '/', '?' or '#' in it keep
// the DSN from parsing: then each piece the driver might show as a host
// or user name), and the value of every password-like parameter, in URL
// and key=value form.
func (s *Scrubber) AddDSN(dsn string) {
	if RedactDSN(dsn) != dsn {
		// The whole DSN is a secret only when it holds one: a SQLite
		// file path stays readable in messages.
		s.add(dsn)
	}
	u, isURL, ok := parseURLDSN(dsn)
	if isURL {
		rest := dsn[len(schemePrefix(dsn)):]
		if ok && u.User != nil {
			if p, has := u.User.Password(); has {
				s.AddPassword(u.User.Username(), p)
			}
		}
		if at := strings.LastIndex(rest, "@"); at > 0 {
			if user, pw, found := strings.Cut(rest[:at], ":"); found {
				s.AddPassword(user, pw)
				if dec, err := url.PathUnescape(pw); err == nil {
					s.AddPassword(user, dec)
				}
				// Drivers split a password with unescaped '@', ':', '/',
				// '?' or '#' in their own way, and may show a piece as a
				// host or user name.
				for _, piece := range strings.FieldsFunc(pw, func(r rune) bool { return strings.ContainsRune("@:/?#", r) }) {
					s.Add(piece)
					if dec, err := url.PathUnescape(piece); err == nil {
						s.Add(dec)
					}
				}
			}
		}
	}
	if m := driverDSN.FindStringSubmatch(dsn); m != nil && !isURL {
		s.AddPassword(m[1], m[2])
	}
	for _, m := range secretParam.FindAllStringSubmatch(dsn, -1) {
		s.Add(m[2], unquoteParam(m[2]), strings.Trim(m[2], "'"))
		if dec, err := url.QueryUnescape(m[2]); err == nil {
			s.Add(dec)
		}
	}
}

// Scrub returns text with every registered secret replaced by "***".
func (s *Scrubber) Scrub(text string) string {
	if s == nil {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.secrets {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, "***")
		}
	}
	return text
}

// ScrubError returns err with every registered secret removed from its
// message, keeping err as the cause for errors.Is and errors.As (a
// context.Canceled or a driver's error type still matches). nil stays nil;
// an error whose text holds no secret is returned as it is.
func (s *Scrubber) ScrubError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := s.Scrub(msg)
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, cause: err}
}

type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

// Writer returns a writer that scrubs what passes through it before
// handing it to w. It scrubs whole lines (up to "\n" or "\r"), so that a
// secret split over two writes is still found; Flush writes what is held
// back. It is safe for concurrent use.
func (s *Scrubber) Writer(w io.Writer) *ScrubWriter { return &ScrubWriter{s: s, w: w} }

// ScrubWriter is the writer of Scrubber.Writer.
type ScrubWriter struct {
	s   *Scrubber
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

// scrubHold bounds what a ScrubWriter holds back while it waits for the
// end of a line.
const scrubHold = 64 << 10

// Write implements io.Writer.
func (sw *ScrubWriter) Write(p []byte) (int, error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.buf = append(sw.buf, p...)
	if end := bytes.LastIndexAny(sw.buf, "\n\r") + 1; end > 0 {
		out := sw.s.Scrub(string(sw.buf[:end]))
		sw.buf = append(sw.buf[:0], sw.buf[end:]...)
		if _, err := io.WriteString(sw.w, out); err != nil {
			return 0, err
		}
	}
	if len(sw.buf) > scrubHold {
		// A very long line: write it scrubbed but for what could be the
		// start of a secret whose end has not come yet.
		sw.s.mu.RLock()
		keep := max(sw.s.maxLen-1, 0)
		sw.s.mu.RUnlock()
		out := sw.s.Scrub(string(sw.buf))
		cut := max(len(out)-keep, 0)
		sw.buf = append(sw.buf[:0], out[cut:]...)
		if _, err := io.WriteString(sw.w, out[:cut]); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes what is held back.
func (sw *ScrubWriter) Flush() error {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if len(sw.buf) == 0 {
		return nil
	}
	out := sw.s.Scrub(string(sw.buf))
	sw.buf = sw.buf[:0]
	_, err := io.WriteString(sw.w, out)
	return err
}
