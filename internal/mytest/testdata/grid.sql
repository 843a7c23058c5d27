-- The MySQL/MariaDB test schema "grid", shared by the sql source's tests and the migrate and
-- verify tests: every type the sql source maps, Chinese text in utf8mb4 and gbk tables, latin1,
-- NULLs, zero dates, a composite primary key, a table without a primary key, foreign keys, an
-- auto-increment table. Load it with mytest.LoadGrid (statements end with ";" at a line's end;
-- the session runs with sql_mode '' so that zero dates go in, and time_zone '+08:00' so that
-- timestamp values are stored as UTC instants 8 hours earlier than written).
-- The values a reader must get back are in grid.go (mytest.Grid).

CREATE TABLE all_types (
  id INT NOT NULL PRIMARY KEY,
  flag TINYINT(1),
  tiny TINYINT,
  small SMALLINT UNSIGNED,
  medium MEDIUMINT,
  regular INT UNSIGNED,
  big BIGINT,
  ubig BIGINT UNSIGNED,
  money DECIMAL(12,2),
  wide DECIMAL(65,30),
  f FLOAT,
  d DOUBLE,
  dt DATETIME,
  dt6 DATETIME(6),
  ts TIMESTAMP(3) NULL DEFAULT NULL,
  dte DATE,
  tm TIME(2),
  yr YEAR,
  b1 BIT(1),
  b12 BIT(12),
  b64 BIT(64),
  color ENUM('红','green','blue'),
  tags SET('a','b','c'),
  doc JSON,
  bin BINARY(4),
  vbin VARBINARY(16),
  blb BLOB,
  lblb LONGBLOB,
  name VARCHAR(32) COMMENT '姓名',
  note TEXT,
  code CHAR(6) NOT NULL DEFAULT 'x'
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='每种类型';

INSERT INTO all_types VALUES
 (1, 1, -128, 65535, -8388608, 4294967295, -9223372036854775808, 18446744073709551615,
  -1234567890.12, 12345678901234567890123456789012345.123456789012345678901234567890,
  1.5, -2.25e-300, '2024-02-29 23:59:59', '2024-02-29 23:59:59.999999', '2024-06-01 12:00:00.123',
  '1949-10-01', '-838:59:59.00', 2024, b'1', b'101010101010', b'1111111111111111111111111111111111111111111111111111111111111111',
  '红', 'a,c', '{"区": "和平", "n": [1, 2]}', X'00FF0A0D', X'DEADBEEF', X'', X'000102',
  '张三', '第一行\n第二行\t制表', '110101');
INSERT INTO all_types (id, code) VALUES (2, '');
INSERT INTO all_types VALUES
 (3, 0, 127, 0, 8388607, 0, 9223372036854775807, 9223372036854775808,
  0.00, 0.000000000000000000000000000001,
  0, 1e300, '1970-01-01 00:00:00', '2000-01-01 00:00:00.000001', '1970-01-02 08:00:00.000',
  '9999-12-31', '12:34:56.78', 1901, b'0', b'000000000001', b'1000000000000000000000000000000000000000000000000000000000000000',
  'blue', '', '[]', X'61626364', X'', X'E4B8AD', X'',
  'O''Brien \\ "q"', '', 'ABCDEF');

CREATE TABLE zero_dates (
  id INT NOT NULL PRIMARY KEY,
  d DATE,
  dt DATETIME
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO zero_dates VALUES (1, '2024-01-15', '2024-01-15 08:30:00'), (2, '0000-00-00', '0000-00-00 00:00:00'),
 (3, '2020-00-15', '2020-05-00 10:00:00'), (4, NULL, NULL);

CREATE TABLE residents_gbk (
  id INT NOT NULL PRIMARY KEY,
  name VARCHAR(20) NOT NULL,
  address VARCHAR(100)
) ENGINE=InnoDB DEFAULT CHARSET=gbk;

INSERT INTO residents_gbk VALUES (1, '张三', '天津市和平区南京路100号'), (2, '欧阳娜娜', NULL), (3, '王小明', '');

CREATE TABLE legacy_latin1 (
  id INT NOT NULL PRIMARY KEY,
  city VARCHAR(40)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;

INSERT INTO legacy_latin1 VALUES (1, 'Zürich'), (2, 'café €5'), (3, NULL);

CREATE TABLE districts (
  code CHAR(6) NOT NULL PRIMARY KEY,
  name VARCHAR(40) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO districts VALUES ('120101', '和平区'), ('120102', '河东区');

CREATE TABLE residents (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  district CHAR(6) NOT NULL,
  name VARCHAR(40) NOT NULL,
  id_card CHAR(18),
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uk_id_card (id_card),
  KEY idx_district_name (district, name),
  CONSTRAINT fk_residents_district FOREIGN KEY (district) REFERENCES districts (code) ON UPDATE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO residents (district, name, id_card, updated_at) VALUES
 ('120101', '张三', '11010119900307777X', '2024-01-01 09:00:00'),
 ('120101', '李四', NULL, '2024-01-02 09:00:00'),
 ('120102', '王五', '120102198001011234', '2024-01-03 09:00:00');

CREATE TABLE household_members (
  household_id BIGINT NOT NULL,
  member_no SMALLINT NOT NULL,
  relation VARCHAR(10) NOT NULL,
  PRIMARY KEY (household_id, member_no),
  CONSTRAINT fk_members_resident FOREIGN KEY (household_id) REFERENCES residents (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO household_members VALUES (1, 1, '户主'), (1, 2, '配偶'), (3, 1, '户主');

CREATE TABLE visit_log (
  visited_on DATE NOT NULL,
  district CHAR(6),
  note VARCHAR(40)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO visit_log VALUES ('2024-03-01', '120101', '走访'), ('2024-03-01', '120101', '走访'), ('2024-03-02', NULL, NULL);
