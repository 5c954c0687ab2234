package fit

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Kernel is a fitted kernel in the fitter's parameters: the power law
// phi_m(tau) = n*/E[m^beta] m^beta (theta/c) (1+tau/c)^-(1+theta), or, when
// Exponential is set, its limit n*/E[m^beta] m^beta rate e^(-rate tau), for
// which C and Theta do not apply. It is what a Result's parameters describe
// whatever its status (Result.Kernel), and what Compensator and Forecast
// evaluate.
type Kernel struct {
	Exponential bool
	NStar, Beta float64
	C, Theta    float64 // power law only
	Rate        float64 // exponential limit only
}

// PowerLaw returns the kernel of the parameters p (for instance the true
// parameters of a simulation). It panics if p is outside the model's domain.
func PowerLaw(p Params) Kernel {
	checkParams(p)
	q := p.normalized()
	return Kernel{NStar: q.NStar, Beta: q.Beta, C: q.C, Theta: q.Theta, Rate: q.Theta / q.C}
}

// Kernel returns the kernel the result's parameters describe: the
// exponential limit when r.Exponential, else the power law (built from NStar,
// so that it stands also where Kappa overflowed). ok is false when the fit
// failed and there is no kernel.
func (r *Result) Kernel() (k Kernel, ok bool) {
	if !r.HasFit() {
		return Kernel{}, false
	}
	if r.Exponential {
		return Kernel{Exponential: true, NStar: r.NStar, Beta: r.Beta, Rate: r.Rate}, true
	}
	return Kernel{NStar: r.NStar, Beta: r.Beta, C: r.C, Theta: r.Theta, Rate: r.Rate}, true
}

// check panics if k is outside the model's domain.
func (k Kernel) check() {
	ok := k.NStar > 0 && k.Beta >= 0 && k.Beta < Alpha-1 && !math.IsInf(k.NStar, 1)
	if k.Exponential {
		ok = ok && k.Rate > 0 && !math.IsInf(k.Rate, 1)
	} else {
		ok = ok && k.C > 0 && k.Theta > 0 && !math.IsInf(k.C, 1) && !math.IsInf(k.Theta, 1)
	}
	if !ok {
		panic(fmt.Sprintf("fit: kernel %+v outside the model's domain", k))
	}
}

// NumParams is the number of free parameters of the kernel's family: 4 for
// the power law (kappa, beta, c, theta), 3 for the exponential limit (n*,
// beta, rate). It is the parameter count of an information criterion.
func (k Kernel) NumParams() int {
	if k.Exponential {
		return 3
	}
	return 4
}

// MeanCDF returns the share of an event's expected children born within x
// seconds of it, the CDF of the kernel's delay law: 1 - (1+x/c)^-theta for
// the power law (Lomax), 1 - e^(-rate x) for the exponential limit. The
// expected number of children within x is n* MeanCDF(x) on average over
// magnitudes.
func (k Kernel) MeanCDF(x float64) float64 {
	if k.Exponential {
		_, omv := expAndOneMinus(-k.Rate * x)
		return omv
	}
	_, omv := expAndOneMinus(-k.Theta * math.Log1p(x/k.C))
	return omv
}

// Compensator writes into dst, and returns, the compensator of the kernel k
// given the events of a cascade observed on [0, T],
//
//	Lambda(t) = int_0^t lambda(s) ds = sum_{t_i < t, t_i <= T} n*/E[m_i^beta] m_i^beta G(t - t_i),
//
// at each time of at, which must be ascending and >= 0; G is the kernel's
// delay CDF (Kernel.MeanCDF). Events after T are not part of the history, so
// beyond T Lambda(t) - Lambda(T) is the expected number of direct children
// born in (T, t] of the observed events. By the time-rescaling theorem the
// Lambda(t_i) of the events form a unit-rate Poisson process when the model
// is right. times and mags are as Fit takes them. dst is allocated when it is
// nil, else it must have len(at).
//
// The power law is evaluated in O((n + len(at)) K) through the rates and
// weights of the fast likelihood at its precise accuracy (fast.go): the
// Lomax CDF is sum_k W_k/s_k (1 - e^(-s_k x)), so with M the sum of the
// m^beta of the events before t and S_k = sum_i m_i^beta e^(-s_k (t-t_i)),
// Lambda(t) = n*/E[m^beta] sum_k W_k/s_k (M - S_k), the compensator the
// fit's rough search subtracts at T. Where the grid does not cover the
// kernel, and at the times after the last event, whose lags the grid is not
// made for, it is evaluated exactly in O(n) per time by the fit's own
// compensator on the events before that time. The exponential limit is
// O(n + len(at)) by its recursion. Compensator panics if k is outside the
// model's domain, at is not ascending or a slice length is wrong.
func Compensator(times, mags []float64, T float64, k Kernel, at, dst []float64) []float64 {
	k.check()
	if dst == nil {
		dst = make([]float64, len(at))
	}
	if len(dst) != len(at) {
		panic(fmt.Sprintf("fit: compensator of %d times into %d values", len(at), len(dst)))
	}
	for i := 1; i < len(at); i++ {
		if !(at[i] >= at[i-1]) {
			panic("fit: compensator times must be ascending")
		}
	}
	if len(at) > 0 && !(at[0] >= 0) {
		panic("fit: compensator times must be >= 0")
	}
	clear(dst)
	cs := newCascade(times, mags, T)
	if cs.n == 0 || len(at) == 0 {
		return dst
	}
	cs.marks(k.Beta)
	logE, _ := meanMarkLog(k.Beta)
	D := math.Exp(math.Log(k.NStar) - logE)
	switch {
	case k.Exponential:
		cs.laplaceCompensator([]float64{k.Rate}, []float64{1}, at, dst)
	default:
		// The grid's rates cover lags up to the span of the events
		// (fastRange): later times are evaluated exactly.
		last := cs.u[len(cs.u)-1]
		p := len(at)
		for p > 0 && at[p-1] > last {
			p--
		}
		nodes, ok := cs.laplaceRates(k.C, k.Theta, precise)
		if !ok {
			p = 0
		}
		cs.exactCompensator(k.C, k.Theta, at[p:], dst[p:])
		if p == 0 {
			break
		}
		lp := cs.lap
		wOverS := make([]float64, nodes)
		for i := range wOverS {
			wOverS[i] = lp.w[i][0] / lp.s[i]
		}
		cs.laplaceCompensator(lp.s[:nodes], wOverS, at[:p], dst[:p])
	}
	for i := range dst {
		dst[i] *= D
	}
	return dst
}

// laplaceCompensator adds to dst[q] sum_k w_k (M(t_q) - S_k(t_q)) for the
// decay rates s_k and weights w_k, with M(t) = sum_{u_g < t} M_g and
// S_k(t) = sum_{u_g < t} M_g e^(-s_k (t - u_g)) carried from one time to the
// next by the exponential kernel's recursion. cs.MML must hold the marks.
// An event at exactly t_q adds M_g - M_g e^0 = 0, so ties need no care.
func (cs *cascade) laplaceCompensator(s, w, at, dst []float64) {
	for k, sk := range s {
		var S, Mc, tprev float64
		g := 0
		for q, t := range at {
			for g < len(cs.u) && cs.u[g] <= t {
				S = S*math.Exp(-sk*(cs.u[g]-tprev)) + cs.MML[g][0]
				Mc += cs.MML[g][0]
				tprev = cs.u[g]
				g++
			}
			if t == tprev {
				dst[q] += w[k] * (Mc - S)
			} else {
				dst[q] += w[k] * (Mc - S*math.Exp(-sk*(t-tprev)))
			}
		}
	}
}

// exactCompensator writes into dst[q] the sum over the events before at[q] of
// M_g (1 - (1+(at[q]-u_g)/c)^-theta), by the fit's compensator on the
// cascade cut at at[q]: O(U) per time. cs.MML must hold the marks.
func (cs *cascade) exactCompensator(c, theta float64, at, dst []float64) {
	cut := *cs
	g := 0
	for q, t := range at {
		for g < len(cs.u) && cs.u[g] <= t {
			g++
		}
		cut.T, cut.u, cut.MML = t, cs.u[:g], cs.MML[:g]
		dst[q], _, _, _ = cut.compensator(c, theta)
	}
}

// laplaceRates sets the active rates of the fast likelihood at (c, theta)
// and the accuracy acc (rough or precise) in cs.lap: the first nodes entries
// of k (fine index), s (rate) and w (the weight W_k with its derivatives in
// c and theta) . Rates whose weight underflows are skipped. ok is false when
// the grid cannot represent the kernel there (see fastRange); nothing is set
// then.
func (cs *cascade) laplaceRates(c, theta float64, acc accuracy) (nodes int, ok bool) {
	stride, k0, k1, ok := cs.fastRange(c, theta, acc)
	if !ok {
		return 0, false
	}
	lp := cs.lap
	h := float64(stride) * fineStep
	lgam, _ := math.Lgamma(1 + theta)
	logW0 := math.Log(h) + math.Log(theta) - lgam
	dW0t := 1/theta - mathext.Digamma(1+theta)
	logc := math.Log(c)
	// Weights of each active rate and their log-derivatives in c and
	// theta.
	for k := k0; k <= k1; k += stride {
		v := float64(k) * fineStep
		s := math.Exp(v)
		logz := logc + v
		W := math.Exp(logW0 + v + theta*logz - c*s)
		if W == 0 {
			continue
		}
		lp.k[nodes] = k
		lp.s[nodes] = s
		lp.w[nodes] = [3]float64{W, W * (theta/c - s), W * (dW0t + logz)}
		nodes++
	}
	return nodes, true
}
