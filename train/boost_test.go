package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBoostLossFalls checks that the training loss falls at every round on
// a fixed set: without subsampling each tree's leaves move every leaf's rows
// a fraction LearningRate of the way to their mean residual, which lowers
// the squared error whenever some leaf's mean residual is not 0.
func TestBoostLossFalls(t *testing.T) {
	X, y := cascadeData(400, 5)
	cfg := BoostConfig{Subsample: 1, MinLeaf: 5, MaxDepth: 3}.WithDefaults()
	bt, err := boost(context.Background(), X, y, nil, nil, cfg, 200, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(bt.trainLoss) != 200 || len(bt.trees) != 200 {
		t.Fatalf("%d losses, %d trees, want 200", len(bt.trainLoss), len(bt.trees))
	}
	prev := variance(y) // the loss of the offset alone
	for r, l := range bt.trainLoss {
		if !(l < prev) {
			t.Fatalf("round %d: training loss %v, not below %v", r+1, l, prev)
		}
		prev = l
	}
	// The booster predicts its training rows as training left them.
	f := &Forest{NFeatures: len(X[0]), Offset: bt.offset, Trees: bt.trees, Sum: true, Importance: make([]float64, len(X[0]))}
	var loss float64
	for i, x := range X {
		e := y[i] - f.Predict(x)
		loss += e * e
	}
	if got, want := loss/float64(len(X)), bt.trainLoss[len(bt.trainLoss)-1]; math.Abs(got-want) > 1e-12*want {
		t.Errorf("Predict's training loss %v, training's %v", got, want)
	}
}

// TestBoostExactSplit checks one round on four rows, worked by hand: the
// mean is 5, the best cut of feature 0 is between 2 and 3 (float32 2.5),
// which leaves residuals -5 and +5, shrunk by the rate 0.5 to -2.5 and 2.5.
// Feature 1 (4, 3, 2, 1 reversed in pairs) splits no better, and ties go to
// the lower feature.
func TestBoostExactSplit(t *testing.T) {
	X := [][]float64{{1, 3}, {2, 4}, {3, 1}, {4, 2}}
	y := []float64{0, 0, 10, 10}
	f, err := FitBoost(context.Background(), X, y, BoostConfig{Rounds: 1, MaxDepth: 1, MinLeaf: 1, LearningRate: 0.5, Subsample: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []Node{{Feature: 0, Left: 1, Value: 2.5}, {Feature: -1, Value: -2.5}, {Feature: -1, Value: 2.5}}
	if f.Offset != 5 || len(f.Trees) != 1 || !equalNodes(f.Trees[0].Nodes, want) {
		t.Fatalf("offset %v, trees %+v; want 5 and %+v", f.Offset, f.Trees, want)
	}
	for i, x := range X {
		if got, w := f.Predict(x), 5+[]float64{-2.5, -2.5, 2.5, 2.5}[i]; got != w {
			t.Errorf("Predict(%v) = %v, want %v", x, got, w)
		}
	}
	if f.Importance[0] != 1 || f.Importance[1] != 0 {
		t.Errorf("importance %v, want [1 0]", f.Importance)
	}
}

func equalNodes(a, b []Node) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestBoostHistBins checks the quantile cuts: a column with few distinct
// values is cut between each two; one with many gets at most Bins bins of
// about equal counts.
func TestBoostHistBins(t *testing.T) {
	X := make([][]float64, 1000)
	for i := range X {
		X[i] = []float64{float64(i % 3), float64(i)}
	}
	hb := newHistBins(X, 2, 10)
	if got := hb.cut[0]; len(got) != 2 || got[0] != 0.5 || got[1] != 1.5 {
		t.Errorf("cuts of {0, 1, 2}: %v, want [0.5 1.5]", got)
	}
	if got := len(hb.cut[1]); got != 9 {
		t.Errorf("%d cuts of 1000 distinct values in 10 bins, want 9", got)
	}
	count := make([]int, 10)
	for i, x := range X {
		b := hb.bin[1][i]
		count[b]++
		// The bin agrees with the thresholds a tree compares with.
		if b > 0 && !(x[1] > float64(hb.cut[1][b-1])) || int(b) < len(hb.cut[1]) && !(x[1] <= float64(hb.cut[1][b])) {
			t.Fatalf("value %v in bin %d of cuts %v", x[1], b, hb.cut[1])
		}
	}
	for b, c := range count {
		if c != 100 {
			t.Errorf("bin %d holds %d values, want 100", b, c)
		}
	}
}

// TestBoostSeed checks that the same seed gives the same booster, byte for
// byte in a model file, and another seed (other inner splits and
// subsamples) another one.
func TestBoostSeed(t *testing.T) {
	X, y := cascadeData(300, 2)
	ctx := context.Background()
	file := func(seed uint64) []byte {
		f, err := FitBoost(ctx, X, y, BoostConfig{Seed: seed, MaxRounds: 100, MaxDepth: 2})
		if err != nil {
			t.Fatal(err)
		}
		b, err := (&Model{Features: []string{"a", "b", "c", "d", "e", "f"}, Forest: f}).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := file(4)
	if b := file(4); !bytes.Equal(a, b) {
		t.Error("the same seed gave two boosters")
	}
	if c := file(5); bytes.Equal(a, c) {
		t.Error("seeds 4 and 5 gave the same booster")
	}
}

// TestBoostEarlyStopping checks on noisy data with a simple truth that the
// inner validation splits stop well before MaxRounds, that every row gets a
// held-out prediction, and that the booster learns the truth.
func TestBoostEarlyStopping(t *testing.T) {
	X, y, truth := smoothData(600, 0.3, 3)
	f, oof, used, err := FitBoostOOB(context.Background(), X, y, BoostConfig{MaxRounds: 1000, LearningRate: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trees) >= 1000 || len(f.Trees) < 10 {
		t.Errorf("%d rounds of at most 1000", len(f.Trees))
	}
	if !slices.Contains(BoostDepths[:], used.MaxDepth) || used.LearningRate != 0.2 || used.MinLeaf != DefaultBoostMinLeaf {
		t.Errorf("config used %+v: want a depth of %v, the rate given and the defaults", used, BoostDepths)
	}
	for i, v := range oof {
		if math.IsNaN(v) {
			t.Fatalf("row %d has no held-out prediction", i)
		}
	}
	pred := f.PredictBatch(nil, X)
	// The noise variance is 0.09 and the truth's variance about 0.42.
	if e := mse(pred, truth); e > 0.03 {
		t.Errorf("MSE to the truth %v, want < 0.03", e)
	}
	if e := mse(oof, y); e > 0.09+0.05 {
		t.Errorf("held-out MSE %v, want < 0.14", e)
	}
	if f.OOBStats.N != len(y) || math.Abs(f.OOBStats.MSE-mse(oof, y)) > 1e-12 {
		t.Errorf("OOB stats %+v", f.OOBStats)
	}
}

// TestBoostModelFile checks that a booster is written as version 2 and read
// back whole, predicting exactly as before.
func TestBoostModelFile(t *testing.T) {
	X, y := cascadeData(500, 7)
	cfg := BoostConfig{MaxDepth: 3}.WithDefaults()
	f, err := FitBoost(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{Window: 600, Features: []string{"a", "b", "c", "d", "e", "f"}, Target: "log_ratio", Boost: &cfg, Forest: f}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if v := int(b[4])<<8 | int(b[5]); v != 2 {
		t.Errorf("written as version %d, want 2", v)
	}
	var back Model
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if back.Version != 2 || !back.Forest.Sum || back.Forest.Learner() != LearnerBoost || *back.Boost != cfg {
		t.Errorf("read back version %d, sum %v, boost %+v", back.Version, back.Forest.Sum, back.Boost)
	}
	sameModel(t, &back, m)
	for _, x := range X {
		if a, b := f.Predict(x), back.Forest.Predict(x); a != b {
			t.Fatalf("prediction %v read back as %v", a, b)
		}
	}
	t.Logf("%d trees, %d nodes, %d bytes", len(f.Trees), f.NumNodes(), len(b))
}

func TestBoostConfigValidate(t *testing.T) {
	if err := (BoostConfig{}).WithDefaults().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, c := range []BoostConfig{
		{MaxRounds: -1}, {Rounds: 2000}, {Rounds: 5}, {MaxDepth: -1}, {LearningRate: 1.5}, {LearningRate: -0.1}, {MaxDepth: 17},
		{MinLeaf: -1}, {Bins: 1}, {Bins: 1<<16 + 1}, {Subsample: 1.1}, {InnerFolds: 1}, {Patience: -3},
	} {
		err := c.WithDefaults().Validate()
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: error %v, want ErrConfig", c, err)
		}
		if _, err := FitBoost(context.Background(), [][]float64{{1}, {2}}, []float64{1, 2}, c); !errors.Is(err, ErrConfig) {
			t.Errorf("FitBoost(%+v): error %v, want ErrConfig", c, err)
		}
	}
	if _, err := FitBoost(context.Background(), [][]float64{{1}}, []float64{1}, BoostConfig{}); !errors.Is(err, ErrData) {
		t.Errorf("one row with early stopping: error %v, want ErrData", err)
	}
	if _, err := FitBoost(context.Background(), [][]float64{{1}, {math.NaN()}}, []float64{1, 2}, BoostConfig{}); !errors.Is(err, ErrData) {
		t.Errorf("NaN feature: error %v, want ErrData", err)
	}
}

func TestBoostCancel(t *testing.T) {
	X, y := cascadeData(200, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FitBoost(ctx, X, y, BoostConfig{}); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// TestSortSample checks sortSample against slices.Sort on partial
// Fisher-Yates samples, as boost draws them.
func TestSortSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ n, m int }{{1, 1}, {2, 1}, {10, 8}, {325, 260}, {406, 1}, {1000, 999}} {
		rows := make([]int32, tc.n)
		drawn := make([]bool, tc.n)
		for range 20 {
			for i := range rows {
				rows[i] = int32(i)
			}
			for i := range tc.m {
				k := i + rng.IntN(tc.n-i)
				rows[i], rows[k] = rows[k], rows[i]
			}
			want := slices.Sorted(slices.Values(rows[:tc.m]))
			sortSample(rows, tc.m, drawn)
			if !slices.Equal(rows[:tc.m], want) {
				t.Fatalf("n %d m %d: got %v, want %v", tc.n, tc.m, rows[:tc.m], want)
			}
			if slices.Contains(drawn, true) {
				t.Fatalf("n %d m %d: marks left set", tc.n, tc.m)
			}
		}
	}
}

// TestBoostSampleLeaves checks that the training loss boost records, which
// takes the subsample's predictions from the leaves its rows reached as
// each tree grew, is the loss of walking every tree for every row, bit for
// bit, with and without subsampling.
func TestBoostSampleLeaves(t *testing.T) {
	X, y := wideData(150, 8)
	for _, sub := range []float64{0.7, 1} {
		cfg := BoostConfig{Subsample: sub, MaxDepth: 4, MinLeaf: 3, Seed: 6}.WithDefaults()
		bt, err := boost(context.Background(), X, y, nil, nil, cfg, 40, 0)
		if err != nil {
			t.Fatal(err)
		}
		pred := make([]float64, len(X))
		for i := range pred {
			pred[i] = bt.offset
		}
		for r, tr := range bt.trees {
			var loss float64
			for i, x := range X {
				pred[i] += tr.predict(x)
				e := y[i] - pred[i]
				loss += e * e
			}
			if got, want := bt.trainLoss[r], loss/float64(len(X)); got != want {
				t.Fatalf("subsample %v round %d: training loss %v, walking the trees %v", sub, r, got, want)
			}
		}
	}
}
