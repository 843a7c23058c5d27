package dialects

// The type maps from MySQL/MariaDB. Native types not listed go through
// the xcetl type the mysql source reads them as (see dialects/mysql) and
// the target's ColumnType: varchar(n) stays varchar(n), decimal(p,s) stays
// decimal(p,s), text becomes the target's unbounded text, blobs its bytes.
//
// What is deliberately not mapped to a "nicer" type: MySQL time (a
// duration up to 838 hours, read as text) stays text; enum and set stay
// text (their labels are the values); char(n) becomes varchar(n), since
// MySQL strips the trailing spaces that a char(n) target would add back.

func init() {
	pg := []TypeRule{
		{Native: "tinyint", Target: "smallint"},
		{Native: "tinyint unsigned", Target: "smallint"},
		{Native: "smallint", Target: "smallint"},
		{Native: "smallint unsigned", Target: "integer", Note: "up to 65535"},
		{Native: "mediumint", Target: "integer"},
		{Native: "mediumint unsigned", Target: "integer"},
		{Native: "int", Target: "integer"},
		{Native: "integer", Target: "integer"},
		{Native: "int unsigned", Target: "bigint", Note: "up to 4294967295"},
		{Native: "integer unsigned", Target: "bigint"},
		{Native: "year", Target: "smallint"},
		{Native: "float", Target: "real"},
		{Native: "datetime", Target: "timestamp({1})", Note: "the fraction digits kept"},
		{Native: "timestamp", Target: "timestamp({1}) with time zone", Note: "an instant (read in UTC)"},
		{Native: "json", Target: "json", Note: "the text as written (jsonb would reorder keys, and verify compare them unequal)"},
		{Native: "uuid", Target: "uuid", Note: "MariaDB 10.7+"},
	}
	for _, target := range []string{"postgres", "opengauss", "kingbase"} {
		RegisterTypeMap(TypeMap{Source: "mysql", Target: target, Rules: pg})
	}
	RegisterTypeMap(TypeMap{Source: "mysql", Target: "dm8", Rules: []TypeRule{
		{Native: "tinyint", Target: "TINYINT"},
		{Native: "tinyint unsigned", Target: "SMALLINT"},
		{Native: "smallint", Target: "SMALLINT"},
		{Native: "smallint unsigned", Target: "INT"},
		{Native: "mediumint", Target: "INT"},
		{Native: "mediumint unsigned", Target: "INT"},
		{Native: "int", Target: "INT"},
		{Native: "integer", Target: "INT"},
		{Native: "int unsigned", Target: "BIGINT"},
		{Native: "integer unsigned", Target: "BIGINT"},
		{Native: "year", Target: "SMALLINT"},
		{Native: "float", Target: "REAL"},
		{Native: "datetime", Target: "TIMESTAMP({1})"},
		{Native: "timestamp", Target: "TIMESTAMP({1}) WITH TIME ZONE"},
		{Native: "text", Target: "CLOB", Note: "up to 64 KB: longer than VARCHAR(8188)"},
		{Native: "mediumtext", Target: "CLOB"},
		{Native: "longtext", Target: "CLOB"},
		{Native: "json", Target: "CLOB"},
		{Native: "binary", Target: "BINARY({1})"},
		{Native: "varbinary", Target: "VARBINARY({1})"},
	}})
	RegisterTypeMap(TypeMap{Source: "mysql", Target: "sqlite", Rules: []TypeRule{
		{Native: "float", Target: "REAL"},
		{Native: "json", Target: "TEXT"},
	}})
}
