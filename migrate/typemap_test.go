package migrate_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/xcetl/xcetl/migrate"
)

// TestDocsMappingTables keeps the type mapping tables of docs/migration.md
// equal to the code: each block between <!-- typemap SOURCE TARGET -->
// and <!-- end typemap --> is what migrate.MappingTable renders (-update
// rewrites them).
func TestDocsMappingTables(t *testing.T) {
	const path = "../docs/migration.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?s)<!-- typemap (\S+) (\S+) -->\n(.*?)<!-- end typemap -->`)
	doc := string(data)
	found := map[string]bool{}
	out := re.ReplaceAllStringFunc(doc, func(block string) string {
		m := re.FindStringSubmatch(block)
		found[m[2]] = true
		want, err := migrate.MappingTable(m[1], m[2])
		if err != nil {
			t.Fatal(err)
		}
		if m[3] != want && !*update {
			t.Errorf("%s: the %s → %s table differs from the code (run with -update):\n%s", path, m[1], m[2], want)
		}
		return "<!-- typemap " + m[1] + " " + m[2] + " -->\n" + want + "<!-- end typemap -->"
	})
	for _, target := range []string{"dm8", "kingbase", "opengauss", "postgres", "sqlite"} {
		if !found[target] {
			t.Errorf("%s has no mysql → %s table", path, target)
		}
	}
	if *update && out != doc {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Count(doc, "<!-- typemap") != len(found) {
		t.Errorf("a target's table appears twice")
	}
}
