-- sqlite data/out.db table residents, mode upsert by key (id, 姓名), commit per run
-- target:
--   table: residents
--   mode: upsert
--   key: [id, 姓名]

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "residents" (
  "id" INTEGER NOT NULL,
  "姓名" TEXT NOT NULL,
  "user" TEXT,
  "order" TEXT,
  "MixedCase" TEXT,
  PRIMARY KEY ("id", "姓名")
);

-- per batch, prepared once and run for every 250 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "residents" ("id", "姓名", "user", "order", "MixedCase") VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?) ON CONFLICT ("id", "姓名") DO UPDATE SET "user" = excluded."user", "order" = excluded."order", "MixedCase" = excluded."MixedCase";

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
