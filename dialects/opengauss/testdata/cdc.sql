-- opengauss postgres://gaussdb:***@og.example:5432/postgres table residents, mode cdc by key (id), commit per run
-- target:
--   table: residents
--   mode: cdc
--   key: [id]

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

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
CREATE TEMP TABLE "xcetl_stage_residents" AS SELECT "id", "姓名", "user", "order", "mixedcase", CAST(NULL AS char(1)) AS "xcetl_op" FROM "residents" WITH NO DATA;

-- per batch (rows streamed in COPY text format, encoded by xcetl)
COPY "xcetl_stage_residents" ("id", "姓名", "user", "order", "mixedcase", "xcetl_op") FROM STDIN;

-- per batch, after the COPY (cdc: rows whose last event is a delete)
DELETE FROM "residents" t
WHERE EXISTS (SELECT 1 FROM "xcetl_stage_residents" s WHERE s."xcetl_op" = 'd' AND t."id" = s."id");

-- per batch, after the COPY (the same in every DBCOMPATIBILITY; explain assumes A, the default, where varchar counts bytes: detected at connect)
MERGE INTO "residents" t
USING (SELECT "id", "姓名", "user", "order", "mixedcase" FROM "xcetl_stage_residents" WHERE "xcetl_op" <> 'd') s
ON (t."id" = s."id")
WHEN MATCHED THEN UPDATE SET "姓名" = s."姓名", "user" = s."user", "order" = s."order", "mixedcase" = s."mixedcase"
WHEN NOT MATCHED THEN INSERT ("id", "姓名", "user", "order", "mixedcase") VALUES (s."id", s."姓名", s."user", s."order", s."mixedcase");

-- per batch, after the upsert
TRUNCATE TABLE "xcetl_stage_residents";

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
