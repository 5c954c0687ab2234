package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// quantileForest fits a forest on X, y with cfg and adds its quantiles.
func quantileForest(t *testing.T, X [][]float64, y []float64, cfg Config) *Forest {
	t.Helper()
	f, err := Fit(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := AddQuantiles(f, X, y, cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestQuantilesByHand checks PredictQuantiles against the quantiles of the
// pooled in-bag draws, computed here without the forest's member lists: one
// tree that is a single leaf (MinLeaf above half the rows) weights each row
// by its bootstrap count.
func TestQuantilesByHand(t *testing.T) {
	X, y := cascadeData(9, 31)
	cfg := Config{Trees: 1, MinLeaf: 5, Workers: 1, Seed: 3}
	f := quantileForest(t, X, y, cfg)
	if len(f.Trees[0].Nodes) != 1 {
		t.Fatalf("tree has %d nodes, want a single leaf", len(f.Trees[0].Nodes))
	}
	var draws []float64
	for i, w := range f.Quantiles.InBag[0] {
		for range w {
			draws = append(draws, float64(float32(y[i])))
		}
	}
	if len(draws) != 9 {
		t.Fatalf("%d draws, want 9", len(draws))
	}
	slices.Sort(draws)
	taus := []float64{0.05, 1.0 / 9, 0.3, 0.5, 0.9, 0.99}
	got := f.PredictQuantiles(nil, X[0], taus)
	for k, tau := range taus {
		// The smallest draw whose cumulative share reaches tau.
		want := draws[int(math.Ceil(tau*9-1e-9))-1]
		if got[k] != want {
			t.Errorf("quantile %v = %v, want %v (draws %v)", tau, got[k], want, draws)
		}
	}
}

// TestQuantilesCover checks that the forest's conditional quantiles follow
// heteroscedastic noise: on fresh rows of y = x0 + (0.1 + x1) N(0, 1), the
// interval between the quantiles 0.1 and 0.9 covers about 80 % overall
// (the nominal quantiles of a forest run somewhat wide) and is wider where
// the noise is larger.
func TestQuantilesCover(t *testing.T) {
	X, y, _ := smoothData(2000, 0, 41)
	r := rand.New(rand.NewPCG(43, 1))
	for i := range y {
		y[i] = X[i][0] + (0.1+(X[i][1]+1)/2)*r.NormFloat64()
	}
	f := quantileForest(t, X, y, Config{Trees: testTrees(), Seed: 2})
	Xt, yt, _ := smoothData(2000, 0, 42)
	covered, wideLow, wideHigh := 0, 0.0, 0.0
	nLow, nHigh := 0, 0
	for i := range yt {
		yt[i] = Xt[i][0] + (0.1+(Xt[i][1]+1)/2)*r.NormFloat64()
		q := f.PredictQuantiles(nil, Xt[i], []float64{0.1, 0.9})
		if q[0] <= yt[i] && yt[i] <= q[1] {
			covered++
		}
		if Xt[i][1] < -0.5 {
			wideLow += q[1] - q[0]
			nLow++
		} else if Xt[i][1] > 0.5 {
			wideHigh += q[1] - q[0]
			nHigh++
		}
	}
	c := float64(covered) / float64(len(yt))
	t.Logf("coverage %.3f, mean width %.3f (low noise), %.3f (high noise)", c, wideLow/float64(nLow), wideHigh/float64(nHigh))
	if c < 0.75 || c > 0.92 {
		t.Errorf("coverage %.3f of the nominal 0.8 interval, want 0.75 to 0.92", c)
	}
	if wideHigh/float64(nHigh) < 2*wideLow/float64(nLow) {
		t.Errorf("intervals %.3f wide where the noise sd is ~0.9, %.3f where it is ~0.3: not adaptive", wideHigh/float64(nHigh), wideLow/float64(nLow))
	}
}

// TestOOBQuantiles checks that a row's out-of-bag distribution leaves out
// every tree that drew it: with one tree, rows it drew get NaN, and the
// others get quantiles of draws that are not themselves.
func TestOOBQuantiles(t *testing.T) {
	X, y := cascadeData(60, 32)
	cfg := Config{Trees: 1, MinLeaf: 2, Workers: 1, Seed: 4}
	f := quantileForest(t, X, y, cfg)
	q, err := f.OOBQuantiles(X, []float64{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	oob := 0
	for i := range X {
		in := f.Quantiles.InBag[0][i] > 0
		if in != math.IsNaN(q[i][0]) {
			t.Fatalf("row %d: in bag %v, out-of-bag quantiles %v", i, in, q[i])
		}
		if !in {
			oob++
			j := f.Trees[0].leaf(X[i])
			for _, v := range q[i] {
				found := false
				for r, l := range f.Quantiles.Leaf[0] {
					found = found || (l == j && f.Quantiles.Y[r] == v)
				}
				if !found {
					t.Fatalf("row %d: quantile %v is no in-bag target of its leaf", i, v)
				}
			}
		}
	}
	if oob == 0 {
		t.Fatal("no out-of-bag row")
	}
	if _, err := f.OOBQuantiles(X[:10], []float64{0.5}); err == nil {
		t.Error("OOBQuantiles accepted fewer rows than the forest was trained on")
	}
}

// TestQuantileModelRoundTrip writes a quantile regression forest (version
// 3) and reads it back: the same model and the same quantiles, while a
// plain forest is still written as version 1.
func TestQuantileModelRoundTrip(t *testing.T) {
	m, X := testModel(t, 300, 20)
	plain, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	_, y := cascadeData(300, 11)
	if err := AddQuantiles(m.Forest, X, y, m.Config); err != nil {
		t.Fatal(err)
	}
	m.Interval = &Interval{Level: 0.8, QLo: 0.15, QHi: 0.85}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("300 rows, 20 trees: %d bytes without quantiles, %d with", len(plain), len(b))
	if v := int(b[len(Magic)])<<8 | int(b[len(Magic)+1]); v != 3 {
		t.Errorf("quantile forest written as version %d, want 3", v)
	}
	if v := int(plain[len(Magic)])<<8 | int(plain[len(Magic)+1]); v != 1 {
		t.Errorf("plain forest written as version %d, want 1", v)
	}
	got, err := ReadModelAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 {
		t.Errorf("version %d read, want 3", got.Version)
	}
	sameModel(t, got, m)
	taus := []float64{0.1, 0.5, 0.9}
	for i := range 20 {
		a := m.Forest.PredictQuantiles(nil, X[i], taus)
		c := got.Forest.PredictQuantiles(nil, X[i], taus)
		if !slices.Equal(a, c) {
			t.Fatalf("row %d: quantiles %v read back, %v written", i, c, a)
		}
		if !(a[0] <= a[1] && a[1] <= a[2]) {
			t.Fatalf("row %d: quantiles %v not increasing", i, a)
		}
	}

	// A split interval is written as version 4 and read back whole; a
	// version 3 file with one is corrupt.
	split := 1.5
	m.Interval = &Interval{Level: 0.8, QLo: 0.15, QHi: 0.85, Split: &split, QLo2: 0.05, QHi2: 0.9}
	b, err = m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if v := int(b[len(Magic)])<<8 | int(b[len(Magic)+1]); v != 4 {
		t.Errorf("split interval written as version %d, want 4", v)
	}
	got, err = ReadModelAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if iv := got.Interval; got.Version != 4 || iv.Split == nil || *iv.Split != split || iv.QLo2 != 0.05 || iv.QHi2 != 0.9 {
		t.Errorf("version %d, interval %+v read back, want version 4 and %+v", got.Version, iv, m.Interval)
	}
	v3 := slices.Clone(b[:len(b)-4])
	v3[len(Magic)+1] = 3
	v3 = binary.BigEndian.AppendUint32(v3, crc32.Checksum(v3, castagnoli))
	if _, err := ReadModelAll(bytes.NewReader(v3)); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "split interval") {
		t.Errorf("split interval in a version 3 file: err = %v, want %v", err, ErrCorrupt)
	}

	// A binned interval is written as version 5 and read back whole; a
	// version 4 file with one is corrupt.
	bins := &IntervalBins{Edges: []float64{0.5, 1.5}, Lo: []float64{-0.2, 0.1, -0.05}, Hi: []float64{0.3, -0.1, 0.25}}
	m.Interval = &Interval{Level: 0.8, QLo: 0.1, QHi: 0.9, Bins: bins, Method: "cqr-bins"}
	if b, err = m.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	if v := int(b[len(Magic)])<<8 | int(b[len(Magic)+1]); v != 5 {
		t.Errorf("binned interval written as version %d, want 5", v)
	}
	if got, err = ReadModelAll(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if iv := got.Interval; got.Version != 5 || iv.Bins == nil || !reflect.DeepEqual(*iv.Bins, *bins) || iv.Method != "cqr-bins" {
		t.Errorf("version %d, interval %+v read back, want version 5 and %+v", got.Version, iv, m.Interval)
	}
	v4 := slices.Clone(b[:len(b)-4])
	v4[len(Magic)+1] = 4
	v4 = binary.BigEndian.AppendUint32(v4, crc32.Checksum(v4, castagnoli))
	if _, err := ReadModelAll(bytes.NewReader(v4)); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "binned interval") {
		t.Errorf("binned interval in a version 4 file: err = %v, want %v", err, ErrCorrupt)
	}

	// A quantile interval needs the quantiles.
	m.Forest.Quantiles = nil
	if _, err := m.MarshalBinary(); err == nil {
		t.Error("wrote a quantile interval for a forest without quantiles")
	}
}

// TestAddQuantilesErrors checks the settings AddQuantiles refuses.
func TestAddQuantilesErrors(t *testing.T) {
	X, y := cascadeData(40, 33)
	cfg := Config{Trees: 3, MinLeaf: 2, Workers: 1}
	f, err := Fit(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := AddQuantiles(f, X, y, Config{Trees: 4, MinLeaf: 2}); err == nil {
		t.Error("AddQuantiles accepted a config of another tree count")
	}
	short := make([][]float64, len(X))
	for i := range X {
		short[i] = X[i][:5]
	}
	if err := AddQuantiles(f, short, y, cfg); err == nil {
		t.Error("AddQuantiles accepted rows of 5 features for a forest of 6")
	}
	if err := AddQuantiles(&Forest{Sum: true}, X, y, cfg); err == nil {
		t.Error("AddQuantiles accepted boosted trees")
	}
}

// testTrees is the forest size of TestQuantilesCover: 40 trees under
// -short, 100 otherwise.
func testTrees() int {
	if testing.Short() {
		return 40
	}
	return 100
}

// TestIntervalBins checks the rule placing a row in a bin (the number of
// edges at or below its predicted log size) and what Validate refuses of
// bins.
func TestIntervalBins(t *testing.T) {
	b := &IntervalBins{Edges: []float64{1, 2}, Lo: []float64{0, 0, 0}, Hi: []float64{0, 0, 0}}
	for _, tt := range []struct {
		p    float64
		want int
	}{{-5, 0}, {0.999, 0}, {1, 1}, {1.5, 1}, {2, 2}, {9, 2}} {
		if got := b.Bin(tt.p); got != tt.want {
			t.Errorf("Bin(%v) = %d, want %d", tt.p, got, tt.want)
		}
	}
	good := func() *Interval {
		return &Interval{Level: 0.8, QLo: 0.1, QHi: 0.9, Bins: &IntervalBins{Edges: []float64{1}, Lo: []float64{-0.1, 0.2}, Hi: []float64{0.3, -0.4}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("good binned interval: %v", err)
	}
	split := 1.0
	for _, tt := range []struct {
		name   string
		change func(iv *Interval)
	}{
		{"edges not increasing", func(iv *Interval) {
			iv.Bins.Edges = []float64{1, 1}
			iv.Bins.Lo = []float64{0, 0, 0}
			iv.Bins.Hi = []float64{0, 0, 0}
		}},
		{"NaN edge", func(iv *Interval) { iv.Bins.Edges[0] = math.NaN() }},
		{"an offset short", func(iv *Interval) { iv.Bins.Hi = iv.Bins.Hi[:1] }},
		{"infinite offset", func(iv *Interval) { iv.Bins.Lo[1] = math.Inf(-1) }},
		{"no quantiles", func(iv *Interval) { iv.QLo, iv.QHi = 0, 0 }},
		{"with a split", func(iv *Interval) { iv.Split, iv.QLo2, iv.QHi2 = &split, 0.1, 0.9 }},
		{"lo and hi besides", func(iv *Interval) { iv.Lo, iv.Hi = -0.1, 0.1 }},
	} {
		iv := good()
		tt.change(iv)
		if err := iv.Validate(); err == nil {
			t.Errorf("%s: %+v validated", tt.name, *iv.Bins)
		}
	}
}

// TestPredictDist checks that PredictDist gives each row Predict's
// prediction and PredictQuantiles' quantiles, bit for bit, from its one
// walk of the trees.
func TestPredictDist(t *testing.T) {
	X, y := cascadeData(120, 33)
	f := quantileForest(t, X[:90], y[:90], Config{Trees: 30, Workers: 1, Seed: 5})
	taus := []float64{0.05, 0.1, 0.5, 0.9, 0.95}
	pred, d, err := f.PredictDist(X)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range X {
		if want := f.Predict(x); pred[i] != want {
			t.Fatalf("row %d: prediction %v, Predict %v", i, pred[i], want)
		}
		got, want := d.RowQuantiles(nil, i, taus), f.PredictQuantiles(nil, x, taus)
		if !slices.Equal(got, want) {
			t.Fatalf("row %d: quantiles %v, PredictQuantiles %v", i, got, want)
		}
	}
	if _, _, err := (&Forest{}).PredictDist(X); err == nil {
		t.Error("PredictDist accepted a forest without quantiles")
	}
}
