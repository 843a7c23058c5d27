package kingbase

import (
	"errors"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects/pgfamily"
)

func settings(m map[string]string) pgfamily.Settings {
	return func(name string) (string, bool, error) {
		v, ok := m[name]
		return v, ok, nil
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name      string
		settings  map[string]string
		upsert    pgfamily.UpsertStyle
		emptyNull bool
		err       string
	}{
		{"absent means pg", map[string]string{}, pgfamily.OnConflict, false, ""},
		{"empty means pg", map[string]string{"database_mode": ""}, pgfamily.OnConflict, false, ""},
		{"pg", map[string]string{"database_mode": "pg"}, pgfamily.OnConflict, false, ""},
		{"oracle upper case", map[string]string{"database_mode": "ORACLE"}, pgfamily.Merge, false, ""},
		{"oracle with empty string as NULL", map[string]string{"database_mode": "oracle", "ora_input_emptystr_isnull": "on"}, pgfamily.Merge, true, ""},
		{"oracle with empty string kept", map[string]string{"database_mode": "oracle", "ora_input_emptystr_isnull": "off"}, pgfamily.Merge, false, ""},
		{"mysql", map[string]string{"database_mode": "mysql"}, pgfamily.OnDuplicateKey, false, ""},
		{"oracle case-insensitive", map[string]string{"database_mode": "oracle", "enable_ci": "on", "ora_input_emptystr_isnull": "on"}, pgfamily.Merge, true, ""},
		{"unknown", map[string]string{"database_mode": "db2"}, 0, false, `"db2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := detect(settings(tt.settings), nil)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.Upsert != tt.upsert || (v.EmptyIsNull != "") != tt.emptyNull || strings.Contains(v.Label, "enable_ci") != (tt.settings["enable_ci"] == "on") {
				t.Errorf("got %+v, want upsert %v, empty-is-null %v", v, tt.upsert, tt.emptyNull)
			}
		})
	}
	t.Run("error is reported", func(t *testing.T) {
		_, err := detect(func(string) (string, bool, error) { return "", false, errors.New("boom") }, nil)
		if err == nil {
			t.Fatal("no error")
		}
	})
}
