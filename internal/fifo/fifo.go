// Package fifo is a map bounded in size that forgets its oldest keys first:
// the stream's consumers use it to remember what they have counted
// (internal/seen) and the dashboard to keep its newest cascades, so their
// memory stays bounded whatever the stream holds.
package fifo

// Map is a map of at most Max keys; adding a key beyond the bound forgets
// the key added the longest ago. The zero Map is not usable: call New.
type Map[K comparable, V any] struct {
	max   int
	m     map[K]V
	order []K // keys by insertion, a ring from head once full
	head  int
}

// New returns a map of at most max keys (max >= 1).
func New[K comparable, V any](max int) *Map[K, V] {
	if max < 1 {
		panic("fifo: bound below 1")
	}
	return &Map[K, V]{max: max, m: map[K]V{}}
}

// Get returns the value of k and whether k is in the map.
func (f *Map[K, V]) Get(k K) (V, bool) {
	v, ok := f.m[k]
	return v, ok
}

// Add adds k with value v and reports whether k was new; a key already in
// the map keeps its value and its place in the order.
func (f *Map[K, V]) Add(k K, v V) bool {
	if _, ok := f.m[k]; ok {
		return false
	}
	if len(f.order) < f.max {
		f.order = append(f.order, k)
	} else {
		delete(f.m, f.order[f.head])
		f.order[f.head] = k
		f.head = (f.head + 1) % f.max
	}
	f.m[k] = v
	return true
}

// Len returns the number of keys in the map.
func (f *Map[K, V]) Len() int { return len(f.m) }

// Max returns the bound.
func (f *Map[K, V]) Max() int { return f.max }

// All calls yield for every key and value, in no given order, until it
// returns false.
func (f *Map[K, V]) All(yield func(K, V) bool) {
	for k, v := range f.m {
		if !yield(k, v) {
			return
		}
	}
}
