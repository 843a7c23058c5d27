package sm_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/xcetl/xcetl/all"
	"github.com/xcetl/xcetl/pipelines"
	_ "github.com/xcetl/xcetl/transform/mask"
	"github.com/xcetl/xcetl/transform/sm"
	"github.com/xcetl/xcetl/transform/validate"
)

const (
	exampleSM4Key  = "0123456789abcdeffedcba9876543210"
	exampleHMACKey = "fedcba98765432100123456789abcdef"
)

// examplePath is the protect-pii example: in examples/ once it is moved
// there, else here in testdata.
func examplePath(t *testing.T) string {
	for _, p := range []string{"../../examples/protect-pii.yaml", "testdata/protect-pii.yaml"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("protect-pii.yaml not found")
	return ""
}

// TestProtectPIIExample runs the example pipeline end to end on the demo
// data into SQLite and checks every protected column.
func TestProtectPIIExample(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(examplePath(t))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../examples/data/residents-2024.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "residents-2024.csv"), data, 0o644)
	file := filepath.Join(dir, "protect-pii.yaml")
	os.WriteFile(file, src, 0o644)

	vars := map[string]string{"XCETL_SM4_KEY": exampleSM4Key, "XCETL_HMAC_KEY": exampleHMACKey, "XCETL_DEMO_OUT": dir}
	p, err := pipelines.Load(file, pipelines.Options{Vars: vars})
	if err != nil {
		t.Fatal(err)
	}
	var plan bytes.Buffer
	if err := p.Explain(context.Background(), &plan); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plan.String(), exampleSM4Key) || strings.Contains(plan.String(), exampleHMACKey) ||
		!strings.Contains(plan.String(), "encrypt id_card, phone (sm4-cbc, hex, key [redacted], key_id k2024)") {
		t.Fatalf("explain:\n%s", plan.String())
	}
	// Explain read the source: a run needs a fresh pipeline.
	if p, err = pipelines.Load(file, pipelines.Options{Vars: vars}); err != nil {
		t.Fatal(err)
	}
	rep, err := p.Run(context.Background(), pipelines.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RowsWritten == 0 || rep.RowsWritten+rep.RowsRejected != rep.RowsRead {
		t.Fatalf("report %+v", rep)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "protect-pii.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id_card, phone, id_card_hmac, name_display, phone_display FROM residents_protected`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	k, _ := sm.ParseKey(exampleSM4Key)
	codec, _ := sm.NewCodec(k, sm.CBC, sm.Hex, "k2024")
	hexRE := regexp.MustCompile(`^[0-9a-f]{64}$`)
	n := 0
	for rows.Next() {
		var idCard, hmacHex, name string
		var phone, phoneDisp sql.NullString
		if err := rows.Scan(&idCard, &phone, &hmacHex, &name, &phoneDisp); err != nil {
			t.Fatal(err)
		}
		id, err := codec.DecryptText(idCard)
		if err != nil || (validate.IDCard{}).Check(id) != "" {
			t.Fatalf("id_card %q decrypts to %q, %v", idCard, id, err)
		}
		if phone.Valid != phoneDisp.Valid {
			t.Fatalf("phone %v, phone_display %v", phone, phoneDisp)
		}
		if phone.Valid {
			ph, err := codec.DecryptText(phone.String)
			if err != nil || phoneDisp.String != ph[:3]+"****"+ph[7:] {
				t.Fatalf("phone %q / %q, %v", ph, phoneDisp.String, err)
			}
		}
		h := sm.NewHMACSM3([]byte(exampleHMACKey))
		h.Write([]byte(id))
		if !hexRE.MatchString(hmacHex) || hmacHex != hex.EncodeToString(h.Sum(nil)) {
			t.Fatalf("id_card_hmac %q", hmacHex)
		}
		if !strings.HasSuffix(name, "*") {
			t.Fatalf("name_display %q not masked", name)
		}
		n++
	}
	if int64(n) != rep.RowsWritten {
		t.Fatalf("%d rows in the table, report says %d", n, rep.RowsWritten)
	}
}
