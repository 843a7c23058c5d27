-- kingbase postgres://system:***@kb.example/test table public.residents, mode upsert by key (id), commit per run
-- target:
--   table: public.residents
--   mode: upsert
--   key: [id]

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "public"."residents" (
  "id" bigint NOT NULL,
  "姓名" text,
  "user" text,
  "order" numeric(10,2),
  "mixedcase" timestamp,
  PRIMARY KEY ("id")
);

-- once at start (staging table for upsert, private to the session)
CREATE TEMP TABLE "xcetl_stage_residents" AS SELECT "id", "姓名", "user", "order", "mixedcase" FROM "public"."residents" WITH NO DATA;

-- per batch, streamed: one COPY carries up to 4 batches and stays open between them (rows streamed in COPY text format, encoded by xcetl)
COPY "xcetl_stage_residents" ("id", "姓名", "user", "order", "mixedcase") FROM STDIN;

-- after every 4 batches (or 65536 rows) and once at end, before COMMIT (commit: run: the rows of several batches are staged and applied with one statement), and earlier when a batch repeats a key that is already staged
INSERT INTO "public"."residents" ("id", "姓名", "user", "order", "mixedcase")
SELECT "id", "姓名", "user", "order", "mixedcase" FROM "xcetl_stage_residents"
ON CONFLICT ("id") DO UPDATE SET "姓名" = EXCLUDED."姓名", "user" = EXCLUDED."user", "order" = EXCLUDED."order", "mixedcase" = EXCLUDED."mixedcase";

-- after each upsert
TRUNCATE TABLE "xcetl_stage_residents";

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
