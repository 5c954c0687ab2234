package pipeline

import (
	"cmp"
	"context"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/features"
)

// TestImportance checks permutation importance on the synthetic cascades:
// some feature must matter, and a feature made constant over the rows
// (growth, and the followers: the poster's are the same 1 000 in every
// simulated cascade) must not; the same seed gives the same importances.
func TestImportance(t *testing.T) {
	_, rows := synthetic(t)
	for i := range rows {
		rows[i].Growth = features.Opt{V: 0.5, OK: true}
		rows[i].LogFollowersSum = features.Opt{V: 1, OK: true}
		rows[i].LogFollowersMax = features.Opt{V: 1, OK: true}
		rows[i].FollowersTopShare = features.Opt{V: 0.5, OK: true}
	}
	ctx := context.Background()
	opts := CVOptions{Folds: 4, Seed: 7, Forest: smallForest}
	imp, err := Importance(ctx, rows, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(imp) != features.NumFeatures {
		t.Fatalf("%d importances, want %d", len(imp), features.NumFeatures)
	}
	by := map[string]FeatureImportance{}
	for i, fi := range imp {
		if fi.Feature != features.Names()[i] || math.IsNaN(fi.Increase) || !(fi.SD >= 0) {
			t.Errorf("importance %d: %+v", i, fi)
		}
		by[fi.Feature] = fi
	}
	// growth is made the same on every row: shuffling it cannot change a
	// prediction.
	if fi := by["growth"]; fi.Increase != 0 || fi.SD != 0 {
		t.Errorf("growth is the same on every row but has importance %+v", fi)
	}
	// Some feature must matter: the fit's parameters and log n together
	// determine the final size of these cascades, though which one the
	// forest leans on varies with its random feature subsets.
	top := slices.MaxFunc(imp, func(a, b FeatureImportance) int { return cmp.Compare(a.Increase, b.Increase) })
	if !(top.Increase > 0.02) {
		t.Errorf("no feature matters: the largest rise of the held-out ARE is %+v", top)
	}
	for _, name := range []string{"log_followers_sum", "log_followers_max", "followers_top_share", "log_poster_followers"} {
		if fi := by[name]; fi.Increase != 0 || fi.SD != 0 {
			t.Errorf("%s is the same on every row but has importance %+v", name, fi)
		}
	}
	again, err := Importance(ctx, rows, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(imp, again) {
		t.Errorf("same seed, different importances:\n%v\n%v", imp, again)
	}
	SortImportance(imp)
	for i := 1; i < len(imp); i++ {
		if imp[i].Increase > imp[i-1].Increase {
			t.Errorf("not sorted at %d: %v", i, imp)
		}
	}
	if _, err := Importance(ctx, rows[:3], opts); err == nil {
		t.Error("4 folds for 3 cascades: no error")
	}
}
