-- dm8 dm://SYSDBA:***@dm.example:5236?schema=XCETL table 居民, mode cdc by key (编号, 身份证号), commit per run
-- target:
--   table: 居民
--   mode: cdc
--   key: [编号, 身份证号]

-- once at start, if the table does not exist, before BEGIN (DDL commits implicitly here; the table is dropped again if the run fails)
CREATE TABLE "居民" (
  "编号" BIGINT NOT NULL,
  "姓名" VARCHAR(20 CHAR),
  "USER" VARCHAR(8188),
  "TOP" BIGINT,
  "LEVEL" BIGINT,
  "TYPE" CLOB,
  "身份证号" VARCHAR(18 CHAR) NOT NULL,
  "余额" DECIMAL(38,2),
  "在职" BIT,
  "出生日期" DATE,
  "登记时间" TIMESTAMP(6),
  "更新时间" TIMESTAMP(6) WITH TIME ZONE,
  "照片" BLOB,
  PRIMARY KEY ("编号", "身份证号")
);

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, only if the pipeline writes the table's IDENTITY column (found in the catalog at connect)
SET IDENTITY_INSERT "居民" ON;

-- per batch (cdc: rows whose last event is a delete), for every 200 keys; shown for 2 keys
DELETE FROM "居民" WHERE ("编号" = ? AND "身份证号" = ?) OR ("编号" = ? AND "身份证号" = ?);

-- per batch, for every 200 rows (a shorter statement for the rest); shown for 2 rows (cdc: the other rows)
MERGE INTO "居民" t
USING (SELECT CAST(? AS BIGINT) "编号", CAST(? AS VARCHAR(8188)) "姓名", CAST(? AS VARCHAR(8188)) "USER", CAST(? AS BIGINT) "TOP", CAST(? AS BIGINT) "LEVEL", CAST(? AS CLOB) "TYPE", CAST(? AS VARCHAR(8188)) "身份证号", CAST(? AS VARCHAR(100)) "余额", CAST(? AS BIT) "在职", TO_DATE(?, 'YYYY-MM-DD') "出生日期", TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6') "登记时间", TO_TIMESTAMP_TZ(?, 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM') "更新时间", CAST(? AS BLOB) "照片" FROM DUAL
UNION ALL SELECT CAST(? AS BIGINT), CAST(? AS VARCHAR(8188)), CAST(? AS VARCHAR(8188)), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS CLOB), CAST(? AS VARCHAR(8188)), CAST(? AS VARCHAR(100)), CAST(? AS BIT), TO_DATE(?, 'YYYY-MM-DD'), TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6'), TO_TIMESTAMP_TZ(?, 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'), CAST(? AS BLOB) FROM DUAL) s
ON (t."编号" = s."编号" AND t."身份证号" = s."身份证号")
WHEN MATCHED THEN UPDATE SET "姓名" = s."姓名", "USER" = s."USER", "TOP" = s."TOP", "LEVEL" = s."LEVEL", "TYPE" = s."TYPE", "余额" = s."余额", "在职" = s."在职", "出生日期" = s."出生日期", "登记时间" = s."登记时间", "更新时间" = s."更新时间", "照片" = s."照片"
WHEN NOT MATCHED THEN INSERT ("编号", "姓名", "USER", "TOP", "LEVEL", "TYPE", "身份证号", "余额", "在职", "出生日期", "登记时间", "更新时间", "照片") VALUES (s."编号", s."姓名", s."USER", s."TOP", s."LEVEL", s."TYPE", s."身份证号", s."余额", s."在职", s."出生日期", s."登记时间", s."更新时间", s."照片");

-- when the session closes, after COMMIT or ROLLBACK, if it was set ON (DM8 also resets it when a session ends)
SET IDENTITY_INSERT "居民" OFF;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
