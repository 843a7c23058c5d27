package main

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xcetl/xcetl/transform/mask"
	"github.com/xcetl/xcetl/transform/sm"
	"github.com/xcetl/xcetl/transform/validate"
)

const (
	protectSM4Key  = "8c1f0e2d3b4a59687766554433221100"
	protectHMACKey = "hmac-key-for-tests-0123456789abcdef"
)

// sm4Lines runs `xcetl sm4 ARGS` through Main with one value per line on
// stdin and returns the output lines.
func sm4Lines(t *testing.T, values []string, args ...string) []string {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"sm4"}, args...), strings.NewReader(strings.Join(values, "\n")+"\n"), &out, &errb)
	if code != 0 {
		t.Fatalf("xcetl sm4 %v: exit %d: %s", args, code, errb.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(values) {
		t.Fatalf("xcetl sm4 %v: %d lines for %d values", args, len(lines), len(values))
	}
	return lines
}

// quickstartRows reads the quickstart CSV (GBK) into records by id.
func quickstartRows(t *testing.T) map[string][]string {
	t.Helper()
	raw, err := os.ReadFile("../../examples/data/residents-2024.csv")
	if err != nil {
		t.Fatal(err)
	}
	text, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, rec := range recs[1:] {
		out[rec[0]] = rec
	}
	return out
}

// TestProtectPIIExample runs examples/protect-pii.yaml as a user would (keys
// in the environment), then reads the SQLite table back: every encrypted
// value decrypts with `xcetl sm4 decrypt` to the CSV's value, the HMAC
// column is HMAC-SM3 of the ID, the display columns are masked, and no key
// shows in any output.
func TestProtectPIIExample(t *testing.T) {
	t.Setenv("XCETL_SM4_KEY", protectSM4Key)
	t.Setenv("XCETL_HMAC_KEY", protectHMACKey)
	out := t.TempDir()
	rep := filepath.Join(out, "report.json")
	code, stdout, stderr := runCLI(t, "run", "../../examples/protect-pii.yaml", "--set", "XCETL_DEMO_OUT="+out, "--report", rep,
		"--progress", "never", "--log-format", "json", "--log-level", "debug")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := readReport(t, rep)
	if r.Status != "ok" || r.RowsRead != 40 || r.RowsWritten != 37 || r.RowsRejected != 3 {
		t.Fatalf("report %+v", r)
	}
	reportText, _ := os.ReadFile(rep)
	rejects, _ := os.ReadFile(filepath.Join(out, "protect-pii-rejects.csv"))
	for _, text := range []string{stdout, stderr, string(reportText), string(rejects)} {
		assertNoKey(t, text, protectSM4Key, protectHMACKey)
	}

	db, err := sql.Open("sqlite", filepath.Join(out, "protect-pii.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, id_card, phone, id_card_hmac, name_display, phone_display, address FROM residents_protected ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	src := quickstartRows(t)
	var ids, idCards, phones []string
	var hmacs, names, phoneDisps, addrs []sql.NullString
	for rows.Next() {
		var id string
		var idCard, phone, h, name, pd, addr sql.NullString
		if err := rows.Scan(&id, &idCard, &phone, &h, &name, &pd, &addr); err != nil {
			t.Fatal(err)
		}
		if !idCard.Valid || !strings.HasPrefix(idCard.String, "k2024$") || phone.Valid && !strings.HasPrefix(phone.String, "k2024$") {
			t.Fatalf("id %s: id_card %v phone %v not encrypted with key id k2024", id, idCard, phone)
		}
		// NULL stays NULL; the line stays empty for `xcetl sm4 decrypt`.
		ids, idCards, phones = append(ids, id), append(idCards, idCard.String), append(phones, phone.String)
		hmacs, names, phoneDisps, addrs = append(hmacs, h), append(names, name), append(phoneDisps, pd), append(addrs, addr)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 37 {
		t.Fatalf("%d rows", len(ids))
	}
	// `xcetl sm4 decrypt` reads the stored values (prefix and all), key from XCETL_SM4_KEY.
	plainIDs := sm4Lines(t, idCards, "decrypt", "--mode", "cbc")
	plainPhones := sm4Lines(t, phones, "decrypt")
	hexRE := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for i, id := range ids {
		rec := src[id]
		if rec == nil {
			t.Fatalf("id %s not in the CSV", id)
		}
		name, idCard, phone, addr := rec[1], rec[3], rec[4], rec[6]
		if plainIDs[i] != idCard || plainPhones[i] != phone || (validate.IDCard{}).Check(idCard) != "" {
			t.Fatalf("id %s: decrypted %q %q, CSV has %q %q", id, plainIDs[i], plainPhones[i], idCard, phone)
		}
		h := sm.NewHMACSM3([]byte(protectHMACKey))
		h.Write([]byte(idCard))
		if !hexRE.MatchString(hmacs[i].String) || hmacs[i].String != hex.EncodeToString(h.Sum(nil)) {
			t.Fatalf("id %s: id_card_hmac %q", id, hmacs[i].String)
		}
		nameRule, _ := mask.Named("name")
		mobileRule, _ := mask.Named("mobile")
		addrRule, _ := mask.Named("address")
		if names[i].String != nameRule.Mask(name) || phoneDisps[i].String != mobileRule.Mask(phone) || addrs[i].String != addrRule.Mask(addr) {
			t.Fatalf("id %s: masks %q %q %q", id, names[i].String, phoneDisps[i].String, addrs[i].String)
		}
		if strings.Contains(names[i].String, name[len(name)-3:]) && len([]rune(name)) > 1 {
			t.Fatalf("id %s: name_display %q shows the given name", id, names[i].String)
		}
	}
	// The name column is dropped: only the masked copy is stored.
	if _, err := db.Exec(`SELECT name FROM residents_protected`); err == nil {
		t.Fatal("the clear name column was stored")
	}
}

// assertNoKey fails when text contains a key, in any letter case.
func assertNoKey(t *testing.T, text string, keys ...string) {
	t.Helper()
	low := strings.ToLower(text)
	for _, k := range keys {
		if strings.Contains(low, strings.ToLower(k)) {
			t.Fatalf("a key appears in the output:\n%s", text)
		}
	}
}

// TestKeysNeverPrinted greps everything `xcetl validate`, `explain` and
// `run` print, the logs at debug level and the JSON report for the SM4 and
// HMAC keys, on success and on every kind of key problem.
func TestKeysNeverPrinted(t *testing.T) {
	const (
		k2024 = "00112233445566778899aabbccddeeff"
		k2025 = "ffeeddccbbaa99887766554433221100"
		hkey  = "a-long-hmac-secret-for-pseudonyms"
		bad1  = "00112233445566778899aabbccddeef"   // 31 characters
		bad2  = "00112233445566778899aabbccddeefg"  // not hex
		bad3  = "00112233445566778899aabbccddeeff0" // 33 characters
	)
	dir := t.TempDir()
	writeFile(t, dir, "in.csv", "id,id_card,phone,name\n1,11010519491231002X,13812345678,欧阳娜娜\n2,110101199003077774,13912345678,张三\n")
	pipeline := `version: 1
name: keys_test
source: {type: csv, path: in.csv}
transforms:
  - validate: {id_card: idcard}
  - hash: {fields: {id_card: id_card_hmac}, key: "${HKEY}"}
  - encrypt: {fields: [id_card], key: "${K2024}", key_id: k2024}
  - encrypt: {fields: [phone], key: "${K2025}", key_id: k2025, mode: gcm}
  - decrypt: {fields: [phone], keys: {k2024: "${K2024}", k2025: "${K2025}"}, mode: gcm}
  - mask: {name: name}
target: {type: sqlite, dsn: out.db, table: t}
`
	p := writeFile(t, dir, "p.yaml", pipeline)
	t.Setenv("K2024", k2024)
	t.Setenv("K2025", k2025)
	t.Setenv("HKEY", hkey)
	all := []string{k2024, k2025, hkey, bad1, bad2, bad3}

	rep := filepath.Join(dir, "report.json")
	for _, args := range [][]string{
		{"validate", p},
		{"explain", p},
		{"run", p, "--report", rep, "--progress", "never", "--log-format", "json", "--log-level", "debug"},
	} {
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s%s", args, code, stdout, stderr)
		}
		assertNoKey(t, stdout+stderr, all...)
		if args[0] == "explain" && (!strings.Contains(stdout, "encrypt id_card (sm4-cbc, hex, key [redacted], key_id k2024)") ||
			!strings.Contains(stdout, "decrypt phone (sm4-gcm, hex, key ids k2024, k2025 [keys redacted])") ||
			!strings.Contains(stdout, "hash id_card → id_card_hmac (hmac-sm3, key [redacted])")) {
			t.Fatalf("explain:\n%s", stdout)
		}
	}
	reportText, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	assertNoKey(t, string(reportText), all...)
	if r := readReport(t, rep); r.Status != "ok" || r.RowsWritten != 2 {
		t.Fatalf("report %s", reportText)
	}

	// Every kind of key problem: exit 2 from validate, a message that names
	// the transform and the problem, never the key, also in the report of a
	// run that could not start.
	for _, tc := range []struct {
		name, env, value, want string
	}{
		{"short", "K2024", bad1, "transforms[2].encrypt.key: encrypt: key: an SM4 key must be 32 hex characters (16 bytes), got 31 characters"},
		{"not hex", "K2024", bad2, "transforms[2].encrypt.key: encrypt: key: an SM4 key must be 32 hex characters; character 32 is not a hex digit"},
		{"long in keys", "K2025", bad3, `transforms[4].decrypt.keys.k2025: decrypt: key "k2025": an SM4 key must be 32 hex characters (16 bytes), got 33 characters`},
		{"short hmac", "HKEY", "0123456789", "transforms[1].hash.key: hash: the HMAC key must be at least 16 bytes, got 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			for _, cmd := range []string{"validate", "explain", "run"} {
				args := []string{cmd, p}
				if cmd == "run" {
					args = append(args, "--report", rep)
				}
				code, stdout, stderr := runCLI(t, args...)
				if code != 2 || !strings.Contains(stderr, tc.want) {
					t.Fatalf("%s: exit %d, stderr %q; want exit 2 and %q", cmd, code, stderr, tc.want)
				}
				assertNoKey(t, stdout+stderr, all...)
				assertNoKey(t, stdout+stderr, tc.value)
			}
			reportText, _ := os.ReadFile(rep)
			assertNoKey(t, string(reportText), all...)
			assertNoKey(t, string(reportText), tc.value)
			if !strings.Contains(string(reportText), `"status": "failed"`) && !strings.Contains(string(reportText), `"status":"failed"`) {
				t.Fatalf("report %s", reportText)
			}
		})
	}
}
