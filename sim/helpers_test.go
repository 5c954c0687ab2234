package sim

import (
	"math"
	"math/rand/v2"
	"slices"
)

// ksCrit999 is the 0.999 quantile of the Kolmogorov distribution, the limit
// law of sqrt(n) * D_n for the KS statistic D_n of n iid draws from a
// continuous CDF: a correct sampler exceeds ksCrit999/sqrt(n) with
// probability 0.001.
const ksCrit999 = 1.9495

// zTol is the number of standard errors allowed between a sample mean and its
// expectation: a two-sided normal tail of 5 sigma has probability 5.7e-7.
const zTol = 5

// ksStat returns the Kolmogorov-Smirnov statistic sup |F_n(x) - F(x)| of the
// sample x against the CDF F. It sorts x.
func ksStat(x []float64, cdf func(float64) float64) float64 {
	slices.Sort(x)
	n := float64(len(x))
	d := 0.0
	for i, v := range x {
		f := cdf(v)
		d = max(d, float64(i+1)/n-f, f-float64(i)/n)
	}
	return d
}

// meanVar returns the sample mean and the unbiased sample variance of x.
func meanVar(x []float64) (mean, variance float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x)-1)
}

// lomaxCDF is the CDF 1 - (1 + tau/c)^-theta of the delays between a parent
// and its children.
func lomaxCDF(tau, c, theta float64) float64 {
	return -math.Expm1(-theta * math.Log1p(tau/c))
}

// constMag is a magnitude sampler that always returns m.
func constMag(m float64) MagSampler {
	return func(*rand.Rand) float64 { return m }
}
