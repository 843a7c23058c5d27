package change

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

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

func TestKeyHash(t *testing.T) {
	k := func(v any) []Field { return []Field{{Name: "id", Value: v}} }
	seen := map[[KeyHashSize]byte]string{}
	for _, c := range []struct {
		pipeline, table string
		key             []Field
	}{
		{"p", "t", k(int64(1))}, {"p", "t", k("1")}, {"p", "u", k(int64(1))}, {"q", "t", k(int64(1))},
		{"p", "t", k(int64(2))}, {"p\x00t", "", k(int64(1))},
	} {
		h := KeyHash(c.pipeline, c.table, c.key)
		if prev, dup := seen[h]; dup {
			t.Errorf("%q %q %s hashes like %s", c.pipeline, c.table, KeyText(c.key), prev)
		}
		seen[h] = c.pipeline + "/" + c.table + "/" + KeyText(c.key)
	}
	first, again := KeyHash("p", "t", k(int64(1))), KeyHash("p", "t", k(int64(1)))
	if first != again {
		t.Error("KeyHash is not stable")
	}
}

func ev(table string, id int64, op Op, pos []byte, offset int64) Event {
	return Event{Table: table, Op: op, Key: []Field{{Name: "id", Value: id}}, Position: pos, Meta: Meta{Offset: offset}}
}

func TestCollapse(t *testing.T) {
	v := func(n uint64) []byte { return PositionLSN(n, 0) }
	events := []Event{
		ev("a", 1, Create, v(10), 0),
		ev("a", 2, Create, v(11), 1),
		ev("b", 1, Create, v(12), 2), // another table: its own key space
		ev("a", 1, Update, v(13), 3),
		ev("a", 2, Delete, v(9), 4), // older than the create before it (another partition)
		ev("a", 1, Delete, v(14), 5),
		ev("a", 1, Create, v(14), 6), // same position: the later one wins
	}
	got, n := Collapse(events)
	var offsets []int64
	for _, e := range got {
		offsets = append(offsets, e.Meta.Offset)
	}
	if want := []int64{1, 2, 6}; !reflect.DeepEqual(offsets, want) || n != 4 {
		t.Errorf("kept %v (%d collapsed), want %v (4)", offsets, n, want)
	}
	// A truncate is a barrier for its table.
	got, _ = Collapse([]Event{ev("a", 1, Create, v(1), 0), {Table: "a", Op: Truncate, Meta: Meta{Offset: 1}}, ev("a", 1, Create, v(2), 2), ev("b", 1, Create, v(3), 3), {Table: "b", Op: Truncate}})
	if len(got) != 5 {
		t.Errorf("collapsed across a truncate: %d events left", len(got))
	}
}

func TestPositionsOrder(t *testing.T) {
	scn := func(s, c string) []byte {
		b, err := PositionSCN(s, c)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name      string
		low, high []byte
	}{
		{"lsn", PositionLSN(255, 9), PositionLSN(256, 0)},
		{"lsn tie broken by the sequence", PositionLSN(256, 1), PositionLSN(256, 2)},
		{"binlog position", PositionBinlog(3, 900, 0), PositionBinlog(3, 1000, 0)},
		{"binlog row", PositionBinlog(3, 900, 1), PositionBinlog(3, 900, 2)},
		{"binlog file", PositionBinlog(9, 99999, 9), PositionBinlog(10, 4, 0)},
		{"scn", scn("9", "9"), scn("10", "10")},
		{"scn of 40 digits", scn("999999999999999999999999999999999999999", ""), scn("1000000000000000000000000000000000000000", "")},
		{"commit scn", scn("100", "101"), scn("100", "102")},
		{"snapshot scn without commit", scn("100", ""), scn("100", "100")},
		{"canal es", PositionCanal(1000, 99, 0), PositionCanal(1001, 5, 0)},
		{"canal offset", PositionCanal(1000, 5, 3), PositionCanal(1000, 6, 0)},
		{"canal row", PositionCanal(1000, 5, 0), PositionCanal(1000, 5, 1)},
		{"generic", PositionGeneric(-5, 0, 10, 0), PositionGeneric(3, 0, 1, 0)},
		{"sqlserver commit", PositionSQLServer([]byte{0, 1}, []byte{0, 9}, 0), PositionSQLServer([]byte{0, 2}, []byte{0, 1}, 0)},
		{"sqlserver serial", PositionSQLServer([]byte{0, 2}, []byte{0, 1}, 1), PositionSQLServer([]byte{0, 2}, []byte{0, 1}, 2)},
		{"sqlserver snapshot before streaming", PositionSQLServer([]byte{0, 2}, nil, 0), PositionSQLServer([]byte{0, 2}, []byte{0, 1}, 0)},
	} {
		if bytes.Compare(tc.low, tc.high) >= 0 {
			t.Errorf("%s: %x is not below %x", tc.name, tc.low, tc.high)
		}
	}
	if _, err := PositionSCN("12a", ""); err == nil {
		t.Error("scn 12a accepted")
	}
	for file, want := range map[string]uint64{"mysql-bin.000010": 10, "binlog.000009": 9, "mysql-bin-changelog.123456": 123456} {
		if n, err := BinlogFileNumber(file); err != nil || n != want {
			t.Errorf("BinlogFileNumber(%s) = %d, %v", file, n, err)
		}
	}
	if _, err := BinlogFileNumber("mysql-bin"); err == nil {
		t.Error("a binlog file without number accepted")
	}
}

func FuzzPositionSCN(f *testing.F) {
	f.Add("2125544", "2125545")
	f.Add("0", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		pa, err := PositionSCN(a, b)
		if err != nil {
			return
		}
		pb, err := PositionSCN(a+"0", b)
		if err == nil && strings.Trim(a, "0") != "" && bytes.Compare(pa, pb) >= 0 {
			t.Fatalf("%s×10 is not above %s", a, a)
		}
	})
}
