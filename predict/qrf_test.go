package predict

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/train"
)

// heteroData draws n rows of 3 features uniform on [0, 1) and targets
// y = x0 + s(x1)·N(0, 1) with s(x1) = 0.05 + x1^2: the noise grows tenfold
// and more across x1, as a cascade's uncertainty does with its size.
func heteroData(n int, seed uint64) ([][]float64, []float64) {
	r := rand.New(rand.NewPCG(seed, 9))
	X := make([][]float64, n)
	y := make([]float64, n)
	for i := range X {
		X[i] = []float64{r.Float64(), r.Float64(), r.Float64()}
		y[i] = X[i][0] + (0.05+X[i][1]*X[i][1])*r.NormFloat64()
	}
	return X, y
}

// TestQRFInterval checks the calibrated quantile regression forest
// interval on fresh simulated rows: it covers close to its level overall
// (0.8 ± 0.04, some 4 standard errors on 2 000 rows), at least 0.65 in each
// quintile of the noise, and its nominal level is below the one it would
// otherwise need, not at the grid's end.
func TestQRFInterval(t *testing.T) {
	X, y := heteroData(1500, 1)
	cfg := train.Config{Trees: testTrees(), Seed: 7}
	f, err := train.Fit(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.AddQuantiles(f, X, y, cfg); err != nil {
		t.Fatal(err)
	}
	iv, err := QRFInterval(f, X, y, nil, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	if iv.Level != 0.8 || iv.Lo != 0 || iv.Hi != 0 || !iv.Quantile() || iv.QLo == qrfTau(0) || iv.QHi == 1-qrfTau(0) {
		t.Fatalf("interval %+v, want level 0.8 and quantile levels inside the grid", iv)
	}
	Xt, yt := heteroData(2000, 2)
	taus := []float64{iv.QLo, iv.QHi}
	var covered int
	var inBin, coveredBin [5]int
	for i := range Xt {
		q := f.PredictQuantiles(nil, Xt[i], taus)
		b := min(int(Xt[i][1]*5), 4)
		inBin[b]++
		if q[0] <= yt[i] && yt[i] <= q[1] {
			covered++
			coveredBin[b]++
		}
	}
	c := float64(covered) / float64(len(yt))
	t.Logf("quantiles %.4f, %.4f: coverage %.3f; per quintile of the noise %v of %v", iv.QLo, iv.QHi, c, coveredBin, inBin)
	if math.Abs(c-0.8) > 0.04 {
		t.Errorf("coverage %.3f, want 0.8 ± 0.04", c)
	}
	for b := range inBin {
		if cb := float64(coveredBin[b]) / float64(inBin[b]); cb < 0.65 {
			t.Errorf("quintile %d of the noise: coverage %.3f, want >= 0.65", b, cb)
		}
	}
}

// TestApplyQRFInterval checks that Apply reads a quantile interval from the
// forest's quantiles: the interval of a row is n·exp of its quantiles.
func TestApplyQRFInterval(t *testing.T) {
	X, y := heteroData(200, 3)
	cfg := train.Config{Trees: 10, Seed: 7, MinLeaf: 2}
	f, err := train.Fit(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.AddQuantiles(f, X, y, cfg); err != nil {
		t.Fatal(err)
	}
	m := constantModel(t, TargetLogRatio, 0, nil)
	m.Forest = f
	m.Features = m.Features[:3]
	m.Interval = &train.Interval{Level: 0.8, QLo: 0.2, QHi: 0.8}
	x := []float64{0.5, 0.9, 0.1}
	p := ApplyVector(m, &rowOK, x)
	q := f.PredictQuantiles(nil, x, []float64{0.2, 0.8})
	n := float64(rowOK.N)
	if !p.Interval || math.Abs(p.Lo-n*math.Exp(q[0])) > 1e-9 || math.Abs(p.Hi-n*math.Exp(q[1])) > 1e-9 {
		t.Errorf("prediction %+v, want [%v, %v]", p, n*math.Exp(q[0]), n*math.Exp(q[1]))
	}
	if !(p.Lo < p.Hi) {
		t.Errorf("empty interval %+v", p)
	}
}

// TestQRFIntervalDeciles checks the floor on each decile of the target: on
// fresh rows, every decile of the true target is covered at least 0.6 of
// the time (the floor 0.65 on the training rows, less some sampling
// error), and the overall coverage stays between 0.75 and 0.92 (the floor widens
// the intervals of the extreme deciles, which lifts it above the level).
func TestQRFIntervalDeciles(t *testing.T) {
	X, y := heteroData(1500, 4)
	cfg := train.Config{Trees: testTrees(), Seed: 8}
	f, err := train.Fit(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := train.AddQuantiles(f, X, y, cfg); err != nil {
		t.Fatal(err)
	}
	iv, err := QRFInterval(f, X, y, sizeDeciles(y), 0.8)
	if err != nil {
		t.Fatal(err)
	}
	Xt, yt := heteroData(2000, 5)
	g := sizeDeciles(yt)
	var in, covered [10]int
	all := 0
	for i := range Xt {
		q := f.PredictQuantiles(nil, Xt[i], []float64{iv.QLo, iv.QHi})
		in[g[i]]++
		if q[0] <= yt[i] && yt[i] <= q[1] {
			covered[g[i]]++
			all++
		}
	}
	c := float64(all) / float64(len(yt))
	t.Logf("quantiles %.4f, %.4f: coverage %.3f; per decile %v of %v", iv.QLo, iv.QHi, c, covered, in)
	if c < 0.75 || c > 0.92 {
		t.Errorf("coverage %.3f, want 0.75 to 0.92", c)
	}
	for k := range in {
		if ck := float64(covered[k]) / float64(in[k]); ck < 0.6 {
			t.Errorf("decile %d: coverage %.3f, want >= 0.6", k+1, ck)
		}
	}
}

// TestSizeDeciles checks the deciles by hand: ranks split as evaluate
// splits them (decile k holds ranks k*n/10 to (k+1)*n/10), ties by position.
func TestSizeDeciles(t *testing.T) {
	sizes := []float64{5, 1, 4, 1, 3, 9, 2, 6, 8, 7, 10, 0}
	// Order: 0(11) 1(1) 1(3) 2(6) 3(4) 4(2) 5(0) 6(7) 7(9) 8(8) 9(5) 10(10);
	// n = 12: decile k holds ranks 12k/10 to 12(k+1)/10 (exclusive): 0, 1,
	// 2, 3, 4-5, 6, 7, 8, 9, 10-11.
	want := []int{5, 1, 4, 2, 4, 9, 3, 6, 8, 7, 9, 0}
	got := sizeDeciles(sizes)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("deciles %v, want %v", got, want)
		}
	}
}

// testTrees is the forest size of the interval tests: 40 trees under
// -short (make test runs with the race detector), 100 otherwise.
func testTrees() int {
	if testing.Short() {
		return 40
	}
	return 100
}

// TestQRFCounts checks qrfCounts against counting each row's pairs one by
// one, as QRFInterval first did, on random quantiles (increasing or not,
// with ties with the targets and rows without quantiles).
func TestQRFCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const steps = qrfSteps
	for rep := range 20 {
		rows := 1 + rng.IntN(60)
		oob := make([][]float64, rows)
		y := make([]float64, rows)
		groups := make([]int, rows)
		for i := range oob {
			y[i] = float64(rng.IntN(5))
			groups[i] = rng.IntN(10)
			q := make([]float64, 2*steps)
			for k := range q {
				q[k] = float64(rng.IntN(5))
			}
			if rep%2 == 0 {
				slices.Sort(q)
			}
			if rng.IntN(8) == 0 {
				for k := range q {
					q[k] = math.NaN()
				}
			}
			oob[i] = q
		}
		var g []int
		if rep%3 != 0 {
			g = groups
		}
		want := make([][steps][10]int32, steps)
		var wantN [10]int
		var wantSum [2 * steps]float64
		wantTotal := 0
		for i, q := range oob {
			if math.IsNaN(q[0]) {
				continue
			}
			gi := 0
			if g != nil {
				gi = g[i]
			}
			wantN[gi]++
			wantTotal++
			for k, v := range q {
				wantSum[k] += v
			}
			for a := range steps {
				if q[a] > y[i] {
					break
				}
				for b := steps - 1; b >= 0 && q[steps+b] >= y[i]; b-- {
					want[a][b][gi]++
				}
			}
		}
		cover, n, sum, total := qrfCounts(oob, y, g)
		if !slices.Equal(cover, want) || n != wantN || sum != wantSum || total != wantTotal {
			t.Fatalf("table %d (%d rows): counts differ from the row by row ones", rep, rows)
		}
	}
}
