package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// MagSampler draws one magnitude (follower count). It must return a finite
// number >= 0.
type MagSampler func(r *rand.Rand) float64

// PowerLaw returns a sampler of the power law P(m) = (alpha-1) m^-alpha,
// m >= 1, the law of follower counts of SPEC section 2, by inversion of its
// CDF 1 - m^-(alpha-1). It panics if alpha <= 1, where the law has no
// normalisation.
func PowerLaw(alpha float64) MagSampler {
	if !(alpha > 1) || math.IsInf(alpha, 1) {
		panic(fmt.Sprintf("sim: power-law exponent must be finite and > 1, got %g", alpha))
	}
	k := -1 / (alpha - 1)
	return func(r *rand.Rand) float64 {
		// 1-u is in (0, 1], so m = (1-u)^(-1/(alpha-1)) is in [1, inf).
		return math.Exp(k * math.Log1p(-r.Float64()))
	}
}

// Empirical returns a sampler that draws uniformly from a list of real
// magnitudes, for instance every magnitude of a data set. The list is copied.
// It panics with "sim: empty magnitude list" if mags is empty, and if a
// magnitude is negative, NaN or infinite.
func Empirical(mags []float64) MagSampler {
	if len(mags) == 0 {
		panic("sim: empty magnitude list")
	}
	for i, m := range mags {
		if !(m >= 0) || math.IsInf(m, 1) {
			panic(fmt.Sprintf("sim: magnitude %d is %g, want finite and >= 0", i, m))
		}
	}
	list := slices.Clone(mags)
	return func(r *rand.Rand) float64 {
		return list[r.IntN(len(list))]
	}
}

// powBeta returns m^beta, with 0^beta = 0 for every beta (an account without
// followers excites nothing, SPEC section 1).
func powBeta(m, beta float64) float64 {
	if m == 0 {
		return 0
	}
	return math.Pow(m, beta)
}
