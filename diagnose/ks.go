package diagnose

import (
	"math"
	"slices"
)

// KSExponential returns the one-sample Kolmogorov-Smirnov statistic of x
// against the unit exponential law, D = sup_x |F_n(x) - (1 - e^-x)|, and its
// two-sided p-value P(D_n >= D) under that law (KolmogorovPValue). x is not
// modified. It returns NaN for both when x is empty.
func KSExponential(x []float64) (d, p float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	n := float64(len(s))
	for i, v := range s {
		f := -math.Expm1(-math.Max(v, 0)) // 1 - e^-v
		d = math.Max(d, math.Max(float64(i+1)/n-f, f-float64(i)/n))
	}
	return d, KolmogorovPValue(len(s), d)
}

// Bounds of the exact evaluation of Kolmogorov's distribution.
const (
	// mtwMaxOrder is the largest matrix of Marsaglia, Tsang and Wang's
	// method, 2k-1 with k = ceil(n d): about 2e6 flops per product and
	// 2 log2(n) products, some 50 ms at n = 1e5.
	mtwMaxOrder = 121
	// Exponent bookkeeping of the matrix power, as in their code.
	mtwBig    = 1e140
	mtwBigExp = 140
)

// KolmogorovPValue returns P(D_n >= d), the two-sided p-value of the
// one-sample Kolmogorov-Smirnov statistic d of n observations from a
// continuous law (the complement of Kolmogorov's distribution K(n, d)).
//
//   - In the far upper tail, n d^2 > 7.24, or > 3.76 when n > 99, it is
//     Marsaglia, Tsang and Wang's approximation
//     2 exp(-(2.000071 + 0.331/sqrt(n) + 1.409/n) n d^2), good to about 5
//     digits there by their account.
//   - Else, when the matrix of their exact method (2k-1 rows, k = ceil(n d))
//     has at most mtwMaxOrder rows, it is 1 - K(n, d) by that method
//     (Durbin's matrix formula, J. Stat. Softw. 8(18), 2003).
//   - Else (large n: n >= 957 there) it is Kolmogorov's limit law at
//     Stephens's corrected argument, Q((sqrt(n) + 0.12 + 0.11/sqrt(n)) d)
//     with Q(x) = 2 sum_{j>=1} (-1)^(j-1) e^(-2 j^2 x^2) (Stephens 1970).
//     Where it is used it is within 1e-3 of the exact method (measured up
//     to n = 20000 by TestKolmogorovAsymptoticAgrees, the largest errors
//     at p-values near 1; about 1e-4 at p = 0.05).
//
// It returns 1 for d <= 0 and 0 for d >= 1, and panics if n < 1.
func KolmogorovPValue(n int, d float64) float64 {
	if n < 1 {
		panic("diagnose: Kolmogorov distribution of fewer than 1 observation")
	}
	nf := float64(n)
	switch {
	case math.IsNaN(d):
		return math.NaN()
	case d <= 0:
		return 1
	case d >= 1:
		return 0
	}
	s := nf * d * d
	if s > 7.24 || (s > 3.76 && n > 99) {
		return math.Min(1, 2*math.Exp(-(2.000071+0.331/math.Sqrt(nf)+1.409/nf)*s))
	}
	if k := int(nf*d) + 1; 2*k-1 <= mtwMaxOrder {
		return math.Min(1, math.Max(0, 1-mtwCDF(n, d)))
	}
	sq := math.Sqrt(nf)
	return kolmogorovQ((sq + 0.12 + 0.11/sq) * d)
}

// kolmogorovQ returns Q(x) = 1 - K(x) of Kolmogorov's limit law,
// 2 sum_{j>=1} (-1)^(j-1) e^(-2 j^2 x^2), for x > 0; for small x, where
// that series converges slowly, 1 minus the dual series
// sqrt(2 pi)/x sum_{j>=1} e^(-(2j-1)^2 pi^2 / (8 x^2)).
func kolmogorovQ(x float64) float64 {
	if x < 1 {
		var k float64
		for j := 1; j <= 20; j++ {
			t := float64(2*j - 1)
			k += math.Exp(-t * t * math.Pi * math.Pi / (8 * x * x))
		}
		return 1 - math.Sqrt(2*math.Pi)/x*k
	}
	var q float64
	for j := 1; j <= 100; j++ {
		t := math.Exp(-2 * float64(j*j) * x * x)
		if j%2 == 1 {
			q += t
		} else {
			q -= t
		}
		if t < 1e-18 {
			break
		}
	}
	return math.Min(1, 2*q)
}

// mtwCDF returns K(n, d) = P(D_n < d) by the method of Marsaglia, Tsang and
// Wang (2003): with k = floor(n d) + 1, m = 2k - 1 and h = k - n d, K(n, d)
// is n!/n^n times the (k, k) entry of H^n for an m x m matrix H built from
// h; the power is taken by squaring, with the exponent of the scale kept
// apart so that nothing overflows.
func mtwCDF(n int, d float64) float64 {
	nf := float64(n)
	k := int(nf*d) + 1
	m := 2*k - 1
	h := float64(k) - nf*d
	H := make([]float64, m*m)
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			if i-j+1 >= 0 {
				H[i*m+j] = 1
			}
		}
	}
	for i := 0; i < m; i++ {
		H[i*m] -= math.Pow(h, float64(i+1))
		H[(m-1)*m+i] -= math.Pow(h, float64(m-i))
	}
	if 2*h-1 > 0 {
		H[(m-1)*m] += math.Pow(2*h-1, float64(m))
	}
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			if i-j+1 > 0 {
				for g := 1; g <= i-j+1; g++ {
					H[i*m+j] /= float64(g)
				}
			}
		}
	}
	Q, eQ := mtwPower(H, m, n)
	s := Q[(k-1)*m+k-1]
	for i := 1; i <= n; i++ {
		s *= float64(i) / nf
		if s < 1/mtwBig {
			s *= mtwBig
			eQ -= mtwBigExp
		}
	}
	return s * math.Pow(10, float64(eQ))
}

// mtwPower returns A^n (m x m) as a matrix V and a decimal exponent e with
// A^n = V 10^e.
func mtwPower(A []float64, m, n int) ([]float64, int) {
	if n == 1 {
		return slices.Clone(A), 0
	}
	V, e := mtwPower(A, m, n/2)
	B := mtwMul(V, V, m)
	eB := 2 * e
	if n%2 == 1 {
		B = mtwMul(A, B, m)
	}
	if B[(m/2)*m+m/2] > mtwBig {
		for i := range B {
			B[i] /= mtwBig
		}
		eB += mtwBigExp
	}
	return B, eB
}

func mtwMul(a, b []float64, m int) []float64 {
	c := make([]float64, m*m)
	for i := 0; i < m; i++ {
		for l := 0; l < m; l++ {
			ail := a[i*m+l]
			if ail == 0 {
				continue
			}
			row, brow := c[i*m:(i+1)*m], b[l*m:(l+1)*m]
			for j := range row {
				row[j] += ail * brow[j]
			}
		}
	}
	return c
}
