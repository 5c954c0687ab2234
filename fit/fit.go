package fit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// DefaultStarts is the number of starting points tried when Options.Starts
// is zero.
const DefaultStarts = 8

// Convergence settings. The objective is minus the log-likelihood divided by
// the number of explained events, so they do not depend on the cascade's
// size. The likelihood of real cascades is very flat in n* (SPEC section 2):
// loose tolerances would leave the starting points scattered along it.
const (
	gradTol = 1e-9 // infinity norm of the gradient in the internal coordinates
	// acceptTol: a start whose line search cannot progress any further is
	// still accepted as converged if its gradient is this small, which
	// happens when the optimum is resolved to rounding.
	acceptTol = 1e-6
	maxIter   = 2000
	maxEvals  = 10000
	// agreeTol is the relative difference of log-likelihood within which two
	// starts are counted as having reached the same optimum.
	agreeTol = 1e-7
	// thetaLimit: a power-law fit that ends with theta above this has run
	// to the exponential limit, from which its log-kernel differs by
	// about ((rate tau)^2/2 - rate tau)/theta, at most 2e-4 over the 20
	// decay times that hold all but 2e-9 of its mass, and is reported as
	// that limit.
	thetaLimit = 1e6
	// nstarLimit: a fit whose n* exceeds this is running off to n* -> inf
	// and is stopped there; it is supercritical whatever the rest.
	nstarLimit = 1e3
	// limitTol: the exponential limit wins when its log-likelihood is no
	// worse than the best power-law fit by more than this (relative).
	limitTol = 1e-9
)

func (o Options) withDefaults() Options {
	if o.Starts <= 0 {
		o.Starts = DefaultStarts
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// candidate is one converged local optimum.
type candidate struct {
	exp    bool // exponential limit rather than power law
	q      normalized
	e      exponential
	ll     float64
	nstar  float64
	status optimize.Status
}

// Fit fits the marked Hawkes model by maximum likelihood to the events of
// one cascade observed in [0, T]. times must be non-decreasing with
// times[0] = 0 the original tweet, and len(mags) == len(times); only events
// with times[i] <= T are used. The returned error is non-nil only when ctx is
// done; a cascade the model cannot fit gets StatusFailed and a Reason.
//
// The power-law model is fitted from Options.Starts seeded starting points in
// the coordinates (log n*, logit(beta/(Alpha-1)), log c, log theta), with n*
// free to exceed 1, by BFGS with the analytic gradient. Its limit as c and
// theta grow with theta/c fixed, the exponential kernel, is fitted from as
// many starting points in (log n*, logit(beta/(Alpha-1)), log rate). The
// best optimum over both decides the status: a power-law optimum with
// n* < 1 is StatusOK; an exponential one that is at least as good as every
// power-law optimum is StatusUnbounded; n* >= 1 is StatusSupercritical.
func Fit(ctx context.Context, times, mags []float64, T float64, opts Options) (Result, error) {
	opts = opts.withDefaults()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	cs := newCascade(times, mags, T)
	res := Result{N: cs.n, Starts: opts.Starts}
	if cs.explained() == 0 {
		res.Status = StatusFailed
		switch {
		case cs.n == 0:
			res.Reason = "no event in the window"
		default:
			res.Reason = fmt.Sprintf("no event in the window after the original tweet's second (%d given events): the likelihood is maximised at n* -> 0", cs.n)
		}
		return res, nil
	}
	if g := cs.zeroIntensityGroup(); g > 0 {
		res.Status = StatusFailed
		res.Reason = fmt.Sprintf("the events at t = %g have only magnitude-0 events before them: their intensity is 0 for every parameter", cs.u[g])
		return res, nil
	}

	starts := drawStarts(opts)
	free, err := fitStarts(ctx, cs, starts, false)
	if err != nil {
		return Result{}, err
	}
	final := choose(free.cands)
	res.Converged = free.converged
	if final == nil {
		res.Status = StatusFailed
		res.Reason = fmt.Sprintf("no starting point converged: %v", free.firstErr)
		return res, nil
	}
	pool := free.cands
	supercritical := final.nstar >= 1
	if supercritical {
		// The maximiser is supercritical. The supremum over n* < 1 is
		// either on the boundary n* = 1 or a subcritical local maximum
		// that some start found; fit the boundary and compare.
		var sub []candidate
		for _, c := range free.cands {
			if c.nstar < 1 {
				sub = append(sub, c)
			}
		}
		bstarts := starts[:min(len(starts), boundaryStarts)]
		for i := range bstarts {
			bstarts[i].NStar = 1
		}
		bnd, err := fitStarts(ctx, cs, bstarts, true)
		if err != nil {
			return Result{}, err
		}
		subBest, bndBest := choose(sub), choose(bnd.cands)
		switch {
		case subBest != nil && (bndBest == nil || subBest.ll >= bndBest.ll):
			final, pool, supercritical = subBest, sub, false
		case bndBest != nil:
			final, pool = bndBest, bnd.cands
			res.Reason = fmt.Sprintf("the maximum likelihood has n* = %.6g >= 1 (log-likelihood %.10g): the supremum over n* < 1 lies at n* -> 1; parameters are those of the fit on that boundary", free.best().nstar, free.best().ll)
		default:
			res.Reason = fmt.Sprintf("the maximum likelihood has n* = %.6g >= 1 and the fit on the boundary n* = 1 did not converge: %v", final.nstar, bnd.firstErr)
		}
	}
	res.LogLik = final.ll
	res.NStar = final.nstar
	res.Exponential = final.exp
	if final.exp {
		res.Beta = final.e.Beta
		res.Rate = final.e.Rate
		res.A1 = cs.a1Exponential(final.e)
	} else {
		res.Params = final.q.params()
		res.Rate = final.q.Theta / final.q.C
		res.A1 = cs.a1PowerLaw(final.q)
	}
	for _, c := range pool {
		if c.exp == final.exp && math.Abs(c.ll-final.ll) <= agreeTol*math.Max(1, math.Abs(final.ll)) {
			res.Agreed++
		}
	}
	switch {
	case supercritical:
		res.Status = StatusSupercritical
	case final.exp:
		res.Status = StatusUnbounded
		res.Reason = fmt.Sprintf("no finite maximiser: the likelihood rises towards the exponential kernel (c, theta -> inf with theta/c = %.6g/s)", res.Rate)
		if pl := choose(onlyKernel(pool, false)); pl != nil {
			res.Reason += fmt.Sprintf("; best power-law optimum %.10g at theta = %.4g", pl.ll, pl.q.Theta)
		}
		res.NHat = float64(cs.n) + res.A1/(1-res.NStar)
	default:
		res.Status = StatusOK
		res.NHat = float64(cs.n) + res.A1/(1-res.NStar)
	}
	if !res.finite() {
		bad := res
		res = Result{N: bad.N, Starts: bad.Starts, Converged: bad.Converged, Status: StatusFailed}
		res.Reason = fmt.Sprintf("non-finite optimum (%s: %+v n*=%g)", bad.Status, bad.Params, bad.NStar)
	}
	return res, nil
}

// boundaryStarts is the number of starting points of the fit on the boundary
// n* = 1, run only for supercritical cascades.
const boundaryStarts = 4

// drawStarts draws the seeded starting points: n* and beta/(Alpha-1)
// uniform in [0.05, 0.95], c log-uniform in [1, 1000] s, theta log-uniform in
// [0.05, 5].
func drawStarts(opts Options) []normalized {
	rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
	starts := make([]normalized, opts.Starts)
	for i := range starts {
		starts[i] = normalized{
			NStar: 0.05 + 0.9*rng.Float64(),
			Beta:  (0.05 + 0.9*rng.Float64()) * (Alpha - 1),
			C:     math.Exp(rng.Float64() * math.Log(1000)),
			Theta: math.Exp(math.Log(0.05) + rng.Float64()*math.Log(100)),
		}
	}
	return starts
}

type startResults struct {
	cands     []candidate
	converged int // power-law starts that converged
	firstErr  error
}

func (s *startResults) best() *candidate {
	var b *candidate
	for i := range s.cands {
		if b == nil || s.cands[i].ll > b.ll {
			b = &s.cands[i]
		}
	}
	return b
}

// fitStarts fits the power law and its exponential limit from every start.
// The error is non-nil only when ctx is done.
func fitStarts(ctx context.Context, cs *cascade, starts []normalized, fixed bool) (startResults, error) {
	var out startResults
	keep := func(c candidate, err error) error {
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			if out.firstErr == nil {
				out.firstErr = err
			}
			return nil
		}
		out.cands = append(out.cands, c)
		if !c.exp {
			out.converged++
		}
		return nil
	}
	for _, q := range starts {
		if err := keep(fitPowerLaw(ctx, cs, q, fixed)); err != nil {
			return out, err
		}
		e := exponential{NStar: q.NStar, Beta: q.Beta, Rate: q.Theta / q.C}
		if err := keep(fitExponential(ctx, cs, e, fixed)); err != nil {
			return out, err
		}
	}
	return out, nil
}

func onlyKernel(cands []candidate, exp bool) []candidate {
	var out []candidate
	for _, c := range cands {
		if c.exp == exp {
			out = append(out, c)
		}
	}
	return out
}

// choose returns the best candidate, preferring the exponential limit when
// it is at least as good as every power-law optimum (the power-law fit then
// only approaches it), or nil if there is none.
func choose(cands []candidate) *candidate {
	var pl, ex *candidate
	for i := range cands {
		c := &cands[i]
		switch {
		case c.exp && (ex == nil || c.ll > ex.ll):
			ex = c
		case !c.exp && (pl == nil || c.ll > pl.ll):
			pl = c
		}
	}
	if ex != nil && (pl == nil || ex.ll >= pl.ll-limitTol*math.Max(1, math.Abs(pl.ll))) {
		return ex
	}
	return pl
}

func (r *Result) finite() bool {
	for _, v := range []float64{r.Kappa, r.Beta, r.C, r.Theta, r.Rate, r.NStar, r.A1, r.NHat, r.LogLik} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// a1PowerLaw is A1 of SPEC section 3: D * sum_g M_g (1+(T-u_g)/c)^-theta.
func (cs *cascade) a1PowerLaw(q normalized) float64 {
	cs.marks(q.Beta)
	logE, _ := meanMarkLog(q.Beta)
	var s float64
	for g, ug := range cs.u {
		s += cs.M[g] * math.Exp(-q.Theta*math.Log1p((cs.T-ug)/q.C))
	}
	return math.Exp(math.Log(q.NStar)-logE) * s
}

// a1Exponential is A1 in the exponential limit: D * sum_g M_g e^{-rate(T-u_g)}.
func (cs *cascade) a1Exponential(e exponential) float64 {
	cs.marks(e.Beta)
	logE, _ := meanMarkLog(e.Beta)
	var s float64
	for g, ug := range cs.u {
		s += cs.M[g] * math.Exp(-e.Rate*(cs.T-ug))
	}
	return math.Exp(math.Log(e.NStar)-logE) * s
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
func logit(p float64) float64    { return math.Log(p / (1 - p)) }

// objective wraps a function computing the log-likelihood and its gradient
// in internal coordinates into an optimize.Problem minimising -L/scale, with
// the value and gradient computed together and cached for the last x.
type objective struct {
	eval  func(x, grad []float64) float64 // returns L, writes dL/dx
	scale float64
	x     []float64
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
// iteration reaches a point where escaped reports that the fit has run off
// to a limit of the family (n* -> inf, theta -> inf).
type recorder struct {
	ctx     context.Context
	escaped func(x []float64) bool
}

var errEscaped = errors.New("fit ran to a limit of the model family")

func (r recorder) Init() error { return r.ctx.Err() }
func (r recorder) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if op == optimize.MajorIteration && r.escaped != nil && r.escaped(loc.X) {
		return errEscaped
	}
	return nil
}

var errNotConverged = errors.New("optimiser did not converge")

// minimize runs BFGS from x0 and returns the optimum, accepting a line-search
// stall when the gradient is already negligible, and a run that escaped to a
// limit of the family (see recorder).
func minimize(ctx context.Context, obj *objective, x0 []float64, escaped func([]float64) bool) ([]float64, optimize.Status, error) {
	settings := &optimize.Settings{
		GradientThreshold: gradTol,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-15, Relative: 1e-15, Iterations: 20},
		MajorIterations:   maxIter,
		FuncEvaluations:   maxEvals,
		Recorder:          recorder{ctx, escaped},
	}
	r, err := optimize.Minimize(obj.problem(), x0, settings, &optimize.BFGS{})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, 0, ctxErr
	}
	if r == nil {
		return nil, 0, err
	}
	if errors.Is(err, errEscaped) {
		return r.X, r.Status, nil
	}
	obj.at(r.X)
	gnorm := floats.Norm(obj.g, math.Inf(1))
	if math.IsInf(obj.f, 0) {
		return nil, r.Status, fmt.Errorf("%w: no finite likelihood reached", errNotConverged)
	}
	switch r.Status {
	case optimize.GradientThreshold, optimize.FunctionConvergence:
		return r.X, r.Status, nil
	}
	if gnorm < acceptTol {
		return r.X, r.Status, nil
	}
	if err == nil {
		err = fmt.Errorf("status %v", r.Status)
	}
	return nil, r.Status, fmt.Errorf("%w: %v (gradient %.3g)", errNotConverged, err, gnorm)
}

// The internal coordinates of both kernels are
// (log n*, logit(beta/(Alpha-1)), log c, log theta) for the power law and
// (log n*, logit(beta/(Alpha-1)), log rate) for the exponential limit. Every
// constraint of the model holds by construction; n* is free to exceed 1 so
// that a supercritical maximum is recognised rather than approached forever.
// When n* is held fixed (the fit on the boundary n* = 1), the optimiser sees
// the coordinates after the first.

func toNormalized(x []float64) normalized {
	return normalized{
		NStar: math.Exp(x[0]),
		Beta:  (Alpha - 1) * logistic(x[1]),
		C:     math.Exp(x[2]),
		Theta: math.Exp(x[3]),
	}
}

func fromNormalized(q normalized) []float64 {
	return []float64{math.Log(q.NStar), logit(q.Beta / (Alpha - 1)), math.Log(q.C), math.Log(q.Theta)}
}

func toExponential(x []float64) exponential {
	return exponential{NStar: math.Exp(x[0]), Beta: (Alpha - 1) * logistic(x[1]), Rate: math.Exp(x[2])}
}

func fromExponential(e exponential) []float64 {
	return []float64{math.Log(e.NStar), logit(e.Beta / (Alpha - 1)), math.Log(e.Rate)}
}

// inDomain reports whether every value is finite and positive and beta lies
// strictly inside (0, Alpha-1).
func inDomain(beta float64, pos ...float64) bool {
	if !(beta > 0 && beta < Alpha-1) {
		return false
	}
	for _, v := range pos {
		if !(v > 0) || math.IsInf(v, 1) {
			return false
		}
	}
	return true
}

// fitKernel maximises the likelihood of one kernel from the internal point
// x0 (full coordinates, see above). With fixed true, x0[0] = log n* stays
// as given. ll evaluates the likelihood at full coordinates x and writes its
// gradient in the model's own parameters (n*, beta, then the time
// parameters) into g; scaleTime[i] converts the gradient of time parameter i
// to its log coordinate.
func fitKernel(ctx context.Context, cs *cascade, x0 []float64, fixed bool, ll func(x, g []float64) float64) ([]float64, optimize.Status, error) {
	full := make([]float64, len(x0))
	copy(full, x0)
	g := make([]float64, len(x0))
	off := 0
	if fixed {
		off = 1
	}
	obj := &objective{scale: float64(cs.explained())}
	obj.eval = func(x, grad []float64) float64 {
		copy(full[off:], x)
		v := ll(full, g)
		if math.IsNaN(v) {
			return v
		}
		// Chain rule to the log/logit coordinates.
		beta := (Alpha - 1) * logistic(full[1])
		s := beta / (Alpha - 1)
		g[0] *= math.Exp(full[0])
		g[1] *= (Alpha - 1) * s * (1 - s)
		for i := 2; i < len(full); i++ {
			g[i] *= math.Exp(full[i])
		}
		copy(grad, g[off:])
		return v
	}
	escaped := func(x []float64) bool {
		copy(full[off:], x)
		if full[0] > math.Log(nstarLimit) {
			return true
		}
		return len(full) == 4 && full[3] > math.Log(thetaLimit)
	}
	x, st, err := minimize(ctx, obj, x0[off:], escaped)
	if err != nil {
		return nil, st, err
	}
	copy(full[off:], x)
	return full, st, nil
}

// fitPowerLaw maximises the power-law likelihood from q0, with n* held at
// q0.NStar when fixed.
func fitPowerLaw(ctx context.Context, cs *cascade, q0 normalized, fixed bool) (candidate, error) {
	x, st, err := fitKernel(ctx, cs, fromNormalized(q0), fixed, func(x, g []float64) float64 {
		q := toNormalized(x)
		if !inDomain(q.Beta, q.NStar, q.C, q.Theta) {
			return math.NaN()
		}
		return cs.exactPowerLaw(q, g)
	})
	if err != nil {
		return candidate{}, fmt.Errorf("power law: %w", err)
	}
	q := toNormalized(x)
	if q.Theta > thetaLimit {
		// The fit ran to the exponential limit; report it as that limit.
		e := exponential{NStar: q.NStar, Beta: q.Beta, Rate: q.Theta / q.C}
		return candidate{exp: true, e: e, ll: cs.exactExponential(e, nil), nstar: e.NStar, status: st}, nil
	}
	return candidate{q: q, ll: cs.exactPowerLaw(q, nil), nstar: q.NStar, status: st}, nil
}

// fitExponential maximises the likelihood of the exponential limit from e0,
// with n* held at e0.NStar when fixed.
func fitExponential(ctx context.Context, cs *cascade, e0 exponential, fixed bool) (candidate, error) {
	x, st, err := fitKernel(ctx, cs, fromExponential(e0), fixed, func(x, g []float64) float64 {
		e := toExponential(x)
		if !inDomain(e.Beta, e.NStar, e.Rate) {
			return math.NaN()
		}
		return cs.exactExponential(e, g)
	})
	if err != nil {
		return candidate{}, fmt.Errorf("exponential limit: %w", err)
	}
	e := toExponential(x)
	return candidate{exp: true, e: e, ll: cs.exactExponential(e, nil), nstar: e.NStar, status: st}, nil
}

// zeroIntensityGroup returns 1 when every event at the first time has
// magnitude 0 and later events exist, else 0. Those first events are the only
// ones before the second distinct time, so its events have intensity 0
// whatever the parameters, and the likelihood is -Inf.
func (cs *cascade) zeroIntensityGroup() int {
	if len(cs.u) < 2 {
		return 0
	}
	for i := cs.first[0]; i < cs.first[1]; i++ {
		if !cs.zero[i] {
			return 0
		}
	}
	return 1
}
