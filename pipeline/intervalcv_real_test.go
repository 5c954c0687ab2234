package pipeline

import (
	"context"
	"os"
	"testing"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// TestIntervalCVFeatures runs the nested cross-validation of the interval
// methods on the rows of HAWKES_INTERVAL_FEATURES (a CSV of `hawkes features
// --window 600,3600 --seed 1` on seismic_subset), one window at a time, and
// logs what docs/MEASUREMENTS.md records. It is a measurement: it only
// checks that every score is a share.
func TestIntervalCVFeatures(t *testing.T) {
	path := os.Getenv("HAWKES_INTERVAL_FEATURES")
	if path == "" || testing.Short() {
		t.Skip("set HAWKES_INTERVAL_FEATURES to a features CSV (and run without -short) to measure the interval methods")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	all, err := features.Read(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	byWindow := map[float64][]features.Row{}
	var windows []float64
	for _, r := range all {
		w := float64(r.Window)
		if byWindow[w] == nil {
			windows = append(windows, w)
		}
		byWindow[w] = append(byWindow[w], r)
	}
	for _, w := range windows {
		res, err := IntervalCV(context.Background(), byWindow[w], IntervalCVOptions{Seed: 1,
			Learner: predict.Learner{Name: train.LearnerForest, Forest: train.Config{Seed: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		for j, m := range res.Methods {
			s := res.Outer[j]
			t.Logf("%v s %-10s outer coverage %.3f width %.3f worst decile %.3f", w, m, s.Coverage, s.MedianWidth, s.WorstDecile)
		}
		for k, inner := range res.Inner {
			for j, m := range res.Methods {
				s := inner[j]
				t.Logf("%v s fold %d inner %-10s coverage %.3f width %.3f worst decile %.3f", w, k+1, m, s.Coverage, s.MedianWidth, s.WorstDecile)
			}
			t.Logf("%v s fold %d chose %s", w, k+1, res.Chosen[k])
		}
		s := res.Nested
		t.Logf("%v s nested choice: coverage %.3f width %.3f worst decile %.3f", w, s.Coverage, s.MedianWidth, s.WorstDecile)
		for _, s := range append(res.Outer, res.Nested) {
			for _, v := range []float64{s.Coverage, s.WorstDecile} {
				if !(v >= 0 && v <= 1) {
					t.Errorf("%v s: score %+v is not a share", w, s)
				}
			}
		}
	}
}
