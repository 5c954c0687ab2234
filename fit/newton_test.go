package fit

import (
	"math"
	"testing"
)

// newton converges from near the minimum of a smooth, badly scaled
// function in a few evaluations, and declines (ok = false) where the
// Hessian is not positive definite, leaving the point to BFGS.
func TestNewton(t *testing.T) {
	// f(x) = (x0-1)^2 + 1e-4 (x1+2)^2 + (x0-1)^4 + (x0-1)^2 (x1+2)^2 / 10:
	// minimum at (1, -2), Hessian eigenvalues 2 and 2e-4 there, as flat
	// as the n* direction of real likelihoods relative to the others.
	// eval returns -f (the objective minimises -L/scale).
	evals := 0
	obj := &objective{scale: 1, eval: func(x, g []float64) float64 {
		evals++
		a, b := x[0]-1, x[1]+2
		g[0] = -(2*a + 4*a*a*a + a*b*b/5)
		g[1] = -(2e-4*b + a*a*b/5)
		return -(a*a + 1e-4*b*b + a*a*a*a + a*a*b*b/10)
	}}
	x, ok := newton(obj, []float64{1.01, -1.9}, nil, tight)
	if !ok || math.Abs(x[0]-1) > 1e-9 || math.Abs(x[1]+2) > 1e-5 {
		t.Errorf("from near the minimum: ok %v at %v after %d evaluations; want (1, -2)", ok, x, evals)
	}
	if evals > 30 {
		t.Errorf("from near the minimum: %d evaluations, want at most 30", evals)
	}
	t.Logf("converged in %d evaluations", evals)
	// At the saddle of f(x) = x0^2 - x1^2 the Hessian is indefinite.
	saddle := &objective{scale: 1, eval: func(x, g []float64) float64 {
		g[0], g[1] = -2*x[0], 2*x[1]
		return -(x[0]*x[0] - x[1]*x[1])
	}}
	if _, ok := newton(saddle, []float64{0.1, 0.1}, nil, tight); ok {
		t.Error("newton accepted a point near a saddle")
	}
}
