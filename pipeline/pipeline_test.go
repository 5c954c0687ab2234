package pipeline

import (
	"bytes"
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/sim"
	"github.com/hawkes-toolkit/hawkes/train"
)

const testWindow = 600

// synthetic returns 40 simulated cascades, with random parameters drawn from
// sim.DefaultRanges and 1 000 followers for every original tweet, and their
// rows on testWindow.
func synthetic(t *testing.T) ([]data.Cascade, []features.Row) {
	t.Helper()
	ctx := context.Background()
	rg := sim.DefaultRanges()
	cs, _, err := sim.Dataset(ctx, 40, sim.Config{Random: &rg, Horizon: 86400, MaxEvents: 400, FirstMag: 1000, WholeSeconds: true}, 11)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Rows(ctx, cs, testWindow, fit.BatchOptions{Options: fit.Options{Starts: 2, Seed: 1}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return cs, rows
}

func reportJSON(t *testing.T, r *evaluate.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.Write(&b, evaluate.JSON); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	smallForest = train.Config{Trees: 30, MinLeaf: 2, Seed: 3, Workers: 2}
	smallBoost  = train.BoostConfig{MaxRounds: 60, MaxDepth: 2, MinLeaf: 3, Seed: 3}
)

func TestCrossValidateSynthetic(t *testing.T) {
	cs, rows := synthetic(t)
	ctx := context.Background()
	for _, target := range []predict.Target{predict.TargetLogRatio, predict.TargetW} {
		r, st, err := CrossValidate(ctx, rows, cs, testWindow, CVOptions{Folds: 4, Seed: 7, Target: target, Forest: smallForest, Boost: &smallBoost})
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if len(r.Methods) != len(Methods()) {
			t.Fatalf("%s: %d methods, want %d", target, len(r.Methods), len(Methods()))
		}
		for i, m := range r.Methods {
			if m.Name != Methods()[i] || m.Overall.Count != len(cs) || math.IsNaN(m.Overall.MeanARE) {
				t.Errorf("%s: method %d = %s, %+v", target, i, m.Name, m.Overall)
			}
		}
		if st.Cascades != len(cs) || st.Folds != 4 || st.Target != target || st.Fallbacks[MethodLogLinear] != 0 {
			t.Errorf("%s: stats %+v", target, st)
		}
		// Only the hawkes fits that are neither ok nor unbounded fall back.
		var want int
		for _, row := range rows {
			if row.Status != fit.StatusOK && row.Status != fit.StatusUnbounded || !row.NHat.OK {
				want++
			}
		}
		if st.Fallbacks[MethodHawkes] != want {
			t.Errorf("%s: %d hawkes fallbacks, want %d", target, st.Fallbacks[MethodHawkes], want)
		}
		if target == predict.TargetLogRatio && (st.Fallbacks[MethodForest] != 0 || st.Fallbacks[MethodBoost] != 0) {
			t.Errorf("log_ratio has %d forest and %d boost fallbacks, want 0", st.Fallbacks[MethodForest], st.Fallbacks[MethodBoost])
		}
	}
}

// TestCrossValidateDeterministic checks that the same seeds give the same
// report, byte for byte, and that the seed of the folds matters.
func TestCrossValidateDeterministic(t *testing.T) {
	cs, rows := synthetic(t)
	ctx := context.Background()
	opts := CVOptions{Folds: 5, Seed: 2, Forest: smallForest, Boost: &smallBoost}
	run := func(o CVOptions) string {
		r, _, err := CrossValidate(ctx, rows, cs, testWindow, o)
		if err != nil {
			t.Fatal(err)
		}
		return reportJSON(t, r)
	}
	a := run(opts)
	opts.Forest.Workers = 1 // does not change the forest
	if b := run(opts); a != b {
		t.Errorf("same seeds, different reports:\n%s\n%s", a, b)
	}
	opts.Seed = 3
	if c := run(opts); a == c {
		t.Errorf("another seed of the folds gave the same report")
	}
}

// TestTrainPredict checks that a model written and read back predicts as
// the one trained, and that Predict fills every method.
func TestTrainPredict(t *testing.T) {
	cs, rows := synthetic(t)
	ctx := context.Background()
	m, err := predict.Train(ctx, rows, "", smallForest)
	if err != nil {
		t.Fatal(err)
	}
	if m.Target != string(predict.TargetLogRatio) || m.Window != testWindow || m.TrainedOn != len(rows) || m.Config.Workers != 0 {
		t.Errorf("model %+v", m)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back train.Model
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	r1, st, err := Predict(m, rows, cs)
	if err != nil {
		t.Fatal(err)
	}
	r2, _, err := Predict(&back, rows, cs)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := reportJSON(t, r1), reportJSON(t, r2); a != b {
		t.Errorf("the model read back predicts differently:\n%s\n%s", a, b)
	}
	if st.Folds != 0 || st.Cascades != len(cs) || len(r1.Methods) != 4 {
		t.Errorf("stats %+v, %d methods", st, len(r1.Methods))
	}
	// Without cascades there is no seismic.
	r3, _, err := Predict(m, rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, mr := range r3.Methods {
		if mr.Name == MethodSeismic {
			t.Errorf("seismic reported without cascades")
		}
	}

	wm, err := predict.Train(ctx, rows, predict.TargetW, smallForest)
	if err != nil {
		t.Fatal(err)
	}
	var defined int
	for _, r := range rows {
		if r.W.OK {
			defined++
		}
	}
	if wm.TrainedOn != defined {
		t.Errorf("w model trained on %d rows, want the %d where w is defined", wm.TrainedOn, defined)
	}
}

func TestErrors(t *testing.T) {
	cs, rows := synthetic(t)
	ctx := context.Background()
	if _, _, err := CrossValidate(ctx, rows, cs[1:], testWindow, CVOptions{Forest: smallForest}); !errors.Is(err, ErrMismatch) {
		t.Errorf("fewer cascades than rows: %v, want ErrMismatch", err)
	}
	swapped := append([]data.Cascade(nil), cs...)
	swapped[0], swapped[1] = swapped[1], swapped[0]
	if _, _, err := CrossValidate(ctx, rows, swapped, testWindow, CVOptions{Forest: smallForest}); !errors.Is(err, ErrMismatch) {
		t.Errorf("cascades out of order: %v, want ErrMismatch", err)
	}
	if _, _, err := CrossValidate(ctx, rows, cs, 3600, CVOptions{Forest: smallForest}); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong window: %v, want ErrMismatch", err)
	}
	if _, _, err := CrossValidate(ctx, rows, cs, testWindow, CVOptions{Target: "size", Forest: smallForest}); !errors.Is(err, predict.ErrTarget) {
		t.Errorf("unknown target: %v, want ErrTarget", err)
	}
	if _, _, err := CrossValidate(ctx, rows, cs, testWindow, CVOptions{Folds: 1, Forest: smallForest}); err == nil {
		t.Errorf("1 fold: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := CrossValidate(cctx, rows, cs, testWindow, CVOptions{Forest: smallForest}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	m, err := predict.Train(ctx, rows, "", smallForest)
	if err != nil {
		t.Fatal(err)
	}
	m.Features = m.Features[1:]
	if _, _, err := Predict(m, rows, cs); err == nil {
		t.Errorf("model with other features: no error")
	}
}

// TestCrossValidateReal runs on the 20 cascades of smh_cascades at 600 s
// (fits take a fraction of a second) and checks that the forest, the
// method the pipeline exists for, does better than the model alone.
func TestCrossValidateReal(t *testing.T) {
	ctx := context.Background()
	cs, err := data.LoadDir(ctx, shared.Path(t, "smh_cascades"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Rows(ctx, cs, testWindow, fit.BatchOptions{Options: fit.Options{Seed: 1}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, st, err := CrossValidate(ctx, rows, cs, testWindow, CVOptions{Folds: 5, Seed: 1, Forest: train.Config{Seed: 1, Workers: 2}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]evaluate.Stats{}
	for _, m := range r.Methods {
		got[m.Name] = m.Overall
		t.Logf("%-10s mean ARE %.3f, median %.3f", m.Name, m.Overall.MeanARE, m.Overall.MedianARE)
	}
	t.Logf("fallbacks %v", st.Fallbacks)
	if got[MethodForest].MedianARE >= got[MethodHawkes].MedianARE {
		t.Errorf("forest median ARE %v, not below hawkes %v", got[MethodForest].MedianARE, got[MethodHawkes].MedianARE)
	}
}

// CVOptions.Validate checks the options as given; WithDefaults makes the
// zero value valid.
func TestCVOptionsValidate(t *testing.T) {
	if err := (CVOptions{}).WithDefaults().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	good := CVOptions{}.WithDefaults()
	for _, tt := range []struct {
		name string
		o    CVOptions
		want error // nil: any error
	}{
		{"one fold", CVOptions{Folds: 1, Target: predict.DefaultTarget, Forest: good.Forest}, nil},
		{"zero folds as given", CVOptions{Target: predict.DefaultTarget, Forest: good.Forest}, nil},
		{"unknown target", CVOptions{Folds: 5, Target: "size", Forest: good.Forest}, predict.ErrTarget},
		{"bad forest", CVOptions{Folds: 5, Target: predict.DefaultTarget}, train.ErrConfig},
	} {
		err := tt.o.Validate()
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestForestConfigError checks that an invalid forest config comes out of
// CrossValidate as train's error, without the "pipeline: train: train:"
// that used to come before it.
func TestForestConfigError(t *testing.T) {
	_, _, err := CrossValidate(context.Background(), nil, nil, 600, CVOptions{Forest: train.Config{Trees: -1}})
	if want := "train: invalid config: trees = -1, want >= 1"; !errors.Is(err, train.ErrConfig) || err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// TestCrossValidateIntervals checks that the forest's intervals are scored
// under cross-validation with log_ratio, each cascade's interval being the
// one its fold's model gives, and not with w, whose models have none.
func TestCrossValidateIntervals(t *testing.T) {
	cs, rows := synthetic(t)
	ctx := context.Background()
	opts := CVOptions{Folds: 4, Seed: 7, Forest: smallForest, Boost: &smallBoost}
	r, _, err := CrossValidate(ctx, rows, cs, testWindow, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Methods {
		if (m.Interval != nil) != (m.Name == MethodForest || m.Name == MethodBoost) {
			t.Errorf("method %s: interval report %v", m.Name, m.Interval)
		}
	}
	iv := r.Methods[1].Interval
	if iv == nil {
		t.Fatal("forest has no interval report")
	}
	if iv.Level != predict.DefaultLevel || iv.Overall.Count != len(rows) {
		t.Errorf("level %v count %d, want %v and %d", iv.Level, iv.Overall.Count, predict.DefaultLevel, len(rows))
	}
	// Recompute the coverage from the fold models.
	covered := 0
	for k, test := range train.KFold(len(rows), opts.Folds, opts.Seed) {
		var fold []features.Row
		for _, i := range train.Complement(len(rows), test) {
			fold = append(fold, rows[i])
		}
		m, err := predict.Train(ctx, fold, "", opts.Forest)
		if err != nil {
			t.Fatalf("fold %d: %v", k+1, err)
		}
		for _, i := range test {
			p := predict.Apply(m, &rows[i], nil)
			if !p.Interval {
				t.Fatalf("cascade %d has no interval", i)
			}
			if N := float64(rows[i].Size); p.Lo <= N && N <= p.Hi {
				covered++
			}
		}
	}
	if want := float64(covered) / float64(len(rows)); iv.Overall.Coverage != want {
		t.Errorf("coverage %v, want %v from the fold models", iv.Overall.Coverage, want)
	}
	opts.Target = predict.TargetW
	r, _, err = CrossValidate(ctx, rows, cs, testWindow, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Methods {
		if m.Interval != nil {
			t.Errorf("target w: method %s has intervals", m.Name)
		}
	}
}

// TestPredictBoost checks that a boosted model is scored under its own
// name, boost, and a forest under forest.
func TestPredictBoost(t *testing.T) {
	cs, rows := synthetic(t)
	ctx := context.Background()
	m, err := predict.TrainLearner(ctx, rows, "", predict.Learner{Name: train.LearnerBoost, Boost: smallBoost})
	if err != nil {
		t.Fatal(err)
	}
	if m.Boost == nil || !m.Forest.Sum || m.Interval == nil {
		t.Fatalf("boosted model: boost %v, sum %v, interval %v", m.Boost, m.Forest.Sum, m.Interval)
	}
	r, st, err := Predict(m, rows, cs)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, mr := range r.Methods {
		names = append(names, mr.Name)
	}
	if want := []string{MethodHawkes, MethodSeismic, MethodLogLinear, MethodBoost}; !slices.Equal(names, want) {
		t.Errorf("methods %v, want %v", names, want)
	}
	if _, ok := st.Fallbacks[MethodForest]; ok {
		t.Errorf("fallbacks %v name the forest", st.Fallbacks)
	}
}
