-- sqlite data/out.db table pairs, mode upsert by key (a, b), commit per run
-- target:
--   table: pairs
--   mode: upsert
--   key: [a, b]

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "pairs" (
  "a" INTEGER NOT NULL,
  "b" TEXT NOT NULL,
  PRIMARY KEY ("a", "b")
);

-- per batch, prepared once and run for every 250 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "pairs" ("a", "b") VALUES (?, ?), (?, ?) ON CONFLICT ("a", "b") DO NOTHING;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
