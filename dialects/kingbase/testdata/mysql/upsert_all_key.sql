-- kingbase postgres://system:***@kb.example/test table pairs, mode upsert by key (a, b), commit per run
-- target:
--   table: pairs
--   mode: upsert
--   key: [a, b]

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "pairs" (
  "a" bigint NOT NULL,
  "b" text NOT NULL,
  PRIMARY KEY ("a", "b")
);

-- once at start (staging table for upsert, private to the session)
CREATE TEMP TABLE "xcetl_stage_pairs" AS SELECT "a", "b" FROM "pairs" WITH NO DATA;

-- per batch, streamed: one COPY carries up to 4 batches and stays open between them (rows streamed in COPY text format, encoded by xcetl)
COPY "xcetl_stage_pairs" ("a", "b") FROM STDIN;

-- after every 4 batches (or 65536 rows) and once at end, before COMMIT (commit: run: the rows of several batches are staged and applied with one statement), and earlier when a batch repeats a key that is already staged
INSERT INTO "pairs" ("a", "b")
SELECT s."a", s."b" FROM "xcetl_stage_pairs" s
WHERE NOT EXISTS (SELECT 1 FROM "pairs" t WHERE t."a" = s."a" AND t."b" = s."b");

-- after each upsert
TRUNCATE TABLE "xcetl_stage_pairs";

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
