package fit

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Polishing by Newton's method. A polish starts from a loose optimum, where
// the gradient is already below loose.grad, and BFGS, which starts again
// from a unit Hessian, spends 30 to 60 evaluations rebuilding the curvature
// before it converges. Newton's method with the Hessian differenced from the
// analytic gradient (d evaluations in d dimensions, forward differences
// from the gradient already known at the point) converges from there in
// two or three steps, and with a Hessian that is a little off it still
// converges, linearly at a fast rate (the chord method), so the Hessian is
// computed once and recomputed only when a step gains too little. Forward
// differences cost half as many evaluations as central ones for a Hessian
// about newtonStep off instead of newtonStep^2, which the chord method
// absorbs (on seismic_subset at 600 s: 3.6% fewer evaluations in all,
// every optimum the same to 1e-7).
const (
	// newtonStep is the forward-difference step in the internal
	// coordinates. The fast likelihood's gradient is within FastAccuracy of
	// its terms' scale, so the differenced Hessian errs by at most about
	// FastAccuracy/newtonStep + newtonStep relative: a Hessian a little
	// off, which only slows the chord method down.
	newtonStep = 1e-4
	// newtonIters bounds the steps and newtonHessians the Hessians computed
	// before the polish gives up and leaves the rest to BFGS.
	newtonIters    = 30
	newtonHessians = 10
	// newtonGain: a step that does not divide the gradient's norm by at
	// least this much calls for a new Hessian.
	newtonGain = 8
	// newtonExtra bounds the steps taken after the gradient is below
	// tol.grad, towards tol.grad*newtonBeyond (see newton).
	newtonExtra  = 2
	newtonBeyond = 1e-3
)

// newton runs Newton's method from x0 until the infinity norm of the
// gradient is below tol.grad or escaped(x) holds, and returns the point
// reached with ok = true. ok is false when the Hessian is not positive
// definite, a step cannot be made that lowers the objective or its
// gradient, or the bounds on steps and Hessians are reached; x is then the
// best point reached, from which BFGS carries on.
func newton(obj *objective, x0 []float64, escaped func([]float64) bool, tol tolerance) (x []float64, ok bool) {
	d := len(x0)
	x = append([]float64(nil), x0...)
	obj.at(x)
	if math.IsInf(obj.f, 0) {
		return x, false
	}
	f := obj.f
	g := append([]float64(nil), obj.g...)
	gnorm := floats.Norm(g, math.Inf(1))

	hess := mat.NewSymDense(d, nil)
	var chol mat.Cholesky
	gp := make([]float64, d)
	xt := make([]float64, d)
	step := mat.NewVecDense(d, nil)
	hessians := 0
	needHessian := true
	extra := newtonExtra
	for iter := 0; ; iter++ {
		if escaped != nil && escaped(x) {
			return x, true
		}
		// Once converged, a step that still gains as much as the last
		// costs one evaluation and takes the point much closer to the
		// optimum along the flat directions, where a gradient of tol.grad
		// still leaves it visibly off.
		converged := gnorm < tol.grad
		if converged {
			if extra == 0 || needHessian || gnorm < tol.grad*newtonBeyond {
				return x, true
			}
			extra--
		}
		if iter == newtonIters {
			return x, converged
		}
		if needHessian {
			if hessians == newtonHessians || !obj.hessian(hess, x, g, gp, xt) {
				return x, false
			}
			hessians++
			if !chol.Factorize(hess) {
				return x, false // not a minimum's neighbourhood
			}
			needHessian = false
		}
		if err := chol.SolveVecTo(step, mat.NewVecDense(d, g)); err != nil {
			return x, converged
		}
		// Take the full step, or a quarter of it up to three times: the
		// step is accepted when the objective does not rise beyond its
		// rounding, and either it falls or the gradient shrinks. (Near the
		// optimum the objective changes by less than its rounding, and
		// only the gradient tells the steps apart.)
		t := 1.0
		accepted := false
		for try := 0; try < 4; try++ {
			for i := range xt {
				xt[i] = x[i] - t*step.AtVec(i)
			}
			obj.at(xt)
			gn := floats.Norm(obj.g, math.Inf(1))
			if !math.IsInf(obj.f, 0) && obj.f <= f+1e-13*math.Max(1, math.Abs(f)) && (obj.f < f || gn < gnorm) {
				accepted = true
				break
			}
			t /= 4
		}
		if !accepted {
			return x, converged
		}
		gn := floats.Norm(obj.g, math.Inf(1))
		needHessian = t < 1 || gn*newtonGain > gnorm
		copy(x, xt)
		f, gnorm = obj.f, gn
		copy(g, obj.g)
	}
}

// hessian writes into h the Hessian of the objective at x by forward
// differences of its gradient, given as g0 at x, symmetrised, and reports
// whether every gradient was finite. gp and xt are scratch of length len(x).
func (o *objective) hessian(h *mat.SymDense, x, g0, gp, xt []float64) bool {
	d := len(x)
	cols := make([][]float64, d)
	for i := range d {
		copy(xt, x)
		xt[i] = x[i] + newtonStep
		o.at(xt)
		if math.IsInf(o.f, 0) {
			return false
		}
		cols[i] = make([]float64, d)
		for j := range d {
			cols[i][j] = (o.g[j] - g0[j]) / newtonStep
		}
	}
	for i := range d {
		for j := i; j < d; j++ {
			h.SetSym(i, j, (cols[i][j]+cols[j][i])/2)
		}
	}
	return true
}
