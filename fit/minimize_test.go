package fit

import (
	"context"
	"math"
	"strings"
	"testing"
)

// A run that stops short of an optimum says why (the optimiser's own error,
// with the gradient reached), and only that: its callers say what did not
// converge (Fit's Reason reads "no starting point converged: power law: "
// and then this error).
func TestMinimizeErrorSaysWhy(t *testing.T) {
	tests := []struct {
		name string
		eval func(x, g []float64) float64 // L and dL/dx
		want string
	}{
		{"no finite likelihood", func(x, g []float64) float64 { return math.NaN() }, "no finite likelihood reached"},
		{"unbounded likelihood", func(x, g []float64) float64 {
			g[0], g[1] = 1, 0
			return x[0]
		}, "(gradient 1)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := &objective{scale: 1, eval: tc.eval}
			_, err := minimize(context.Background(), obj, []float64{0, 0}, nil, searchMode)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "did not converge") {
				t.Errorf("error %v, want one containing %q and not saying it did not converge", err, tc.want)
			}
		})
	}
}
