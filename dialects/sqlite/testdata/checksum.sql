-- SQLite: the canonical text of column c by native type (xcetl verify)
-- INTEGER (int):
xcetl_canon("c", 'int')
-- TEXT (string):
xcetl_canon("c", 'string')
-- REAL (float):
xcetl_canon("c", 'float')
-- NUMERIC(12,2) (decimal(12,2)):
xcetl_canon("c", 'decimal')
-- BOOLEAN (bool):
xcetl_canon("c", 'bool')
-- DATE (date):
xcetl_canon("c", 'date')
-- DATETIME (timestamp):
xcetl_canon("c", 'timestamp')
-- BLOB (bytes):
xcetl_canon("c", 'bytes')

-- literals (--fix-sql) of the canonical text 'x' by kind
-- string: 'x'
-- int: 'x'
-- float: 'x'
-- decimal: 'x'
-- bool: 'x'
-- date: 'x'
-- timestamp: 'x'
-- timestamptz: 'x'
-- bytes: X'x'

-- the whole table
SELECT COUNT(*), SUM(xcetl_word(xcetl_md5(xcetl_rowtext('dl', xcetl_canon("k", 'int'), xcetl_canon("c", 'string'))), 0)), SUM(xcetl_word(xcetl_md5(xcetl_rowtext('dl', xcetl_canon("k", 'int'), xcetl_canon("c", 'string'))), 1)) FROM "t";

-- key ranges of 1000
SELECT xcetl_b, COUNT(*), SUM(xcetl_word(xcetl_md5(xcetl_t), 0)), SUM(xcetl_word(xcetl_md5(xcetl_t), 1)) FROM (SELECT ("k" - (1)) / (1000) AS xcetl_b, xcetl_rowtext('dl', xcetl_canon("k", 'int'), xcetl_canon("c", 'string')) AS xcetl_t FROM "t" WHERE "k" >= 1 AND "k" <= 1000) xcetl_s GROUP BY xcetl_b;

-- key-hash buckets
SELECT xcetl_b, COUNT(*), SUM(xcetl_word(xcetl_md5(xcetl_t), 0)), SUM(xcetl_word(xcetl_md5(xcetl_t), 1)) FROM (SELECT (xcetl_word(xcetl_md5(xcetl_rowtext('d', xcetl_canon("k", 'int'))), 0)) / (4294968) AS xcetl_b, xcetl_rowtext('dl', xcetl_canon("k", 'int'), xcetl_canon("c", 'string')) AS xcetl_t FROM "t") xcetl_s GROUP BY xcetl_b;

-- the rows of a range
SELECT xcetl_canon("k", 'int'), xcetl_canon("k", 'int'), xcetl_canon("c", 'string') FROM "t" WHERE "k" >= 1 AND "k" <= 1000;
