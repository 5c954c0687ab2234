package fit

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

// naiveLogLik is an independent, literal transcription of the log-likelihood
// of SPEC section 2 in (kappa, beta, c, theta): a loop over every event and
// every strictly earlier event, with no grouping of ties and no
// reparameterisation. It is the reference the fast code is checked against.
func naiveLogLik(times, mags []float64, T float64, p Params) float64 {
	pow := func(m float64) float64 {
		if m == 0 {
			return 0
		}
		return math.Pow(m, p.Beta)
	}
	var ll float64
	for i, ti := range times {
		if ti > T {
			break
		}
		var lambda float64
		earlier := false
		for j := 0; j < i; j++ {
			if times[j] < ti {
				earlier = true
				lambda += p.Kappa * pow(mags[j]) * math.Pow(p.C+ti-times[j], -(1+p.Theta))
			}
		}
		if earlier {
			ll += math.Log(lambda)
		}
		ll -= p.Kappa * pow(mags[i]) / p.Theta * (math.Pow(p.C, -p.Theta) - math.Pow(p.C+T-ti, -p.Theta))
	}
	return ll
}

// Small cascades exercising the special cases: ties (with the original tweet
// and later), magnitude 0, events after the window.
var testCascades = []struct {
	name        string
	times, mags []float64
	T           float64
}{
	{"plain", []float64{0, 3, 10, 42, 100, 250, 900}, []float64{1000, 20, 300, 5, 7000, 1, 50}, 600},
	{"ties", []float64{0, 0, 5, 5, 5, 9, 9, 30, 31, 31}, []float64{200, 40, 10, 3000, 2, 8, 90, 15, 100, 1}, 31},
	{"zero-mags", []float64{0, 2, 7, 7, 60, 61}, []float64{500, 0, 30, 0, 12, 0}, 100},
	{"single", []float64{0}, []float64{123}, 600},
	{"after-window", []float64{0, 1, 2, 700, 800}, []float64{10, 10, 10, 10, 10}, 600},
}

var testParams = []Params{
	{Kappa: 0.8, Beta: 0.6, C: 50, Theta: 0.7},
	{Kappa: 1e-3, Beta: 0.05, C: 0.5, Theta: 3},
	{Kappa: 20, Beta: 0.95, C: 400, Theta: 0.15},
}

func TestLogLikMatchesNaive(t *testing.T) {
	for _, tc := range testCascades {
		for _, p := range testParams {
			got := LogLik(tc.times, tc.mags, tc.T, p, nil)
			want := naiveLogLik(tc.times, tc.mags, tc.T, p)
			// Same sums in a different order: agreement to rounding.
			if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("%s %+v: LogLik = %.17g, naive = %.17g", tc.name, p, got, want)
			}
		}
	}
}

// centralGradient is gonum's central finite-difference derivative taken one
// coordinate at a time with a step relative to that coordinate, since the
// parameters span many orders of magnitude (kappa 1e-3, c 400).
func centralGradient(f func([]float64) float64, x []float64) []float64 {
	g := make([]float64, len(x))
	y := make([]float64, len(x))
	for i := range x {
		copy(y, x)
		g[i] = fd.Derivative(func(h float64) float64 {
			y[i] = h
			return f(y)
		}, x[i], &fd.Settings{Formula: fd.Central, Step: 1e-5 * math.Abs(x[i])})
	}
	return g
}

func TestLogLikGradientFiniteDifferences(t *testing.T) {
	for _, tc := range testCascades {
		for _, p := range testParams {
			f := func(x []float64) float64 {
				return LogLik(tc.times, tc.mags, tc.T, Params{x[0], x[1], x[2], x[3]}, nil)
			}
			want := centralGradient(f, []float64{p.Kappa, p.Beta, p.C, p.Theta})
			got := make([]float64, 4)
			LogLik(tc.times, tc.mags, tc.T, p, got)
			for i := range got {
				// Central differences have error O(h^2) plus rounding
				// O(eps/h) relative to the function: 1e-6 relative is
				// well above both for these smooth, moderate functions.
				scale := math.Max(1, math.Abs(want[i]))
				if math.Abs(got[i]-want[i]) > 1e-6*scale {
					t.Errorf("%s %+v: dL/dx%d = %.10g, finite differences %.10g", tc.name, p, i, got[i], want[i])
				}
			}
		}
	}
}

func TestExponentialGradientFiniteDifferences(t *testing.T) {
	qs := []exponential{{0.5, 0.3, 0.01}, {0.95, 0.9, 0.5}, {1.4, 0.01, 1e-4}}
	for _, tc := range testCascades {
		cs := newCascade(tc.times, tc.mags, tc.T)
		for _, q := range qs {
			f := func(x []float64) float64 {
				return cs.exactExponential(exponential{x[0], x[1], x[2]}, nil)
			}
			want := centralGradient(f, []float64{q.NStar, q.Beta, q.Rate})
			got := make([]float64, 3)
			cs.exactExponential(q, got)
			for i := range got {
				scale := math.Max(1, math.Abs(want[i]))
				if math.Abs(got[i]-want[i]) > 1e-6*scale {
					t.Errorf("%s %+v: dL/dx%d = %.10g, finite differences %.10g", tc.name, q, i, got[i], want[i])
				}
			}
		}
	}
}

// The exponential kernel is the limit of the power law as c, theta -> inf
// with theta/c fixed: (theta/c)(1+tau/c)^-(1+theta) -> r e^{-r tau}. The
// difference is O(1/theta), so at theta = 1e7 the log-likelihoods agree to
// about 1e-6 relative.
func TestExponentialIsPowerLawLimit(t *testing.T) {
	for _, tc := range testCascades {
		cs := newCascade(tc.times, tc.mags, tc.T)
		for _, r := range []float64{1e-3, 0.05} {
			theta := 1e7
			pl := cs.exactPowerLaw(normalized{NStar: 0.7, Beta: 0.4, C: theta / r, Theta: theta}, nil)
			ex := cs.exactExponential(exponential{NStar: 0.7, Beta: 0.4, Rate: r}, nil)
			if math.Abs(pl-ex) > 1e-5*math.Max(1, math.Abs(ex)) {
				t.Errorf("%s rate %g: power law at theta=1e7 %.12g, exponential %.12g", tc.name, r, pl, ex)
			}
		}
	}
}

func TestNormalizedRoundTrip(t *testing.T) {
	for _, p := range testParams {
		q := p.normalized()
		back := q.params()
		if math.Abs(back.Kappa-p.Kappa) > 1e-12*p.Kappa {
			t.Errorf("%+v: kappa round trip %g", p, back.Kappa)
		}
		// n* from SPEC section 2 written out.
		want := p.Kappa * (Alpha - 1) / (Alpha - p.Beta - 1) / (p.Theta * math.Pow(p.C, p.Theta))
		if math.Abs(q.NStar-want) > 1e-12*want {
			t.Errorf("%+v: n* = %g, formula %g", p, q.NStar, want)
		}
	}
}

// naiveExponential is a literal transcription of the log-likelihood of the
// exponential kernel n*/E[m^beta] m^beta r e^{-r tau}, the reference for
// exactExponential: a loop over every event and every strictly earlier one,
// and the compensator summed event by event.
func naiveExponential(times, mags []float64, T float64, q exponential) float64 {
	D := q.NStar * (Alpha - q.Beta - 1) / (Alpha - 1)
	pow := func(m float64) float64 {
		if m == 0 {
			return 0
		}
		return math.Pow(m, q.Beta)
	}
	var ll float64
	for i, ti := range times {
		if ti > T {
			break
		}
		var lambda float64
		earlier := false
		for j := 0; j < i; j++ {
			if times[j] < ti {
				earlier = true
				lambda += D * pow(mags[j]) * q.Rate * math.Exp(-q.Rate*(ti-times[j]))
			}
		}
		if earlier {
			ll += math.Log(lambda)
		}
		ll -= D * pow(mags[i]) * -math.Expm1(-q.Rate*(T-ti))
	}
	return ll
}

// exactExponential takes its compensator from the recursion's state at T
// unless that cancels (rates so small that few marks decay by T): both ways
// agree with the literal sum, from rates where nothing decays to rates where
// everything does.
func TestExponentialMatchesNaive(t *testing.T) {
	cases := testCascades
	times, mags := synthetic(2000, 3600, 3)
	cases = append(cases, struct {
		name        string
		times, mags []float64
		T           float64
	}{"synthetic", times, mags, 3600})
	for _, tc := range cases {
		cs := newCascade(tc.times, tc.mags, tc.T)
		for _, r := range []float64{1e-9, 1e-6, 1e-4, 1e-3, 0.01, 0.1, 1, 30} {
			q := exponential{NStar: 0.7, Beta: 0.5, Rate: r}
			got := cs.exactExponential(q, nil)
			want := naiveExponential(tc.times, tc.mags, tc.T, q)
			// 1e-11: rounding of sums of up to 2000 terms, and of the
			// recursion carried over them.
			if math.Abs(got-want) > 1e-11*math.Max(1, math.Abs(want)) {
				t.Errorf("%s rate %g: %.15g, literal sum %.15g", tc.name, r, got, want)
			}
		}
	}
}

// logSum agrees with the sum of n log x it replaces, also over factors whose
// product would overflow or underflow, and with ties (n > 1).
func TestLogSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name   string
		x      func() float64
		n      func() int
		factor int
	}{
		{"around 1", func() float64 { return 0.5 + rng.Float64() }, func() int { return 1 }, 1000},
		{"tiny", func() float64 { return 1e-300 * (1 + rng.Float64()) }, func() int { return 1 }, 500},
		{"huge", func() float64 { return 1e300 * (1 + rng.Float64()) }, func() int { return 1 }, 500},
		{"spread", func() float64 { return math.Exp(200 * (rng.Float64() - 0.5)) }, func() int { return 1 + rng.IntN(3) }, 777},
		{"one", func() float64 { return 2.5 }, func() int { return 1 }, 1},
		{"ties", func() float64 { return math.Exp(20 * (rng.Float64() - 0.5)) }, func() int { return 1 + rng.IntN(40) }, 999},
		{"subnormal", func() float64 { return 1e-310 * (1 + rng.Float64()) }, func() int { return 1 + rng.IntN(2) }, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newLogSum()
			var want, scale float64
			for range tc.factor {
				x, n := tc.x(), tc.n()
				s.add(x, n)
				// math.Log errs on subnormals on amd64 (log(1.3e-310)
				// = -709.08 instead of -713.54): scale them up first.
				lx := math.Log(x)
				if x < 0x1p-1022 {
					lx = math.Log(x*0x1p64) - 64*math.Ln2
				}
				want += float64(n) * lx
				scale += math.Abs(float64(n) * lx)
			}
			if got := s.value(); math.Abs(got-want) > 1e-14*math.Max(1, scale) {
				t.Errorf("logSum = %.17g, want %.17g", got, want)
			}
		})
	}
	if got := newLogSum(); got.value() != 0 {
		t.Errorf("empty logSum = %g, want 0", got.value())
	}
}

// exactPowerLaw looks its kernel up by lag where the distinct times are
// whole numbers (lagKernel): its value and gradient are bit for bit those
// of the pair loop that computes y and w at every pair, at parameters in
// turn new and repeated (the table is kept between evaluations). Times that
// are not whole numbers take no table.
func TestLagKernelMatchesPairLoop(t *testing.T) {
	cases := testCascades
	n := 1500
	if testing.Short() {
		n = 400 // a second under -race
	}
	times, mags := synthetic(n, 3600, 5) // whole seconds
	ft, fm := synthetic(300, 3600, 6)
	for i := range ft {
		ft[i] *= 1.37
	}
	cases = append(cases, struct {
		name        string
		times, mags []float64
		T           float64
	}{"synthetic-whole", times, mags, 3600}, struct {
		name        string
		times, mags []float64
		T           float64
	}{"synthetic-fractional", ft, fm, 3600})
	qs := []normalized{
		{NStar: 0.7, Beta: 0.4, C: 30, Theta: 0.8},
		{NStar: 0.7, Beta: 0.5, C: 30, Theta: 0.8}, // same c and theta
		{NStar: 1.3, Beta: 0.9, C: 1e-3, Theta: 4},
		{NStar: 0.2, Beta: 0.01, C: 6e17, Theta: 1e16},
		{NStar: 0.03, Beta: 0.6, C: 3e-23, Theta: 8e-25},
	}
	for _, tc := range cases {
		cs := newCascade(tc.times, tc.mags, tc.T)
		plain := newCascade(tc.times, tc.mags, tc.T)
		plain.lags = &lagTable{} // no table: the pair loop
		whole := tc.name != "synthetic-fractional"
		for _, q := range qs {
			var g, h [4]float64
			got := cs.exactPowerLaw(q, g[:])
			want := plain.exactPowerLaw(q, h[:])
			if math.Float64bits(got) != math.Float64bits(want) || g != h {
				t.Errorf("%s %+v: %v %v by lag, %v %v by pair", tc.name, q, got, g, want, h)
			}
		}
		if has := cs.lags.kern != nil; has != (whole && len(cs.u) > 1) {
			t.Errorf("%s: lag table %v", tc.name, has)
		}
	}
}

// BenchmarkExactPerEvaluation measures what one evaluation costs besides
// the fast likelihood's loop over rates, on a synthetic cascade of 2 000
// events over an hour with whole-second times: the marks m^beta at a new
// beta, the exponential limit's likelihood, and the exact power law with
// its kernel by lag (lagKernel) and by pair.
func BenchmarkExactPerEvaluation(b *testing.B) {
	times, mags := synthetic(2000, 3600, 7)
	cs := newCascade(times, mags, 3600)
	grad := make([]float64, 4)
	b.Run("marks", func(b *testing.B) {
		for i := range b.N {
			cs.marks(0.3 + 1e-9*float64(i%2))
		}
	})
	b.Run("exponential", func(b *testing.B) {
		for range b.N {
			cs.exactExponential(exponential{NStar: 0.7, Beta: 0.4, Rate: 1e-3}, grad)
		}
	})
	q := normalized{NStar: 0.7, Beta: 0.4, C: 30, Theta: 0.8}
	b.Run("power-law/by-lag", func(b *testing.B) {
		for i := range b.N {
			q.Theta = 0.8 + 1e-9*float64(i%2) // a new kernel each time
			cs.exactPowerLaw(q, grad)
		}
	})
	plain := newCascade(times, mags, 3600)
	plain.lags = &lagTable{}
	b.Run("power-law/by-pair", func(b *testing.B) {
		for range b.N {
			plain.exactPowerLaw(q, grad)
		}
	})
}
