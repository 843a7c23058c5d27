package dialects_test

import (
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

func TestCatalogType(t *testing.T) {
	for _, tc := range []struct {
		base, typ string
		want      xcetl.Kind
	}{
		{"int8", "bigint", xcetl.KindInt},
		{"", "INTEGER", xcetl.KindInt},
		{"numeric", "numeric(10,2)", xcetl.KindDecimal},
		{"", "NUMBER(38,0)", xcetl.KindDecimal},
		{"float8", "double precision", xcetl.KindFloat},
		{"bool", "boolean", xcetl.KindBool},
		{"", "BIT", xcetl.KindString}, // a bit string; DM8 reads it as bool (dm8.CatalogType)
		{"bit", "bit varying(8)", xcetl.KindString},
		{"date", "date", xcetl.KindDate},
		{"timestamp", "timestamp without time zone", xcetl.KindTimestamp},
		{"timestamptz", "timestamp with time zone", xcetl.KindTimestampTZ},
		{"", "TIMESTAMP WITH TIME ZONE", xcetl.KindTimestampTZ},
		{"", "DATETIME", xcetl.KindTimestamp},
		{"bytea", "bytea", xcetl.KindBytes},
		{"", "BLOB", xcetl.KindBytes},
		{"varchar", "character varying(32)", xcetl.KindString},
		{"jsonb", "jsonb", xcetl.KindString},
		{"money", "money", xcetl.KindString},
	} {
		if got := dialects.CatalogTypeByName(dialects.CatalogColumn{Base: tc.base, Type: tc.typ}).Kind; got != tc.want {
			t.Errorf("CatalogTypeByName(%q, %q) = %s, want %s", tc.base, tc.typ, got, tc.want)
		}
	}
}
