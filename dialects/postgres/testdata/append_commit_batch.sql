-- postgres postgres://loader:***@db.example:5432/app table residents, mode append, commit per batch
-- target:
--   table: residents
--   commit: batch

-- once at start, if the table does not exist (an existing table is used as it is, its columns matched by name)
CREATE TABLE "residents" (
  "id" bigint NOT NULL,
  "姓名" text,
  "user" text,
  "order" numeric(10,2),
  "mixedcase" timestamp
);

-- per batch (commit: batch — each batch is its own transaction)
BEGIN;

-- per batch (rows streamed in COPY binary format, encoded by xcetl; text format instead if an existing column has a type xcetl has no binary encoding for)
COPY "residents" ("id", "姓名", "user", "order", "mixedcase") FROM STDIN WITH (FORMAT binary);

-- per batch, last (ROLLBACK instead if the batch fails)
COMMIT;
