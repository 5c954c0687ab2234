package train

import (
	"fmt"
	"math"
	"slices"
)

// Node is one node of a Tree.
//
// A split node has Feature >= 0: a row x goes to the child at index Left if
// x[Feature] <= float64(Value) and to the child at Left+1 otherwise (a NaN
// goes to Left+1). A leaf has Feature == -1 and Left == 0, and Value is its
// prediction less the forest's Offset: the mean target of the bootstrap
// draws that reached it, minus Offset, rounded to LeafBits significant bits
// (so the low 24-LeafBits bits of its float32 significand are zero).
type Node struct {
	Feature int32
	Left    int32
	Value   float32
}

// Leaf reports whether n is a leaf.
func (n Node) Leaf() bool { return n.Feature < 0 }

// LeafBits is the number of significant bits kept in a leaf's Value. The
// rounding error, at most 2^-LeafBits of the leaf's deviation from Offset,
// is far below the sampling error of a mean over a few bootstrap draws, and
// it makes a leaf 3 bytes in the model file instead of 4.
const LeafBits = 16

// roundLeaf rounds v to LeafBits significant bits as a float32. |v| must be
// below math.MaxFloat32 by a relative 2^-LeafBits.
func roundLeaf(v float64) float32 {
	if math.Abs(v) < 0x1p-126 { // below the normal float32 range
		return 0
	}
	frac, exp := math.Frexp(v)
	return float32(math.Ldexp(math.RoundToEven(math.Ldexp(frac, LeafBits)), exp-LeafBits))
}

// leafRounded reports whether v has at most LeafBits significant bits.
func leafRounded(v float32) bool {
	return math.Float32bits(v)&(1<<(24-LeafBits)-1) == 0
}

// Tree is a regression tree stored as a flat array of nodes. Nodes[0] is the
// root, and the children of a split node come after it, in a pair.
type Tree struct {
	Nodes []Node
}

// predict returns the tree's prediction for x less the forest's Offset. It
// assumes a valid tree.
func (t *Tree) predict(x []float64) float64 {
	nodes := t.Nodes
	j := int32(0)
	for {
		n := &nodes[j]
		if n.Feature < 0 {
			return float64(n.Value)
		}
		if x[n.Feature] <= float64(n.Value) {
			j = n.Left
		} else {
			j = n.Left + 1
		}
	}
}

// OOBStats is the out-of-bag error of a forest.
type OOBStats struct {
	// MSE is the mean squared error of the out-of-bag predictions: for each
	// row, the mean over the trees whose bootstrap sample missed it.
	MSE float64
	// R2 is 1 - MSE/Var(y), the variance taken over the same rows.
	R2 float64
	// N is the number of rows missed by at least one tree.
	N int
}

// Forest is a random forest of regression trees. All its fields are
// exported so that it can be serialised; Model.Write and ReadModel store it
// compactly.
type Forest struct {
	// NFeatures is the number of features, the length of a row.
	NFeatures int
	// Offset is added to the trees' mean: the mean target of the training
	// rows. Leaves hold deviations from it.
	Offset float64
	// Trees are the trees; there is at least one.
	Trees []Tree
	// Importance is the mean decrease in impurity of each feature, the
	// total decrease in squared error over the splits on it, normalised to
	// sum 1 (all zero if no tree has a split).
	Importance []float64
	// OOBStats is the out-of-bag error computed by Fit, or the error of
	// the held-out predictions of FitBoostOOB.
	OOBStats OOBStats
	// Sum is set for gradient-boosted trees (FitBoost), whose leaves are
	// added to Offset rather than averaged.
	Sum bool
	// Quantiles, when not nil, makes a random forest a quantile regression
	// forest (AddQuantiles, PredictQuantiles).
	Quantiles *Quantiles
}

// Learner names the kind of ensemble f is: LearnerBoost for boosted trees
// (Sum), LearnerForest for a random forest.
func (f *Forest) Learner() string {
	if f.Sum {
		return LearnerBoost
	}
	return LearnerForest
}

// The names of the learners, as Forest.Learner gives them.
const (
	LearnerForest = "forest"
	LearnerBoost  = "boost"
)

// Predict returns the forest's prediction for the row x: Offset plus the
// mean of the trees' leaf values, or their sum when f.Sum is set. x must
// have at least NFeatures values. Predict does not allocate and is safe for
// concurrent use.
func (f *Forest) Predict(x []float64) float64 {
	if len(x) < f.NFeatures {
		panic(fmt.Sprintf("train: row of %d values, forest has %d features", len(x), f.NFeatures))
	}
	var s float64
	for i := range f.Trees {
		s += f.Trees[i].predict(x)
	}
	return f.sumPrediction(s)
}

// sumPrediction returns the prediction of a row whose trees' leaf values
// sum to s.
func (f *Forest) sumPrediction(s float64) float64 {
	if f.Sum {
		return f.Offset + s
	}
	return f.Offset + s/float64(len(f.Trees))
}

// PredictBatch writes the prediction for each row of X into dst and returns
// it. It reuses dst's storage when its capacity is at least len(X) and
// allocates otherwise (dst may be nil). The result has length len(X).
func (f *Forest) PredictBatch(dst []float64, X [][]float64) []float64 {
	if cap(dst) < len(X) {
		dst = make([]float64, len(X))
	}
	dst = dst[:len(X)]
	for i, x := range X {
		dst[i] = f.Predict(x)
	}
	return dst
}

// OOB returns the out-of-bag mean squared error and R^2 over the n training
// rows that at least one tree's bootstrap sample missed (see OOBStats). When
// n is 0, mse and r2 are NaN; r2 is also NaN when the targets of those rows
// are all equal.
func (f *Forest) OOB() (mse, r2 float64, n int) {
	return f.OOBStats.MSE, f.OOBStats.R2, f.OOBStats.N
}

// FeatureImportance returns a copy of f.Importance: for each feature, the
// mean decrease in impurity, normalised to sum 1.
func (f *Forest) FeatureImportance() []float64 {
	return slices.Clone(f.Importance)
}

// NumNodes returns the number of nodes in all the trees.
func (f *Forest) NumNodes() int {
	n := 0
	for i := range f.Trees {
		n += len(f.Trees[i].Nodes)
	}
	return n
}

// Validate checks that f is a forest Predict can walk: at least one tree,
// every node's feature in range, children after their parent and inside the
// tree, finite values, leaf values rounded to LeafBits bits, a finite Offset
// and len(Importance) == NFeatures. Forests from Fit and
// ReadModel are valid; Predict on an invalid forest may panic or not return.
func (f *Forest) Validate() error {
	if f.NFeatures < 1 || f.NFeatures > math.MaxInt32 {
		return fmt.Errorf("forest has %d features", f.NFeatures)
	}
	if len(f.Trees) == 0 {
		return fmt.Errorf("forest has no trees")
	}
	if math.IsNaN(f.Offset) || math.IsInf(f.Offset, 0) {
		return fmt.Errorf("forest offset %v", f.Offset)
	}
	if len(f.Importance) != f.NFeatures {
		return fmt.Errorf("forest has %d importances for %d features", len(f.Importance), f.NFeatures)
	}
	for t := range f.Trees {
		nodes := f.Trees[t].Nodes
		if len(nodes) == 0 || len(nodes) > math.MaxInt32 {
			return fmt.Errorf("tree %d has %d nodes", t, len(nodes))
		}
		for j, n := range nodes {
			if math.IsNaN(float64(n.Value)) || math.IsInf(float64(n.Value), 0) {
				return fmt.Errorf("tree %d node %d: value %v", t, j, n.Value)
			}
			if n.Feature < 0 {
				if n.Feature != -1 || n.Left != 0 {
					return fmt.Errorf("tree %d node %d: leaf with feature %d, left %d", t, j, n.Feature, n.Left)
				}
				if !leafRounded(n.Value) {
					return fmt.Errorf("tree %d node %d: leaf value %v has more than %d significant bits", t, j, n.Value, LeafBits)
				}
				continue
			}
			if int(n.Feature) >= f.NFeatures {
				return fmt.Errorf("tree %d node %d: feature %d of %d", t, j, n.Feature, f.NFeatures)
			}
			if int(n.Left) <= j || int(n.Left) >= len(nodes)-1 {
				return fmt.Errorf("tree %d node %d: children at %d of %d nodes", t, j, n.Left, len(nodes))
			}
		}
	}
	return nil
}
