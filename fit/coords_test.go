package fit

import (
	"math"
	"testing"
)

func TestKappaForAndNStar(t *testing.T) {
	cases := []struct {
		nstar, beta, c, theta float64
		want                  float64 // kappa
	}{
		// beta = 0: E[m^0] = 1, so kappa = n* theta c^theta = 0.5*1*100.
		{0.5, 0, 100, 1, 50},
		// theta = 2, c = 10: theta c^theta = 200; beta = (Alpha-1)/2 gives
		// E[m^beta] = (Alpha-1)/(Alpha-beta-1) = 2, so kappa = 0.9*200/2.
		{0.9, (Alpha - 1) / 2, 10, 2, 90},
		// theta c^theta = 0.5 * sqrt(60); (Alpha-beta-1)/(Alpha-1) =
		// 0.716/1.016, computed by hand.
		{0.8, 0.3, 60, 0.5, 0.8 * 0.5 * math.Sqrt(60) * 0.716 / 1.016},
	}
	for _, tc := range cases {
		got := KappaFor(tc.nstar, tc.beta, tc.c, tc.theta)
		if math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("KappaFor(%g, %g, %g, %g) = %.15g, want %.15g", tc.nstar, tc.beta, tc.c, tc.theta, got, tc.want)
		}
		// NStar inverts KappaFor (both from SPEC section 2).
		p := Params{Kappa: got, Beta: tc.beta, C: tc.c, Theta: tc.theta}
		if n := p.NStar(); math.Abs(n-tc.nstar) > 1e-12 {
			t.Errorf("%+v.NStar() = %.15g, want %g", p, n, tc.nstar)
		}
	}
}

func TestNStarInfinite(t *testing.T) {
	// E[m^beta] diverges for beta >= Alpha-1.
	for _, beta := range []float64{Alpha - 1, 1.5} {
		p := Params{Kappa: 1, Beta: beta, C: 10, Theta: 1}
		if n := p.NStar(); !math.IsInf(n, 1) {
			t.Errorf("beta %g: n* = %g, want +Inf", beta, n)
		}
	}
}
