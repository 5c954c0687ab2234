package predict

import (
	"context"
	"fmt"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/train"
)

// Result is the prediction of one cascade on one window, a row of
// `hawkes predict`.
type Result struct {
	ID     string
	Window float64 // observation window T, seconds
	N      int     // events observed with time <= T
	Size   int     // final size of the cascade in the data set
	Prediction
	Status fit.Status // status of the fit on [0, T]
}

// Batch fits every cascade of cascades on each window (features.Compute,
// with opts) and applies that window's model of models with Apply, calling
// emit with each result: windows in the given order and, within a window,
// cascades in input order (the first opts.Limit when it is positive). A
// window without a model gets ModelOnly predictions. Every model must pass
// Check on its window; Batch returns an error wrapping ErrIncompatible
// before any fit otherwise. It stops at the first error of emit or of the
// fits, or when ctx is done.
func Batch(ctx context.Context, cascades []data.Cascade, windows []float64, models map[float64]*train.Model, opts fit.BatchOptions, emit func(Result) error) error {
	for _, T := range windows {
		if m := models[T]; m != nil {
			if err := Check(m, T); err != nil {
				return fmt.Errorf("window %v s: %w", T, err)
			}
		}
	}
	x := make([]float64, features.NumFeatures)
	return features.Compute(ctx, cascades, windows, opts, func(r features.Row) error {
		T := float64(r.Window)
		return emit(Result{ID: r.ID, Window: T, N: r.N, Size: r.Size,
			Prediction: Apply(models[T], &r, x), Status: r.Status})
	})
}
