package fit

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// Convergence settings. The objective is minus the log-likelihood divided by
// the number of explained events, so they do not depend on the cascade's
// size. The likelihood of real cascades is very flat in n* (SPEC section 2):
// loose tolerances would leave the starting points scattered along it.
//
// Every start is first run to a loose tolerance, which is enough to tell the
// starts' optima apart; the near-best optima of each kernel are then polished
// to the tight one. grad is the infinity norm of the gradient in the internal
// coordinates at which BFGS stops; a run whose line search can progress no
// further is still accepted if its gradient is below accept, which happens
// when the optimum is resolved to rounding.
type tolerance struct{ grad, accept float64 }

var (
	loose = tolerance{grad: 1e-5, accept: 1e-4}
	// coarseTol is the tolerance of the search's first stage, at coarse
	// accuracy, which only brings a run near its optimum.
	coarseTol = tolerance{grad: 1e-3, accept: 1e-2}
	tight     = tolerance{grad: 1e-9, accept: 1e-6}
)

// mode says how one run of the optimiser from a point evaluates the
// likelihood and when it stops. A fit makes two kinds of run (see Fit): the
// search from every starting point (searchMode) and the polish of the
// search's near-best optima (polishMode); each can hold n* on the boundary
// n* = 1 (onBoundary).
type mode struct {
	// acc is the accuracy of the power-law likelihood. The exponential
	// limit, O(n) in any case, is always evaluated exactly.
	acc accuracy
	tol tolerance
	// newton: try Newton's method before BFGS, which pays off next to an
	// optimum, where a polish starts (see newton).
	newton bool
	// fixed holds n* at the starting point's value.
	fixed bool
}

// searchMode is the mode of the runs from the starting points: the fast
// likelihood at rough accuracy, also under Options.Exact, to the loose
// tolerance. The search only ranks the starts, and every optimum it reports
// is polished at the accuracy asked for, so the exact and the fast fit
// polish the same points.
var searchMode = mode{acc: rough, tol: loose}

// polishMode returns the mode of the polish at the accuracy acc (precise, or
// exact under Options.Exact): Newton's method, then BFGS if need be, to the
// tight tolerance.
func polishMode(acc accuracy) mode { return mode{acc: acc, tol: tight, newton: true} }

// onBoundary returns m with n* held at the starting point's value, for the
// fit on the boundary n* = 1.
func (m mode) onBoundary() mode {
	m.fixed = true
	return m
}

// Bounds on one BFGS run.
const (
	maxIter  = 2000
	maxEvals = 10000
)

// objective wraps a function computing the log-likelihood and its gradient
// in internal coordinates into an optimize.Problem minimising -L/scale, with
// the value and gradient computed together and cached for the last x.
type objective struct {
	eval  func(x, grad []float64) float64 // returns L, writes dL/dx
	scale float64
	x     []float64
	ll    float64 // L at x, as eval returned it
	f     float64
	g     []float64
	valid bool
}

func (o *objective) at(x []float64) {
	if o.valid && floats.Equal(x, o.x) {
		return
	}
	if o.x == nil {
		o.x = make([]float64, len(x))
		o.g = make([]float64, len(x))
	}
	copy(o.x, x)
	ll := o.eval(x, o.g)
	o.ll = ll
	o.f = -ll / o.scale
	for i := range o.g {
		o.g[i] = -o.g[i] / o.scale
	}
	if math.IsNaN(o.f) || math.IsInf(o.f, 0) {
		// Outside the region the data allows (an intensity of zero at an
		// event): a value the line search backs away from.
		o.f = math.Inf(1)
		for i := range o.g {
			o.g[i] = 0
		}
	}
	o.valid = true
}

func (o *objective) problem() optimize.Problem {
	return optimize.Problem{
		Func: func(x []float64) float64 { o.at(x); return o.f },
		Grad: func(dst, x []float64) { o.at(x); copy(dst, o.g) },
	}
}

// recorder stops the optimiser when the context is done, or when a major
// iteration reaches a point x, of objective f, where check returns an
// error: errEscaped when the fit has run off to a limit of the family
// (n* -> inf, theta -> inf), errStopped when the run is stopped early with
// a candidate already in hand (see fitStarts).
type recorder struct {
	ctx   context.Context
	check func(x []float64, f float64) error
}

var (
	errEscaped = errors.New("fit ran to a limit of the model family")
	errStopped = errors.New("run stopped with a candidate in hand")
)

func (r recorder) Init() error { return r.ctx.Err() }

func (r recorder) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if op == optimize.MajorIteration && r.check != nil {
		return r.check(loc.X, loc.F)
	}
	return nil
}

// minimize runs BFGS from x0 to the tolerance of m and returns the optimum,
// accepting a line-search stall when the gradient is already negligible, and
// a run that escaped to a limit of the family (see recorder). When m.newton
// is set it tries Newton's method first and runs BFGS only from where that
// stopped short. An error says only why the run stopped short of an
// optimum: its callers say what did not converge.
func minimize(ctx context.Context, obj *objective, x0 []float64, check func(x []float64, f float64) error, m mode) ([]float64, error) {
	tol := m.tol
	if m.newton {
		// A polish: Newton's method from the loose optimum, else BFGS
		// from where it stopped (see newton).
		var escaped func([]float64) bool
		if check != nil {
			escaped = func(x []float64) bool { obj.at(x); return check(x, obj.f) != nil }
		}
		x, ok := newton(obj, x0, escaped, tol)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if ok {
			return x, nil
		}
		x0 = x
	}
	settings := &optimize.Settings{
		GradientThreshold: tol.grad,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 20},
		MajorIterations:   maxIter,
		FuncEvaluations:   maxEvals,
		Recorder:          recorder{ctx, check},
	}
	x, status, err := runBFGS(obj.problem(), x0, settings)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if x == nil {
		return nil, err
	}
	if errors.Is(err, errEscaped) {
		return x, nil
	}
	if errors.Is(err, errStopped) {
		return x, errStopped
	}
	obj.at(x)
	gnorm := floats.Norm(obj.g, math.Inf(1))
	if math.IsInf(obj.f, 0) {
		return nil, errors.New("no finite likelihood reached")
	}
	switch status {
	case optimize.GradientThreshold, optimize.FunctionConvergence:
		return x, nil
	}
	if gnorm < tol.accept {
		return x, nil
	}
	if err == nil {
		return nil, fmt.Errorf("optimiser status %v (gradient %.3g)", status, gnorm)
	}
	return nil, fmt.Errorf("%w (gradient %.3g)", err, gnorm)
}

// fitKernel maximises the likelihood of one kernel from the model point p0
// in the mode m, in the coordinates of a kernel whose time parameters enter
// log A with the powers a (coords), and returns the model point reached and
// the log-likelihood there. evaluate splits the likelihood at a model point
// p = (n*, beta, t...) by its dependence on n* (terms; false outside the
// domain). With n* free (profileNStar) the optimiser maximises the profile
// likelihood in the coordinates of a fixed n*, each evaluation setting n*
// to its best for the rest; on the boundary n* is held at p0[0]. The value
// does not depend on whether the gradient is asked for, so the optimiser's
// last evaluation, at the point reached, gives the value without another
// one. stop, if not nil, is asked at every major iteration of the search
// with the model point and its log-likelihood; when it returns a candidate
// the run stops and fitKernel returns that candidate as stopped (see
// fitStarts).
func fitKernel(ctx context.Context, cs *cascade, a, p0 []float64, m mode, evaluate func(p []float64) (terms, bool), stop stopFunc) (_ []float64, _ float64, stopped *candidate, _ error) {
	profile := profileNStar && !m.fixed
	k := coords{a: a, fixed: m.fixed || profile, nstar: p0[0]}
	p := make([]float64, len(p0))
	g := make([]float64, len(p0))
	obj := &objective{scale: float64(cs.explained())}
	// nstar is n* at the point of the last evaluation, the one obj
	// holds: under profile the likelihood chose it.
	nstar := p0[0]
	obj.eval = func(x, grad []float64) float64 {
		k.model(x, p)
		if !inDomain(p) {
			return math.NaN()
		}
		t, ok := evaluate(p)
		if !ok {
			return math.NaN()
		}
		v := t.value(p, g, profile)
		nstar = p[0]
		k.chain(p, g, grad)
		return v
	}
	// point fills p with the model point at x, evaluated last.
	point := func(x []float64) {
		obj.at(x)
		k.model(x, p)
		p[0] = nstar
	}
	check := func(x []float64, f float64) error {
		point(x)
		if p[0] > nstarLimit || (len(p) == 4 && p[3] > thetaLimit) {
			return errEscaped
		}
		if stop != nil {
			if stopped = stop(p, -f*obj.scale); stopped != nil {
				return errStopped
			}
		}
		return nil
	}
	x, err := minimize(ctx, obj, k.internal(p0), check, m)
	if errors.Is(err, errStopped) {
		return nil, 0, stopped, nil
	}
	if err != nil {
		return nil, 0, nil, err
	}
	point(x) // the point the optimiser stopped at: its value is cached
	if !inDomain(p) {
		return nil, 0, nil, errors.New("no finite likelihood reached")
	}
	return p, obj.ll, nil, nil
}

// fitPowerLaw maximises the power-law likelihood from q0 in the mode m, with
// n* held at q0.NStar when m.fixed, and values the optimum at m.acc. A run
// that stop stops returns the candidate stop gave.
func fitPowerLaw(ctx context.Context, cs *cascade, q0 normalized, m mode, stop stopFunc) (candidate, error) {
	p0 := []float64{q0.NStar, q0.Beta, q0.C, q0.Theta}
	p, ll, stopped, err := fitKernel(ctx, cs, powerLawCoords, p0, m, cs.powerLawObjective(m.acc), stop)
	if stopped != nil {
		return *stopped, nil
	}
	if err != nil {
		return candidate{}, fmt.Errorf("power law: %w", err)
	}
	q := normalized{p[0], p[1], p[2], p[3]}
	if q.Theta > thetaLimit {
		// The fit ran to the exponential limit; report it as that limit.
		e := exponential{NStar: q.NStar, Beta: q.Beta, Rate: q.Theta / q.C}
		return candidate{exp: true, e: e, ll: cs.exactExponential(e, nil), nstar: e.NStar}, nil
	}
	// ll is cs.powerLaw(q, m.acc, nil): the search's fast likelihood is
	// finite at the optimum it reached.
	return candidate{q: q, ll: ll, nstar: q.NStar}, nil
}

// powerLawObjective returns the power law's likelihood at the accuracy acc
// as fitKernel takes it: the terms at the model point p. Every fit but an
// exact one treats the points the fast likelihood does not cover as outside
// the domain (false). They are trial
// points of line searches heading for a limit: theta beyond fastMaxTheta,
// far past thetaLimit, or c below ~1e-8 s. The exact O(n^2) fallback there
// cost a tenth of all the fitting time on seismic_subset in the search, for
// a few hundred points out of a million, and in the polish of the
// subcritical candidates of supercritical fits (runs off to theta, c -> 0)
// 132 evaluations took 11 of the 73 s spent in evaluations at 3600 s
// (each timed, docs/MEASUREMENTS.md); backing off
// instead only shortens the step, and the run escapes or converges all the
// same (docs/MEASUREMENTS.md: every fit of seismic_subset the same). Under
// Options.Exact the polish evaluates exactly everywhere.
func (cs *cascade) powerLawObjective(acc accuracy) func(p []float64) (terms, bool) {
	return func(p []float64) (terms, bool) {
		q := normalized{p[0], p[1], p[2], p[3]}
		if acc == exact {
			return cs.exactTerms(q), true
		}
		return cs.fastTerms(q, acc)
	}
}

// fitExponential maximises the likelihood of the exponential limit from e0
// in the mode m, with n* held at e0.NStar when m.fixed. A run that stop
// stops returns the candidate stop gave.
func fitExponential(ctx context.Context, cs *cascade, e0 exponential, m mode, stop stopFunc) (candidate, error) {
	p0 := []float64{e0.NStar, e0.Beta, e0.Rate}
	p, ll, stopped, err := fitKernel(ctx, cs, exponentialCoords, p0, m, func(p []float64) (terms, bool) {
		return cs.exponentialTerms(exponential{p[0], p[1], p[2]}), true
	}, stop)
	if stopped != nil {
		return *stopped, nil
	}
	if err != nil {
		return candidate{}, fmt.Errorf("exponential limit: %w", err)
	}
	e := exponential{p[0], p[1], p[2]}
	return candidate{exp: true, e: e, ll: ll, nstar: e.NStar}, nil
}

// stopFunc is asked, at every major iteration of a run of the search, with
// the model point p and its log-likelihood ll; a candidate it returns ends
// the run as that candidate (see fitStarts).
type stopFunc func(p []float64, ll float64) *candidate
