-- The rows of the MySQL/MariaDB fixtures (generate.sh). Every case the
-- format must tell apart: NULL and '', the word NULL, the characters that
-- INTO OUTFILE escapes (TAB, line feed, CR, backslash, the quote, NUL,
-- Ctrl-Z, the delimiter), Chinese text, and a coordinate with bare quotes.
CREATE TABLE residents (id INT PRIMARY KEY, name VARCHAR(50), note TEXT, amount DECIMAL(10,2)) CHARACTER SET utf8mb4;
INSERT INTO residents VALUES
 (1, '张三', NULL, 12.50),
 (2, '', '', NULL),
 (3, 'NULL', 'the word NULL', 0),
 (4, 'tab\there', 'line1\nline2', -1.25),
 (5, 'back\\slash', 'cr\rlf\r\n', 3),
 (6, 'say "hi"', 'a,b,c', 4),
 (7, 'nul\0byte', 'ctrl-z \Z end', 5),
 (8, '37°36\'37.8"N', '\\N is not null here', 6),
 (9, '李四', 'trailing backslash \\', 7),
 (10, ' spaces ', '\\.', 8);
