package evaluate

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// NumDeciles is the number of popularity groups in a Report.
const NumDeciles = 10

// ErrTooFew is returned by NewReport when there are fewer cascades than
// deciles.
var ErrTooFew = errors.New("too few cascades for deciles")

// ARE returns the absolute relative error |truth - pred| / truth.
// truth must be positive.
func ARE(truth, pred float64) float64 {
	return math.Abs(truth-pred) / truth
}

// Method is one set of predictions to evaluate: Pred[i] is the method's
// predicted final size of cascade i. A method may also give each
// prediction an interval [Lo[i], Hi[i]] meant to hold the true size with
// probability Level; Lo and Hi are then both set, one finite value per
// cascade with 0 <= Lo[i] <= Hi[i], Pred[i] > 0 and 0 < Level < 1. Both nil
// means no intervals.
type Method struct {
	Name   string
	Pred   []float64
	Lo, Hi []float64
	Level  float64
}

// PredictionError reports a prediction that cannot be scored: NaN, infinite
// or negative. Callers must replace such predictions by a fallback before
// building a Report.
type PredictionError struct {
	Method string  // name of the method
	Index  int     // position of the cascade in the input
	Value  float64 // the offending prediction
}

func (e *PredictionError) Error() string {
	return fmt.Sprintf("method %q: prediction %d is %v: want a finite value >= 0", e.Method, e.Index, e.Value)
}

// Stats summarises the AREs of a group of cascades.
type Stats struct {
	Count     int
	MeanARE   float64
	MedianARE float64
}

// Decile is one popularity group: Index lists the positions, in the input,
// of its cascades in rank order, and Lo and Hi are the smallest and largest
// true size inside it.
type Decile struct {
	Lo, Hi float64
	Index  []int
}

// IntervalStats summarises the prediction intervals of a group of
// cascades: Coverage is the fraction of them whose true size N lies in
// [lo, hi], and MedianWidth the median of the relative widths
// (hi - lo) / N_hat.
type IntervalStats struct {
	Count       int
	Coverage    float64
	MedianWidth float64
}

// IntervalReport holds the coverage and width of one method's intervals,
// overall and per decile.
type IntervalReport struct {
	Level   float64 // probability the intervals are meant to hold N with
	Overall IntervalStats
	Deciles [NumDeciles]IntervalStats
}

// MethodReport holds the errors of one method, and Interval those of its
// intervals when it gave some (nil otherwise).
type MethodReport struct {
	Name     string
	ARE      []float64 // ARE[i] is the error on cascade i, in input order
	Overall  Stats
	Deciles  [NumDeciles]Stats
	Interval *IntervalReport
}

// Report holds the errors of several methods on the same cascades, overall
// and per popularity decile. Build it with NewReport.
type Report struct {
	Window  float64   // observation window T, seconds
	Sizes   []float64 // true final sizes, in input order
	Deciles [NumDeciles]Decile
	Methods []MethodReport // in the order given to NewReport
}

// NewReport scores each method's predictions against the true final sizes
// of the same cascades, observed for window seconds. sizes must hold at
// least NumDeciles finite positive values; every method must have a
// non-empty name distinct from the others and exactly one finite,
// non-negative prediction per cascade. A bad prediction is reported as a
// *PredictionError. NewReport copies its inputs.
func NewReport(window float64, sizes []float64, methods []Method) (*Report, error) {
	if !(window > 0) || math.IsInf(window, 1) {
		return nil, fmt.Errorf("evaluate: window %v: want a finite positive number of seconds", window)
	}
	n := len(sizes)
	if n < NumDeciles {
		return nil, fmt.Errorf("evaluate: %d cascades, need at least %d: %w", n, NumDeciles, ErrTooFew)
	}
	for i, s := range sizes {
		if !(s > 0) || math.IsInf(s, 1) {
			return nil, fmt.Errorf("evaluate: true size %d is %v: want a finite value > 0", i, s)
		}
	}
	if len(methods) == 0 {
		return nil, errors.New("evaluate: no methods to evaluate")
	}
	seen := make(map[string]bool, len(methods))
	for _, m := range methods {
		switch {
		case m.Name == "":
			return nil, errors.New("evaluate: method with an empty name")
		case seen[m.Name]:
			return nil, fmt.Errorf("evaluate: method %q given twice", m.Name)
		case len(m.Pred) != n:
			return nil, fmt.Errorf("evaluate: method %q has %d predictions for %d cascades", m.Name, len(m.Pred), n)
		}
		seen[m.Name] = true
		for i, p := range m.Pred {
			if !(p >= 0) || math.IsInf(p, 1) {
				return nil, &PredictionError{Method: m.Name, Index: i, Value: p}
			}
		}
		if err := checkIntervals(m); err != nil {
			return nil, err
		}
	}

	r := &Report{Window: window, Sizes: slices.Clone(sizes)}

	// Rank by size, ties by input position.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case sizes[a] < sizes[b]:
			return -1
		case sizes[a] > sizes[b]:
			return 1
		}
		return 0
	})
	for k := range NumDeciles {
		idx := order[k*n/NumDeciles : (k+1)*n/NumDeciles]
		r.Deciles[k] = Decile{Lo: sizes[idx[0]], Hi: sizes[idx[len(idx)-1]], Index: idx}
	}

	buf := make([]float64, 0, n)
	for _, m := range methods {
		mr := MethodReport{Name: m.Name, ARE: make([]float64, n)}
		for i, p := range m.Pred {
			mr.ARE[i] = ARE(sizes[i], p)
			if math.IsInf(mr.ARE[i], 0) {
				return nil, &PredictionError{Method: m.Name, Index: i, Value: p}
			}
		}
		mr.Overall = stats(mr.ARE, buf)
		for k, d := range r.Deciles {
			buf = buf[:0]
			for _, i := range d.Index {
				buf = append(buf, mr.ARE[i])
			}
			mr.Deciles[k] = stats(buf, nil)
		}
		if m.Lo != nil {
			mr.Interval = intervals(m, sizes, r.Deciles[:])
		}
		r.Methods = append(r.Methods, mr)
	}
	return r, nil
}

// checkIntervals reports an error if m's intervals break the rules of
// Method.
func checkIntervals(m Method) error {
	if m.Lo == nil && m.Hi == nil {
		return nil
	}
	n := len(m.Pred)
	switch {
	case len(m.Lo) != n || len(m.Hi) != n:
		return fmt.Errorf("evaluate: method %q has %d and %d interval bounds for %d cascades", m.Name, len(m.Lo), len(m.Hi), n)
	case !(m.Level > 0 && m.Level < 1):
		return fmt.Errorf("evaluate: method %q: interval level %v: want 0 < level < 1", m.Name, m.Level)
	}
	for i := range n {
		lo, hi := m.Lo[i], m.Hi[i]
		if !(lo >= 0 && lo <= hi) || math.IsInf(hi, 1) || !(m.Pred[i] > 0) {
			return fmt.Errorf("evaluate: method %q: interval %d is [%v, %v] around %v: want finite 0 <= lo <= hi around a prediction > 0",
				m.Name, i, lo, hi, m.Pred[i])
		}
	}
	return nil
}

// intervals returns the coverage and width of m's intervals, overall and
// in each decile.
func intervals(m Method, sizes []float64, deciles []Decile) *IntervalReport {
	n := len(sizes)
	in := make([]bool, n)
	width := make([]float64, n)
	for i, N := range sizes {
		in[i] = m.Lo[i] <= N && N <= m.Hi[i]
		width[i] = (m.Hi[i] - m.Lo[i]) / m.Pred[i]
	}
	group := func(idx []int) IntervalStats {
		w := make([]float64, 0, len(idx))
		covered := 0
		for _, i := range idx {
			if in[i] {
				covered++
			}
			w = append(w, width[i])
		}
		return IntervalStats{Count: len(idx), Coverage: float64(covered) / float64(len(idx)), MedianWidth: Median(w)}
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	ir := &IntervalReport{Level: m.Level, Overall: group(all)}
	for k, d := range deciles {
		ir.Deciles[k] = group(d.Index)
	}
	return ir
}

// stats returns the count, mean and median of x, which must not be empty.
// The median of an even count is the mean of the two middle values. scratch,
// if non-nil, is reused for sorting; x is left unchanged unless it is scratch.
func stats(x, scratch []float64) Stats {
	var sum float64
	for _, v := range x {
		sum += v
	}
	s := append(scratch[:0], x...)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Stats{Count: n, MeanARE: sum / float64(n), MedianARE: med}
}

// Median returns the median of x (the mean of the two middle values for an
// even count), or NaN for an empty x. x is not modified.
func Median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	return stats(x, nil).MedianARE
}
