-- DM8: the canonical text of column c by native type (xcetl verify)
-- BIGINT (int):
TO_CHAR("c")
-- INT (int):
TO_CHAR("c")
-- NUMBER(10,2) (decimal(10,2)):
CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END
-- DECIMAL(38,0) (decimal(38,0)):
CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END
-- NUMBER (decimal(0,0)):
CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END
-- DOUBLE (float):
CASE WHEN "c" = 0 THEN '0' ELSE LOWER(TO_CHAR("c")) END
-- BIT (bool):
CASE WHEN "c" IS NULL THEN NULL WHEN "c" = 0 THEN '0' ELSE '1' END
-- DATE (date):
TO_CHAR("c", 'YYYY-MM-DD')
-- TIMESTAMP (timestamp):
TO_CHAR("c", 'YYYY-MM-DD HH24:MI:SS.FF6')
-- DATETIME (timestamp):
TO_CHAR("c", 'YYYY-MM-DD HH24:MI:SS.FF6')
-- TIMESTAMP WITH TIME ZONE (timestamptz):
TO_CHAR(SYS_EXTRACT_UTC("c"), 'YYYY-MM-DD HH24:MI:SS.FF6')
-- VARCHAR(64) (string(64)):
TO_CHAR("c")
-- CHAR(6) (string(6)):
TO_CHAR("c")
-- TEXT (string):
TO_CHAR("c")
-- CLOB (string):
TO_CHAR("c")
-- BLOB (bytes):
LOWER(RAWTOHEX("c"))
-- VARBINARY(16) (bytes):
LOWER(RAWTOHEX("c"))

-- literals (--fix-sql) of the canonical text 'x' by kind
-- string: 'x'
-- int: x
-- float: x
-- decimal: x
-- bool: x
-- date: DATE 'x'
-- timestamp: TIMESTAMP 'x'
-- timestamptz: TIMESTAMP 'x'
-- bytes: HEXTORAW('x')

-- the whole table
SELECT COUNT(*), SUM(TO_NUMBER(SUBSTR(LOWER(MD5(TO_CHAR("k") || ';' || CASE WHEN TO_CHAR("c") IS NULL THEN 'N' ELSE LENGTHB(TO_CHAR("c")) || ':' || TO_CHAR("c") END)), 1, 16), 'XXXXXXXXXXXXXXXX')) FROM "t";

-- key ranges of 1000
SELECT xcetl_b, COUNT(*), SUM(TO_NUMBER(SUBSTR(LOWER(MD5(xcetl_t)), 1, 16), 'XXXXXXXXXXXXXXXX')) FROM (SELECT FLOOR(("k" - (1)) / (1000)) AS xcetl_b, TO_CHAR("k") || ';' || CASE WHEN TO_CHAR("c") IS NULL THEN 'N' ELSE LENGTHB(TO_CHAR("c")) || ':' || TO_CHAR("c") END AS xcetl_t FROM "t" WHERE "k" >= 1 AND "k" <= 1000) xcetl_s GROUP BY xcetl_b;

-- key-hash buckets
SELECT xcetl_b, COUNT(*), SUM(TO_NUMBER(SUBSTR(LOWER(MD5(xcetl_t)), 1, 16), 'XXXXXXXXXXXXXXXX')) FROM (SELECT FLOOR((TO_NUMBER(SUBSTR(LOWER(MD5(TO_CHAR("k") || ';')), 1, 8), 'XXXXXXXX')) / (4294968)) AS xcetl_b, TO_CHAR("k") || ';' || CASE WHEN TO_CHAR("c") IS NULL THEN 'N' ELSE LENGTHB(TO_CHAR("c")) || ':' || TO_CHAR("c") END AS xcetl_t FROM "t") xcetl_s GROUP BY xcetl_b;

-- the rows of a range
SELECT TO_CHAR("k"), TO_CHAR("k"), TO_CHAR("c") FROM "t" WHERE "k" >= 1 AND "k" <= 1000;
