package evaluate

import (
	"math"
	"testing"
)

func TestFitLogLinear(t *testing.T) {
	tests := []struct {
		name  string
		n, N  []float64
		wantA float64
		tol   float64
	}{
		// Every cascade doubles: a = log 2.
		{"constant ratio", []float64{1, 10, 100}, []float64{2, 20, 200}, math.Log(2), 1e-15},
		// Ratios N/n of 2 and 8: x = 1/2 and 1/8, e^a = (1/2 + 1/8) /
		// (1/4 + 1/64) = (40/64)/(17/64) = 40/17, which minimises
		// (x1 r - 1)^2 + (x2 r - 1)^2 (derivative zero at r = sum x/sum x^2).
		{"relative squared error", []float64{10, 5}, []float64{20, 40}, math.Log(40.0 / 17), 1e-15},
		// Final size equals observed size: a = 0.
		{"finished", []float64{7, 9}, []float64{7, 9}, 0, 0},
	}
	for _, tt := range tests {
		m, err := FitLogLinear(tt.n, tt.N)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if math.Abs(m.A-tt.wantA) > tt.tol {
			t.Errorf("%s: A = %v, want %v", tt.name, m.A, tt.wantA)
		}
	}
	// Prediction n·e^A: with A = log 4, n = 25 gives 100.
	if got := (LogLinear{A: math.Log(4)}).Predict(25); math.Abs(got-100) > 1e-12 {
		t.Errorf("Predict(25) = %v, want 100", got)
	}
}

func TestFitLogLinearErrors(t *testing.T) {
	tests := []struct {
		name string
		n, N []float64
	}{
		{"empty", nil, nil},
		{"lengths", []float64{1, 2}, []float64{1}},
		{"zero observed", []float64{0, 2}, []float64{1, 2}},
		{"negative final", []float64{1, 2}, []float64{1, -2}},
		{"nan", []float64{math.NaN()}, []float64{1}},
		{"inf", []float64{1}, []float64{math.Inf(1)}},
	}
	for _, tt := range tests {
		if _, err := FitLogLinear(tt.n, tt.N); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
