package pgfamily

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/dialects"
)

type decimalStringer struct{ s string }

func (d decimalStringer) String() string { return d.s }

func TestServerText(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		v    any
		typ  string
		want any
	}{
		{"null", nil, "TEXT", nil},
		{"text", "中文", "TEXT", "中文"},
		{"bytea", []byte{0, 0xab, '\\'}, "BYTEA", `\x00ab5c`},
		{"empty bytea", []byte{}, "BYTEA", `\x`},
		{"numeric as bytes (lib/pq)", []byte("12.50"), "NUMERIC", "12.50"},
		{"int", int64(-9223372036854775808), "INT8", "-9223372036854775808"},
		{"float8", 0.1, "FLOAT8", "0.1"},
		{"float4 from float32", float64(float32(0.1)), "FLOAT4", "0.1"},
		{"float exp", 1e21, "FLOAT8", "1e+21"},
		{"nan", math.NaN(), "FLOAT8", "NaN"},
		{"inf", math.Inf(1), "FLOAT8", "Infinity"},
		{"-inf", math.Inf(-1), "FLOAT8", "-Infinity"},
		{"true", true, "BOOL", "t"},
		{"false", false, "BOOL", "f"},
		{"date", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "DATE", "2024-02-29"},
		{"timestamp drops the zone", time.Date(2024, 2, 29, 13, 14, 15, 120000000, cst), "TIMESTAMP", "2024-02-29 13:14:15.12"},
		{"timestamptz keeps the offset", time.Date(2024, 2, 29, 13, 14, 15, 123456000, cst), "TIMESTAMPTZ", "2024-02-29 13:14:15.123456+08:00"},
		{"time", time.Date(0, 1, 1, 8, 30, 0, 0, time.UTC), "TIME", "08:30:00"},
		{"timetz", time.Date(0, 1, 1, 8, 30, 0, 0, cst), "TIMETZ", "08:30:00+08:00"},
		{"1 BC", time.Date(0, 2, 29, 0, 0, 0, 0, time.UTC), "DATE", "0001-02-29 BC"},
		{"44 BC", time.Date(-43, 3, 15, 12, 0, 0, 0, time.UTC), "TIMESTAMP", "0044-03-15 12:00:00 BC"},
		{"stringer", decimalStringer{"3.14"}, "MONEY", "3.14"},
		{"small int", int8(-3), "TINYINT", "-3"},
		{"uint8", uint8(200), "TINYINT", "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := serverText(tt.v, tt.typ); got != tt.want {
				t.Errorf("serverText(%#v, %s) = %#v, want %#v", tt.v, tt.typ, got, tt.want)
			}
		})
	}
}

// pqLikeError has the shape of lib/pq's (and openGauss's fork's) *pq.Error.
type pqLikeError struct{ fields map[byte]string }

func (e *pqLikeError) Error() string         { return "pq: " + e.fields['M'] }
func (e *pqLikeError) Get(k byte) (v string) { return e.fields[k] }

func TestPgErrorFromLibPQShape(t *testing.T) {
	e := &pqLikeError{fields: map[byte]string{'S': "ERROR", 'C': "22P02", 'M': "invalid input syntax for type bigint: \"x\"",
		'D': "detail", 'H': "hint", 'W': `COPY ct_t, line 3, column qty: "x"`}}
	wrapped := fmt.Errorf("exec: %w", e)
	pe := pgError(wrapped)
	if pe == nil || pe.Code != "22P02" || pe.Where != e.fields['W'] || pe.Detail != "detail" || pe.Hint != "hint" {
		t.Fatalf("pgError = %+v", pe)
	}
	msg := describeError(wrapped).Error()
	for _, want := range []string{"invalid input syntax", "detail", "hint: hint", "SQLSTATE 22P02"} {
		if !strings.Contains(msg, want) {
			t.Errorf("describeError = %q, lacks %q", msg, want)
		}
	}
	var re *dialects.RowError
	if err := copyError(wrapped); !errors.As(err, &re) || re.Row != 2 || re.Column != "qty" {
		t.Errorf("copyError = %v (%+v), want row 3 (index 2), column qty", err, re)
	}
	if pgError(errors.New("pq: no code")) != nil {
		t.Error("an error without fields became a server error")
	}
	if pgError(&pqLikeError{fields: map[byte]string{'M': "no code"}}) != nil {
		t.Error("an error without a SQLSTATE became a server error")
	}
	if pgError(nil) != nil {
		t.Error("nil became a server error")
	}
}

// rowValuesSession is a session whose driver takes COPY rows as statement
// arguments, for Encode tests (it never connects).
type rowValuesSession struct{ conn }

func (rowValuesSession) rowValues() bool { return true }

func TestEncodeValues(t *testing.T) {
	d := New(Config{Name: "t", Upsert: Merge})
	cols := []dialects.Column{
		{Name: "id", Type: xcetl.Type{Kind: xcetl.KindInt}},
		{Name: "name", Type: xcetl.Type{Kind: xcetl.KindString}, Nullable: true},
		{Name: "amount", Type: xcetl.Type{Kind: xcetl.KindDecimal, Precision: 10, Scale: 2}, Nullable: true},
		{Name: "ok", Type: xcetl.Type{Kind: xcetl.KindBool}, Nullable: true},
		{Name: "at", Type: xcetl.Type{Kind: xcetl.KindTimestampTZ}, Nullable: true},
		{Name: "raw", Type: xcetl.Type{Kind: xcetl.KindBytes}, Nullable: true},
	}
	schema := &xcetl.Schema{}
	for _, c := range cols {
		schema.Columns = append(schema.Columns, xcetl.Column{Name: c.Name, Type: c.Type})
	}
	at := time.Date(2024, 1, 2, 11, 4, 5, 0, time.FixedZone("CST", 8*3600))
	b := &xcetl.Batch{Schema: schema, Rows: [][]any{
		{int64(1), "tab\there \\ 中文", xcetl.Decimal("12.50"), true, at, []byte{0xde, 0xad}},
		{int64(2), nil, nil, nil, nil, nil},
		{int64(3), "", xcetl.Decimal("-0.01"), false, at, []byte{}},
	}, Ops: []xcetl.Op{xcetl.OpInsert, xcetl.OpDelete, xcetl.OpUpdate}}

	for _, mode := range []dialects.Mode{dialects.Append, dialects.CDC} {
		t.Run(mode.String(), func(t *testing.T) {
			s := &rowValuesSession{conn{d: d}}
			p, err := d.plan(dialects.Target{Table: dialects.Table{Name: "t"}, Columns: cols, Key: []string{"id"}, Mode: mode}, Variant{Upsert: Merge})
			if err != nil {
				t.Fatal(err)
			}
			w := &writer{s: s, p: p}
			for _, c := range cols {
				w.kinds = append(w.kinds, c.Type.Kind)
				w.names = append(w.names, c.Name)
			}
			payload, err := w.Encode(b, []int{0, 1, 2})
			if err != nil {
				t.Fatal(err)
			}
			cp := payload.(*copyPayload)
			want := [][]any{
				{"1", "tab\there \\ 中文", "12.50", "t", "2024-01-02 03:04:05+00:00", `\xdead`},
				{"2", nil, nil, nil, nil, nil},
				{"3", "", "-0.01", "f", "2024-01-02 03:04:05+00:00", `\x`},
			}
			if mode == dialects.CDC {
				want[0], want[1], want[2] = append(want[0], "u"), append(want[1], "d"), append(want[2], "u")
			}
			if cp.rows != 3 || cp.width != len(want[0]) || cp.buf != nil {
				t.Fatalf("payload rows %d width %d buf %v", cp.rows, cp.width, cp.buf)
			}
			for r := range want {
				got := cp.vals[r*cp.width : (r+1)*cp.width]
				if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want[r]) {
					t.Errorf("row %d:\n got %#v\nwant %#v", r, got, want[r])
				}
			}
		})
	}

	s := &rowValuesSession{conn{d: d}}
	p, err := d.plan(dialects.Target{Table: dialects.Table{Name: "t"}, Columns: cols[:2], Mode: dialects.Append}, Variant{Upsert: Merge})
	if err != nil {
		t.Fatal(err)
	}
	w := &writer{s: s, p: p, kinds: []xcetl.Kind{xcetl.KindInt, xcetl.KindString}, names: []string{"id", "name"}}
	for _, bad := range []string{"nul\x00byte", "bad utf-8 \xff"} {
		nb := &xcetl.Batch{Schema: &xcetl.Schema{Columns: schema.Columns[:2]}, Rows: [][]any{{int64(1), bad}}}
		if _, err := w.Encode(nb, nil); !errors.Is(err, dialects.ErrCheckRows) {
			t.Errorf("Encode(%q) = %v, want ErrCheckRows", bad, err)
		}
	}
	nb := &xcetl.Batch{Schema: &xcetl.Schema{Columns: schema.Columns[:2]}, Rows: [][]any{{int64(1)}}}
	var re *dialects.RowError
	if _, err := w.Encode(nb, nil); !errors.As(err, &re) {
		t.Errorf("short row: %v, want a RowError", err)
	}
}

// pqEscape is what lib/pq (and openGauss's fork) do with a string value in
// CopyIn: backslash, newline, carriage return and tab escaped; nil is \N.
func pqEscape(v any) string {
	if v == nil {
		return `\N`
	}
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(v.(string))
}

// FuzzEncodeValuesMatchesText: the rows the database/sql transport hands to
// a lib/pq-style driver become, once the driver escapes them, exactly the
// COPY text the pgx transport streams; and both refuse the same values.
func FuzzEncodeValuesMatchesText(f *testing.F) {
	f.Add("plain", "中文\t\\N", int64(1), []byte{0, '\\'}, 1.5, true, int64(0))
	f.Add("", "\x00", int64(-1), []byte{}, math.Inf(-1), false, int64(1e15))
	f.Add("\r\n\\.", "\xff", int64(0), []byte(nil), math.NaN(), true, int64(-62135596800))
	f.Fuzz(func(t *testing.T, s1, s2 string, n int64, raw []byte, fl float64, b bool, sec int64) {
		cols := []dialects.Column{
			{Name: "s1", Type: xcetl.Type{Kind: xcetl.KindString}},
			{Name: "s2", Type: xcetl.Type{Kind: xcetl.KindString}},
			{Name: "n", Type: xcetl.Type{Kind: xcetl.KindInt}},
			{Name: "raw", Type: xcetl.Type{Kind: xcetl.KindBytes}},
			{Name: "fl", Type: xcetl.Type{Kind: xcetl.KindFloat}},
			{Name: "b", Type: xcetl.Type{Kind: xcetl.KindBool}},
			{Name: "at", Type: xcetl.Type{Kind: xcetl.KindTimestampTZ}},
		}
		schema := &xcetl.Schema{}
		for _, c := range cols {
			schema.Columns = append(schema.Columns, xcetl.Column{Name: c.Name, Type: c.Type})
		}
		var rawv any = raw
		if raw == nil {
			rawv = nil
		}
		at := time.Unix(sec%(400*365*86400), 0).In(time.FixedZone("", 8*3600))
		batch := &xcetl.Batch{Schema: schema, Rows: [][]any{{s1, s2, n, rawv, fl, b, at}, {nil, s1, nil, nil, nil, nil, nil}}}
		d := New(Config{Name: "t", Upsert: Merge})
		p, err := d.plan(dialects.Target{Table: dialects.Table{Name: "t"}, Columns: cols, Mode: dialects.Append}, Variant{Upsert: Merge})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(s session) *writer {
			w := &writer{s: s, p: p}
			for _, c := range cols {
				w.kinds = append(w.kinds, c.Type.Kind)
				w.names = append(w.names, c.Name)
			}
			return w
		}
		textP, textErr := mk(&conn{d: d}).Encode(batch, nil)
		valP, valErr := mk(&rowValuesSession{conn{d: d}}).Encode(batch, nil)
		if (textErr != nil) != (valErr != nil) || (textErr != nil && textErr.Error() != valErr.Error()) {
			t.Fatalf("text encoding: %v; values encoding: %v", textErr, valErr)
		}
		if textErr != nil {
			return
		}
		cp := valP.(*copyPayload)
		var lines []string
		for r := 0; r < cp.rows; r++ {
			var fields []string
			for _, v := range cp.vals[r*cp.width : (r+1)*cp.width] {
				fields = append(fields, pqEscape(v))
			}
			lines = append(lines, strings.Join(fields, "\t")+"\n")
		}
		if got, want := strings.Join(lines, ""), string(*textP.(*copyPayload).buf); got != want {
			t.Errorf("values escaped by the driver:\n %q\nCOPY text:\n %q", got, want)
		}
	})
}
