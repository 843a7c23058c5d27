package main

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestGenerateCSV(t *testing.T) {
	const rows = 3000
	dir := t.TempDir()
	path, generated, err := ensureData(dir, rows)
	if err != nil {
		t.Fatal(err)
	}
	if !generated {
		t.Fatalf("ensureData on an empty dir reported a cached file")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(raw) {
		t.Fatalf("output is not valid UTF-8")
	}
	if perRow := len(raw) / rows; perRow < 120 || perRow > 200 {
		t.Errorf("%d bytes/row, want about 150", perRow)
	}

	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = len(header)
	hdr, err := r.Read()
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	if strings.Join(hdr, ",") != strings.Join(header, ",") {
		t.Fatalf("header = %v, want %v", hdr, header)
	}

	var (
		mobile    = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
		score     = regexp.MustCompile(`^[0-9]{1,3}\.[0-9]{2}$`)
		idNumber  = regexp.MustCompile(`^[0-9]{17}[0-9X]$`)
		withComma int
		withQuote int
	)
	for i := 1; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			if i-1 != rows {
				t.Fatalf("read %d data rows, want %d", i-1, rows)
			}
			break
		}
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		checks := []struct {
			field string
			ok    bool
		}{
			{"编号", rec[0] == strconv.Itoa(i)},
			{"姓名", utf8.RuneCountInString(rec[1]) >= 2 && utf8.RuneCountInString(rec[1]) <= 4},
			{"性别", rec[2] == "男" || rec[2] == "女"},
			{"身份证号", idNumber.MatchString(rec[3]) && idCheckDigitOK(rec[3])},
			{"身份证号 birth", len(rec[3]) == 18 && rec[3][6:14] == strings.ReplaceAll(rec[5], "-", "")},
			{"身份证号 gender", len(rec[3]) == 18 && (rec[3][16]-'0')%2 == map[string]byte{"男": 1, "女": 0}[rec[2]]},
			{"手机号", mobile.MatchString(rec[4])},
			{"出生日期", parses("2006-01-02", rec[5])},
			{"住址", utf8.RuneCountInString(rec[6]) >= 15 && utf8.RuneCountInString(rec[6]) <= 30},
			{"社区", strings.HasSuffix(rec[7], "社区")},
			{"积分", score.MatchString(rec[8])},
			{"登记时间", parses("2006-01-02 15:04:05", rec[9])},
		}
		for _, c := range checks {
			if !c.ok {
				t.Errorf("row %d: bad %s in %q", i, c.field, rec)
			}
		}
		if strings.Contains(rec[6], ",") {
			withComma++
		}
		if strings.Contains(rec[6], `"`) {
			withQuote++
		}
	}
	// The quoting paths of a CSV reader must be exercised by the data.
	if withComma < rows/20 || withQuote == 0 {
		t.Errorf("addresses with comma: %d, with quote: %d; want both present", withComma, withQuote)
	}
}

func TestGenerateDeterministicAndCached(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	a, _, err := ensureData(dirA, 500)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := ensureData(dirB, 500)
	if err != nil {
		t.Fatal(err)
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ba, bb) {
		t.Fatalf("two generations of 500 rows differ")
	}
	// A smaller file is a prefix of a bigger one row-wise: same seed, same sequence.
	c, _, err := ensureData(dirA, 1000)
	if err != nil {
		t.Fatal(err)
	}
	bc, _ := os.ReadFile(c)
	if !bytes.HasPrefix(bc, ba) {
		t.Errorf("1000-row file does not start with the 500-row file")
	}

	// Cache: an existing file of that name is reused, untouched.
	if err := os.WriteFile(a, []byte("sentinel"), 0o644); err != nil {
		t.Fatal(err)
	}
	again, generated, err := ensureData(dirA, 500)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(again)
	if generated || string(got) != "sentinel" {
		t.Errorf("ensureData regenerated a cached file (generated=%v)", generated)
	}
	if _, err := os.Stat(filepath.Join(dirA, dataFileName(500)+".tmp")); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind")
	}
}

// idCheckDigitOK checks GB 11643 independently of the generator's tables: weight i is
// 2^(17-i) mod 11 and the check value is (12 - sum mod 11) mod 11, 10 written as X.
func idCheckDigitOK(id string) bool {
	sum := 0
	for k := 0; k < 17; k++ {
		w := 1
		for e := 0; e < 17-k; e++ {
			w = w * 2 % 11
		}
		sum += int(id[k]-'0') * w
	}
	want := (12 - sum%11) % 11
	if want == 10 {
		return id[17] == 'X'
	}
	return int(id[17]-'0') == want
}

func TestIDCheckDigitHelper(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"11010519491231002X", true}, // the standard's example
		{"110105194912310021", false},
		{"440524188001010014", true},
		{"440524188001010015", false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if got := idCheckDigitOK(tc.id); got != tc.want {
				t.Errorf("idCheckDigitOK(%s) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}

func parses(layout, s string) bool {
	_, err := time.Parse(layout, s)
	return err == nil
}
