package sim

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/fit"
	"gonum.org/v1/gonum/stat/distuv"
)

// rootOnly returns a sampler that gives magnitude 1 to its first draw (the
// original tweet) and 0 to every later one, so that only the original tweet
// has children (m^beta = 0 for m = 0, also for beta = 0): the times after
// the first are then iid delays from the original tweet.
func rootOnly() MagSampler {
	first := true
	return func(*rand.Rand) float64 {
		if first {
			first = false
			return 1
		}
		return 0
	}
}

func TestCascadeDelays(t *testing.T) {
	// The original tweet (m = 1) has Poisson(mu F(H)) children in [0, H]
	// with mu = kappa/(theta c^theta), whose delays follow the Lomax CDF
	// F(tau) = 1 - (1+tau/c)^-theta truncated to [0, H], F(tau)/F(H);
	// the children (m = 0) have none. Checked by the KS statistic of the
	// pooled delays (iid given the counts) and by the mean count, whose
	// standard error is sqrt(mu F(H) / runs) for a Poisson count.
	const (
		mu   = 200.0
		runs = 1000
	)
	cases := []struct {
		c, theta, beta, horizon float64
	}{
		{60, 0.5, 0.5, math.Inf(1)},
		{10, 2, 0, math.Inf(1)}, // beta = 0: 0^0 must still give no children
		{600, 0.2, 0.9, math.Inf(1)},
		{60, 0.5, 0.5, 3600},
		{10, 0.2, 0, 600},
	}
	for i, tc := range cases {
		p := fit.Params{Kappa: mu * tc.theta * math.Pow(tc.c, tc.theta), Beta: tc.beta, C: tc.c, Theta: tc.theta}
		r := rand.New(rand.NewPCG(5, uint64(i)))
		var delays []float64
		for range runs {
			times, ms, err := Cascade(r, p, rootOnly(), tc.horizon, 1e6)
			if err != nil {
				t.Fatal(err)
			}
			if times[0] != 0 || ms[0] != 1 {
				t.Fatalf("first event (%g, %g), want (0, 1)", times[0], ms[0])
			}
			delays = append(delays, times[1:]...)
		}
		fH := lomaxCDF(tc.horizon, tc.c, tc.theta)
		mean := float64(len(delays)) / runs
		if tol := zTol * math.Sqrt(mu*fH/runs); math.Abs(mean-mu*fH) > tol {
			t.Errorf("%+v: mean number of children %.2f, want %.2f +- %.2f", tc, mean, mu*fH, tol)
		}
		if m := slices.Max(delays); m > tc.horizon {
			t.Errorf("%+v: delay %g beyond the horizon", tc, m)
		}
		d := ksStat(delays, func(tau float64) float64 { return lomaxCDF(tau, tc.c, tc.theta) / fH })
		if lim := ksCrit999 / math.Sqrt(float64(len(delays))); d > lim {
			t.Errorf("%+v: KS statistic of delays %.5f > %.5f", tc, d, lim)
		}
	}
}

func TestCascadeSizeBorel(t *testing.T) {
	// With every magnitude 1 each event has Poisson(mu) children, and with
	// no horizon the total size of a subcritical cascade follows the Borel
	// law P(N = k) = exp(-mu k) (mu k)^(k-1) / k!. Pearson's chi-square
	// statistic over the bins with expected count >= 5 (plus one tail bin)
	// stays below the 0.999 quantile of its chi-square law.
	if testing.Short() {
		t.Skip("long")
	}
	const runs = 200_000
	for i, mu := range []float64{0.3, 0.5, 0.8} {
		p := fit.Params{Kappa: mu * 1 * math.Pow(30, 1), Beta: 0.7, C: 30, Theta: 1}
		r := rand.New(rand.NewPCG(6, uint64(i)))
		counts := map[int]int{}
		for range runs {
			times, _, err := Cascade(r, p, constMag(1), math.Inf(1), 1e6)
			if err != nil {
				t.Fatal(err)
			}
			counts[len(times)]++
		}
		borel := func(k int) float64 {
			lg, _ := math.Lgamma(float64(k) + 1)
			return math.Exp(-mu*float64(k) + float64(k-1)*math.Log(mu*float64(k)) - lg)
		}
		chi2, bins, tail, obsTail := 0.0, 0, 1.0, runs
		for k := 1; runs*borel(k) >= 5 && runs*(tail-borel(k)) >= 5; k++ {
			e := runs * borel(k)
			o := float64(counts[k])
			chi2 += (o - e) * (o - e) / e
			bins++
			tail -= borel(k)
			obsTail -= counts[k]
		}
		e := runs * tail
		chi2 += (float64(obsTail) - e) * (float64(obsTail) - e) / e
		bins++
		lim := distuv.ChiSquared{K: float64(bins - 1)}.Quantile(0.999)
		if chi2 > lim {
			t.Errorf("mu %g: chi-square %.1f over %d bins > %.1f", mu, chi2, bins, lim)
		}
	}
}

func TestCascadeMeanSize(t *testing.T) {
	// With power-law magnitudes and no horizon, the size of a cascade is the
	// total progeny of a Galton-Watson tree whose offspring (every event's,
	// the original tweet's included) is mixed Poisson with mean n*: its mean
	// is 1/(1-n*) and its variance s2/(1-n*)^3, where the offspring variance
	// is s2 = n* + Var(mu(m)) = n* + k0^2 (E m^(2beta) - E[m^beta]^2) with
	// k0 = kappa/(theta c^theta), finite for 2beta < alpha-1. The sample mean
	// of runs cascades is within zTol standard errors.
	if testing.Short() {
		t.Skip("long")
	}
	const runs = 200_000
	alpha := fit.Alpha
	cases := []struct{ nstar, beta float64 }{
		{0.3, 0},
		{0.5, 0},
		{0.5, 0.2},
		{0.6, 0.3},
	}
	for i, tc := range cases {
		const c, theta = 60.0, 0.5
		p := fit.Params{Kappa: fit.KappaFor(tc.nstar, tc.beta, c, theta), Beta: tc.beta, C: c, Theta: theta}
		r := rand.New(rand.NewPCG(7, uint64(i)))
		sizes := make([]float64, runs)
		for j := range sizes {
			times, _, err := Cascade(r, p, PowerLaw(alpha), math.Inf(1), 1e7)
			if err != nil {
				t.Fatal(err)
			}
			sizes[j] = float64(len(times))
		}
		got, _ := meanVar(sizes)
		want := 1 / (1 - tc.nstar)
		k0 := p.Kappa / (theta * math.Pow(c, theta))
		em := (alpha - 1) / (alpha - tc.beta - 1)
		em2 := (alpha - 1) / (alpha - 2*tc.beta - 1)
		s2 := tc.nstar + k0*k0*(em2-em*em)
		variance := s2 / math.Pow(1-tc.nstar, 3)
		if tol := zTol * math.Sqrt(variance/runs); math.Abs(got-want) > tol {
			t.Errorf("n* %g beta %g: mean size %.4f, want %.4f +- %.4f", tc.nstar, tc.beta, got, want, tol)
		}
	}
}

// renewalMean solves M(t) = 1 + mu * int_0^t M(t-s) dF(s), the expected number
// of events in [0, t] of a cascade whose events all have Poisson(mu)
// children with Lomax(c, theta) delays, on a grid of steps steps up to h, by
// the trapezoidal rule on dF (error O(step^2)), and returns M(h).
func renewalMean(mu, c, theta, h float64, steps int) float64 {
	dt := h / float64(steps)
	dF := make([]float64, steps+1)
	for i := 1; i <= steps; i++ {
		dF[i] = lomaxCDF(float64(i)*dt, c, theta) - lomaxCDF(float64(i-1)*dt, c, theta)
	}
	m := make([]float64, steps+1)
	m[0] = 1
	for j := 1; j <= steps; j++ {
		s := mu * dF[1] * m[j-1] / 2
		for i := 2; i <= j; i++ {
			s += mu * dF[i] * (m[j-i] + m[j-i+1]) / 2
		}
		m[j] = (1 + s) / (1 - mu*dF[1]/2)
	}
	return m[steps]
}

func TestCascadeHorizonMean(t *testing.T) {
	// With every magnitude 1 the expected number of events in [0, H] solves
	// the renewal equation of renewalMean, computed here independently of
	// the simulator; it lies well below the unbounded mean 1/(1-mu), so this
	// checks that late children and their subtrees are dropped, and only
	// them. Tolerance: zTol standard errors from the sample variance.
	if testing.Short() {
		t.Skip("long")
	}
	const runs = 200_000
	cases := []struct{ mu, c, theta, horizon float64 }{
		{0.5, 60, 0.5, 3600},
		{0.8, 10, 0.3, 86400},
		{0.7, 600, 1.5, 600},
	}
	for i, tc := range cases {
		p := fit.Params{Kappa: tc.mu * tc.theta * math.Pow(tc.c, tc.theta), Beta: 0.5, C: tc.c, Theta: tc.theta}
		want := renewalMean(tc.mu, tc.c, tc.theta, tc.horizon, 4000)
		r := rand.New(rand.NewPCG(8, uint64(i)))
		sizes := make([]float64, runs)
		for j := range sizes {
			times, _, err := Cascade(r, p, constMag(1), tc.horizon, 1e7)
			if err != nil {
				t.Fatal(err)
			}
			sizes[j] = float64(len(times))
		}
		got, variance := meanVar(sizes)
		tol := zTol * math.Sqrt(variance/runs)
		t.Logf("%+v: mean size %.4f, renewal %.4f +- %.4f, unbounded %.4f", tc, got, want, tol, 1/(1-tc.mu))
		if math.Abs(got-want) > tol {
			t.Errorf("%+v: mean size %.4f, want %.4f +- %.4f", tc, got, want, tol)
		}
	}
}

func TestCascadeInvariants(t *testing.T) {
	// Parameters drawn from DefaultRanges, the 7-day horizon, power-law
	// magnitudes: times are sorted, start at 0, stay in the horizon, and
	// every magnitude is a power-law draw (>= 1).
	rg := DefaultRanges()
	const horizon = DefaultHorizon
	for i := range 3000 {
		r := rand.New(rand.NewPCG(9, uint64(i)))
		p := rg.Draw(r)
		times, ms, err := Cascade(r, p, PowerLaw(fit.Alpha), horizon, DefaultMaxEvents)
		if errors.Is(err, ErrTooLarge) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(times) != len(ms) || len(times) == 0 || len(times) > DefaultMaxEvents {
			t.Fatalf("%+v: %d times, %d magnitudes", p, len(times), len(ms))
		}
		if times[0] != 0 {
			t.Errorf("%+v: times[0] = %g, want 0", p, times[0])
		}
		if !slices.IsSorted(times) {
			t.Errorf("%+v: times not sorted", p)
		}
		if times[len(times)-1] > horizon {
			t.Errorf("%+v: last time %g beyond the horizon", p, times[len(times)-1])
		}
		if m := slices.Min(ms); m < 1 {
			t.Errorf("%+v: magnitude %g < 1", p, m)
		}
	}
}

func TestCascadeTooLarge(t *testing.T) {
	// mu = 3 with every magnitude 1: the tree survives for ever with
	// probability 1-q, where q = exp(-3(1-q)) = 0.0595 is the extinction
	// probability, so with no horizon about 94% of the draws exceed
	// maxEvents.
	const maxEvents = 100
	p := fit.Params{Kappa: 3 * 1 * 20, Beta: 0.5, C: 20, Theta: 1}
	tooLarge := 0
	const runs = 1000
	for i := range runs {
		r := rand.New(rand.NewPCG(10, uint64(i)))
		times, _, err := Cascade(r, p, constMag(1), math.Inf(1), maxEvents)
		switch {
		case errors.Is(err, ErrTooLarge):
			tooLarge++
		case err != nil:
			t.Fatal(err)
		case len(times) > maxEvents:
			t.Fatalf("%d events > max %d", len(times), maxEvents)
		}
	}
	// An extinct tree is a subcritical one with mean offspring 3q = 0.18,
	// so practically never larger than 100: the count of draws too large is
	// Binomial(runs, 1-q), within zTol standard deviations. q is the
	// smallest root of q = exp(-3(1-q)), the limit of the iteration from 0.
	q := 0.0
	for range 200 {
		q = math.Exp(-3 * (1 - q))
	}
	want := runs * (1 - q)
	if tol := zTol * math.Sqrt(runs*q*(1-q)); math.Abs(float64(tooLarge)-want) > tol {
		t.Errorf("%d of %d cascades too large, want %.0f +- %.0f", tooLarge, runs, want, tol)
	}
	// A size of exactly maxEvents is allowed: maxEvents = 1 with no
	// children.
	times, _, err := Cascade(rand.New(rand.NewPCG(1, 1)), p, constMag(0), math.Inf(1), 1)
	if err != nil || len(times) != 1 {
		t.Errorf("childless cascade with max 1: %d events, err %v", len(times), err)
	}
}

func TestCascadeInvalid(t *testing.T) {
	good := fit.Params{Kappa: 1, Beta: 0.5, C: 60, Theta: 0.5}
	mod := func(f func(*fit.Params)) fit.Params { p := good; f(&p); return p }
	cases := []struct {
		name      string
		p         fit.Params
		mags      MagSampler
		horizon   float64
		maxEvents int
		want      string
	}{
		{"kappa 0", mod(func(p *fit.Params) { p.Kappa = 0 }), nil, 100, 10, "sim: invalid parameter: kappa = 0, want finite and > 0"},
		{"kappa NaN", mod(func(p *fit.Params) { p.Kappa = math.NaN() }), nil, 100, 10, "sim: invalid parameter: kappa = NaN, want finite and > 0"},
		{"beta < 0", mod(func(p *fit.Params) { p.Beta = -0.1 }), nil, 100, 10, "sim: invalid parameter: beta = -0.1, want finite and >= 0"},
		{"c 0", mod(func(p *fit.Params) { p.C = 0 }), nil, 100, 10, "sim: invalid parameter: c = 0, want finite and > 0"},
		{"theta < 0", mod(func(p *fit.Params) { p.Theta = -1 }), nil, 100, 10, "sim: invalid parameter: theta = -1, want finite and > 0"},
		{"theta Inf", mod(func(p *fit.Params) { p.Theta = math.Inf(1) }), nil, 100, 10, "sim: invalid parameter: theta = +Inf, want finite and > 0"},
		{"horizon < 0", good, nil, -1, 10, "sim: invalid parameter: horizon = -1, want >= 0"},
		{"horizon NaN", good, nil, math.NaN(), 10, "sim: invalid parameter: horizon = NaN, want >= 0"},
		{"max events 0", good, nil, 100, 0, "sim: invalid parameter: max events = 0, want >= 1"},
		{"negative magnitude", good, constMag(-1), 100, 10, "sim: invalid parameter: magnitude sampler returned -1"},
		{"NaN magnitude", good, constMag(math.NaN()), 100, 10, "sim: invalid parameter: magnitude sampler returned NaN"},
	}
	for _, tc := range cases {
		mags := tc.mags
		if mags == nil {
			mags = PowerLaw(fit.Alpha)
		}
		_, _, err := Cascade(rand.New(rand.NewPCG(1, 2)), tc.p, mags, tc.horizon, tc.maxEvents)
		if !errors.Is(err, ErrInvalid) || err.Error() != tc.want {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
}

func BenchmarkCascade(b *testing.B) {
	cases := []struct {
		name    string
		p       fit.Params
		mags    MagSampler
		horizon float64
	}{
		// Parameters in the middle of DefaultRanges, 7-day horizon.
		{"typical", fit.Params{Kappa: fit.KappaFor(0.8, 0.5, 60, 0.5), Beta: 0.5, C: 60, Theta: 0.5}, PowerLaw(fit.Alpha), DefaultHorizon},
		// Every magnitude 1, mu = 0.99, no horizon: mean size 100.
		{"large", fit.Params{Kappa: 0.99 * 0.5 * math.Sqrt(60), Beta: 0.5, C: 60, Theta: 0.5}, constMag(1), math.Inf(1)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(11, 0))
			b.ReportAllocs()
			events := 0
			for b.Loop() {
				times, _, err := Cascade(r, tc.p, tc.mags, tc.horizon, DefaultMaxEvents)
				if err != nil && !errors.Is(err, ErrTooLarge) {
					b.Fatal(err)
				}
				events += len(times)
			}
			b.ReportMetric(float64(events)/float64(b.N), "events/op")
		})
	}
}
