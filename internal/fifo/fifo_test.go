package fifo

import (
	"maps"
	"slices"
	"testing"
)

func TestMap(t *testing.T) {
	f := New[string, int](3)
	steps := []struct {
		key     string
		val     int
		new     bool
		present []string // keys after the step, sorted
	}{
		{"a", 1, true, []string{"a"}},
		{"b", 2, true, []string{"a", "b"}},
		{"a", 9, false, []string{"a", "b"}}, // kept with its value and place
		{"c", 3, true, []string{"a", "b", "c"}},
		{"d", 4, true, []string{"b", "c", "d"}}, // a, the oldest, forgotten
		{"e", 5, true, []string{"c", "d", "e"}},
		{"b", 6, true, []string{"d", "e", "b"}}, // b comes back as new
	}
	for i, st := range steps {
		if got := f.Add(st.key, st.val); got != st.new {
			t.Errorf("step %d: Add(%q) = %v, want %v", i, st.key, got, st.new)
		}
		keys := slices.Sorted(maps.Keys(maps.Collect(f.All)))
		if want := slices.Sorted(slices.Values(st.present)); !slices.Equal(keys, want) {
			t.Errorf("step %d: keys %v, want %v", i, keys, want)
		}
		if f.Len() != len(st.present) {
			t.Errorf("step %d: Len %d, want %d", i, f.Len(), len(st.present))
		}
	}
	if v, ok := f.Get("b"); !ok || v != 6 {
		t.Errorf("Get(b) = %v, %v; want 6, true", v, ok)
	}
	if _, ok := f.Get("a"); ok {
		t.Error("Get(a) found a forgotten key")
	}
}

func TestNewPanicsBelowOne(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(0) did not panic")
		}
	}()
	New[int, int](0)
}
