package diagnose

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hawkes-toolkit/hawkes/fit"
)

// Level is the level of the Kolmogorov-Smirnov test whose rejections the
// summary counts.
const Level = 0.05

// DefaultTick is the default resolution of the recorded times: the data sets'
// times are whole seconds.
const DefaultTick = 1.0

// ErrOptions is wrapped by the errors of Options.Validate.
var ErrOptions = errors.New("invalid diagnose options")

// Options configure the diagnostics of a cascade.
type Options struct {
	// Fit configures both fits (fit.Fit and fit.FitExponential).
	Fit fit.Options
	// Tick is the resolution of the recorded times in seconds: an event
	// recorded at t happened in [t, t+Tick) (times floored to whole
	// seconds have Tick 1). Its rescaled time is drawn uniformly between
	// the compensator at t and at t+Tick (at the next recorded time if that
	// comes first), which spreads the events of one second instead of
	// giving them rescaled gaps of 0. Tick 0 takes the times as exact;
	// tied events then have gaps of 0 and the test rejects.
	Tick float64
	// Seed seeds the uniform draws within a tick (default 1); cascade i of
	// a batch uses the stream rand.NewPCG(Seed, i).
	Seed uint64
}

// Validate reports an error wrapping ErrOptions if a field of o is out of
// range: the fit options (fit.Options.Validate, which checks them as given:
// validate o.Fit.WithDefaults() to allow defaults) and Tick finite and >= 0.
func (o Options) Validate() error {
	if err := o.Fit.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	if !(o.Tick >= 0) || math.IsInf(o.Tick, 1) {
		return fmt.Errorf("%w: tick = %v, want a finite number of seconds >= 0", ErrOptions, o.Tick)
	}
	return nil
}

// Result holds the diagnostics of one cascade observed on [0, T].
type Result struct {
	// Fit is the model's fit (fit.Fit); its status says whether the
	// rescaling used the power law or the exponential limit
	// (Fit.Exponential), and there is no test when it failed.
	Fit fit.Result
	// Exp is the fit of the exponential kernel alone
	// (fit.FitExponential), the alternative the power law is compared
	// with.
	Exp fit.ExponentialFit
	// Rescaled are the rescaled times Lambda(t_i) of the events after the
	// original tweet's second, ascending; Gaps their successive
	// differences (from 0), which are independent unit exponentials when
	// the model is right.
	Rescaled, Gaps []float64
	// KS is the Kolmogorov-Smirnov distance of Gaps to the unit
	// exponential and P its p-value; both NaN when there are no gaps.
	KS, P float64
}

// Tested reports whether the cascade has a KS test.
func (r *Result) Tested() bool { return len(r.Gaps) > 0 }

// Rejected reports whether the KS test rejects the model at Level.
func (r *Result) Rejected() bool { return r.Tested() && r.P < Level }

// LogLikPowerLaw returns the maximised log-likelihood of the power-law
// family: the fit's, which for an unbounded fit is the supremum reached in
// the exponential limit and for a supercritical one the maximum on the
// boundary n* = 1. The family contains the exponential kernel as a limit, so
// its supremum is at least the exponential fit's: where the exponential fit
// alone found a higher optimum than the power-law fit (it happens when both
// run towards beta -> Alpha-1 from different starts), that is returned. ok
// is false when the fit failed.
func (r *Result) LogLikPowerLaw() (ll float64, ok bool) {
	if !r.Fit.HasFit() {
		return 0, false
	}
	ll = r.Fit.LogLik
	if r.Exp.OK {
		ll = math.Max(ll, r.Exp.LogLik)
	}
	return ll, true
}

// AIC returns Akaike's criterion 2k - 2 log L of the power law (k = 4) and of
// the exponential kernel (k = 3), NaN where that fit failed.
func (r *Result) AIC() (powerLaw, exponential float64) {
	powerLaw, exponential = math.NaN(), math.NaN()
	if ll, ok := r.LogLikPowerLaw(); ok {
		powerLaw = 2*4 - 2*ll
	}
	if r.Exp.OK {
		exponential = 2*float64(r.Exp.NumParams()) - 2*r.Exp.LogLik
	}
	return powerLaw, exponential
}

// Better returns the kernel with the lower AIC, "power_law" or
// "exponential", or "" when either fit failed. Since the exponential kernel
// is the limit of the power law, the power law's likelihood is never lower;
// the exponential wins when the power law gains less than 1 in
// log-likelihood for its extra parameter (always when the fit is unbounded).
func (r *Result) Better() string {
	pl, ex := r.AIC()
	switch {
	case math.IsNaN(pl) || math.IsNaN(ex):
		return ""
	case pl < ex:
		return "power_law"
	default:
		return "exponential"
	}
}

// Cascade fits the cascade's events in [0, T] (times and mags as fit.Fit
// takes them) with the power law and with the exponential kernel, and
// tests the fitted model by the time-rescaling theorem (Rescale with
// opts.Tick, drawing from rng, then KSExponential). The returned error is
// non-nil only when ctx is done.
func Cascade(ctx context.Context, times, mags []float64, T float64, rng *rand.Rand, opts Options) (Result, error) {
	var r Result
	var err error
	if r.Fit, err = fit.Fit(ctx, times, mags, T, opts.Fit); err != nil {
		return Result{}, err
	}
	if r.Exp, err = fit.FitExponential(ctx, times, mags, T, opts.Fit); err != nil {
		return Result{}, err
	}
	r.KS, r.P = math.NaN(), math.NaN()
	k, ok := r.Fit.Kernel()
	if !ok {
		return r, nil
	}
	r.Rescaled = Rescale(times, mags, T, k, opts.Tick, rng)
	r.Gaps = Gaps(r.Rescaled)
	if len(r.Gaps) > 0 {
		r.KS, r.P = KSExponential(r.Gaps)
	}
	return r, nil
}

// Rescale returns the rescaled times of the events of a cascade observed on
// [0, T] that follow the original tweet's second, ascending: by the
// time-rescaling theorem, under the kernel k the compensator Lambda (see
// fit.Compensator, the fit's own) turns event times into a unit-rate Poisson
// process. With tick = 0 an event at t gets Lambda(t). With tick > 0 an
// event recorded at t happened in [t, t+tick) (recorded times are floored to
// the tick) and gets a uniform draw from rng between Lambda(t) and
// Lambda(t'), t' = min(t+tick, the next recorded time): under the model the
// events of one interval are uniform in its rescaled length. The events tied
// with the original tweet are given, as in the fit, and get no rescaled time.
// It costs O(n) compensator evaluations (see fit.Compensator). rng may be nil
// when tick is 0.
func Rescale(times, mags []float64, T float64, k fit.Kernel, tick float64, rng *rand.Rand) []float64 {
	n := 0
	for n < len(times) && times[n] <= T {
		n++
	}
	if n == 0 {
		return nil
	}
	// Distinct times after the first, with their counts.
	var u []float64
	var cnt []int
	for i := 1; i < n; i++ {
		switch {
		case times[i] == times[0]:
		case len(u) > 0 && times[i] == u[len(u)-1]:
			cnt[len(cnt)-1]++
		default:
			u = append(u, times[i])
			cnt = append(cnt, 1)
		}
	}
	if len(u) == 0 {
		return nil
	}
	out := make([]float64, 0, n)
	if tick == 0 {
		lam := fit.Compensator(times, mags, T, k, u, nil)
		for j, l := range lam {
			for c := 0; c < cnt[j]; c++ {
				out = append(out, l)
			}
		}
		return out
	}
	at := make([]float64, 0, 2*len(u))
	for j, t := range u {
		end := t + tick
		if j+1 < len(u) {
			end = math.Min(end, u[j+1])
		}
		at = append(at, t, end)
	}
	lam := fit.Compensator(times, mags, T, k, at, nil)
	for j := range u {
		lo, hi := lam[2*j], lam[2*j+1]
		start := len(out)
		for c := 0; c < cnt[j]; c++ {
			out = append(out, lo+(hi-lo)*rng.Float64())
		}
		slices.Sort(out[start:])
	}
	return out
}

// Gaps returns the successive differences of the ascending times x, the
// first from 0.
func Gaps(x []float64) []float64 {
	g := make([]float64, len(x))
	prev := 0.0
	for i, v := range x {
		g[i] = v - prev
		prev = v
	}
	return g
}
