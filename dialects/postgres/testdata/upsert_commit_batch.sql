-- postgres postgres://loader:***@db.example:5432/app table residents, mode upsert by key (id), commit per batch
-- target:
--   table: residents
--   mode: upsert
--   key: [id]
--   commit: batch

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "residents" (
  "id" bigint NOT NULL,
  "姓名" text,
  "user" text,
  "order" numeric(10,2),
  "mixedcase" timestamp,
  PRIMARY KEY ("id")
);

-- once at start (staging table for upsert, private to the session)
CREATE TEMP TABLE "xcetl_stage_residents" AS SELECT "id", "姓名", "user", "order", "mixedcase" FROM "residents" WITH NO DATA;

-- per batch (commit: batch — each batch is its own transaction)
BEGIN;

-- per batch (rows streamed in COPY binary format, encoded by xcetl; text format instead if an existing column has a type xcetl has no binary encoding for)
COPY "xcetl_stage_residents" ("id", "姓名", "user", "order", "mixedcase") FROM STDIN WITH (FORMAT binary);

-- per batch, after the COPY
INSERT INTO "residents" ("id", "姓名", "user", "order", "mixedcase")
SELECT "id", "姓名", "user", "order", "mixedcase" FROM "xcetl_stage_residents"
ON CONFLICT ("id") DO UPDATE SET "姓名" = EXCLUDED."姓名", "user" = EXCLUDED."user", "order" = EXCLUDED."order", "mixedcase" = EXCLUDED."mixedcase";

-- per batch, after the upsert
TRUNCATE TABLE "xcetl_stage_residents";

-- per batch, last (ROLLBACK instead if the batch fails)
COMMIT;
