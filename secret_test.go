package xcetl

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestScrubError(t *testing.T) {
	var s Scrubber
	s.AddDSN("postgres://etl:s3cret-pw@db:5432/x")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("no secret here"), "no secret here"},
		{fmt.Errorf("connect postgres://etl:s3cret-pw@db:5432/x: %w", context.DeadlineExceeded), "connect ***: "},
		{fmt.Errorf("password s3cret-pw refused: %w", context.Canceled), "password *** refused"},
	} {
		got := s.ScrubError(tc.err)
		if tc.err == nil {
			if got != nil {
				t.Errorf("ScrubError(nil) = %v", got)
			}
			continue
		}
		if strings.Contains(got.Error(), "s3cret-pw") || !strings.HasPrefix(got.Error(), tc.want) {
			t.Errorf("ScrubError(%q) = %q, want it to start with %q and hide the password", tc.err, got, tc.want)
		}
		// The chain survives: callers still recognise the cause.
		for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
			if errors.Is(tc.err, cause) != errors.Is(got, cause) {
				t.Errorf("ScrubError(%q) lost %v", tc.err, cause)
			}
		}
	}
}

// canaryForms are the forms in which a secret could leak: as written,
// URL-encoded, JSON-escaped.
func canaryForms(secret string) []string {
	return []string{secret, url.QueryEscape(secret), url.PathEscape(secret), strings.Trim(strconvQuote(secret), `"`)}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestDSNSecrets: every DSN form — URL with a password (plain, %-encoded,
// with an unencoded '#' or '@'), password-like parameters in URL and
// key=value form (sslpassword too, quoted or not), and a URL that does not
// parse — is shown by RedactDSN without its secret, and a Scrubber that
// learned the DSN removes the secret in every form from any text.
func TestDSNSecrets(t *testing.T) {
	for _, tc := range []struct {
		name, dsn, secret string
		show              string // part of RedactDSN's output
	}{
		{"url password", "postgres://etl:Canary-Pw1@db1:5432/grid", "Canary-Pw1", "postgres://etl:***@db1:5432/grid"},
		{"url %-encoded password", "postgres://etl:Can%40ry%2FPw2@db1/grid", "Can@ry/Pw2", "etl:***@db1/grid"},
		{"url unencoded @ in password", "postgres://etl:Can@ry-Pw3@db1/grid", "Can@ry-Pw3", "etl:***@db1/grid"},
		{"url unencoded # in password", "postgres://etl:Canary3#Canary4@db1/grid", "Canary3#Canary4", "postgres://*** (the dsn does not parse"},
		{"url digits # in password", "postgres://etl:1234#5678@db1/grid", "1234#5678", "postgres://*** (the dsn does not parse"},
		{"url unparseable tail", "postgres://etl:CanaryPw5@/?#%x", "CanaryPw5", "postgres://*** (the dsn does not parse"},
		{"url sslpassword", "postgres://etl@db1/grid?sslmode=verify-full&sslpassword=Canary-Ssl6&application_name=x", "Canary-Ssl6", "sslpassword=***&application_name=x"},
		{"url password param", "postgres://db1/grid?user=etl&password=Canary%26Pw7", "Canary&Pw7", "password=***"},
		{"kv password", "host=db1 user=etl password=Canary-Pw8 dbname=grid", "Canary-Pw8", "host=db1 user=etl password=*** dbname=grid"},
		{"kv quoted password", `host=db1 password='Canary \'Pw9' dbname=grid`, `Canary 'Pw9`, "password=*** dbname=grid"},
		{"kv sslpassword", "host=db1 sslkey=/k.pem sslpassword=Canary-Ssl10 dbname=grid", "Canary-Ssl10", "sslkey=/k.pem sslpassword=*** dbname=grid"},
		{"kv quoted sslpassword", "host=db1 sslpassword='Canary Ssl11' user=etl", "Canary Ssl11", "sslpassword=*** user=etl"},
		{"dm url", "dm://SYSDBA:Canary-Dm12@dm1:5236?schema=GRID", "Canary-Dm12", "dm://SYSDBA:***@dm1:5236?schema=GRID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			red := RedactDSN(tc.dsn)
			if !strings.Contains(red, tc.show) {
				t.Errorf("RedactDSN(%q) = %q, want it to contain %q", tc.dsn, red, tc.show)
			}
			var s Scrubber
			s.AddDSN(tc.dsn)
			for _, form := range canaryForms(tc.secret) {
				if strings.Contains(red, form) {
					t.Errorf("RedactDSN(%q) = %q shows the secret as %q", tc.dsn, red, form)
				}
				text := "connect to " + tc.dsn + " failed: server says " + form + " is wrong (" + form + ")"
				if got := s.Scrub(text); strings.Contains(got, form) {
					t.Errorf("Scrub left %q in %q", form, got)
				}
			}
			if got := s.Scrub("host db1 port 5432 database grid user etl"); got != "host db1 port 5432 database grid user etl" {
				t.Errorf("Scrub mangled ordinary text: %q", got)
			}
		})
	}
}

// TestScrubberForms: credentials are also found in the forms a server
// echoes them in: base64 of user:password (HTTP Basic), the token of an
// Authorization header, the password inside a Basic header.
func TestScrubberForms(t *testing.T) {
	var s Scrubber
	s.AddPassword("svc", "Canary-Basic1")
	s.AddAuthorization("Bearer Canary-Token2")
	s.AddAuthorization("Basic " + base64.StdEncoding.EncodeToString([]byte("u2:Canary-Basic3")))
	s.Add(`Canary"Json<4>`)
	for _, leak := range []string{
		"Canary-Basic1", base64.StdEncoding.EncodeToString([]byte("svc:Canary-Basic1")),
		base64.RawURLEncoding.EncodeToString([]byte("svc:Canary-Basic1")), "Canary-Token2", "Canary-Basic3",
		base64.StdEncoding.EncodeToString([]byte("u2:Canary-Basic3")), `Canary\"Json\u003c4\u003e`, `Canary\"Json<4>`,
	} {
		if got := s.Scrub("echo: " + leak + "."); strings.Contains(got, leak) {
			t.Errorf("Scrub left %q: %q", leak, got)
		}
	}
}

// TestScrubWriter: a secret split across writes, or across the hold-back
// boundary of a very long line, never passes.
func TestScrubWriter(t *testing.T) {
	var s Scrubber
	s.Add("Canary-Split-Secret")
	for _, chunks := range [][]string{
		{"a line with Canary-Sp", "lit-Secret in it\n", "next\n"},
		{strings.Repeat("x", 70<<10) + "Canary-Split", "-Secret", strings.Repeat("y", 70<<10), "\n"},
		{"no newline at the end Canary-Split-Secret"},
	} {
		var out bytes.Buffer
		w := s.Writer(&out)
		for _, c := range chunks {
			if _, err := w.Write([]byte(c)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		want := s.Scrub(strings.Join(chunks, ""))
		if out.String() != want || strings.Contains(out.String(), "Canary-Split-Secret") {
			t.Errorf("writer wrote %d bytes with the secret: %v", out.Len(), strings.Contains(out.String(), "Canary-Split-Secret"))
		}
	}
}

// The MySQL driver's DSN form (user:password@tcp(host)/db) has no "://":
// its password must still be found, redacted and scrubbed.
func TestDriverDSNPassword(t *testing.T) {
	for _, tc := range []struct{ dsn, redacted, pw string }{
		{"etl:s3cret@pw@tcp(db:3306)/grid?timeout=5s", "etl:***@tcp(db:3306)/grid?timeout=5s", "s3cret@pw"},
		{"etl:p4ss:word@unix(/run/mysqld.sock)/grid", "etl:***@unix(/run/mysqld.sock)/grid", "p4ss:word"},
		{"root@tcp(127.0.0.1:3306)/", "root@tcp(127.0.0.1:3306)/", ""},
	} {
		if got := RedactDSN(tc.dsn); got != tc.redacted {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.dsn, got, tc.redacted)
		}
		if tc.pw == "" {
			continue
		}
		var s Scrubber
		s.AddDSN(tc.dsn)
		if got := s.Scrub("access denied for password " + tc.pw); strings.Contains(got, tc.pw) {
			t.Errorf("Scrub kept the password of %q: %q", tc.dsn, got)
		}
	}
}

// FuzzDSNSecrets: whatever the password and however a DSN carries it (URL
// user info, unencoded or %-encoded; a password-like parameter in URL or
// key=value form), neither RedactDSN nor a Scrubber that learned the DSN
// shows it, and neither panics.
func FuzzDSNSecrets(f *testing.F) {
	f.Add("etl", "s3cret-pw", "db1:5432")
	f.Add("u", "p#ss@w/rd?x", "h")
	f.Add("", "'quoted \\' pw", "h")
	f.Fuzz(func(t *testing.T, user, pw, host string) {
		if len(pw) < 4 || strings.ContainsAny(pw, "\x00\n\r") || strings.Contains(user+host, pw) {
			return
		}
		for _, dsn := range []string{
			"postgres://" + user + ":" + pw + "@" + host + "/db",
			"postgres://" + url.PathEscape(user) + ":" + url.PathEscape(pw) + "@" + host + "/db",
			"postgres://" + host + "/db?sslpassword=" + url.QueryEscape(pw),
			"host=" + strings.Fields(host + " h")[0] + " sslpassword='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw) + "' user=x",
		} {
			if strings.Contains("postgres://"+host+"/db?sslpassword=host=  user=x", pw) {
				continue // the password is part of the fixed text
			}
			red := RedactDSN(dsn)
			var s Scrubber
			s.AddDSN(dsn)
			got := s.Scrub("error: " + dsn + " said " + pw)
			if strings.Contains(got, pw) {
				t.Errorf("Scrub kept %q of %q: %q", pw, dsn, got)
			}
			if strings.Contains(red, pw) && !strings.Contains(dsn[:len(dsn)-len(pw)], pw) {
				t.Errorf("RedactDSN(%q) = %q shows %q", dsn, red, pw)
			}
		}
	})
}
