package fit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

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
	tight = tolerance{grad: 1e-9, accept: 1e-6}
)

const (
	maxIter  = 2000
	maxEvals = 10000
	// nearTol: loose optima within this relative distance of the best are
	// polished.
	nearTol = 1e-3
	// agreeTol is the relative difference of log-likelihood within which two
	// starts are counted as having reached the same optimum.
	agreeTol = 1e-7
	// thetaLimit: a power-law fit that runs past this theta is heading for
	// the exponential limit (theta, c -> inf at fixed theta/c) and is
	// stopped there and reported as that limit, whose log-kernel differs
	// from it by about ((rate tau)^2/2 - rate tau)/theta. The fast
	// likelihood resolves theta up to fastMaxTheta, far enough beyond this
	// to cover the line search's trial points.
	thetaLimit = 1000
	// nstarLimit: a fit whose n* exceeds this is running off to n* -> inf
	// and is stopped there; it is supercritical whatever the rest.
	nstarLimit = 100
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
	exp   bool // exponential limit rather than power law
	q     normalized
	e     exponential
	ll    float64
	nstar float64
}

// Fit fits the marked Hawkes model by maximum likelihood to the events of
// one cascade observed in [0, T]. times must be non-decreasing with
// times[0] = 0 the original tweet, and len(mags) == len(times); only events
// with times[i] <= T are used. The returned error is non-nil only when ctx is
// done; a cascade the model cannot fit gets StatusFailed and a Reason.
//
// The power law is fitted by BFGS with the analytic gradient from
// Options.Starts seeded starting points (see drawStarts), in coordinates
// where every constraint holds by construction and n* is free to exceed 1
// (see coords). Its limit as c and theta grow with theta/c fixed, the
// exponential kernel, is fitted from as many starts. Every start runs to a
// loose tolerance; the near-best optima of each kernel are then polished to
// a tight one. The best optimum decides the status: a power-law optimum with
// n* < 1 is StatusOK; an exponential one that is at least as good as every
// power-law optimum is StatusUnbounded; n* >= 1 is StatusSupercritical,
// after a fit on the boundary n* = 1 (from the same starts) shows it
// to be above every subcritical optimum found, and that boundary fit's
// parameters are reported. A start that runs past theta = thetaLimit or
// n* = nstarLimit is stopped there as having reached that limit.
func Fit(ctx context.Context, times, mags []float64, T float64, opts Options) (Result, error) {
	opts = opts.withDefaults()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	cs := newCascade(times, mags, T)
	cs.exact = opts.Exact
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
	best, err := polish(ctx, cs, free.cands, false)
	if err != nil {
		return Result{}, err
	}
	final := choose(best)
	res.Converged = free.converged
	if final == nil {
		res.Status = StatusFailed
		res.Reason = fmt.Sprintf("no starting point converged: %v", free.firstErr)
		return res, nil
	}
	pool := best
	supercritical := final.nstar >= 1
	if supercritical {
		// The maximiser is supercritical. The supremum over n* < 1 is
		// either on the boundary n* = 1 or a subcritical local maximum
		// that some start found; fit the boundary and compare.
		var sub []candidate
		for _, c := range best {
			if c.nstar < 1 {
				sub = append(sub, c)
			}
		}
		bstarts := append([]normalized(nil), starts...)
		for i := range bstarts {
			bstarts[i].NStar = 1
		}
		bnd, err := fitStarts(ctx, cs, bstarts, true)
		if err != nil {
			return Result{}, err
		}
		subPolished, err := polish(ctx, cs, sub, false)
		if err != nil {
			return Result{}, err
		}
		// Polishing may carry a loose subcritical point across n* = 1:
		// it was then no subcritical optimum.
		subPolished = slices.DeleteFunc(subPolished, func(c candidate) bool { return c.nstar >= 1 })
		bndPolished, err := polish(ctx, cs, bnd.cands, true)
		if err != nil {
			return Result{}, err
		}
		subBest, bndBest := choose(subPolished), choose(bndPolished)
		switch {
		case subBest != nil && (bndBest == nil || subBest.ll >= bndBest.ll):
			final, pool, supercritical = subBest, subPolished, false
		case bndBest != nil:
			final, pool = bndBest, bndPolished
			top := choose(best)
			res.Reason = fmt.Sprintf("with n* free the best fit reaches n* = %.6g >= 1 (log-likelihood %.10g): the supremum over n* < 1 lies at n* -> 1; parameters are those of the fit on that boundary", top.nstar, top.ll)
		default:
			res.Reason = fmt.Sprintf("with n* free the best fit reaches n* = %.6g >= 1, and the fit on the boundary n* = 1 did not converge: %v", final.nstar, bnd.firstErr)
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
		res.LogKappa = final.q.logKappa()
		res.Rate = final.q.Theta / final.q.C
		res.A1 = cs.a1PowerLaw(final.q)
		if math.IsInf(res.Kappa, 1) {
			// kappa = n* theta c^theta / E[m^beta] overflows when
			// theta log c > ~700, which happens near the exponential
			// limit: the fit stands, only kappa is not representable.
			res.Kappa = 0
			res.Reason = fmt.Sprintf("kappa = e^%.6g exceeds the float64 range (reported as log_kappa)", res.LogKappa)
		}
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

// polish refits to the tight tolerance, from where the loose search left
// them, the candidates of cands whose log-likelihood is within nearTol of the
// best of their kernel, and returns cands with those replaced (a candidate
// whose polish fails or does worse is kept, valued with the likelihood of
// the polish rather than the loose search's rough one). Polishing every
// near-best start, not only the best, lets Agreed count the starts that
// truly reach the same optimum. The error is non-nil only when ctx is done.
func polish(ctx context.Context, cs *cascade, cands []candidate, fixed bool) ([]candidate, error) {
	out := append([]candidate(nil), cands...)
	for _, exp := range []bool{false, true} {
		best := choose(onlyKernel(cands, exp))
		if best == nil {
			continue
		}
		bar := best.ll - nearTol*math.Max(1, math.Abs(best.ll))
		for i, c := range cands {
			if c.exp != exp || c.ll < bar {
				continue
			}
			var p candidate
			var err error
			if c.exp {
				p, err = fitExponential(ctx, cs, c.e, fixed, tight)
			} else {
				p, err = fitPowerLaw(ctx, cs, c.q, fixed, tight)
				// The loose search valued c at rough accuracy:
				// compare, and keep, its value with the likelihood
				// of the polish.
				c.ll = cs.powerLaw(c.q, nil)
				out[i] = c
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if err == nil && p.ll >= c.ll {
				out[i] = p
			}
		}
	}
	return out, nil
}

// fitStarts fits the power law and its exponential limit from every start to
// the loose tolerance. The error is non-nil only when ctx is done.
func fitStarts(ctx context.Context, cs *cascade, starts []normalized, fixed bool) (startResults, error) {
	// The loose search uses the fast likelihood at rough accuracy, also
	// under Options.Exact: it only ranks the starts, and every reported
	// optimum is polished with the requested likelihood. The exact and the
	// fast fit then polish the same points.
	exact := cs.exact
	cs.acc, cs.exact = &rough, false
	defer func() { cs.acc, cs.exact = nil, exact }()
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
		if err := keep(fitPowerLaw(ctx, cs, q, fixed, loose)); err != nil {
			return out, err
		}
		e := exponential{NStar: q.NStar, Beta: q.Beta, Rate: q.Theta / q.C}
		if err := keep(fitExponential(ctx, cs, e, fixed, loose)); err != nil {
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
// limit of the family (see recorder). A polish (tol tight) tries Newton's
// method first and runs BFGS only from where that stopped short.
func minimize(ctx context.Context, obj *objective, x0 []float64, escaped func([]float64) bool, tol tolerance) ([]float64, error) {
	if tol == tight {
		// A polish: Newton's method from the loose optimum, else BFGS
		// from where it stopped (see newton).
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
		Recorder:          recorder{ctx, escaped},
	}
	r, err := optimize.Minimize(obj.problem(), x0, settings, &optimize.BFGS{})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if r == nil {
		return nil, err
	}
	if errors.Is(err, errEscaped) {
		return r.X, nil
	}
	obj.at(r.X)
	gnorm := floats.Norm(obj.g, math.Inf(1))
	if math.IsInf(obj.f, 0) {
		return nil, fmt.Errorf("%w: no finite likelihood reached", errNotConverged)
	}
	switch r.Status {
	case optimize.GradientThreshold, optimize.FunctionConvergence:
		return r.X, nil
	}
	if gnorm < tol.accept {
		return r.X, nil
	}
	if err == nil {
		err = fmt.Errorf("status %v", r.Status)
	}
	return nil, fmt.Errorf("%w: %v (gradient %.3g)", errNotConverged, err, gnorm)
}

// coords maps a kernel's model parameters p = (n*, beta, t_1, ..., t_m),
// with time parameters t = (c, theta) for the power law and t = (rate) for
// the exponential limit, to the optimiser's unconstrained coordinates
//
//	x = (log A, logit(beta/(Alpha-1)), log t_1, ..., log t_m),
//
// where A is the kernel's amplitude at lag 0 per unit of m^beta: A =
// n*/E[m^beta] * theta/c for the power law, n*/E[m^beta] * rate for the
// exponential, so that log n* = log A + log E[m^beta] + sum_i a_i log t_i
// with a = (1, -1) and (-1). Every constraint of the model holds by
// construction, and n* is free to exceed 1 so that a supercritical maximum
// is recognised rather than approached forever. A is the natural scale:
// each way a fit runs off to a limit of the family (beta -> Alpha-1 where
// E[m^beta] diverges, theta -> 0, or c and theta -> inf together) moves one
// direction of x while A stays put, whereas in log n* these are curved
// valleys that take the optimiser hundreds of steps. When n* is held fixed
// (the fit on the boundary n* = 1), x is (logit(beta/(Alpha-1)), log t...).
type coords struct {
	a     []float64
	fixed bool
	nstar float64 // the value n* is held at when fixed
}

var (
	powerLawCoords    = []float64{1, -1}
	exponentialCoords = []float64{-1}
)

// model fills p from x.
func (k coords) model(x, p []float64) {
	off := 0
	if !k.fixed {
		off = 1
	}
	beta := (Alpha - 1) * logistic(x[off])
	logE, _ := meanMarkLog(beta)
	logn := logE
	if k.fixed {
		logn = math.Log(k.nstar)
	} else {
		logn += x[0]
	}
	p[1] = beta
	for i, ai := range k.a {
		p[2+i] = math.Exp(x[off+1+i])
		if !k.fixed {
			logn += ai * x[off+1+i]
		}
	}
	p[0] = math.Exp(logn)
}

// internal returns x for p (n* is ignored when fixed).
func (k coords) internal(p []float64) []float64 {
	logE, _ := meanMarkLog(p[1])
	var x []float64
	if !k.fixed {
		logA := math.Log(p[0]) - logE
		for i, ai := range k.a {
			logA -= ai * math.Log(p[2+i])
		}
		x = append(x, logA)
	}
	x = append(x, logit(p[1]/(Alpha-1)))
	for i := range k.a {
		x = append(x, math.Log(p[2+i]))
	}
	return x
}

// chain turns the gradient g with respect to p into the gradient G with
// respect to x.
func (k coords) chain(p, g, G []float64) {
	s := p[1] / (Alpha - 1)
	dbeta := (Alpha - 1) * s * (1 - s)
	if k.fixed {
		G[0] = g[1] * dbeta
		for i := range k.a {
			G[1+i] = p[2+i] * g[2+i]
		}
		return
	}
	_, dlogE := meanMarkLog(p[1])
	gn := g[0] * p[0] // dL/dlog n*
	G[0] = gn
	G[1] = (g[1] + gn*dlogE) * dbeta
	for i, ai := range k.a {
		G[2+i] = p[2+i]*g[2+i] + ai*gn
	}
}

// inDomain reports whether every value is finite and positive and beta lies
// strictly inside (0, Alpha-1).
func inDomain(p []float64) bool {
	if !(p[1] > 0 && p[1] < Alpha-1) {
		return false
	}
	for i, v := range p {
		if i != 1 && (!(v > 0) || math.IsInf(v, 1)) {
			return false
		}
	}
	return true
}

// fitKernel maximises the likelihood ll of one kernel from the model point
// p0 in the coordinates k, and returns the model point reached. ll evaluates
// the log-likelihood at p and writes its gradient with respect to p into g.
func fitKernel(ctx context.Context, cs *cascade, k coords, p0 []float64, tol tolerance, ll func(p, g []float64) float64) ([]float64, error) {
	p := make([]float64, len(p0))
	g := make([]float64, len(p0))
	obj := &objective{scale: float64(cs.explained())}
	obj.eval = func(x, grad []float64) float64 {
		k.model(x, p)
		if !inDomain(p) {
			return math.NaN()
		}
		v := ll(p, g)
		k.chain(p, g, grad)
		return v
	}
	escaped := func(x []float64) bool {
		k.model(x, p)
		return p[0] > nstarLimit || (len(p) == 4 && p[3] > thetaLimit)
	}
	x, err := minimize(ctx, obj, k.internal(p0), escaped, tol)
	if err != nil {
		return nil, err
	}
	k.model(x, p)
	return p, nil
}

// fitPowerLaw maximises the power-law likelihood from q0, with n* held at
// q0.NStar when fixed.
func fitPowerLaw(ctx context.Context, cs *cascade, q0 normalized, fixed bool, tol tolerance) (candidate, error) {
	k := coords{a: powerLawCoords, fixed: fixed, nstar: q0.NStar}
	p0 := []float64{q0.NStar, q0.Beta, q0.C, q0.Theta}
	p, err := fitKernel(ctx, cs, k, p0, tol, func(p, g []float64) float64 {
		q := normalized{p[0], p[1], p[2], p[3]}
		if cs.acc == &rough {
			// The loose search treats the points the fast likelihood
			// does not cover as outside the domain. They are trial
			// points of line searches heading for a limit: theta beyond
			// fastMaxTheta, far past thetaLimit, or c below ~1e-8 s.
			// The exact O(n^2) fallback there cost a tenth of all the
			// fitting time on seismic_subset for a few hundred points
			// out of a million; backing off instead only shortens the
			// step, and the run escapes at the next iteration all the
			// same.
			if ll, ok := cs.fastPowerLaw(q, g); ok {
				return ll
			}
			return math.NaN()
		}
		return cs.powerLaw(q, g)
	})
	if err != nil {
		return candidate{}, fmt.Errorf("power law: %w", err)
	}
	q := normalized{p[0], p[1], p[2], p[3]}
	if q.Theta > thetaLimit {
		// The fit ran to the exponential limit; report it as that limit.
		e := exponential{NStar: q.NStar, Beta: q.Beta, Rate: q.Theta / q.C}
		return candidate{exp: true, e: e, ll: cs.exactExponential(e, nil), nstar: e.NStar}, nil
	}
	return candidate{q: q, ll: cs.powerLaw(q, nil), nstar: q.NStar}, nil
}

// fitExponential maximises the likelihood of the exponential limit from e0,
// with n* held at e0.NStar when fixed.
func fitExponential(ctx context.Context, cs *cascade, e0 exponential, fixed bool, tol tolerance) (candidate, error) {
	k := coords{a: exponentialCoords, fixed: fixed, nstar: e0.NStar}
	p0 := []float64{e0.NStar, e0.Beta, e0.Rate}
	p, err := fitKernel(ctx, cs, k, p0, tol, func(p, g []float64) float64 {
		return cs.exactExponential(exponential{p[0], p[1], p[2]}, g)
	})
	if err != nil {
		return candidate{}, fmt.Errorf("exponential limit: %w", err)
	}
	e := exponential{p[0], p[1], p[2]}
	return candidate{exp: true, e: e, ll: cs.exactExponential(e, nil), nstar: e.NStar}, nil
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
