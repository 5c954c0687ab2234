package pipeline

import (
	"context"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/predict"
)

func TestChoose(t *testing.T) {
	ok := IntervalScore{Coverage: 0.8, MedianWidth: 0.9, WorstDecile: 0.7}
	narrowOK := IntervalScore{Coverage: 0.78, MedianWidth: 0.7, WorstDecile: 0.66}
	narrowLow := IntervalScore{Coverage: 0.7, MedianWidth: 0.5, WorstDecile: 0.5}
	wide := IntervalScore{Coverage: 0.9, MedianWidth: 1.5, WorstDecile: 0.8}
	shortOne := IntervalScore{Coverage: 0.8, MedianWidth: 0.8, WorstDecile: 0.64}
	for _, tt := range []struct {
		name   string
		scores []IntervalScore
		want   int
	}{
		{"the narrowest feasible", []IntervalScore{ok, narrowOK, narrowLow}, 1},
		{"feasible beats narrower infeasible", []IntervalScore{narrowLow, ok}, 1},
		{"over 85 % is infeasible", []IntervalScore{wide, ok}, 1},
		{"none feasible: the smallest miss", []IntervalScore{narrowLow, wide, shortOne}, 2},
		{"one method", []IntervalScore{wide}, 0},
	} {
		if got := Choose(tt.scores, 0.8); got != tt.want {
			t.Errorf("%s: chose %d, want %d", tt.name, got, tt.want)
		}
	}
}

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
		if want := methods[Choose(res.Inner[k], predict.DefaultLevel)]; c != want {
			t.Errorf("fold %d chose %s, Choose on its inner scores %s", k+1, c, want)
		}
	}
	if res.Chosen[0] == res.Chosen[1] {
		j := slices.Index(methods, res.Chosen[0])
		if res.Nested != res.Outer[j] {
			t.Errorf("both folds chose %s: nested %+v, its outer score %+v", res.Chosen[0], res.Nested, res.Outer[j])
		}
	}
}
