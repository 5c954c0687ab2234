package dashboard

import (
	"fmt"
	"testing"
)

// BenchmarkSummary is the cost of one pushed update's summary with every
// bound reached: two windows of MaxAREs errors each, over 10 model
// versions.
func BenchmarkSummary(b *testing.B) {
	s, err := NewState(DefaultMaxCascades)
	if err != nil {
		b.Fatal(err)
	}
	for i := range MaxAREs {
		for _, w := range []float64{600, 3600} {
			s.Stat(statMsg(fmt.Sprint("c", i), w, 10, float64(i%977)/977, i%10))
		}
	}
	b.ResetTimer()
	for b.Loop() {
		s.Summary()
	}
}

// BenchmarkCascades is the cost of the table of one pushed update: the top
// DefaultRows of DefaultMaxCascades cascades.
func BenchmarkCascades(b *testing.B) {
	s, err := NewState(DefaultMaxCascades)
	if err != nil {
		b.Fatal(err)
	}
	for i := range DefaultMaxCascades {
		s.Prediction(pred(fmt.Sprint("c", i), 600, float64(i%1009), i%50, 0))
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Cascades(SortNHat, DefaultRows); err != nil {
			b.Fatal(err)
		}
	}
}
