package train

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
)

// TestHistAllFeatures checks that the boosted trees split grows building
// every feature's histogram at once from the rows' flat bins are those of
// building them feature by feature (histByFeature): the same trees,
// held-out predictions and depth chosen, over bins, depths, leaf sizes and
// subsamples, on data with ties and a constant feature.
func TestHistAllFeatures(t *testing.T) {
	Xw, yw := wideData(150, 11)
	Xc, yc := cascadeData(150, 12)
	for i := range Xc {
		Xc[i] = append(Xc[i], 7) // constant: one bin
	}
	tests := []struct {
		name string
		X    [][]float64
		y    []float64
		cfg  BoostConfig
	}{
		{"wide, depth chosen", Xw, yw, BoostConfig{MaxRounds: 20, Patience: 5}},
		{"wide, 8 bins", Xw, yw, BoostConfig{MaxRounds: 20, Bins: 8, MaxDepth: 4, Seed: 3}},
		{"cascades, min leaf 1", Xc, yc, BoostConfig{MaxRounds: 20, MinLeaf: 1, MaxDepth: 6, Seed: 4}},
		{"cascades, all rows, fixed rounds", Xc, yc, BoostConfig{Rounds: 20, MaxDepth: 3, Subsample: 1, Bins: 300, Seed: 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fit := func(byFeature bool) (*Forest, []float64, BoostConfig) {
				histByFeature = byFeature
				defer func() { histByFeature = false }()
				cfg := tc.cfg
				cfg.Workers = 1
				f, oob, c, err := FitBoostOOB(context.Background(), tc.X, tc.y, cfg)
				if err != nil {
					t.Fatal(err)
				}
				return f, oob, c
			}
			want, wantOOB, wantCfg := fit(true)
			got, gotOOB, gotCfg := fit(false)
			if fmt.Sprint(got.OOBStats) != fmt.Sprint(want.OOBStats) { // NaN without held-out rows
				t.Errorf("held-out error %+v, feature by feature %+v", got.OOBStats, want.OOBStats)
			}
			got.OOBStats, want.OOBStats = OOBStats{}, OOBStats{}
			if !reflect.DeepEqual(got, want) || gotCfg != wantCfg {
				t.Errorf("booster differs from the one of histograms feature by feature (%d and %d nodes)", got.NumNodes(), want.NumNodes())
			}
			for i := range gotOOB {
				if gotOOB[i] != wantOOB[i] && !(math.IsNaN(gotOOB[i]) && math.IsNaN(wantOOB[i])) {
					t.Fatalf("row %d: held-out %v, feature by feature %v", i, gotOOB[i], wantOOB[i])
				}
			}
		})
	}
}
