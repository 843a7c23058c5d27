-- MySQL/MariaDB: the canonical text of column c by native type (xcetl verify)
-- bigint(20) (int):
CAST(`c` AS CHAR)
-- int(11) (int):
CAST(`c` AS CHAR)
-- tinyint(1) (int):
CAST(`c` AS CHAR)
-- bigint(20) unsigned (decimal(20,0)):
CAST(`c` AS CHAR)
-- decimal(12,2) (decimal(12,2)):
TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(`c` AS CHAR)))
-- decimal(20,0) (decimal(20,0)):
CAST(`c` AS CHAR)
-- float (float):
CASE WHEN `c` IS NULL THEN NULL WHEN `c` = 0 THEN '0' ELSE CAST(`c` AS CHAR) END
-- double (float):
CASE WHEN `c` IS NULL THEN NULL WHEN `c` = 0 THEN '0' ELSE CAST(`c` AS CHAR) END
-- bit(1) (bool):
CASE WHEN CAST(`c` AS UNSIGNED) IS NULL THEN NULL WHEN CAST(`c` AS UNSIGNED) = 0 THEN '0' ELSE '1' END
-- bit(12) (int):
CAST(CAST(`c` AS UNSIGNED) AS CHAR)
-- bit(64) (decimal(20,0)):
CAST(CAST(`c` AS UNSIGNED) AS CHAR)
-- date (date):
DATE_FORMAT(`c`, '%Y-%m-%d')
-- datetime(6) (timestamp):
DATE_FORMAT(`c`, '%Y-%m-%d %H:%i:%s.%f')
-- timestamp(3) (timestamptz):
DATE_FORMAT(`c`, '%Y-%m-%d %H:%i:%s.%f')
-- time(2) (string):
CAST(`c` AS CHAR)
-- year(4) (int):
CAST(`c` AS CHAR)
-- varchar(64) (string(64)):
CONVERT(`c` USING utf8mb4)
-- text (string):
CONVERT(`c` USING utf8mb4)
-- enum('红','green') (string):
CONVERT(`c` USING utf8mb4)
-- json (string):
CONVERT(`c` USING utf8mb4)
-- varbinary(16) (bytes):
LOWER(HEX(`c`))
-- blob (bytes):
LOWER(HEX(`c`))

-- literals (--fix-sql) of the canonical text 'x' by kind
-- string: 'x'
-- int: 'x'
-- float: 'x'
-- decimal: 'x'
-- bool: x
-- date: 'x'
-- timestamp: 'x'
-- timestamptz: 'x'
-- bytes: X'x'

-- the whole table
SELECT COUNT(*), SUM(CAST(CONV(SUBSTRING(MD5(CONCAT(COALESCE(CONCAT(CAST(`k` AS CHAR), ';'), ';'), COALESCE(CONCAT(LENGTH(CAST(`c` AS CHAR)), ':', CAST(`c` AS CHAR)), 'N'))), 1, 16), 16, -10) AS SIGNED)) FROM `t`;

-- key ranges of 1000
SELECT xcetl_b, COUNT(*), SUM(CAST(CONV(SUBSTRING(MD5(xcetl_t), 1, 16), 16, -10) AS SIGNED)) FROM (SELECT (`k` - (1)) DIV (1000) AS xcetl_b, CONCAT(COALESCE(CONCAT(CAST(`k` AS CHAR), ';'), ';'), COALESCE(CONCAT(LENGTH(CAST(`c` AS CHAR)), ':', CAST(`c` AS CHAR)), 'N')) AS xcetl_t FROM `t` WHERE `k` >= 1 AND `k` <= 1000) xcetl_s GROUP BY xcetl_b;

-- key-hash buckets
SELECT xcetl_b, COUNT(*), SUM(CAST(CONV(SUBSTRING(MD5(xcetl_t), 1, 16), 16, -10) AS SIGNED)) FROM (SELECT (CAST(CONV(SUBSTRING(MD5(CONCAT(COALESCE(CONCAT(CAST(`k` AS CHAR), ';'), ';'))), 1, 8), 16, 10) AS UNSIGNED)) DIV (4294968) AS xcetl_b, CONCAT(COALESCE(CONCAT(CAST(`k` AS CHAR), ';'), ';'), COALESCE(CONCAT(LENGTH(CAST(`c` AS CHAR)), ':', CAST(`c` AS CHAR)), 'N')) AS xcetl_t FROM `t`) xcetl_s GROUP BY xcetl_b;

-- the rows of a range
SELECT CAST(`k` AS CHAR), CAST(`k` AS CHAR), CAST(`c` AS CHAR) FROM `t` WHERE `k` >= 1 AND `k` <= 1000;
