-- sqlite data/out.db table residents, mode upsert by key (id), commit per batch
-- target:
--   table: residents
--   mode: upsert
--   key: [id]
--   commit: batch

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "residents" (
  "id" INTEGER NOT NULL,
  "姓名" TEXT,
  "user" TEXT,
  "order" TEXT,
  "MixedCase" TEXT,
  PRIMARY KEY ("id")
);

-- per batch (commit: batch — each batch is its own transaction)
BEGIN;

-- per batch, prepared once and run for every 250 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "residents" ("id", "姓名", "user", "order", "MixedCase") VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "姓名" = excluded."姓名", "user" = excluded."user", "order" = excluded."order", "MixedCase" = excluded."MixedCase";

-- per batch, last (ROLLBACK instead if the batch fails)
COMMIT;
