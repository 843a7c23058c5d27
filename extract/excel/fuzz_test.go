package excel

import (
	"bytes"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xcetl/xcetl"
)

// fuzzBook is the workbook context of the sheet fuzzers: one shared
// string, styles 1 and 2 date-time and date formatted.
func fuzzBook() *book {
	return &book{name: "f.xlsx", sst: "身份证号", sstOff: []uint32{0, uint32(len("身份证号"))}, xfKinds: []fmtKind{fmtNumber, fmtDateTime, fmtDate}}
}

var sheetSeeds = []string{
	`<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" s="1"><v>45352.5</v></c></row><row r="3"><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c t="inlineStr"><is><r><t>a</t></r><rPh><t>x</t></rPh></is></c></row></sheetData>`,
	`<row r="0"><c r="ZZZZ1"><v>1E400</v></c></row>`,
	`<row><c t="d"><v>2024-02-30</v></c><c s="2"><v>60</v></c><c s="99"><v>-1</v></c></row>`,
	`<row r="2"><c r="B2"><f>1</f></c></row><row r="1"></row>`,
	`<?xml version="1.0"?><x:worksheet xmlns:x="urn:x"><x:sheetData><x:row r='4'><x:c r='B4' t='inlineStr'><x:is><x:t>a&amp;b&#x4e2d;&#20013;_x000D_</x:t></x:is></x:c><x:c r="C4"/><x:c><x:v><![CDATA[42]]></x:v></x:c></x:row><!-- c --><x:row/></x:sheetData></x:worksheet>`,
	"<row r=\"1\"><c t=\"str\"><v>a\r\nb\rc</v></c><c t=\"inlineStr\"><is><t xml:space=\"preserve\"> x </t></is></c></row>",
	// The shapes read without tokens (xmlScanner.simple), and near misses of them.
	"<row r=\"6\"><c r=\"A6\"><v>7</v></c><c r=\"B6\" t=\"inlineStr\"><is><t>a&amp;b\r\n</t></is></c><c><v></v></c><c t=\"inlineStr\"><is><t></t></is></c><c><v>1</v></c ><c><v>2</v ></c><c t=\"inlineStr\"><is><t>x</t></is ></c><c><v>3</v></c></row>",
	`<row r="5" spans="1:3"><c r="A5" s="2" t="n"><v>0.30000000000000004</v></c><c r="B5"><v>123456789012345678</v></c><c r="C5"><v>-0</v></c></row>`,
}

// FuzzSheet feeds arbitrary worksheet XML to the row reader: it must return
// rows or an error, never panic or loop, and keep values only in their
// columns.
func FuzzSheet(f *testing.F) {
	for _, s := range sheetSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := fuzzBook()
		sr := &sheetReader{b: b, rc: io.NopCloser(bytes.NewReader(data)), sc: newScanner(bytes.NewReader(data)), maxCol: 50}
		var r sheetRow
		for i := 0; i < 10000; i++ {
			if err := sr.next(&r); err != nil {
				return
			}
			if len(r.vals) > 50 || len(r.vals) != len(r.kinds) {
				t.Fatalf("row %d has %d values and %d kinds (maxCol 50)", r.num, len(r.vals), len(r.kinds))
			}
			for c, v := range r.vals {
				if (v == "") != (r.kinds[c] == ckEmpty) {
					t.Fatalf("row %d column %d: value %q with kind %d", r.num, c+1, v, r.kinds[c])
				}
			}
		}
	})
}

// FuzzScannerMatchesEncodingXML reads the same worksheet XML with the fast
// scanner and with the reference reader on encoding/xml: every row both
// produce before either fails must be the same.
func FuzzScannerMatchesEncodingXML(f *testing.F) {
	for _, s := range sheetSeeds {
		f.Add([]byte(s), uint8(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		b := fuzzBook()
		// A reader returning small chunks exercises the buffer refills.
		sr := &sheetReader{b: b, sc: newScanner(&chunkReader{data: data, n: int(chunk%64) + 1}), maxCol: 50}
		sr.sc.buf = make([]byte, 16)
		rr := newRefReader(fuzzBook(), bytes.NewReader(data), 50)
		var fast, ref sheetRow
		for i := 0; i < 10000; i++ {
			ferr := sr.next(&fast)
			rerr := rr.next(&ref)
			if ferr != nil || rerr != nil {
				return
			}
			if fast.num != ref.num || !reflect.DeepEqual(fast.vals, ref.vals) || !reflect.DeepEqual(fast.kinds, ref.kinds) || fast.bad != ref.bad {
				t.Fatalf("row %d differs:\nfast %d %q %v %q\nref  %d %q %v %q", i+1, fast.num, fast.vals, fast.kinds, fast.bad, ref.num, ref.vals, ref.kinds, ref.bad)
			}
		}
	})
}

type chunkReader struct {
	data []byte
	n    int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.n, len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// FuzzCellText checks the number and date renderers on any stored text.
func FuzzCellText(f *testing.F) {
	for _, s := range []string{"0", "45352.34375", "-1", "1E+308", "NaN", "60", "2958465.9999999", "2024-03-01T08:00:00Z", "12345.6789", "-0.25", "99999999.9999999", "2024-02-29 23:59:59.999", "[h]:mm AM/PM", "17.78", "-0.005", "0.30000000000001", "123456789012.345", "1234567890123.45", "00.5", "1.50"} {
		f.Add(s, uint8(1), false)
	}
	f.Fuzz(func(t *testing.T, raw string, k uint8, date1904 bool) {
		kind := fmtKind(k % 6) // every kind, durations and date-or-time included
		if kind == fmtNumber {
			if isShortDecimal([]byte(raw)) {
				if out, ck, err := appendFloat15(nil, []byte(raw)); err != nil || ck != ckFloat || string(out) != raw {
					t.Fatalf("isShortDecimal(%q) but appendFloat15 = %q, %d, %v", raw, out, ck, err)
				}
			}
			out, ck, err := appendNumber(nil, []byte(raw))
			if err == nil {
				if ck != ckInt && ck != ckFloat {
					t.Fatalf("appendNumber(%q) kind %d", raw, ck)
				}
				if strings.ContainsAny(string(out), "eE") {
					t.Fatalf("appendNumber(%q) = %q has an exponent", raw, out)
				}
				if _, err := typedValue(string(out), map[cellKind]xcetl.Kind{ckInt: xcetl.KindInt, ckFloat: xcetl.KindFloat}[ck]); err != nil {
					t.Fatalf("appendNumber(%q) = %q does not read back: %v", raw, out, err)
				}
			}
			return
		}
		out, ck, err := appendSerial(nil, []byte(raw), kind, date1904)
		if err == nil && (ck == ckDate || ck == ckDateTime) {
			if _, err := typedValue(string(out), xcetl.KindTimestamp); err != nil {
				t.Fatalf("appendSerial(%q) = %q does not read back: %v", raw, out, err)
			}
			// parseISO reads what time.Parse reads.
			layout := map[int]string{10: "2006-01-02", 19: "2006-01-02 15:04:05", 23: "2006-01-02 15:04:05.000"}[len(out)]
			want, werr := time.Parse(layout, string(out))
			if got, ok := parseISO(string(out)); !ok || werr != nil || !got.Equal(want) {
				t.Fatalf("parseISO(%q) = %v %v, time.Parse %v %v", out, got, ok, want, werr)
			}
		}
		if got, ok := parseISO(raw); ok {
			if back := got.Format("2006-01-02 15:04:05.000")[:len(raw)]; len(raw) == 23 && back != raw || len(raw) == 10 && got.Format("2006-01-02") != raw {
				t.Fatalf("parseISO(%q) = %v", raw, got)
			}
		}
		if kind == fmtDuration && err == nil && !regexp.MustCompile(`^-?\d+:[0-5]\d:[0-5]\d(\.\d{3})?$`).Match(out) {
			t.Fatalf("duration %q is %q", raw, out)
		}
		_, _, _ = appendISOCellDate(nil, raw)
		_ = formatKind(raw)
		_, _, _ = parseRef(raw)
		_ = decodeXString(raw)
		_, _ = appendText(nil, []byte(raw))
	})
}

// FuzzDateText checks the hand-written date and time writers against
// time.Time.AppendFormat for every instant Excel can hold and beyond.
func FuzzDateText(f *testing.F) {
	for _, s := range []int64{0, -2209161600, 253402300799, 951782400, 1709251199} {
		f.Add(s, uint32(0))
		f.Add(s, uint32(999999999))
	}
	f.Fuzz(func(t *testing.T, sec int64, ns uint32) {
		tm := time.Unix(sec%(400000*86400*365), int64(ns%1e9)).UTC()
		if got, want := string(appendDateText(nil, tm)), tm.Format("2006-01-02"); got != want {
			t.Fatalf("appendDateText(%v) = %q, want %q", tm, got, want)
		}
		want := tm.Format("15:04:05")
		if tm.Nanosecond() != 0 {
			want = tm.Format("15:04:05.000")
		}
		if got := string(appendTimeText(nil, tm)); got != want {
			t.Fatalf("appendTimeText(%v) = %q, want %q", tm, got, want)
		}
	})
}
