package fit

import "math"

// Prediction is the model's forecast of SPEC section 3 at given parameters.
type Prediction struct {
	NStar float64 // branching factor n*
	A1    float64 // expected direct children after T of the observed events
	// NHat = N + A1/(1-n*), meaningful only when NStar < 1.
	NHat float64
	N    int // events observed in [0, T]
}

// Predict returns the prediction of the final size of a cascade observed on
// [0, T] under the parameters p (for instance published ones). It panics if
// p is outside the model's domain or the slice lengths differ.
func Predict(times, mags []float64, T float64, p Params) Prediction {
	checkParams(p)
	cs := newCascade(times, mags, T)
	q := p.normalized()
	pr := Prediction{NStar: q.NStar, A1: cs.a1PowerLaw(q), N: cs.n}
	pr.NHat = nHat(cs.n, pr.A1, pr.NStar)
	return pr
}

// nHat is the predicted final size of SPEC section 3, n + A1/(1-n*), for n
// observed events; it is meaningful only for n* < 1.
func nHat(n int, a1, nstar float64) float64 { return float64(n) + a1/(1-nstar) }

// a1PowerLaw is A1 of SPEC section 3: D * sum_g M_g (1+(T-u_g)/c)^-theta.
func (cs *cascade) a1PowerLaw(q normalized) float64 {
	cs.marks(q.Beta)
	logE, _ := meanMarkLog(q.Beta)
	var s float64
	for g, ug := range cs.u {
		s += cs.MML[g][0] * math.Exp(-q.Theta*math.Log1p((cs.T-ug)/q.C))
	}
	return math.Exp(math.Log(q.NStar)-logE) * s
}

// a1Exponential is A1 in the exponential limit: D * sum_g M_g e^{-rate(T-u_g)}.
func (cs *cascade) a1Exponential(e exponential) float64 {
	cs.marks(e.Beta)
	logE, _ := meanMarkLog(e.Beta)
	var s float64
	for g, ug := range cs.u {
		s += cs.MML[g][0] * math.Exp(-e.Rate*(cs.T-ug))
	}
	return math.Exp(math.Log(e.NStar)-logE) * s
}
