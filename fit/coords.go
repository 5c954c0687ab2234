package fit

import "math"

// The branching factor n* and kappa determine each other given beta, c and
// theta (SPEC section 2):
//
//	n* = kappa E[m^beta] / (theta c^theta),  E[m^beta] = (Alpha-1)/(Alpha-beta-1).
//
// Params.NStar is the one home of n* from kappa. Kappa from n* has two:
// KappaFor, which simulations use, and normalized.logKappa, its logarithm,
// through which fits report kappa since it stays finite where kappa
// overflows float64. They agree to rounding; each is kept as it is so that
// simulated data sets and fits keep their values to the last bit.

// NStar returns the branching factor of p, the expected number of direct
// children of one event averaged over the power law of magnitudes:
//
//	n* = kappa (Alpha-1) / (Alpha-beta-1) / (theta c^theta),
//
// computed through logarithms. It is +Inf when Beta >= Alpha-1, where
// E[m^beta] is infinite. It requires C > 0 and Theta > 0 and does not check
// them.
func (p Params) NStar() float64 {
	if p.Beta >= Alpha-1 {
		return math.Inf(1)
	}
	logE, _ := meanMarkLog(p.Beta)
	return math.Exp(math.Log(p.Kappa) + logE - math.Log(p.Theta) - p.Theta*math.Log(p.C))
}

// KappaFor returns the kappa that gives the branching factor nstar with the
// given beta, c and theta, the inverse of Params.NStar:
//
//	kappa = nstar theta c^theta (Alpha-beta-1) / (Alpha-1).
//
// It requires c > 0, theta > 0 and 0 <= beta < Alpha-1 and does not check
// them.
func KappaFor(nstar, beta, c, theta float64) float64 {
	return nstar * theta * math.Pow(c, theta) * (Alpha - beta - 1) / (Alpha - 1)
}

// meanMarkLog returns log E[m^beta] = log((alpha-1)/(alpha-beta-1)) under the
// power law of follower counts, and its derivative in beta.
func meanMarkLog(beta float64) (logE, dlogE float64) {
	return math.Log(Alpha-1) - math.Log(Alpha-beta-1), 1 / (Alpha - beta - 1)
}

// normalized holds the power-law model in the parameters the fitter uses:
// n* (branching factor), beta, c, theta. The kernel is
// phi_m(tau) = n*/E[m^beta] * m^beta * (theta/c) * (1+tau/c)^-(1+theta),
// which equals kappa m^beta (c+tau)^-(1+theta) with
// kappa = n* theta c^theta / E[m^beta].
type normalized struct {
	NStar, Beta, C, Theta float64
}

func (p Params) normalized() normalized {
	return normalized{NStar: p.NStar(), Beta: p.Beta, C: p.C, Theta: p.Theta}
}

func (q normalized) params() Params {
	return Params{Kappa: math.Exp(q.logKappa()), Beta: q.Beta, C: q.C, Theta: q.Theta}
}

// logKappa returns log kappa = log n* - log E[m^beta] + log theta + theta log c,
// the logarithm of KappaFor's kappa, which stays finite where kappa itself
// overflows.
func (q normalized) logKappa() float64 {
	logE, _ := meanMarkLog(q.Beta)
	return math.Log(q.NStar) - logE + math.Log(q.Theta) + q.Theta*math.Log(q.C)
}

// exponential is the theta, c -> infinity limit of the power-law family at a
// fixed rate theta/c: phi_m(tau) = n*/E[m^beta] * m^beta * rate * exp(-rate tau).
type exponential struct {
	NStar, Beta, Rate float64
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
// (the fit on the boundary n* = 1), and when the likelihood chooses it (the
// profile likelihood, see terms), x is (logit(beta/(Alpha-1)), log t...).
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

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
func logit(p float64) float64    { return math.Log(p / (1 - p)) }
