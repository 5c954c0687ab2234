package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// wideData draws n rows of 18 features, as many as the cascade features of
// evaluate: three blocks of cascadeData's six, the target that of the first
// block plus noise.
func wideData(n int, seed uint64) (X [][]float64, y []float64) {
	X, y = cascadeData(n, seed)
	for b := range uint64(2) {
		Xb, _ := cascadeData(n, seed+10*(b+1))
		for i := range X {
			X[i] = append(X[i], Xb[i]...)
		}
	}
	return X, y
}

// TestOOBAsGrown checks that the out-of-bag predictions a tree records as
// it grows (the rows sent down the splits by their bins) are those of
// walking the grown tree with the rows' values, tree by tree, on data with
// ties, constant and near-equal features, and under settings that stop at
// MinLeaf and MaxDepth.
func TestOOBAsGrown(t *testing.T) {
	Xs, ys, _ := stepData(300, 0.2, 5)
	Xc, yc := cascadeData(250, 6)
	Xw, yw := wideData(325, 7)
	Xt := make([][]float64, 200) // ties and values float32 cannot separate
	yt := make([]float64, len(Xt))
	r := rand.New(rand.NewPCG(8, 8))
	for i := range Xt {
		v := float64(r.IntN(7))
		Xt[i] = []float64{v, 1 + float64(r.IntN(3))*1e-12, 3, r.Float64()}
		yt[i] = v + r.NormFloat64()
	}
	tests := []struct {
		name string
		X    [][]float64
		y    []float64
		cfg  Config
	}{
		{"step", Xs, ys, Config{Trees: 30}},
		{"cascades min leaf 1", Xc, yc, Config{Trees: 30, MinLeaf: 1, Seed: 2}},
		{"wide", Xw, yw, Config{Trees: 30, Seed: 3}},
		{"wide depth 3", Xw, yw, Config{Trees: 30, MaxDepth: 3, Seed: 4}},
		{"ties", Xt, yt, Config{Trees: 30, MinLeaf: 2, MaxFeatures: 4, Seed: 5}},
		{"half samples", Xc, yc, Config{Trees: 30, SampleFrac: 0.5, Seed: 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := checkData(tc.X, tc.y)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := tc.cfg.Resolve(d)
			if err != nil {
				t.Fatal(err)
			}
			var offset float64
			for _, v := range tc.y {
				offset += v
			}
			offset /= float64(len(tc.y))
			g := newGrower(binData(tc.X, d), tc.y, offset, cfg, sampleSize(len(tc.X), cfg.SampleFrac))
			for tr := range cfg.Trees {
				tree := g.grow(uint64(tr))
				res := g.result()
				k := 0
				for i, w := range g.w {
					if w > 0 {
						continue
					}
					if k >= len(res.oobRows) || res.oobRows[k] != int32(i) {
						t.Fatalf("tree %d: out-of-bag rows %v miss row %d", tr, res.oobRows, i)
					}
					if want := tree.predict(tc.X[i]); res.oobPred[k] != want || math.IsNaN(want) {
						t.Fatalf("tree %d row %d: out-of-bag prediction %v, walking the tree %v", tr, i, res.oobPred[k], want)
					}
					k++
				}
				if k != len(res.oobRows) {
					t.Fatalf("tree %d: %d out-of-bag rows, want %d", tr, len(res.oobRows), k)
				}
			}
		})
	}
}

// TestOOBDistQuantiles checks that the quantiles read from the out-of-bag
// distributions (OOBDist) are those of summing each row's out-of-bag tree
// weights and scanning them (Quantiles.quantiles), the straightforward
// path, at levels that hit the weights' steps, share them, or lie beyond
// them, on forests with ties in the targets and with rows every tree drew.
func TestOOBDistQuantiles(t *testing.T) {
	Xw, yw := wideData(200, 9)
	Xs, ys, _ := stepData(150, 0.3, 10)
	yTies := make([]float64, len(ys))
	for i, v := range ys {
		yTies[i] = math.Round(2 * v) // many equal targets
	}
	grid := make([]float64, 99)
	for k := range grid {
		grid[k] = float64(k+1) / 100
	}
	tests := []struct {
		name string
		X    [][]float64
		y    []float64
		cfg  Config
		taus []float64
	}{
		{"wide", Xw, yw, Config{Trees: 40, Seed: 1}, []float64{0.1, 0.9}},
		{"wide grid", Xw, yw, Config{Trees: 40, Seed: 2}, grid},
		{"ties", Xs, yTies, Config{Trees: 30, MinLeaf: 2, Seed: 3}, []float64{0.05, 0.25, 0.25, 0.5, 0.75, 0.95}},
		{"few trees", Xs, ys, Config{Trees: 3, Seed: 4}, []float64{1e-9, 0.5, 1 - 1e-12}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, _, err := FitOOB(context.Background(), tc.X, tc.y, tc.cfg)
			if err == nil {
				err = AddQuantiles(f, tc.X, tc.y, tc.cfg)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.OOBQuantiles(tc.X, tc.taus)
			if err != nil {
				t.Fatal(err)
			}
			q := f.Quantiles
			acc := make([]float64, len(tc.y))
			want := make([]float64, len(tc.taus))
			nan := 0
			for i, x := range tc.X {
				for tr := range f.Trees {
					if q.InBag[tr][i] > 0 {
						continue
					}
					j := f.Trees[tr].leaf(x)
					for k := q.start[tr][j]; k < q.start[tr][j+1]; k++ {
						acc[q.members[tr][k]] += q.weight[tr][k]
					}
				}
				q.quantiles(want, acc, tc.taus)
				for k := range want {
					if got[i][k] != want[k] && !(math.IsNaN(got[i][k]) && math.IsNaN(want[k])) {
						t.Fatalf("row %d tau %v: %v, summing the weights %v", i, tc.taus[k], got[i][k], want[k])
					}
				}
				if math.IsNaN(want[0]) {
					nan++
				}
			}
			if tc.cfg.Trees == 3 && nan == 0 {
				t.Errorf("no row drawn by every tree: the case of no weight is not tested")
			}
		})
	}
}

// TestFitQuantiles checks that FitQuantiles, keeping the leaves the
// training rows reached as the trees grew, gives the forest, out-of-bag
// predictions and quantiles of FitOOB and AddQuantiles, which walk the
// trees again, and the same out-of-bag quantiles.
func TestFitQuantiles(t *testing.T) {
	Xi, yi := indicatorData(250, 31)
	Xs, ys, _ := stepData(200, 0.3, 32)
	taus := []float64{0.05, 0.1, 0.5, 0.9, 0.95}
	for _, tc := range []struct {
		name string
		X    [][]float64
		y    []float64
		cfg  Config
	}{
		{"indicators", Xi, yi, Config{Trees: 30, Seed: 1}},
		{"step, min leaf 1, depth 4", Xs, ys, Config{Trees: 30, MinLeaf: 1, MaxDepth: 4, Seed: 2}},
		{"half samples, 2 workers", Xs, ys, Config{Trees: 30, SampleFrac: 0.5, Seed: 3, Workers: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, wantOOB, err := FitOOB(context.Background(), tc.X, tc.y, tc.cfg)
			if err == nil {
				err = AddQuantiles(want, tc.X, tc.y, tc.cfg)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, gotOOB, err := FitQuantiles(context.Background(), tc.X, tc.y, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got.Quantiles.oobLeaf == nil {
				t.Fatal("no out-of-bag leaves kept")
			}
			wq, err := want.OOBQuantiles(tc.X, taus)
			if err != nil {
				t.Fatal(err)
			}
			gq, err := got.OOBQuantiles(tc.X, taus)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(gq) != fmt.Sprint(wq) || fmt.Sprint(gotOOB) != fmt.Sprint(wantOOB) {
				t.Error("out-of-bag quantiles or predictions differ from walking the trees")
			}
			kept := *got.Quantiles
			kept.oobLeaf = nil
			g := *got
			g.Quantiles = &kept
			g.OOBStats, want.OOBStats = OOBStats{}, OOBStats{} // may hold NaN
			if !reflect.DeepEqual(&g, want) {
				t.Error("forest or quantiles differ from FitOOB and AddQuantiles")
			}
		})
	}
}
