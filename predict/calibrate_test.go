package predict

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/train"
)

// calibrationData grows a quantile regression forest on heteroData and
// returns what Calibrate needs, with log n = x0 so that the predicted log
// size follows the target.
func calibrationData(t *testing.T, n int) Calibration {
	t.Helper()
	X, y := heteroData(n, 1)
	cfg := train.Config{Trees: testTrees(), Seed: 7}
	f, oob, err := train.FitOOB(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.AddQuantiles(f, X, y, cfg); err != nil {
		t.Fatal(err)
	}
	c := Calibration{Forest: f, X: X, Y: y, OOB: oob, Sizes: make([]float64, n), N: make([]float64, n)}
	for i := range X {
		c.N[i] = math.Exp(X[i][0])
		c.Sizes[i] = c.N[i] * math.Exp(y[i])
	}
	return c
}

// TestCalibrateMethods checks each interval method on fresh simulated rows:
// the interval validates, has the method's shape, and covers 0.75 to 0.9
// of 2 000 new rows.
func TestCalibrateMethods(t *testing.T) {
	c := calibrationData(t, 1000)
	c.Bins = 4 // for IntervalCQRBins
	Xt, yt := heteroData(2000, 2)
	for _, m := range IntervalMethods {
		t.Run(string(m), func(t *testing.T) {
			iv, err := Calibrate(m, c, 0.8)
			if err != nil {
				t.Fatal(err)
			}
			if err := iv.Validate(); err != nil {
				t.Fatal(err)
			}
			var shape bool
			switch m {
			case IntervalConformal:
				shape = !iv.Quantile() && iv.Split == nil
			case IntervalCQR:
				shape = math.Abs(iv.QLo-0.1) < 1e-12 && math.Abs(iv.QHi-0.9) < 1e-12 && iv.Lo == -iv.Hi && iv.Split == nil
			case IntervalQRF:
				shape = iv.Quantile() && iv.Lo == 0 && iv.Hi == 0 && iv.Split == nil
			case IntervalQRFSplit:
				shape = iv.Quantile() && iv.Split != nil
			case IntervalCQRBins:
				shape = math.Abs(iv.QLo-0.1) < 1e-12 && math.Abs(iv.QHi-0.9) < 1e-12 && iv.Split == nil && iv.Bins != nil && len(iv.Bins.Lo) == 4
			}
			if !shape || iv.Level != 0.8 {
				t.Fatalf("interval %+v: not of level 0.8 and the shape of %s", iv, m)
			}
			covered := 0
			for i := range Xt {
				_, lo, hi := logInterval(c.Forest, iv, Xt[i], Xt[i][0])
				if lo <= yt[i] && yt[i] <= hi {
					covered++
				}
			}
			// The decile floor of the quantile methods widens them.
			if got := float64(covered) / float64(len(Xt)); got < 0.75 || got > 0.9 {
				t.Errorf("covers %.3f of fresh rows, want 0.75 to 0.9", got)
			}
		})
	}
	if _, err := Calibrate("svm", c, 0.8); err == nil {
		t.Error("unknown method: no error")
	}
}

// TestQRFSplitIntervalFloor checks that asking more of the out-of-bag
// quantiles gives wider intervals that cover more of the training rows.
func TestQRFSplitIntervalFloor(t *testing.T) {
	c := calibrationData(t, 600)
	logN := make([]float64, len(c.N))
	for i, v := range c.N {
		logN[i] = math.Log(v)
	}
	groups := sizeDeciles(c.Sizes)
	cover := func(iv *train.Interval) (float64, float64) {
		in, width := 0, 0.0
		for i := range c.X {
			_, lo, hi := logInterval(c.Forest, iv, c.X[i], logN[i])
			width += hi - lo
			if lo <= c.Y[i] && c.Y[i] <= hi {
				in++
			}
		}
		return float64(in) / float64(len(c.X)), width
	}
	a, err := QRFSplitInterval(c.Forest, c.X, c.Y, c.OOB, logN, groups, 0.8, 0.8, 0.65)
	if err != nil {
		t.Fatal(err)
	}
	b, err := QRFSplitInterval(c.Forest, c.X, c.Y, c.OOB, logN, groups, 0.8, 0.86, 0.75)
	if err != nil {
		t.Fatal(err)
	}
	ca, wa := cover(a)
	cb, wb := cover(b)
	if !(cb > ca && wb > wa) || a.Level != 0.8 || b.Level != 0.8 {
		t.Errorf("asking 0.86 / 0.75 gave coverage %.3f and width %.1f, 0.8 / 0.65 gave %.3f and %.1f: want both larger (levels %v, %v)",
			cb, wb, ca, wa, a.Level, b.Level)
	}
}

func TestChooseInterval(t *testing.T) {
	ok := IntervalScore{Coverage: 0.8, MedianWidth: 0.9, WorstDecile: 0.7}
	narrowOK := IntervalScore{Coverage: 0.78, MedianWidth: 0.7, WorstDecile: 0.72}
	// at the floor, not above it by FloorMargin
	narrowAtFloor := IntervalScore{Coverage: 0.8, MedianWidth: 0.6, WorstDecile: 0.66}
	narrowLow := IntervalScore{Coverage: 0.7, MedianWidth: 0.5, WorstDecile: 0.5}
	wide := IntervalScore{Coverage: 0.9, MedianWidth: 1.5, WorstDecile: 0.8}
	shortOne := IntervalScore{Coverage: 0.8, MedianWidth: 0.8, WorstDecile: 0.69}
	for _, tt := range []struct {
		name   string
		scores []IntervalScore
		want   int
	}{
		{"the narrowest feasible", []IntervalScore{ok, narrowOK, narrowLow}, 1},
		{"feasible beats narrower infeasible", []IntervalScore{narrowLow, ok}, 1},
		{"over 85 % is infeasible", []IntervalScore{wide, ok}, 1},
		{"a decile within the margin of the floor is infeasible", []IntervalScore{narrowAtFloor, ok}, 1},
		{"the margin's edge is feasible", []IntervalScore{{Coverage: 0.82, MedianWidth: 1.2, WorstDecile: 0.75}, ok}, 1},
		{"none feasible: the smallest miss", []IntervalScore{narrowLow, wide, shortOne}, 2},
		{"one method", []IntervalScore{wide}, 0},
	} {
		if got := ChooseInterval(tt.scores, 0.8); got != tt.want {
			t.Errorf("%s: chose %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestQRFSplitLower checks that Calibration.Lower lowers the lower end of
// a qrf-split interval by that much in log size and leaves the rest.
func TestQRFSplitLower(t *testing.T) {
	c := calibrationData(t, 400)
	a, err := Calibrate(IntervalQRFSplit, c, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	c.Lower = 0.05
	b, err := Calibrate(IntervalQRFSplit, c, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if b.Lo != -0.05 || b.Hi != 0 || a.Lo != 0 {
		t.Fatalf("lowered by 0.05: lo %v hi %v (unlowered lo %v), want -0.05, 0 (0)", b.Lo, b.Hi, a.Lo)
	}
	for i := range c.X {
		_, la, ha := logInterval(c.Forest, a, c.X[i], c.X[i][0])
		_, lb, hb := logInterval(c.Forest, b, c.X[i], c.X[i][0])
		if math.Abs(la-0.05-lb) > 1e-12 || ha != hb {
			t.Fatalf("row %d: [%v, %v] lowered by 0.05 gave [%v, %v]", i, la, ha, lb, hb)
		}
	}
}

// TestSplitTargets checks that the inner cross-validation returns targets
// from its grids, and asks level and DecileFloor, without lowering, below
// MinSplitCVRows rows.
func TestSplitTargets(t *testing.T) {
	c := calibrationData(t, 150)
	d := learnerData{X: c.X, y: c.Y, sizes: c.Sizes, n: c.N}
	cfg := train.Config{Trees: testTrees(), Seed: 7}
	cover, floor, lower, err := splitTargets(context.Background(), newInnerCV(d, cfg), 0.8)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(splitCovers, cover) || !slices.Contains(splitFloors, floor) || !slices.Contains(splitLowers, lower) {
		t.Errorf("targets %v, %v, %v: not from the grids", cover, floor, lower)
	}
	small := learnerData{X: c.X[:MinSplitCVRows-1], y: c.Y, sizes: c.Sizes, n: c.N}
	if cover, floor, lower, err := splitTargets(context.Background(), newInnerCV(small, cfg), 0.8); err != nil || cover != 0.8 || floor != DecileFloor || lower != 0 {
		t.Errorf("below MinSplitCVRows: %v, %v, %v, %v; want 0.8, DecileFloor, 0, nil", cover, floor, lower, err)
	}
}

// TestRowQuantiles checks that intervals placed from rowQuantiles, each
// row's quantiles computed once at every level, equal logInterval's, which
// predicts each row again for each interval.
func TestRowQuantiles(t *testing.T) {
	c := calibrationData(t, 300)
	ivs := map[[2]float64]*train.Interval{}
	for k, m := range []IntervalMethod{IntervalQRF, IntervalQRFSplit, IntervalCQR, IntervalConformal} {
		iv, err := Calibrate(m, c, 0.8)
		if err != nil {
			t.Fatal(err)
		}
		ivs[[2]float64{float64(k), 0}] = iv
	}
	q := newRowQuantiles(c.Forest, ivs, len(c.X))
	for i := range c.X {
		q.at(i, c.X[i])
	}
	for key, iv := range ivs {
		for i := range c.X {
			y, lo, hi := logInterval(c.Forest, iv, c.X[i], c.X[i][0])
			lo2, hi2 := intervalAt(iv, q.y[i], c.X[i][0], q.quant(i))
			if y != q.y[i] || lo != lo2 || hi != hi2 {
				t.Fatalf("interval %v, row %d: logInterval %v [%v, %v], rowQuantiles %v [%v, %v]", key, i, y, lo, hi, q.y[i], lo2, hi2)
			}
		}
	}
}

// TestHeldOut checks that an inner fold's held-out rows, predicted once
// for splitTargets and binTargets (innerCV.heldOut), get the predictions
// and quantiles rowQuantiles.at computes row by row, at the levels of
// splitTargets' and of binTargets' intervals alike.
func TestHeldOut(t *testing.T) {
	c := calibrationData(t, 150)
	d := learnerData{X: c.X, y: c.Y, sizes: c.Sizes, n: c.N}
	cv := newInnerCV(d, train.Config{Trees: testTrees(), Seed: 3})
	if err := cv.grow(context.Background()); err != nil {
		t.Fatal(err)
	}
	levels := []map[[2]float64]*train.Interval{
		{{}: {QLo: 0.1, QHi: 0.9}},
		{{0, 1}: {QLo: 0.01, QHi: 0.75, Split: new(0.5), QLo2: 0.25, QHi2: 0.99}, {0, 2}: {QLo: 0.1, QHi: 0.9}},
		{{}: {Lo: -1, Hi: 1}}, // no quantile levels
	}
	for k, test := range cv.folds {
		for _, ivs := range levels {
			got := newRowQuantiles(cv.fits[k].f, ivs, len(d.X))
			if err := cv.heldOut(k, got); err != nil {
				t.Fatal(err)
			}
			want := newRowQuantiles(cv.fits[k].f, ivs, len(d.X))
			for _, i := range test {
				want.at(i, d.X[i])
				if got.y[i] != want.y[i] || !slices.Equal(got.q[i], want.q[i]) {
					t.Fatalf("fold %d row %d, levels %v: %v %v, row by row %v %v", k, i, got.taus, got.y[i], got.q[i], want.y[i], want.q[i])
				}
			}
		}
	}
}
