-- opengauss postgres://gaussdb:***@og.example:5432/postgres table every_type, mode append by key (id), commit per run
-- target:
--   table: every_type
--   key: [id]

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "every_type" (
  "id" bigint NOT NULL,
  "s" text,
  "s10" varchar(40),
  "f" double precision,
  "dec" numeric(38,10),
  "b" boolean,
  "d" date,
  "ts" timestamp,
  "tstz" timestamp with time zone NOT NULL,
  "by" bytea,
  PRIMARY KEY ("id")
);

-- per batch, streamed: one COPY carries up to 4 batches and stays open between them (rows streamed in COPY text format, encoded by xcetl)
COPY "every_type" ("id", "s", "s10", "f", "dec", "b", "d", "ts", "tstz", "by") FROM STDIN;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
