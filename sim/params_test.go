package sim

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hawkes-toolkit/hawkes/fit"
)

func TestKappaFor(t *testing.T) {
	cases := []struct {
		nstar, beta, c, theta, alpha float64
		want                         float64 // kappa
	}{
		// beta = 0: E[m^0] = 1, so kappa = n* theta c^theta = 0.5*1*100.
		{0.5, 0, 100, 1, fit.Alpha, 50},
		// theta = 2, c = 10: theta c^theta = 200; E[m^0.5] = 2/1.5 under
		// alpha = 3, so kappa = 0.9 * 200 / (4/3) = 135.
		{0.9, 0.5, 10, 2, 3, 135},
		// theta c^theta = 0.5 * sqrt(60); (alpha-beta-1)/(alpha-1) =
		// 0.716/1.016, computed by hand.
		{0.8, 0.3, 60, 0.5, fit.Alpha, 0.8 * 0.5 * math.Sqrt(60) * 0.716 / 1.016},
	}
	for _, tc := range cases {
		got := KappaFor(tc.nstar, tc.beta, tc.c, tc.theta, tc.alpha)
		if math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("KappaFor(%g, %g, %g, %g, %g) = %.15g, want %.15g", tc.nstar, tc.beta, tc.c, tc.theta, tc.alpha, got, tc.want)
		}
		// BranchingFactor inverts KappaFor (both from SPEC section 2).
		p := fit.Params{Kappa: got, Beta: tc.beta, C: tc.c, Theta: tc.theta}
		if n := BranchingFactor(p, tc.alpha); math.Abs(n-tc.nstar) > 1e-12 {
			t.Errorf("BranchingFactor(%+v) = %.15g, want %g", p, n, tc.nstar)
		}
	}
}

func TestBranchingFactorInfinite(t *testing.T) {
	// E[m^beta] diverges for beta >= alpha-1.
	for _, beta := range []float64{fit.Alpha - 1, 1.5} {
		p := fit.Params{Kappa: 1, Beta: beta, C: 10, Theta: 1}
		if n := BranchingFactor(p, fit.Alpha); !math.IsInf(n, 1) {
			t.Errorf("beta %g: n* = %g, want +Inf", beta, n)
		}
	}
}

func TestRangesDraw(t *testing.T) {
	rg := DefaultRanges()
	want := Ranges{
		NStar: [2]float64{0.5, 0.95},
		Beta:  [2]float64{0.1, 0.9},
		C:     [2]float64{10, 600},
		Theta: [2]float64{0.2, 2},
	}
	if rg != want {
		t.Fatalf("DefaultRanges() = %+v, want %+v", rg, want)
	}
	r := rand.New(rand.NewPCG(4, 0))
	const n = 20_000
	in := func(x float64, b [2]float64) bool { return x >= b[0] && x <= b[1] }
	var sumN, sumB, sumLogC, sumLogTheta float64
	for range n {
		p := rg.Draw(r, fit.Alpha)
		nstar := BranchingFactor(p, fit.Alpha)
		if !in(nstar, [2]float64{rg.NStar[0] - 1e-12, rg.NStar[1] + 1e-12}) || !in(p.Beta, rg.Beta) || !in(p.C, rg.C) || !in(p.Theta, rg.Theta) {
			t.Fatalf("draw %+v (n* %g) outside %+v", p, nstar, rg)
		}
		if err := validateModel(p, fit.Alpha, false); err != nil {
			t.Fatalf("draw %+v: %v", p, err)
		}
		sumN += nstar
		sumB += p.Beta
		sumLogC += math.Log(p.C)
		sumLogTheta += math.Log(p.Theta)
	}
	// NStar and Beta are uniform, log C and log Theta are uniform: each
	// mean is the midpoint of its range, with standard error
	// width/sqrt(12 n).
	for _, m := range []struct {
		name   string
		sum    float64
		lo, hi float64
	}{
		{"n*", sumN, rg.NStar[0], rg.NStar[1]},
		{"beta", sumB, rg.Beta[0], rg.Beta[1]},
		{"log c", sumLogC, math.Log(rg.C[0]), math.Log(rg.C[1])},
		{"log theta", sumLogTheta, math.Log(rg.Theta[0]), math.Log(rg.Theta[1])},
	} {
		got, want := m.sum/n, (m.lo+m.hi)/2
		if tol := zTol * (m.hi - m.lo) / math.Sqrt(12*n); math.Abs(got-want) > tol {
			t.Errorf("mean %s = %.5f, want %.5f +- %.5f", m.name, got, want, tol)
		}
	}

	// A range with lo == hi fixes the parameter exactly.
	fixed := Ranges{NStar: [2]float64{0.7, 0.7}, Beta: [2]float64{0.3, 0.3}, C: [2]float64{60, 60}, Theta: [2]float64{0.5, 0.5}}
	p := fixed.Draw(r, fit.Alpha)
	if p.Beta != 0.3 || p.C != 60 || p.Theta != 0.5 || p.Kappa != KappaFor(0.7, 0.3, 60, 0.5, fit.Alpha) {
		t.Errorf("fixed ranges drew %+v", p)
	}
}

// ParamsFor checks beta, c, theta and n* before giving the kappa of KappaFor.
func TestParamsFor(t *testing.T) {
	p, err := ParamsFor(0.8, 0.5, 60, 0.8, fit.Alpha)
	if err != nil || p != (fit.Params{Kappa: KappaFor(0.8, 0.5, 60, 0.8, fit.Alpha), Beta: 0.5, C: 60, Theta: 0.8}) {
		t.Errorf("ParamsFor(0.8, ...) = %+v, %v", p, err)
	}
	for _, tt := range []struct {
		name                  string
		nstar, beta, c, theta float64
		want                  string
	}{
		{"nstar 0", 0, 0.5, 60, 0.8, "nstar = 0, want 0 < nstar < 1"},
		{"nstar 1", 1, 0.5, 60, 0.8, "nstar = 1, want 0 < nstar < 1"},
		{"nstar NaN", math.NaN(), 0.5, 60, 0.8, "nstar = NaN, want 0 < nstar < 1"},
		{"beta < 0", 0.5, -0.1, 60, 0.8, "beta = -0.1, want finite and >= 0"},
		{"beta >= alpha-1", 0.5, 1.016, 60, 0.8, "beta = 1.016, want beta < alpha-1 = 1.016"},
		{"c 0", 0.5, 0.5, 0, 0.8, "c = 0, want finite and > 0"},
		{"theta Inf", 0.5, 0.5, 60, math.Inf(1), "theta = +Inf, want finite and > 0"},
	} {
		_, err := ParamsFor(tt.nstar, tt.beta, tt.c, tt.theta, fit.Alpha)
		if want := "sim: invalid parameter: " + tt.want; !errors.Is(err, ErrInvalid) || err.Error() != want {
			t.Errorf("%s: error %v, want %q", tt.name, err, want)
		}
	}
}

// Config.Validate checks the fields as given: the zero Horizon and
// MaxEvents that Dataset takes for defaults are errors here.
func TestConfigValidate(t *testing.T) {
	p, _ := ParamsFor(0.5, 0.5, 60, 0.8, fit.Alpha)
	good := Config{Params: p, Horizon: DefaultHorizon, MaxEvents: DefaultMaxEvents}
	if err := good.Validate(); err != nil {
		t.Errorf("good config: %v", err)
	}
	for _, cfg := range []Config{{Params: p, MaxEvents: 1}, {Params: p, Horizon: 1}} {
		if err := cfg.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: error %v, want ErrInvalid", cfg, err)
		}
	}
}
