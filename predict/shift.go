package predict

import (
	"math"
	"slices"
)

// AREShift returns the shift s of the log-ratio target that minimises the
// mean absolute relative error of the held-out predictions oob of the
// targets y (log(N/n)): the mean over i of |exp(oob[i] + s - y[i]) - 1|,
// which is |N_hat - N| / N for N_hat = n exp(oob[i] + s). Rows whose oob is
// NaN (drawn by every tree) are left out; it returns 0 when none is left.
//
// A forest on log(N/n) predicts about the conditional mean of log N, the
// centre of its spread; the size that minimises the expected relative
// error |N_hat - N| / N lies below it (for a log-normal N of variance
// sigma^2 in log, sigma^2 below the median), since an overestimate of a
// small cascade costs more than the same underestimate of a large one. The
// shift is that correction, measured on the training rows alone (their
// out-of-bag predictions): on seismic_subset it took the forest's 5-fold
// mean / median ARE from 0.276 / 0.213 to 0.238 / 0.185 at 600 s
// (docs/MEASUREMENTS.md).
//
// The mean error is piecewise a e^s + b between the values s = y[i] -
// oob[i], where one term changes sign, and monotone on each piece, so its
// minimum is at one of them: AREShift sorts the residuals and evaluates
// every candidate with running sums, in O(n log n). Of equal minima it
// keeps the smallest shift.
func AREShift(y, oob []float64) float64 {
	var e []float64
	for i := range y {
		if !math.IsNaN(oob[i]) {
			e = append(e, oob[i]-y[i])
		}
	}
	n := len(e)
	if n == 0 {
		return 0
	}
	slices.Sort(e)
	// At s = -e[k]: the rows below k contribute 1 - exp(e[i]-e[k]), those
	// above exp(e[i]-e[k]) - 1. below[k] and above[k] hold the sums of
	// exp(e[i]-e[k]) over each side, each from its neighbour's, so no
	// exponential of a large value is formed unless the residuals are
	// spread over hundreds of units (then that candidate is +Inf).
	below := make([]float64, n)
	for k := 1; k < n; k++ {
		below[k] = (below[k-1] + 1) * math.Exp(e[k-1]-e[k])
	}
	above := make([]float64, n)
	for k := n - 2; k >= 0; k-- {
		above[k] = (above[k+1] + 1) * math.Exp(e[k+1]-e[k])
	}
	best, bestSum := 0.0, math.Inf(1)
	// Candidates from the largest residual down: shifts from the smallest
	// up, so the first of equal minima is the smallest shift.
	for k := n - 1; k >= 0; k-- {
		sum := float64(k) - below[k] + above[k] - float64(n-1-k)
		if sum < bestSum {
			best, bestSum = -e[k], sum
		}
	}
	return best
}
