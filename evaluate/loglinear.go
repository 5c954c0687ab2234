package evaluate

import (
	"fmt"
	"math"
)

// LogLinear is the log-linear baseline of Szabo and Huberman, "Predicting
// the popularity of online content", Communications of the ACM 53(8), 2010:
// the final size N of a cascade is predicted from its observed size n at the
// end of the observation window by log N = A + log n, that is N = n·e^A.
type LogLinear struct {
	A float64
}

// FitLogLinear fits A by least squares on the logs of training cascades:
// n[i] is the observed size of cascade i in the window and N[i] its final
// size, so A = mean(log N[i] - log n[i]). All values must be finite and
// positive, and n and N must have the same non-zero length.
func FitLogLinear(n, N []float64) (LogLinear, error) {
	if len(n) != len(N) {
		return LogLinear{}, fmt.Errorf("evaluate: fit loglinear: %d observed sizes and %d final sizes", len(n), len(N))
	}
	if len(n) == 0 {
		return LogLinear{}, fmt.Errorf("evaluate: fit loglinear: no training cascades")
	}
	var sum float64
	for i := range n {
		if !(n[i] > 0) || math.IsInf(n[i], 1) || !(N[i] > 0) || math.IsInf(N[i], 1) {
			return LogLinear{}, fmt.Errorf("evaluate: fit loglinear: cascade %d has observed size %v and final size %v: want finite values > 0", i, n[i], N[i])
		}
		sum += math.Log(N[i]) - math.Log(n[i])
	}
	return LogLinear{A: sum / float64(len(n))}, nil
}

// Predict returns the predicted final size n·e^A of a cascade observed to
// have n events in the window.
func (m LogLinear) Predict(n float64) float64 {
	return n * math.Exp(m.A)
}
