package xcetl

import (
	"context"
	"errors"
	"fmt"
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
