package excel

import (
	"testing"
	"time"
)

func TestFormatKind(t *testing.T) {
	tests := []struct {
		code string
		want fmtKind
	}{
		{"General", fmtNumber},
		{"0.00", fmtNumber},
		{"0.00E+00", fmtNumber},
		{"#,##0.00_);[Red](#,##0.00)", fmtNumber},
		{"@", fmtNumber},
		{`"TRUE";"TRUE";"FALSE"`, fmtNumber},
		{"[h]:mm:ss", fmtDuration},
		{"[mm]:ss", fmtDuration},
		{"[s]", fmtDuration},
		{"[HH]", fmtDuration},
		{"[Red][h]:mm", fmtDuration},
		{"[hm]", fmtNumber},
		{"[DBNum1][$-804]yyyy\"年\"m\"月\"d\"日\"", fmtDate},
		{"[DBNum1]0", fmtNumber},
		{"AM/PM", fmtTime},
		{"A/P", fmtTime},
		{"am/pm", fmtTime},
		{`hh:mm:ss\ AM/PM`, fmtTime},
		{"[$-F400]h:mm:ss\\ AM/PM", fmtTime},
		{`yyyy\-mm\-dd`, fmtDate},
		{`yyyy"年"m"月"d"日"`, fmtDate},
		{"[$-804]yyyy/m/d", fmtDate},
		{"mmm-yy", fmtDate},
		{`yyyy\-mm\-dd\ hh:mm:ss`, fmtDateTime},
		{"m/d/yy h:mm AM/PM", fmtDateTime},
		{"hh:mm", fmtTime},
		{`h"时"mm"分"ss"秒"`, fmtTime},
		{"mm:ss.0", fmtTime},
		{"[Red]0.00", fmtNumber},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			if got := formatKind(tc.code); got != tc.want {
				t.Fatalf("formatKind(%q) = %d, want %d", tc.code, got, tc.want)
			}
		})
	}
}

// The built-in number formats, ECMA-376 Part 1 §18.8.30, as the standard
// lists their codes: the ids every locale shares (en-US codes), and the
// East Asian ones 27–36 and 50–58 in each of the four locales listed.
var builtinCodes = map[int]string{
	0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00",
	12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
	18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
	37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)",
	// 5–8 and 41–44 are not in the standard's table; Excel writes
	// currency and accounting formats there.
	5: `"$"#,##0_);\("$"#,##0\)`, 6: `"$"#,##0_);[Red]\("$"#,##0\)`, 7: `"$"#,##0.00_);\("$"#,##0.00\)`, 8: `"$"#,##0.00_);[Red]\("$"#,##0.00\)`,
	41: `_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)`, 42: `_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)`,
	43: `_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)`, 44: `_("$"* #,##0.00_);_("$"* \(#,##0.00\);_("$"* "-"??_);_(@_)`,
	45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}

var eastAsianCodes = map[string]map[int]string{
	"zh-cn": {27: `yyyy"年"m"月"`, 28: `m"月"d"日"`, 29: `m"月"d"日"`, 30: "m-d-yy", 31: `yyyy"年"m"月"d"日"`,
		32: `h"时"mm"分"`, 33: `h"时"mm"分"ss"秒"`, 34: `上午/下午h"时"mm"分"`, 35: `上午/下午h"时"mm"分"ss"秒"`, 36: `yyyy"年"m"月"`,
		50: `yyyy"年"m"月"`, 51: `m"月"d"日"`, 52: `yyyy"年"m"月"`, 53: `m"月"d"日"`, 54: `m"月"d"日"`,
		55: `上午/下午h"时"mm"分"`, 56: `上午/下午h"时"mm"分"ss"秒"`, 57: `yyyy"年"m"月"`, 58: `m"月"d"日"`},
	"zh-tw": {27: "[$-404]e/m/d", 28: `[$-404]e"年"m"月"d"日"`, 29: `[$-404]e"年"m"月"d"日"`, 30: "m/d/yy", 31: `yyyy"年"m"月"d"日"`,
		32: `hh"時"mm"分"`, 33: `hh"時"mm"分"ss"秒"`, 34: `上午/下午hh"時"mm"分"`, 35: `上午/下午hh"時"mm"分"ss"秒"`, 36: "[$-404]e/m/d",
		50: "[$-404]e/m/d", 51: `[$-404]e"年"m"月"d"日"`, 52: `上午/下午hh"時"mm"分"`, 53: `上午/下午hh"時"mm"分"ss"秒"`, 54: `[$-404]e"年"m"月"d"日"`,
		55: `上午/下午hh"時"mm"分"`, 56: `上午/下午hh"時"mm"分"ss"秒"`, 57: "[$-404]e/m/d", 58: `[$-404]e"年"m"月"d"日"`},
	"ja-jp": {27: "[$-411]ge.m.d", 28: `[$-411]ggge"年"m"月"d"日"`, 29: `[$-411]ggge"年"m"月"d"日"`, 30: "m/d/yy", 31: `yyyy"年"m"月"d"日"`,
		32: `h"時"mm"分"`, 33: `h"時"mm"分"ss"秒"`, 34: `yyyy"年"m"月"`, 35: `m"月"d"日"`, 36: "[$-411]ge.m.d",
		50: "[$-411]ge.m.d", 51: `[$-411]ggge"年"m"月"d"日"`, 52: `yyyy"年"m"月"`, 53: `m"月"d"日"`, 54: `[$-411]ggge"年"m"月"d"日"`,
		55: `yyyy"年"m"月"`, 56: `m"月"d"日"`, 57: "[$-411]ge.m.d", 58: `[$-411]ggge"年"m"月"d"日"`},
	"ko-kr": {27: `yyyy"年" mm"月" dd"日"`, 28: "mm-dd", 29: "mm-dd", 30: "mm-dd-yy", 31: `yyyy"년" mm"월" dd"일"`,
		32: `h"시" mm"분"`, 33: `h"시" mm"분" ss"초"`, 34: "yyyy-mm-dd", 35: "yyyy-mm-dd", 36: `yyyy"年" mm"月" dd"日"`,
		50: `yyyy"年" mm"月" dd"日"`, 51: "mm-dd", 52: "yyyy-mm-dd", 53: "yyyy-mm-dd", 54: "mm-dd",
		55: "yyyy-mm-dd", 56: "yyyy-mm-dd", 57: `yyyy"年" mm"月" dd"日"`, 58: "mm-dd"},
}

// Every built-in format id 0–81 is classified as its code says: the
// shared ones as formatKind reads their en-US code, the East Asian ones as
// it reads their code in every locale (a date in some locales and a time
// in others is fmtDateOrTime), the Thai ones (letters formatKind does not
// know: ว day, ด month, ป year, ช hour, น minute, ท second) by hand.
func TestBuiltinKinds(t *testing.T) {
	for id := 0; id <= 58; id++ {
		if code, ok := builtinCodes[id]; ok {
			if got, want := builtinKind(id), formatKind(code); got != want {
				t.Errorf("builtinKind(%d) = %d, but its code %q is %d", id, got, code, want)
			}
			continue
		}
		kinds := map[fmtKind]bool{}
		for loc, codes := range eastAsianCodes {
			if code, ok := codes[id]; ok {
				kinds[formatKind(code)] = true
				if k := formatKind(code); k != fmtDate && k != fmtTime {
					t.Errorf("%s %d %q: kind %d", loc, id, code, k)
				}
			}
		}
		want := fmtNumber // 23–26: not defined anywhere
		switch {
		case kinds[fmtDate] && kinds[fmtTime]:
			want = fmtDateOrTime
		case kinds[fmtDate]:
			want = fmtDate
		case kinds[fmtTime]:
			want = fmtTime
		}
		if got := builtinKind(id); got != want {
			t.Errorf("builtinKind(%d) = %d, want %d (the locales' codes: %v)", id, got, want, kinds)
		}
	}
	thai := map[int]fmtKind{71: fmtDate, 72: fmtDate, 73: fmtDate, 74: fmtDate, 75: fmtTime, 76: fmtTime,
		77: fmtDateTime, 78: fmtTime, 79: fmtDuration, 80: fmtTime, 81: fmtDate}
	for id := 59; id <= 81; id++ {
		if got := builtinKind(id); got != thai[id] {
			t.Errorf("builtinKind(%d) = %d, want %d", id, got, thai[id])
		}
	}
}

func TestAppendNumber(t *testing.T) {
	tests := []struct {
		raw, want string
		kind      cellKind
		err       string
	}{
		{"42", "42", ckInt, ""},
		{"-7", "-7", ckInt, ""},
		{"3.5", "3.5", ckFloat, ""},
		{"1.0E+2", "100", ckInt, ""},
		{"0.30000000000000004", "0.3", ckFloat, ""},
		{"1.2345678901234567E+17", "123456789012346000", ckFloat, ""},
		{"110101199003071234", "110101199003071000", ckFloat, ""},
		{"999999999999999", "999999999999999", ckInt, ""},
		{"1E-5", "0.00001", ckFloat, ""},
		{"-0", "0", ckInt, ""},
		{"007", "7", ckInt, ""},
		{"x", "", ckEmpty, `numeric cell holds "x", not a number`},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, k, err := appendNumber(nil, []byte(tc.raw))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want || k != tc.kind {
				t.Fatalf("appendNumber(%q) = %q, %d, %v; want %q, %d", tc.raw, got, k, err, tc.want, tc.kind)
			}
		})
	}
}

func TestAppendSerial(t *testing.T) {
	tests := []struct {
		raw  string
		k    fmtKind
		want string
		kind cellKind
	}{
		{"0.5", fmtTime, "12:00:00", ckText},
		{"0.99999999", fmtTime, "23:59:59.999", ckText},
		{"45352.5", fmtDate, "2024-03-01 12:00:00", ckDateTime},
		{"45352.5", fmtTime, "2024-03-01 12:00:00", ckDateTime},
		{"45352", fmtDateTime, "2024-03-01 00:00:00", ckDateTime},
		{"45352", fmtDate, "2024-03-01", ckDate},
		{"45352.0000000001", fmtDate, "2024-03-01", ckDate},
		// Durations: hours not wrapped at a day (format 46, [h]:mm:ss).
		{"12345.6789", fmtDuration, "296296:17:36.960", ckText},
		{"1.5", fmtDuration, "36:00:00", ckText},
		{"0", fmtDuration, "0:00:00", ckText},
		{"-0.5", fmtDuration, "-12:00:00", ckText},
		{"0.000011574", fmtDuration, "0:00:01", ckText},
		// A date in one locale, a time in another (34, 35, 52, 53, 55, 56).
		{"0.5", fmtDateOrTime, "12:00:00", ckText},
		{"45352", fmtDateOrTime, "2024-03-01", ckDate},
		{"45352.25", fmtDateOrTime, "2024-03-01 06:00:00", ckDateTime},
	}
	for _, tc := range tests {
		got, k, err := appendSerial(nil, []byte(tc.raw), tc.k, false)
		if err != nil || string(got) != tc.want || k != tc.kind {
			t.Errorf("appendSerial(%s, %d) = %q, %d, %v; want %q, %d", tc.raw, tc.k, got, k, err, tc.want, tc.kind)
		}
	}
}

// parseISO reads what time.Parse reads, for the forms of this package.
func TestParseISO(t *testing.T) {
	for _, s := range []string{"2024-03-01", "1900-01-01", "9999-12-31", "2024-02-29 23:59:59", "2024-03-01 08:15:00.250", "0001-01-01 00:00:00"} {
		got, ok := parseISO(s)
		layout := map[int]string{10: "2006-01-02", 19: "2006-01-02 15:04:05", 23: "2006-01-02 15:04:05.000"}[len(s)]
		want, err := time.Parse(layout, s)
		if !ok || err != nil || !got.Equal(want) || got.Location() != want.Location() {
			t.Errorf("parseISO(%q) = %v, %v; time.Parse: %v, %v", s, got, ok, want, err)
		}
	}
	for _, s := range []string{"2023-02-30", "2024-13-01", "2024-03-01T08:15:00", "2024-03-01 24:00:00", "2024/03/01", "2024-03-01 08:15:00.25x", "+024-03-01"} {
		if _, ok := parseISO(s); ok {
			t.Errorf("parseISO(%q) accepted", s)
		}
	}
}
