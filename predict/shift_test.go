package predict

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/train"
)

// meanARE is the mean of |exp(oob + s - y) - 1| over the rows with an oob,
// computed directly.
func meanARE(y, oob []float64, s float64) float64 {
	var sum float64
	var n int
	for i := range y {
		if !math.IsNaN(oob[i]) {
			sum += math.Abs(math.Exp(oob[i]+s-y[i]) - 1)
			n++
		}
	}
	return sum / float64(n)
}

func TestAREShift(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		y, oob []float64
		want   float64
	}{
		{"no rows", nil, nil, 0},
		{"every oob NaN", []float64{1, 2}, []float64{nan, nan}, 0},
		// One residual: the shift cancels it.
		{"one row", []float64{2}, []float64{2.5}, -0.5},
		{"NaN skipped", []float64{2, 7}, []float64{2.5, nan}, -0.5},
		// Two residuals 0 and log 3 (predictions 1 and 3 times the truth):
		// s = 0 costs (0 + 2)/2 = 1, s = -log 3 costs (2/3 + 0)/2 = 1/3.
		{"two rows", []float64{0, 0}, []float64{0, math.Log(3)}, -math.Log(3)},
		// Equal residuals of both signs: the smallest of the equal minima.
		{"tie", []float64{0, 0}, []float64{-0.1, 0.1}, -0.1},
	}
	for _, tt := range tests {
		if got := AREShift(tt.y, tt.oob); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: AREShift = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestAREShiftMinimum checks on random residuals that no shift on a fine
// grid, nor any residual, gives a lower mean relative error than AREShift's.
func TestAREShiftMinimum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 20 {
		n := 1 + rng.IntN(200)
		y, oob := make([]float64, n), make([]float64, n)
		for i := range y {
			y[i] = 2 * rng.Float64()
			oob[i] = y[i] + rng.NormFloat64()*(0.1+rng.Float64())
			if rng.IntN(20) == 0 {
				oob[i] = math.NaN()
			}
		}
		s := AREShift(y, oob)
		best := meanARE(y, oob, s)
		if math.IsNaN(best) { // every oob NaN
			continue
		}
		for k := -3000; k <= 3000; k++ {
			if v := meanARE(y, oob, float64(k)*1e-3); v < best-1e-12 {
				t.Fatalf("trial %d: shift %v gives %v, AREShift's %v gives %v", trial, float64(k)*1e-3, v, s, best)
			}
		}
		for i := range y {
			if !math.IsNaN(oob[i]) {
				if v := meanARE(y, oob, y[i]-oob[i]); v < best-1e-12 {
					t.Fatalf("trial %d: shift %v gives %v, AREShift's %v gives %v", trial, y[i]-oob[i], v, s, best)
				}
			}
		}
	}
}

// Hostile: out-of-bag residuals spread over thousands of units -> a finite shift, the candidates whose running sums overflow counting as +Inf, as their true mean error is
func TestAREShiftSpread(t *testing.T) {
	y := []float64{0, 0, 0, 0}
	oob := []float64{-2000, 0, 0.01, 3000}
	// Any shift above -3000 + 700 overflows the error of the last row; at
	// -3000 the other three cost 1 each and the last 0, the least there is.
	if s := AREShift(y, oob); s != -3000 {
		t.Errorf("AREShift = %v, want -3000", s)
	}
}

// TestApplyShift checks that the shift moves the point prediction of a
// log-ratio model and not its interval, and that a w model ignores it.
func TestApplyShift(t *testing.T) {
	m := constantModel(t, TargetLogRatio, math.Log(3), nil)
	m.Shift = -math.Log(1.5)
	m.Interval = &train.Interval{Level: 0.8, Lo: -math.Log(2), Hi: math.Log(2)}
	p := Apply(m, &rowOK, nil)
	if !p.Interval || math.Abs(p.NHat-20) > 1e-9 || math.Abs(p.Lo-15) > 1e-9 || math.Abs(p.Hi-60) > 1e-9 {
		t.Errorf("prediction %+v, want 20 in [15, 60]", p)
	}
	w := constantModel(t, TargetW, 1.5, nil)
	w.Shift = 1
	if p := Apply(w, &rowOK, nil); math.Abs(p.NHat-40) > 1e-9 {
		t.Errorf("w model with a shift: %+v, want 40", p)
	}
}

// TestTrainShift checks that Train records the shift of its out-of-bag
// predictions for the log ratio, and none for w.
func TestTrainShift(t *testing.T) {
	rows := make([]features.Row, 60)
	for i := range rows {
		r := rowOK
		r.N = 10 + i%7
		r.Size = r.N * (2 + i%5)
		r.LogN = features.Opt{V: math.Log(float64(r.N)), OK: true}
		rows[i] = r
	}
	cfg := train.Config{Trees: 20, Seed: 2, Workers: 1}
	m, err := Train(context.Background(), rows, TargetLogRatio, cfg)
	if err != nil {
		t.Fatal(err)
	}
	X, y := make([][]float64, len(rows)), make([]float64, len(rows))
	for i := range rows {
		X[i] = rows[i].Vector(nil)
		y[i], _ = TargetLogRatio.Value(&rows[i])
	}
	_, oob, err := train.FitOOB(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := AREShift(y, oob); m.Shift != want || want == 0 {
		t.Errorf("Shift = %v, want AREShift of the out-of-bag predictions, %v (not 0)", m.Shift, want)
	}
	wm, err := Train(context.Background(), rows, TargetW, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if wm.Shift != 0 {
		t.Errorf("w model: Shift = %v, want 0", wm.Shift)
	}
}

// Hostile: a model file whose shift is 1e308 -> the forest's size overflows and is not used: the model's log-linear fallback predicts
func TestApplyHugeShift(t *testing.T) {
	a := math.Log(2)
	m := constantModel(t, TargetLogRatio, math.Log(3), &a)
	m.Shift = 1e308
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var read train.Model
	if err := read.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if read.Shift != 1e308 {
		t.Fatalf("shift read back as %v", read.Shift)
	}
	if p := Apply(&read, &rowOK, nil); p.Source != SourceLogLinear || math.Abs(p.NHat-20) > 1e-9 {
		t.Errorf("prediction %+v, want 20 from the log-linear fallback", p)
	}
}
