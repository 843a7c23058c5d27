package verify_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl"
	"github.com/xcetl/xcetl/pipelines"
	"github.com/xcetl/xcetl/verify"
)

func loadSpec(t *testing.T, body string) pipelines.Spec {
	t.Helper()
	path := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := pipelines.Load(path, pipelines.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	return p.Spec()
}

// TestFromPipeline follows the columns through the transforms, without
// connecting (columns: is given).
func TestFromPipeline(t *testing.T) {
	spec := loadSpec(t, `version: 1
name: p
source: {type: sql, driver: mysql, dsn: "u:secret@tcp(127.0.0.1:1)/grid", table: grid.residents, where: "deleted = 0", zero_dates: null,
  columns: [id, name, id_card, phone, note, score, tmp, born]}
transforms:
  - rename: {name: full_name, born: birth_date}
  - drop: tmp
  - cast: {score: "decimal(10,2)", birth_date: date}
  - encrypt: {fields: [id_card], key: "0123456789abcdef0123456789abcdef"}
  - mask: {phone: mobile}
  - default: {note: 无}
  - derive: {name_len: "len(full_name)"}
  - validate: {full_name: not_null}
target: {type: postgres, dsn: "postgres://u:pw@127.0.0.1:1/db", table: Public.Residents, mode: upsert, key: [id]}
`)
	p, notes, err := verify.FromPipeline(context.Background(), spec, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s|%s %v %q|%s %v|%v|%v|%v", p.Name, p.Source.Table, p.Source.Columns, p.Source.Where, p.Target.Table, p.Target.Columns, p.Hidden, p.Skip, len(notes))
	want := `Public.Residents|"grid"."residents" [id name id_card phone note score born] "deleted = 0"|public.residents [id full_name id_card phone note score birth_date]|[id_card phone]|map[id_card:encrypt: the target holds what the pipeline made of the value note:default: fills the NULLs the source still holds phone:mask: the target holds the masked value]|1`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if p.Source.DSN.Reveal() == "" || fmt.Sprint(p.Source.DSN) == p.Source.DSN.Reveal() {
		t.Error("the DSN must stay a secret")
	}
	for body, wantErr := range map[string]string{
		"source: {type: csv, path: x.csv}\ntarget: {type: postgres, dsn: x, table: t}":                                           "source is type csv",
		"source: {type: sql, driver: mysql, dsn: \"u@tcp(h:1)/d\", query: SELECT 1}\ntarget: {type: postgres, dsn: x, table: t}": "needs `table:`",
	} {
		spec := loadSpec(t, "version: 1\nname: p\n"+body+"\n")
		_, _, err := verify.FromPipeline(context.Background(), spec, verify.Options{})
		if err == nil || !errors.Is(err, xcetl.ErrInvalid) || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%s: %v, want %q", body, err, wantErr)
		}
	}
}
