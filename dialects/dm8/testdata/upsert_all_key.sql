-- dm8 dm://SYSDBA:***@dm.example:5236?schema=XCETL table pairs, mode upsert by key (a, b), commit per run
-- target:
--   table: pairs
--   mode: upsert
--   key: [a, b]

-- once at start, if the table does not exist, before BEGIN (DDL commits implicitly here; the table is dropped again if the run fails)
CREATE TABLE "PAIRS" (
  "A" BIGINT NOT NULL,
  "B" VARCHAR(8188) NOT NULL,
  PRIMARY KEY ("A", "B")
);

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, only if the pipeline writes the table's IDENTITY column (found in the catalog at connect)
SET IDENTITY_INSERT "PAIRS" ON;

-- per batch, for every 200 rows (a shorter statement for the rest); shown for 2 rows
MERGE INTO "PAIRS" t
USING (SELECT CAST(? AS BIGINT) "A", CAST(? AS VARCHAR(8188)) "B" FROM DUAL
UNION ALL SELECT CAST(? AS BIGINT), CAST(? AS VARCHAR(8188)) FROM DUAL) s
ON (t."A" = s."A" AND t."B" = s."B")
WHEN NOT MATCHED THEN INSERT ("A", "B") VALUES (s."A", s."B");

-- when the session closes, after COMMIT or ROLLBACK, if it was set ON (DM8 also resets it when a session ends)
SET IDENTITY_INSERT "PAIRS" OFF;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
