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
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// Names of the methods of a report, in report order.
const (
	MethodHawkes    = "hawkes"
	MethodForest    = train.LearnerForest
	MethodSeismic   = "seismic"
	MethodLogLinear = "loglinear"
	MethodBoost     = train.LearnerBoost
)

// methods are the method names in the order of a report. A report holds
// forest and boost only where a model of theirs was scored.
var methods = [...]string{MethodHawkes, MethodForest, MethodSeismic, MethodLogLinear, MethodBoost}

// learned reports whether method m is a learned model's.
func learned(m string) bool { return m == MethodForest || m == MethodBoost }

// Methods returns the method names in the order of a report; the slice is a
// new copy on each call.
func Methods() []string { return slices.Clone(methods[:]) }

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
	Target predict.Target
	// Fallbacks counts, per method name, the cascades that got the
	// loglinear prediction because the method had none.
	Fallbacks map[string]int
	// LogLinearRefit is set by Predict when the model carried no
	// log-linear constant and the baseline was fitted on the scored
	// cascades instead.
	LogLinearRefit bool
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

// Predict scores model on the cascades described by rows (the features on
// model.Window) and cascades (the same cascades, same order, for SEISMIC;
// nil leaves seismic out of the report). The model's predictions are those
// of predict.Apply, reported as forest or boost after its learner
// (train.Forest.Learner). The loglinear baseline, also the fallback, uses the
// constant of the model's training set; a model file written before that
// was recorded has none, and the baseline is then fitted on these same
// cascades, which flatters it (Stats.LogLinearRefit says so).
func Predict(model *train.Model, rows []features.Row, cascades []data.Cascade) (*evaluate.Report, Stats, error) {
	if model == nil {
		return nil, Stats{}, fmt.Errorf("%w: no forest", predict.ErrIncompatible)
	}
	if err := predict.Check(model, model.Window); err != nil {
		return nil, Stats{}, err
	}
	if err := checkInputs(rows, cascades, model.Window); err != nil {
		return nil, Stats{}, err
	}
	st := Stats{Cascades: len(rows), Target: predict.Target(model.Target)}
	if model.LogLinear == nil {
		ll, err := predict.FitLogLinear(rows)
		if err != nil {
			return nil, Stats{}, err
		}
		m := *model
		m.LogLinear = &ll.A
		model = &m
		st.LogLinearRefit = true
	}
	all := make([]int, len(rows))
	for i := range all {
		all[i] = i
	}
	p := newPredictions(len(rows), cascades != nil, []string{model.Forest.Learner()})
	p.fill(rows, cascades, all, []*train.Model{model})
	st.Fallbacks = p.fallbacks
	r, err := p.report(rows, model.Window)
	return r, st, err
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

// predictions holds every method's prediction per cascade, and the learned
// methods' intervals: lo[m] and hi[m], of level level[m], while every model
// of m filled in had intervals (noInterval[m] is set by the first that had
// none).
type predictions struct {
	pred       map[string][]float64
	seismic    bool
	fallbacks  map[string]int
	lo, hi     map[string][]float64
	level      map[string]float64
	noInterval map[string]bool
}

// newPredictions holds the predictions of n cascades by hawkes, seismic
// (if seismic), loglinear and the learned methods named.
func newPredictions(n int, seismic bool, learners []string) *predictions {
	p := &predictions{pred: map[string][]float64{}, seismic: seismic, fallbacks: map[string]int{},
		lo: map[string][]float64{}, hi: map[string][]float64{}, level: map[string]float64{}, noInterval: map[string]bool{}}
	for _, m := range methods {
		if m == MethodSeismic && !seismic || learned(m) && !slices.Contains(learners, m) {
			continue
		}
		p.pred[m] = make([]float64, n)
		p.fallbacks[m] = 0
		if learned(m) {
			p.lo[m], p.hi[m] = make([]float64, n), make([]float64, n)
		}
	}
	return p
}

// fill predicts the cascades idx with every method, models being the
// learned ones (one per learned method of p, all trained on the same rows);
// the loglinear method uses the log-linear constant of models[0]. A learned
// method's interval of a cascade is the model's (predict.Apply), or the
// point [v, v] where the model gave no prediction and the fallback v stands
// in: it counts as missed unless v is exact.
func (p *predictions) fill(rows []features.Row, cascades []data.Cascade, idx []int, models []*train.Model) {
	for _, model := range models {
		m := model.Forest.Learner()
		switch iv := model.Interval; {
		case iv == nil || predict.Target(model.Target) != predict.TargetLogRatio:
			p.noInterval[m] = true
		case p.level[m] == 0:
			p.level[m] = iv.Level
		case p.level[m] != iv.Level:
			p.noInterval[m] = true
		}
	}
	x := make([]float64, features.NumFeatures)
	ll := evaluate.LogLinear{A: *models[0].LogLinear}
	set := func(m string, i int, v float64, ok bool, fallback float64) {
		if !ok {
			v = fallback
			p.fallbacks[m]++
		}
		p.pred[m][i] = v
	}
	for _, i := range idx {
		r := &rows[i]
		lp := ll.Predict(predict.Observed(r))
		p.pred[MethodLogLinear][i] = lp
		v, ok := predict.Hawkes(r)
		set(MethodHawkes, i, v, ok, lp)
		for _, model := range models {
			m := model.Forest.Learner()
			pr := predict.Apply(model, r, x)
			set(m, i, pr.NHat, pr.Source == predict.SourceForest, lp)
			p.lo[m][i], p.hi[m][i] = p.pred[m][i], p.pred[m][i]
			if pr.Source == predict.SourceForest && pr.Interval {
				p.lo[m][i], p.hi[m][i] = pr.Lo, pr.Hi
			}
		}
		if p.seismic {
			c := &cascades[i]
			v, ok := evaluate.Seismic(c.Times, c.Mags, models[0].Window)
			set(MethodSeismic, i, v, ok && v >= 0 && !math.IsInf(v, 0) && !math.IsNaN(v), lp)
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
	for _, m := range methods {
		if pr, ok := p.pred[m]; ok {
			em := evaluate.Method{Name: m, Pred: pr}
			if learned(m) && !p.noInterval[m] && p.level[m] > 0 {
				em.Lo, em.Hi, em.Level = p.lo[m], p.hi[m], p.level[m]
			}
			ms = append(ms, em)
		}
	}
	return evaluate.NewReport(T, sizes, ms)
}
