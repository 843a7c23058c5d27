-- dm8 dm://SYSDBA:***@dm.example:5236?schema=XCETL table residents, mode replace, commit per run
-- target:
--   table: residents
--   mode: replace
--   identity_insert: off
--   rows_per_statement: 1000

-- once at start, if the table does not exist, before BEGIN (DDL commits implicitly here; the table is dropped again if the run fails)
CREATE TABLE "RESIDENTS" (
  "ID" BIGINT NOT NULL,
  "姓名" VARCHAR(8188),
  "USER" VARCHAR(8188),
  "ORDER" DECIMAL(10,2),
  "MIXEDCASE" TIMESTAMP(6)
);

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start (replace: DELETE, not TRUNCATE, which commits implicitly on DM8: the old rows come back if the run fails)
DELETE FROM "RESIDENTS";

-- per batch, for every 1000 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "RESIDENTS" ("ID", "姓名", "USER", "ORDER", "MIXEDCASE") VALUES (?, ?, ?, CAST(? AS VARCHAR(100)), TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6')), (?, ?, ?, CAST(? AS VARCHAR(100)), TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6'));

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
