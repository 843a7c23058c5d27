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
