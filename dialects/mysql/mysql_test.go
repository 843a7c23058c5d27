package mysql

import (
	"errors"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/sourcetest"
)

func TestParseTable(t *testing.T) {
	for in, want := range map[string]dialects.Table{
		"residents":          {Name: "residents", NameQuoted: true},
		"grid.residents":     {Schema: "grid", Name: "residents", SchemaQuoted: true, NameQuoted: true},
		"`grid`.`居民 表`":      {Schema: "grid", Name: "居民 表", SchemaQuoted: true, NameQuoted: true},
		"`a``b`.`c\"d`":      {Schema: "a`b", Name: `c"d`, SchemaQuoted: true, NameQuoted: true},
		`"grid"."Residents"`: {Schema: "grid", Name: "Residents", SchemaQuoted: true, NameQuoted: true},
	} {
		got, err := Dialect{}.ParseTable(in)
		if err != nil || got != want {
			t.Errorf("ParseTable(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if _, err := (Dialect{}).ParseTable("a.b.c"); err == nil {
		t.Errorf("a.b.c accepted")
	}
}

func TestDSN(t *testing.T) {
	d := Dialect{}
	for _, tc := range []struct{ dsn, redacted, err string }{
		{"etl:pw-s3cret@tcp(db:3306)/grid", "etl:***@tcp(db:3306)/grid", ""},
		{"mysql://etl:pw-s3cret@db/grid?timeout=5s", "etl:***@tcp(db:3306)/grid", ""},
		{"etl@tcp(db:3306)/grid?parseTime=true", "", "parseTime"},
		{"etl:pw-s3cret@tcp(db:3306)/grid?charset=gbk", "", "charset=gbk"},
		{"etl:pw-s3cret@db:3306/grid", "", "bad dsn"},
	} {
		err := d.CheckDSN(tc.dsn)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "pw-s3cret") {
				t.Errorf("CheckDSN(%q) = %v, want an error about %s without the password", tc.dsn, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("CheckDSN(%q): %v", tc.dsn, err)
		}
		if got := d.RedactDSN(tc.dsn); got != tc.redacted {
			t.Errorf("RedactDSN(%q) = %q, want %q", tc.dsn, got, tc.redacted)
		}
	}
}

func TestReadColumnUnsupportedAndOverrides(t *testing.T) {
	d := Dialect{}
	tbl := dialects.Table{Schema: "grid", Name: "places"}
	_, err := d.ReadColumn(tbl, dialects.SourceColumn{Name: "loc", NativeType: "point"}, dialects.ReadOptions{})
	var ue *dialects.UnsupportedTypeError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `grid.places column "loc"`) || !strings.Contains(err.Error(), "types: {point: string}") {
		t.Errorf("point: %v", err)
	}
	wkt := xcetl.Type{Kind: xcetl.KindString}
	r, err := d.ReadColumn(tbl, dialects.SourceColumn{Name: "loc", NativeType: "point"}, dialects.ReadOptions{Override: &wkt})
	if err != nil || r.Expr != "ST_AsText(`loc`)" {
		t.Errorf("point as string: %+v %v", r, err)
	}
	boolean := xcetl.Type{Kind: xcetl.KindBool}
	r, err = d.ReadColumn(tbl, dialects.SourceColumn{Name: "flag", NativeType: "tinyint(1)"}, dialects.ReadOptions{Override: &boolean})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]any{"1": true, "0": false} {
		if v, err := r.Decode([]byte(in)); err != nil || v != want {
			t.Errorf("tinyint(1) as bool: %s → %v, %v", in, v, err)
		}
	}
	if _, err := r.Decode([]byte("2")); !errors.Is(err, dialects.ErrRejectValue) {
		t.Errorf("tinyint(1) 2 as bool: %v, want a reject", err)
	}
	r, _ = d.ReadColumn(tbl, dialects.SourceColumn{Name: "d", NativeType: "date"}, dialects.ReadOptions{})
	if _, err := r.Decode([]byte("0000-00-00")); !errors.Is(err, dialects.ErrRejectValue) || !strings.Contains(err.Error(), "zero_dates: null") {
		t.Errorf("zero date: %v", err)
	}
	if _, err := r.Decode([]byte("2024-13-01")); err == nil {
		t.Errorf("bad date accepted")
	}
	for native, want := range map[string]xcetl.Type{
		"bigint(20) unsigned": {Kind: xcetl.KindDecimal, Precision: 20},
		"decimal(65,30)":      {Kind: xcetl.KindDecimal, Precision: 65, Scale: 30},
		"varchar(64)":         {Kind: xcetl.KindString, Precision: 64},
		"timestamp(3)":        {Kind: xcetl.KindTimestampTZ},
		"datetime(6)":         {Kind: xcetl.KindTimestamp},
		"bit(1)":              {Kind: xcetl.KindBool},
		"bit(12)":             {Kind: xcetl.KindInt},
		"year(4)":             {Kind: xcetl.KindInt},
		"int unsigned":        {Kind: xcetl.KindInt},
		"enum('a','b,c')":     {Kind: xcetl.KindString},
	} {
		r, err := d.ReadColumn(tbl, dialects.SourceColumn{Name: "c", NativeType: native}, dialects.ReadOptions{})
		if err != nil || r.Type != want {
			t.Errorf("%s: %v %v, want %v", native, r.Type, err, want)
		}
	}
}

func TestGoldenCatalogAndTypes(t *testing.T) {
	sourcetest.GoldenCatalog(t, Dialect{})
	sourcetest.GoldenTypes(t, Dialect{}, []string{"tinyint(1)", "tinyint(4)", "smallint(5) unsigned", "int(10) unsigned zerofill",
		"bigint(20)", "bigint(20) unsigned", "decimal(65,30)", "decimal(12,2)", "float", "double", "bit(1)", "bit(12)", "bit(64)",
		"date", "datetime", "datetime(6)", "timestamp", "timestamp(3)", "time(2)", "year(4)", "char(6)", "varchar(64)", "text",
		"longtext", "enum('红','green')", "set('a','b')", "json", "binary(16)", "varbinary(255)", "blob", "longblob", "uuid",
		"inet6", "geometry", "point", "vector(3)"})
}

// FuzzParseTable: any input parses or is refused, never panics; a parsed
// name quoted and parsed again is the same name.
func FuzzParseTable(f *testing.F) {
	for _, s := range []string{"grid.residents", "`a``b`.`c`", "`unterminated", `"x"."y"`, "a.b.c", "``", "`a`.", "居民"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := Dialect{}
		tb, err := d.ParseTable(s)
		if err != nil {
			return
		}
		again, err := d.ParseTable(qualified(tb))
		if err != nil || again != tb {
			t.Fatalf("ParseTable(%q) = %+v; ParseTable(%q) = %+v, %v", s, tb, qualified(tb), again, err)
		}
	})
}

// FuzzReadColumn: any native type maps or is refused, never panics.
func FuzzReadColumn(f *testing.F) {
	for _, s := range []string{"decimal(65,30)", "bit(", "enum('a','b')", "int(10) unsigned zerofill", "datetime(6)", "(", ")", "bit(99999999999)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, native string) {
		r, err := Dialect{}.ReadColumn(dialects.Table{Name: "t"}, dialects.SourceColumn{Name: "c", NativeType: native}, dialects.ReadOptions{})
		if err == nil && r.Decode == nil {
			t.Fatalf("%q: no decoder", native)
		}
	})
}
