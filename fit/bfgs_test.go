package fit

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"
)

// stopAt is a recorder that fails at the given major iteration (0: never),
// and logs the operations it is shown.
type stopAt struct {
	iter int
	seen int
	ops  *[]string
}

var errAtIteration = errors.New("stopped by the recorder")

func (r *stopAt) Init() error { return nil }

func (r *stopAt) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	*r.ops = append(*r.ops, fmt.Sprintf("%v %v %v", op, loc.X, loc.F))
	if op == optimize.MajorIteration {
		r.seen++
		if r.seen == r.iter {
			return errAtIteration
		}
	}
	return nil
}

// TestRunBFGSMatchesMinimize checks that runBFGS visits the same points and
// ends the same way as optimize.Minimize with BFGS, for every way a run
// ends: convergence by gradient or function value, the limits on
// evaluations and iterations, a recorder's error, a start outside the
// domain, a line search that cannot progress.
func TestRunBFGSMatchesMinimize(t *testing.T) {
	rosen := functions.ExtendedRosenbrock{}
	outside := func(x []float64) float64 {
		if x[0] > 0.5 {
			return math.Inf(1)
		}
		return rosen.Func(x)
	}
	// A function so flat that only BFGS's own gradient threshold stops it.
	flat := func(x []float64) float64 { return 1 + 1e-20*(x[0]*x[0]+x[1]*x[1]) }
	flatGrad := func(g, x []float64) { g[0], g[1] = 2e-20*x[0], 2e-20*x[1] }
	// A gradient that points uphill: the line search fails.
	bowl := func(x []float64) float64 { return x[0]*x[0] + x[1]*x[1] }
	uphill := func(g, x []float64) { g[0], g[1] = -2*x[0], -2*x[1] }
	cases := []struct {
		name    string
		f       func([]float64) float64
		g       func(g, x []float64)
		x0      []float64
		grad    float64
		evals   int
		iters   int
		stopAt  int
		fconv   bool
		wantEnd optimize.Status
	}{
		{name: "gradient", f: rosen.Func, g: rosen.Grad, x0: []float64{-1.2, 1}, grad: 1e-8, wantEnd: optimize.GradientThreshold},
		{name: "gradient 4d", f: rosen.Func, g: rosen.Grad, x0: []float64{-1.2, 1, 0.3, 2}, grad: 1e-9, wantEnd: optimize.GradientThreshold},
		{name: "function converges", f: rosen.Func, g: rosen.Grad, x0: []float64{-1.2, 1}, grad: 1e-30, fconv: true, wantEnd: optimize.FunctionConvergence},
		{name: "evaluations", f: rosen.Func, g: rosen.Grad, x0: []float64{-1.2, 1}, grad: 1e-8, evals: 15, wantEnd: optimize.FunctionEvaluationLimit},
		{name: "iterations", f: rosen.Func, g: rosen.Grad, x0: []float64{-1.2, 1}, grad: 1e-8, iters: 5, wantEnd: optimize.IterationLimit},
		{name: "recorder", f: rosen.Func, g: rosen.Grad, x0: []float64{-1.2, 1}, grad: 1e-8, stopAt: 4, wantEnd: optimize.Failure},
		{name: "recorder at the start", f: rosen.Func, g: rosen.Grad, x0: []float64{-1.2, 1}, grad: 1e-8, stopAt: 1, wantEnd: optimize.Failure},
		{name: "start outside", f: outside, g: rosen.Grad, x0: []float64{1, 1}, grad: 1e-8, wantEnd: optimize.Failure},
		{name: "at the optimum", f: rosen.Func, g: rosen.Grad, x0: []float64{1, 1}, grad: 1e-8, wantEnd: optimize.GradientThreshold},
		{name: "BFGS's own threshold", f: flat, g: flatGrad, x0: []float64{1, 1}, grad: 1e-30, wantEnd: optimize.GradientThreshold},
		{name: "line search fails", f: bowl, g: uphill, x0: []float64{1, 1}, grad: 1e-8, wantEnd: optimize.Failure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := func(direct bool) ([]float64, optimize.Status, error, []string) {
				var ops []string
				p := optimize.Problem{
					Func: func(x []float64) float64 { ops = append(ops, fmt.Sprint("f ", x)); return tc.f(x) },
					Grad: func(g, x []float64) { ops = append(ops, fmt.Sprint("g ", x)); tc.g(g, x) },
				}
				s := &optimize.Settings{
					GradientThreshold: tc.grad,
					Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 20},
					MajorIterations:   tc.iters,
					FuncEvaluations:   tc.evals,
					Recorder:          &stopAt{iter: tc.stopAt, ops: &ops},
				}
				if tc.fconv {
					s.Converger = &optimize.FunctionConverge{Absolute: 1e-3, Iterations: 2}
				}
				if direct {
					x, st, err := runBFGS(p, tc.x0, s)
					return x, st, err, ops
				}
				r, err := optimize.Minimize(p, tc.x0, s, &optimize.BFGS{})
				if r == nil {
					return nil, optimize.NotTerminated, err, ops
				}
				return r.X, r.Status, err, ops
			}
			wx, wst, werr, wops := run(false)
			x, st, err, ops := run(true)
			if !slices.Equal(x, wx) || st != wst || fmt.Sprint(err) != fmt.Sprint(werr) {
				t.Errorf("runBFGS: x %v, status %v, error %v; optimize.Minimize: x %v, status %v, error %v", x, st, err, wx, wst, werr)
			}
			if !slices.Equal(ops, wops) {
				t.Errorf("runBFGS made %d evaluations and records, optimize.Minimize %d; first difference at %d", len(ops), len(wops), firstDiff(ops, wops))
			}
			if tc.wantEnd != optimize.NotTerminated && wst != tc.wantEnd {
				t.Errorf("case ends with %v (%v), want %v: the case does not test what it says", wst, werr, tc.wantEnd)
			}
		})
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
