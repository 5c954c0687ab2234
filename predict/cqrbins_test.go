package predict

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/train"
)

// TestBinOffsets checks the per-bin rule on scores worked by hand: the
// symmetric offset is the score max(lo, hi) of rank ceil((n+1) level), the
// asymmetric ones each end's score of rank ceil((n+1)(1+level)/2), the
// largest when the rank passes n.
func TestBinOffsets(t *testing.T) {
	// 9 rows: ranks ceil(10·0.8) = 8 and ceil(10·0.9) = 9.
	lo := []float64{-0.9, -0.8, -0.7, -0.6, -0.5, -0.4, -0.3, 0.2, 0.5}
	hi := []float64{0.1, -0.1, -0.2, -0.3, -0.35, -0.6, -0.7, -0.8, -0.9}
	for _, tt := range []struct {
		name        string
		lo, hi      []float64
		level       float64
		asym        bool
		wantA, want float64
	}{
		// max(lo, hi) sorted: -0.3 -0.35 ... ; its 8th is 0.2.
		{"symmetric", lo, hi, 0.8, false, -0.2, 0.2},
		// lo sorted: 9th 0.5; hi sorted: 9th 0.1.
		{"asymmetric", lo, hi, 0.8, true, -0.5, 0.1},
		// 4 rows: rank ceil(5·0.8) = 4, the largest.
		{"few rows", []float64{-1, -2, -3, -4}, []float64{-0.5, 0, -0.5, -0.5}, 0.8, false, 0, 0},
		// Scores all negative: the ends move in; rank ceil(6·0.5) = 3 of
		// -0.8 ... -0.4.
		{"narrowing", []float64{-0.4, -0.5, -0.6, -0.7, -0.8}, []float64{-0.5, -0.6, -0.7, -0.8, -0.9}, 0.5, false, 0.6, -0.6},
	} {
		a, b := binOffsets(slices.Clone(tt.lo), slices.Clone(tt.hi), tt.level, tt.asym)
		if math.Abs(a-tt.wantA) > 1e-12 || math.Abs(b-tt.want) > 1e-12 {
			t.Errorf("%s: offsets %v, %v, want %v, %v", tt.name, a, b, tt.wantA, tt.want)
		}
	}
}

// TestBinEdges checks the edges at the quantiles of the predicted sizes,
// the cap of MinBinRows rows a bin, and that ties leave no bin empty.
func TestBinEdges(t *testing.T) {
	p := make([]float64, 4*MinBinRows)
	for i := range p {
		p[len(p)-1-i] = float64(i)
	}
	for _, tt := range []struct {
		name string
		p    []float64
		bins int
		want []float64
	}{
		{"one bin", p, 1, nil},
		{"quartiles", p, 4, []float64{30, 60, 90}},
		{"capped at MinBinRows a bin", p, 8, []float64{30, 60, 90}},
		{"halves", p, 2, []float64{60}},
		{"too few rows", p[:MinBinRows+5], 3, nil},
		{"all tied", make([]float64, 200), 4, nil},
		// 150 zeros then 60 to 119: the edges at ranks 52 and 105 are
		// zeros, the smallest, and dropped; the one at 157 is 67.
		{"the smallest tied past two edges", append(make([]float64, 150), p[:60]...), 4, []float64{67}},
	} {
		got := binEdges(tt.p, tt.bins)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: edges %v, want %v", tt.name, got, tt.want)
		}
	}
	// Every bin holds rows, whatever the ties.
	r := rand.New(rand.NewPCG(3, 3))
	q := make([]float64, 500)
	for i := range q {
		q[i] = float64(r.IntN(6))
	}
	edges := binEdges(q, 8)
	b := &train.IntervalBins{Edges: edges}
	count := make([]int, len(edges)+1)
	for _, v := range q {
		count[b.Bin(v)]++
	}
	if slices.Contains(count, 0) {
		t.Errorf("edges %v of tied values: rows per bin %v, a bin is empty", edges, count)
	}
}

// TestCQRBinsCoverage checks the calibration on a synthetic heteroscedastic
// set where the quantile model knows nothing of the noise: every row's
// quantiles are -0.5 and 0.5 while the target's spread grows elevenfold
// with the predicted size. Calibrated in 4 bins, each bin covers 0.8 ±
// 0.05 of 8 000 fresh rows (the conformal quantile of ~750 calibration
// rows a bin has a standard error of about 0.015), with symmetric and with
// asymmetric scores; in one bin the overall coverage holds but the bins
// are far apart, so the test sees what the binning does.
func TestCQRBinsCoverage(t *testing.T) {
	draw := func(n int, seed uint64) (p, y []float64) {
		r := rand.New(rand.NewPCG(seed, 5))
		for range n {
			v := 4 * r.Float64()
			p, y = append(p, v), append(y, (0.2+0.5*v)*r.NormFloat64())
		}
		return p, y
	}
	p, y := draw(3000, 1)
	q := make([][]float64, len(p))
	oob := make([]float64, len(p))
	for i := range q {
		q[i] = []float64{-0.5, 0.5}
	}
	quant := func(a, b float64) (float64, float64) { return -0.5, 0.5 }
	pt, yt := draw(8000, 2)
	cover := func(iv *train.Interval) (all float64, byBin [4]float64) {
		var in, n [4]int
		total := 0
		for i := range pt {
			lo, hi := intervalAt(iv, 0, pt[i], quant)
			k := min(int(pt[i]), 3) // the true quartiles of the predicted size
			n[k]++
			if lo <= yt[i] && yt[i] <= hi {
				in[k]++
				total++
			}
		}
		for k := range byBin {
			byBin[k] = float64(in[k]) / float64(n[k])
		}
		return float64(total) / float64(len(pt)), byBin
	}
	for _, asym := range []bool{false, true} {
		iv, err := cqrBins(q, y, oob, p, 0.8, 4, asym)
		if err != nil {
			t.Fatal(err)
		}
		if err := iv.Validate(); err != nil {
			t.Fatal(err)
		}
		all, byBin := cover(iv)
		t.Logf("asym %v: edges %.3f, coverage %.3f, per bin %.3f", asym, iv.Bins.Edges, all, byBin)
		for k, c := range byBin {
			if math.Abs(c-0.8) > 0.05 {
				t.Errorf("asym %v: bin %d covers %.3f of fresh rows, want 0.8 ± 0.05", asym, k, c)
			}
		}
	}
	iv, err := cqrBins(q, y, oob, p, 0.8, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	all, byBin := cover(iv)
	if math.Abs(all-0.8) > 0.03 || byBin[0] < 0.95 || byBin[3] > 0.7 {
		t.Errorf("one bin: coverage %.3f, per quartile %.3f; want 0.8 ± 0.03 overall, the smallest above 0.95 and the largest below 0.7", all, byBin)
	}
}

// TestBinTargets checks that the inner cross-validation returns a choice
// from binCounts, and one symmetric bin below MinSplitCVRows rows; the
// forests it grows are those splitTargets reads.
func TestBinTargets(t *testing.T) {
	c := calibrationData(t, 150)
	d := learnerData{X: c.X, y: c.Y, sizes: c.Sizes, n: c.N}
	cfg := train.Config{Trees: testTrees(), Seed: 7}
	cv := newInnerCV(d, cfg)
	bins, asym, err := binTargets(context.Background(), cv, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bins, asymmetric %v", bins, asym)
	if !slices.Contains(binCounts, bins) {
		t.Errorf("%d bins: not from binCounts %v", bins, binCounts)
	}
	grown := slices.Clone(cv.fits)
	if _, _, _, err := splitTargets(context.Background(), cv, 0.8); err != nil {
		t.Fatal(err)
	}
	for k := range grown {
		if grown[k] == nil || cv.fits[k] != grown[k] {
			t.Errorf("inner fold %d: forest not shared", k)
		}
	}
	small := learnerData{X: c.X[:MinSplitCVRows-1], y: c.Y, sizes: c.Sizes, n: c.N}
	if bins, asym, err := binTargets(context.Background(), newInnerCV(small, cfg), 0.8); err != nil || bins != 1 || asym {
		t.Errorf("below MinSplitCVRows: %d, %v, %v; want 1, false, nil", bins, asym, err)
	}
}

// TestCQRBinsModel trains a model with the cqr-bins interval and checks
// that its file is format 5 and that the model read back gives every row
// the same prediction and interval.
func TestCQRBinsModel(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	rows := make([]features.Row, 160)
	for i := range rows {
		row := rowOK
		row.N = 10 + r.IntN(200)
		row.Size = int(float64(row.N) * math.Exp(0.5+r.NormFloat64()*(0.1+float64(row.N)/200)))
		row.LogN = features.Opt{V: math.Log(float64(row.N)), OK: true}
		rows[i] = row
	}
	l := Learner{Name: train.LearnerForest, Forest: train.Config{Trees: 20, Seed: 2, Workers: 1}, Interval: IntervalCQRBins}
	m, err := TrainLearner(context.Background(), rows, TargetLogRatio, l)
	if err != nil {
		t.Fatal(err)
	}
	if iv := m.Interval; iv == nil || iv.Bins == nil || iv.Method != string(IntervalCQRBins) {
		t.Fatalf("interval %+v, want cqr-bins with bins", iv)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := train.ReadModelAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 5 {
		t.Errorf("version %d, want 5", got.Version)
	}
	for i := range rows {
		a, c := Apply(m, &rows[i], nil), Apply(got, &rows[i], nil)
		if a != c || !a.Interval || !(a.Lo <= a.Hi) {
			t.Fatalf("row %d: %+v written, %+v read back", i, a, c)
		}
	}
}
