package train

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
)

// Fit grows a random forest on the rows of X (n rows of d features each,
// X[i][j] being feature j of row i) and the targets y (len(y) == n). X and y
// are not modified or retained.
//
// Every value must be finite, and every target within ±1e38;
// otherwise Fit returns a *DataError naming the row and column. Empty, ragged
// or mismatched inputs and out-of-range settings return errors wrapping
// ErrData and ErrConfig.
//
// Trees are grown cfg.Workers at a time; tree t uses only the random stream
// rand.NewPCG(cfg.Seed, t), and the out-of-bag error and the importances are
// summed in tree order, so the forest does not depend on Workers. Fit checks
// ctx before each tree and returns an error wrapping ctx.Err() if ctx is done
// before every tree is grown.
func Fit(ctx context.Context, X [][]float64, y []float64, cfg Config) (*Forest, error) {
	f, _, err := FitOOB(ctx, X, y, cfg)
	return f, err
}

// FitOOB is Fit that also returns the out-of-bag prediction of each
// training row: the mean prediction of the trees whose bootstrap sample
// missed it, NaN for a row that every tree drew. The forest is the one Fit
// grows.
func FitOOB(ctx context.Context, X [][]float64, y []float64, cfg Config) (*Forest, []float64, error) {
	f, oob, _, err := fitOOB(ctx, X, y, cfg, false)
	return f, oob, err
}

// grownRows is where a forest's training rows went as its trees grew: for
// tree t, inBag[t][i] is row i's bootstrap count and leaf[t][i] the index
// of the leaf it reached, in bag or out of bag.
type grownRows struct {
	inBag, leaf [][]int32
}

// fitOOB is FitOOB that also returns the rows' leaves when keep is set.
func fitOOB(ctx context.Context, X [][]float64, y []float64, cfg Config, keep bool) (*Forest, []float64, *grownRows, error) {
	d, err := checkData(X, y)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, err = cfg.Resolve(d)
	if err != nil {
		return nil, nil, nil, err
	}
	n := len(X)
	var offset float64
	for _, v := range y {
		offset += v
	}
	offset /= float64(n)
	b := binData(X, d)
	m := sampleSize(n, cfg.SampleFrac)

	trees := make([]Tree, cfg.Trees)
	results := make([]treeResult, cfg.Trees)
	var rows *grownRows
	if keep {
		rows = &grownRows{inBag: make([][]int32, cfg.Trees), leaf: make([][]int32, cfg.Trees)}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(cfg.Workers, cfg.Trees) {
		wg.Go(func() {
			g := newGrower(b, y, offset, cfg, m)
			if keep {
				g.leafOf = make([]int32, n)
			}
			for ctx.Err() == nil {
				t := int(next.Add(1) - 1)
				if t >= cfg.Trees {
					return
				}
				trees[t] = g.grow(uint64(t))
				results[t] = g.result()
				if keep {
					rows.inBag[t], rows.leaf[t] = slices.Clone(g.w), slices.Clone(g.leafOf)
				}
			}
		})
	}
	wg.Wait()
	if int(next.Load()) < cfg.Trees {
		return nil, nil, nil, fmt.Errorf("train: fit forest: %w", ctx.Err())
	}

	f := &Forest{NFeatures: d, Offset: offset, Trees: trees, Importance: make([]float64, d)}
	sum := make([]float64, n)
	count := make([]int32, n)
	for t := range results {
		r := &results[t]
		for k, i := range r.oobRows {
			sum[i] += offset + r.oobPred[k]
			count[i]++
		}
		for j, g := range r.gain {
			f.Importance[j] += g
		}
	}
	f.OOBStats = oobStats(y, sum, count)
	normalise(f.Importance)
	oob := make([]float64, n)
	for i := range oob {
		oob[i] = math.NaN()
		if count[i] > 0 {
			oob[i] = sum[i] / float64(count[i])
		}
	}
	return f, oob, rows, nil
}

// maxTarget bounds the targets so that a leaf's deviation from the mean
// target, at most 2*maxTarget, fits in a float32.
const maxTarget = 1e38

// checkData returns the number of features of X after checking X and y.
func checkData(X [][]float64, y []float64) (int, error) {
	if len(X) == 0 {
		return 0, fmt.Errorf("%w: no rows", ErrData)
	}
	if len(y) != len(X) {
		return 0, fmt.Errorf("%w: %d rows but %d targets", ErrData, len(X), len(y))
	}
	if len(X) > math.MaxInt32 {
		return 0, fmt.Errorf("%w: %d rows, want at most %d", ErrData, len(X), math.MaxInt32)
	}
	d := len(X[0])
	if d == 0 {
		return 0, fmt.Errorf("%w: rows have no features", ErrData)
	}
	for i, x := range X {
		if len(x) != d {
			return 0, fmt.Errorf("%w: row %d has %d features, row 0 has %d", ErrData, i, len(x), d)
		}
		for j, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, &DataError{Row: i, Column: j, Value: v, Reason: "not finite"}
			}
		}
		if v := y[i]; math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, &DataError{Row: i, Column: -1, Value: v, Reason: "not finite"}
		} else if math.Abs(v) > maxTarget {
			return 0, &DataError{Row: i, Column: -1, Value: v, Reason: "beyond ±1e38"}
		}
	}
	return d, nil
}

// oobStats computes the out-of-bag error from the summed predictions and
// their counts.
func oobStats(y, sum []float64, count []int32) OOBStats {
	var n int
	var mean float64
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for i, c := range count {
		if c > 0 {
			n++
			mean += y[i]
			ymin, ymax = min(ymin, y[i]), max(ymax, y[i])
		}
	}
	if n == 0 {
		return OOBStats{MSE: math.NaN(), R2: math.NaN()}
	}
	mean /= float64(n)
	var rss, tss float64
	for i, c := range count {
		if c > 0 {
			e := y[i] - sum[i]/float64(c)
			rss += e * e
			v := y[i] - mean
			tss += v * v
		}
	}
	r2 := math.NaN()
	if ymin < ymax && tss > 0 {
		r2 = 1 - rss/tss
	}
	return OOBStats{MSE: rss / float64(n), R2: r2, N: n}
}

// normalise scales v to sum 1, leaving it alone if its sum is 0.
func normalise(v []float64) {
	var s float64
	for _, x := range v {
		s += x
	}
	if s > 0 {
		for i := range v {
			v[i] /= s
		}
	}
}

// binned is the training data as ranks. Each feature's distinct values are
// grouped into bins, in increasing order, separated by float32 cut points:
// every value of bin k is <= cut[k] < every value of bin k+1. Values too
// close to be separated by a float32 share a bin. Splitting on bins
// reproduces exactly the partition that x[j] <= cut gives at prediction.
type binned struct {
	bin   [][]int32   // bin[j][i]: bin of X[i][j]
	cut   [][]float32 // cut[j][k]: threshold between bins k and k+1
	lo    [][]float64 // lo[j][k]: smallest value in bin k
	hi    [][]float64 // hi[j][k]: largest value in bin k
	order [][]entry   // order[j]: rows sorted by X[i][j], then by i, with their bins of j
}

// splitCut returns the cut index for a split of feature j between a node's
// neighbouring bins a < b: the first cut at or above the midpoint of the
// largest value of bin a and the smallest of bin b, or the last one before b.
// Every cut from a to b-1 splits the node's rows alike; this one puts the
// boundary where CART's midpoint rule would.
func (bd *binned) splitCut(j int, a, b int32) int32 {
	mid := bd.hi[j][a]/2 + bd.lo[j][b]/2
	cuts := bd.cut[j][a:b]
	k, _ := slices.BinarySearchFunc(cuts, mid, func(c float32, m float64) int {
		return cmp.Compare(float64(c), m)
	})
	return a + int32(min(k, len(cuts)-1))
}

func binData(X [][]float64, d int) *binned {
	n := len(X)
	b := &binned{
		bin:   make([][]int32, d),
		cut:   make([][]float32, d),
		lo:    make([][]float64, d),
		hi:    make([][]float64, d),
		order: make([][]entry, d),
	}
	for j := range d {
		order := make([]int32, n)
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(a, c int32) int {
			if r := cmp.Compare(X[a][j], X[c][j]); r != 0 {
				return r
			}
			return cmp.Compare(a, c)
		})
		bin := make([]int32, n)
		var cuts []float32
		k := int32(0)
		u := X[order[0]][j]
		lo, hi := []float64{u}, []float64{u}
		for _, i := range order[1:] {
			if v := X[i][j]; v != u {
				if c, ok := cutBetween(u, v); ok {
					cuts = append(cuts, c)
					lo = append(lo, v)
					hi = append(hi, v)
					k++
				}
				hi[k] = v
				u = v
			}
			bin[i] = k
		}
		entries := make([]entry, n)
		for k, i := range order {
			entries[k] = makeEntry(i, bin[i])
		}
		b.bin[j], b.cut[j], b.lo[j], b.hi[j], b.order[j] = bin, cuts, lo, hi, entries
	}
	return b
}

// cutBetween returns a float32 c with u <= c < v, preferring the midpoint,
// and false if there is none.
func cutBetween(u, v float64) (float32, bool) {
	ok := func(c float32) bool {
		x := float64(c)
		return !math.IsInf(x, 0) && u <= x && x < v
	}
	if c := float32(u/2 + v/2); ok(c) {
		return c, true
	}
	c := float32(u)
	if float64(c) < u {
		c = math.Nextafter32(c, float32(math.Inf(1)))
	}
	return c, ok(c)
}

// treeResult is what a tree contributes besides its nodes: its out-of-bag
// predictions and its decrease in squared error per feature.
type treeResult struct {
	oobRows []int32
	oobPred []float64
	gain    []float64
}

// grower grows trees; each worker has its own.
type grower struct {
	b      *binned
	y      []float64
	offset float64
	cfg    Config
	d      int
	m      int // draws per bootstrap sample

	w     []int32   // bootstrap count of each row
	rs    []rowStat // target and bootstrap count of each row
	cd    []centred // the current node's rows' centred targets and counts
	lists [][]entry // lists[j][lo:hi]: the node's in-bag rows sorted by bin j
	left  []int32   // per row: 1 if it goes to the left child of the current split
	tmp   []entry
	otmp  []int32
	feats []int
	stack []task
	nodes []Node
	gain  []float64
	// oob[olo:ohi] are the out-of-bag rows that reach a node, in
	// increasing order; each is sent down the splits by its bin, which
	// for a training row is the side x[j] <= cut gives (see binned), so
	// that oobVal[i], set where it reaches a leaf, is the tree's
	// prediction of row i without walking the tree.
	oob    []int32
	oobVal []float32
	// leafOf[i], when not nil, is set to the leaf row i reaches, in bag
	// or out of bag (fitOOB's keep).
	leafOf []int32
}

// rowStat is a row's target and its bootstrap count in the tree being
// grown, side by side for split's loops.
type rowStat struct {
	y float64
	w int32
}

// centred is a row's target less the mean target of the node being split,
// d, and its bootstrap count w, as a float64 (exact).
type centred struct {
	d, w float64
}

// entry is a row of a feature's list (its low 32 bits) and its bin of
// that feature (its high 32 bits), kept beside it so that the scan of the
// list reads the bins in order rather than looking each up by row. One
// word, it is moved by one instruction.
type entry uint64

// makeEntry returns the entry of row i in bin b.
func makeEntry(i, b int32) entry { return entry(uint32(i)) | entry(uint32(b))<<32 }

// row returns e's row.
func (e entry) row() int32 { return int32(uint32(e)) }

// bin returns e's bin.
func (e entry) bin() int32 { return int32(uint32(e >> 32)) }

// task is a node waiting to be grown: its index, the range of its rows in
// the lists, and its depth.
type task struct {
	node, lo, hi int32
	olo, ohi     int32 // the node's range of out-of-bag rows in oob
	depth        int
	// constant has bit j set for a feature j < 64 known to be constant
	// on the node's rows (one bin): its list is neither scanned nor
	// partitioned below (but list 0, which leaves read).
	constant uint64
}

// constantBit returns the bit of feature j in task.constant, 0 for j >= 64
// or when every list is partitioned in full (partitionAll).
func constantBit(j int) uint64 {
	if j >= 64 || partitionAll {
		return 0
	}
	return 1 << j
}

func newGrower(b *binned, y []float64, offset float64, cfg Config, m int) *grower {
	n, d := len(y), len(b.bin)
	g := &grower{
		b: b, y: y, offset: offset, cfg: cfg, d: d, m: m,
		w:      make([]int32, n),
		rs:     make([]rowStat, n),
		cd:     make([]centred, n),
		lists:  make([][]entry, d),
		left:   make([]int32, n),
		tmp:    make([]entry, n),
		otmp:   make([]int32, n),
		feats:  make([]int, d),
		oob:    make([]int32, 0, n),
		oobVal: make([]float32, n),
	}
	for j := range d {
		g.lists[j] = make([]entry, 0, n)
	}
	return g
}

// grow grows tree t.
func (g *grower) grow(t uint64) Tree {
	rng := rand.New(rand.NewPCG(g.cfg.Seed, t))
	bootstrap(g.w, rng, g.m)
	for i, w := range g.w {
		g.rs[i] = rowStat{y: g.y[i], w: w}
	}
	// The in-bag rows of each list, in order, without branches (whether
	// a row was drawn is a coin toss): each row is written and kept if
	// drawn.
	n := len(g.w)
	var constant uint64 // features of one bin on every row
	for j := range g.d {
		if len(g.b.cut[j]) == 0 && j != 0 {
			constant |= constantBit(j)
		}
		if constant&constantBit(j) != 0 {
			continue
		}
		g.lists[j] = inBag(g.lists[j][:n], g.b.order[j], g.w)
	}
	oob := g.oob[:n]
	p := 0
	for i, w := range g.w {
		oob[p] = int32(i)
		p += 1 - int(min(w, 1))
	}
	g.oob = oob[:p]
	for j := range g.feats {
		g.feats[j] = j
	}
	g.gain = make([]float64, g.d)
	g.nodes = append(g.nodes[:0], Node{})
	g.stack = append(g.stack[:0], task{node: 0, lo: 0, hi: int32(len(g.lists[0])), olo: 0, ohi: int32(len(g.oob)), constant: constant})
	for len(g.stack) > 0 {
		tk := g.stack[len(g.stack)-1]
		g.stack = g.stack[:len(g.stack)-1]
		g.split(rng, tk)
	}
	return Tree{Nodes: slices.Clone(g.nodes)}
}

// sampleSize returns the number of draws in a bootstrap sample of n rows.
func sampleSize(n int, frac float64) int {
	return max(1, int(math.Round(frac*float64(n))))
}

// bootstrap sets w[i] to the number of times row i is drawn in m draws with
// replacement from rng.
func bootstrap(w []int32, rng *rand.Rand, m int) {
	clear(w)
	for range m {
		w[rng.IntN(len(w))]++
	}
}

// noGain is why split may pass over a position without dividing: with b =
// bestGain*den rounded (a normal float) and num <= b*(1-2^-50) rounded,
// num < bestGain*den exactly (two roundings move b by at most 2^-52
// relatively), so num/den < bestGain and its rounding is at most
// bestGain: the gain would not be taken. exactGains makes split divide at
// every position, the reference its test compares with.
var exactGains = false

// partitionAll makes split partition every list in full, as it did before
// it left out the rows of children that will be leaves: the reference its
// test compares with.
var partitionAll = false

// split makes node tk.node a leaf, or a split node whose children it pushes
// on the stack, left on top.
func (g *grower) split(rng *rand.Rand, tk task) {
	rows := g.lists[0][tk.lo:tk.hi]
	var wsum int
	var ysum float64
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, e := range rows {
		r := g.rs[e.row()]
		w, y := r.w, r.y
		wsum += int(w)
		ysum += float64(w) * y
		// Comparisons rather than min and max, which also handle NaNs
		// and signed zeros: the targets are finite, and ymin == ymax
		// below holds alike for either zero.
		if y < ymin {
			ymin = y
		}
		if y > ymax {
			ymax = y
		}
	}
	mean := ysum / float64(wsum)
	leaf := roundLeaf(mean - g.offset)
	g.nodes[tk.node] = Node{Feature: -1, Value: leaf}
	minLeaf := g.cfg.MinLeaf
	if wsum < 2*minLeaf || ymin == ymax || (g.cfg.MaxDepth > 0 && tk.depth >= g.cfg.MaxDepth) {
		g.oobLeaf(tk, leaf)
		return
	}
	// Each row's centred target, computed once for the features' scans,
	// which add w*d as they did w*(y-mean).
	var sse float64
	for _, e := range rows {
		r := g.rs[e.row()]
		d := r.y - mean
		g.cd[e.row()] = centred{d: d, w: float64(r.w)}
		sse += float64(r.w) * d * d
	}

	// Try features in a random order until MaxFeatures non-constant ones
	// have been scanned. The gain of sending the rows up to bin k left is
	// the decrease in squared error, sl^2 * W / (wl * wr), with sl the sum
	// of the left rows' centred targets.
	bestGain, bestFeat, bestPos := 0.0, -1, 0
	tried := 0
	constant := tk.constant
	for k := 0; k < g.d && tried < g.cfg.MaxFeatures; k++ {
		r := k + rng.IntN(g.d-k)
		g.feats[k], g.feats[r] = g.feats[r], g.feats[k]
		j := g.feats[k]
		if constant&constantBit(j) != 0 {
			continue // constant here as in an ancestor
		}
		seg := g.lists[j][tk.lo:tk.hi]
		if seg[0].bin() == seg[len(seg)-1].bin() {
			constant |= constantBit(j)
			continue
		}
		tried++
		if gain, pos := scanSplits(seg, g.cd, wsum, minLeaf, bestGain); gain > bestGain {
			bestGain, bestFeat, bestPos = gain, j, pos
		}
	}
	if bestFeat < 0 || bestGain <= 1e-12*sse {
		g.oobLeaf(tk, leaf)
		return
	}

	// The split sends left the rows of bestFeat's list up to bestPos
	// (their bins at most the one there, the list being sorted by bin).
	best := g.lists[bestFeat][tk.lo:tk.hi]
	left := int32(len(g.nodes))
	k := g.b.splitCut(bestFeat, best[bestPos].bin(), best[bestPos+1].bin())
	// The out-of-bag rows go left when their bin is at most the cut's k:
	// unlike the in-bag rows, they may lie in bins between the two.
	oseg := g.oob[tk.olo:tk.ohi]
	omid := tk.olo + int32(partitionBins(oseg, g.otmp[:len(oseg)], g.b.bin[bestFeat], k))
	g.nodes[tk.node] = Node{Feature: int32(bestFeat), Left: left, Value: g.b.cut[bestFeat][k]}
	g.nodes = append(g.nodes, Node{}, Node{})
	g.gain[bestFeat] += bestGain

	nl := int32(bestPos + 1)
	wl := markLeft(g.left, best, nl, g.w)
	// A child with fewer than 2*MinLeaf draws, or at MaxDepth, will be a
	// leaf, which reads its rows from lists[0] alone: the other lists need
	// only the rows of the children that may split.
	leafAt := func(w int) bool {
		return w < 2*minLeaf || g.cfg.MaxDepth > 0 && tk.depth+1 >= g.cfg.MaxDepth
	}
	needL, needR := !leafAt(wl), !leafAt(wsum-wl)
	// Stable partition of every feature's rows, left ones first, without
	// branches: each row is written to both sides and the side it does not
	// belong to is overwritten.
	for j := range g.d {
		seg := g.lists[j][tk.lo:tk.hi]
		switch {
		case j == bestFeat && !partitionAll:
			// partitioned already: the left rows come first
		case j != 0 && constant&constantBit(j) != 0:
			// constant on the children's rows too: never read below
		case j == 0 || needL && needR || partitionAll:
			partitionBoth(seg, g.tmp[:len(seg)], g.left)
		case needL:
			partitionLeft(seg, g.left)
		case needR:
			partitionRight(seg, g.left)
		}
	}
	mid := tk.lo + nl
	g.stack = append(g.stack,
		task{node: left + 1, lo: mid, hi: tk.hi, olo: omid, ohi: tk.ohi, depth: tk.depth + 1, constant: constant},
		task{node: left, lo: tk.lo, hi: mid, olo: tk.olo, ohi: omid, depth: tk.depth + 1, constant: constant})
}

// oobLeaf records v, the value of the leaf tk, as the prediction of the
// out-of-bag rows that reach it.
func (g *grower) oobLeaf(tk task, v float32) {
	for _, i := range g.oob[tk.olo:tk.ohi] {
		g.oobVal[i] = v
	}
	if g.leafOf != nil {
		for _, i := range g.oob[tk.olo:tk.ohi] {
			g.leafOf[i] = tk.node
		}
		for _, e := range g.lists[0][tk.lo:tk.hi] {
			g.leafOf[e.row()] = tk.node
		}
	}
}

// result returns the out-of-bag predictions of the tree just grown and its
// gains.
// The out-of-bag rows were sent down the tree as it grew (oobVal).
func (g *grower) result() treeResult {
	r := treeResult{oobRows: make([]int32, 0, len(g.oob)), oobPred: make([]float64, 0, len(g.oob)), gain: g.gain}
	for i, w := range g.w {
		if w == 0 {
			r.oobRows = append(r.oobRows, int32(i))
			r.oobPred = append(r.oobPred, float64(g.oobVal[i]))
		}
	}
	return r
}

// The partitions of a node's rows by left[i] (1: the row goes left) are
// functions of their own, not inlined, so that the compiler keeps every
// variable of their loops in a register: written out in split, which has
// many live values, the loops kept their indices on the stack.

// markLeft sets left[i] to 1 for the rows i of seg[:nl] and to 0 for
// those of the rest of seg, and returns the draws w of the first.
//
//go:noinline
func markLeft(left []int32, seg []entry, nl int32, w []int32) int {
	wl := 0
	for _, e := range seg[:nl] {
		left[e.row()] = 1
		wl += int(w[e.row()])
	}
	for _, e := range seg[nl:] {
		left[e.row()] = 0
	}
	return wl
}

// partitionBins partitions the rows seg stably, those of bin at most k
// (bin[i]) first, without branches as partitionBoth, with tmp (of seg's
// length) for the others, and returns the number of the first.
//
//go:noinline
func partitionBins(seg, tmp, bin []int32, k int32) int {
	p, q := 0, 0
	for _, i := range seg {
		l := 0
		if bin[i] <= k {
			l = 1
		}
		seg[p] = i
		tmp[q] = i
		p += l
		q += 1 - l
	}
	copy(seg[p:], tmp[:q])
	return p
}

// partitionBoth partitions seg stably, left rows first, without branches:
// each row is written to both sides (seg and tmp, of seg's length) and the
// side it does not belong to is overwritten.
//
//go:noinline
func partitionBoth(seg, tmp []entry, left []int32) {
	p, q := 0, 0
	for _, e := range seg {
		l := int(left[e.row()])
		seg[p] = e
		tmp[q] = e
		p += l
		q += 1 - l
	}
	copy(seg[p:], tmp[:q])
}

// partitionLeft moves the left rows of seg, in order, to its start.
//
//go:noinline
func partitionLeft(seg []entry, left []int32) {
	p := 0
	for _, e := range seg {
		seg[p] = e
		p += int(left[e.row()])
	}
}

// partitionRight moves the right rows of seg, in order, to its end.
//
//go:noinline
func partitionRight(seg []entry, left []int32) {
	p := len(seg)
	for k := len(seg) - 1; k >= 0; k-- {
		e := seg[k]
		seg[p-1] = e
		p -= 1 - int(left[e.row()])
	}
}

// inBag returns l (of len(order)) holding the entries of order, in
// order, whose rows the bootstrap drew (w[i] > 0), without branches
// (whether a row was drawn is a coin toss): each entry is written and kept
// if drawn.
//
//go:noinline
func inBag(l, order []entry, w []int32) []entry {
	l = l[:len(order)]
	p := 0
	for _, e := range order {
		l[p] = e
		p += int(min(w[e.row()], 1))
	}
	return l[:p]
}

// scanSplits returns the best gain above bestGain of the splits of the
// rows seg, sorted by their bins, between two neighbouring bins, with the
// position of the last row on the left, or bestGain and -1 when none beats
// it (see split: the gain of
// sending the rows up to bin k left is sl^2 W / (wl wr), with sl the sum
// of the left rows' centred targets d weighted by their draws w (cd),
// W = wsum, and each side at least minLeaf draws). It is not inlined for
// the reason the partitions are not, and keeps few values live in its loop
// (the position of the best split, not its bins; wr as W - wl) so that
// they all stay in registers.
//
//go:noinline
func scanSplits(seg []entry, cd []centred, wsum, minLeaf int, bestGain float64) (gain float64, pos int) {
	// The draws are whole numbers below 2^31: their sums and differences
	// are exact in float64, the comparisons those of the ints.
	W, fmin := float64(wsum), float64(minLeaf)
	last := len(seg) - 1
	wl, sl := 0.0, 0.0
	p := -1
	for wl < fmin { // no split leaves fewer than minLeaf draws on the left
		if p++; p == last {
			return bestGain, -1
		}
		c := cd[seg[p].row()]
		wl += c.w
		sl += c.w * c.d
	}
	// Row p is on the left; a split between it and row p+1 is possible
	// where their bins differ.
	maxWl := W - fmin
	lastBin := seg[last].bin()
	best := -1
	for {
		if nb := seg[p+1].bin(); seg[p].bin() != nb {
			if wl > maxWl {
				break // under minLeaf draws on the right from here on
			}
			num, den := sl*sl*W, wl*(W-wl)
			if b := bestGain * den; b < 0x1p-1000 || num > b*(1-0x1p-50) || exactGains {
				// else num/den, rounded, cannot exceed bestGain (see noGain)
				if g := num / den; g > bestGain {
					bestGain, best = g, p
				}
			}
			if nb == lastBin {
				break // the rows after p share one bin: no split among them
			}
		}
		if p++; p == last {
			break
		}
		c := cd[seg[p].row()]
		wl += c.w
		sl += c.w * c.d
	}
	return bestGain, best
}
