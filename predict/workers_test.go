package predict

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/train"
)

// workerRows returns n rows on window 600 whose log ratio log(size/n)
// follows the growth feature with noise that grows with log n, enough of
// them for the inner cross-validations (MinSplitCVRows) to run.
func workerRows(n int, seed uint64) []features.Row {
	r := rand.New(rand.NewPCG(seed, 5))
	rows := make([]features.Row, n)
	opt := func(v float64) features.Opt { return features.Opt{V: v, OK: true} }
	for i := range rows {
		obs := 5 + r.IntN(500)
		growth := r.Float64()
		logN := math.Log(float64(obs))
		ratio := 0.2 + 2*growth + (0.05+logN/20)*math.Abs(r.NormFloat64())
		rows[i] = features.Row{ID: fmt.Sprint("c", i), Window: 600, Status: fit.StatusOK, N: obs,
			Size: int(math.Ceil(float64(obs) * math.Exp(ratio))), A1: opt(r.Float64() * 10), NStar: opt(r.Float64()),
			LogN: opt(logN), Growth: opt(growth), LogPosterFollowers: opt(5 * r.Float64())}
	}
	return rows
}

// TestScoreIntervalsWorkers checks that the interval methods' scores under
// cross-validation, whose folds (and splitTargets' inner folds) are trained
// Workers at a time, do not depend on Workers, and that choose is called
// once for each fold.
func TestScoreIntervalsWorkers(t *testing.T) {
	rows := workerRows(170, 1)
	score := func(workers int) (IntervalScores, []int) {
		l := Learner{Forest: train.Config{Trees: 12, MinLeaf: 3, Seed: 4, Workers: workers}}
		var mu sync.Mutex
		calls := make([]int, 3)
		s, err := ScoreIntervals(context.Background(), rows, l, IntervalMethods, 3, 2, func(k int, training []features.Row) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			calls[k]++
			return k % len(IntervalMethods), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return s, calls
	}
	want, _ := score(1)
	for _, workers := range []int{2, 3, 8} {
		got, calls := score(workers)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("workers %d: scores %+v, with 1 worker %+v", workers, got, want)
		}
		if !reflect.DeepEqual(calls, []int{1, 1, 1}) {
			t.Errorf("workers %d: choose called %v times per fold, want once each", workers, calls)
		}
	}
}

// TestTrainLearnerWorkers checks that the models TrainLearner makes do not
// depend on the workers: the forest with its interval chosen by the inner
// cross-validation (IntervalAuto, whose folds and splitTargets' run at
// once), and boosted trees (whose inner validation runs do).
func TestTrainLearnerWorkers(t *testing.T) {
	rows := workerRows(150, 2)
	tests := []struct {
		name  string
		learn func(workers int) Learner
	}{
		{"forest, auto interval", func(w int) Learner {
			return Learner{Forest: train.Config{Trees: 10, MinLeaf: 3, Seed: 5, Workers: w}, Interval: IntervalAuto}
		}},
		{"forest, qrf-split", func(w int) Learner {
			return Learner{Forest: train.Config{Trees: 10, MinLeaf: 3, Seed: 5, Workers: w}, Interval: IntervalQRFSplit}
		}},
		{"boost", func(w int) Learner {
			return Learner{Name: train.LearnerBoost, Boost: train.BoostConfig{MaxRounds: 40, Patience: 5, Seed: 5, Workers: w}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, err := TrainLearner(context.Background(), rows, TargetLogRatio, tc.learn(1))
			if err != nil {
				t.Fatal(err)
			}
			if want.Interval == nil {
				t.Fatal("no interval")
			}
			for _, workers := range []int{2, 5} {
				got, err := TrainLearner(context.Background(), rows, TargetLogRatio, tc.learn(workers))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("workers %d: model differs from the one of 1 worker (interval %+v, want %+v)", workers, *got.Interval, *want.Interval)
				}
			}
		})
	}
}
