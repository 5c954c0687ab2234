package pipeline

import (
	"context"
	"fmt"

	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// IntervalCVOptions are the settings of IntervalCV.
type IntervalCVOptions struct {
	// Folds is the number of outer folds (default DefaultFolds); the
	// outer folds are CrossValidate's for the same Seed.
	Folds int
	// InnerFolds is the number of folds each outer training set is split
	// into to choose the method (default DefaultFolds).
	InnerFolds int
	// Seed selects the folds; the inner folds of outer fold k use Seed+k.
	Seed uint64
	// Learner is the learner the intervals are calibrated for (its
	// Interval is ignored).
	Learner predict.Learner
	// Methods are the interval methods compared (default
	// predict.IntervalMethods).
	Methods []predict.IntervalMethod
}

// IntervalScore is how a method's intervals did on a set of cascades.
type IntervalScore struct {
	Coverage    float64 // share of true sizes inside [lo, hi]
	MedianWidth float64 // median (hi - lo) / N_hat
	WorstDecile float64 // lowest coverage of the deciles of true size
}

// Feasible reports whether s meets the targets: coverage within 5 points
// of level, and no decile below predict.DecileFloor.
func (s IntervalScore) Feasible(level float64) bool {
	return s.Coverage >= level-0.05 && s.Coverage <= level+0.05 && s.WorstDecile >= predict.DecileFloor
}

// shortfall is how far s misses the targets, in coverage points.
func (s IntervalScore) shortfall(level float64) float64 {
	return max(0, level-0.05-s.Coverage) + max(0, s.Coverage-level-0.05) + max(0, predict.DecileFloor-s.WorstDecile)
}

// IntervalCVResult is what IntervalCV measured.
type IntervalCVResult struct {
	Methods []predict.IntervalMethod
	// Outer[j] is method j on the outer test folds, every cascade
	// predicted by the model of the folds that held it out.
	Outer []IntervalScore
	// Inner[k][j] is method j under the inner cross-validation of outer
	// fold k's training set, and Chosen[k] the method Choose picked there.
	Inner  [][]IntervalScore
	Chosen []predict.IntervalMethod
	// Nested is the nested choice on the outer test folds: each fold's
	// cascades predicted with the method chosen on its training set.
	Nested IntervalScore
}

// Choose returns the index of the method whose score is feasible (see
// IntervalScore.Feasible) with the narrowest median width, or, when none
// is, the one that misses the targets by the least (then the narrowest).
func Choose(scores []IntervalScore, level float64) int {
	best := 0
	better := func(a, b IntervalScore) bool {
		fa, fb := a.Feasible(level), b.Feasible(level)
		switch {
		case fa != fb:
			return fa
		case !fa && a.shortfall(level) != b.shortfall(level):
			return a.shortfall(level) < b.shortfall(level)
		}
		return a.MedianWidth < b.MedianWidth
	}
	for j := 1; j < len(scores); j++ {
		if better(scores[j], scores[best]) {
			best = j
		}
	}
	return best
}

// IntervalCV compares interval methods by nested cross-validation on rows
// (one window, sizes known): for each outer fold (CrossValidate's folds),
// the methods are scored by an inner cross-validation of the outer
// training set alone and one is chosen (Choose); every method, and the
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
	res := &IntervalCVResult{Methods: opts.Methods}
	outer, err := scoreFolds(ctx, rows, opts.Folds, opts.Seed, opts, func(k int, train []features.Row) (int, error) {
		inner, err := scoreFolds(ctx, train, opts.InnerFolds, opts.Seed+uint64(k)+1, opts, nil)
		if err != nil {
			return 0, fmt.Errorf("outer fold %d: %w", k+1, err)
		}
		c := Choose(inner.scores, predict.DefaultLevel)
		res.Inner = append(res.Inner, inner.scores)
		res.Chosen = append(res.Chosen, opts.Methods[c])
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	res.Outer, res.Nested = outer.scores, outer.nested
	return res, nil
}

// foldScores are the scores of every method over the folds, and of the
// methods chosen fold by fold.
type foldScores struct {
	scores []IntervalScore
	nested IntervalScore
}

// scoreFolds cross-validates the methods of opts on rows with k folds of
// seed: choose, when not nil, picks the method of each fold from its
// training rows, which nested then scores.
func scoreFolds(ctx context.Context, rows []features.Row, k int, seed uint64, opts IntervalCVOptions, choose func(fold int, train []features.Row) (int, error)) (foldScores, error) {
	n := len(rows)
	nm := len(opts.Methods)
	lo, hi, pred := make([][]float64, nm+1), make([][]float64, nm+1), make([][]float64, nm+1)
	for j := range lo {
		lo[j], hi[j], pred[j] = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	x := make([]float64, features.NumFeatures)
	for f, test := range train.KFold(n, k, seed) {
		if err := ctx.Err(); err != nil {
			return foldScores{}, err
		}
		trainIdx := train.Complement(n, test)
		fold := make([]features.Row, len(trainIdx))
		for j, i := range trainIdx {
			fold[j] = rows[i]
		}
		models, err := predict.TrainIntervals(ctx, fold, predict.TargetLogRatio, opts.Learner, opts.Methods)
		if err != nil {
			return foldScores{}, fmt.Errorf("fold %d: %w", f+1, err)
		}
		c := -1
		if choose != nil {
			if c, err = choose(f, fold); err != nil {
				return foldScores{}, err
			}
		}
		for _, i := range test {
			for j, m := range models {
				pr := predict.Apply(m, &rows[i], x)
				v := pr.NHat
				if pr.Source != predict.SourceForest { // as CrossValidate's fallback, a point
					v = evaluate.LogLinear{A: *m.LogLinear}.Predict(predict.Observed(&rows[i]))
				}
				pred[j][i], lo[j][i], hi[j][i] = v, v, v
				if pr.Source == predict.SourceForest && pr.Interval {
					lo[j][i], hi[j][i] = pr.Lo, pr.Hi
				}
				if j == c {
					pred[nm][i], lo[nm][i], hi[nm][i] = pred[j][i], lo[j][i], hi[j][i]
				}
			}
		}
	}
	sizes := make([]float64, n)
	for i := range rows {
		sizes[i] = float64(rows[i].Size)
	}
	count := nm
	if choose != nil {
		count++
	}
	ms := make([]evaluate.Method, count)
	for j := range ms {
		ms[j] = evaluate.Method{Name: fmt.Sprint(j), Pred: pred[j], Lo: lo[j], Hi: hi[j], Level: predict.DefaultLevel}
	}
	r, err := evaluate.NewReport(float64(rows[0].Window), sizes, ms)
	if err != nil {
		return foldScores{}, err
	}
	var out foldScores
	for j, mr := range r.Methods {
		iv := mr.Interval
		s := IntervalScore{Coverage: iv.Overall.Coverage, MedianWidth: iv.Overall.MedianWidth, WorstDecile: 1}
		for _, d := range iv.Deciles {
			s.WorstDecile = min(s.WorstDecile, d.Coverage)
		}
		if j < nm {
			out.scores = append(out.scores, s)
		} else {
			out.nested = s
		}
	}
	return out, nil
}
