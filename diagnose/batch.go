package diagnose

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/ordered"
)

// BatchOptions configure Batch.
type BatchOptions struct {
	Options
	// Workers is the number of cascades diagnosed at once (default: the
	// number of CPUs).
	Workers int
	// Progress, when non-nil, is called after each cascade is emitted with
	// the number done so far and the total, from one goroutine at a time.
	Progress func(done, total int)
}

// Validate reports an error wrapping ErrOptions if a field of o is out of
// range: the Options (see Options.Validate) and Workers at least 1. Like
// fit.BatchOptions.Validate it checks o as given: a zero Workers is an error
// here although Batch takes it for the number of CPUs.
func (o BatchOptions) Validate() error {
	if err := o.Options.Validate(); err != nil {
		return err
	}
	if o.Workers < 1 {
		return fmt.Errorf("%w: workers = %d, want >= 1", ErrOptions, o.Workers)
	}
	return nil
}

// Summary counts the outcomes of a batch.
type Summary struct {
	Cascades int // diagnosed
	Tested   int // with a KS test (a fit and at least one gap)
	Rejected int // whose KS test rejects the model at Level
	// PowerLaw and Exponential count the cascades where that kernel has
	// the lower AIC (Result.Better).
	PowerLaw, Exponential int
}

// Add counts r in s.
func (s *Summary) Add(r *Result) {
	s.Cascades++
	if r.Tested() {
		s.Tested++
	}
	if r.Rejected() {
		s.Rejected++
	}
	switch r.Better() {
	case "power_law":
		s.PowerLaw++
	case "exponential":
		s.Exponential++
	}
}

// String returns the summary line of hawkes diagnose.
func (s Summary) String() string {
	pct := func(k, n int) float64 {
		if n == 0 {
			return 0
		}
		return 100 * float64(k) / float64(n)
	}
	cmp := s.PowerLaw + s.Exponential
	return fmt.Sprintf("%d cascades, %d tested: the KS test rejects the model at 5%% on %d (%.1f%%); lower AIC: power law %d (%.1f%%), exponential %d (%.1f%%)",
		s.Cascades, s.Tested, s.Rejected, pct(s.Rejected, s.Tested),
		s.PowerLaw, pct(s.PowerLaw, cmp), s.Exponential, pct(s.Exponential, cmp))
}

// Batch diagnoses the cascades with indices idx (all of them when idx is
// nil) on [0, T] on several workers and calls emit with each cascade, its
// index and its result, in the order of idx. Cascade i draws from the
// stream rand.NewPCG(opts.Seed, i), so its result does not depend on which
// others are diagnosed. It stops at the first error of emit or when ctx is
// done, and returns the summary of the cascades emitted.
func Batch(ctx context.Context, cascades []data.Cascade, idx []int, T float64, opts BatchOptions, emit func(c *data.Cascade, i int, r *Result) error) (Summary, error) {
	var sum Summary
	if idx == nil {
		idx = make([]int, len(cascades))
		for i := range idx {
			idx[i] = i
		}
	}
	seed := opts.Seed
	if seed == 0 {
		seed = 1
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	err := ordered.Map(ctx, len(idx), workers,
		func(ctx context.Context, k int) (Result, error) {
			i := idx[k]
			c := &cascades[i]
			r, err := Cascade(ctx, c.Times, c.Mags, T, rand.New(rand.NewPCG(seed, uint64(i))), opts.Options)
			if err != nil {
				return r, fmt.Errorf("diagnose cascade %s: %w", c.ID, err)
			}
			return r, nil
		},
		func(k int, r Result) error {
			i := idx[k]
			if err := emit(&cascades[i], i, &r); err != nil {
				return err
			}
			sum.Add(&r)
			if opts.Progress != nil {
				opts.Progress(k+1, len(idx))
			}
			return nil
		})
	return sum, err
}
