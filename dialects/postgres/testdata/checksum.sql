-- PostgreSQL: the canonical text of column c by native type (xcetl verify)
-- bigint (int):
("c")::text
-- integer (int):
("c")::text
-- smallint (int):
("c")::text
-- numeric(20,5) (decimal(20,5)):
CASE WHEN ("c")::text LIKE '%.%' THEN rtrim(rtrim(("c")::text, '0'), '.') ELSE ("c")::text END
-- numeric (decimal(0,0)):
CASE WHEN ("c")::text LIKE '%.%' THEN rtrim(rtrim(("c")::text, '0'), '.') ELSE ("c")::text END
-- real (float):
CASE WHEN "c" = 0 THEN '0' ELSE regexp_replace(("c")::text, 'e\+?(-?)0*', 'e\1') END
-- double precision (float):
CASE WHEN "c" = 0 THEN '0' ELSE regexp_replace(("c")::text, 'e\+?(-?)0*', 'e\1') END
-- boolean (bool):
CASE WHEN "c" THEN '1' WHEN NOT "c" THEN '0' END
-- date (date):
to_char("c", 'YYYY-MM-DD')
-- timestamp without time zone (timestamp):
to_char("c", 'YYYY-MM-DD HH24:MI:SS.US')
-- timestamp(6) with time zone (timestamptz):
to_char("c" AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')
-- character varying(64) (string(64)):
("c")::text
-- text (string):
("c")::text
-- bytea (bytes):
encode("c", 'hex')
-- uuid (string):
("c")::text
-- jsonb (string):
("c")::text
-- integer[] (string):
("c")::text

-- literals (--fix-sql) of the canonical text 'x' by kind
-- string: 'x'
-- int: 'x'
-- float: 'x'
-- decimal: 'x'
-- bool: 'x'
-- date: 'x'
-- timestamp: 'x'
-- timestamptz: 'x+00'
-- bytes: decode('x', 'hex')

-- the whole table
SELECT COUNT(*), sum(('x' || substr(md5(COALESCE(("k")::text || ';', ';') || COALESCE(octet_length(("c")::text)::text || ':' || ("c")::text, 'N')), 1, 16))::bit(64)::bigint) FROM "t";

-- key ranges of 1000
SELECT xcetl_b, COUNT(*), sum(('x' || substr(md5(xcetl_t), 1, 16))::bit(64)::bigint) FROM (SELECT ("k" - (1)) / (1000) AS xcetl_b, COALESCE(("k")::text || ';', ';') || COALESCE(octet_length(("c")::text)::text || ':' || ("c")::text, 'N') AS xcetl_t FROM "t" WHERE "k" >= 1 AND "k" <= 1000) xcetl_s GROUP BY xcetl_b;

-- key-hash buckets
SELECT xcetl_b, COUNT(*), sum(('x' || substr(md5(xcetl_t), 1, 16))::bit(64)::bigint) FROM (SELECT (('x' || substr(md5(COALESCE(("k")::text || ';', ';')), 1, 8))::bit(32)::bigint) / (4294968) AS xcetl_b, COALESCE(("k")::text || ';', ';') || COALESCE(octet_length(("c")::text)::text || ':' || ("c")::text, 'N') AS xcetl_t FROM "t") xcetl_s GROUP BY xcetl_b;

-- the rows of a range
SELECT ("k")::text, ("k")::text, ("c")::text FROM "t" WHERE "k" >= 1 AND "k" <= 1000;
