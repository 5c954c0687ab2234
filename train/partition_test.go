package train

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestPartitionLeafChildren checks that the forest split grows, leaving out
// of the lists the rows of children that will be leaves, is the one it grows
// partitioning every list in full: the same trees, out-of-bag predictions
// and importances, over settings that make leaves by MinLeaf, by MaxDepth
// and by constant targets.
func TestPartitionLeafChildren(t *testing.T) {
	X, y, _ := stepData(400, 0.2, 3)
	Xc, yc := cascadeData(300, 4)
	Xi, yi := indicatorData(300, 5)
	tests := []struct {
		name string
		X    [][]float64
		y    []float64
		cfg  Config
	}{
		{"defaults", X, y, Config{Trees: 20, Seed: 1}},
		{"min leaf 1", X, y, Config{Trees: 20, MinLeaf: 1, Seed: 2}},
		{"min leaf 20", X, y, Config{Trees: 20, MinLeaf: 20, Seed: 3}},
		{"depth 3", X, y, Config{Trees: 20, MaxDepth: 3, Seed: 4}},
		{"depth 1", X, y, Config{Trees: 20, MaxDepth: 1, MinLeaf: 2, Seed: 5}},
		{"half samples", Xc, yc, Config{Trees: 20, SampleFrac: 0.5, Seed: 6}},
		{"cascades, all features", Xc, yc, Config{Trees: 20, MaxFeatures: 6, MinLeaf: 3, Seed: 7}},
		{"indicators", Xi, yi, Config{Trees: 20, Seed: 8}},
		{"indicators, min leaf 1", Xi, yi, Config{Trees: 20, MinLeaf: 1, MaxFeatures: 3, Seed: 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sameForestWithout(t, &partitionAll, tc.X, tc.y, tc.cfg, "full partitions")
		})
	}
}

// TestGainFilter checks that the forest split grows, passing over the
// positions whose gain cannot beat the best one without dividing (noGain),
// is the one it grows dividing at every position: the same trees,
// importances and out-of-bag predictions, on targets of a wide range of
// scales, where gains are tiny or huge, and with ties of gains (a target
// that takes two values).
func TestGainFilter(t *testing.T) {
	X, y := indicatorData(300, 21)
	scaled := func(c float64) []float64 {
		out := make([]float64, len(y))
		for i, v := range y {
			out[i] = c * v
		}
		return out
	}
	two := make([]float64, len(y))
	for i := range two {
		two[i] = float64(i % 2)
	}
	for _, tc := range []struct {
		name string
		y    []float64
		cfg  Config
	}{
		{"unit", y, Config{Trees: 20, Seed: 1}},
		{"tiny", scaled(1e-150), Config{Trees: 20, MinLeaf: 1, Seed: 2}},
		{"huge", scaled(1e37), Config{Trees: 20, Seed: 3}},
		{"two values", two, Config{Trees: 20, MinLeaf: 2, MaxFeatures: 12, Seed: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sameForestWithout(t, &exactGains, X, tc.y, tc.cfg, "exact gains")
		})
	}
}

// sameForestWithout grows the forest of cfg on X and y (one worker) with
// the straightforward path that *plain turns on and without it, and fails
// unless the two forests and their out-of-bag predictions are the same;
// what names the straightforward path in the messages.
func sameForestWithout(t *testing.T, plain *bool, X [][]float64, y []float64, cfg Config, what string) {
	t.Helper()
	grow := func(on bool) (*Forest, []float64) {
		*plain = on
		defer func() { *plain = false }()
		cfg.Workers = 1
		f, oob, err := FitOOB(context.Background(), X, y, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return f, oob
	}
	want, wantOOB := grow(true)
	got, gotOOB := grow(false)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("forest differs from the one of %s (%d and %d nodes)", what, got.NumNodes(), want.NumNodes())
	}
	for i := range gotOOB {
		if gotOOB[i] != wantOOB[i] && !(gotOOB[i] != gotOOB[i] && wantOOB[i] != wantOOB[i]) {
			t.Fatalf("row %d: out-of-bag %v, %s %v", i, gotOOB[i], what, wantOOB[i])
		}
	}
}

// indicatorData draws n rows of cascadeData's 6 features followed by
// indicators as the cascade features have them: a one-hot status of 4
// levels (one never set, so constant), a flag and a constant 0, so that
// nodes find features constant, and their children inherit them
// (task.constant). The target depends on the status and a feature.
func indicatorData(n int, seed uint64) (X [][]float64, y []float64) {
	X, y = cascadeData(n, seed)
	r := rand.New(rand.NewPCG(seed, 9))
	for i := range X {
		status := r.IntN(3)
		for s := range 4 {
			v := 0.0
			if s == status {
				v = 1
			}
			X[i] = append(X[i], v)
		}
		flag := float64(r.IntN(2))
		X[i] = append(X[i], flag, 0)
		y[i] += float64(status) + 0.5*flag
	}
	return X, y
}

// BenchmarkPartition grows a forest the size of one of evaluate's inner
// folds (325 rows, 200 trees, one worker) with the lists of leaf children
// left out (skip) and partitioned in full (all).
func BenchmarkPartition(b *testing.B) {
	X, y := cascadeData(325, 4)
	for _, all := range []bool{false, true} {
		name := "skip"
		if all {
			name = "all"
		}
		b.Run(name, func(b *testing.B) {
			partitionAll = all
			defer func() { partitionAll = false }()
			for b.Loop() {
				if _, _, err := FitOOB(context.Background(), X, y, Config{Trees: 200, Seed: 1, Workers: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
