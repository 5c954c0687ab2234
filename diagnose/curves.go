package diagnose

import (
	"math"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
)

// Picture holds what the picture of one cascade shows (package figure
// draws it): its events, the window, the fitted model's expected count
// inside the window and its forecast after it, and the predicted and true
// final sizes.
type Picture struct {
	ID     string
	Window float64    // observation window T, seconds
	Times  []float64  // every event time of the cascade, ascending
	Status fit.Status // status of the fit on [0, T]
	// ModelT and ModelN are the expected cumulative count under the fitted
	// model inside the window: the events tied with the original tweet plus
	// the compensator Lambda(t), from MinTime to T.
	ModelT, ModelN []float64
	// ForecastT and ForecastN are the expected cumulative count after the
	// window (fit.Forecast), from T on; empty when the fit has no
	// prediction (n* >= 1, or no fit).
	ForecastT, ForecastN []float64
	// NHat is the model's predicted final size, when HasNHat.
	NHat    float64
	HasNHat bool
	// Learned, when not nil, is the prediction of a trained model.
	Learned *Learned
}

// Learned is the prediction of a trained model, with its interval when
// Interval is set.
type Learned struct {
	NHat, Lo, Hi float64
	Interval     bool
	Source       string // where the prediction comes from (predict.Source)
}

// Size returns the true final size, the number of events.
func (p *Picture) Size() int { return len(p.Times) }

// MinTime is the first time of a picture's curves: its time axis is
// logarithmic, and the events at 0 are drawn at it.
const MinTime = 1.0

// curvePoints is the number of points of each curve.
const curvePoints = 200

// NewPicture computes the picture of the cascade c fitted on [0, T] with the
// result r (fit.Fit on c's events and T). The forecast runs to ten times the
// later of T and the cascade's last event.
func NewPicture(c *data.Cascade, T float64, r fit.Result) Picture {
	p := Picture{ID: c.ID, Window: T, Times: c.Times, Status: r.Status, NHat: r.NHat, HasNHat: r.HasPrediction()}
	k, ok := r.Kernel()
	if !ok {
		return p
	}
	given := 0
	for given < len(c.Times) && c.Times[given] == c.Times[0] {
		given++
	}
	if T > MinTime {
		p.ModelT = logGrid(MinTime, T, curvePoints)
		lam := fit.Compensator(c.Times, c.Mags, T, k, p.ModelT, nil)
		p.ModelN = make([]float64, len(lam))
		for i, l := range lam {
			p.ModelN[i] = float64(given) + l
		}
	}
	if r.HasPrediction() {
		end := 10 * T
		if n := len(c.Times); n > 0 {
			end = 10 * math.Max(T, c.Times[n-1])
		}
		p.ForecastT = logGrid(T, end, curvePoints)
		p.ForecastN = fit.Forecast(c.Times, c.Mags, T, k, p.ForecastT, nil)
	}
	return p
}

// logGrid returns n times from a to b (0 < a < b), evenly spaced in log,
// with the ends exact.
func logGrid(a, b float64, n int) []float64 {
	g := make([]float64, n)
	la, lb := math.Log(a), math.Log(b)
	for i := range g {
		g[i] = math.Exp(la + (lb-la)*float64(i)/float64(n-1))
	}
	g[0], g[n-1] = a, b
	return g
}
