package registry

import (
	"fmt"
	"sync"
	"testing"
)

func TestRegistry(t *testing.T) {
	r := New[int]("test")
	r.Register("b", 2)
	r.Register("a", 1)
	if v, ok := r.Lookup("a"); !ok || v != 1 {
		t.Fatalf("Lookup(a) = %d, %v", v, ok)
	}
	if _, ok := r.Lookup("c"); ok {
		t.Fatal("Lookup(c) found something")
	}
	if got := fmt.Sprint(r.Names()); got != "[a b]" {
		t.Fatalf("Names = %s", got)
	}
	for _, name := range []string{"a", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", name)
				}
			}()
			r.Register(name, 3)
		}()
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r.Register(fmt.Sprint("n", i), i)
			r.Lookup("a")
			r.Names()
		}(i)
	}
	wg.Wait()
}
