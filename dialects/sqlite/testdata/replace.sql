-- sqlite data/out.db table "My Schema"."订单", mode replace, commit per run
-- target:
--   table: '"My Schema"."订单"'
--   mode: replace
--   create: never

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start (replace: empties the table inside the run's transaction)
DELETE FROM "My Schema"."订单";

-- per batch, prepared once and run for every 250 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "My Schema"."订单" ("id", "姓名", "user", "order", "MixedCase") VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?);

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
