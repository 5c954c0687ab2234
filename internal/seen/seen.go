// Package seen is a bounded set of (cascade id, window) pairs: the consumers
// of the stream (the alerts role, the trainer, the summary, the dashboard)
// count each pair once, as a fitter's replay may publish it again.
package seen

import "github.com/hawkes-toolkit/hawkes/internal/fifo"

// Key is one (id, window) pair.
type Key struct {
	ID     string
	Window float64
}

// Set remembers pairs, forgetting the oldest beyond its bound.
type Set struct{ m *fifo.Map[Key, struct{}] }

// New returns a set remembering at most max pairs (max >= 1).
func New(max int) *Set { return &Set{fifo.New[Key, struct{}](max)} }

// Add records (id, w) and reports whether it is new.
func (s *Set) Add(id string, w float64) bool { return s.m.Add(Key{id, w}, struct{}{}) }

// Has reports whether (id, w) is remembered.
func (s *Set) Has(id string, w float64) bool {
	_, ok := s.m.Get(Key{id, w})
	return ok
}

// Len returns the number of pairs remembered.
func (s *Set) Len() int { return s.m.Len() }
