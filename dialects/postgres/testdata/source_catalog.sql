-- PostgreSQL: the catalog statements of the source side

-- describe: the table (schema, name)
SELECT c.oid::text, n.nspname, c.relkind::text, c.reltuples::bigint, obj_description(c.oid, 'pg_class')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = COALESCE(NULLIF($1::text, ''), current_schema()) AND c.relname = $2::text;

-- describe: columns (PostgreSQL 10 and later; identity from nextval defaults only before)
SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, pg_get_expr(d.adbin, d.adrelid),
  col_description(a.attrelid, a.attnum), t.typtype::text, t.typcategory::text,
  CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%'
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;

-- describe: primary key and indexes (expression and partial indexes are left out)
SELECT i.relname, ix.indisprimary, ix.indisunique, a.attname
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
CROSS JOIN generate_series(0, 31) s(k)
JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[s.k]
WHERE ix.indrelid = $1::oid AND s.k < ix.indnatts AND ix.indexprs IS NULL AND ix.indpred IS NULL
ORDER BY NOT ix.indisprimary, i.relname, s.k;

-- describe: foreign keys
SELECT con.conname, a.attname, rn.nspname, rc.relname, ra.attname, con.confupdtype::text, con.confdeltype::text
FROM pg_constraint con
CROSS JOIN generate_series(1, 32) s(k)
JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[s.k]
JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[s.k]
JOIN pg_class rc ON rc.oid = con.confrelid
JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.conrelid = $1::oid AND con.contype = 'f'
ORDER BY con.conname, s.k;

-- migrate: the base tables of a schema
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = COALESCE(NULLIF($1::text, ''), current_schema()) AND c.relkind IN ('r', 'p')
ORDER BY c.relname;
