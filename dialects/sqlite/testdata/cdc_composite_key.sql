-- sqlite data/out.db table residents, mode cdc by key (id, 姓名), commit per batch
-- target:
--   table: residents
--   mode: cdc
--   key: [id, 姓名]
--   commit: batch

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "residents" (
  "id" INTEGER NOT NULL,
  "姓名" TEXT NOT NULL,
  "user" TEXT,
  "order" TEXT,
  "MixedCase" TEXT,
  PRIMARY KEY ("id", "姓名")
);

-- per batch (commit: batch — each batch is its own transaction)
BEGIN;

-- per batch (cdc: rows whose last event is a delete), for every 250 keys; shown for 2 keys
DELETE FROM "residents" WHERE ("id", "姓名") IN (VALUES (?, ?), (?, ?));

-- per batch, prepared once and run for every 250 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "residents" ("id", "姓名", "user", "order", "MixedCase") VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?) ON CONFLICT ("id", "姓名") DO UPDATE SET "user" = excluded."user", "order" = excluded."order", "MixedCase" = excluded."MixedCase";

-- per batch, last (ROLLBACK instead if the batch fails)
COMMIT;
