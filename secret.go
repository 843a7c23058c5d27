package xcetl

import (
	"log/slog"
	"net/url"
	"regexp"
	"strings"
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

var kvPassword = regexp.MustCompile(`(?i)\b(password|pwd|passwd)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&;]*)`)

// RedactDSN returns dsn with its password replaced by "***", in URL form
// (postgres://user:pass@host/db, dm://user:pass@host:5236) and key=value
// form (host=h password=p). A DSN that is a plain file path is returned as
// it is.
func RedactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i > 0 {
		if u, err := url.Parse(dsn); err == nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxx")
				out := strings.Replace(u.String(), ":xxx@", ":***@", 1)
				return kvPassword.ReplaceAllString(out, "$1=***")
			}
			return kvPassword.ReplaceAllString(dsn, "$1=***")
		}
		// Unparseable URL: hide everything between "://" and the last "@".
		if at := strings.LastIndex(dsn, "@"); at > i {
			return dsn[:i+3] + "***" + dsn[at:]
		}
	}
	if m := driverDSN.FindStringSubmatchIndex(dsn); m != nil && m[4] >= 0 {
		return dsn[:m[4]] + "***" + dsn[m[5]:]
	}
	return kvPassword.ReplaceAllString(dsn, "$1=***")
}

// driverDSN matches go-sql-driver/mysql's DSN form, user:password@tcp(host)/db
// (the password may contain anything but is followed by the last "@" before
// the protocol).
var driverDSN = regexp.MustCompile(`^([^:@/]*):(.*)@(?:tcp|tcp6|unix|pipe|memory)?\(`)

// Scrubber replaces known secret values in text (error messages, driver
// output) with "***". The zero value scrubs nothing.
type Scrubber struct{ secrets []string }

// Add registers values to hide. Short values (under 4 bytes) are ignored:
// hiding them would mangle ordinary text.
func (s *Scrubber) Add(values ...string) {
	for _, v := range values {
		if len(v) >= 4 {
			s.secrets = append(s.secrets, v)
		}
	}
}

// AddDSN registers a DSN and the password inside it.
func (s *Scrubber) AddDSN(dsn string) {
	s.Add(dsn)
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			s.Add(p, url.QueryEscape(p), url.PathEscape(p))
		}
	}
	for _, m := range kvPassword.FindAllStringSubmatch(dsn, -1) {
		s.Add(strings.Trim(m[2], "'"))
	}
	if m := driverDSN.FindStringSubmatch(dsn); m != nil {
		s.Add(m[2])
	}
}

// Scrub returns text with every registered secret replaced.
func (s *Scrubber) Scrub(text string) string {
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
