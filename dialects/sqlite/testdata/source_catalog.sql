-- SQLite: the catalog statements of the source side

-- describe: the table (name, schema)
SELECT type FROM pragma_table_list(?1) WHERE schema = ?2;

-- describe: columns and the primary key
SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?1, ?2) ORDER BY cid;

-- describe: indexes (partial ones are left out)
SELECT l.name, l."unique", i.name FROM pragma_index_list(?1, ?2) l, pragma_index_info(l.name, ?2) i
WHERE l.origin <> 'pk' AND l.partial = 0 AND i.name IS NOT NULL ORDER BY l.name, i.seqno;

-- describe: foreign keys
SELECT id, "from", "table", "to", on_update, on_delete FROM pragma_foreign_key_list(?1, ?2) ORDER BY id, seq;

-- migrate: the tables of a schema
SELECT name FROM pragma_table_list WHERE schema = ?1 AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name;
