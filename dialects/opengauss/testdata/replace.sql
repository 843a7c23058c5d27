-- opengauss postgres://gaussdb:***@og.example:5432/postgres table "My Schema"."订单", mode replace, commit per run
-- target:
--   table: '"My Schema"."订单"'
--   mode: replace
--   create: never

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start (replace: empties the table inside the run's transaction; readers wait until the run commits)
TRUNCATE TABLE "My Schema"."订单";

-- per batch, streamed: one COPY carries up to 4 batches and stays open between them (rows streamed in COPY text format, encoded by xcetl)
COPY "My Schema"."订单" ("id", "姓名", "user", "order", "mixedcase") FROM STDIN;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
