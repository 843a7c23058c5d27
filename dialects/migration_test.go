package dialects

import "testing"

func TestPortableDefault(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"0", "0", true}, {"-1.5", "-1.5", true}, {"'x'", "'x'", true}, {"'O''Brien'", "'O''Brien'", true},
		{"NULL", "", true}, {"current_timestamp()", "CURRENT_TIMESTAMP", true}, {"CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP", true},
		{"now()", "CURRENT_TIMESTAMP", true}, {"(1)", "1", true}, {"true", "TRUE", true},
		{"current_timestamp(3)", "", false}, {"nextval('s'::regclass)", "", false}, {"'a\\'b'", "", false},
		{"uuid()", "", false}, {"'a' || 'b'", "", false}, {"", "", false}, {"1 + 1", "", false},
	} {
		got, ok := PortableDefault(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("PortableDefault(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseNativeType(t *testing.T) {
	for _, tc := range []struct{ in, key, full string }{
		{"INT(11) UNSIGNED", "int unsigned", "int(11) unsigned"},
		{"bigint unsigned zerofill", "bigint unsigned", "bigint unsigned"},
		{"decimal(12,2)", "decimal", "decimal(12,2)"},
		{"enum('a','b')", "enum", "enum"},
		{"datetime(6)", "datetime", "datetime(6)"},
		{"double precision", "double precision", "double precision"},
		{"tinyint(1)", "tinyint", "tinyint(1)"},
	} {
		n := ParseNativeType(tc.in)
		if n.Key != tc.key || n.Full != tc.full {
			t.Errorf("ParseNativeType(%q) = %+v; want key %q full %q", tc.in, n, tc.key, tc.full)
		}
	}
	r := TypeRule{Target: "timestamp({1}) with time zone"}
	if got := r.Render(ParseNativeType("timestamp")); got != "timestamp with time zone" {
		t.Errorf("render without arguments: %q", got)
	}
	if got := r.Render(ParseNativeType("timestamp(3)")); got != "timestamp(3) with time zone" {
		t.Errorf("render: %q", got)
	}
}

func TestTypeMapsRegistered(t *testing.T) {
	for _, target := range []string{"postgres", "opengauss", "kingbase", "dm8", "sqlite"} {
		if _, ok := LookupTypeMap("mysql", target); !ok {
			t.Errorf("no type map mysql → %s", target)
		}
	}
}
