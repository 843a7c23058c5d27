-- dm8 dm://SYSDBA:***@dm.example:5236?schema=XCETL table every_type, mode append by key (id), commit per run
-- target:
--   table: every_type
--   key: [id]

-- once at start, if the table does not exist, before BEGIN (DDL commits implicitly here; the table is dropped again if the run fails)
CREATE TABLE "EVERY_TYPE" (
  "ID" BIGINT NOT NULL,
  "S" VARCHAR(8188),
  "S10" VARCHAR(10 CHAR),
  "F" DOUBLE,
  "DEC" DECIMAL(38,10),
  "B" BIT,
  "D" DATE,
  "TS" TIMESTAMP(6),
  "TSTZ" TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  "BY" BLOB,
  PRIMARY KEY ("ID")
);

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, only if the pipeline writes the table's IDENTITY column (found in the catalog at connect)
SET IDENTITY_INSERT "EVERY_TYPE" ON;

-- per batch, for every 200 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "EVERY_TYPE" ("ID", "S", "S10", "F", "DEC", "B", "D", "TS", "TSTZ", "BY") VALUES (?, ?, ?, ?, CAST(? AS VARCHAR(100)), ?, TO_DATE(?, 'YYYY-MM-DD'), TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6'), TO_TIMESTAMP_TZ(?, 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'), ?), (?, ?, ?, ?, CAST(? AS VARCHAR(100)), ?, TO_DATE(?, 'YYYY-MM-DD'), TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS.FF6'), TO_TIMESTAMP_TZ(?, 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'), ?);

-- when the session closes, after COMMIT or ROLLBACK, if it was set ON (DM8 also resets it when a session ends)
SET IDENTITY_INSERT "EVERY_TYPE" OFF;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
