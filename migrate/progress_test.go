package migrate

import (
	"bytes"
	"strings"
	"testing"
)

// TestLiveLine: each table's pipeline progress, as the pipeline draws it,
// ends up in one line of the tables in flight, without the pipelines'
// names; a table that ended leaves it.
func TestLiveLine(t *testing.T) {
	var out bytes.Buffer
	l := &live{w: &out, tables: map[string]*lastLine{}}
	a, b := l.add("residents"), l.add("all_types")
	_, _ = a.Write([]byte("\r\033[Kgrid-residents ████░░ 40%  4,000 rows  2,000 rows/s  0 rejected"))
	_, _ = b.Write([]byte("\r\033[Kgrid-all_types 3 rows  3 rows/s  0 rejected\n"))
	l.draw()
	want := "\r\033[Kall_types: 3 rows  3 rows/s  0 rejected │ residents: ████░░ 40%  4,000 rows  2,000 rows/s  0 rejected"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
	l.remove("all_types")
	out.Reset()
	l.draw()
	if strings.Contains(out.String(), "all_types") || !strings.Contains(out.String(), "residents: ") {
		t.Errorf("after the table ended: %q", out.String())
	}
	if (&live{}).add("x") != nil {
		t.Error("a display without a terminal hands out a writer")
	}
}
