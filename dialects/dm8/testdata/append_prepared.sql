-- dm8 dm://SYSDBA:***@dm.example:5236?schema=XCETL table residents, mode append, commit per run
-- target:
--   table: residents
--   insert_method: prepared

-- once at start, if the table does not exist, before BEGIN (DDL commits implicitly here; the table is dropped again if the run fails)
CREATE TABLE "RESIDENTS" (
  "编号" BIGINT NOT NULL,
  "姓名" VARCHAR(20 CHAR),
  "USER" VARCHAR(8188),
  "TOP" BIGINT,
  "LEVEL" BIGINT,
  "TYPE" CLOB,
  "身份证号" VARCHAR(18 CHAR),
  "余额" DECIMAL(38,2),
  "在职" BIT,
  "出生日期" DATE,
  "登记时间" TIMESTAMP(6),
  "更新时间" TIMESTAMP(6) WITH TIME ZONE,
  "照片" BLOB
);

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, only if the pipeline writes the table's IDENTITY column (found in the catalog at connect)
SET IDENTITY_INSERT "RESIDENTS" ON;

-- per batch, prepared once per batch and run for each row
INSERT INTO "RESIDENTS" ("编号", "姓名", "USER", "TOP", "LEVEL", "TYPE", "身份证号", "余额", "在职", "出生日期", "登记时间", "更新时间", "照片") VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS VARCHAR(100)), ?, TO_DATE(?, 'YYYY-MM-DD'), TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6'), TO_TIMESTAMP_TZ(?, 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'), ?);

-- when the session closes, after COMMIT or ROLLBACK, if it was set ON (DM8 also resets it when a session ends)
SET IDENTITY_INSERT "RESIDENTS" OFF;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
