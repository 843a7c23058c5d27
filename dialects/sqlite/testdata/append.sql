-- sqlite data/out.db table public.Residents, mode append, commit per run
-- target:
--   table: public.Residents
--   mode: append

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "public"."Residents" (
  "id" INTEGER NOT NULL,
  "姓名" TEXT,
  "user" TEXT,
  "order" TEXT,
  "MixedCase" TEXT
);

-- per batch, prepared once and run for every 250 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "public"."Residents" ("id", "姓名", "user", "order", "MixedCase") VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?);

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
