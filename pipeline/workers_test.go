package pipeline

import (
	"context"
	"reflect"
	"testing"

	"github.com/hawkes-toolkit/hawkes/predict"
)

// TestCrossValidateWorkers checks that the report and the stats of
// CrossValidate, whose folds are trained Forest.Workers at a time, do not
// depend on the workers, for both targets.
func TestCrossValidateWorkers(t *testing.T) {
	cs, rows := synthetic(t)
	for _, target := range []predict.Target{predict.TargetLogRatio, predict.TargetW} {
		run := func(workers int) (string, Stats) {
			opts := CVOptions{Folds: 4, Seed: 7, Target: target, Forest: smallForest, Boost: &smallBoost}
			b := smallBoost
			opts.Forest.Workers, b.Workers, opts.Boost = workers, workers, &b
			r, st, err := CrossValidate(context.Background(), rows, cs, testWindow, opts)
			if err != nil {
				t.Fatalf("%s, %d workers: %v", target, workers, err)
			}
			return reportJSON(t, r), st
		}
		want, wantStats := run(1)
		for _, workers := range []int{2, 4} {
			got, st := run(workers)
			if got != want {
				t.Errorf("%s, %d workers: report differs from 1 worker's:\n%s\nwant\n%s", target, workers, got, want)
			}
			if !reflect.DeepEqual(st, wantStats) {
				t.Errorf("%s, %d workers: stats %+v, want %+v", target, workers, st, wantStats)
			}
		}
	}
}
