package opengauss

import (
	"errors"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects/pgfamily"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name          string
		dat           string // datcompatibility; "-" = no such column
		guc           string // sql_compatibility; "-" = no such setting
		label         string
		emptyNull     bool
		varcharBytes  bool
		strictNumeric bool
		err           string
	}{
		{"PostgreSQL", "-", "-", "", false, false, false, ""},
		{"A", "A", "-", "datcompatibility=A", true, true, false, ""},
		{"a lower case", "a", "-", "datcompatibility=A", true, true, false, ""},
		{"B", "B", "-", "datcompatibility=B", false, true, true, ""},
		{"C", "C", "-", "datcompatibility=C", false, true, false, ""},
		{"PG", "PG", "-", "datcompatibility=PG", false, false, false, ""},
		{"setting only", "-", "A", "sql_compatibility=A", true, true, false, ""},
		{"column wins", "PG", "A", "datcompatibility=PG", false, false, false, ""},
		{"unknown", "Z", "-", "", false, false, false, `"Z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := func(name string) (string, bool, error) {
				if name != "sql_compatibility" {
					t.Errorf("asked for setting %q", name)
				}
				return tt.guc, tt.guc != "-", nil
			}
			q := func(sql string) (string, bool, error) {
				if sql != CompatibilityQuery {
					t.Errorf("query %q", sql)
				}
				return tt.dat, tt.dat != "-", nil
			}
			v, err := detect(s, q)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Upsert != pgfamily.Merge || v.Label != tt.label || (v.EmptyIsNull != "") != tt.emptyNull ||
				v.VarcharBytes != tt.varcharBytes || (v.StrictNumericText != "") != tt.strictNumeric {
				t.Errorf("got %+v", v)
			}
		})
	}
	if _, err := detect(nil, func(string) (string, bool, error) { return "", false, errors.New("boom") }); err == nil {
		t.Error("a failed query was ignored")
	}
}

func TestConnectHint(t *testing.T) {
	want := SHA256Explanation
	if SQLDriver != "" {
		want = lockSHA256Explanation // only the lock's pgx session can meet it
	}
	for _, msg := range []string{"failed SASL auth: unexpected message", "SCRAM-SHA-256 error", "unexpected authentication message type 10"} {
		if got := ConnectHint(errors.New(msg)); got != want {
			t.Errorf("ConnectHint(%q) = %q, want %q", msg, got, want)
		}
	}
	if got := ConnectHint(errors.New("dial tcp 127.0.0.1:5432: connection refused")); got != "" {
		t.Errorf("a refused connection got a hint: %q", got)
	}
	for _, part := range []string{"password_encryption_type=1", "ALTER USER", "pg_hba.conf"} {
		if !strings.Contains(want, part) {
			t.Errorf("explanation lacks %q", part)
		}
	}
}
