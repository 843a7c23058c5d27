-- dm8 dm://SYSDBA:***@dm.example:5236?schema=XCETL table residents, mode cdc by key (id, 姓名), commit per batch
-- target:
--   table: residents
--   mode: cdc
--   key: [id, 姓名]
--   commit: batch

-- once at start, if the table does not exist, before BEGIN (DDL commits implicitly here; the table stays if the run fails, with the batches that committed)
CREATE TABLE "RESIDENTS" (
  "ID" BIGINT NOT NULL,
  "姓名" VARCHAR(8188) NOT NULL,
  "USER" VARCHAR(8188),
  "ORDER" DECIMAL(10,2),
  "MIXEDCASE" TIMESTAMP(6),
  PRIMARY KEY ("ID", "姓名")
);

-- once at start, only if the pipeline writes the table's IDENTITY column (found in the catalog at connect)
SET IDENTITY_INSERT "RESIDENTS" ON;

-- per batch (commit: batch — each batch is its own transaction)
BEGIN;

-- per batch (cdc: rows whose last event is a delete), for every 200 keys; shown for 2 keys
DELETE FROM "RESIDENTS" WHERE ("ID" = ? AND "姓名" = ?) OR ("ID" = ? AND "姓名" = ?);

-- per batch, for every 200 rows (a shorter statement for the rest); shown for 2 rows (cdc: the other rows)
MERGE INTO "RESIDENTS" t
USING (SELECT CAST(? AS BIGINT) "ID", CAST(? AS VARCHAR(8188)) "姓名", CAST(? AS VARCHAR(8188)) "USER", CAST(? AS VARCHAR(100)) "ORDER", TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6') "MIXEDCASE" FROM DUAL
UNION ALL SELECT CAST(? AS BIGINT), CAST(? AS VARCHAR(8188)), CAST(? AS VARCHAR(8188)), CAST(? AS VARCHAR(100)), TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6') FROM DUAL) s
ON (t."ID" = s."ID" AND t."姓名" = s."姓名")
WHEN MATCHED THEN UPDATE SET "USER" = s."USER", "ORDER" = s."ORDER", "MIXEDCASE" = s."MIXEDCASE"
WHEN NOT MATCHED THEN INSERT ("ID", "姓名", "USER", "ORDER", "MIXEDCASE") VALUES (s."ID", s."姓名", s."USER", s."ORDER", s."MIXEDCASE");

-- when the session closes, after COMMIT or ROLLBACK, if it was set ON (DM8 also resets it when a session ends)
SET IDENTITY_INSERT "RESIDENTS" OFF;

-- per batch, last (ROLLBACK instead if the batch fails)
COMMIT;
