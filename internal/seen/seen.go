// Package seen is a bounded set of (cascade id, window) pairs: the consumers
// of the stream (the alerts role, the trainer, the summary, the dashboard)
// count each pair once, as a fitter's replay may publish it again.
package seen

// Key is one (id, window) pair.
type Key struct {
	ID     string
	Window float64
}

// Set remembers pairs, forgetting the oldest beyond its bound.
type Set struct {
	max   int
	set   map[Key]struct{}
	order []Key
	head  int
}

// New returns a set remembering at most max pairs (max >= 1).
func New(max int) *Set { return &Set{max: max, set: map[Key]struct{}{}} }

// Add records (id, w) and reports whether it is new.
func (s *Set) Add(id string, w float64) bool {
	k := Key{id, w}
	if _, ok := s.set[k]; ok {
		return false
	}
	if len(s.order) < s.max {
		s.order = append(s.order, k)
	} else {
		delete(s.set, s.order[s.head])
		s.order[s.head] = k
		s.head = (s.head + 1) % s.max
	}
	s.set[k] = struct{}{}
	return true
}

// Has reports whether (id, w) is remembered.
func (s *Set) Has(id string, w float64) bool {
	_, ok := s.set[Key{id, w}]
	return ok
}

// Len returns the number of pairs remembered.
func (s *Set) Len() int { return len(s.set) }
