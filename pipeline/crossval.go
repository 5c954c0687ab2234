package pipeline

import (
	"context"
	"fmt"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/internal/ordered"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// CVOptions are the settings of CrossValidate.
type CVOptions struct {
	// Folds is the number k of folds, 2 <= k <= number of cascades.
	// Default 5.
	Folds int
	// Seed selects the folds (train.KFold). The forest's seed is
	// Forest.Seed.
	Seed uint64
	// Target is what the forest learns. Default predict.DefaultTarget.
	Target predict.Target
	// Forest holds the forest's settings, the same for every fold. Its
	// Workers also bounds the folds trained at once; the report does not
	// depend on it.
	Forest train.Config
	// Boost, when not nil, holds the settings of gradient-boosted trees
	// scored beside the forest as the method boost, the same for every
	// fold. nil leaves boost out of the report.
	Boost *train.BoostConfig
}

// DefaultFolds is the default of CVOptions.Folds.
const DefaultFolds = 5

// WithDefaults returns o with its zero fields set to their defaults: Folds
// DefaultFolds, Target predict.DefaultTarget, and the Forest's (train.Config
// WithDefaults).
func (o CVOptions) WithDefaults() CVOptions {
	if o.Folds == 0 {
		o.Folds = DefaultFolds
	}
	if o.Target == "" {
		o.Target = predict.DefaultTarget
	}
	o.Forest = o.Forest.WithDefaults()
	if o.Boost != nil {
		b := o.Boost.WithDefaults()
		o.Boost = &b
	}
	return o
}

// Validate reports an error if a field of o is out of range: Folds at least
// 2, a known Target, and the Forest's (train.Config Validate). It checks o
// as given, as a command line gives it: check o.WithDefaults() to allow
// defaults. Whether there are as many cascades as folds is left to
// CrossValidate. Boost, when set, is checked as train.BoostConfig Validate.
func (o CVOptions) Validate() error {
	if o.Folds < 2 {
		return fmt.Errorf("cross-validation: folds = %d, want >= 2", o.Folds)
	}
	if err := o.Target.Validate(); err != nil {
		return err
	}
	if o.Boost != nil {
		if err := o.Boost.Validate(); err != nil {
			return err
		}
	}
	return o.Forest.Validate()
}

// CrossValidate scores the four methods (see the package documentation)
// under k-fold cross-validation: the cascades are split by train.KFold,
// and each fold is predicted by a forest and a loglinear baseline fitted on
// the other folds, and by boosted trees where opts.Boost is set. rows are the features of the cascades on window T, all
// computed once (see Rows), in the order of cascades; cascades may be nil,
// which leaves seismic out. The report holds every cascade, in input order.
func CrossValidate(ctx context.Context, rows []features.Row, cascades []data.Cascade, T float64, opts CVOptions) (*evaluate.Report, Stats, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, Stats{}, err
	}
	if opts.Folds > len(rows) {
		return nil, Stats{}, fmt.Errorf("cross-validation: %d folds for %d cascades", opts.Folds, len(rows))
	}
	if err := checkInputs(rows, cascades, T); err != nil {
		return nil, Stats{}, err
	}
	learners := []string{MethodForest}
	if opts.Boost != nil {
		learners = append(learners, MethodBoost)
	}
	p := newPredictions(len(rows), cascades != nil, learners)
	folds := train.KFold(len(rows), opts.Folds, opts.Seed)
	// The folds' models are trained opts.Forest.Workers folds at a time
	// (each model is the same whatever the workers) and filled in in fold
	// order, so the report does not depend on the workers either.
	err := ordered.Map(ctx, len(folds), opts.Forest.Workers, func(ctx context.Context, k int) ([]*train.Model, error) {
		return trainFold(ctx, rows, folds[k], k, opts)
	}, func(k int, models []*train.Model) error {
		p.fill(rows, cascades, folds[k], models)
		return nil
	})
	if err != nil {
		return nil, Stats{}, err
	}
	st := Stats{Cascades: len(rows), Folds: opts.Folds, Target: opts.Target, Fallbacks: p.fallbacks}
	r, err := p.report(rows, T)
	return r, st, err
}

// trainFold trains the learned models of fold k (test, its held-out rows)
// on the other rows: the forest, then boosted trees where opts.Boost is set.
func trainFold(ctx context.Context, rows []features.Row, test []int, k int, opts CVOptions) ([]*train.Model, error) {
	trainIdx := train.Complement(len(rows), test)
	fold := make([]features.Row, len(trainIdx))
	for j, i := range trainIdx {
		fold[j] = rows[i]
	}
	model, err := predict.Train(ctx, fold, opts.Target, opts.Forest)
	if err != nil {
		return nil, fmt.Errorf("fold %d: %w", k+1, err) // "train: ..."
	}
	models := []*train.Model{model}
	if opts.Boost != nil {
		bm, err := predict.TrainLearner(ctx, fold, opts.Target, predict.Learner{Name: MethodBoost, Boost: *opts.Boost})
		if err != nil {
			return nil, fmt.Errorf("fold %d: %w", k+1, err)
		}
		models = append(models, bm)
	}
	return models, nil
}
