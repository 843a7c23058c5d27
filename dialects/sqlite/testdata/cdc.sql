-- sqlite data/out.db table residents, mode cdc by key (id), commit per run
-- target:
--   table: residents
--   mode: cdc
--   key: [id]

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "residents" (
  "id" INTEGER NOT NULL,
  "姓名" TEXT,
  "user" TEXT,
  "order" TEXT,
  "MixedCase" TEXT,
  PRIMARY KEY ("id")
);

-- per batch (cdc: rows whose last event is a delete), for every 250 keys; shown for 2 keys
DELETE FROM "residents" WHERE "id" IN (VALUES (?), (?));

-- per batch, prepared once and run for every 250 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "residents" ("id", "姓名", "user", "order", "MixedCase") VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "姓名" = excluded."姓名", "user" = excluded."user", "order" = excluded."order", "MixedCase" = excluded."MixedCase";

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
