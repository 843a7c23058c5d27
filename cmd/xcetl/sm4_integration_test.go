package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/xcetl/xcetl/internal/pgtest"
	"github.com/xcetl/xcetl/transform/mask"
	"github.com/xcetl/xcetl/transform/sm"
)

// idCardNumber builds a valid 18-digit resident ID (GB 11643 check digit).
func idCardNumber(region string, birth string, seq int) string {
	s := fmt.Sprintf("%s%s%03d", region, birth, seq%1000)
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * w[i]
	}
	return s + string("10X98765432"[sum%11])
}

// TestProtectIntegration loads a CSV through validate, hash, mask and
// encrypt (CBC with a key id, ECB in base64, GCM) into PostgreSQL, then
// proves from what is stored: every value decrypts with `xcetl sm4
// decrypt` and CBC/ECB values with openssl to the CSV's value; the
// pseudonyms are HMAC-SM3; the masks are right; bad rows were rejected with
// the rule's name; and ECB, unlike CBC and GCM, repeats for equal values.
func TestProtectIntegration(t *testing.T) {
	needOpenSSL(t)
	dsn := pgtest.NewDatabase(t)
	dir := t.TempDir()
	const rows = 300
	surnames := []string{"欧阳", "王", "司马", "李", "诸葛", "张", "上官", "陈"}
	var csvText strings.Builder
	csvText.WriteString("id,name,id_card,phone,address\n")
	type person struct{ name, idCard, phone, address string }
	people := map[string]person{}
	for i := 1; i <= rows; i++ {
		p := person{
			name:    surnames[i%len(surnames)] + []string{"娜娜", "小明", "芳"}[i%3],
			idCard:  idCardNumber("120101", fmt.Sprintf("19%02d%02d%02d", 50+i%50, 1+i%12, 1+i%28), i),
			phone:   fmt.Sprintf("13%09d", 800000000+i%7), // few distinct phones: ECB repeats show
			address: fmt.Sprintf("天津市和平区人民路%d号%d门", i, i%5),
		}
		id := fmt.Sprint(i)
		switch i {
		case 17:
			p.idCard = p.idCard[:17] + map[bool]string{true: "1", false: "2"}[p.idCard[17] == '2'] // wrong check digit
		case 42:
			p.phone = "2" + p.phone[1:]
		case 99:
			p.idCard = ""
		}
		people[id] = p
		fmt.Fprintf(&csvText, "%s,%s,%s,%s,%s\n", id, p.name, p.idCard, p.phone, p.address)
	}
	writeFile(t, dir, "residents.csv", csvText.String())
	pipeline := writeFile(t, dir, "protect.yaml", `version: 1
name: protect_pg
source: {type: csv, path: residents.csv, encoding: utf-8}
transforms:
  - validate: {id_card: [not_null, idcard], phone: mobile}
  - cast: {id: int}
  - hash: {fields: {id_card: id_card_hmac}, key: "${HMAC_KEY}"}
  - derive: {name_masked: "name", phone_masked: "phone", address_enc: "address"}
  - mask: {name_masked: name, phone_masked: mobile, address: address}
  - encrypt: {fields: [id_card], key: "${SM4_KEY}", key_id: k2024, mode: cbc}
  - encrypt: {fields: [phone], key: "${SM4_KEY}", mode: ecb, encoding: base64}
  - encrypt: {fields: [address_enc], key: "${SM4_KEY}", mode: gcm}
  - drop: [name]
target:
  type: postgres
  dsn: "${PG_DSN}"
  table: public.residents_protected
  mode: append
  create: if_missing
errors:
  max_rejects: 3
  reject_file: rejects.csv
`)
	t.Setenv("SM4_KEY", protectSM4Key)
	t.Setenv("HMAC_KEY", protectHMACKey)
	rep := filepath.Join(dir, "report.json")
	code, stdout, stderr := runCLI(t, "run", pipeline, "--set", "PG_DSN="+dsn, "--report", rep, "--progress", "never")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	assertNoKey(t, stdout+stderr, protectSM4Key, protectHMACKey)
	if r := readReport(t, rep); r.Status != "ok" || r.RowsRead != rows || r.RowsWritten != rows-3 || r.RowsRejected != 3 {
		t.Fatalf("report %+v", r)
	}
	rejects, err := os.ReadFile(filepath.Join(dir, "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"validate id_card (idcard): wrong check digit", "validate phone (mobile): must start with 13-19",
		"validate id_card (not_null): value is NULL"} {
		if !strings.Contains(string(rejects), want) {
			t.Errorf("reject file lacks %q:\n%s", want, rejects)
		}
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var typ string
	if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns WHERE table_name = 'residents_protected' AND column_name = 'id_card'`).Scan(&typ); err != nil || typ != "text" {
		t.Fatalf("id_card column type %q, %v", typ, err)
	}
	res, err := conn.Query(ctx, `SELECT id::text, id_card, phone, address_enc, id_card_hmac, name_masked, phone_masked, address
		FROM residents_protected ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var ids, cbc, ecb, gcm, hmacs, names, phonesMasked, addrs []string
	for res.Next() {
		var v [8]string
		if err := res.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]); err != nil {
			t.Fatal(err)
		}
		ids, cbc, ecb, gcm = append(ids, v[0]), append(cbc, v[1]), append(ecb, v[2]), append(gcm, v[3])
		hmacs, names, phonesMasked, addrs = append(hmacs, v[4]), append(names, v[5]), append(phonesMasked, v[6]), append(addrs, v[7])
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ids) != rows-3 {
		t.Fatalf("%d rows stored", len(ids))
	}

	// 1. `xcetl sm4 decrypt`, key from the environment as an operator would give it.
	t.Setenv("XCETL_SM4_KEY", protectSM4Key)
	plainIDs := sm4Lines(t, cbc, "decrypt", "--mode", "cbc", "--key-id", "k2024")
	plainPhones := sm4Lines(t, ecb, "decrypt", "--mode", "ecb", "--encoding", "base64")
	plainAddrs := sm4Lines(t, gcm, "decrypt", "--mode", "gcm")
	nameRule, _ := mask.Named("name")
	mobileRule, _ := mask.Named("mobile")
	addressRule, _ := mask.Named("address")
	for i, id := range ids {
		p := people[id]
		if plainIDs[i] != p.idCard || plainPhones[i] != p.phone || plainAddrs[i] != p.address {
			t.Fatalf("id %s: decrypted %q %q %q, want %q %q %q", id, plainIDs[i], plainPhones[i], plainAddrs[i], p.idCard, p.phone, p.address)
		}
		h := sm.NewHMACSM3([]byte(protectHMACKey))
		h.Write([]byte(p.idCard))
		if hmacs[i] != hex.EncodeToString(h.Sum(nil)) {
			t.Fatalf("id %s: id_card_hmac %q", id, hmacs[i])
		}
		if names[i] != nameRule.Mask(p.name) || phonesMasked[i] != mobileRule.Mask(p.phone) || addrs[i] != addressRule.Mask(p.address) {
			t.Fatalf("id %s: masks %q %q %q", id, names[i], phonesMasked[i], addrs[i])
		}
	}
	if names[0] != "王**" { // id 1: 王小明
		t.Fatalf("name mask of id 1: %q", names[0])
	}

	// 2. openssl, on a sample: CBC (IV = the first 16 bytes) and ECB.
	for i := 0; i < len(ids); i += 25 {
		p := people[ids[i]]
		raw, err := hex.DecodeString(strings.TrimPrefix(cbc[i], "k2024$"))
		if err != nil {
			t.Fatal(err)
		}
		if got := opensslSM4(t, true, "cbc", protectSM4Key, hex.EncodeToString(raw[:16]), raw[16:]); string(got) != p.idCard {
			t.Fatalf("openssl -sm4-cbc: %q, want %q", got, p.idCard)
		}
		raw, err = base64.StdEncoding.DecodeString(ecb[i])
		if err != nil {
			t.Fatal(err)
		}
		if got := opensslSM4(t, true, "ecb", protectSM4Key, "", raw); string(got) != p.phone {
			t.Fatalf("openssl -sm4-ecb: %q, want %q", got, p.phone)
		}
	}

	// 3. What each mode leaks: equal phones give equal ECB values; CBC and
	// GCM values are all different.
	distinct := func(vs []string) int {
		m := map[string]bool{}
		for _, v := range vs {
			m[v] = true
		}
		return len(m)
	}
	if n := distinct(ecb); n > 8 {
		t.Errorf("ECB: %d distinct values for at most 8 distinct phones", n)
	}
	if distinct(cbc) != len(cbc) || distinct(gcm) != len(gcm) {
		t.Errorf("CBC or GCM repeated a value")
	}
	// A wrong key fails cleanly: exit 1, the line named, nothing printed for it.
	var out, errb strings.Builder
	if code := Main([]string{"sm4", "decrypt", "--mode", "gcm", "--key", "00000000000000000000000000000000"},
		strings.NewReader(gcm[0]+"\n"), &out, &errb); code != 1 || out.Len() != 0 ||
		!strings.Contains(errb.String(), "stdin line 1: cannot decrypt: authentication failed (wrong key or damaged value)") {
		t.Fatalf("wrong key: exit %d, %q %q", code, out.String(), errb.String())
	}
}
