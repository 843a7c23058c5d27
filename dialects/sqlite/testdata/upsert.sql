-- sqlite data/out.db table public.residents, mode upsert by key (id), commit per run
-- target:
--   table: public.residents
--   mode: upsert
--   key: [id]

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "public"."residents" (
  "id" INTEGER NOT NULL,
  "姓名" TEXT,
  "user" TEXT,
  "order" TEXT,
  "MixedCase" TEXT,
  PRIMARY KEY ("id")
);

-- per batch, prepared once and run for every 250 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "public"."residents" ("id", "姓名", "user", "order", "MixedCase") VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "姓名" = excluded."姓名", "user" = excluded."user", "order" = excluded."order", "MixedCase" = excluded."MixedCase";

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
