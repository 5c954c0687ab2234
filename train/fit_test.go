package train

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
)

// TestFitRecovers fits forests on data of known structure and checks the
// error on fresh rows, the out-of-bag error and the importance ranking.
func TestFitRecovers(t *testing.T) {
	type gen func(n int, sigma float64, seed uint64) ([][]float64, []float64, []float64)
	cases := []struct {
		name  string
		gen   gen
		sigma float64
		cfg   Config
		// maxTruthMSE bounds the MSE against the noise-free targets.
		maxTruthMSE float64
		// minR2 bounds R^2 on fresh noisy targets.
		minR2 float64
		// oobLo, oobHi bound the OOB MSE as multiples of sigma^2.
		oobLo, oobHi float64
		// rank is the expected order of the features by importance.
		rank []int
	}{
		{
			// y = 2*[x0 > 0.5] + N(0, 0.5^2) with 3 irrelevant features.
			// The signal's variance is 1 (0 or 2 with probability 1/2).
			// A tree represents a step exactly; what is left is the
			// variance of leaf means over few draws and the blurred
			// boundary. 0.05 (5% of the signal's variance) is a loose
			// bound: 0.018 was measured.
			name: "step", gen: stepData, sigma: 0.5, cfg: Config{Trees: 100, Seed: 1},
			maxTruthMSE: 0.05,
			// R^2 on noisy targets is at most 1/(1+0.25) = 0.8 (the
			// noise's share); with the truth MSE below 0.05 it is at least
			// 1 - 0.30/1.25 = 0.76.
			minR2: 0.76,
			// OOB MSE = sigma^2 + the forest's own error. The lower bound
			// allows 3 standard deviations of the mean of n = 2000 squared
			// noises, sigma^2 * 3*sqrt(2/n) = 0.095 sigma^2; the upper one
			// the truth MSE bound, 0.05 = 0.2 sigma^2. 1.05 was measured.
			oobLo: 0.9, oobHi: 1.2,
			rank: []int{0},
		},
		{
			// y = x0^2 + x1 + N(0, 0.1^2), x uniform on [-1, 1)^3. The
			// signal's variance is Var(x0^2) + Var(x1) = 4/45 + 1/3 =
			// 0.422, so R^2 on noisy targets is at most 0.422/0.432 =
			// 0.977. A piecewise-constant fit of a smooth surface with
			// leaves of >= 5 draws from 2000 rows loses a few percent
			// (0.957 was measured); 0.93 is 0.05 below the ceiling.
			name: "smooth", gen: smoothData, sigma: 0.1, cfg: Config{Trees: 100, Seed: 1},
			maxTruthMSE: 0.03, // 7% of the signal's variance; 0.009 measured
			minR2:       0.93,
			// Here the forest's own error (0.009) is comparable to
			// sigma^2 = 0.01, so the OOB MSE is about 2 sigma^2 (2.0 was
			// measured); 3 allows the truth MSE to grow by half.
			oobLo: 0.9, oobHi: 3,
			// x1 carries 0.333 of the variance, x0 0.089, x2 none.
			rank: []int{1, 0, 2},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			X, y, _ := tc.gen(2000, tc.sigma, 1)
			Xt, yt, truth := tc.gen(5000, tc.sigma, 2)
			f, err := Fit(context.Background(), X, y, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			p := f.PredictBatch(nil, Xt)
			if got := mse(p, truth); got > tc.maxTruthMSE {
				t.Errorf("MSE against the truth = %.4f, want <= %.4f", got, tc.maxTruthMSE)
			}
			if got := 1 - mse(p, yt)/variance(yt); got < tc.minR2 {
				t.Errorf("test R^2 = %.4f, want >= %.4f", got, tc.minR2)
			}
			s2 := tc.sigma * tc.sigma
			oob, r2, n := f.OOB()
			if oob < tc.oobLo*s2 || oob > tc.oobHi*s2 {
				t.Errorf("OOB MSE = %.4f, want %.4f to %.4f", oob, tc.oobLo*s2, tc.oobHi*s2)
			}
			// The OOB error estimates the error on fresh rows: within 10%
			// (the test MSE over 5000 rows has a relative standard error
			// of about sqrt(2/5000) = 2%, the OOB MSE over 2000 about 3%).
			if test := mse(p, yt); math.Abs(oob-test) > 0.1*test {
				t.Errorf("OOB MSE = %.4f, test MSE = %.4f, want within 10%%", oob, test)
			}
			// With 100 trees a row is missed by all but (1-1/e)^100 ~ 1e-20
			// of them: every row has an OOB prediction.
			if n != len(y) {
				t.Errorf("OOB rows = %d, want %d", n, len(y))
			}
			if want := 1 - oob/variance(y); math.Abs(r2-want) > 1e-12 {
				t.Errorf("OOB R^2 = %v, want 1 - MSE/Var(y) = %v", r2, want)
			}
			imp := f.FeatureImportance()
			var sum float64
			for _, v := range imp {
				sum += v
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("importances %v sum to %v, want 1", imp, sum)
			}
			order := make([]int, len(imp))
			for j := range order {
				order[j] = j
			}
			slices.SortStableFunc(order, func(a, b int) int {
				switch {
				case imp[a] > imp[b]:
					return -1
				case imp[a] < imp[b]:
					return 1
				}
				return 0
			})
			if !slices.Equal(order[:len(tc.rank)], tc.rank) {
				t.Errorf("features by importance %v (%.3f), want %v first", order, imp, tc.rank)
			}
		})
	}
}

// TestFitDeterministic checks that the seed alone decides the forest.
func TestFitDeterministic(t *testing.T) {
	X, y := cascadeData(600, 1)
	fit := func(cfg Config) *Forest {
		t.Helper()
		f, err := Fit(context.Background(), X, y, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	base := fit(Config{Trees: 24, Seed: 7, Workers: 1})
	for _, workers := range []int{2, 3, 8} {
		if f := fit(Config{Trees: 24, Seed: 7, Workers: workers}); !reflect.DeepEqual(f, base) {
			t.Errorf("Workers %d: forest differs from Workers 1", workers)
		}
	}
	if f := fit(Config{Trees: 24, Seed: 1}); !reflect.DeepEqual(f, fit(Config{Trees: 24})) {
		t.Errorf("Seed 0 differs from Seed 1, its documented default")
	}
	other := fit(Config{Trees: 24, Seed: 8, Workers: 3})
	differ := 0
	for _, x := range X[:50] {
		if other.Predict(x) != base.Predict(x) {
			differ++
		}
	}
	// With other bootstrap samples every leaf mean moves, so almost no
	// prediction is unchanged.
	if differ < 45 {
		t.Errorf("seed 8 changed %d of 50 predictions, want >= 45", differ)
	}
}

// leafDraws walks each tree of f, routing the bootstrap draws of its training
// sample, and calls visit for each leaf with its depth and its draws.
func leafDraws(t *testing.T, f *Forest, X [][]float64, cfg Config, visit func(tree, depth, draws int)) {
	t.Helper()
	cfg, err := cfg.Resolve(len(X[0]))
	if err != nil {
		t.Fatal(err)
	}
	w := make([]int32, len(X))
	for ti, tr := range f.Trees {
		bootstrap(w, rand.New(rand.NewPCG(cfg.Seed, uint64(ti))), sampleSize(len(X), cfg.SampleFrac))
		draws := make([]int, len(tr.Nodes))
		for i, x := range X {
			j := int32(0)
			for !tr.Nodes[j].Leaf() {
				n := tr.Nodes[j]
				if x[n.Feature] <= float64(n.Value) {
					j = n.Left
				} else {
					j = n.Left + 1
				}
			}
			draws[j] += int(w[i])
		}
		var walk func(j int32, depth int)
		walk = func(j int32, depth int) {
			n := tr.Nodes[j]
			if n.Leaf() {
				visit(ti, depth, draws[j])
				return
			}
			walk(n.Left, depth+1)
			walk(n.Left+1, depth+1)
		}
		walk(0, 0)
	}
}

// TestFitLimits checks MinLeaf and MaxDepth by walking the trees.
func TestFitLimits(t *testing.T) {
	X, y := cascadeData(800, 2)
	cases := []struct {
		name string
		cfg  Config
		// wantDepth is the deepest leaf expected in some tree: MaxDepth
		// when the depth limit binds before MinLeaf does.
		wantDepth int
	}{
		{"defaults", Config{Trees: 10}, -1},
		{"min leaf 1", Config{Trees: 10, MinLeaf: 1}, -1},
		{"min leaf 40", Config{Trees: 10, MinLeaf: 40}, -1},
		// 800 draws with MinLeaf 5 need depth >= log2(800/9) > 6 to be
		// leaves of fewer than 2*5 draws, so depth 3 and 1 bind.
		{"max depth 3", Config{Trees: 10, MaxDepth: 3}, 3},
		{"stumps", Config{Trees: 10, MaxDepth: 1}, 1},
		{"half sample", Config{Trees: 10, SampleFrac: 0.5, MinLeaf: 7, MaxDepth: 6}, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Fit(context.Background(), X, y, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Validate(); err != nil {
				t.Fatal(err)
			}
			cfg, _ := tc.cfg.Resolve(len(X[0]))
			deepest, total := 0, 0
			leafDraws(t, f, X, tc.cfg, func(tree, depth, draws int) {
				total += draws
				deepest = max(deepest, depth)
				if draws < cfg.MinLeaf {
					t.Errorf("tree %d: leaf at depth %d has %d draws, want >= %d", tree, depth, draws, cfg.MinLeaf)
				}
				if cfg.MaxDepth > 0 && depth > cfg.MaxDepth {
					t.Errorf("tree %d: leaf at depth %d, want <= %d", tree, depth, cfg.MaxDepth)
				}
			})
			if want := len(f.Trees) * sampleSize(len(X), cfg.SampleFrac); total != want {
				t.Errorf("leaves hold %d draws, want every draw once: %d", total, want)
			}
			if tc.wantDepth > 0 && deepest != tc.wantDepth {
				t.Errorf("deepest leaf at %d, want %d", deepest, tc.wantDepth)
			}
		})
	}
}

// TestFitExact checks a forest against values worked out by hand.
func TestFitExact(t *testing.T) {
	// Rows x = 0..39 with y = 0 for x < 20 and y = 10 for x >= 20, and
	// MinLeaf 1. Every bootstrap sample holds rows of both halves (it
	// misses one with probability 2^-39), so every tree splits once, between
	// the largest drawn x of the left half, a, and the smallest of the
	// right, b, into two pure leaves. The cut is the first of the grid
	// 0.5, 1.5, ..., 38.5 (the midpoints of neighbouring values) at or
	// above (a+b)/2.
	var X [][]float64
	var y []float64
	for i := range 40 {
		X = append(X, []float64{float64(i)})
		y = append(y, 10*float64(i/20))
	}
	cfg := Config{Trees: 50, MinLeaf: 1, Seed: 3}
	f, err := Fit(context.Background(), X, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Offset is the mean of y, 5; the leaves hold -5 and +5.
	if f.Offset != 5 {
		t.Errorf("Offset = %v, want 5", f.Offset)
	}
	w := make([]int32, len(X))
	for ti, tr := range f.Trees {
		bootstrap(w, rand.New(rand.NewPCG(cfg.Seed, uint64(ti))), len(X))
		a, b := -1, -1
		for i := range 20 {
			if w[i] > 0 {
				a = i
			}
			if w[39-i] > 0 {
				b = 39 - i
			}
		}
		wantCut := math.Ceil(float64(a+b)/2-0.5) + 0.5
		want := []Node{{Feature: 0, Left: 1, Value: float32(wantCut)}, {Feature: -1, Value: -5}, {Feature: -1, Value: 5}}
		if !slices.Equal(tr.Nodes, want) {
			t.Errorf("tree %d (a = %d, b = %d): nodes %v, want %v", ti, a, b, tr.Nodes, want)
		}
	}
	// Rows at the ends are on the same side in every tree.
	for _, tc := range []struct{ x, want float64 }{{-100, 0}, {0, 0}, {39, 10}, {100, 10}} {
		if got := f.Predict([]float64{tc.x}); got != tc.want {
			t.Errorf("Predict(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
	// The only split is on the only feature.
	if imp := f.FeatureImportance(); !slices.Equal(imp, []float64{1}) {
		t.Errorf("importance = %v, want [1]", imp)
	}
}

// TestFitConstant checks degenerate data: a constant target gives single
// leaves and zero importances; constant features cannot be split.
func TestFitConstant(t *testing.T) {
	X, _ := cascadeData(100, 3)
	y := make([]float64, len(X))
	for i := range y {
		y[i] = 0.1
	}
	f, err := Fit(context.Background(), X, y, Config{Trees: 5})
	if err != nil {
		t.Fatal(err)
	}
	for ti, tr := range f.Trees {
		if len(tr.Nodes) != 1 {
			t.Errorf("tree %d has %d nodes, want 1 for a constant target", ti, len(tr.Nodes))
		}
	}
	if got := f.Predict(X[0]); math.Abs(got-0.1) > 1e-15 {
		t.Errorf("Predict = %v, want 0.1", got)
	}
	if imp := f.FeatureImportance(); slices.ContainsFunc(imp, func(v float64) bool { return v != 0 }) {
		t.Errorf("importance = %v, want zeros", imp)
	}
	// All-equal targets make the OOB R^2 undefined.
	if _, r2, _ := f.OOB(); !math.IsNaN(r2) {
		t.Errorf("OOB R^2 = %v, want NaN", r2)
	}

	Xc := [][]float64{{1, 2}, {1, 2}, {1, 2}, {1, 2}}
	f, err = Fit(context.Background(), Xc, []float64{1, 2, 3, 4}, Config{Trees: 3, MinLeaf: 1})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.NumNodes(); n != 3 {
		t.Errorf("constant features: %d nodes, want 3 single-leaf trees", n)
	}
}

func TestFitErrors(t *testing.T) {
	X, y := cascadeData(20, 4)
	withX := func(i, j int, v float64) [][]float64 {
		c := make([][]float64, len(X))
		for k := range X {
			c[k] = slices.Clone(X[k])
		}
		c[i][j] = v
		return c
	}
	withY := func(i int, v float64) []float64 {
		c := slices.Clone(y)
		c[i] = v
		return c
	}
	ragged := withX(0, 0, 0)
	ragged[5] = ragged[5][:3]
	cases := []struct {
		name     string
		X        [][]float64
		y        []float64
		cfg      Config
		want     error
		row, col int // for a *DataError
	}{
		{"NaN feature", withX(3, 1, math.NaN()), y, Config{}, ErrData, 3, 1},
		{"Inf feature", withX(17, 5, math.Inf(-1)), y, Config{}, ErrData, 17, 5},
		{"NaN target", X, withY(4, math.NaN()), Config{}, ErrData, 4, -1},
		{"Inf target", X, withY(0, math.Inf(1)), Config{}, ErrData, 0, -1},
		{"huge target", X, withY(9, 2e38), Config{}, ErrData, 9, -1},
		{"no rows", nil, nil, Config{}, ErrData, 0, 0},
		{"no features", [][]float64{{}, {}}, []float64{1, 2}, Config{}, ErrData, 0, 0},
		{"ragged", ragged, y, Config{}, ErrData, 0, 0},
		{"short y", X, y[:19], Config{}, ErrData, 0, 0},
		{"negative trees", X, y, Config{Trees: -1}, ErrConfig, 0, 0},
		{"negative depth", X, y, Config{MaxDepth: -1}, ErrConfig, 0, 0},
		{"negative min leaf", X, y, Config{MinLeaf: -2}, ErrConfig, 0, 0},
		{"too many features", X, y, Config{MaxFeatures: 7}, ErrConfig, 0, 0},
		{"sample fraction > 1", X, y, Config{SampleFrac: 1.5}, ErrConfig, 0, 0},
		{"sample fraction NaN", X, y, Config{SampleFrac: math.NaN()}, ErrConfig, 0, 0},
		{"negative workers", X, y, Config{Workers: -1}, ErrConfig, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Fit(context.Background(), tc.X, tc.y, tc.cfg)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if f != nil {
				t.Error("forest returned with an error")
			}
			var de *DataError
			if errors.As(err, &de) {
				if de.Row != tc.row || de.Column != tc.col {
					t.Errorf("error at row %d column %d, want %d, %d (%v)", de.Row, de.Column, tc.row, tc.col, err)
				}
			} else if tc.row != 0 || tc.col != 0 {
				t.Errorf("err = %v, want a *DataError", err)
			}
		})
	}
}

// countdownCtx is a context whose Err reports context.Canceled from its n-th
// call on, to cancel Fit part-way without timing.
type countdownCtx struct {
	context.Context
	n    int
	mu   sync.Mutex
	seen int
}

func newCountdownCtx(n int) *countdownCtx {
	return &countdownCtx{Context: context.Background(), n: n}
}

func (c *countdownCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen++
	if c.seen >= c.n {
		return context.Canceled
	}
	return nil
}

func TestFitCancel(t *testing.T) {
	X, y := cascadeData(300, 5)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name string
		ctx  context.Context
		cfg  Config
	}{
		{"cancelled before", done, Config{Trees: 10}},
		// Err is checked before each tree: the 4th check fails, so 3 of
		// the 50 trees are grown.
		{"cancelled during, 1 worker", newCountdownCtx(4), Config{Trees: 50, Workers: 1}},
		{"cancelled during, 4 workers", newCountdownCtx(10), Config{Trees: 50, Workers: 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Fit(tc.ctx, X, y, tc.cfg)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if f != nil {
				t.Error("forest returned with an error")
			}
		})
	}
}

func TestCutBetween(t *testing.T) {
	cases := []struct {
		u, v float64
		want float32
		ok   bool
	}{
		{4, 5, 4.5, true},                // exact midpoint
		{-1, 1, 0, true},                 // midpoint 0
		{0.1, 0.2, 0.15, true},           // float32(0.15) lies between
		{1 + 1e-12, 1 + 2e-12, 0, false}, // no float32 in [u, v)
		{1, 1 + 1e-12, 1, true},          // u itself is a float32
		// The midpoint 1+1.5*2^-23 ties between two float32s and rounds to
		// the even one, v itself; u is a float32 and is taken instead.
		{1 + 0x1p-23, 1 + 0x1p-22, 1 + 0x1p-23, true},
		{1e39, 2e39, 0, false}, // beyond float32
		// The midpoint -1e39 overflows float32; the float32 just above u
		// is -MaxFloat32, which separates u from 0.
		{-2e39, 0, -math.MaxFloat32, true},
	}
	for _, tc := range cases {
		got, ok := cutBetween(tc.u, tc.v)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("cutBetween(%v, %v) = %v, %v; want %v, %v", tc.u, tc.v, got, ok, tc.want, tc.ok)
		}
		if ok && !(tc.u <= float64(got) && float64(got) < tc.v) {
			t.Errorf("cutBetween(%v, %v) = %v, not in [u, v)", tc.u, tc.v, got)
		}
	}
}

func TestRoundLeaf(t *testing.T) {
	cases := []struct {
		v    float64
		want float32
	}{
		{0, 0},
		{1, 1},
		{-3.5, -3.5},
		{1 + 0x1p-16, 1},           // a tie (half of 2^-15) rounds to even: 1
		{1 + 0x1p-15, 1 + 0x1p-15}, // 16 significant bits kept
		{1 + 0x1p-17, 1},           // below half an ulp
		{0x1.ffff8p0, 2},           // rounds up into the next binade
		{1e-40, 0},                 // below normal float32: flushed
		{3e38, 2.99998e38},         // largest magnitudes stay finite
	}
	for _, tc := range cases {
		got := roundLeaf(tc.v)
		if tc.v == 3e38 {
			if math.IsInf(float64(got), 0) || math.Abs(float64(got)-3e38) > 3e38*0x1p-16 || !leafRounded(got) {
				t.Errorf("roundLeaf(%v) = %v", tc.v, got)
			}
			continue
		}
		if got != tc.want || !leafRounded(got) {
			t.Errorf("roundLeaf(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestPredictBatch(t *testing.T) {
	X, y := cascadeData(200, 6)
	f, err := Fit(context.Background(), X, y, Config{Trees: 10})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float64, 3, len(X))
	got := f.PredictBatch(dst, X)
	if len(got) != len(X) || &got[0] != &dst[0] {
		t.Fatalf("PredictBatch did not reuse dst of capacity %d", cap(dst))
	}
	for i, x := range X {
		if got[i] != f.Predict(x) {
			t.Fatalf("row %d: PredictBatch %v, Predict %v", i, got[i], f.Predict(x))
		}
	}
	if got := f.PredictBatch(nil, X[:0]); len(got) != 0 {
		t.Errorf("PredictBatch of no rows returned %d values", len(got))
	}
	if allocs := testing.AllocsPerRun(100, func() { f.Predict(X[7]) }); allocs != 0 {
		t.Errorf("Predict allocates %v times, want 0", allocs)
	}
}

func TestValidate(t *testing.T) {
	good := func() *Forest {
		return &Forest{NFeatures: 2, Importance: []float64{1, 0}, Trees: []Tree{{Nodes: []Node{
			{Feature: 1, Left: 1, Value: 0.5}, {Feature: -1, Value: -1}, {Feature: -1, Value: 1},
		}}}}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("valid forest: %v", err)
	}
	cases := []struct {
		name   string
		break_ func(f *Forest)
	}{
		{"no trees", func(f *Forest) { f.Trees = nil }},
		{"empty tree", func(f *Forest) { f.Trees[0].Nodes = nil }},
		{"no features", func(f *Forest) { f.NFeatures = 0 }},
		{"importances", func(f *Forest) { f.Importance = f.Importance[:1] }},
		{"NaN offset", func(f *Forest) { f.Offset = math.NaN() }},
		{"feature out of range", func(f *Forest) { f.Trees[0].Nodes[0].Feature = 2 }},
		{"leaf feature -2", func(f *Forest) { f.Trees[0].Nodes[1].Feature = -2 }},
		{"leaf with child", func(f *Forest) { f.Trees[0].Nodes[1].Left = 2 }},
		{"child backwards", func(f *Forest) { f.Trees[0].Nodes[0].Left = 0 }},
		{"child outside", func(f *Forest) { f.Trees[0].Nodes[0].Left = 2 }},
		{"NaN threshold", func(f *Forest) { f.Trees[0].Nodes[0].Value = float32(math.NaN()) }},
		{"Inf leaf", func(f *Forest) { f.Trees[0].Nodes[2].Value = float32(math.Inf(1)) }},
		{"unrounded leaf", func(f *Forest) { f.Trees[0].Nodes[2].Value = 1 + 0x1p-20 }},
	}
	for _, tc := range cases {
		f := good()
		tc.break_(f)
		if err := f.Validate(); err == nil {
			t.Errorf("%s: Validate accepted the forest", tc.name)
		}
	}
}
