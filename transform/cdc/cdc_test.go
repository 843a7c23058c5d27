package cdc

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

func TestRowRoundTrip(t *testing.T) {
	cst := time.FixedZone("", 8*3600)
	fields := []Field{
		{Name: "nil"},
		{Name: "s", Value: "张三\x00\t", Kind: xcetl.KindString},
		{Name: "i", Value: int64(-1 << 62), Kind: xcetl.KindInt},
		{Name: "f", Value: 1.5, Kind: xcetl.KindFloat},
		{Name: "d", Value: xcetl.Decimal("-12.50"), Kind: xcetl.KindDecimal},
		{Name: "t", Value: true, Kind: xcetl.KindBool},
		{Name: "no", Value: false, Kind: xcetl.KindBool},
		{Name: "date", Value: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), Kind: xcetl.KindDate},
		{Name: "ts", Value: time.Date(2024, 5, 1, 12, 30, 0, 123456000, time.UTC), Kind: xcetl.KindTimestamp},
		{Name: "tz", Value: time.Date(2024, 5, 1, 12, 30, 0, 1, cst), Kind: xcetl.KindTimestampTZ},
		{Name: "b", Value: []byte{0, 1, 0xff}, Kind: xcetl.KindBytes},
		{Name: "", Value: ""},
	}
	enc, err := AppendRow(nil, fields)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRow(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(fields) {
		t.Fatalf("got %d fields", len(got))
	}
	for i := range fields {
		w, g := fields[i], got[i]
		if g.Name != w.Name {
			t.Errorf("field %d name %q, want %q", i, g.Name, w.Name)
		}
		if wt, ok := w.Value.(time.Time); ok {
			gt, _ := g.Value.(time.Time)
			_, wo := wt.Zone()
			_, gov := gt.Zone()
			if !gt.Equal(wt) || wo != gov || g.Kind != w.Kind {
				t.Errorf("field %s = %v (%s), want %v (%s)", w.Name, gt, g.Kind, wt, w.Kind)
			}
			continue
		}
		if !reflect.DeepEqual(g.Value, w.Value) {
			t.Errorf("field %s = %#v, want %#v", w.Name, g.Value, w.Value)
		}
	}
	if _, err := AppendRow(nil, []Field{{Name: "x", Value: struct{}{}}}); err == nil {
		t.Error("a struct value was encoded")
	}
	for cut := 0; cut < len(enc); cut++ {
		if _, err := DecodeRow(enc[:cut]); err == nil {
			t.Fatalf("a row cut at %d of %d bytes decoded", cut, len(enc))
		}
	}
}

func TestKeyText(t *testing.T) {
	for _, tc := range []struct {
		key  []Field
		want string
	}{
		{[]Field{{Name: "id", Value: int64(42)}}, `{"id":42}`},
		{[]Field{{Name: "id", Value: "42"}}, `{"id":"42"}`},
		{[]Field{{Name: "a", Value: "x\"y"}, {Name: "b", Value: nil}}, `{"a":"x\"y","b":null}`},
		{[]Field{{Name: "d", Value: xcetl.Decimal("1.50")}}, `{"d":"1.50"}`},
		{[]Field{{Name: "t", Value: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Kind: xcetl.KindDate}}, `{"t":"2024-01-02"}`},
	} {
		if got := KeyText(tc.key); got != tc.want {
			t.Errorf("KeyText = %s, want %s", got, tc.want)
		}
	}
}

func ev(table string, id int64, op xcetl.Op, version []byte, ref int) Event {
	return Event{Table: table, Op: op, Key: []Field{{Name: "id", Value: id}}, Version: version, Ref: ref}
}

func TestCollapse(t *testing.T) {
	v := func(n uint64) []byte { return VersionLSN(n) }
	var h Handler
	events := []Event{
		ev("a", 1, xcetl.OpInsert, v(10), 0),
		ev("a", 2, xcetl.OpInsert, v(11), 1),
		ev("b", 1, xcetl.OpInsert, v(12), 2), // another table: its own key space
		ev("a", 1, xcetl.OpUpdate, v(13), 3),
		ev("a", 2, xcetl.OpDelete, v(9), 4), // older than the insert before it (another partition)
		ev("a", 1, xcetl.OpDelete, v(14), 5),
		ev("a", 1, xcetl.OpInsert, v(14), 6), // same version: the later one wins
	}
	got := h.Collapse(events)
	var refs []int
	for _, e := range got {
		refs = append(refs, e.Ref)
	}
	if want := []int{1, 2, 6}; !reflect.DeepEqual(refs, want) {
		t.Errorf("kept %v, want %v", refs, want)
	}
	if h.Stats.Collapsed.Load() != 4 {
		t.Errorf("collapsed = %d, want 4", h.Stats.Collapsed.Load())
	}
}

func TestVersionsOrder(t *testing.T) {
	scn := func(s string, seq uint32) []byte {
		b, err := VersionSCN(s, seq)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name      string
		low, high []byte
	}{
		{"lsn", VersionLSN(255), VersionLSN(256)},
		{"binlog position", VersionBinlog(3, 900, 0), VersionBinlog(3, 1000, 0)},
		{"binlog row", VersionBinlog(3, 900, 1), VersionBinlog(3, 900, 2)},
		{"binlog file", VersionBinlog(3, 99999, 9), VersionBinlog(4, 4, 0)},
		{"scn", scn("9", 0), scn("10", 0)},
		{"canal es", VersionCanal(1000, 99, 0), VersionCanal(1001, 5, 0)},
		{"canal offset", VersionCanal(1000, 5, 3), VersionCanal(1000, 6, 0)},
		{"canal row", VersionCanal(1000, 5, 0), VersionCanal(1000, 5, 1)},
		{"generic", VersionGeneric(-5, 0, 10, 0), VersionGeneric(3, 0, 1, 0)},
		{"sqlserver", VersionSQLServer([]byte{0, 1}, []byte{0, 9}, 0), VersionSQLServer([]byte{0, 2}, []byte{0, 1}, 0)},
	} {
		if bytes.Compare(tc.low, tc.high) >= 0 {
			t.Errorf("%s: %x is not below %x", tc.name, tc.low, tc.high)
		}
	}
	if _, err := VersionSCN("12a", 0); err == nil {
		t.Error("scn 12a accepted")
	}
}

func FuzzDecodeRow(f *testing.F) {
	enc, _ := AppendRow(nil, []Field{{Name: "a", Value: "x"}, {Name: "b", Value: int64(3)}, {Name: "c", Value: time.Unix(5, 6).UTC(), Kind: xcetl.KindTimestampTZ}})
	f.Add(enc)
	f.Add([]byte{})
	f.Add([]byte{1, 1, 'a', 99})
	f.Fuzz(func(t *testing.T, b []byte) {
		fields, err := DecodeRow(b)
		if err != nil {
			return
		}
		again, err := AppendRow(nil, fields)
		if err != nil {
			t.Fatalf("decoded fields do not encode: %v", err)
		}
		back, err := DecodeRow(again)
		if err != nil || len(back) != len(fields) {
			t.Fatalf("re-decoding failed: %v", err)
		}
	})
}
