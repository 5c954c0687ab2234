package fit

import "math"

// Every kernel's log-likelihood depends on n* in the same simple way. The
// intensity at an event is the amplitude D = n*/E[m^beta] times a sum over
// earlier events that does not involve n*, and so is the compensator:
//
//	L = ne (log D + lead) + S - D C,
//
// where ne is the number of explained events, lead the logarithm of the
// kernel's own constant factor when the sums leave it out (log rate for the
// exponential limit), S the sum of the logs of the sums at the explained
// events and C the compensator at D = 1. At fixed beta and time parameters
// L is concave in log D and greatest at D = ne/C, where
//
//	L = ne (log(ne/C) + lead) + S - ne,
//
// the profile likelihood of the rest. Its gradient in the rest is L's
// gradient at fixed n* taken at that n* (the derivative in n* vanishes
// there), so an evaluation of the profile costs what one of L does. The
// fits with n* free maximise the profile (see profileNStar).

// terms is one evaluation of a kernel's log-likelihood, split as above, at
// beta and the kernel's time parameters t (c and theta for the power law,
// the rate for the exponential limit).
type terms struct {
	ne, lead float64
	// S is the sum of the logs of the sums, -Inf where one of them is 0
	// (an intensity of zero at an event that happened).
	S float64
	// dS holds the derivatives of ne (lead - log E[m^beta]) + S in
	// (beta, t...), the part of L's gradient at fixed n* that does not
	// scale with D.
	dS [3]float64
	// C is the compensator at D = 1 and dC its derivatives in (beta, t...).
	C  float64
	dC [3]float64
	// logE and dlogE are log E[m^beta] and its derivative in beta.
	logE, dlogE float64
}

// at returns the log-likelihood at n* and, when grad is not nil, writes its
// gradient in (n*, beta, t...) into grad.
func (t *terms) at(nstar float64, grad []float64) float64 {
	if math.IsInf(t.S, -1) {
		return t.S
	}
	logD := math.Log(nstar) - t.logE
	D := math.Exp(logD)
	ll := t.ne*(logD+t.lead) + t.S - D*t.C
	if grad != nil {
		grad[0] = t.ne/nstar - t.C*D/nstar
		t.rest(D, grad[1:])
	}
	return ll
}

// profile returns the n* at which the log-likelihood is greatest for the
// rest and its value there, and, when grad is not nil, writes the gradient
// in (n*, beta, t...) there into grad (0 in n*). Where C is not positive
// and finite no n* is greatest: ll is then NaN, outside the domain.
func (t *terms) profile(grad []float64) (nstar, ll float64) {
	if math.IsInf(t.S, -1) {
		return math.NaN(), t.S
	}
	if !(t.C > 0 && t.C < math.Inf(1)) {
		return math.NaN(), math.NaN()
	}
	logD := math.Log(t.ne / t.C)
	D := math.Exp(logD)
	ll = t.ne*(logD+t.lead) + t.S - t.ne
	if grad != nil {
		grad[0] = 0
		t.rest(D, grad[1:])
	}
	return math.Exp(logD + t.logE), ll
}

// rest writes the gradient in (beta, t...) at the amplitude D into g.
func (t *terms) rest(D float64, g []float64) {
	g[0] = t.dS[0] - D*(t.dC[0]-t.dlogE*t.C)
	for i := 1; i < len(g); i++ {
		g[i] = t.dS[i] - D*t.dC[i]
	}
}

// value evaluates t at the model point p = (n*, beta, t...) and writes the
// gradient in p into g, for fitKernel; with profile it first sets p[0] to
// the n* that maximises the likelihood (terms.profile).
func (t *terms) value(p, g []float64, profile bool) float64 {
	if !profile {
		return t.at(p[0], g)
	}
	nstar, ll := t.profile(g)
	p[0] = nstar
	return ll
}

// profileNStar: the fits with n* free (all but those on the boundary
// n* = 1) maximise the profile likelihood over beta and the time
// parameters, with n* at its best for them, rather than the likelihood
// over all the parameters: BFGS and Newton's method then work in one
// dimension less, along a surface without the ridge in the amplitude. On
// seismic_subset it took the likelihood evaluations from 404 381 to
// 242 327 at 600 s, 384 159 to 239 393 at 3600 s and 296 933 to 170 053 at
// 21600 s (medians per cascade 650.5, 725 and 527.5 to 304, 463 and 249);
// no fit got worse, and one (RT868 at 3600 s) went from unbounded to a
// supercritical fit 1.9 higher (docs/MEASUREMENTS.md). A variable only so
// that a test can turn it off.
var profileNStar = true
