package train

import (
	"fmt"
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
	// Workers is the number of trees grown at once (and, in package
	// predict and pipeline, of folds trained at once). It does not change the
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

// WithDefaults returns c with its zero fields set to their defaults, all but
// MaxFeatures, whose default depends on the number of features (Resolve
// sets it).
func (c Config) WithDefaults() Config {
	if c.Trees == 0 {
		c.Trees = DefaultTrees
	}
	if c.MinLeaf == 0 {
		c.MinLeaf = DefaultMinLeaf
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
	return c
}

// Validate reports an error wrapping ErrConfig if a field of c is out of
// range: Trees, MinLeaf and Workers at least 1, MaxDepth and MaxFeatures at
// least 0 (0: unlimited depth, and the default max(1, d/3) features), and
// SampleFrac in (0, 1]. It checks c as given, as a command line gives it,
// so a zero Trees is an error here although Fit takes it for the default:
// check c.WithDefaults() to allow defaults. Whether MaxFeatures exceeds the
// number of features is left to Resolve, which knows it.
func (c Config) Validate() error {
	switch {
	case c.Trees < 1:
		return fmt.Errorf("%w: trees = %d, want >= 1", ErrConfig, c.Trees)
	case c.MaxDepth < 0:
		return fmt.Errorf("%w: max depth = %d, want >= 0 (0 for unlimited)", ErrConfig, c.MaxDepth)
	case c.MinLeaf < 1:
		return fmt.Errorf("%w: min leaf = %d, want >= 1", ErrConfig, c.MinLeaf)
	case c.MaxFeatures < 0:
		return fmt.Errorf("%w: max features = %d, want >= 0", ErrConfig, c.MaxFeatures)
	case !(c.SampleFrac > 0 && c.SampleFrac <= 1):
		return fmt.Errorf("%w: sample fraction = %v, want in (0, 1]", ErrConfig, c.SampleFrac)
	case c.Workers < 1:
		return fmt.Errorf("%w: workers = %d, want >= 1", ErrConfig, c.Workers)
	}
	return nil
}

// Resolve returns c with the defaults filled in for d features
// (WithDefaults, and MaxFeatures), or an error wrapping ErrConfig if a field
// is out of range (Validate) or MaxFeatures exceeds d.
func (c Config) Resolve(d int) (Config, error) {
	if d < 1 {
		return c, fmt.Errorf("%w: %d features, want >= 1", ErrConfig, d)
	}
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return c, err
	}
	if c.MaxFeatures > d {
		return c, fmt.Errorf("%w: max features = %d, want 0 to %d", ErrConfig, c.MaxFeatures, d)
	}
	if c.MaxFeatures == 0 {
		c.MaxFeatures = DefaultMaxFeatures(d)
	}
	return c, nil
}
