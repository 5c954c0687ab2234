package fit

import "math"

// The fast likelihood writes the power-law memory as a Laplace transform,
//
//	theta c^theta (c+tau)^-(1+theta)
//	    = theta c^theta / Gamma(1+theta) * int_0^inf s^theta e^-(c+tau)s ds,
//
// and discretises the integral with the trapezoid rule in v = log s on a
// fixed grid s_k = exp(k*fineStep). The kernel becomes a sum of exponentials
// sum_k W_k exp(-s_k tau) whose rates do not depend on the parameters: only
// the weights W_k = h theta s_k z_k^theta e^-z_k / Gamma(1+theta), with
// z_k = c s_k, do. For each rate the sums over past events follow the
// exponential-kernel recursion S_k(j) = e^-(s_k (u_j - u_{j-1})) (S_k(j-1) +
// M_{j-1}), so one evaluation costs O(n K) for K active rates instead of
// O(n^2), and the decay factors are computed once per cascade and rate.
//
// Accuracy. In v the integrand e^((1+theta)v - (c+tau)e^v) is analytic, and
// on the line Im v = y it grows by at most (cos y)^-(1+theta) over its peak,
// so the trapezoid rule with step h errs by about
// exp(-2 pi y/h - (1+theta) log cos y) for any 0 < y < pi/2 (the classical
// bound for analytic integrands). fastRange picks, at each evaluation, the
// coarsest step among fineStep times a power of two whose bound, minimised
// over y, is below the accuracy's e^bound: for the precise accuracy about
// 0.28 for small theta, shrinking like 0.8/sqrt(theta) for large theta where
// the integrand is a narrow bump.
// Every coarser grid is a subset of the finer ones, so the decay factors are
// shared. The rates kept run from where the left tail, ((c+span) s)^(1+theta),
// drops below e^tail of the integral, to where the weights fall below
// e^peak of their peak (see quadrature). The lowest of them, where s_k
// times the largest lag is small, are summed through a few Taylor moments
// instead of a recursion each (taylor.go). Parameters outside the range the grid covers
// (theta above fastMaxTheta, or c so small or large that the rates leave the
// grid) are evaluated exactly.
const (
	// maxStride is the number of fine steps in the coarsest step (a power
	// of two).
	maxStride = 128
	fineStep  = 0.56 / maxStride
	// coarseStride is the coarsest step of the coarse accuracy, twice the
	// others' (1.12 in log s).
	coarseStride = 2 * maxStride
	// fastMaxTheta: above it even the fine step would be too coarse
	// (quadratureBound(fineStep, 4e4) is about -25).
	fastMaxTheta = 4e4
	// The grid spans s in [e^(fineMin*fineStep), e^(fineMax*fineStep)],
	// about 1e-25 to 1e8 per second.
	fineMin = -13166 // floor(-57.6/fineStep)
	fineMax = 4206   // ceil(18.4/fineStep)
)

// FastAccuracy bounds the error of the fast likelihood, the O(n) Laplace
// representation by which a fit evaluates the power law unless
// Options.Exact is set. Against the exact double sum, its log-likelihood errs
// by at most FastAccuracy relative, and each component of its gradient with
// respect to (n*, beta, c, theta) by at most FastAccuracy of the scale of
// that component's terms (the sum of their magnitudes: a gradient is near
// zero at an optimum, so its own size is no yardstick). The log-likelihood
// a fit reports is thus within FastAccuracy of the exact one at the reported
// parameters. The worst errors measured over all of seismic_subset are about
// half of it (docs/MEASUREMENTS.md, "Accuracy of the fast likelihood");
// TestFastMatchesExactOnRealCascades and TestFastMatchesExactOverDays
// enforce it.
const FastAccuracy = 1e-8

// roughError bounds the errors of the rough accuracy, the same way as
// FastAccuracy but relative to the terms' scale for the log-likelihood too
// (its terms can cancel). TestFastMatchesExactOnRealCascades enforces it.
const roughError = 1e-4

// accuracy says how a power-law log-likelihood is evaluated: by the fast
// likelihood at one of two accuracies, or exactly. Every evaluation is given
// its accuracy by its caller (see mode).
type accuracy int

const (
	// rough is good to roughError and uses about half the rates; it is
	// used only by the search from the starting points (after coarse),
	// whose optima are then polished at another accuracy.
	rough accuracy = iota
	// precise is good to FastAccuracy, the accuracy of every reported
	// likelihood. Where the grid does not reach, the likelihood is
	// evaluated exactly.
	precise
	// exact is the O(U^2) double sum (Options.Exact), the reference.
	exact
	// coarse, with a quadrature bound of e^-5 and steps up to
	// coarseStride, costs about 0.55 of a rough evaluation (counted in
	// rates times distinct times on seismic_subset at 600 s); no error
	// bound is enforced: the search's runs use it only to come near their
	// optimum and finish at rough accuracy (see fitStarts).
	coarse
)

// searching reports whether acc is an accuracy of the search (coarse or
// rough), whose compensator comes from the rates and whose optima are
// polished at another accuracy.
func (acc accuracy) searching() bool { return acc == rough || acc == coarse }

// quadrature sets how finely the fast likelihood resolves the integral, as
// the logs of relative errors: bound for the trapezoid rule (see
// quadratureBound), tail for the left tail that is cut off, peak for the
// weights below which a rate is dropped.
type quadrature struct{ bound, tail, peak float64 }

// quadratures holds the settings of the fast likelihood's accuracies.
var quadratures = [...]quadrature{
	rough:   {bound: -10, tail: -10, peak: -14},
	precise: {bound: -20, tail: -25, peak: -30},
	coarse:  {bound: -5, tail: -5, peak: -8},
}

// quadratureBound returns the log of the trapezoid rule's error bound for
// step h and exponent 1+theta, minimised over the strip half-width y.
func quadratureBound(h, theta float64) float64 {
	a := 1 + theta
	y := math.Atan(2 * math.Pi / (h * a))
	return -2*math.Pi*y/h - a*math.Log(math.Cos(y))
}

// laplace holds a cascade's decay factors exp(-s_k * (u_j - u_{j-1})),
// computed on first use for each rate k of the fine grid, and the
// per-evaluation accumulators.
type laplace struct {
	cols [][]float64 // cols[k-fineMin][j-1], j = 1..U-1; nil until used
	// Accumulators over active rates, one entry per distinct time j >= 1,
	// side by side (one stream of memory for the loop over rates):
	// A = sum W S, Ac = sum W dlogW/dc S, At = sum W dlogW/dtheta S,
	// Ab = sum W Sb.
	acc [][4]float64
	// eT[k-fineMin] is exp(-s_k (T - u_{U-1})), set with cols[k-fineMin].
	eT []float64
	// Active rates of the current evaluation: fine index, rate, and the
	// weight with its c- and theta-derivatives.
	k []int
	s []float64
	w [][3]float64
}

func newLaplace(u int) *laplace {
	m := max(u-1, 0)
	return &laplace{
		cols: make([][]float64, fineMax-fineMin+1),
		acc:  make([][4]float64, m),
		eT:   make([]float64, fineMax-fineMin+1),
		k:    make([]int, fineMax-fineMin+1),
		s:    make([]float64, fineMax-fineMin+1),
		w:    make([][3]float64, fineMax-fineMin+1),
	}
}

// column returns the decay factors of fine rate k, computing them once.
func (cs *cascade) column(k int) []float64 {
	lp := cs.lap
	col := lp.cols[k-fineMin]
	if col == nil {
		// One exp per distinct gap (tens of them where times are whole
		// seconds), in cs.egap.
		s := math.Exp(float64(k) * fineStep)
		col = make([]float64, len(cs.u)-1)
		for q, d := range cs.gaps {
			cs.egap[q] = math.Exp(-s * d)
		}
		for j, q := range cs.gapOf {
			col[j] = cs.egap[q]
		}
		lp.cols[k-fineMin] = col
		lp.eT[k-fineMin] = math.Exp(-s * (cs.T - cs.u[len(cs.u)-1]))
	}
	return col
}

// fastRange returns the stride and the first and last fine indices of the
// rates used at (c, theta) at the accuracy acc (rough or precise), and
// ok = false when the grid cannot represent the kernel there to that
// accuracy.
func (cs *cascade) fastRange(c, theta float64, acc accuracy) (stride, k0, k1 int, ok bool) {
	if !(theta <= fastMaxTheta) || len(cs.u) < 2 {
		return 0, 0, 0, false
	}
	stride = maxStride
	if acc == coarse {
		stride = coarseStride
	}
	quad := quadratures[acc]
	// The gradient's components come out of differences that cancel when
	// c is large against the cascade's span (the kernel is then nearly
	// flat): d/dtheta log lambda is log(1+tau/c) from digamma(1+theta)
	// minus a quadrature mean of log(c s), and d/dc from theta/c minus one
	// of s, each about (c+span)/span times larger than the difference.
	// The precise accuracy asks that much more of the quadrature there,
	// so that the gradient keeps within FastAccuracy of its terms' scale.
	a := 1 + theta
	span := cs.u[len(cs.u)-1] - cs.u[0]
	bound := quad.bound
	if acc == precise {
		bound -= math.Log1p(c / span)
	}
	for stride > 1 && quadratureBound(float64(stride)*fineStep, theta) > bound {
		stride /= 2
	}
	// Both ends solve a (log x + 1 - x) = L, a = 1+theta, the log of
	// s^a e^(-b s) relative to its peak at s = a/b: on the left for the
	// integrand of the largest lag (b = c + span), on the right for the
	// weights themselves (b = c).
	if acc.searching() {
		// The rough compensator comes from the same rates (see
		// fastPowerLaw), for lags up to T.
		span = cs.T - cs.u[0]
	}
	vlo := math.Log(peakRatio(a, quad.tail, false) * a / (c + span))
	vhi := math.Log(peakRatio(a, quad.peak, true) * a / c)
	k0 = int(math.Floor(vlo/fineStep/float64(stride))) * stride
	k1 = int(math.Ceil(vhi/fineStep/float64(stride))) * stride
	if k0 < fineMin || k1 > fineMax || math.IsNaN(vlo) || math.IsNaN(vhi) {
		return 0, 0, 0, false
	}
	return stride, k0, k1, true
}

// peakRatio solves a (log x + 1 - x) = L (L < 0) for x > 1 when right is
// true, else for 0 < x < 1, by Newton's method on log x.
func peakRatio(a, L float64, right bool) float64 {
	// Start beyond the root: the function is concave in y = log x and
	// Newton's iterates then approach the root monotonically.
	y := -1 + L/a // left: a(y + 1 - e^y) <= a(y+1) = L
	if right {
		y = math.Log(2 - 2*L/a) // right: e^y - 1 - y >= e^y/2 - 1 >= -L/a
	}
	for i := 0; i < 100; i++ {
		ey := math.Exp(y)
		f := a*(y+1-ey) - L
		df := a * (1 - ey)
		step := f / df
		y -= step
		if math.Abs(step) < 1e-12*math.Max(1, math.Abs(y)) {
			break
		}
	}
	return math.Exp(y)
}

// fastPowerLaw evaluates the log-likelihood of the power-law model at q and
// its gradient with respect to (n*, beta, c, theta), like exactPowerLaw, in
// O(n K) through the Laplace representation, at the accuracy acc, which must
// be rough or precise. ok is false when q lies outside the range the grid
// covers; nothing is computed then.
func (cs *cascade) fastPowerLaw(q normalized, acc accuracy, grad []float64) (ll float64, ok bool) {
	t, ok := cs.fastTerms(q, acc)
	if !ok {
		return 0, false
	}
	return t.at(q.NStar, grad), true
}

// fastTerms is fastPowerLaw's evaluation split by its dependence on n*
// (terms), at the beta, c and theta of q.
func (cs *cascade) fastTerms(q normalized, acc accuracy) (t terms, ok bool) {
	beta, c, theta := q.Beta, q.C, q.Theta
	nodes, ok := cs.laplaceRates(c, theta, acc)
	if !ok {
		return t, false
	}
	cs.evals++
	lp := cs.lap
	cs.marks(beta)
	logE, dlogE := meanMarkLog(beta)

	sums := lp.acc
	// The lowest rates, where s_k times the largest lag is small, enter
	// through the Taylor moments (taylorSplit); the pass that sums them
	// also initialises the accumulators.
	split, tt := cs.taylorSplit(nodes, c, theta, acc)
	var tail taylorState
	if split > 0 {
		tail = cs.taylorPass(&tt, sums)
	} else {
		clear(sums)
	}
	// Two rates per pass over the events: the recursions of the two are
	// independent chains, which hides their latency, and the accumulators
	// are read and written once for both. (Four per pass is slower: the
	// sixteen live values no longer fit the registers.)
	// At rough accuracy the compensator comes from the same rates: its
	// 1 - (1+x/c)^-theta is the kernel's integral from 0 to x, which is
	// sum_k W_k/s_k (1 - e^{-s_k x}), so with E_k = sum_g M_g
	// e^{-s_k (T-u_g)}, the recursion's state carried on to T,
	// C = sum_k W_k/s_k (Mtot - E_k), and likewise with ML and with the
	// weights' derivatives. That saves a log and an exp per distinct time.
	// Mtot - E_k loses nothing that matters: its rounding error, eps Mtot,
	// carries the weight W_k/s_k, and those sum to 1.
	lapComp := acc.searching()
	last := len(cs.u) - 1
	mLast, mlLast := cs.MML[last][0], cs.MML[last][1]
	var comp [4]float64 // C, Cb, dC/dc, dC/dtheta
	addComp := func(i int, S, Sb float64) {
		e := lp.eT[lp.k[i]-fineMin]
		w, inv := lp.w[i], 1/lp.s[i]
		d := cs.Mtot - e*(S+mLast)
		db := cs.MLtot - e*(Sb+mlLast)
		comp[0] += w[0] * inv * d
		comp[1] += w[0] * inv * db
		comp[2] += w[1] * inv * d
		comp[3] += w[2] * inv * d
	}
	if lapComp && split > 0 {
		tc := cs.taylorCompensator(&tt, tail)
		for x := range comp {
			comp[x] += tc[x]
		}
	}
	i := split
	for ; i+1 < nodes; i += 2 {
		c1, c2 := cs.column(lp.k[i]), cs.column(lp.k[i+1])
		w1, w2 := lp.w[i], lp.w[i+1]
		c2 = c2[:len(c1)]
		sums := sums[:len(c1)]
		MML := cs.MML[:len(c1)]
		var S1, Sb1, S2, Sb2 float64
		for j, e1 := range c1 {
			e2 := c2[j]
			m, ml := MML[j][0], MML[j][1]
			S1 = e1 * (S1 + m)
			Sb1 = e1 * (Sb1 + ml)
			S2 = e2 * (S2 + m)
			Sb2 = e2 * (Sb2 + ml)
			a := &sums[j]
			a[0] += w1[0]*S1 + w2[0]*S2
			a[1] += w1[1]*S1 + w2[1]*S2
			a[2] += w1[2]*S1 + w2[2]*S2
			a[3] += w1[0]*Sb1 + w2[0]*Sb2
		}
		if lapComp {
			addComp(i, S1, Sb1)
			addComp(i+1, S2, Sb2)
		}
	}
	if i < nodes {
		col := cs.column(lp.k[i])
		w := lp.w[i]
		var S, Sb float64
		MML := cs.MML[:len(col)]
		for j, e := range col {
			S = e * (S + MML[j][0])
			Sb = e * (Sb + MML[j][1])
			a := &sums[j]
			a[0] += w[0] * S
			a[1] += w[1] * S
			a[2] += w[2] * S
			a[3] += w[0] * Sb
		}
		if lapComp {
			addComp(i, S, Sb)
		}
	}

	ne := float64(cs.explained())
	t = terms{ne: ne, logE: logE, dlogE: dlogE}
	gb := -ne * dlogE
	var gc, gt float64
	logs := newLogSum()
	// Group j+1's events run from lo[j] to hi[j] (slices of the loop's
	// length: no bounds checks).
	lo, hi := cs.first[1:][:len(sums)], cs.first[2:][:len(sums)]
	for j := range sums {
		a := &sums[j]
		if a[0] <= 0 {
			t.S = math.Inf(-1)
			return t, true
		}
		n := hi[j] - lo[j]
		if !logs.addOne(a[0], n) {
			logs.addAny(a[0], n)
		}
		r := float64(n) / a[0]
		gb += r * a[3]
		gc += r * a[1]
		gt += r * a[2]
	}
	t.S = logs.value()
	t.dS = [3]float64{gb, gc, gt}
	if lapComp {
		t.C, t.dC = comp[0], [3]float64{comp[1], comp[2], comp[3]}
	} else {
		t.C, t.dC = cs.compensatorTerms(c, theta)
	}
	return t, true
}
