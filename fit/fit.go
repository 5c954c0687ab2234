package fit

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Rules that compare optima and recognise the limits of the model family.
const (
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
// (see coords), with n* at its best for the rest of the point (the profile
// likelihood, see terms). Its limit as c and theta grow with theta/c fixed, the
// exponential kernel, is fitted from as many starts. Every start runs to a
// loose tolerance (the power law first at a coarse accuracy, and a run that
// comes near an optimum already found stops there: see fitStarts); the
// near-best optima of each kernel are then polished to a tight one. The best optimum decides the status: a power-law optimum with
// n* < 1 is StatusOK; an exponential one that is at least as good as every
// power-law optimum is StatusUnbounded; n* >= 1 is StatusSupercritical,
// after a fit on the boundary n* = 1 (from the same starts) shows it
// to be above every subcritical optimum found, and that boundary fit's
// parameters are reported. A start that runs past theta = thetaLimit or
// n* = nstarLimit is stopped there as having reached that limit; a run
// heading for the exponential limit is handed over to it earlier (see
// fitStarts).
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

	polishing := polishMode(opts.accuracy())
	starts := drawStarts(opts)
	free, err := fitStarts(ctx, cs, starts, searchMode)
	if err != nil {
		return Result{}, err
	}
	best, err := polish(ctx, cs, free.cands, polishing)
	if err != nil {
		return Result{}, err
	}
	final := choose(best)
	res.Converged = free.converged
	if final == nil {
		res.Evals = cs.evals
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
		bnd, err := fitStarts(ctx, cs, bstarts, searchMode.onBoundary())
		if err != nil {
			return Result{}, err
		}
		subPolished, err := polish(ctx, cs, sub, polishing)
		if err != nil {
			return Result{}, err
		}
		// Polishing may carry a loose subcritical point across n* = 1:
		// it was then no subcritical optimum.
		subPolished = slices.DeleteFunc(subPolished, func(c candidate) bool { return c.nstar >= 1 })
		bndPolished, err := polish(ctx, cs, bnd.cands, polishing.onBoundary())
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
		res.NHat = nHat(cs.n, res.A1, res.NStar)
	default:
		res.Status = StatusOK
		res.NHat = nHat(cs.n, res.A1, res.NStar)
	}
	res.Evals = cs.evals
	if !res.finite() {
		bad := res
		res = Result{N: bad.N, Starts: bad.Starts, Converged: bad.Converged, Evals: bad.Evals, Status: StatusFailed}
		res.Reason = fmt.Sprintf("non-finite optimum (%s: %+v n*=%g)", bad.Status, bad.Params, bad.NStar)
	}
	return res, nil
}

type startResults struct {
	cands  []candidate
	handed int // power-law runs handed over to the exponential limit
	joined int // runs stopped near an optimum already found
	// pathJoined: of joined, the runs stopped near a point of an earlier
	// run's path
	pathJoined int
	converged  int // power-law starts that converged
	firstErr   error
}

// polish refits in the mode m (a polishMode), from where the loose search
// left them, the candidates of cands whose log-likelihood is within nearTol
// of the best of their kernel, and returns cands with those replaced (a
// candidate whose polish fails or does worse is kept, valued at the polish's
// accuracy rather than the loose search's rough one). Polishing every
// near-best start, not only the best, lets Agreed count the starts that
// truly reach the same optimum; a start whose loose optimum is the same as
// an earlier one's (sameLoose) is given that one's polished optimum rather
// than polished again, which would only repeat the work. The error is
// non-nil only when ctx is done.
func polish(ctx context.Context, cs *cascade, cands []candidate, m mode) ([]candidate, error) {
	out := append([]candidate(nil), cands...)
	for _, exp := range []bool{false, true} {
		best := choose(onlyKernel(cands, exp))
		if best == nil {
			continue
		}
		bar := best.ll - nearTol*math.Max(1, math.Abs(best.ll))
		var done []int // indices of the candidates polished so far
	next:
		for i, c := range cands {
			if c.exp != exp || c.ll < bar {
				continue
			}
			for _, j := range done {
				if sameLoose(c, cands[j]) {
					out[i] = out[j]
					continue next
				}
			}
			done = append(done, i)
			var p candidate
			var err error
			if c.exp {
				p, err = fitExponential(ctx, cs, c.e, m, nil)
			} else {
				p, err = fitPowerLaw(ctx, cs, c.q, m, nil)
				// The loose search valued c at rough accuracy:
				// compare, and keep, its value at the accuracy of
				// the polish.
				c.ll = cs.powerLaw(c.q, m.acc, nil)
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

// sameLooseTol is the relative distance in every parameter (n*, beta and
// c, theta or rate) within which sameLoose takes two loose optima of equal
// log-likelihood for one. Starts that converge to one optimum at the loose
// tolerance land this close in all but the flattest directions; where they
// land farther apart both are polished, as before.
const sameLooseTol = 1e-4

// sameLoose reports whether the loose optima a and b are the same: the same
// kernel, log-likelihoods within agreeTol/100 (relative; at the loose
// optimum a step of the loose gradient tolerance moves it by far less) and
// every parameter within sameLooseTol relative.
func sameLoose(a, b candidate) bool {
	if a.exp != b.exp || math.Abs(a.ll-b.ll) > agreeTol/100*math.Max(1, math.Abs(a.ll)) {
		return false
	}
	var x, y []float64
	if a.exp {
		x = []float64{a.e.NStar, a.e.Beta, a.e.Rate}
		y = []float64{b.e.NStar, b.e.Beta, b.e.Rate}
	} else {
		x = []float64{a.q.NStar, a.q.Beta, a.q.C, a.q.Theta}
		y = []float64{b.q.NStar, b.q.Beta, b.q.C, b.q.Theta}
	}
	for i := range x {
		if math.Abs(x[i]-y[i]) > sameLooseTol*math.Abs(y[i]) {
			return false
		}
	}
	return true
}

// fitStarts fits the power law and its exponential limit from every start in
// the mode m (searchMode). The error is non-nil only when ctx is done.
//
// Most power-law runs from the starts head for the exponential limit (on
// seismic_subset at 600 s, 2 958 of 4 036 ran past theta = thetaLimit) and
// spend a quarter of their evaluations beyond theta = 20, each step
// multiplying theta by 1.5 to 3. A run is handed over to the limit at a
// point past handOverTheta where the limit ((n*, beta, theta/c) of the
// exponential kernel) is better than the power law, the run has not yet
// done better than the best optimum of the limit, and nothing suggests a
// power-law optimum short of thetaLimit near that optimum (see
// limitBeaten): it then becomes a candidate of the exponential kernel at
// that point, as it would have at thetaLimit, and the polish of the
// exponential candidates takes it to its optimum. The exponential fit from each start runs first,
// so that the best optimum of the limit is known to the power-law runs.
//
// Each power-law run goes in two stages: at coarse accuracy to the
// tolerance coarseTol, then, if it reached a power-law optimum (neither
// handed over nor escaped to a limit), on from there at the accuracy of m
// to its tolerance. Most runs end in the limit, so most of the search's
// evaluations are coarse; the hand-over is decided on the value at the
// accuracy of m all the same (one evaluation more). A run of either kernel
// that comes near a point from which an earlier run reached its optimum is
// stopped and reported as that optimum (see joins).
func fitStarts(ctx context.Context, cs *cascade, starts []normalized, m mode) (startResults, error) {
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
	var bestExp *candidate // the best optimum of the limit so far
	beaten, checked := false, false
	// handOver decides at the rough accuracy of m: a run at coarse
	// accuracy (acc) has its point valued again at rough accuracy first.
	handOver := func(p []float64, ll float64, acc accuracy) *candidate {
		if p[3] <= handOverTheta || bestExp == nil {
			return nil
		}
		if !checked {
			beaten, checked = limitBeaten(cs, bestExp.e, bestExp.ll, m.acc), true
		}
		if beaten {
			return nil
		}
		if ll >= bestExp.ll {
			return nil // already better than every optimum of the limit
		}
		e := exponential{NStar: p[0], Beta: p[1], Rate: p[3] / p[2]}
		v := cs.exactExponential(e, nil)
		if !(v > ll) {
			return nil
		}
		if acc != m.acc {
			q := normalized{p[0], p[1], p[2], p[3]}
			r, ok := cs.fastPowerLaw(q, m.acc, nil)
			if !ok || r >= bestExp.ll || !(v > r) {
				return nil
			}
		}
		out.handed++
		return &candidate{exp: true, e: e, ll: v, nstar: e.NStar}
	}
	// The loose optima found so far, of each kernel, in the optimiser's
	// coordinates: a run that comes near one of them is stopped there
	// (see joins).
	var plSeen, expSeen []seen
	plCoords := coords{a: powerLawCoords, fixed: m.fixed}
	expCoords := coords{a: exponentialCoords, fixed: m.fixed}
	var coarseSeen []seen // the coarse stage's points, and the candidates they led to
	// The points the current power-law run passed through, at coarse
	// accuracy and at the accuracy of m (see pathJoins).
	var coarsePath, finishPath []seen
	// join returns the candidate of a point of known that the run at p, of
	// log-likelihood ll, has come near (see joins), and counts the join.
	join := func(known []seen, k coords, p []float64, ll float64) *candidate {
		c, path := joins(known, k, p, ll)
		if c != nil {
			out.joined++
			if path {
				out.pathJoined++
			}
		}
		return c
	}
	// stopRun returns the stop of a power-law run at accuracy acc: it
	// joins a point of *known, else hands the run over to the limit, else
	// adds its point to *path.
	stopRun := func(known *[]seen, acc accuracy, path *[]seen) stopFunc {
		return func(p []float64, ll float64) *candidate {
			if c := join(*known, plCoords, p, ll); c != nil {
				return c
			}
			c := handOver(p, ll, acc)
			if c == nil {
				*path = track(*path, plCoords, p, ll)
			}
			return c
		}
	}
	mc := m
	mc.acc, mc.tol = coarse, coarseTol
	stopPowerLaw := stopRun(&plSeen, m.acc, &finishPath)
	stopCoarse := stopRun(&coarseSeen, mc.acc, &coarsePath)
	// reached adds the points of the current run's paths to those of
	// their stage, as leading to the power-law candidate c.
	reached := func(c candidate) {
		coarseSeen = leadTo(coarseSeen, coarsePath, c)
		plSeen = leadTo(plSeen, finishPath, c)
	}
	// direct runs the power law from q at the accuracy of m alone.
	direct := func(q normalized) (candidate, error) {
		c, err := fitPowerLaw(ctx, cs, q, m, stopPowerLaw)
		if err == nil && !c.exp {
			reached(c)
		}
		return c, err
	}
	// runPowerLaw runs the power law from q: at coarse accuracy first, and
	// from a power-law optimum reached so at the accuracy of m.
	runPowerLaw := func(q normalized) (candidate, error) {
		coarsePath, finishPath = coarsePath[:0], finishPath[:0]
		if !useCoarse {
			return direct(q)
		}
		joined := out.joined
		c0, err := fitPowerLaw(ctx, cs, q, mc, stopCoarse)
		if ctx.Err() != nil {
			return c0, err
		}
		if err != nil {
			coarsePath = coarsePath[:0]
			return direct(q)
		}
		if c0.exp {
			return c0, nil
		}
		if out.joined > joined {
			reached(c0)
			return c0, nil
		}
		if c0.nstar > nstarLimit {
			// Escaped to n* -> inf: value it at the accuracy of m.
			c0.ll = cs.powerLaw(c0.q, m.acc, nil)
			return c0, nil
		}
		c, err := fitPowerLaw(ctx, cs, c0.q, m, stopPowerLaw)
		if err == nil && !c.exp {
			coarseSeen = addSeenAt(coarseSeen, plCoords, c0, c)
			reached(c)
		}
		return c, err
	}
	var expPath []seen // the points the current run of the limit passed through
	stopExp := func(p []float64, ll float64) *candidate {
		if c := join(expSeen, expCoords, p, ll); c != nil {
			return c
		}
		expPath = track(expPath, expCoords, p, ll)
		return nil
	}
	for _, q := range starts {
		e := exponential{NStar: q.NStar, Beta: q.Beta, Rate: q.Theta / q.C}
		expPath = expPath[:0]
		c, err := fitExponential(ctx, cs, e, m, stopExp)
		if err == nil && (bestExp == nil || c.ll > bestExp.ll) {
			bestExp, checked = &c, false
		}
		if err == nil {
			expSeen = addSeen(expSeen, expCoords, c)
			expSeen = leadTo(expSeen, expPath, c)
		}
		if err := keep(c, err); err != nil {
			return out, err
		}
		pc, err := runPowerLaw(q)
		if err == nil && !pc.exp {
			plSeen = addSeen(plSeen, plCoords, pc)
		}
		if err := keep(pc, err); err != nil {
			return out, err
		}
	}
	return out, nil
}

// A run of the search that comes near a loose optimum an earlier run
// reached, or near a point from which an earlier run went on to its
// optimum, is stopped there and reported as that optimum: within joinDist
// of it in every one of the optimiser's coordinates (logs of A, c, theta
// or rate, logit of beta), with a log-likelihood no lower than the point's
// by more than joinTol (relative). The run would have climbed on to that
// optimum, and the polish gives the two one polished optimum all the same
// (sameLoose), so only the rest of the run is saved. The points are the
// optima, the coarse stage's end points and, when pathJoins is set, every
// major iteration of the earlier runs that reached an optimum of the
// kernel (not those handed over to the limit or escaped to n* -> inf). On
// seismic_subset (with the coarse stage) 0.1 and 1e-5 took the power law's
// rates times distinct times at 3600 s to 7.62e9, 0.3 and 1e-4 to 6.91e9,
// 0.5 and 1e-3 to 6.30e9, every fit the same at 600 and 3600 s. With the
// paths (pathJoins), 0.5 and 1e-3 take it to 4.48e9; 1 and 1e-3 to 3.93e9,
// but RT1510's boundary fit at 21600 s came out 109 lower, and 2 and 1e-2
// lost nine supercritical fits at 3600 s (docs/MEASUREMENTS.md).
var (
	joinDist = 0.5
	joinTol  = 1e-3
)

// seen is a point a run reached, in the optimiser's coordinates, with its
// log-likelihood and the loose optimum c that the run reached from there.
type seen struct {
	x    []float64
	ll   float64
	c    candidate
	path bool // a point of a run's path (see pathJoins)
}

// pathJoins: the points a run of the search passed through on its way to
// an optimum are kept for joins as well as its end points. On
// seismic_subset at 3600 s this took the evaluations of the fits from
// 580 thousand to 384 thousand and the power law's rates times distinct
// times from 6.31e9 to 4.48e9, every fit the same at 600, 3600 and 21600 s
// (docs/MEASUREMENTS.md). A variable only so that a test can turn it off.
var pathJoins = true

func addSeen(s []seen, k coords, c candidate) []seen { return addSeenAt(s, k, c, c) }

// track returns path with the model point p, of log-likelihood ll, added
// in the coordinates k, when pathJoins is set.
func track(path []seen, k coords, p []float64, ll float64) []seen {
	if !pathJoins {
		return path
	}
	k.nstar = p[0]
	return append(path, seen{x: k.internal(p), ll: ll, path: true})
}

// leadTo returns s with the points of path added, each as leading to c.
func leadTo(s, path []seen, c candidate) []seen {
	for _, p := range path {
		p.c = c
		s = append(s, p)
	}
	return s
}

// addSeenAt adds the point of at, from which a run reached c.
func addSeenAt(s []seen, k coords, at, c candidate) []seen {
	var p []float64
	if at.exp {
		p = []float64{at.e.NStar, at.e.Beta, at.e.Rate}
	} else {
		p = []float64{at.q.NStar, at.q.Beta, at.q.C, at.q.Theta}
	}
	k.nstar = p[0]
	return append(s, seen{x: k.internal(p), ll: at.ll, c: c})
}

// joins returns the loose optimum of s that the run at the model point p,
// of log-likelihood ll, has come near (see joinDist), or nil, and whether
// the point it came near is one of a path (see pathJoins).
func joins(s []seen, k coords, p []float64, ll float64) (c *candidate, path bool) {
	if len(s) == 0 {
		return nil, false
	}
	k.nstar = p[0]
	x := k.internal(p)
next:
	for i := range s {
		o := &s[i]
		if ll < o.ll-joinTol*math.Max(1, math.Abs(o.ll)) {
			continue
		}
		for j := range x {
			if math.Abs(x[j]-o.x[j]) > joinDist {
				continue next
			}
		}
		c := o.c
		return &c, o.path
	}
	return nil, false
}

// useCoarse: the power-law runs of the search start at coarse accuracy
// (see fitStarts). On seismic_subset at 600 s this takes the rates times
// distinct times of the power law from 1.44e9 to 1.13e9 and changed no
// fit at 600 and 3600 s (docs/MEASUREMENTS.md). A variable only so that a
// test can turn it off.
var useCoarse = true

// handOverTheta: past this theta a run of the search that the limit beats
// is handed over to it (see fitStarts). On seismic_subset every fit stayed
// the same with 2, 5 and 20 at 600 and 3600 s; at 1, six supercritical fits
// at 3600 s became unbounded with log-likelihoods 4 to 17 lower. A variable
// only so that a test can turn the hand-over off.
var handOverTheta = 2.0

// limitTheta lists the theta at which limitBeaten compares the power law
// with the exponential limit.
var limitTheta = []float64{30, 60, 125, 250, 500, thetaLimit}

// limitBeaten reports whether the power law at accuracy acc, with the n*,
// beta and rate theta/c of the exponential optimum e (of log-likelihood ll),
// does at least as well as e at some theta of limitTheta: a sign that a
// power-law optimum may lie short of thetaLimit near the limit's optimum,
// and runs are then not handed over. (On seismic_subset at 600 s, RT1933's
// power-law optimum lies at theta about 770, 7e-5 above the limit's; a run
// that reached it had passed theta = 100 with the limit better than the
// power law at its point, and was lost when handed over there.)
func limitBeaten(cs *cascade, e exponential, ll float64, acc accuracy) bool {
	for _, th := range limitTheta {
		q := normalized{NStar: e.NStar, Beta: e.Beta, C: th / e.Rate, Theta: th}
		if v, ok := cs.fastPowerLaw(q, acc, nil); ok && v >= ll {
			return true
		}
	}
	return false
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
