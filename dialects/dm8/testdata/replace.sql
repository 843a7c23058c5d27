-- dm8 dm://SYSDBA:***@dm.example:5236?schema=XCETL table "My Schema"."订单", mode replace, commit per run
-- target:
--   table: '"My Schema"."订单"'
--   mode: replace
--   create: never

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, only if the pipeline writes the table's IDENTITY column (found in the catalog at connect)
SET IDENTITY_INSERT "My Schema"."订单" ON;

-- once at start (replace: DELETE, not TRUNCATE, which commits implicitly on DM8: the old rows come back if the run fails)
DELETE FROM "My Schema"."订单";

-- per batch, for every 200 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "My Schema"."订单" ("ID", "姓名", "USER", "ORDER", "MIXEDCASE") VALUES (?, ?, ?, CAST(? AS VARCHAR(100)), TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6')), (?, ?, ?, CAST(? AS VARCHAR(100)), TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6'));

-- when the session closes, after COMMIT or ROLLBACK, if it was set ON (DM8 also resets it when a session ends)
SET IDENTITY_INSERT "My Schema"."订单" OFF;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
