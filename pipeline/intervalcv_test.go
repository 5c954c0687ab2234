package pipeline

import (
	"context"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/predict"
)

// TestIntervalCV checks IntervalCV's bookkeeping on simulated cascades:
// a choice per outer fold among the methods, shares for every score, and
// the nested choice equal to a method's outer score when every fold chose
// that method.
func TestIntervalCV(t *testing.T) {
	_, rows := synthetic(t)
	methods := []predict.IntervalMethod{predict.IntervalConformal, predict.IntervalQRF}
	res, err := IntervalCV(context.Background(), rows, IntervalCVOptions{Folds: 2, InnerFolds: 2, Seed: 3,
		Learner: predict.Learner{Forest: smallForest}, Methods: methods})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Outer) != 2 || len(res.Inner) != 2 || len(res.Chosen) != 2 {
		t.Fatalf("result %+v: want 2 methods and 2 outer folds", res)
	}
	for _, s := range append(slices.Concat(res.Inner...), append(res.Outer, res.Nested)...) {
		if !(s.Coverage >= 0 && s.Coverage <= 1 && s.WorstDecile >= 0 && s.WorstDecile <= s.Coverage+1e-9) {
			t.Errorf("score %+v: not shares, or a decile above the whole", s)
		}
	}
	for k, c := range res.Chosen {
		if want := methods[predict.ChooseInterval(res.Inner[k], predict.DefaultLevel)]; c != want {
			t.Errorf("fold %d chose %s, ChooseInterval on its inner scores %s", k+1, c, want)
		}
	}
	if res.Chosen[0] == res.Chosen[1] {
		j := slices.Index(methods, res.Chosen[0])
		if res.Nested != res.Outer[j] {
			t.Errorf("both folds chose %s: nested %+v, its outer score %+v", res.Chosen[0], res.Nested, res.Outer[j])
		}
	}
}
