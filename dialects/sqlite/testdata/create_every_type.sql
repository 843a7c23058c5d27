-- sqlite data/out.db table every_type, mode append by key (id), commit per run
-- target:
--   table: every_type
--   key: [id]

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "every_type" (
  "id" INTEGER NOT NULL,
  "s" TEXT,
  "s10" TEXT,
  "f" REAL,
  "dec" TEXT,
  "b" INTEGER,
  "d" TEXT,
  "ts" TEXT,
  "tstz" TEXT NOT NULL,
  "by" BLOB,
  PRIMARY KEY ("id")
);

-- per batch, prepared once and run for every 250 rows (a shorter statement for the rest); shown for 2 rows
INSERT INTO "every_type" ("id", "s", "s10", "f", "dec", "b", "d", "ts", "tstz", "by") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?, ?);

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
