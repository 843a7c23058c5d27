-- Oracle: the canonical text of column c by native type (xcetl verify)
-- NUMBER(10,0) (int):
TO_CHAR("c")
-- NUMBER(12,2) (decimal(12,2)):
CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END
-- NUMBER (decimal(0,0)):
CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END
-- BINARY_DOUBLE (float):
CASE WHEN "c" = 0 THEN '0' ELSE LOWER(TO_CHAR("c")) END
-- DATE (timestamp):
TO_CHAR("c", 'YYYY-MM-DD HH24:MI:SS.FF6')
-- TIMESTAMP(6) (timestamp):
TO_CHAR("c", 'YYYY-MM-DD HH24:MI:SS.FF6')
-- TIMESTAMP(6) WITH TIME ZONE (timestamptz):
TO_CHAR(SYS_EXTRACT_UTC("c"), 'YYYY-MM-DD HH24:MI:SS.FF6')
-- VARCHAR2(64) (string(64)):
TO_CHAR("c")
-- NVARCHAR2(20) (string(20)):
TO_CHAR("c")
-- CHAR(6) (string(6)):
TO_CHAR("c")
-- CLOB (string):
TO_CHAR("c")
-- RAW(16) (bytes):
LOWER(RAWTOHEX("c"))
-- BLOB (bytes):
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
SELECT COUNT(*), SUM(TO_NUMBER(SUBSTR(LOWER(RAWTOHEX(STANDARD_HASH(TO_CHAR("k") || ';' || CASE WHEN CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END IS NULL THEN 'N' ELSE LENGTHB(CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END) || ':' || CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END END, 'MD5'))), 1, 16), 'XXXXXXXXXXXXXXXX')) FROM "t";

-- key ranges of 1000
SELECT xcetl_b, COUNT(*), SUM(TO_NUMBER(SUBSTR(LOWER(RAWTOHEX(STANDARD_HASH(xcetl_t, 'MD5'))), 1, 16), 'XXXXXXXXXXXXXXXX')) FROM (SELECT FLOOR(("k" - (1)) / (1000)) AS xcetl_b, TO_CHAR("k") || ';' || CASE WHEN CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END IS NULL THEN 'N' ELSE LENGTHB(CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END) || ':' || CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END END AS xcetl_t FROM "t" WHERE "k" >= 1 AND "k" <= 1000) xcetl_s GROUP BY xcetl_b;

-- key-hash buckets
SELECT xcetl_b, COUNT(*), SUM(TO_NUMBER(SUBSTR(LOWER(RAWTOHEX(STANDARD_HASH(xcetl_t, 'MD5'))), 1, 16), 'XXXXXXXXXXXXXXXX')) FROM (SELECT FLOOR((TO_NUMBER(SUBSTR(LOWER(RAWTOHEX(STANDARD_HASH(TO_CHAR("k") || ';', 'MD5'))), 1, 8), 'XXXXXXXX')) / (4294968)) AS xcetl_b, TO_CHAR("k") || ';' || CASE WHEN CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END IS NULL THEN 'N' ELSE LENGTHB(CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END) || ':' || CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END END AS xcetl_t FROM "t") xcetl_s GROUP BY xcetl_b;

-- the rows of a range
SELECT TO_CHAR("k"), TO_CHAR("k"), CASE WHEN TO_CHAR("c") LIKE '.%' THEN '0' || TO_CHAR("c") WHEN TO_CHAR("c") LIKE '-.%' THEN '-0' || SUBSTR(TO_CHAR("c"), 2) ELSE TO_CHAR("c") END FROM "t" WHERE "k" >= 1 AND "k" <= 1000;
