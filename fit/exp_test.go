package fit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// fastExp is within 2.5 ulps of math.Exp over the range it covers, on a
// dense grid and at random points (a tenth of them under -short), and is
// math.Exp beyond it.
func TestFastExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	worst := 0.0
	check := func(x float64) {
		want := math.Exp(x)
		got := fastExp(x)
		ulp := math.Nextafter(want, math.Inf(1)) - want
		if d := math.Abs(got-want) / ulp; d > worst {
			worst = d
		}
	}
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for i := range n + 1 {
		check(-699.9 + 1399.8*float64(i)/float64(n))
	}
	for range n {
		check(40 * (rng.Float64() - 0.5))
		check(1e-3 * (rng.Float64() - 0.5))
	}
	for _, x := range []float64{0, 1, -1, math.Ln2, 20 * math.Ln2} {
		check(x)
	}
	if worst > 2.5 {
		t.Errorf("fastExp errs by %.2f ulps", worst)
	}
	t.Logf("worst error %.2f ulps", worst)
	for _, x := range []float64{-800, 710, math.Inf(-1), math.Inf(1)} {
		if got, want := fastExp(x), math.Exp(x); got != want {
			t.Errorf("fastExp(%g) = %g, want %g", x, got, want)
		}
	}
	if got := fastExp(math.NaN()); !math.IsNaN(got) {
		t.Errorf("fastExp(NaN) = %g", got)
	}
}

// BenchmarkExp compares fastExp, one call per exponential, and expPowers,
// one call for all, with math.Exp on the arguments marks gives them:
// beta log m for follower counts m up to 1e7.
func BenchmarkExp(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = 0.7 * math.Log(math.Floor(math.Pow(1-rng.Float64(), -1/(Alpha-1))))
	}
	out := make([]float64, len(xs))
	b.Run("fastExp", func(b *testing.B) {
		for range b.N {
			for i, x := range xs {
				out[i] = fastExp(x)
			}
		}
	})
	pow := make([][2]float64, len(xs))
	b.Run("expPowers", func(b *testing.B) {
		for range b.N {
			expPowers(pow, xs, 1)
		}
	})
	b.Run("math.Exp", func(b *testing.B) {
		for range b.N {
			for i, x := range xs {
				out[i] = math.Exp(x)
			}
		}
	})
}

// expPowers gives each argument its power whatever its neighbours: in a
// slice that mixes arguments in range with arguments beyond |x| < 700
// (left to math.Exp by a second loop), each entry is e^(beta x) to 2.5
// ulps, math.Exp's value beyond the range, and times x beside it.
func TestExpPowersMixed(t *testing.T) {
	for _, tc := range []struct {
		name string
		beta float64
		xs   []float64
	}{
		{"all in range", 0.7, []float64{0, 1, 2.5, 13.8, 21}},
		{"some beyond", 1, []float64{3, 800, -2, -750, 699.9, math.Inf(1), 5}},
		{"all beyond", 50, []float64{20, -15, 100}},
		{"beta zero", 0, []float64{0, 7, 1e300}},
		{"empty", 0.3, nil},
	} {
		pow := make([][2]float64, len(tc.xs))
		expPowers(pow, tc.xs, tc.beta)
		for i, lm := range tc.xs {
			x := tc.beta * lm
			want := math.Exp(x)
			got := pow[i][0]
			if x > -700 && x < 700 {
				ulp := math.Nextafter(want, math.Inf(1)) - want
				if math.Abs(got-want) > 2.5*ulp {
					t.Errorf("%s: e^%g = %g, math.Exp %g", tc.name, x, got, want)
				}
			} else if got != want {
				t.Errorf("%s: e^%g = %g beyond the range, math.Exp %g", tc.name, x, got, want)
			}
			if wl := got * lm; pow[i][1] != wl && !math.IsNaN(wl) {
				t.Errorf("%s: second entry %g, want %g", tc.name, pow[i][1], wl)
			}
		}
	}
}

// fastExp returns e^x by expPowers' method, one argument at a time, for
// the tests and the benchmark. Outside |x| < 700 it is math.Exp.
func fastExp(x float64) float64 {
	var p [1][2]float64
	xs := [1]float64{x}
	expPowers(p[:], xs[:], 1)
	return p[0][0]
}
