package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/dialects"
	"github.com/xcetl/xcetl/dialects/dm8"
)

const dm8Pipeline = `version: 1
name: dm8_explain
source:
  type: csv
  path: %s
transforms:
  - rename: {编号: id, 用户: user, 级别: level, 类型: type}
  - cast: {id: int, level: int, 余额: "decimal(38,2)", 登记时间: timestamp}
target:
  type: dm8
  dsn: "dm://SYSDBA:Dm-S3cret-pw@dm.example:5236?schema=XCETL"
  table: 居民
  mode: %s
  key: [id]
`

func writeDM8Pipeline(t *testing.T, source, mode string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "in.csv", "编号,用户,级别,类型,姓名,余额,登记时间\n1,u,2,t,张三,1.50,2024-01-02 03:04:05\n")
	return writeFile(t, dir, "p.yaml", strings.NewReplacer("%s", source).Replace(strings.Replace(dm8Pipeline, "mode: %s", "mode: "+mode, 1)))
}

// TestDM8Explain: explain and validate work for dm8 targets in every
// build, without a driver, and show DM8's own SQL.
func TestDM8Explain(t *testing.T) {
	p := writeDM8Pipeline(t, "in.csv", "upsert")
	if code, out, stderr := runCLI(t, "validate", p); code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr := runCLI(t, "explain", p)
	if code != 0 {
		t.Fatalf("explain: exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{
		`CREATE TABLE "居民" (`, `"ID" BIGINT NOT NULL`, `"USER" VARCHAR(8188)`, `"LEVEL" BIGINT`, `"TYPE" VARCHAR(8188)`,
		`"姓名" VARCHAR(8188)`, `"余额" DECIMAL(38,2)`, `"登记时间" TIMESTAMP(6)`, `PRIMARY KEY ("ID")`,
		`MERGE INTO "居民" t`, `FROM DUAL`, `UNION ALL SELECT`, `ON (t."ID" = s."ID")`,
		`WHEN MATCHED THEN UPDATE SET "USER" = s."USER"`, `WHEN NOT MATCHED THEN INSERT ("ID", "USER", "LEVEL", "TYPE", "姓名", "余额", "登记时间")`,
		`TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6') "登记时间"`, `SET IDENTITY_INSERT "居民" ON`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain does not show %s:\n%s", want, out)
		}
	}
	if strings.Index(out, "CREATE TABLE") > strings.Index(out, "  BEGIN\n") {
		t.Errorf("CREATE TABLE is not before BEGIN (DDL commits on DM8):\n%s", out)
	}
	if strings.Contains(out, "  TRUNCATE") || strings.Contains(out, "Dm-S3cret-pw") {
		t.Errorf("explain shows TRUNCATE or the password:\n%s", out)
	}
	code, out, _ = runCLI(t, "explain", writeDM8Pipeline(t, "in.csv", "append"))
	if code != 0 || !strings.Contains(out, `INSERT INTO "居民" ("ID", "USER", "LEVEL", "TYPE", "姓名", "余额", "登记时间") VALUES (?, ?, ?, ?, ?, CAST(? AS VARCHAR(100)), TO_TIMESTAMP(`) {
		t.Errorf("append explain: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "explain", writeDM8Pipeline(t, "in.csv", "replace"))
	if code != 0 || !strings.Contains(out, "  DELETE FROM \"居民\"\n") || strings.Contains(out, "  TRUNCATE") {
		t.Errorf("replace explain: exit %d\n%s", code, out)
	}
}

// TestDM8RunWithoutDriver: in a binary without the dm tag, run fails at
// once with the build instruction, before the source is read (here the
// source file does not even exist).
func TestDM8RunWithoutDriver(t *testing.T) {
	d, _ := dialects.Lookup("dm8")
	if d.(dialects.DriverChecker).CheckDriver() == nil {
		t.Skip("built with the dm driver")
	}
	p := writeDM8Pipeline(t, "missing-*.csv", "upsert")
	report := filepath.Join(t.TempDir(), "r.json")
	code, out, stderr := runCLI(t, "run", p, "--report", report, "--progress", "never")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, stderr)
	}
	if !strings.Contains(stderr, dm8.BuildInstruction) {
		t.Errorf("stderr does not give the build instruction:\n%s", stderr)
	}
	if strings.Contains(stderr, "missing-") || strings.Contains(stderr, "no files") {
		t.Errorf("the source was opened before the driver check:\n%s", stderr)
	}
	var rep struct {
		Status   string `json:"status"`
		RowsRead int    `json:"rows_read"`
		Error    string `json:"error"`
	}
	b, err := os.ReadFile(report)
	if err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("report: %v %s", err, b)
	}
	if rep.Status != "failed" || rep.RowsRead != 0 || !strings.Contains(rep.Error, "TAGS=dm") {
		t.Errorf("report %+v", rep)
	}
}
