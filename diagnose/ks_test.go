package diagnose

import (
	"math"
	"testing"
)

// TestKolmogorovPublished checks the p-value against published values of
// Kolmogorov's distribution.
func TestKolmogorovPublished(t *testing.T) {
	for _, tc := range []struct {
		n    int
		d    float64
		want float64 // P(D_n >= d)
		tol  float64
		src  string
	}{
		// Marsaglia, Tsang and Wang (2003), section 4: K(10, 0.274) = 0.6284796154565043.
		{10, 0.274, 1 - 0.6284796154565043, 1e-12, "MTW 2003"},
		// Exact forms of Ruben and Gambino (1982), quoted by Simard and
		// L'Ecuyer (2011): P(D_n < d) = n! (2d - 1/n)^n for
		// 1/(2n) <= d <= 1/n, and P(D_n >= d) = 2 (1-d)^n for d >= 1 - 1/n.
		{3, 0.3, 1 - 6*math.Pow(0.6-1.0/3, 3), 1e-12, "Ruben-Gambino, lower"},
		{5, 0.15, 1 - 120*math.Pow(0.3-0.2, 5), 1e-12, "Ruben-Gambino, lower"},
		{1, 0.7, 2 * 0.3, 1e-12, "n = 1: P(D_1 >= d) = 2(1-d)"},
		{4, 0.8, 2 * math.Pow(0.2, 4), 1e-12, "Ruben-Gambino, upper"},
		// Two-sided 5 % critical values of Miller (1956), J. Am. Stat.
		// Assoc. 51, table 1 (one-sided 2.5 %); the two-sided level of
		// his values is 0.05 to about 1e-4.
		{5, 0.56328, 0.05, 5e-4, "Miller 1956, n = 5"},
		{10, 0.40925, 0.05, 5e-4, "Miller 1956, n = 10"},
		{20, 0.29408, 0.05, 5e-4, "Miller 1956, n = 20"},
		{40, 0.21012, 0.05, 5e-4, "Miller 1956, n = 40"},
		{100, 0.13403, 0.05, 5e-4, "Miller 1956, n = 100"},
	} {
		if got := KolmogorovPValue(tc.n, tc.d); math.Abs(got-tc.want) > tc.tol {
			t.Errorf("%s: P(D_%d >= %g) = %.15g, want %.15g", tc.src, tc.n, tc.d, got, tc.want)
		}
	}
	// Kolmogorov's limit law: the quantiles 1.2239, 1.3581 and 1.6276 of
	// sqrt(n) D_n at 10 %, 5 % and 1 % (Smirnov 1948's table).
	for _, tc := range []struct{ x, q float64 }{{1.2239, 0.10}, {1.3581, 0.05}, {1.6276, 0.01}, {0.5, 0.963945}} {
		if got := kolmogorovQ(tc.x); math.Abs(got-tc.q) > 1e-4 {
			t.Errorf("Q(%g) = %.6g, want %g", tc.x, got, tc.q)
		}
	}
}

// TestKolmogorovAsymptoticAgrees checks that Stephens's corrected limit law
// is close to the exact method where KolmogorovPValue uses it (n d >= 60,
// below the far tail), comparing with the exact method on larger matrices
// (up to 301 rows). It is a long sweep; TestKolmogorovStephens checks two of
// its points under -short.
func TestKolmogorovAsymptoticAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("long sweep of the exact method on large matrices")
	}
	ns := []int{2000, 5000, 20000}
	worst := 0.0
	for _, n := range ns {
		nf := float64(n)
		sq := math.Sqrt(nf)
		for x := 60 / sq; x < 2; x += 0.1 {
			d := x / sq
			if s := nf * d * d; s > 3.76 || 2*(int(nf*d)+1)-1 > 301 {
				continue
			}
			exact := 1 - mtwCDF(n, d)
			got := KolmogorovPValue(n, d)
			worst = math.Max(worst, math.Abs(exact-got))
		}
	}
	if worst > 1.5e-3 {
		t.Errorf("Stephens's approximation differs from the exact p-value by up to %.3g", worst)
	}
	t.Logf("largest |exact - Stephens| where it is used, n in %v: %.3g", ns, worst)
}

// TestKolmogorovStephens checks the large-n branch at two points against
// the exact method's values (1 - mtwCDF with 141 and 193 rows, computed once
// and written here).
func TestKolmogorovStephens(t *testing.T) {
	for _, tc := range []struct{ x, exact, tol float64 }{
		{1.0, 0.26748509619372984, 1e-3},
		{1.36, 0.048848556358354278, 1e-4},
	} {
		if got := KolmogorovPValue(5000, tc.x/math.Sqrt(5000)); math.Abs(got-tc.exact) > tc.tol {
			t.Errorf("P(D_5000 >= %g/sqrt(5000)) = %.6g, exact %.6g", tc.x, got, tc.exact)
		}
	}
}

// TestKolmogorovMonotone checks that the p-value stays in [0, 1] and
// decreases in d, across the switches between its methods.
func TestKolmogorovMonotone(t *testing.T) {
	ns, step := []int{1, 7, 150}, 0.005
	if !testing.Short() {
		ns, step = append(ns, 3000, 100000), 0.001
	}
	for _, n := range ns {
		prev := 1.0
		for d := 0.0; d <= 1; d += step {
			p := KolmogorovPValue(n, d)
			if p > prev+1e-9 || p < 0 || p > 1 {
				t.Fatalf("n = %d: p(%g) = %g after %g", n, d, p, prev)
			}
			prev = p
		}
	}
}

// TestKSExponential checks the statistic on a sample whose distance is
// worked out by hand: for x = {ln 2} (F = 1/2) D = 1/2.
func TestKSExponential(t *testing.T) {
	d, p := KSExponential([]float64{math.Ln2})
	if math.Abs(d-0.5) > 1e-15 || math.Abs(p-1) > 1e-12 {
		t.Errorf("D, p = %g, %g; want 0.5, 1", d, p)
	}
	// The exact quantiles of Exp(1), -log(1 - (i-1/2)/n), are at distance
	// 1/(2n) from the law, the smallest possible.
	x := make([]float64, 50)
	for i := range x {
		x[i] = -math.Log(1 - (float64(i)+0.5)/50)
	}
	if d, _ := KSExponential(x); math.Abs(d-0.01) > 1e-12 {
		t.Errorf("D of the mid-quantiles = %g, want 0.01", d)
	}
}

// FuzzKolmogorovPValue checks that every statistic of every sample size
// gets a p-value in [0, 1], without a panic, and that the p-value of the
// statistic of a sample does not depend on its order.
func FuzzKolmogorovPValue(f *testing.F) {
	f.Add(uint16(10), 0.274)
	f.Add(uint16(1), 0.5)
	f.Add(uint16(5000), 0.02)
	f.Fuzz(func(t *testing.T, n uint16, d float64) {
		if n == 0 {
			return
		}
		p := KolmogorovPValue(int(n), d)
		if math.IsNaN(d) {
			if !math.IsNaN(p) {
				t.Errorf("p(%d, NaN) = %g", n, p)
			}
			return
		}
		if !(p >= 0 && p <= 1) {
			t.Errorf("p(%d, %g) = %g, want in [0, 1]", n, d, p)
		}
	})
}
