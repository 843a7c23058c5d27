package box

import (
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestAtIsAnyOfString: a boxed string behaves as any(v) does.
func TestAtIsAnyOfString(t *testing.T) {
	for _, v := range []string{"", "a", "街道办事处", strings.Repeat("x", 5000)} {
		slot := v
		a := At(&slot)
		got, ok := a.(string)
		if !ok || got != v {
			t.Fatalf("At(%q).(string) = %q, %v", v, got, ok)
		}
		if a != any(v) || !reflect.DeepEqual(a, any(v)) {
			t.Errorf("At(%q) != any(%q)", v, v)
		}
		if reflect.TypeOf(a) != reflect.TypeOf("") || fmt.Sprint(a) != v {
			t.Errorf("At(%q): type %v, prints %q", v, reflect.TypeOf(a), fmt.Sprint(a))
		}
		switch x := a.(type) {
		case string:
			if x != v {
				t.Errorf("type switch: %q", x)
			}
		default:
			t.Errorf("type switch: %T", x)
		}
	}
}

// TestAtSurvivesGC: values pointing into arrays that nothing else refers
// to, made from short-lived strings, keep their text through garbage
// collections while the memory around them is freed and reused.
func TestAtSurvivesGC(t *testing.T) {
	const n = 20000
	kept := make([]any, 0, n/7+1)
	for i := 0; i < n; i++ {
		slots := make([]string, 4) // dropped at once but for the slot a value uses
		slots[i%4] = strconv.Itoa(i) + "-" + strings.Repeat("v", i%40)
		if a := At(&slots[i%4]); i%7 == 0 {
			kept = append(kept, a)
		}
		if i%3000 == 0 {
			runtime.GC()
		}
	}
	for round := 0; round < 3; round++ {
		runtime.GC()
		_ = make([]byte, 1<<20) // reuse what was freed
		for k, a := range kept {
			i := 7 * k
			if want := strconv.Itoa(i) + "-" + strings.Repeat("v", i%40); a.(string) != want {
				t.Fatalf("round %d: value %d is %q, want %q", round, i, a, want)
			}
		}
	}
}

func BenchmarkAt(b *testing.B) {
	vals := []string{"11010519491231002X", "13812345678", "街道办事处"}
	sink := make([]any, 3)
	b.Run("any", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i, v := range vals {
				sink[i] = any(v)
			}
		}
	})
	b.Run("At", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range vals {
				sink[i] = At(&vals[i])
			}
		}
	})
}
