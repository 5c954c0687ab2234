package predict

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/train"
)

var (
	rowOK = features.Row{ID: "ok", Window: 600, Status: fit.StatusOK, N: 10, Size: 40,
		A1: features.Opt{V: 6, OK: true}, NStar: features.Opt{V: 0.7, OK: true},
		NHat: features.Opt{V: 30, OK: true}, W: features.Opt{V: 1.5, OK: true}}
	rowSuper = features.Row{ID: "super", Window: 600, Status: fit.StatusSupercritical, N: 10, Size: 40,
		A1: features.Opt{V: 6, OK: true}, NStar: features.Opt{V: 1.2, OK: true}}
	rowNone = features.Row{ID: "none", Window: 600, Status: fit.StatusFailed, N: 0, Size: 3}
)

// TestTargetSize checks the inverse of each target by hand.
func TestTargetSize(t *testing.T) {
	tests := []struct {
		name   string
		row    features.Row
		target Target
		y      float64
		want   float64
		wantOK bool
	}{
		// n·exp(y): 10·e^{log 4} = 40.
		{"log ratio", rowOK, TargetLogRatio, math.Log(4), 40, true},
		// n counts as 1 when nothing was observed: 1·e^{log 3} = 3.
		{"log ratio n=0", rowNone, TargetLogRatio, math.Log(3), 3, true},
		{"log ratio supercritical", rowSuper, TargetLogRatio, 0, 10, true},
		{"log ratio overflow", rowOK, TargetLogRatio, 1000, 0, false},
		// n + w·A1/(1-n*) = 10 + 1.5·6/0.3 = 40.
		{"w", rowOK, TargetW, 1.5, 40, true},
		{"w negative", rowOK, TargetW, -10, 0, false},
		{"w supercritical", rowSuper, TargetW, 1.5, 0, false},
		{"w failed", rowNone, TargetW, 1, 0, false},
	}
	for _, tt := range tests {
		got, gotOK := tt.target.Size(&tt.row, tt.y)
		if gotOK != tt.wantOK || (gotOK && math.Abs(got-tt.want) > 1e-9*tt.want) {
			t.Errorf("%s: got %v, %v; want %v, %v", tt.name, got, gotOK, tt.want, tt.wantOK)
		}
		if v, vok := TargetLogRatio.Value(&tt.row); !vok || math.Abs(math.Exp(v)*Observed(&tt.row)-float64(tt.row.Size)) > 1e-9 {
			t.Errorf("%s: log ratio target %v does not give back the size", tt.name, v)
		}
		v, vok := TargetW.Value(&tt.row)
		if vok != tt.row.W.OK || v != tt.row.W.V {
			t.Errorf("%s: w target %v, %v; want the row's %v", tt.name, v, vok, tt.row.W)
		}
	}
}

// constantModel returns a model whose forest predicts y everywhere: one
// tree that is a single leaf.
func constantModel(t *testing.T, target Target, y float64, a *float64) *train.Model {
	t.Helper()
	X := make([][]float64, 4)
	ys := make([]float64, 4)
	for i := range X {
		X[i] = make([]float64, features.NumFeatures)
		X[i][0] = float64(i)
		ys[i] = y
	}
	f, err := train.Fit(context.Background(), X, ys, train.Config{Trees: 1, Seed: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &train.Model{Window: 600, Features: features.Names(), Target: string(target), Forest: f, LogLinear: a}
}

// TestApply checks the order of the sources.
func TestApply(t *testing.T) {
	a := math.Log(2)
	logRatio := constantModel(t, TargetLogRatio, math.Log(3), &a)
	w := constantModel(t, TargetW, 1.5, &a)
	wOld := constantModel(t, TargetW, 1.5, nil)
	tests := []struct {
		name   string
		model  *train.Model
		row    features.Row
		want   float64
		source Source
	}{
		{"log ratio", logRatio, rowOK, 30, SourceForest},
		{"log ratio failed fit", logRatio, rowNone, 3, SourceForest},
		{"w", w, rowOK, 40, SourceForest},
		// w undefined: the training set's log-linear n·e^a = 10·2.
		{"w supercritical", w, rowSuper, 20, SourceLogLinear},
		// n counts as 1 for the log-linear prediction.
		{"w failed", w, rowNone, 2, SourceLogLinear},
		// A model without a log-linear constant falls back on the fit.
		{"w without loglinear", wOld, rowSuper, 10, SourceObserved},
		{"no model", nil, rowOK, 30, SourceHawkes},
		{"no model, supercritical", nil, rowSuper, 10, SourceObserved},
		{"no model, failed", nil, rowNone, 0, SourceObserved},
	}
	x := make([]float64, features.NumFeatures)
	for _, tt := range tests {
		for _, scratch := range [][]float64{nil, x} {
			got := Apply(tt.model, &tt.row, scratch)
			if got.Source != tt.source || math.Abs(got.NHat-tt.want) > 1e-9*tt.want {
				t.Errorf("%s: got %+v, want %v from %s", tt.name, got, tt.want, tt.source)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	good := constantModel(t, TargetLogRatio, 0, nil)
	if err := Check(good, 600); err != nil {
		t.Fatalf("good model: %v", err)
	}
	fewer := *good
	fewer.Features = fewer.Features[1:]
	renamed := *good
	renamed.Features = features.Names()
	renamed.Features[0] = "k"
	target := *good
	target.Target = "size"
	noForest := *good
	noForest.Forest = nil
	for name, m := range map[string]*train.Model{"nil": nil, "no forest": &noForest, "fewer features": &fewer,
		"renamed feature": &renamed, "unknown target": &target} {
		if err := Check(m, 600); !errors.Is(err, ErrIncompatible) {
			t.Errorf("%s: %v, want ErrIncompatible", name, err)
		}
	}
	if err := Check(good, 3600); !errors.Is(err, ErrIncompatible) {
		t.Errorf("other window: %v, want ErrIncompatible", err)
	}
	if err := Check(&target, 600); !errors.Is(err, ErrTarget) {
		t.Errorf("unknown target: %v, want it to wrap ErrTarget", err)
	}
}

// TestTrain checks what Train records besides the forest.
func TestTrain(t *testing.T) {
	rows := []features.Row{rowOK, rowSuper, rowNone, rowOK}
	ctx := context.Background()
	cfg := train.Config{Trees: 5, Seed: 2, Workers: 1}
	m, err := Train(ctx, rows, "", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ll, err := FitLogLinear(rows)
	if err != nil {
		t.Fatal(err)
	}
	if m.Target != string(TargetLogRatio) || m.Window != 600 || m.TrainedOn != 4 || m.LogLinear == nil || *m.LogLinear != ll.A ||
		m.Interval == nil || m.Interval.Level != DefaultLevel || !(m.Interval.Lo <= m.Interval.Hi) {
		t.Errorf("model %+v", m)
	}
	if err := Check(m, 600); err != nil {
		t.Errorf("trained model: %v", err)
	}
	if m.Forest.Quantiles == nil || !m.Interval.Quantile() {
		t.Errorf("log-ratio forest without quantile interval: %+v", m.Interval)
	}
	// Beyond MaxQuantileEntries rows x trees: split conformal instead.
	many := make([]features.Row, MaxQuantileEntries/100+1)
	for i := range many {
		many[i] = rowOK
	}
	big, err := Train(ctx, many, "", train.Config{Trees: 100, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if big.Forest.Quantiles != nil || big.Interval == nil || big.Interval.Quantile() {
		t.Errorf("forest of %d rows x 100 trees: quantiles %v, interval %+v; want split conformal", len(many), big.Forest.Quantiles != nil, big.Interval)
	}
	wm, err := Train(ctx, rows, TargetW, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if wm.TrainedOn != 2 {
		t.Errorf("w model trained on %d rows, want the 2 where w is defined", wm.TrainedOn)
	}
	other := append([]features.Row{}, rows...)
	other[1].Window = 3600
	if _, err := Train(ctx, other, "", cfg); err == nil {
		t.Errorf("rows on two windows: no error")
	}
	if _, err := Train(ctx, nil, "", cfg); err == nil {
		t.Errorf("no rows: no error")
	}
	if _, err := Train(ctx, rows, "size", cfg); !errors.Is(err, ErrTarget) {
		t.Errorf("unknown target: %v", err)
	}
	if _, err := Train(ctx, []features.Row{rowSuper, rowNone}, TargetW, cfg); err == nil {
		t.Errorf("w defined nowhere: no error")
	}
}

// TestOOBInterval checks the ranks of the split-conformal interval by hand.
func TestOOBInterval(t *testing.T) {
	tests := []struct {
		n          int
		level      float64
		wantLo, wt float64
	}{
		// n = 9, level 0.8: ranks floor(10·0.1) = 1 and ceil(10·0.9) = 9.
		{9, 0.8, 1, 9},
		// n = 19: ranks floor(20·0.1) = 2 and ceil(20·0.9) = 18.
		{19, 0.8, 2, 18},
		// n = 3: the ranks fall outside and are clamped to the extremes.
		{3, 0.8, 1, 3},
	}
	for _, tt := range tests {
		y := make([]float64, tt.n+1)
		oob := make([]float64, tt.n+1)
		for i := range tt.n {
			y[i] = float64(tt.n - i) // residuals n, n-1, ..., 1, unsorted
		}
		oob[tt.n] = math.NaN() // a row no tree left out
		iv := OOBInterval(y, oob, tt.level)
		if iv == nil || iv.Lo != tt.wantLo || iv.Hi != tt.wt || iv.Level != tt.level {
			t.Errorf("n %d: %+v, want [%v, %v]", tt.n, iv, tt.wantLo, tt.wt)
		}
	}
	if iv := OOBInterval([]float64{1}, []float64{0}, 0.8); iv != nil {
		t.Errorf("one residual: %+v, want none", iv)
	}
}

// TestApplyInterval checks the interval of a forest prediction on the
// log-ratio scale: n·exp(y+Lo) to n·exp(y+Hi).
func TestApplyInterval(t *testing.T) {
	m := constantModel(t, TargetLogRatio, math.Log(3), nil)
	m.Interval = &train.Interval{Level: 0.8, Lo: -math.Log(2), Hi: math.Log(2)}
	p := Apply(m, &rowOK, nil)
	if !p.Interval || math.Abs(p.NHat-30) > 1e-9 || math.Abs(p.Lo-15) > 1e-9 || math.Abs(p.Hi-60) > 1e-9 {
		t.Errorf("prediction %+v, want 30 in [15, 60]", p)
	}
	m.Interval = nil
	if p := Apply(m, &rowOK, nil); p.Interval {
		t.Errorf("a model without an interval gave %+v", p)
	}
}

// TestOldFeatureSet checks that a model trained before the follower
// statistics, on the first 14 features of features.Names, still applies:
// Check accepts it and Apply gives its forest those 14 features.
func TestOldFeatureSet(t *testing.T) {
	rows := []features.Row{rowOK, rowSuper, rowNone, rowOK}
	rows[0].LogFollowersSum = features.Opt{V: 9, OK: true}
	const old = 14
	var X [][]float64
	var y []float64
	for i := range rows {
		X = append(X, rows[i].Vector(nil)[:old])
		v, _ := TargetLogRatio.Value(&rows[i])
		y = append(y, v)
	}
	f, err := train.Fit(context.Background(), X, y, train.Config{Trees: 5, MinLeaf: 1, Seed: 3, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	a := 0.5
	m := &train.Model{Window: 600, Features: features.Names()[:old], Target: string(TargetLogRatio), Forest: f, LogLinear: &a}
	if err := Check(m, 600); err != nil {
		t.Fatalf("model of the 14 older features: %v", err)
	}
	for i := range rows {
		got := Apply(m, &rows[i], make([]float64, features.NumFeatures))
		want, _ := TargetLogRatio.Size(&rows[i], f.Predict(X[i]))
		if got.Source != SourceForest || got.NHat != want {
			t.Errorf("row %d: %+v, want %v from the forest", i, got, want)
		}
	}
	unknown := *m
	unknown.Features = append(features.Names()[:old-1], "hour_of_day")
	if err := Check(&unknown, 600); !errors.Is(err, ErrIncompatible) || !strings.Contains(err.Error(), "hour_of_day") {
		t.Errorf("a feature this build does not compute: %v", err)
	}
}
