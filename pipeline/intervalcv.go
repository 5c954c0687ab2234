package pipeline

import (
	"context"
	"fmt"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/predict"
)

// IntervalCVOptions are the settings of IntervalCV.
type IntervalCVOptions struct {
	// Folds is the number of outer folds (default DefaultFolds); the
	// outer folds are CrossValidate's for the same Seed.
	Folds int
	// InnerFolds is the number of folds each outer training set is split
	// into to choose the method (default DefaultFolds).
	InnerFolds int
	// Seed selects the outer folds. The inner folds are drawn with the
	// forest's seed (Learner.Forest.Seed, train's default when 0), as
	// predict.IntervalAuto draws them, so that Nested is what
	// IntervalAuto gives on the outer folds.
	Seed uint64
	// Learner is the learner the intervals are calibrated for (its
	// Interval is ignored).
	Learner predict.Learner
	// Methods are the interval methods compared (default
	// predict.IntervalMethods).
	Methods []predict.IntervalMethod
}

// IntervalCVResult is what IntervalCV measured.
type IntervalCVResult struct {
	Methods []predict.IntervalMethod
	// Outer[j] is method j on the outer test folds, every cascade
	// predicted by the model of the folds that held it out.
	Outer []predict.IntervalScore
	// Inner[k][j] is method j under the inner cross-validation of outer
	// fold k's training set, and Chosen[k] the method
	// predict.ChooseInterval picked there.
	Inner  [][]predict.IntervalScore
	Chosen []predict.IntervalMethod
	// Nested is the nested choice on the outer test folds: each fold's
	// cascades predicted with the method chosen on its training set.
	Nested predict.IntervalScore
}

// IntervalCV compares interval methods by nested cross-validation on rows
// (one window, sizes known): for each outer fold (CrossValidate's folds),
// the methods are scored by an inner cross-validation of the outer
// training set alone and one is chosen (predict.ChooseInterval); every method, and the
// nested choice, is then scored on the outer test folds. The learner is
// grown once per training set and the methods calibrate it in turn
// (predict.TrainIntervals).
func IntervalCV(ctx context.Context, rows []features.Row, opts IntervalCVOptions) (*IntervalCVResult, error) {
	if opts.Folds == 0 {
		opts.Folds = DefaultFolds
	}
	if opts.InnerFolds == 0 {
		opts.InnerFolds = DefaultFolds
	}
	if len(opts.Methods) == 0 {
		opts.Methods = predict.IntervalMethods
	}
	res := &IntervalCVResult{Methods: opts.Methods, Inner: make([][]predict.IntervalScore, opts.Folds), Chosen: make([]predict.IntervalMethod, opts.Folds)}
	innerSeed := opts.Learner.Forest.WithDefaults().Seed
	outer, err := predict.ScoreIntervals(ctx, rows, opts.Learner, opts.Methods, opts.Folds, opts.Seed, func(k int, train []features.Row) (int, error) {
		inner, err := predict.ScoreIntervals(ctx, train, opts.Learner, opts.Methods, opts.InnerFolds, innerSeed, nil)
		if err != nil {
			return 0, fmt.Errorf("outer fold %d: %w", k+1, err)
		}
		c := predict.ChooseInterval(inner.Scores, predict.DefaultLevel)
		res.Inner[k], res.Chosen[k] = inner.Scores, opts.Methods[c] // folds run at once: each its own k
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	res.Outer, res.Nested = outer.Scores, outer.Nested
	return res, nil
}
