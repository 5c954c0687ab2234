package train

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Quantiles is what a random forest needs to be a quantile regression forest
// (Meinshausen 2006): the training targets and, for each tree, the leaf each
// in-bag training row fell in and how many times its bootstrap sample drew
// it. The forest then estimates the conditional distribution of the target
// at x by weighting each training target with the mean, over the trees, of
// its share of the draws in the leaf x reaches (a row drawn k times in a
// leaf of W draws has weight k/W in that tree).
//
// The in-bag weights (rather than every training row in the leaf, as in
// Meinshausen's paper) make out-of-bag quantiles honest: a row's out-of-bag
// distribution uses only trees that never saw it, and so can calibrate the
// intervals (see Forest.OOBQuantiles).
type Quantiles struct {
	// Y holds the training targets, rounded to float32.
	Y []float64
	// InBag[t][i] is the number of times tree t's bootstrap sample drew
	// row i.
	InBag [][]int32
	// Leaf[t][i] is the index in Trees[t].Nodes of the leaf in-bag row i
	// reached, -1 for a row tree t did not draw.
	Leaf [][]int32

	// oobLeaf[t][i], when not nil, is the leaf of tree t that row i
	// reached out of bag as the tree grew (FitQuantiles): OOBDist reads
	// it instead of walking the tree.
	oobLeaf [][]int32

	order   []int32   // rows by increasing Y
	start   [][]int32 // start[t][j]: first member of node j of tree t, len nodes+1
	members [][]int32 // members[t][start[t][j]:start[t][j+1]]: the rows of leaf j
	weight  [][]float64
}

// AddQuantiles attaches to f, grown by Fit or FitOOB on X and y with the
// settings cfg, the Quantiles that make it a quantile regression forest. It
// draws each tree's bootstrap sample again from its seed, as Fit did, so it
// must be given the same X, y and cfg.
func AddQuantiles(f *Forest, X [][]float64, y []float64, cfg Config) error {
	if f.Sum {
		return fmt.Errorf("train: quantiles of boosted trees")
	}
	d, err := checkData(X, y)
	if err != nil {
		return err
	}
	if d != f.NFeatures {
		return fmt.Errorf("train: quantiles: %d features, forest has %d", d, f.NFeatures)
	}
	cfg, err = cfg.Resolve(d)
	if err != nil {
		return err
	}
	if cfg.Trees != len(f.Trees) {
		return fmt.Errorf("train: quantiles: config has %d trees, forest %d", cfg.Trees, len(f.Trees))
	}
	return addQuantiles(f, X, y, cfg, nil)
}

// FitQuantiles grows a quantile regression forest: FitOOB and then
// AddQuantiles, the same forest and out-of-bag predictions, but with the
// leaf each training row reached kept as the trees grew rather than found
// again by walking them, in bag (Quantiles.Leaf) and out of bag (which
// OOBDist then reads).
func FitQuantiles(ctx context.Context, X [][]float64, y []float64, cfg Config) (*Forest, []float64, error) {
	f, oob, rows, err := fitOOB(ctx, X, y, cfg, true)
	if err != nil {
		return nil, nil, err
	}
	if err := addQuantiles(f, X, y, cfg, rows); err != nil {
		return nil, nil, err
	}
	return f, oob, nil
}

// addQuantiles is AddQuantiles, taking the bootstrap counts and leaves
// from rows when not nil (the forest's cfg already checked by fitOOB).
func addQuantiles(f *Forest, X [][]float64, y []float64, cfg Config, rows *grownRows) error {
	n := len(X)
	q := &Quantiles{Y: make([]float64, n), InBag: make([][]int32, len(f.Trees)), Leaf: make([][]int32, len(f.Trees))}
	for i, v := range y {
		q.Y[i] = float64(float32(v))
	}
	if rows != nil {
		q.oobLeaf = rows.leaf
	}
	m := sampleSize(n, cfg.SampleFrac)
	for t := range f.Trees {
		var w []int32
		if rows != nil {
			w = rows.inBag[t]
		} else {
			w = make([]int32, n)
			bootstrap(w, rand.New(rand.NewPCG(cfg.Seed, uint64(t))), m)
		}
		leaf := make([]int32, n)
		for i := range leaf {
			leaf[i] = -1
			switch {
			case w[i] == 0:
			case rows != nil:
				leaf[i] = rows.leaf[t][i]
			default:
				leaf[i] = f.Trees[t].leaf(X[i])
			}
		}
		q.InBag[t], q.Leaf[t] = w, leaf
	}
	if err := q.build(f); err != nil {
		return fmt.Errorf("train: quantiles: %w", err) // cannot happen on a fitted forest
	}
	f.Quantiles = q
	return nil
}

// leaf returns the index of the leaf x reaches.
func (t *Tree) leaf(x []float64) int32 {
	nodes := t.Nodes
	j := int32(0)
	for {
		n := &nodes[j]
		if n.Feature < 0 {
			return j
		}
		if x[n.Feature] <= float64(n.Value) {
			j = n.Left
		} else {
			j = n.Left + 1
		}
	}
}

// build checks q against f and builds the leaf member lists: every row
// in-bag in a tree must sit in a leaf of it, and every leaf must hold at
// least one draw.
func (q *Quantiles) build(f *Forest) error {
	n := len(q.Y)
	if n == 0 || len(q.InBag) != len(f.Trees) || len(q.Leaf) != len(f.Trees) {
		return fmt.Errorf("%d rows, %d and %d trees for a forest of %d", n, len(q.InBag), len(q.Leaf), len(f.Trees))
	}
	for i, v := range q.Y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("target %d is %v", i, v)
		}
	}
	q.order = make([]int32, n)
	for i := range q.order {
		q.order[i] = int32(i)
	}
	slices.SortStableFunc(q.order, func(a, b int32) int { return cmp.Compare(q.Y[a], q.Y[b]) })
	q.start = make([][]int32, len(f.Trees))
	q.members = make([][]int32, len(f.Trees))
	q.weight = make([][]float64, len(f.Trees))
	for t := range f.Trees {
		nodes := f.Trees[t].Nodes
		w, leaf := q.InBag[t], q.Leaf[t]
		if len(w) != n || len(leaf) != n {
			return fmt.Errorf("tree %d: %d counts and %d leaves for %d rows", t, len(w), len(leaf), n)
		}
		start := make([]int32, len(nodes)+1)
		draws := make([]int64, len(nodes))
		for i := range n {
			if w[i] < 0 || (w[i] == 0) != (leaf[i] < 0) {
				return fmt.Errorf("tree %d row %d: count %d, leaf %d", t, i, w[i], leaf[i])
			}
			if w[i] == 0 {
				continue
			}
			if int(leaf[i]) >= len(nodes) || !nodes[leaf[i]].Leaf() {
				return fmt.Errorf("tree %d row %d: node %d is not a leaf", t, i, leaf[i])
			}
			start[leaf[i]+1]++
			draws[leaf[i]] += int64(w[i])
		}
		for j := range nodes {
			if nodes[j].Leaf() && draws[j] == 0 {
				return fmt.Errorf("tree %d: leaf %d holds no draw", t, j)
			}
			start[j+1] += start[j]
		}
		members := make([]int32, start[len(nodes)])
		weight := make([]float64, len(members))
		next := slices.Clone(start[:len(nodes)])
		for i := range n {
			if j := leaf[i]; j >= 0 {
				members[next[j]] = int32(i)
				weight[next[j]] = float64(w[i]) / float64(draws[j])
				next[j]++
			}
		}
		q.start[t], q.members[t], q.weight[t] = start, members, weight
	}
	return nil
}

// quantiles writes into dst (len(taus)) the weighted quantiles of Y under
// the row weights acc, which it then clears; taus must be increasing. The
// quantile tau is the smallest target whose cumulative weight reaches tau
// times the total (up to a relative 1e-9 for rounding). With no weight, dst
// is NaN.
func (q *Quantiles) quantiles(dst, acc, taus []float64) {
	var total float64
	for _, v := range acc {
		total += v
	}
	if total <= 0 {
		for k := range dst {
			dst[k] = math.NaN()
		}
		clear(acc)
		return
	}
	k := 0
	var cum float64
	for _, i := range q.order {
		if acc[i] == 0 {
			continue
		}
		cum += acc[i]
		for k < len(taus) && cum >= taus[k]*total*(1-1e-9) {
			dst[k] = q.Y[i]
			k++
		}
		if k == len(taus) {
			break
		}
	}
	for ; k < len(taus); k++ {
		dst[k] = q.Y[q.order[len(q.order)-1]]
	}
	clear(acc)
}

// PredictQuantiles returns the quantiles taus (increasing, in (0, 1)) of the
// quantile regression forest's conditional distribution of the target at
// x, in dst when it has room. f must have Quantiles.
func (f *Forest) PredictQuantiles(dst []float64, x []float64, taus []float64) []float64 {
	q := f.Quantiles
	if q == nil {
		panic("train: PredictQuantiles on a forest without quantiles")
	}
	if len(x) < f.NFeatures {
		panic(fmt.Sprintf("train: row of %d values, forest has %d features", len(x), f.NFeatures))
	}
	if cap(dst) < len(taus) {
		dst = make([]float64, len(taus))
	}
	dst = dst[:len(taus)]
	acc := make([]float64, len(q.Y))
	for t := range f.Trees {
		q.addLeaf(acc, t, f.Trees[t].leaf(x))
	}
	q.quantiles(dst, acc, taus)
	return dst
}

// addLeaf adds to acc the weights of the members of leaf j of tree t, in
// order. It is a function of its own, not inlined, so that the compiler
// keeps its loop's variables in registers (see partitionBoth): written out
// in dist, the loop reloaded the slices and their bounds from the stack at
// every member.
//
//go:noinline
func (q *Quantiles) addLeaf(acc []float64, t int, j int32) {
	s := q.start[t]
	a, b := s[j], s[j+1]
	members, weight := q.members[t][a:b], q.weight[t][a:b]
	weight = weight[:len(members)]
	for k, m := range members {
		acc[m] += weight[k]
	}
}

// OOBQuantiles returns, for each row of X, the training rows of f in the
// same order, the quantiles taus (increasing) of its out-of-bag conditional
// distribution: the weights of only the trees whose bootstrap sample missed
// it. A row that every tree drew gets NaN. f must have Quantiles.
// It is OOBDist and Dist.Quantiles.
func (f *Forest) OOBQuantiles(X [][]float64, taus []float64) ([][]float64, error) {
	d, err := f.OOBDist(X)
	if err != nil {
		return nil, err
	}
	return d.Quantiles(taus), nil
}

// Dist is the conditional distribution of each of a set of rows under a
// quantile regression forest, out of bag (Forest.OOBDist) or from every
// tree (Forest.Dist), from which Dist.Quantiles reads the quantiles at any
// levels: computed once, it serves every set of levels a calibration asks
// for.
type Dist struct {
	last  float64   // the largest training target (the last of q.order)
	total []float64 // total[i]: row i's total weight
	start []int32   // row i's entries are y and cum [start[i]:start[i+1]]
	y     []float64 // the targets of row i's weighted rows, increasing
	cum   []float64 // their cumulative weights
}

// OOBDist returns the out-of-bag distributions of the rows of X, the
// training rows of f in the same order (see OOBQuantiles). f must have
// Quantiles.
func (f *Forest) OOBDist(X [][]float64) (*Dist, error) {
	q := f.Quantiles
	if q == nil {
		return nil, fmt.Errorf("train: out-of-bag quantiles of a forest without quantiles")
	}
	if len(X) != len(q.Y) {
		return nil, fmt.Errorf("train: out-of-bag quantiles of %d rows, forest trained on %d", len(X), len(q.Y))
	}
	return f.dist(X, true, nil)
}

// Dist returns the conditional distributions of the rows X under every
// tree, those PredictQuantiles reads its quantiles from. f must have
// Quantiles.
func (f *Forest) Dist(X [][]float64) (*Dist, error) {
	if f.Quantiles == nil {
		return nil, fmt.Errorf("train: quantiles of a forest without quantiles")
	}
	return f.dist(X, false, nil)
}

// PredictDist returns Predict of each row of X and Dist(X), walking each
// tree once per row for both. f must have Quantiles.
func (f *Forest) PredictDist(X [][]float64) ([]float64, *Dist, error) {
	if f.Quantiles == nil {
		return nil, nil, fmt.Errorf("train: quantiles of a forest without quantiles")
	}
	pred := make([]float64, len(X))
	d, err := f.dist(X, false, pred)
	if err != nil {
		return nil, nil, err
	}
	return pred, d, nil
}

// dist computes the distributions of the rows of X, out of bag when oob
// is set (X being the training rows); otherwise, when pred is not nil, it
// also sets pred[i] to Predict(X[i]), summing the leaves it reaches as
// Predict does.
func (f *Forest) dist(X [][]float64, oob bool, pred []float64) (*Dist, error) {
	q := f.Quantiles
	acc := make([]float64, len(q.Y))
	d := &Dist{last: q.Y[q.order[len(q.order)-1]], total: make([]float64, len(X)), start: make([]int32, 1, len(X)+1)}
	for i, x := range X {
		if len(x) < f.NFeatures {
			return nil, fmt.Errorf("train: row %d has %d values, forest %d features", i, len(x), f.NFeatures)
		}
		var sum float64
		for t := range f.Trees {
			if oob && q.InBag[t][i] > 0 {
				continue
			}
			var j int32
			if oob && q.oobLeaf != nil {
				j = q.oobLeaf[t][i]
			} else {
				j = f.Trees[t].leaf(x)
				sum += float64(f.Trees[t].Nodes[j].Value)
			}
			q.addLeaf(acc, t, j)
		}
		if pred != nil {
			pred[i] = f.sumPrediction(sum)
		}
		d.add(i, acc, q)
	}
	return d, nil
}

// add sets row i's distribution from its weights acc, which it then
// clears, summed and scanned as Quantiles.quantiles does. It is not
// inlined for addLeaf's reason.
//
//go:noinline
func (d *Dist) add(i int, acc []float64, q *Quantiles) {
	var total float64
	for _, v := range acc {
		total += v
	}
	d.total[i] = total
	if total > 0 {
		ys, cums := d.y, d.cum
		var cum float64
		for _, r := range q.order {
			if acc[r] == 0 {
				continue
			}
			cum += acc[r]
			ys = append(ys, q.Y[r])
			cums = append(cums, cum)
		}
		d.y, d.cum = ys, cums
	}
	d.start = append(d.start, int32(len(d.y)))
	clear(acc)
}

// Quantiles returns, for each row, its quantiles taus (increasing): those
// quantiles gives from the row's weights, NaN for a row without any.
func (d *Dist) Quantiles(taus []float64) [][]float64 {
	out := make([][]float64, len(d.total))
	for i := range out {
		out[i] = make([]float64, len(taus))
		d.quantiles(out[i], i, taus)
	}
	return out
}

// RowQuantiles writes row i's quantiles taus (increasing) into dst when it
// has room and returns it: those of Quantiles.
func (d *Dist) RowQuantiles(dst []float64, i int, taus []float64) []float64 {
	if cap(dst) < len(taus) {
		dst = make([]float64, len(taus))
	}
	dst = dst[:len(taus)]
	d.quantiles(dst, i, taus)
	return dst
}

// quantiles writes row i's quantiles taus into dst (len(taus)), as
// Quantiles.quantiles does from the row's weights: the first target whose
// cumulative weight reaches tau times the total (less a relative 1e-9),
// the largest training target when none does, NaN without weight.
func (d *Dist) quantiles(dst []float64, i int, taus []float64) {
	total := d.total[i]
	if total <= 0 {
		for k := range dst {
			dst[k] = math.NaN()
		}
		return
	}
	y, cum := d.y[d.start[i]:d.start[i+1]], d.cum[d.start[i]:d.start[i+1]]
	e := 0
	for k, tau := range taus {
		for e < len(cum) && !(cum[e] >= tau*total*(1-1e-9)) {
			e++
		}
		if e == len(cum) {
			dst[k] = d.last
			continue
		}
		dst[k] = y[e]
	}
}
