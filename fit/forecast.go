package fit

import (
	"fmt"
	"math"
)

// Forecast writes into dst, and returns, the expected number of events of a
// cascade observed on [0, T] by each time of at (ascending, each >= T) under
// the kernel k: the n observed events plus the expected number F(t) born in
// (T, t]. F solves the renewal equation of the branching structure,
//
//	F(t) = A(t) + n* int_T^t G(t - r) dF(r),
//
// where A(t) = Lambda(t) - Lambda(T) is the expected number of direct
// children of the observed events born in (T, t] (see Compensator) and G the
// kernel's delay CDF (Kernel.MeanCDF): each later event has n* children on
// average, whatever its magnitude. The integral is discretised on the times
// of at (with T before them) by the midpoint rule, so at must be fine where
// F changes (a logarithmic grid of a few hundred times does); the cost is
// O(len(at)^2 + n len(at)). For n* >= 1 the forecast grows without
// bound and may be +Inf. For n* < 1, F(t) tends to A1/(1-n*) and the
// forecast to the predicted final size N_hat of SPEC section 3. dst is
// allocated when nil, else it must have len(at). Forecast panics if k is
// outside the model's domain, at is not ascending from T or a slice length is
// wrong.
func Forecast(times, mags []float64, T float64, k Kernel, at, dst []float64) []float64 {
	k.check()
	if dst == nil {
		dst = make([]float64, len(at))
	}
	if len(dst) != len(at) {
		panic(fmt.Sprintf("fit: forecast at %d times into %d values", len(at), len(dst)))
	}
	if len(at) == 0 {
		return dst
	}
	if !(at[0] >= T) {
		panic("fit: forecast times must be >= T")
	}
	// A at T and at every time: the exact compensator, since these lags
	// run far past the span of the events.
	grid := append([]float64{T}, at...)
	A := make([]float64, len(grid))
	cs := newCascade(times, mags, T)
	for i := 1; i < len(grid); i++ {
		if !(grid[i] >= grid[i-1]) {
			panic("fit: forecast times must be ascending")
		}
	}
	if cs.n > 0 {
		cs.marks(k.Beta)
		logE, _ := meanMarkLog(k.Beta)
		D := math.Exp(math.Log(k.NStar) - logE)
		if k.Exponential {
			cs.laplaceCompensator([]float64{k.Rate}, []float64{1}, grid, A)
		} else {
			cs.exactCompensator(k.C, k.Theta, grid, A)
		}
		for i := range A {
			A[i] *= D
		}
	}
	// dF[j] is F(grid[j]) - F(grid[j-1]), born at about the midpoint of
	// the step; the step's own term is solved for.
	dF := make([]float64, len(grid))
	var F float64
	for i := 1; i < len(grid); i++ {
		rhs := A[i] - A[0] - F
		for j := 1; j < i; j++ {
			rhs += k.NStar * k.MeanCDF(grid[i]-(grid[j-1]+grid[j])/2) * dF[j]
		}
		den := 1 - k.NStar*k.MeanCDF((grid[i]-grid[i-1])/2)
		if !(den > 0) {
			// n* >= 1 and a step too long to resolve the growth.
			dF[i] = math.Inf(1)
		} else {
			dF[i] = rhs / den
		}
		F += dF[i]
		dst[i-1] = float64(cs.n) + F
	}
	return dst
}
