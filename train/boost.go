package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"

	"github.com/hawkes-toolkit/hawkes/internal/ordered"
)

// BoostConfig holds the settings of gradient-boosted trees (FitBoost). The
// zero value of every field selects its default; WithDefaults fills them in
// and Validate checks the ranges.
//
// The defaults are common ones for small tabular sets (shrinkage 0.05,
// subsample 0.8, leaves of at least 10 rows), not tuned on the data sets in
// hand; the depth and the number of rounds are chosen for each training set
// by its own inner validation splits, so an evaluation under
// cross-validation stays honest.
type BoostConfig struct {
	// MaxRounds bounds the number of boosting rounds (trees). Default 1000.
	MaxRounds int `json:"max_rounds"`
	// Rounds, when > 0, grows exactly that many rounds on all the rows,
	// without early stopping and without held-out predictions. Default 0:
	// the number of rounds is chosen by early stopping on InnerFolds inner
	// validation splits.
	Rounds int `json:"rounds,omitempty"`
	// LearningRate is the shrinkage: each tree's leaves are the mean
	// residual of their rows times LearningRate. Default 0.05.
	LearningRate float64 `json:"learning_rate"`
	// MaxDepth is the depth of the trees, the root being at depth 0.
	// Default 0: chosen among BoostDepths by the inner validation splits
	// (see FitBoostOOB); the model's config records the depth chosen.
	MaxDepth int `json:"max_depth"`
	// MinLeaf is the smallest number of rows in a leaf. Default 10.
	MinLeaf int `json:"min_leaf"`
	// Bins is the largest number of histogram bins of a feature, 2 to
	// 65536. Default 64.
	Bins int `json:"bins"`
	// Subsample is the fraction of the rows, drawn without replacement,
	// each tree is grown on, in (0, 1]. Default 0.8.
	Subsample float64 `json:"subsample"`
	// InnerFolds is the number of inner validation splits that choose the
	// number of rounds (see FitBoost); at least 2. Default 5.
	InnerFolds int `json:"inner_folds"`
	// Patience is the number of rounds without a lower validation loss
	// after which a split stops boosting. Default 50.
	Patience int `json:"patience"`
	// Seed selects the inner splits and the subsamples. Default 1: a zero
	// Seed is replaced by 1.
	Seed uint64 `json:"seed"`
	// Workers is the number of inner validation runs (depth and split)
	// boosted at once. It does not change the booster, and is not
	// recorded with a model. 0 (left so by WithDefaults) is one per CPU.
	Workers int `json:"-"`
}

// Defaults of BoostConfig.
const (
	DefaultBoostMaxRounds    = 1000
	DefaultBoostLearningRate = 0.05
	DefaultBoostMinLeaf      = 10
	DefaultBoostBins         = 64
	DefaultBoostSubsample    = 0.8
	DefaultBoostInnerFolds   = 5
	DefaultBoostPatience     = 50
)

// WithDefaults returns c with its zero fields set to their defaults.
func (c BoostConfig) WithDefaults() BoostConfig {
	set := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	set(&c.MaxRounds, DefaultBoostMaxRounds)
	set(&c.MinLeaf, DefaultBoostMinLeaf)
	set(&c.Bins, DefaultBoostBins)
	set(&c.InnerFolds, DefaultBoostInnerFolds)
	set(&c.Patience, DefaultBoostPatience)
	if c.LearningRate == 0 {
		c.LearningRate = DefaultBoostLearningRate
	}
	if c.Subsample == 0 {
		c.Subsample = DefaultBoostSubsample
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	return c
}

// Validate reports an error wrapping ErrConfig if a field of c is out of
// range. It checks c as given: check c.WithDefaults() to allow defaults.
func (c BoostConfig) Validate() error {
	switch {
	case c.MaxRounds < 1:
		return fmt.Errorf("%w: max rounds = %d, want >= 1", ErrConfig, c.MaxRounds)
	case c.Rounds < 0 || c.Rounds > c.MaxRounds:
		return fmt.Errorf("%w: rounds = %d, want 0 (early stopping) to max rounds %d", ErrConfig, c.Rounds, c.MaxRounds)
	case !(c.LearningRate > 0 && c.LearningRate <= 1):
		return fmt.Errorf("%w: learning rate = %v, want in (0, 1]", ErrConfig, c.LearningRate)
	case c.MaxDepth < 0 || c.MaxDepth > 16:
		return fmt.Errorf("%w: boost max depth = %d, want 1 to 16, or 0 to choose", ErrConfig, c.MaxDepth)
	case c.MaxDepth == 0 && c.Rounds > 0:
		return fmt.Errorf("%w: boost max depth 0 (chosen by the inner splits) with fixed rounds %d", ErrConfig, c.Rounds)
	case c.MinLeaf < 1:
		return fmt.Errorf("%w: min leaf = %d, want >= 1", ErrConfig, c.MinLeaf)
	case c.Bins < 2 || c.Bins > 1<<16:
		return fmt.Errorf("%w: bins = %d, want 2 to 65536", ErrConfig, c.Bins)
	case !(c.Subsample > 0 && c.Subsample <= 1):
		return fmt.Errorf("%w: subsample = %v, want in (0, 1]", ErrConfig, c.Subsample)
	case c.InnerFolds < 2:
		return fmt.Errorf("%w: inner folds = %d, want >= 2", ErrConfig, c.InnerFolds)
	case c.Patience < 1:
		return fmt.Errorf("%w: patience = %d, want >= 1", ErrConfig, c.Patience)
	case c.Workers < 0:
		return fmt.Errorf("%w: boost workers = %d, want >= 1, or 0 for one per CPU", ErrConfig, c.Workers)
	}
	return nil
}

// FitBoost grows gradient-boosted regression trees on the rows of X and the
// targets y under squared error, as Fit does a forest: the same checks of
// the data, and the result is a *Forest whose trees are summed (Forest.Sum)
// rather than averaged. See FitBoostOOB.
func FitBoost(ctx context.Context, X [][]float64, y []float64, cfg BoostConfig) (*Forest, error) {
	f, _, _, err := FitBoostOOB(ctx, X, y, cfg)
	return f, err
}

// FitBoostOOB is FitBoost that also returns a held-out prediction of each
// training row, and cfg with its defaults filled in and the depth chosen.
//
// Unless cfg.Rounds is set, the rows are split by KFold(n, k, cfg.Seed)
// into k = min(cfg.InnerFolds, n) inner validation splits. For each, trees
// are boosted on the other rows until the validation loss has not fallen for
// cfg.Patience rounds (or cfg.MaxRounds), and the round count with the
// lowest validation loss is kept; the held-out prediction of a row is that
// of its split's booster at that count. With cfg.MaxDepth 0 this is done for
// each depth of BoostDepths, and the depth of the lowest validation loss
// summed over the splits (each at its best count) is kept, the first on a
// tie. The final booster is then grown on all the rows, at that depth, for
// the median of the k counts. With cfg.Rounds set it is grown for that many
// rounds and the held-out predictions are all NaN.
//
// Each round fits a tree of depth cfg.MaxDepth to the residuals of a
// subsample of the rows (cfg.Subsample of them, drawn without replacement
// from rand.NewPCG(cfg.Seed, stream) with a stream per split and round),
// with histogram splits: each feature is cut into at most cfg.Bins bins at
// quantiles of the training rows, with float32 thresholds. A leaf holds
// cfg.LearningRate times the mean residual of its rows, rounded to LeafBits
// bits, and training adds exactly that value, so the booster predicts its
// training rows as Forest.Predict does. The same seed gives the same
// booster. FitBoostOOB checks ctx between rounds.
func FitBoostOOB(ctx context.Context, X [][]float64, y []float64, cfg BoostConfig) (*Forest, []float64, BoostConfig, error) {
	d, err := checkData(X, y)
	if err != nil {
		return nil, nil, cfg, err
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, nil, cfg, err
	}
	n := len(X)
	oof := make([]float64, n)
	for i := range oof {
		oof[i] = math.NaN()
	}
	rounds := cfg.Rounds
	if rounds == 0 {
		if n < 2 {
			return nil, nil, cfg, fmt.Errorf("%w: %d row, early stopping needs at least 2", ErrData, n)
		}
		depths := []int{cfg.MaxDepth}
		if cfg.MaxDepth == 0 {
			depths = BoostDepths[:]
		}
		folds := KFold(n, min(cfg.InnerFolds, n), cfg.Seed)
		// Every (depth, split) run is boosted on its own, cfg.Workers at
		// a time, and read in order: the same runs whatever the workers.
		runs := make([]*boosted, len(depths)*len(folds))
		workers := cfg.Workers
		if workers == 0 {
			workers = runtime.NumCPU()
		}
		err := ordered.Map(ctx, len(runs), workers, func(ctx context.Context, r int) (*boosted, error) {
			c := cfg
			c.MaxDepth = depths[r/len(folds)]
			k := r % len(folds)
			tr, val := Complement(n, folds[k]), folds[k]
			return boost(ctx, sub(X, tr), subY(y, tr), sub(X, val), subY(y, val), c, c.MaxRounds, uint64(k+1))
		}, func(r int, bt *boosted) error {
			runs[r] = bt
			return nil
		})
		if err != nil {
			return nil, nil, cfg, err
		}
		bestLoss := math.Inf(1)
		for di, depth := range depths {
			best := make([]int, len(folds))
			pred := make([]float64, n)
			var loss float64
			for k, val := range folds {
				bt := runs[di*len(folds)+k]
				best[k] = bt.best
				for j, i := range val {
					pred[i] = bt.validPred[j]
					e := y[i] - pred[i]
					loss += e * e
				}
			}
			if loss < bestLoss {
				slices.Sort(best)
				bestLoss, rounds, cfg.MaxDepth = loss, best[len(best)/2], depth
				copy(oof, pred)
			}
		}
	}
	bt, err := boost(ctx, X, y, nil, nil, cfg, rounds, 0)
	if err != nil {
		return nil, nil, cfg, err
	}
	f := &Forest{NFeatures: d, Offset: bt.offset, Trees: bt.trees, Importance: bt.gain, Sum: true}
	normalise(f.Importance)
	sum := make([]float64, n)
	count := make([]int32, n)
	for i, v := range oof {
		if !math.IsNaN(v) {
			sum[i], count[i] = v, 1
		}
	}
	f.OOBStats = oobStats(y, sum, count)
	return f, oof, cfg, nil
}

// sub returns the rows idx of X.
func sub(X [][]float64, idx []int) [][]float64 {
	out := make([][]float64, len(idx))
	for j, i := range idx {
		out[j] = X[i]
	}
	return out
}

func subY(y []float64, idx []int) []float64 {
	out := make([]float64, len(idx))
	for j, i := range idx {
		out[j] = y[i]
	}
	return out
}

// boosted is the outcome of boost.
type boosted struct {
	offset    float64
	trees     []Tree
	gain      []float64 // decrease in squared error per feature
	trainLoss []float64 // mean squared error on the training rows after each round
	validLoss []float64 // on the validation rows, when given
	best      int       // round count of the lowest validation loss
	validPred []float64 // validation predictions at best
}

// boost grows up to rounds trees on (X, y); with validation rows (Xv, yv) it
// stops cfg.Patience rounds after the lowest validation loss, keeps the
// trees up to it, and returns the validation predictions there. stream
// numbers the random streams of this run.
func boost(ctx context.Context, X [][]float64, y []float64, Xv [][]float64, yv []float64, cfg BoostConfig, rounds int, stream uint64) (*boosted, error) {
	n, d := len(X), len(X[0])
	hb := newHistBins(X, d, cfg.Bins)
	var offset float64
	for _, v := range y {
		offset += v
	}
	offset /= float64(n)
	pred := make([]float64, n)
	for i := range pred {
		pred[i] = offset
	}
	vpred := make([]float64, len(Xv))
	for i := range vpred {
		vpred[i] = offset
	}
	bestPred := slices.Clone(vpred)
	out := &boosted{offset: offset, gain: make([]float64, d)}
	g := &histGrower{hb: hb, cfg: cfg, resid: make([]float64, n), gain: make([]float64, d), leafOf: make([]int32, n)}
	m := max(1, int(math.Round(cfg.Subsample*float64(n))))
	rows := make([]int32, n)
	drawn := make([]bool, n)
	bestLoss := math.Inf(1)
	var gains [][]float64
	rng := rand.New(rand.NewPCG(cfg.Seed, boostStream+stream))
	for r := range rounds {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("train: fit boosted trees: %w", err)
		}
		for i := range rows {
			rows[i] = int32(i)
			g.resid[i] = y[i] - pred[i]
			g.leafOf[i] = -1
		}
		if m < n {
			for i := range m { // partial Fisher-Yates: the first m rows are the sample
				k := i + rng.IntN(n-i)
				rows[i], rows[k] = rows[k], rows[i]
			}
			sortSample(rows, m, drawn)
		}
		clear(g.gain)
		t := g.grow(rows[:m])
		gains = append(gains, slices.Clone(g.gain))
		out.trees = append(out.trees, t)
		var loss float64
		for i, x := range X {
			// A row of the subsample reached its leaf as the tree grew:
			// its bins split as x[j] <= cut does (histBins).
			if j := g.leafOf[i]; j >= 0 {
				pred[i] += float64(t.Nodes[j].Value)
			} else {
				pred[i] += t.predict(x)
			}
			e := y[i] - pred[i]
			loss += e * e
		}
		out.trainLoss = append(out.trainLoss, loss/float64(n))
		if Xv == nil {
			continue
		}
		var vl float64
		for i, x := range Xv {
			vpred[i] += t.predict(x)
			e := yv[i] - vpred[i]
			vl += e * e
		}
		vl /= float64(len(Xv))
		out.validLoss = append(out.validLoss, vl)
		if vl < bestLoss {
			bestLoss, out.best = vl, r+1
			copy(bestPred, vpred)
		} else if r+1-out.best >= cfg.Patience {
			break
		}
	}
	if Xv == nil {
		out.best = len(out.trees)
	}
	out.trees = out.trees[:out.best]
	for _, gn := range gains[:out.best] {
		for j, v := range gn {
			out.gain[j] += v
		}
	}
	out.validPred = bestPred
	return out, nil
}

// sortSample sorts rows[:m], a sample of the rows 0 to len(rows)-1, in
// increasing order, in time linear in len(rows): each drawn row is marked
// in drawn (len(rows), all false, and left so) and the marks read in order.
func sortSample(rows []int32, m int, drawn []bool) {
	for _, i := range rows[:m] {
		drawn[i] = true
	}
	p := 0
	for i, ok := range drawn {
		if ok {
			rows[p] = int32(i)
			p++
			drawn[i] = false
		}
	}
}

// BoostDepths are the tree depths FitBoostOOB chooses from when
// BoostConfig.MaxDepth is 0.
var BoostDepths = [...]int{2, 3, 4, 6}

// boostStream offsets the PCG streams of the boosting runs from those of
// the forest's trees (0, 1, ...) and of KFold.
const boostStream = 0x626f6f7374 << 8 // "boost"

// histBins cuts each feature into bins at quantiles of the training rows:
// bin[j][i] is the bin of X[i][j], and every value of bin k is <= cut[j][k]
// < every value of bin k+1, so a split after bin k is x[j] <= cut[j][k].
//
// flat lays the bins out by row for split's histograms: flat[i*d+j] is
// off[j] + bin[j][i], the index of X[i][j]'s bin among all the features'
// bins, feature j's being off[j] to off[j+1]-1.
type histBins struct {
	bin  [][]uint16
	cut  [][]float32
	flat []uint32
	off  []int
}

// newHistBins bins the d features of X into at most maxBins bins each. The
// candidate boundaries are the values of ranks q*n/maxBins (q = 1 ..
// maxBins-1) of the sorted column; each becomes a cut between it and the
// next larger value (cutBetween), duplicates and values no float32
// separates being dropped. A column with at most maxBins distinct values
// thus gets a cut between every two of them.
func newHistBins(X [][]float64, d, maxBins int) *histBins {
	n := len(X)
	hb := &histBins{bin: make([][]uint16, d), cut: make([][]float32, d)}
	col := make([]float64, n)
	for j := range d {
		for i, x := range X {
			col[i] = x[j]
		}
		slices.Sort(col)
		distinct := slices.Compact(slices.Clone(col))
		var cand []float64
		if len(distinct) <= maxBins {
			cand = distinct[:len(distinct)-1]
		} else {
			for q := 1; q < maxBins; q++ {
				cand = append(cand, col[max(q*n/maxBins-1, 0)])
			}
		}
		var cuts []float32
		for _, v := range cand {
			k, _ := slices.BinarySearch(distinct, v)
			if k+1 >= len(distinct) {
				continue
			}
			c, ok := cutBetween(v, distinct[k+1])
			if ok && (len(cuts) == 0 || c > cuts[len(cuts)-1]) {
				cuts = append(cuts, c)
			}
		}
		bins := make([]uint16, n)
		for i, x := range X {
			bins[i] = uint16(binOf(cuts, x[j]))
		}
		hb.bin[j], hb.cut[j] = bins, cuts
	}
	hb.off = make([]int, d+1)
	for j := range d {
		hb.off[j+1] = hb.off[j] + len(hb.cut[j]) + 1
	}
	hb.flat = make([]uint32, n*d)
	for j := range d {
		for i, b := range hb.bin[j] {
			hb.flat[i*d+j] = uint32(hb.off[j] + int(b))
		}
	}
	return hb
}

// histByFeature makes split build its histograms feature by feature from
// bin, as it did before it read each row's bins at once from flat: the
// reference its test compares with.
var histByFeature = false

// binOf returns the bin of v: the number of cuts below v.
func binOf(cuts []float32, v float64) int {
	k, _ := slices.BinarySearchFunc(cuts, v, func(c float32, v float64) int {
		if float64(c) < v {
			return -1
		}
		return 1
	})
	return k
}

// histGrower grows one regression tree on residuals with histograms.
type histGrower struct {
	hb    *histBins
	cfg   BoostConfig
	resid []float64
	gain  []float64
	nodes []Node
	hist  []histBin
	right []int32 // scratch of split
	// leafOf[i] is set to the leaf row i reaches, for the rows grow is
	// given.
	leafOf []int32
}

// grow returns a tree fitted to the residuals of rows.
func (g *histGrower) grow(rows []int32) Tree {
	g.nodes = append(g.nodes[:0], Node{})
	g.split(0, rows, 0)
	return Tree{Nodes: slices.Clone(g.nodes)}
}

// split makes node j a leaf for rows, or splits it at the cut that most
// reduces the squared error of the residuals and grows both children.
// Ties go to the lower feature, then the lower cut.
func (g *histGrower) split(j int32, rows []int32, depth int) {
	var s float64
	for _, i := range rows {
		s += g.resid[i]
	}
	n := len(rows)
	g.nodes[j] = Node{Feature: -1, Value: roundLeaf(g.cfg.LearningRate * s / float64(n))}
	minLeaf := g.cfg.MinLeaf
	if depth >= g.cfg.MaxDepth || n < 2*minLeaf {
		g.setLeaf(j, rows)
		return
	}
	var sse float64
	mean := s / float64(n)
	for _, i := range rows {
		e := g.resid[i] - mean
		sse += e * e
	}
	base := s * s / float64(n)
	bestGain, bestFeat, bestBin := 0.0, -1, 0
	// The histograms of every feature at once, each bin's residuals
	// summed in the order of rows as feature by feature.
	off := g.hb.off
	if !histByFeature {
		all := off[len(off)-1]
		g.hist = slices.Grow(g.hist[:0], all)[:all]
		clear(g.hist)
		fillHistograms(rows, g.resid, g.hb.flat, len(off)-1, g.hist)
	}
	for f, bins := range g.hb.bin {
		nb := len(g.hb.cut[f]) + 1
		if nb < 2 {
			continue
		}
		var hist []histBin
		if histByFeature {
			hist = slices.Grow(g.hist[:0], nb)[:nb]
			clear(hist)
			for _, i := range rows {
				b := bins[i]
				hist[b].cnt++
				hist[b].sum += g.resid[i]
			}
			g.hist = hist
		} else {
			hist = g.hist[off[f]:off[f+1]]
		}
		if gain, b := scanHistogram(hist[:nb], n, s, base, minLeaf, bestGain); gain > bestGain {
			bestGain, bestFeat, bestBin = gain, f, b
		}
	}
	if bestFeat < 0 || bestGain <= 1e-12*sse {
		g.setLeaf(j, rows)
		return
	}
	left := int32(len(g.nodes))
	g.nodes[j] = Node{Feature: int32(bestFeat), Left: left, Value: g.hb.cut[bestFeat][bestBin]}
	g.nodes = append(g.nodes, Node{}, Node{})
	g.gain[bestFeat] += bestGain
	// Stable partition: left rows first.
	bins := g.hb.bin[bestFeat]
	right := g.right[:0]
	p := 0
	for _, i := range rows {
		if int(bins[i]) <= bestBin {
			rows[p] = i
			p++
		} else {
			right = append(right, i)
		}
	}
	copy(rows[p:], right)
	g.right = right
	g.split(left, rows[:p], depth+1)
	g.split(left+1, rows[p:], depth+1)
}

// setLeaf records j as the leaf of rows.
func (g *histGrower) setLeaf(j int32, rows []int32) {
	if g.leafOf != nil {
		for _, i := range rows {
			g.leafOf[i] = j
		}
	}
}

// histBin is a bin of a histogram: the sum of its rows' residuals and
// their number, side by side.
type histBin struct {
	sum float64
	cnt int
}

// fillHistograms adds the rows' counts and residuals to the histograms of
// every feature at once (hist, laid out as histBins.off says), each bin's
// residuals summed in the order of rows, from the bins laid out by row
// (flat, d per row). It and scanHistogram are functions of their own, not
// inlined, so that the compiler keeps their loops' variables in registers
// (see partitionBoth).
//
//go:noinline
func fillHistograms(rows []int32, resid []float64, flat []uint32, d int, hist []histBin) {
	for _, i := range rows {
		r := resid[i]
		for _, k := range flat[int(i)*d : int(i)*d+d] {
			h := &hist[k]
			h.cnt++
			h.sum += r
		}
	}
}

// scanHistogram returns the best gain above bestGain of the splits
// between the bins of one feature's histogram (hist, of the node's n rows, whose residuals sum to s; base = s^2/n), each side at least
// minLeaf rows, with the last bin on the left, or bestGain when none beats
// it.
//
//go:noinline
func scanHistogram(hist []histBin, n int, s, base float64, minLeaf int, bestGain float64) (gain float64, bestBin int) {
	nl, sl := 0, 0.0
	for b, h := range hist[:len(hist)-1] {
		nl += h.cnt
		sl += h.sum
		if h.cnt == 0 || nl < minLeaf {
			continue
		}
		nr := n - nl
		if nr < minLeaf {
			break
		}
		sr := s - sl
		if g := sl*sl/float64(nl) + sr*sr/float64(nr) - base; g > bestGain {
			bestGain, bestBin = g, b
		}
	}
	return bestGain, bestBin
}
