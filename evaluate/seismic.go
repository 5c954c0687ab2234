package evaluate

import (
	"fmt"
	"math"
	"sort"
)

// SeismicParams are the constants of the SEISMIC predictor of Q. Zhao,
// M. A. Erdogdu, H. Y. He, A. Rajaraman and J. Leskovec, "SEISMIC: A
// Self-Exciting Point Process Model for Predicting Tweet Popularity",
// KDD 2015 (arXiv:1506.02594).
//
// The memory kernel, the density of the delay between seeing a post and
// resharing it, is
//
//	phi(s) = C0                            for 0 <= s <= S0,
//	phi(s) = C0 · (s/S0)^-(1+Theta)        for s > S0.
//
// Its mass is C0·S0·(1 + 1/Theta), which is 1 when C0 = Theta/(S0·(1+Theta)).
//
// The infectiousness p_t at time t is estimated with a triangular kernel
// over the last w seconds before t, w = t/2 clamped to [MinWindow,
// MaxWindow]; when fewer than MinCount events fall in that window, w is
// reset to reach back to the (MinCount+1)-th latest event before t, or to
// the first event if there are fewer (so w < MinWindow is possible when
// t < MinWindow). With weights K(s) = 1 - (t-s)/w on [t-w, t],
//
//	p_t = sum_{retweets j, t-w <= t_j < t} K(t_j)
//	      / sum_{events i, t_i < t} m_i · integral phi(s - t_i) K(s) ds,
//
// where m_i is the follower count of event i and the original tweet counts
// in the denominator (it exposes its followers) but not in the numerator.
// The final size is then predicted as
//
//	N_hat = n + p_t · sum_{i: t_i <= t} m_i · (1 - Phi(t - t_i)) / (1 - p_t·NStar),
//
// with n the number of events observed up to t, the original tweet
// included, 1 - Phi(s) the mass of phi beyond s, and NStar the mean number
// of followers of later resharers, so that p_t·NStar is the branching
// factor of the later generations. The prediction is only defined when
// p_t·NStar < 1.
//
// Sources: the formulas and defaults follow the authors' R package seismic
// (CRAN, version 1.1, functions memory.pdf, memory.ccdf,
// integral.memory.kernel, get.infectiousness and pred.cascade). The
// package's kernel constants are S0 = 300 s, Theta = 0.2314843 and
// C0 = 0.0006265725 s^-1, which make the kernel's mass exactly 1; the
// paper quotes s0 = 5 minutes and c = 6.27e-4, the same C0 to three digits,
// with theta = 0.242, but theta = 0.242 with that c gives a mass of 0.965,
// so DefaultSeismic keeps the package's normalised pair. The window rule
// (t/2 clamped to [300 s, 2 h], at least 5 events) and n* = 100 are the
// package's defaults; the paper's further per-time calibration of the
// prediction (the factors it fits on training cascades) is not applied.
// Two deliberate differences with the package: the prediction counts the
// original tweet in n (the package predicts retweets only, one fewer), and
// the integral of phi·K is exact for every window, whereas the package's
// piecewise formula (integral.memory.kernel) also weights times before the
// window when the window is shorter than S0, which only happens for
// t < MinWindow.
type SeismicParams struct {
	S0    float64 // end of the kernel's flat part, seconds
	Theta float64 // power-law exponent of the kernel's tail
	C0    float64 // kernel density on [0, S0], per second
	NStar float64 // mean follower count of later resharers

	MinWindow, MaxWindow float64 // bounds of the triangular window, seconds
	MinCount             int     // fewest events wanted inside the window
}

// DefaultSeismic holds the defaults of the R package seismic 1.1 (see
// SeismicParams).
var DefaultSeismic = SeismicParams{
	S0:        300,
	Theta:     0.2314843,
	C0:        0.0006265725,
	NStar:     100,
	MinWindow: 300,
	MaxWindow: 2 * 60 * 60,
	MinCount:  5,
}

// Seismic predicts the final size of a cascade observed up to time T with
// DefaultSeismic; see SeismicParams.Predict.
func Seismic(times, mags []float64, T float64) (pred float64, ok bool) {
	return DefaultSeismic.Predict(times, mags, T)
}

// KernelPDF returns the memory kernel phi(s); it is 0 for s < 0.
func (p SeismicParams) KernelPDF(s float64) float64 {
	switch {
	case s < 0:
		return 0
	case s <= p.S0:
		return p.C0
	}
	return p.C0 * math.Pow(s/p.S0, -(1+p.Theta))
}

// KernelMass returns the integral of phi over [0, inf), C0·S0·(1 + 1/Theta).
func (p SeismicParams) KernelMass() float64 {
	return p.C0 * p.S0 * (1 + 1/p.Theta)
}

// KernelCCDF returns the integral of phi over [s, inf), the share of
// reactions still to come s seconds after an event.
func (p SeismicParams) KernelCCDF(s float64) float64 {
	switch {
	case s <= 0:
		return p.KernelMass()
	case s <= p.S0:
		return p.KernelMass() - p.C0*s
	}
	return p.C0 * p.S0 / p.Theta * math.Pow(s/p.S0, -p.Theta)
}

// kernelMoments returns the integrals of phi(u) and u·phi(u) over [a, b],
// 0 <= a <= b.
func (p SeismicParams) kernelMoments(a, b float64) (m0, m1 float64) {
	if a < p.S0 {
		e := math.Min(b, p.S0)
		m0 += p.C0 * (e - a)
		m1 += p.C0 * (e*e - a*a) / 2
		a = e
	}
	if b > a {
		// phi(u) = C0·(u/S0)^-(1+Theta) on (S0, inf).
		ra, rb := a/p.S0, b/p.S0
		m0 += p.C0 * p.S0 / p.Theta * (math.Pow(ra, -p.Theta) - math.Pow(rb, -p.Theta))
		if p.Theta == 1 {
			m1 += p.C0 * p.S0 * p.S0 * math.Log(rb/ra)
		} else {
			m1 += p.C0 * p.S0 * p.S0 / (1 - p.Theta) * (math.Pow(rb, 1-p.Theta) - math.Pow(ra, 1-p.Theta))
		}
	}
	return m0, m1
}

// windowWeight returns the integral of phi(s - t_i)·K(s) over [t-w, t] for
// an event of age b = t - t_i > 0, where K(s) = 1 - (t-s)/w.
func (p SeismicParams) windowWeight(b, w float64) float64 {
	// With u = s - t_i, K = (u - (b-w))/w for u in [max(0, b-w), b].
	m0, m1 := p.kernelMoments(math.Max(0, b-w), b)
	return (m1 - (b-w)*m0) / w
}

// check panics if p or the cascade break Predict's preconditions.
func (p SeismicParams) check(times, mags []float64, T float64) {
	if !(p.S0 > 0 && p.Theta > 0 && p.C0 > 0 && p.NStar > 0 && p.MinWindow > 0 && p.MaxWindow >= p.MinWindow && p.MinCount >= 0) {
		panic(fmt.Sprintf("evaluate: invalid SEISMIC parameters %+v", p))
	}
	if len(times) != len(mags) {
		panic(fmt.Sprintf("evaluate: %d times and %d magnitudes", len(times), len(mags)))
	}
	if len(times) == 0 {
		panic("evaluate: empty cascade")
	}
	if !(T >= 0) || math.IsInf(T, 1) {
		panic(fmt.Sprintf("evaluate: observation time %v: want a finite value >= 0", T))
	}
	for i, m := range mags {
		if !(m >= 0) || math.IsInf(m, 1) {
			panic(fmt.Sprintf("evaluate: magnitude %d is %v: want a finite value >= 0", i, m))
		}
		if i > 0 && !(times[i] >= times[i-1]) {
			panic(fmt.Sprintf("evaluate: time %d (%v) is before time %d (%v)", i, times[i], i-1, times[i-1]))
		}
	}
}

// Infectiousness returns the estimate p_t of SEISMIC at time t = T from the
// events strictly before T (see SeismicParams). times must be sorted, with
// the original tweet first; mags are the matching follower counts. It is 0
// when no retweet falls in the window, and +Inf when retweets fall in the
// window but no follower was exposed (every magnitude is 0).
func (p SeismicParams) Infectiousness(times, mags []float64, T float64) float64 {
	p.check(times, mags, T)
	return p.infectiousness(times, mags, T)
}

func (p SeismicParams) infectiousness(times, mags []float64, T float64) float64 {
	n := sort.SearchFloat64s(times, T) // events with t < T
	if n == 0 {
		return 0
	}
	w := math.Min(math.Max(T/2, p.MinWindow), p.MaxWindow)
	if inWin := n - sort.SearchFloat64s(times[:n], T-w); inWin < p.MinCount {
		// Reach back to the (MinCount+1)-th latest event, or the first,
		// whose weight is then 0 (get.infectiousness, min.count).
		w = T - times[max(n-1-p.MinCount, 0)]
	}
	var exposure, count float64
	for i, t := range times[:n] {
		exposure += mags[i] * p.windowWeight(T-t, w)
		if i > 0 && t >= T-w {
			count += 1 - (T-t)/w
		}
	}
	if count == 0 {
		return 0
	}
	return count / exposure
}

// Predict returns the SEISMIC prediction of the final size of a cascade
// observed up to time T, counting the original tweet. times are seconds
// since the original tweet, sorted, the original first; mags are the
// matching follower counts; only events with time <= T are used (the
// infectiousness uses those strictly before T, as the R package does).
//
// ok is false, and pred is +Inf, when the estimated branching factor
// p_t·NStar is 1 or more: SEISMIC then predicts an unbounded cascade (the R
// package returns Inf). Callers must substitute a fallback, for instance the
// LogLinear prediction, before scoring, since NewReport rejects infinite
// predictions.
//
// Predict panics if times and mags differ in length, are empty, times are
// not sorted, a magnitude is negative or not finite, T is negative or not
// finite, or p has a non-positive field.
func (p SeismicParams) Predict(times, mags []float64, T float64) (pred float64, ok bool) {
	p.check(times, mags, T)
	pt := p.infectiousness(times, mags, T)
	if !(pt*p.NStar < 1) {
		return math.Inf(1), false
	}
	n := sort.Search(len(times), func(i int) bool { return times[i] > T }) // events with t <= T
	var rest float64
	for i, t := range times[:n] {
		rest += mags[i] * p.KernelCCDF(T-t)
	}
	return float64(n) + pt*rest/(1-pt*p.NStar), true
}
