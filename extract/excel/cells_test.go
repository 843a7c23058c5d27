package excel

import "testing"

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
		{"[h]:mm:ss", fmtNumber},
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

func TestBuiltinKind(t *testing.T) {
	tests := []struct {
		id   int
		want fmtKind
	}{{0, fmtNumber}, {2, fmtNumber}, {14, fmtDate}, {17, fmtDate}, {18, fmtTime}, {22, fmtDateTime}, {31, fmtDate}, {32, fmtTime}, {49, fmtNumber}, {57, fmtDate}, {56, fmtTime}}
	for _, tc := range tests {
		if got := builtinKind(tc.id); got != tc.want {
			t.Errorf("builtinKind(%d) = %d, want %d", tc.id, got, tc.want)
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
	}
	for _, tc := range tests {
		got, k, err := appendSerial(nil, []byte(tc.raw), tc.k, false)
		if err != nil || string(got) != tc.want || k != tc.kind {
			t.Errorf("appendSerial(%s, %d) = %q, %d, %v; want %q, %d", tc.raw, tc.k, got, k, err, tc.want, tc.kind)
		}
	}
}
