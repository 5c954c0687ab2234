package sim

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hawkes-toolkit/hawkes/fit"
)

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
		p := rg.Draw(r)
		nstar := p.NStar()
		if !in(nstar, [2]float64{rg.NStar[0] - 1e-12, rg.NStar[1] + 1e-12}) || !in(p.Beta, rg.Beta) || !in(p.C, rg.C) || !in(p.Theta, rg.Theta) {
			t.Fatalf("draw %+v (n* %g) outside %+v", p, nstar, rg)
		}
		if err := validateModel(p, false); err != nil {
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
	p := fixed.Draw(r)
	if p.Beta != 0.3 || p.C != 60 || p.Theta != 0.5 || p.Kappa != fit.KappaFor(0.7, 0.3, 60, 0.5) {
		t.Errorf("fixed ranges drew %+v", p)
	}
}

// ParamsFor checks beta, c, theta and n* before giving the kappa of
// fit.KappaFor.
func TestParamsFor(t *testing.T) {
	p, err := ParamsFor(0.8, 0.5, 60, 0.8)
	if err != nil || p != (fit.Params{Kappa: fit.KappaFor(0.8, 0.5, 60, 0.8), Beta: 0.5, C: 60, Theta: 0.8}) {
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
		_, err := ParamsFor(tt.nstar, tt.beta, tt.c, tt.theta)
		if want := "sim: invalid parameter: " + tt.want; !errors.Is(err, ErrInvalid) || err.Error() != want {
			t.Errorf("%s: error %v, want %q", tt.name, err, want)
		}
	}
}

// Config.Validate checks the fields as given: the zero Horizon and
// MaxEvents that Dataset takes for defaults are errors here.
func TestConfigValidate(t *testing.T) {
	p, _ := ParamsFor(0.5, 0.5, 60, 0.8)
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
