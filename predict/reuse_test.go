package predict

import (
	"context"
	"reflect"
	"testing"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/train"
)

// TestSplitTargetsReuse checks that an innerCV adopts the forests of
// IntervalAuto's inner cross-validation (scoreIntervals) exactly when they
// were grown on its own folds (the same seed), and that splitTargets gives
// the same targets on it in every case.
func TestSplitTargetsReuse(t *testing.T) {
	rows := workerRows(160, 3)
	cfg := train.Config{Trees: 10, MinLeaf: 3, Seed: 6, Workers: 2}
	d, err := selectRows(rows, TargetLogRatio)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := cfg.Resolve(features.NumFeatures)
	if err != nil {
		t.Fatal(err)
	}
	rc.Workers = 0
	wantCover, wantFloor, wantLower, err := splitTargets(context.Background(), newInnerCV(d, cfg), 0.8)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		seed  uint64 // of the inner cross-validation that grew pre
		reuse bool
	}{
		{"the same folds", cfg.Seed, true},
		{"other folds", cfg.Seed + 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, pre, err := scoreIntervals(context.Background(), rows, Learner{Forest: cfg}, IntervalMethods, innerFolds, tc.seed, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(pre) != innerFolds {
				t.Fatalf("%d forests kept, want %d", len(pre), innerFolds)
			}
			for k, test := range train.KFold(len(d.X), innerFolds, cfg.Seed) {
				idx := train.Complement(len(d.X), test)
				X, y := make([][]float64, len(idx)), make([]float64, len(idx))
				for j, i := range idx {
					X[j], y[j] = d.X[i], d.y[i]
				}
				if got := pre[k].grownOn(X, y, rc); got != tc.reuse {
					t.Errorf("fold %d: grownOn %v, want %v", k+1, got, tc.reuse)
				}
				other := rc
				other.MinLeaf++
				if pre[k].grownOn(X, y, other) {
					t.Errorf("fold %d: grownOn with another min leaf", k+1)
				}
			}
			cv := newInnerCV(d, cfg)
			cv.adopt(pre)
			for k, r := range cv.fits {
				if adopted := r != nil && r.f == pre[k].f; adopted != tc.reuse {
					t.Errorf("fold %d: adopted %v, want %v", k+1, adopted, tc.reuse)
				}
			}
			cover, floor, lower, err := splitTargets(context.Background(), cv, 0.8)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := []float64{cover, floor, lower}, []float64{wantCover, wantFloor, wantLower}; !reflect.DeepEqual(got, want) {
				t.Errorf("targets %v, splitTargets %v", got, want)
			}
		})
	}
}
