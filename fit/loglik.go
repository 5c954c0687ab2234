package fit

import (
	"fmt"
	"math"
)

// cascade is a cascade's observed window prepared for repeated evaluation of
// the likelihood: events are grouped by distinct time, since events in the
// same second do not excite each other (SPEC section 2, ties).
type cascade struct {
	T float64
	// u holds the distinct event times in [0, T], ascending.
	u []float64
	// first[g]..first[g+1]-1 are the events of group g in logm/zero.
	first []int
	// logm is log m of every observed event; zero marks m = 0 (m^beta = 0).
	logm []float64
	zero []bool
	// n is the number of observed events; given is the number of them that
	// have no strictly earlier event (the original tweet and its ties),
	// whose log-intensity is left out of the likelihood.
	n, given int

	// Per-evaluation scratch, one entry per group: MML[g] holds
	// M = sum m^beta and ML = sum m^beta log m side by side (one stream of
	// memory for the fast likelihood's loop over rates), for
	// beta = markBeta (NaN: not computed yet).
	MML      [][2]float64
	markBeta float64
	// Mtot and MLtot are the sums of M and ML.
	Mtot, MLtot float64
	// lmag holds the distinct values of logm, magOf[i] the index of that of
	// event i (len(lmag) when m = 0) and pow the powers e^(beta lmag) with
	// their products by lmag, then (0, 0) for m = 0: real cascades repeat
	// follower counts (729k events but 282k distinct magnitudes per cascade
	// on seismic_subset at 3600 s), and marks, which runs at every
	// evaluation of the likelihood, then needs one exp per distinct
	// magnitude, and one look-up per event.
	lmag  []float64
	magOf []int32
	pow   [][2]float64

	// gaps are the distinct values of u[k]-u[k-1] and gapOf[k-1] the index
	// of that of group k: with whole-second times a cascade of thousands of
	// distinct times has only tens of distinct gaps, so the exponential
	// kernel needs one exp per distinct gap, kept in gapDecay beside the
	// gap, and so do the fast likelihood's decay factors of a new rate, in
	// egap (scratch, see column).
	gaps  []float64
	gapOf []int32
	egap  []float64
	// gapDecay holds the gaps and their decay factors at the exponential
	// limit's rate, side by side (scratch of exactExponential).
	gapDecay [][2]float64
	// gapPow[q][m] is gaps[q]^m/m!, for the Taylor tail of the fast
	// likelihood (taylor.go); nil until used.
	gapPow [][maxTaylor + 1]float64

	// lap holds the state of the fast likelihood (fast.go).
	lap *laplace
	// lags holds exactPowerLaw's kernel values per distinct lag, when the
	// distinct times are whole numbers (see lagKernel); nil until used.
	lags *lagTable

	// evals counts the evaluations of a likelihood (Result.Evals).
	evals int
}

// newCascade prepares the events with times[i] <= T. It panics if the slice
// lengths differ; times must be non-decreasing.
func newCascade(times, mags []float64, T float64) *cascade {
	if len(times) != len(mags) {
		panic(fmt.Sprintf("fit: %d times but %d magnitudes", len(times), len(mags)))
	}
	n := 0
	for n < len(times) && times[n] <= T {
		n++
	}
	cs := &cascade{T: T, n: n, logm: make([]float64, n), zero: make([]bool, n)}
	for i := 0; i < n; i++ {
		if i == 0 || times[i] != times[i-1] {
			cs.u = append(cs.u, times[i])
			cs.first = append(cs.first, i)
		}
		if mags[i] > 0 {
			cs.logm[i] = math.Log(mags[i])
		} else {
			cs.zero[i] = true
		}
	}
	cs.first = append(cs.first, n)
	if n > 0 {
		cs.given = cs.first[1]
	}
	cs.MML = make([][2]float64, len(cs.u))
	cs.markBeta = math.NaN()
	cs.magOf = make([]int32, n)
	mag := map[float64]int32{}
	for i, lm := range cs.logm {
		if cs.zero[i] {
			continue // set below
		}
		k, ok := mag[lm]
		if !ok {
			k = int32(len(cs.lmag))
			mag[lm] = k
			cs.lmag = append(cs.lmag, lm)
		}
		cs.magOf[i] = k
	}
	for i := range cs.magOf {
		if cs.zero[i] {
			cs.magOf[i] = int32(len(cs.lmag))
		}
	}
	cs.pow = make([][2]float64, len(cs.lmag)+1)
	index := map[float64]int32{}
	for k := 1; k < len(cs.u); k++ {
		d := cs.u[k] - cs.u[k-1]
		q, ok := index[d]
		if !ok {
			q = int32(len(cs.gaps))
			index[d] = q
			cs.gaps = append(cs.gaps, d)
		}
		cs.gapOf = append(cs.gapOf, q)
	}
	cs.egap = make([]float64, len(cs.gaps))
	cs.gapDecay = make([][2]float64, len(cs.gaps))
	cs.lap = newLaplace(len(cs.u))
	return cs
}

// explained returns the number of events whose log-intensity enters the
// likelihood.
func (cs *cascade) explained() int { return cs.n - cs.given }

// count returns the number of events in group g.
func (cs *cascade) count(g int) float64 { return float64(cs.first[g+1] - cs.first[g]) }

// marks fills M and ML for the given beta, unless they already hold it
// (a differenced Hessian keeps beta at all but two of its points).
func (cs *cascade) marks(beta float64) {
	if beta == cs.markBeta {
		return
	}
	expPowers(cs.pow, cs.lmag, beta)
	// One pass over the events in order, a group at a time: every group
	// has an event, and most (69 % of those of the first 60 cascades of
	// seismic_subset at 3600 s) only one, which then costs a look-up and
	// no loop of its own.
	var Mtot, MLtot float64
	MML := cs.MML
	first, magOf, all := cs.first[1:len(MML)+1], cs.magOf, cs.pow
	i := 0
	for g := range MML {
		w := &all[magOf[i]]
		s, sl := w[0], w[1]
		for i++; i < first[g]; i++ {
			w := &all[magOf[i]]
			s += w[0]
			sl += w[1]
		}
		MML[g] = [2]float64{s, sl}
		Mtot += s
		MLtot += sl
	}
	cs.Mtot, cs.MLtot = Mtot, MLtot
	cs.markBeta = beta
}

// exactPowerLaw evaluates the log-likelihood of the power-law model at q by
// the exact O(U^2) double sum over distinct times, and writes its gradient
// with respect to (n*, beta, c, theta) into grad when grad is not nil.
func (cs *cascade) exactPowerLaw(q normalized, grad []float64) float64 {
	t := cs.exactTerms(q)
	return t.at(q.NStar, grad)
}

// exactTerms is exactPowerLaw's evaluation split by its dependence on n*
// (terms), at the beta, c and theta of q.
func (cs *cascade) exactTerms(q normalized) terms {
	beta, c, theta := q.Beta, q.C, q.Theta
	cs.evals++
	cs.marks(beta)
	logE, dlogE := meanMarkLog(beta)

	// Sum over explained events of log lambda(t) =
	// log D + log(theta/c) + log S, S = sum_l M_l (1+tau/c)^-(1+theta).
	var logS, gb, gc, gt float64 // terms.S and terms.dS
	ne := float64(cs.explained())
	t := terms{ne: ne, lead: math.Log(theta / c), logE: logE, dlogE: dlogE}
	gb = -ne * dlogE
	gc = -ne / c
	gt = ne / theta
	u := cs.u
	kern := cs.lagKernel(c, theta)
	for k := 1; k < len(u); k++ {
		var S, Sb, Sc, St float64
		tk := u[k]
		for l := 0; l < k; l++ {
			tau := tk - u[l]
			var y, w float64
			if kern != nil {
				yw := kern[int(tau)]
				y, w = yw[0], yw[1]
			} else {
				y = math.Log1p(tau / c)
				w = math.Exp(-(1 + theta) * y)
			}
			S += cs.MML[l][0] * w
			Sb += cs.MML[l][1] * w
			Sc += cs.MML[l][0] * w * tau / (c + tau)
			St += cs.MML[l][0] * w * y
		}
		nk := cs.count(k)
		if S <= 0 {
			// Every earlier event has magnitude 0: the intensity is zero at
			// an event that happened, so the likelihood is -Inf.
			t.S = math.Inf(-1)
			return t
		}
		logS += nk * math.Log(S)
		gb += nk * Sb / S
		gc += nk * (1 + theta) / c * Sc / S
		gt -= nk * St / S
	}

	t.S, t.dS = logS, [3]float64{gb, gc, gt}
	t.C, t.dC = cs.compensatorTerms(c, theta)
	return t
}

// maxLagTable bounds the span of whole-number times for which
// exactPowerLaw looks its kernel up by lag (the table has span+1 entries).
const maxLagTable = 1 << 20

// lagTable holds, for cascades whose distinct times are whole numbers, the
// distinct lags u_k - u_l > 0 and, for the parameters of the last
// evaluation, y = log(1+tau/c) and w = e^(-(1+theta) y) at each, indexed by
// the lag.
type lagTable struct {
	lags     []int32      // the distinct lags, ascending
	kern     [][2]float64 // kern[tau] = (y, w), for the lags in lags
	c, theta float64      // the parameters kern holds (NaN: none yet)
}

// lagKernel returns, when the cascade's distinct times are whole numbers
// spanning at most maxLagTable, a table of y = log1p(tau/c) and
// w = e^(-(1+theta) y) indexed by the lag tau, else nil. The exact
// likelihood needs y and w at every pair of distinct times, a log and an
// exp each, O(U^2) of them; with whole-second times (the data sets') the
// lags take at most span+1 values, and at 3600 s a cascade of 1 836
// distinct times has 1.7 million pairs but at most 3 600 lags. Each entry
// is computed from the same tau as the pair loop would, so the sums come
// out bit for bit the same.
func (cs *cascade) lagKernel(c, theta float64) [][2]float64 {
	lt := cs.lags
	if lt == nil {
		lt = cs.newLagTable()
		cs.lags = lt
	}
	if lt.kern == nil {
		return nil
	}
	if c != lt.c || theta != lt.theta {
		for _, L := range lt.lags {
			tau := float64(L)
			y := math.Log1p(tau / c)
			lt.kern[L] = [2]float64{y, math.Exp(-(1 + theta) * y)}
		}
		lt.c, lt.theta = c, theta
	}
	return lt.kern
}

// newLagTable finds the distinct lags of the cascade, or returns an empty
// table (kern nil) when its times are not whole numbers or span too much.
func (cs *cascade) newLagTable() *lagTable {
	lt := &lagTable{c: math.NaN(), theta: math.NaN()}
	u := cs.u
	if len(u) < 2 {
		return lt
	}
	for _, t := range u {
		if t != math.Trunc(t) {
			return lt
		}
	}
	span := u[len(u)-1] - u[0]
	if !(span <= maxLagTable) {
		return lt
	}
	seen := make([]bool, int(span)+1)
	for k := 1; k < len(u); k++ {
		for l := 0; l < k; l++ {
			seen[int(u[k]-u[l])] = true
		}
	}
	for L, ok := range seen {
		if ok {
			lt.lags = append(lt.lags, int32(L))
		}
	}
	lt.kern = make([][2]float64, len(seen))
	return lt
}

// compensatorTerms returns the power-law compensator at D = 1 and its
// derivatives in (beta, c, theta), terms' C and dC, from compensator.
func (cs *cascade) compensatorTerms(c, theta float64) (float64, [3]float64) {
	C, Cb, Cc, Ct := cs.compensator(c, theta)
	return C, [3]float64{Cb, -theta / c * Cc, Ct}
}

// compensator returns, for the marks in cs.MML, the sums that make
// the power-law compensator D * C and its derivatives:
// C = sum_g M_g (1 - v_g) with v_g = (1+(T-u_g)/c)^-theta, Cb the same with
// ML_g, Cc = sum_g M_g v_g x_g/(1+x_g) with x_g = (T-u_g)/c, and
// Ct = sum_g M_g v_g log(1+x_g). It costs O(U).
func (cs *cascade) compensator(c, theta float64) (C, Cb, Cc, Ct float64) {
	for g, ug := range cs.u {
		x := (cs.T - ug) / c
		y := math.Log1p(x)
		v, omv := expAndOneMinus(-theta * y)
		C += cs.MML[g][0] * omv
		Cb += cs.MML[g][1] * omv
		Cc += cs.MML[g][0] * v * x / (1 + x) // d(1-v)/dc = -theta v x/(c(1+x))
		Ct += cs.MML[g][0] * v * y           // d(1-v)/dtheta = v y
	}
	return C, Cb, Cc, Ct
}

// cancelTol: a difference of sums of positive terms is used when it is at
// least this fraction of the sums, which bounds its relative rounding error
// by about 1/cancelTol times theirs.
const cancelTol = 0.01

// expAndOneMinus returns e^z and 1 - e^z for z <= 0, each to a rounding
// error or two, with one exponential: 1 - e^z from expm1 while e^z > 1/2
// (where the subtraction would cancel), e^z from exp below that. The
// power-law compensator needs both at every distinct time.
func expAndOneMinus(z float64) (v, omv float64) {
	if z > -math.Ln2 {
		em := math.Expm1(z)
		return 1 + em, -em
	}
	v = math.Exp(z)
	return v, 1 - v
}

// powerLaw evaluates the power-law log-likelihood and its gradient with
// respect to (n*, beta, c, theta) at the accuracy acc: by the fast Laplace
// representation unless acc is exact or q lies outside the range it covers,
// else exactly.
func (cs *cascade) powerLaw(q normalized, acc accuracy, grad []float64) float64 {
	if acc != exact {
		if ll, ok := cs.fastPowerLaw(q, acc, grad); ok {
			return ll
		}
	}
	return cs.exactPowerLaw(q, grad)
}

// LogLik returns the log-likelihood of SPEC section 2 of the events with
// times[i] <= T under the parameters p, evaluated exactly (O(n^2)). When grad
// is not nil it must have length 4 and receives the gradient with respect to
// (Kappa, Beta, C, Theta). times must be non-decreasing with times[0] the
// original tweet; events tied with the original tweet are treated as given.
// LogLik panics if p is outside the model's domain (Kappa, C, Theta > 0,
// 0 <= Beta < Alpha-1) or the slice lengths differ.
func LogLik(times, mags []float64, T float64, p Params, grad []float64) float64 {
	checkParams(p)
	if grad != nil && len(grad) != 4 {
		panic("fit: gradient must have length 4")
	}
	cs := newCascade(times, mags, T)
	q := p.normalized()
	if grad == nil {
		return cs.exactPowerLaw(q, nil)
	}
	var g [4]float64
	ll := cs.exactPowerLaw(q, g[:])
	kappaGrad(grad, g[:], p, q)
	return ll
}

func checkParams(p Params) {
	if !(p.Kappa > 0 && p.C > 0 && p.Theta > 0 && p.Beta >= 0 && p.Beta < Alpha-1) {
		panic(fmt.Sprintf("fit: parameters %+v outside the model's domain", p))
	}
}

// kappaGrad converts a gradient with respect to (n*, beta, c, theta) into one
// with respect to (kappa, beta, c, theta), using
// log n* = log kappa + log E[m^beta] - log theta - theta log c.
func kappaGrad(dst, g []float64, p Params, q normalized) {
	_, dlogE := meanMarkLog(p.Beta)
	dn := g[0] * q.NStar // dL/dlog n*
	dst[0] = dn / p.Kappa
	dst[1] = g[1] + dn*dlogE
	dst[2] = g[2] - dn*p.Theta/p.C
	dst[3] = g[3] - dn*(1/p.Theta+math.Log(p.C))
}

// exactExponential evaluates the log-likelihood of the exponential-kernel
// limit at q in O(n) by the usual recursion over distinct times, and writes
// its gradient with respect to (n*, beta, rate) into grad when grad is not nil.
func (cs *cascade) exactExponential(q exponential, grad []float64) float64 {
	t := cs.exponentialTerms(q)
	return t.at(q.NStar, grad)
}

// exponentialTerms is exactExponential's evaluation split by its
// dependence on n* (terms), at the beta and rate of q.
func (cs *cascade) exponentialTerms(q exponential) terms {
	beta, r := q.Beta, q.Rate
	cs.evals++
	cs.marks(beta)
	logE, dlogE := meanMarkLog(beta)

	ne := float64(cs.explained())
	t := terms{ne: ne, lead: math.Log(r), logE: logE, dlogE: dlogE}
	gb := -ne * dlogE
	gr := ne / r
	// S = sum_l M_l e^{-r tau}, Sb = sum_l ML_l e^{-r tau},
	// Q = sum_l M_l tau e^{-r tau}, carried from one distinct time to the next.
	// The gap and its decay side by side (one look-up), and the slices cut
	// to the loop's length, so that the loop checks no bounds but that
	// look-up's.
	gapDecay := cs.gapDecay[:len(cs.gaps)]
	for q, d := range cs.gaps {
		gapDecay[q] = [2]float64{d, math.Exp(-r * d)}
	}
	var S, Sb, Q float64
	logs := newLogSum()
	u := cs.u
	steps := len(u) - 1 // step k-1 goes from u[k-1] to u[k]
	gapOf, MML := cs.gapOf[:steps], cs.MML[:steps]
	lo, hi := cs.first[1:][:steps], cs.first[2:][:steps] // group k+1's events
	for k, g := range gapOf {
		de := gapDecay[g]
		d, e := de[0], de[1]
		m := MML[k][0]
		Q = e * (Q + d*(S+m))
		S = e * (S + m)
		Sb = e * (Sb + MML[k][1])
		if S <= 0 {
			t.S = math.Inf(-1)
			return t
		}
		n := hi[k] - lo[k]
		if !logs.addOne(S, n) {
			logs.addAny(S, n)
		}
		ratio := float64(n) / S
		gb += ratio * Sb
		gr -= ratio * Q
	}
	t.S = logs.value()
	// The compensator D sum_g M_g (1 - e^{-r(T-u_g)}) and its derivatives
	// need the sums of M_g e^{-r(T-u_g)}, of ML_g e^{-r(T-u_g)} and of
	// M_g (T-u_g) e^{-r(T-u_g)}: the recursion's state carried on to T,
	// without an exp per distinct time. 1 minus the first two cancels when
	// few marks have decayed by T (r small); those are then summed directly.
	last := len(u) - 1
	dT := cs.T - u[last]
	eT := math.Exp(-r * dT)
	C := cs.Mtot - eT*(S+cs.MML[last][0])
	Cb := cs.MLtot - eT*(Sb+cs.MML[last][1])
	Cr := eT * (Q + dT*(S+cs.MML[last][0]))
	if !(C >= cancelTol*cs.Mtot && Cb >= cancelTol*cs.MLtot) {
		C, Cb, Cr = 0, 0, 0
		for g, ug := range u {
			v, omv := expAndOneMinus(-r * (cs.T - ug))
			C += cs.MML[g][0] * omv
			Cb += cs.MML[g][1] * omv
			Cr += cs.MML[g][0] * (cs.T - ug) * v
		}
	}
	t.dS = [3]float64{gb, gr}
	t.C, t.dC = C, [3]float64{Cb, Cr}
	return t
}

// logSum adds up n log x over the intensities at the distinct times with
// one math.Log per logSumChunk factors rather than one per factor: each x
// is split exactly into a mantissa in [0.5, 1) and a binary exponent
// (frexp), the mantissas are multiplied (their product cannot underflow
// before logSumChunk of them) and the exponents added. A factor of a
// distinct time with n tied events enters n times, so ties need no log of
// their own either (they were half of the logs left, docs/MEASUREMENTS.md).
// The logarithm was an eighth of a fit's CPU time; the product's rounding,
// about logSumChunk ulps, is of the order of the rounding of the sum it
// replaces.
type logSum struct {
	m    float64 // product of the pending mantissas
	k    int     // how many
	e    int     // sum of the binary exponents
	rest float64 // the logs taken so far
}

const logSumChunk = 64

func newLogSum() logSum { return logSum{m: 1} }

// add adds n log x, x > 0, n >= 1.
func (s *logSum) add(x float64, n int) {
	if !s.addOne(x, n) {
		s.addAny(x, n)
	}
}

// addOne does add's common case, one event (n = 1) at a normal x with room
// in the chunk, and reports whether it did. It is small enough to be
// inlined in the loops over distinct times, which call addAny otherwise:
// add itself is not.
func (s *logSum) addOne(x float64, n int) bool {
	const mask, half = 0x7ff << 52, 1022 << 52
	b := math.Float64bits(x)
	if n != 1 || s.k >= logSumChunk || b&mask == 0 {
		return false
	}
	s.m *= math.Float64frombits(b&^mask | half)
	s.e += int(b>>52&0x7ff) - 1022
	s.k++
	return true
}

// addAny is add for any x > 0 and n >= 1.
func (s *logSum) addAny(x float64, n int) {
	if n > logSumChunk/4 {
		s.rest += float64(n) * math.Log(x)
		return
	}
	// frexp written out: called here it is not inlined, and addAny takes
	// a third of the distinct times (ties, and every logSumChunk-th).
	const mask, half = 0x7ff << 52, 1022 << 52
	var fr float64
	var ex int
	if b := math.Float64bits(x); b&mask != 0 {
		fr, ex = math.Float64frombits(b&^mask|half), int(b>>52&0x7ff)-1022
	} else {
		fr, ex = math.Frexp(x)
	}
	if s.k+n > logSumChunk {
		s.rest += math.Log(s.m)
		s.m, s.k = 1, 0
	}
	s.e += n * ex
	s.k += n
	for ; n > 0; n-- {
		s.m *= fr
	}
}

// value returns the sum.
func (s *logSum) value() float64 {
	return s.rest + math.Log(s.m) + float64(s.e)*math.Ln2
}
