package evaluate

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// splitmix is the SplitMix64 generator, used to build test data that is the
// same on every platform and Go version.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// pick returns one of xs.
func (s *splitmix) pick(xs []float64) float64 {
	return xs[s.next()%uint64(len(xs))]
}

// syntheticReport returns a small report that is the same everywhere: 60
// cascades with integer sizes from 50 to about 5000, some tied, and four
// methods whose predictions are the true size times a factor drawn from a
// method-specific list, so that every ARE is exact arithmetic (no log, exp
// or sin) and the golden files do not depend on the platform's libm.
func syntheticReport(t testing.TB) *Report {
	t.Helper()
	rng := splitmix(2015)
	const n = 60
	sizes := make([]float64, n)
	for i := range sizes {
		if i%7 == 6 {
			sizes[i] = sizes[i-1] // a tie
			continue
		}
		u := float64(rng.next()>>11) / (1 << 53)
		sizes[i] = 50 + math.Floor(u*u*u*5000)
	}
	factors := []struct {
		name string
		f    []float64
	}{
		{"hawkes", []float64{0.02, 0.2, 0.5, 0.7, 1, 1.3, 2, 4, 20, 300}},
		{"forest", []float64{0.6, 0.8, 0.9, 1, 1.1, 1.2, 1.5}},
		{"seismic", []float64{0.5, 0.7, 0.9, 0.999, 1.2, 1.5, 3}},
		{"loglinear", []float64{0.3, 0.5, 0.8, 1.5, 2.5}},
	}
	var methods []Method
	for _, m := range factors {
		pred := make([]float64, n)
		for i, N := range sizes {
			pred[i] = N * rng.pick(m.f)
		}
		methods = append(methods, Method{Name: m.name, Pred: pred})
	}
	r, err := NewReport(3600, sizes, methods)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestARE(t *testing.T) {
	tests := []struct {
		truth, pred, want float64
	}{
		// Closed form |N - N_hat| / N.
		{100, 100, 0},
		{100, 150, 0.5},
		{100, 50, 0.5},
		{100, 0, 1},
		{4, 10, 1.5},
	}
	for _, tt := range tests {
		if got := ARE(tt.truth, tt.pred); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("ARE(%v, %v) = %v, want %v", tt.truth, tt.pred, got, tt.want)
		}
	}
}

func TestNewReportStats(t *testing.T) {
	// Ten cascades of size 100 predicted 100, 110, ..., 190: the AREs are
	// 0, 0.1, ..., 0.9 (to rounding), mean and median 0.45; the ties are
	// ranked by input position, so decile k holds cascade k alone.
	sizes := make([]float64, 10)
	pred := make([]float64, 10)
	for i := range sizes {
		sizes[i] = 100
		pred[i] = 100 + 10*float64(i)
	}
	r, err := NewReport(600, sizes, []Method{{Name: "m", Pred: pred}})
	if err != nil {
		t.Fatal(err)
	}
	m := r.Methods[0]
	if m.Overall.Count != 10 || math.Abs(m.Overall.MeanARE-0.45) > 1e-12 || math.Abs(m.Overall.MedianARE-0.45) > 1e-12 {
		t.Errorf("overall %+v, want count 10, mean and median 0.45", m.Overall)
	}
	for k, d := range r.Deciles {
		if !slices.Equal(d.Index, []int{k}) || d.Lo != 100 || d.Hi != 100 {
			t.Errorf("decile %d: %+v, want cascade %d with range 100-100", k+1, d, k)
		}
		want := 0.1 * float64(k)
		if s := m.Deciles[k]; s.Count != 1 || math.Abs(s.MeanARE-want) > 1e-12 || math.Abs(s.MedianARE-want) > 1e-12 {
			t.Errorf("decile %d: %+v, want one cascade with ARE %v", k+1, s, want)
		}
	}
}

func TestNewReportDeciles(t *testing.T) {
	// 23 cascades given in decreasing size 23, 22, ..., 1 with the size 12
	// repeated in place of 11: ranked ascending, with floor(k·23/10) the
	// cuts are at 0, 2, 4, 6, 9, 11, 13, 16, 18, 20, 23.
	sizes := make([]float64, 23)
	for i := range sizes {
		sizes[i] = float64(23 - i)
	}
	sizes[12] = 12 // was 11; ties with sizes[11]
	pred := slices.Clone(sizes)
	pred[0] = 46 // ARE 1 on the largest cascade
	r, err := NewReport(3600, sizes, []Method{{Name: "m", Pred: pred}})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := []int{2, 2, 2, 3, 2, 2, 3, 2, 2, 3}
	wantLo := []float64{1, 3, 5, 7, 10, 12, 14, 17, 19, 21}
	wantHi := []float64{2, 4, 6, 9, 12, 13, 16, 18, 20, 23}
	for k, d := range r.Deciles {
		if len(d.Index) != wantCounts[k] || d.Lo != wantLo[k] || d.Hi != wantHi[k] {
			t.Errorf("decile %d: %d cascades from %v to %v, want %d from %v to %v",
				k+1, len(d.Index), d.Lo, d.Hi, wantCounts[k], wantLo[k], wantHi[k])
		}
	}
	// The tie 12, 12 (input positions 11 and 12) is split between deciles 5
	// and 6 in input order.
	if got := r.Deciles[4].Index[1]; got != 11 {
		t.Errorf("decile 5 ends with cascade %d, want 11 (first of the tie)", got)
	}
	if got := r.Deciles[5].Index[0]; got != 12 {
		t.Errorf("decile 6 starts with cascade %d, want 12 (second of the tie)", got)
	}
	// Decile 10 holds sizes 21, 22, 23 with AREs 0, 0, 1.
	if s := r.Methods[0].Deciles[9]; s.Count != 3 || math.Abs(s.MeanARE-1.0/3) > 1e-15 || s.MedianARE != 0 {
		t.Errorf("decile 10: %+v, want count 3, mean 1/3, median 0", s)
	}
}

func TestNewReportErrors(t *testing.T) {
	sizes := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	good := slices.Clone(sizes)
	with := func(i int, v float64) []float64 {
		p := slices.Clone(good)
		p[i] = v
		return p
	}
	predErrs := []struct {
		name  string
		pred  []float64
		index int
	}{
		{"nan", with(3, math.NaN()), 3},
		{"inf", with(0, math.Inf(1)), 0},
		{"negative", with(9, -1), 9},
	}
	for _, tt := range predErrs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReport(3600, sizes, []Method{{Name: "ok", Pred: good}, {Name: "bad", Pred: tt.pred}})
			var pe *PredictionError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *PredictionError", err)
			}
			if pe.Method != "bad" || pe.Index != tt.index {
				t.Errorf("error names method %q index %d, want %q index %d", pe.Method, pe.Index, "bad", tt.index)
			}
		})
	}

	others := []struct {
		name    string
		window  float64
		sizes   []float64
		methods []Method
	}{
		{"too few cascades", 3600, sizes[:9], []Method{{Name: "m", Pred: good[:9]}}},
		{"zero size", 3600, with(2, 0), []Method{{Name: "m", Pred: good}}},
		{"nan size", 3600, with(2, math.NaN()), []Method{{Name: "m", Pred: good}}},
		{"zero window", 0, sizes, []Method{{Name: "m", Pred: good}}},
		{"no methods", 3600, sizes, nil},
		{"empty name", 3600, sizes, []Method{{Name: "", Pred: good}}},
		{"duplicate name", 3600, sizes, []Method{{Name: "m", Pred: good}, {Name: "m", Pred: good}}},
		{"short predictions", 3600, sizes, []Method{{Name: "m", Pred: good[:9]}}},
	}
	for _, tt := range others {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewReport(tt.window, tt.sizes, tt.methods); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := NewReport(3600, sizes[:3], []Method{{Name: "m", Pred: good[:3]}}); !errors.Is(err, ErrTooFew) {
		t.Errorf("error %v, want ErrTooFew", err)
	}
}

func TestNewReportCopies(t *testing.T) {
	r := syntheticReport(t)
	sizes := slices.Clone(r.Sizes)
	pred := make([]float64, len(sizes))
	for i := range pred {
		pred[i] = sizes[i] * 2
	}
	r2, err := NewReport(3600, sizes, []Method{{Name: "double", Pred: pred}})
	if err != nil {
		t.Fatal(err)
	}
	sizes[0], pred[0] = 1e9, 0
	if r2.Sizes[0] == 1e9 || r2.Methods[0].ARE[0] != 1 {
		t.Error("report changed with its inputs")
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		x    []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{1, math.Inf(1), 2}, 2},
	}
	for _, tt := range tests {
		x := slices.Clone(tt.x)
		if got := Median(x); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.x, got, tt.want)
		}
		if !slices.Equal(x, tt.x) {
			t.Errorf("Median changed its input to %v", x)
		}
	}
	if got := Median(nil); !math.IsNaN(got) {
		t.Errorf("Median(nil) = %v, want NaN", got)
	}
}

func TestIntervals(t *testing.T) {
	// Twenty cascades of sizes 1..20, predicted exactly; the interval of
	// cascade i is [N-1, N+1] when i is even (covered, relative width
	// 2/N) and [N+1, N+2] when odd (missed, width 1/N).
	const n = 20
	sizes := make([]float64, n)
	m := Method{Name: "m", Pred: make([]float64, n), Lo: make([]float64, n), Hi: make([]float64, n), Level: 0.8}
	for i := range n {
		N := float64(i + 1)
		sizes[i], m.Pred[i] = N, N
		if i%2 == 0 {
			m.Lo[i], m.Hi[i] = N-1, N+1
		} else {
			m.Lo[i], m.Hi[i] = N+1, N+2
		}
	}
	r, err := NewReport(600, sizes, []Method{m, {Name: "plain", Pred: m.Pred}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Methods[1].Interval != nil {
		t.Error("a method without intervals got an interval report")
	}
	iv := r.Methods[0].Interval
	if iv == nil {
		t.Fatal("no interval report")
	}
	// Overall: 10 of 20 covered; widths 2/N for odd N, 1/N for even N.
	// Ten of them are at most 2/15 (1/8 ... 1/20 and 2/15, 2/17, 2/19),
	// so the middle two of the sorted widths are 2/15 and 2/13.
	want := IntervalStats{Count: 20, Coverage: 0.5, MedianWidth: (2.0/15 + 2.0/13) / 2}
	if got := iv.Overall; got.Count != want.Count || got.Coverage != want.Coverage || math.Abs(got.MedianWidth-want.MedianWidth) > 1e-15 {
		t.Errorf("overall %+v, want %+v", got, want)
	}
	// Decile 1 holds N = 1, 2: one covered, widths 2 and 1/2.
	if got := iv.Deciles[0]; got.Count != 2 || got.Coverage != 0.5 || got.MedianWidth != 1.25 {
		t.Errorf("decile 1: %+v, want count 2, coverage 0.5, width 1.25", got)
	}
	if iv.Level != 0.8 {
		t.Errorf("level %v", iv.Level)
	}
}

func TestIntervalsRefused(t *testing.T) {
	sizes := make([]float64, 10)
	pred := make([]float64, 10)
	for i := range sizes {
		sizes[i], pred[i] = float64(i+1), float64(i+1)
	}
	bounds := func(lo, hi float64) ([]float64, []float64) {
		l, h := make([]float64, 10), make([]float64, 10)
		for i := range l {
			l[i], h[i] = pred[i]*lo, pred[i]*hi
		}
		return l, h
	}
	lo, hi := bounds(0.5, 2)
	bad := []struct {
		name string
		m    Method
	}{
		{"lo only", Method{Name: "m", Pred: pred, Lo: lo, Level: 0.8}},
		{"short", Method{Name: "m", Pred: pred, Lo: lo[:9], Hi: hi[:9], Level: 0.8}},
		{"level 0", Method{Name: "m", Pred: pred, Lo: lo, Hi: hi}},
		{"level 1", Method{Name: "m", Pred: pred, Lo: lo, Hi: hi, Level: 1}},
		{"lo > hi", Method{Name: "m", Pred: pred, Lo: hi, Hi: lo, Level: 0.8}},
		{"infinite hi", func() Method {
			l, h := bounds(0.5, math.Inf(1))
			return Method{Name: "m", Pred: pred, Lo: l, Hi: h, Level: 0.8}
		}()},
		{"NaN lo", func() Method {
			l, h := bounds(math.NaN(), 2)
			return Method{Name: "m", Pred: pred, Lo: l, Hi: h, Level: 0.8}
		}()},
		{"zero prediction", Method{Name: "m", Pred: make([]float64, 10), Lo: make([]float64, 10), Hi: hi, Level: 0.8}},
	}
	for _, tt := range bad {
		if _, err := NewReport(600, sizes, []Method{tt.m}); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}
