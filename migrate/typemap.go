package migrate

import (
	"fmt"
	"strings"

	"github.com/xcetl/xcetl/dialects"
)

// sampleTypes are the native types the mapping tables of the docs show,
// per source driver.
var sampleTypes = map[string][]string{
	"mysql": {"tinyint(1)", "tinyint", "tinyint unsigned", "smallint", "smallint unsigned", "mediumint", "int", "int unsigned",
		"bigint", "bigint unsigned", "decimal(12,2)", "decimal(65,30)", "float", "double", "bit(1)", "bit(12)", "bit(64)",
		"date", "datetime", "datetime(6)", "timestamp(3)", "time(2)", "year", "char(6)", "varchar(40)", "tinytext", "text",
		"mediumtext", "longtext", "enum('a','b')", "set('a','b')", "json", "binary(4)", "varbinary(16)", "blob", "longblob"},
}

// MappingTable renders the type mapping of a (source driver, target) pair
// as a Markdown table: each sample native type, the xcetl type the source
// reads it as, and the target's column type (from the pair's TypeMap, or
// the target's type for the xcetl type). docs/migration.md holds these
// tables; a test keeps them equal to the code.
func MappingTable(source, target string) (string, error) {
	src, ok := dialects.LookupSource(source)
	if !ok {
		return "", fmt.Errorf("no source driver %s", source)
	}
	d, ok := dialects.Lookup(target)
	if !ok {
		return "", fmt.Errorf("no target %s", target)
	}
	var b strings.Builder
	b.WriteString("| " + src.Product() + " | read as | " + target + " | from |\n|---|---|---|---|\n")
	for _, n := range sampleTypes[source] {
		c := dialects.SourceColumn{Name: "c", NativeType: n, Nullable: true}
		r, err := src.ReadColumn(dialects.Table{Name: "t"}, c, dialects.ReadOptions{})
		if err != nil {
			return "", err
		}
		typ, how, err := dialects.MapColumnType(source, d, c, r.Type, false)
		if err != nil {
			typ, how = "—", "no type: map it with `types:` (e.g. string)"
		} else if how == "rule" {
			how = "type map"
			if m, _ := dialects.LookupTypeMap(source, target); m != nil {
				if rule, ok := m.Rule(dialects.ParseNativeType(n)); ok && rule.Note != "" {
					how += ": " + rule.Note
				}
			}
		}
		fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s |\n", n, r.Type, typ, how)
	}
	return b.String(), nil
}
