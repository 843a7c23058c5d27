-- postgres postgres://loader:***@db.example:5432/app table "My Schema"."订单", mode replace, commit per run
-- target:
--   table: '"My Schema"."订单"'
--   mode: replace
--   replace_method: swap
--   create: never

-- once at start (commit: run — the whole run is one transaction)
BEGIN;

-- once at start (replace_method swap: checks that the table has no dependent views, foreign keys from other tables, triggers, row-level security, identity or serial columns, partitions or other owner)
SELECT
 (SELECT string_agg(DISTINCT v.oid::regclass::text, ', ') FROM pg_depend dep
    JOIN pg_rewrite w ON dep.classid = 'pg_rewrite'::regclass AND w.oid = dep.objid
    JOIN pg_class v ON v.oid = w.ev_class
  WHERE dep.refobjid = $1::text::regclass AND v.oid <> $1::text::regclass),
 (SELECT string_agg(conrelid::regclass::text, ', ') FROM pg_constraint WHERE confrelid = $1::text::regclass AND contype = 'f' AND conrelid <> $1::text::regclass),
 (SELECT string_agg(tgname, ', ') FROM pg_trigger WHERE tgrelid = $1::text::regclass AND NOT tgisinternal),
 (SELECT CASE WHEN c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) THEN 'on' END FROM pg_class c WHERE c.oid = $1::text::regclass),
 (SELECT string_agg(a.attname, ', ') FROM pg_attribute a WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped
    AND (a.attidentity <> '' OR pg_get_serial_sequence($1::text, a.attname) IS NOT NULL)),
 (SELECT CASE WHEN c.relkind = 'p' THEN 'partitioned' END FROM pg_class c WHERE c.oid = $1::text::regclass),
 (SELECT CASE WHEN pg_get_userbyid(c.relowner) <> current_user THEN pg_get_userbyid(c.relowner) END FROM pg_class c WHERE c.oid = $1::text::regclass);

-- once at start: the new table, in the run's transaction (readers keep reading the old one)
CREATE TABLE "My Schema"."xcetl_new_订单" (LIKE "My Schema"."订单" INCLUDING ALL);

-- once at start: the privileges of other roles on the table, granted on the new table too (GRANT … ON "My Schema"."xcetl_new_订单" TO …)
SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.is_grantable::text
FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
WHERE c.oid = $1::text::regclass AND a.grantee <> c.relowner
ORDER BY 2, 1;

-- per batch, streamed: one COPY carries up to 4 batches and stays open between them (rows streamed in COPY binary format, encoded by xcetl; text format instead if an existing column has a type xcetl has no binary encoding for)
COPY "My Schema"."xcetl_new_订单" ("id", "姓名", "user", "order", "mixedcase") FROM STDIN WITH (FORMAT binary);

-- at end, before COMMIT: the swap (each attempt waits at most 200ms for readers, undone and tried again for up to 10m0s)
SAVEPOINT xcetl_swap;
SET LOCAL lock_timeout = '200ms';
ALTER TABLE "My Schema"."订单" RENAME TO "xcetl_old_订单";
ALTER TABLE "My Schema"."xcetl_new_订单" RENAME TO "订单";
DROP TABLE "My Schema"."xcetl_old_订单";
-- ALTER INDEX … RENAME TO <the old table's index names>;
RELEASE SAVEPOINT xcetl_swap;

-- at end (ROLLBACK instead if the run fails or is cancelled: the table is left as it was)
COMMIT;
