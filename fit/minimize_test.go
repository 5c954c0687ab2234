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

// The power law's objective evaluates the fast likelihood wherever its grid
// covers the point, at every accuracy but exact, and takes the points it
// does not cover (c or theta run off towards 0, theta past fastMaxTheta) as
// outside the domain rather than falling back to the O(n^2) double sum; an
// exact fit evaluates exactly everywhere.
func TestPowerLawObjectiveStaysOnTheGrid(t *testing.T) {
	times, mags := synthetic(300, 3600, 7)
	inside := normalized{NStar: 0.8, Beta: 0.5, C: 60, Theta: 0.7}
	tests := []struct {
		name string
		q    normalized
		acc  accuracy
		want string // "fast", "exact" or "NaN"
	}{
		{"coarse inside", inside, coarse, "fast"},
		{"rough inside", inside, rough, "fast"},
		{"precise inside", inside, precise, "fast"},
		{"exact inside", inside, exact, "exact"},
		{"rough, c and theta near 0", normalized{NStar: 0.5, Beta: 0.5, C: 1e-100, Theta: 1e-100}, rough, "NaN"},
		{"precise, c and theta near 0", normalized{NStar: 0.5, Beta: 0.5, C: 1e-100, Theta: 1e-100}, precise, "NaN"},
		{"precise, theta past fastMaxTheta", normalized{NStar: 0.5, Beta: 0.5, C: 1e6, Theta: 2 * fastMaxTheta}, precise, "NaN"},
		{"exact, c and theta near 0", normalized{NStar: 0.5, Beta: 0.5, C: 1e-100, Theta: 1e-100}, exact, "exact"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := newCascade(times, mags, 3600)
			p := []float64{tc.q.NStar, tc.q.Beta, tc.q.C, tc.q.Theta}
			g := make([]float64, 4)
			got := math.NaN()
			if tm, ok := cs.powerLawObjective(tc.acc)(p); ok {
				got = tm.at(p[0], g)
			}
			want := math.NaN()
			switch tc.want {
			case "fast":
				v, ok := cs.fastPowerLaw(tc.q, tc.acc, nil)
				if !ok {
					t.Fatal("the fast grid does not cover the point")
				}
				want = v
			case "exact":
				want = cs.exactPowerLaw(tc.q, nil)
			}
			if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && got != want) {
				t.Errorf("objective %v, want %v (%s)", got, want, tc.want)
			}
			if tc.want == "exact" && math.IsNaN(got) {
				t.Errorf("exact objective is NaN")
			}
		})
	}
}
