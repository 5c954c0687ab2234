package seen

import "testing"

func TestSet(t *testing.T) {
	s := New(2)
	steps := []struct {
		id   string
		w    float64
		want bool
	}{
		{"a", 600, true}, {"a", 600, false}, {"a", 3600, true}, {"b", 600, true}, // a/600 forgotten
		{"a", 600, true}, {"b", 600, false}, {"a", 3600, true},
	}
	for i, st := range steps {
		if had := s.Has(st.id, st.w); had == st.want {
			t.Errorf("step %d: Has(%q, %v) = %v before Add", i, st.id, st.w, had)
		}
		if got := s.Add(st.id, st.w); got != st.want {
			t.Errorf("step %d: Add(%q, %v) = %v, want %v", i, st.id, st.w, got, st.want)
		}
		if !s.Has(st.id, st.w) {
			t.Errorf("step %d: Has(%q, %v) false after Add", i, st.id, st.w)
		}
		if s.Len() > 2 {
			t.Fatalf("step %d: %d pairs remembered, bound 2", i, s.Len())
		}
	}
}
