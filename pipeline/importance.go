package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// FeatureImportance is the permutation importance of one feature on
// held-out folds.
type FeatureImportance struct {
	Feature string
	// Increase is the mean over the folds of the rise of the fold's mean
	// ARE when the feature's values are shuffled among the fold's rows: how
	// much the model relies on it for cascades it never saw.
	Increase float64
	// SD is the standard deviation of that rise over the folds.
	SD float64
}

// importanceStream keys the shuffles of Importance.
const importanceStream = 0x696d70 // "imp"

// Importance measures the permutation importance of every feature (in the
// order of features.Names) on held-out folds: for each fold of
// train.KFold(len(rows), opts.Folds, opts.Seed), a model trained on the
// other folds (predict.Train, or predict.TrainLearner with boosted trees
// when opts.Boost is set) predicts the fold with predict.ApplyVector, as
// the rows are and then with one feature's column shuffled among the fold's
// rows. The shuffle of a fold is the same for every feature and depends on
// opts.Seed only, so the same inputs give the same importances. rows are on
// one window and need their final sizes.
func Importance(ctx context.Context, rows []features.Row, opts CVOptions) ([]FeatureImportance, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Folds > len(rows) {
		return nil, fmt.Errorf("cross-validation: %d folds for %d cascades", opts.Folds, len(rows))
	}
	names := features.Names()
	rises := make([][]float64, len(names)) // per feature, per fold
	for k, test := range train.KFold(len(rows), opts.Folds, opts.Seed) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fold := make([]features.Row, 0, len(rows)-len(test))
		for _, i := range train.Complement(len(rows), test) {
			fold = append(fold, rows[i])
		}
		l := predict.Learner{Name: train.LearnerForest, Forest: opts.Forest}
		if opts.Boost != nil {
			l = predict.Learner{Name: train.LearnerBoost, Boost: *opts.Boost}
		}
		model, err := predict.TrainLearner(ctx, fold, opts.Target, l)
		if err != nil {
			return nil, fmt.Errorf("train fold %d: %w", k+1, err)
		}
		X := make([][]float64, len(test))
		for j, i := range test {
			X[j] = rows[i].Vector(nil)
		}
		perm := rand.New(rand.NewPCG(opts.Seed, importanceStream+uint64(k))).Perm(len(test))
		base := foldARE(model, rows, test, X, -1, nil, nil)
		x := make([]float64, features.NumFeatures)
		for f := range names {
			rises[f] = append(rises[f], foldARE(model, rows, test, X, f, perm, x)-base)
		}
	}
	out := make([]FeatureImportance, len(names))
	for f, name := range names {
		m, sd := stat.MeanStdDev(rises[f], nil)
		if len(rises[f]) < 2 {
			sd = 0
		}
		out[f] = FeatureImportance{Feature: name, Increase: m, SD: sd}
	}
	return out, nil
}

// foldARE returns the mean ARE of model on the rows test, whose feature
// vectors are X, with feature f taken from the row perm[j] of the fold
// instead of row j (f < 0: no feature changed). x is scratch.
func foldARE(model *train.Model, rows []features.Row, test []int, X [][]float64, f int, perm []int, x []float64) float64 {
	var sum float64
	for j, i := range test {
		v := X[j]
		if f >= 0 {
			x = append(x[:0], X[j]...)
			x[f] = X[perm[j]][f]
			v = x
		}
		p := predict.ApplyVector(model, &rows[i], v)
		sum += evaluate.ARE(float64(rows[i].Size), p.NHat)
	}
	return sum / float64(len(test))
}

// SortImportance orders imp by decreasing Increase, ties by name.
func SortImportance(imp []FeatureImportance) {
	slices.SortStableFunc(imp, func(a, b FeatureImportance) int {
		if c := cmp.Compare(b.Increase, a.Increase); c != 0 {
			return c
		}
		return cmp.Compare(a.Feature, b.Feature)
	})
}
