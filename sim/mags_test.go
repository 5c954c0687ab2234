package sim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hawkes-toolkit/hawkes/fit"
)

func TestPowerLawMoments(t *testing.T) {
	// E[m^beta] = (alpha-1)/(alpha-beta-1) under P(m) = (alpha-1) m^-alpha
	// (SPEC section 2); the variance of m^beta is
	// (alpha-1)/(alpha-2beta-1) - E[m^beta]^2, finite for 2beta < alpha-1,
	// so the sample mean of n draws is within zTol*sqrt(var/n) by the CLT.
	const n = 1_000_000
	cases := []struct {
		alpha, beta float64
	}{
		{fit.Alpha, 0.1},
		{fit.Alpha, 0.25},
		{fit.Alpha, 0.4}, // 2beta = 0.8 < alpha-1 = 1.016
		{3, 0.5},         // 2beta = 1 < alpha-1 = 2
	}
	for i, tc := range cases {
		r := rand.New(rand.NewPCG(1, uint64(i)))
		draw := PowerLaw(tc.alpha)
		sum := 0.0
		for range n {
			sum += math.Pow(draw(r), tc.beta)
		}
		got := sum / n
		want := (tc.alpha - 1) / (tc.alpha - tc.beta - 1)
		variance := (tc.alpha-1)/(tc.alpha-2*tc.beta-1) - want*want
		tol := zTol * math.Sqrt(variance/n)
		if math.Abs(got-want) > tol {
			t.Errorf("alpha %g beta %g: mean m^beta = %.5f, want %.5f +- %.5f", tc.alpha, tc.beta, got, want, tol)
		}
	}
}

func TestPowerLawCDF(t *testing.T) {
	// The CDF of the power law is 1 - m^-(alpha-1) for m >= 1; the KS
	// statistic of n draws stays below ksCrit999/sqrt(n) with probability
	// 0.999.
	const n = 100_000
	for i, alpha := range []float64{fit.Alpha, 1.5, 3} {
		r := rand.New(rand.NewPCG(2, uint64(i)))
		draw := PowerLaw(alpha)
		x := make([]float64, n)
		for j := range x {
			x[j] = draw(r)
			if x[j] < 1 {
				t.Fatalf("alpha %g: draw %g < 1", alpha, x[j])
			}
		}
		d := ksStat(x, func(m float64) float64 { return -math.Expm1(-(alpha - 1) * math.Log(m)) })
		if lim := ksCrit999 / math.Sqrt(n); d > lim {
			t.Errorf("alpha %g: KS statistic %.5f > %.5f", alpha, d, lim)
		}
	}
}

func TestPowerLawPanics(t *testing.T) {
	for _, alpha := range []float64{1, 0.5, math.NaN(), math.Inf(1)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("PowerLaw(%g) did not panic", alpha)
				}
			}()
			PowerLaw(alpha)
		}()
	}
}

func TestEmpirical(t *testing.T) {
	list := []float64{0, 3, 17, 250, 17}
	draw := Empirical(list)
	list[1] = -1 // the sampler keeps its own copy
	r := rand.New(rand.NewPCG(3, 0))
	counts := map[float64]int{}
	const n = 50_000
	for range n {
		counts[draw(r)]++
	}
	// Each listed entry is drawn with probability 1/5, so 17 (listed twice)
	// with probability 2/5; a count is binomial with sd sqrt(n p (1-p)).
	want := map[float64]float64{0: 0.2, 3: 0.2, 17: 0.4, 250: 0.2}
	for m, c := range counts {
		p, ok := want[m]
		if !ok {
			t.Fatalf("drew %g, which is not in the list", m)
		}
		if tol := zTol * math.Sqrt(n*p*(1-p)); math.Abs(float64(c)-n*p) > tol {
			t.Errorf("magnitude %g drawn %d times, want %g +- %.0f", m, c, n*p, tol)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("drew %d distinct values, want %d", len(counts), len(want))
	}
}

func TestEmpiricalPanics(t *testing.T) {
	cases := []struct {
		mags []float64
		want string
	}{
		{nil, "sim: empty magnitude list"},
		{[]float64{}, "sim: empty magnitude list"},
		{[]float64{1, -2}, "sim: magnitude 1 is -2, want finite and >= 0"},
		{[]float64{math.NaN()}, "sim: magnitude 0 is NaN, want finite and >= 0"},
		{[]float64{math.Inf(1)}, "sim: magnitude 0 is +Inf, want finite and >= 0"},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				if got := recover(); got != tc.want {
					t.Errorf("Empirical(%v) panicked with %v, want %q", tc.mags, got, tc.want)
				}
			}()
			Empirical(tc.mags)
		}()
	}
}

func TestPowBetaZero(t *testing.T) {
	// SPEC section 1: m^beta with m = 0 is 0, also for beta = 0.
	for _, beta := range []float64{0, 0.5, 1} {
		if got := powBeta(0, beta); got != 0 {
			t.Errorf("powBeta(0, %g) = %g, want 0", beta, got)
		}
	}
	if got := powBeta(4, 0.5); math.Abs(got-2) > 1e-15 {
		t.Errorf("powBeta(4, 0.5) = %g, want 2", got)
	}
}
