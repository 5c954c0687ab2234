package train

import (
	"fmt"
	"math"
	"runtime"
)

// Config holds the settings of a forest. The zero value of every field
// selects its default; Resolve fills them in and checks the ranges.
type Config struct {
	// Trees is the number of trees. Default 200.
	Trees int `json:"trees"`
	// MaxDepth is the largest depth of a leaf, the root being at depth 0.
	// Default 0: unlimited.
	MaxDepth int `json:"max_depth"`
	// MinLeaf is the smallest number of bootstrap draws in a leaf (a row
	// drawn twice counts twice). A node with fewer than 2*MinLeaf draws is a
	// leaf. Default 5.
	MinLeaf int `json:"min_leaf"`
	// MaxFeatures is the number of non-constant features tried at each
	// split, drawn without replacement; features that are constant within
	// the node are skipped and do not count. Default max(1, d/3) for d
	// features. Must not exceed d.
	MaxFeatures int `json:"max_features"`
	// SampleFrac is the size of each tree's bootstrap sample (drawn with
	// replacement) as a fraction of the number of rows n, in (0, 1]; the
	// sample has max(1, round(SampleFrac*n)) draws. Default 1.
	SampleFrac float64 `json:"sample_frac"`
	// Seed selects the random streams: tree t draws its bootstrap sample
	// and its split features from rand.NewPCG(Seed, t), so the same seed
	// gives the same forest whatever Workers is. Default 1: a zero Seed is
	// replaced by 1.
	Seed uint64 `json:"seed"`
	// Workers is the number of trees grown at once. It does not change the
	// forest. Default runtime.NumCPU().
	Workers int `json:"workers"`
}

// Default values of the Config fields (DefaultMaxFeatures depends on the
// number of features).
const (
	DefaultTrees   = 200
	DefaultMinLeaf = 5
	DefaultSeed    = 1
)

// DefaultMaxFeatures returns the default of Config.MaxFeatures for d
// features: max(1, d/3).
func DefaultMaxFeatures(d int) int { return max(1, d/3) }

// Resolve returns c with the defaults filled in for d features, or an error
// wrapping ErrConfig if a field is out of range.
func (c Config) Resolve(d int) (Config, error) {
	if d < 1 {
		return c, fmt.Errorf("%w: %d features, want >= 1", ErrConfig, d)
	}
	switch {
	case c.Trees < 0:
		return c, fmt.Errorf("%w: trees = %d, want >= 0", ErrConfig, c.Trees)
	case c.MaxDepth < 0:
		return c, fmt.Errorf("%w: max depth = %d, want >= 0", ErrConfig, c.MaxDepth)
	case c.MinLeaf < 0:
		return c, fmt.Errorf("%w: min leaf = %d, want >= 0", ErrConfig, c.MinLeaf)
	case c.MaxFeatures < 0 || c.MaxFeatures > d:
		return c, fmt.Errorf("%w: max features = %d, want 0 to %d", ErrConfig, c.MaxFeatures, d)
	case math.IsNaN(c.SampleFrac) || c.SampleFrac < 0 || c.SampleFrac > 1:
		return c, fmt.Errorf("%w: sample fraction = %v, want 0 to 1", ErrConfig, c.SampleFrac)
	case c.Workers < 0:
		return c, fmt.Errorf("%w: workers = %d, want >= 0", ErrConfig, c.Workers)
	}
	if c.Trees == 0 {
		c.Trees = DefaultTrees
	}
	if c.MinLeaf == 0 {
		c.MinLeaf = DefaultMinLeaf
	}
	if c.MaxFeatures == 0 {
		c.MaxFeatures = DefaultMaxFeatures(d)
	}
	if c.SampleFrac == 0 {
		c.SampleFrac = 1
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Workers == 0 {
		c.Workers = runtime.NumCPU()
	}
	return c, nil
}
