package fit

import "math"

// The Taylor tail of the fast likelihood. The rates of the Laplace
// quadrature's left tail (fast.go) are those where s_k times the largest
// lag is small; there
//
//	e^(-s tau) = sum_{m=0}^{p} (-s tau)^m / m! + R,  |R| <= (s tau)^(p+1) / (p+1)!
//
// (Lagrange's remainder, e^-xi <= 1), so their part of the sum over past
// events, sum_k W_k sum_{i<j} M_i e^(-s_k (u_j - u_i)), is
//
//	sum_{m=0}^{p} (-1)^m mu_m P_m(j),  mu_m = sum_k W_k s_k^m,
//	P_m(j) = sum_{i<j} M_i (u_j - u_i)^m / m!,
//
// up to sum_k W_k (s_k tau)^(p+1)/(p+1)! per unit of mark at lag tau. The
// moments mu_m depend on the parameters (W_k, c and theta) and are summed
// once per evaluation over the rates; the P_m depend on the marks only and
// are carried from one distinct time to the next by the binomial shift
// P_m(j+1) = sum_{l<=m} P_l d^(m-l)/(m-l)!, d = u_{j+1} - u_j (group j's
// marks added to P_0 first), all of whose terms are positive: no
// cancellation. Per distinct time that costs at most (p+1)(p+2) + 4 (p+1)
// multiply-adds whatever the number of tail rates, where each rate costs
// about six and a load and store of the four accumulators (fast.go).
//
// The error bound. At lag tau the tail's error is at most
// tau^(p+1)/(p+1)! sum_k |X_k| s_k^(p+1) for the weights X = W and their c
// and theta derivatives; divided by the kernel phi(tau) =
// theta/c (1+tau/c)^-(1+theta), it grows with tau, so its value at the
// largest lag bounds the relative error of every sum over past events (a
// ratio of sums of positive terms is at most the largest ratio).
// taylorSplit takes the rates from the lowest upwards while that bound
// stays below e^tail of the accuracy (the share of the integral the
// quadrature already drops at its left end) times the scales of the terms
// that the tests measure the errors against: phi/(1+theta) for the
// intensity (its relative error enters the c-gradient multiplied by up to
// 1+theta), phi/c for the c-derivative and phi min(1, 1/theta) for the
// theta-derivative. At rough accuracy the compensator comes from the same
// rates (fast.go): sum_k W_k/s_k (1 - e^(-s_k x)) = sum_{m=1}^{p+1}
// (-1)^(m+1) mu_{m-1} x^m/m! up to W_k x (s_k x)^(p+1)/(p+2)!, for lags x up
// to T - u_0; since phi(x) x is at most the Lomax CDF 1-(1+x/c)^-theta, the
// same bound taken at that largest lag keeps the compensator's relative
// error below it too. TestTaylorTailBound checks the bound against the
// rates it replaces; TestFastMatchesExactOnRealCascades and
// TestFastMatchesExactOverDays the whole likelihood against the exact one.

// taylorOrders is p, the highest power kept, at each accuracy: more terms
// allow larger s tau (up to about 0.3 to 0.5 at rough accuracy with p = 3)
// and so replace more rates, at the price of the shift's cost growing like
// p^2: at rough accuracy p = 4, 5 and 7 replace only 0.6, 1.3 and 2.3 more
// of about 26 rates than p = 3 (docs/MEASUREMENTS.md).
var taylorOrders = [...]int{rough: 3, precise: 5, coarse: 3}

// maxTaylor bounds the order carried: the precise p, or the rough p plus
// one for the compensator.
const maxTaylor = 6

// taylorMoments holds, for m = 0..p, (-1)^m sum_k X_k s_k^m over the tail
// rates for X = W, dW/dc and dW/dtheta; p is the highest power and order
// the highest carried (p + 1 when the compensator comes from the rates).
type taylorMoments struct {
	a        [maxTaylor + 1][3]float64
	p, order int
}

// taylorState holds P_m and the same sums over ML, at the last distinct
// time, before its own group's marks are added.
type taylorState struct {
	P, Pb [maxTaylor + 1]float64
}

// taylorSplit returns how many of the first nodes active rates (ascending)
// enter through the Taylor moments at (c, theta) and accuracy acc (rough
// or precise), and their moments.
func (cs *cascade) taylorSplit(nodes int, c, theta float64, acc accuracy) (split int, tm taylorMoments) {
	p := taylorOrders[acc]
	tm.p, tm.order = p, p
	span := cs.u[len(cs.u)-1] - cs.u[0]
	if acc.searching() {
		// The compensator's lags reach T - u_0.
		span = cs.T - cs.u[0]
		tm.order = p + 1
	}
	if !(span > 0) {
		return 0, tm
	}
	lp := cs.lap
	// phi(span) e^tail and the factor span^(p+1)/(p+1)!.
	bound := math.Exp(quadratures[acc].tail + math.Log(theta/c) - (1+theta)*math.Log1p(span/c))
	bW, bC, bT := bound/(1+theta), bound/c, bound*math.Min(1, 1/theta)
	var eW, eC, eT float64
	for split < nodes {
		x := lp.s[split] * span
		f := 1.0
		for m := 1; m <= p+1; m++ {
			f *= x / float64(m)
		}
		w := &lp.w[split]
		eW += w[0] * f
		eC += math.Abs(w[1]) * f
		eT += math.Abs(w[2]) * f
		if !(eW <= bW && eC <= bC && eT <= bT) {
			break
		}
		split++
	}
	for i := range split {
		s, w := lp.s[i], lp.w[i]
		pw := 1.0 // (-s)^m
		for m := 0; m <= p; m++ {
			tm.a[m][0] += w[0] * pw
			tm.a[m][1] += w[1] * pw
			tm.a[m][2] += w[2] * pw
			pw *= -s
		}
	}
	return split, tm
}

// gapPowers returns, for each distinct gap d of the cascade (cs.gaps),
// d^m/m! for m = 0..maxTaylor, computed once.
func (cs *cascade) gapPowers() [][maxTaylor + 1]float64 {
	if cs.gapPow == nil && len(cs.gaps) > 0 {
		cs.gapPow = make([][maxTaylor + 1]float64, len(cs.gaps))
		for q, d := range cs.gaps {
			cs.gapPow[q] = powersOver(d)
		}
	}
	return cs.gapPow
}

// powersOver returns d^m/m! for m = 0..maxTaylor.
func powersOver(d float64) (D [maxTaylor + 1]float64) {
	D[0] = 1
	for m := 1; m <= maxTaylor; m++ {
		D[m] = D[m-1] * d / float64(m)
	}
	return D
}

// taylorPass sets the sums A, Ac, At and Ab (fast.go; one entry per
// distinct time after the first) to the Taylor tail's part of the sums over past events, and
// returns the state at the last distinct time. The orders the accuracies
// use run unrolled (taylorPass34, taylorPass55: about twice as fast as
// the loops over m); taylorLoops is the reference they are tested against.
func (cs *cascade) taylorPass(tm *taylorMoments, sums [][4]float64) taylorState {
	switch {
	case tm.p == 3 && tm.order == 4:
		return cs.taylorPass34(tm, sums)
	case tm.p == 5 && tm.order == 5:
		return cs.taylorPass55(tm, sums)
	}
	return cs.taylorLoops(tm, sums)
}

// taylorLoops is taylorPass for any p and order, by loops over m.
func (cs *cascade) taylorLoops(tm *taylorMoments, sums [][4]float64) (st taylorState) {
	D := cs.gapPowers()
	MML, gapOf := cs.MML[:len(sums)], cs.gapOf[:len(sums)]
	P, Pb := &st.P, &st.Pb
	a := tm.a[:tm.p+1]
	for j := range sums {
		P[0] += MML[j][0]
		Pb[0] += MML[j][1]
		shift(P, Pb, &D[gapOf[j]], tm.order)
		var s0, s1, s2, sb float64
		for m := range a {
			am := &a[m]
			s0 += am[0] * P[m]
			s1 += am[1] * P[m]
			s2 += am[2] * P[m]
			sb += am[0] * Pb[m]
		}
		sums[j] = [4]float64{s0, s1, s2, sb}
	}
	return st
}

// shift moves P and Pb on by a gap d given as D[m] = d^m/m!:
// P_m <- sum_{l<=m} P_l D[m-l], for m = order down to 1.
func shift(P, Pb *[maxTaylor + 1]float64, D *[maxTaylor + 1]float64, order int) {
	for m := order; m >= 1; m-- {
		x, xb := P[m], Pb[m]
		for l := 0; l < m; l++ {
			x += P[l] * D[m-l]
			xb += Pb[l] * D[m-l]
		}
		P[m], Pb[m] = x, xb
	}
}

// taylorCompensator returns the Taylor tail's part of the rough
// compensator's sums (C, Cb, and the c and theta derivatives of C, as
// fastPowerLaw's comp): sum_{m=1}^{p+1} (-1)^(m+1) mu_{m-1} Q_m with
// Q_m = sum_g M_g (T - u_g)^m/m!, the state st carried on to T.
func (cs *cascade) taylorCompensator(tm *taylorMoments, st taylorState) (comp [4]float64) {
	last := len(cs.u) - 1
	st.P[0] += cs.MML[last][0]
	st.Pb[0] += cs.MML[last][1]
	D := powersOver(cs.T - cs.u[last])
	shift(&st.P, &st.Pb, &D, tm.p+1)
	for m := 1; m <= tm.p+1; m++ {
		a := &tm.a[m-1]
		comp[0] += a[0] * st.P[m]
		comp[1] += a[0] * st.Pb[m]
		comp[2] += a[1] * st.P[m]
		comp[3] += a[2] * st.P[m]
	}
	return comp
}

// taylorPass34 is taylorPass for p = 3 carrying order 4, unrolled, in two
// passes over the distinct times: one carries P and sets the first three
// sums, the other Pb and the fourth. Together their ten running values,
// four gap powers and sixteen coefficients outnumber the sixteen float
// registers, and the spills cost more than the second pass over the gaps;
// each sum is the same expression as in one pass, so the same value.
func (cs *cascade) taylorPass34(tm *taylorMoments, sums [][4]float64) (st taylorState) {
	D := cs.gapPowers()
	MML, gapOf := cs.MML[:len(sums)], cs.gapOf[:len(sums)]
	a := &tm.a
	var p0, p1, p2, p3, p4 float64
	for j, g := range gapOf {
		p0 += MML[j][0]
		d := &D[g]
		p4 += p3*d[1] + p2*d[2] + p1*d[3] + p0*d[4]
		p3 += p2*d[1] + p1*d[2] + p0*d[3]
		p2 += p1*d[1] + p0*d[2]
		p1 += p0 * d[1]
		s := &sums[j]
		s[0] = a[0][0]*p0 + a[1][0]*p1 + a[2][0]*p2 + a[3][0]*p3
		s[1] = a[0][1]*p0 + a[1][1]*p1 + a[2][1]*p2 + a[3][1]*p3
		s[2] = a[0][2]*p0 + a[1][2]*p1 + a[2][2]*p2 + a[3][2]*p3
	}
	var b0, b1, b2, b3, b4 float64
	for j, g := range gapOf {
		b0 += MML[j][1]
		d := &D[g]
		b4 += b3*d[1] + b2*d[2] + b1*d[3] + b0*d[4]
		b3 += b2*d[1] + b1*d[2] + b0*d[3]
		b2 += b1*d[1] + b0*d[2]
		b1 += b0 * d[1]
		sums[j][3] = a[0][0]*b0 + a[1][0]*b1 + a[2][0]*b2 + a[3][0]*b3
	}
	st.P = [maxTaylor + 1]float64{p0, p1, p2, p3, p4}
	st.Pb = [maxTaylor + 1]float64{b0, b1, b2, b3, b4}
	return st
}

// taylorPass55 is taylorPass for p = 5 carrying order 5, unrolled.
func (cs *cascade) taylorPass55(tm *taylorMoments, sums [][4]float64) (st taylorState) {
	D := cs.gapPowers()
	MML, gapOf := cs.MML[:len(sums)], cs.gapOf[:len(sums)]
	a := &tm.a
	var p0, p1, p2, p3, p4, p5, b0, b1, b2, b3, b4, b5 float64
	for j := range sums {
		p0 += MML[j][0]
		b0 += MML[j][1]
		d := &D[gapOf[j]]
		p5 += p4*d[1] + p3*d[2] + p2*d[3] + p1*d[4] + p0*d[5]
		b5 += b4*d[1] + b3*d[2] + b2*d[3] + b1*d[4] + b0*d[5]
		p4 += p3*d[1] + p2*d[2] + p1*d[3] + p0*d[4]
		b4 += b3*d[1] + b2*d[2] + b1*d[3] + b0*d[4]
		p3 += p2*d[1] + p1*d[2] + p0*d[3]
		b3 += b2*d[1] + b1*d[2] + b0*d[3]
		p2 += p1*d[1] + p0*d[2]
		b2 += b1*d[1] + b0*d[2]
		p1 += p0 * d[1]
		b1 += b0 * d[1]
		sums[j] = [4]float64{
			a[0][0]*p0 + a[1][0]*p1 + a[2][0]*p2 + a[3][0]*p3 + a[4][0]*p4 + a[5][0]*p5,
			a[0][1]*p0 + a[1][1]*p1 + a[2][1]*p2 + a[3][1]*p3 + a[4][1]*p4 + a[5][1]*p5,
			a[0][2]*p0 + a[1][2]*p1 + a[2][2]*p2 + a[3][2]*p3 + a[4][2]*p4 + a[5][2]*p5,
			a[0][0]*b0 + a[1][0]*b1 + a[2][0]*b2 + a[3][0]*b3 + a[4][0]*b4 + a[5][0]*b5,
		}
	}
	st.P = [maxTaylor + 1]float64{p0, p1, p2, p3, p4, p5}
	st.Pb = [maxTaylor + 1]float64{b0, b1, b2, b3, b4, b5}
	return st
}
