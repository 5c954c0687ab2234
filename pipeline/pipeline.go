package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/train"
)

// Names of the methods of a report, in report order.
const (
	MethodHawkes    = "hawkes"
	MethodForest    = "forest"
	MethodSeismic   = "seismic"
	MethodLogLinear = "loglinear"
)

// Methods lists the method names in the order of a report.
var Methods = []string{MethodHawkes, MethodForest, MethodSeismic, MethodLogLinear}

// Target names what the forest learns; it is stored as train.Model.Target.
type Target string

const (
	// TargetLogRatio is log(N/n), n being the events observed in the window
	// (taken as 1 when none was) and N the final size. It is defined for
	// every cascade; the prediction is n·exp(forest).
	TargetLogRatio Target = "log_ratio"
	// TargetW is w = (N-n)(1-n*)/A1 of SPEC section 4 (features.Row.W),
	// defined for fits that are ok or unbounded with A1 > 0 and n* < 1;
	// the prediction there is n + forest·A1/(1-n*).
	TargetW Target = "w"
)

// DefaultTarget is the target used when none is given. It is
// TargetLogRatio: on seismic_subset with 5-fold cross-validation it gives a
// lower mean and median ARE than TargetW at 600 s and 3600 s.
const DefaultTarget = TargetLogRatio

// ErrTarget is returned for a Target other than TargetLogRatio and TargetW.
var ErrTarget = errors.New("pipeline: unknown target")

// ErrMismatch is returned when rows and cascades do not describe the same
// cascades in the same order, or rows are not all on the window asked for.
var ErrMismatch = errors.New("pipeline: rows do not match")

// Stats counts what an evaluation did besides scoring.
type Stats struct {
	// Cascades is the number of cascades scored.
	Cascades int
	// Folds is the number of folds (0 for Predict).
	Folds int
	// Target is what the forest learnt.
	Target Target
	// Fallbacks counts, per method name, the cascades that got the
	// loglinear prediction because the method had none.
	Fallbacks map[string]int
}

// Rows fits every cascade on window T with features.Compute and returns one
// row per cascade, in input order; opts.Limit is ignored.
func Rows(ctx context.Context, cascades []data.Cascade, T float64, opts fit.BatchOptions) ([]features.Row, error) {
	opts.Limit = 0
	rows := make([]features.Row, 0, len(cascades))
	err := features.Compute(ctx, cascades, []float64{T}, opts, func(r features.Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// WindowRows returns the rows of rows whose window is T, in order.
func WindowRows(rows []features.Row, T float64) []features.Row {
	var out []features.Row
	for _, r := range rows {
		if float64(r.Window) == T {
			out = append(out, r)
		}
	}
	return out
}

// Train grows a forest on rows, all on the same window, to learn target
// (DefaultTarget when empty), and returns it as a model named with
// features.FeatureNames. Rows where the target is not defined are left out;
// Model.TrainedOn counts the rows used. Created is left zero.
func Train(ctx context.Context, rows []features.Row, target Target, cfg train.Config) (*train.Model, error) {
	if target == "" {
		target = DefaultTarget
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("pipeline: train: no rows")
	}
	T := float64(rows[0].Window)
	for i := range rows {
		if float64(rows[i].Window) != T {
			return nil, fmt.Errorf("%w: row %d (%s) is on window %v, row 0 on %v", ErrMismatch, i, rows[i].ID, float64(rows[i].Window), T)
		}
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	f, n, err := growForest(ctx, rows, idx, target, cfg)
	if err != nil {
		return nil, err
	}
	rc, err := cfg.Resolve(len(features.FeatureNames))
	if err != nil {
		return nil, err
	}
	rc.Workers = 0 // does not change the forest
	return &train.Model{
		Window:    T,
		Features:  slices.Clone(features.FeatureNames),
		Target:    string(target),
		Config:    rc,
		Forest:    f,
		TrainedOn: n,
	}, nil
}

// Predict scores model on the cascades described by rows (the features on
// model.Window) and cascades (the same cascades, same order, for SEISMIC;
// nil leaves seismic out of the report). The loglinear baseline, which needs
// training cascades, is fitted on these same cascades, which flatters it;
// it also serves as the fallback.
func Predict(model *train.Model, rows []features.Row, cascades []data.Cascade) (*evaluate.Report, Stats, error) {
	if model == nil || model.Forest == nil {
		return nil, Stats{}, fmt.Errorf("pipeline: predict: no model")
	}
	if !slices.Equal(model.Features, features.FeatureNames) {
		return nil, Stats{}, fmt.Errorf("pipeline: predict: model features %v, want %v", model.Features, features.FeatureNames)
	}
	target := Target(model.Target)
	if err := target.check(); err != nil {
		return nil, Stats{}, err
	}
	if err := checkInputs(rows, cascades, model.Window); err != nil {
		return nil, Stats{}, err
	}
	all := make([]int, len(rows))
	for i := range all {
		all[i] = i
	}
	ll, err := fitLogLinear(rows, all)
	if err != nil {
		return nil, Stats{}, err
	}
	p := newPredictions(len(rows), cascades != nil)
	p.fill(rows, cascades, all, model.Window, model.Forest, target, ll)
	st := Stats{Cascades: len(rows), Target: target, Fallbacks: p.fallbacks}
	r, err := p.report(rows, model.Window)
	return r, st, err
}

// CheckModel reports whether model can score rows of this version of the
// features package: it has a forest, the feature names of
// features.FeatureNames and a known target.
func CheckModel(model *train.Model) error {
	if model == nil || model.Forest == nil {
		return fmt.Errorf("pipeline: no model")
	}
	if !slices.Equal(model.Features, features.FeatureNames) {
		return fmt.Errorf("pipeline: model features %v, want %v", model.Features, features.FeatureNames)
	}
	return Target(model.Target).check()
}

// PredictRow returns the final size that model (checked by CheckModel)
// predicts for the cascade described by r, and whether that prediction is
// defined (with TargetW it needs a fit where w applies).
func PredictRow(model *train.Model, r *features.Row) (float64, bool) {
	return forestPrediction(r, Target(model.Target), model.Forest.Predict(r.Vector(nil)))
}

func (t Target) check() error {
	switch t {
	case TargetLogRatio, TargetW:
		return nil
	}
	return fmt.Errorf("%w %q (want %s or %s)", ErrTarget, string(t), TargetLogRatio, TargetW)
}

// checkInputs checks that rows are on window T and, unless cascades is nil,
// that they are the rows of cascades in order.
func checkInputs(rows []features.Row, cascades []data.Cascade, T float64) error {
	if cascades != nil && len(cascades) != len(rows) {
		return fmt.Errorf("%w: %d rows for %d cascades", ErrMismatch, len(rows), len(cascades))
	}
	for i := range rows {
		if float64(rows[i].Window) != T {
			return fmt.Errorf("%w: row %d (%s) is on window %v, want %v", ErrMismatch, i, rows[i].ID, float64(rows[i].Window), T)
		}
		if cascades != nil && (rows[i].ID != cascades[i].ID || rows[i].Size != cascades[i].Len()) {
			return fmt.Errorf("%w: row %d is cascade %s of size %d, cascade %d is %s of size %d",
				ErrMismatch, i, rows[i].ID, rows[i].Size, i, cascades[i].ID, cascades[i].Len())
		}
	}
	return nil
}

// observed returns n, the events observed in the window, as at least 1.
func observed(r *features.Row) float64 {
	return math.Max(float64(r.N), 1)
}

// targetValue returns the value of target for row r and whether it is
// defined.
func targetValue(r *features.Row, target Target) (float64, bool) {
	switch target {
	case TargetLogRatio:
		return math.Log(float64(r.Size) / observed(r)), r.Size > 0
	default:
		return r.W.V, r.W.OK
	}
}

// wScale returns A1/(1-n*) for a row where w applies.
func wScale(r *features.Row) (float64, bool) {
	if (r.Status != fit.StatusOK && r.Status != fit.StatusUnbounded) || !r.A1.OK || !r.NStar.OK || !(r.A1.V > 0) || !(r.NStar.V < 1) {
		return 0, false
	}
	return r.A1.V / (1 - r.NStar.V), true
}

// forestPrediction turns the forest's output y on row r into a final size.
func forestPrediction(r *features.Row, target Target, y float64) (float64, bool) {
	var p float64
	switch target {
	case TargetLogRatio:
		p = observed(r) * math.Exp(y)
	default:
		s, ok := wScale(r)
		if !ok {
			return 0, false
		}
		p = float64(r.N) + y*s
	}
	return p, p >= 0 && !math.IsInf(p, 0) && !math.IsNaN(p)
}

// growForest grows a forest on rows[idx] where the target is defined and
// returns it with the number of rows used.
func growForest(ctx context.Context, rows []features.Row, idx []int, target Target, cfg train.Config) (*train.Forest, int, error) {
	if err := target.check(); err != nil {
		return nil, 0, err
	}
	var X [][]float64
	var y []float64
	for _, i := range idx {
		v, ok := targetValue(&rows[i], target)
		if !ok {
			continue
		}
		X = append(X, rows[i].Vector(nil))
		y = append(y, v)
	}
	if len(X) == 0 {
		return nil, 0, fmt.Errorf("pipeline: train: no row has the target %s defined", target)
	}
	f, err := train.Fit(ctx, X, y, cfg)
	if err != nil {
		return nil, 0, fmt.Errorf("pipeline: train: %w", err)
	}
	return f, len(X), nil
}

// fitLogLinear fits the loglinear baseline on rows[idx].
func fitLogLinear(rows []features.Row, idx []int) (evaluate.LogLinear, error) {
	n := make([]float64, len(idx))
	N := make([]float64, len(idx))
	for j, i := range idx {
		n[j], N[j] = observed(&rows[i]), float64(rows[i].Size)
	}
	ll, err := evaluate.FitLogLinear(n, N)
	if err != nil {
		return ll, fmt.Errorf("pipeline: %w", err)
	}
	return ll, nil
}

// predictions holds every method's prediction per cascade.
type predictions struct {
	pred      map[string][]float64
	seismic   bool
	fallbacks map[string]int
}

func newPredictions(n int, seismic bool) *predictions {
	p := &predictions{pred: map[string][]float64{}, seismic: seismic, fallbacks: map[string]int{}}
	for _, m := range Methods {
		if m == MethodSeismic && !seismic {
			continue
		}
		p.pred[m] = make([]float64, n)
		p.fallbacks[m] = 0
	}
	return p
}

// fill predicts the cascades idx with every method.
func (p *predictions) fill(rows []features.Row, cascades []data.Cascade, idx []int, T float64, f *train.Forest, target Target, ll evaluate.LogLinear) {
	x := make([]float64, len(features.FeatureNames))
	set := func(m string, i int, v float64, ok bool, fallback float64) {
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			v = fallback
			p.fallbacks[m]++
		}
		p.pred[m][i] = v
	}
	for _, i := range idx {
		r := &rows[i]
		lp := ll.Predict(observed(r))
		p.pred[MethodLogLinear][i] = lp
		set(MethodHawkes, i, r.NHat.V, r.NHat.OK && (r.Status == fit.StatusOK || r.Status == fit.StatusUnbounded), lp)
		v, ok := forestPrediction(r, target, f.Predict(r.Vector(x)))
		set(MethodForest, i, v, ok, lp)
		if p.seismic {
			c := &cascades[i]
			v, ok := evaluate.Seismic(c.Times, c.Mags, T)
			set(MethodSeismic, i, v, ok, lp)
		}
	}
}

// report scores the predictions.
func (p *predictions) report(rows []features.Row, T float64) (*evaluate.Report, error) {
	sizes := make([]float64, len(rows))
	for i := range rows {
		sizes[i] = float64(rows[i].Size)
	}
	var ms []evaluate.Method
	for _, m := range Methods {
		if pr, ok := p.pred[m]; ok {
			ms = append(ms, evaluate.Method{Name: m, Pred: pr})
		}
	}
	r, err := evaluate.NewReport(T, sizes, ms)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return r, nil
}
