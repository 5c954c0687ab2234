package train

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestBoostWorkers checks that FitBoostOOB, whose inner validation runs
// (every depth and split) are boosted Workers at a time, gives the same
// booster, held-out predictions and config whatever Workers is, with the
// depth chosen and with it fixed.
func TestBoostWorkers(t *testing.T) {
	X, y, _ := smoothData(300, 0.3, 5)
	others := []int{0, 2, 3, 7}
	if testing.Short() {
		others = []int{3} // an odd count of workers against the folds
	}
	for _, depth := range []int{0, 3} {
		fitW := func(workers int) (*Forest, []float64, BoostConfig) {
			f, oof, used, err := FitBoostOOB(context.Background(), X, y, BoostConfig{MaxRounds: 80, Patience: 10, MaxDepth: depth, Seed: 2, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			used.Workers = 0
			return f, oof, used
		}
		f1, oof1, c1 := fitW(1)
		for _, workers := range others {
			f, oof, c := fitW(workers)
			if !reflect.DeepEqual(f, f1) || !reflect.DeepEqual(c, c1) {
				t.Errorf("depth %d, workers %d: booster or config (%+v) differs from 1 worker's (%+v)", depth, workers, c, c1)
			}
			for i := range oof {
				if oof[i] != oof1[i] {
					t.Fatalf("depth %d, workers %d: held-out prediction of row %d %v, 1 worker %v", depth, workers, i, oof[i], oof1[i])
				}
			}
		}
	}
	if err := (BoostConfig{Workers: -1}).WithDefaults().Validate(); !errors.Is(err, ErrConfig) {
		t.Errorf("workers -1: %v, want ErrConfig", err)
	}
}
