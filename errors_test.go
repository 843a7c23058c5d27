package xcetl

import "testing"

func TestSpecErrorsSort(t *testing.T) {
	es := SpecErrors{
		{Pos: Pos{Line: 3, Col: 2}, Msg: "c"},
		{Pos: Pos{Line: 1, Col: 9}, Msg: "b"},
		{Pos: Pos{Line: 1, Col: 1}, Msg: "a1"},
		{Pos: Pos{Line: 1, Col: 1}, Msg: "a2"},
	}
	var got string
	for _, e := range es.Sort() {
		got += e.Msg + " "
	}
	if got != "a1 a2 b c " {
		t.Errorf("sorted: %s", got)
	}
}
