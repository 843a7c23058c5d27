-- kingbase postgres://system:***@kb.example/test table public.Residents, mode append, commit per run
-- target:
--   table: public.Residents
--   mode: append

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "public"."residents" (
  "id" bigint NOT NULL,
  "姓名" text,
  "user" text,
  "order" numeric(10,2),
  "mixedcase" timestamp
);

-- per batch, streamed: one COPY carries up to 4 batches and stays open between them (rows streamed in COPY text format, encoded by xcetl)
COPY "public"."residents" ("id", "姓名", "user", "order", "mixedcase") FROM STDIN;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
