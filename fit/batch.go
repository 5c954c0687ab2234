package fit

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/ordered"
)

// BatchOptions configure Batch.
type BatchOptions struct {
	Options
	// Workers is the number of cascades fitted at once (default: the
	// number of CPUs).
	Workers int
	// Limit, when positive, fits only the first Limit cascades.
	Limit int
	// Progress, when non-nil, is called after each cascade is emitted with
	// the number done so far and the total. It is called from one goroutine
	// at a time.
	Progress func(done, total int)
}

// Validate reports an error wrapping ErrOptions if a field of o is out of
// range: the Options (see Options.Validate), Workers at least 1 and Limit at
// least 0. Like Options.Validate it checks o as given: a zero Workers is an
// error here although Batch takes it for the number of CPUs.
func (o BatchOptions) Validate() error {
	if err := o.Options.Validate(); err != nil {
		return err
	}
	switch {
	case o.Workers < 1:
		return fmt.Errorf("%w: workers = %d, want >= 1", ErrOptions, o.Workers)
	case o.Limit < 0:
		return fmt.Errorf("%w: limit = %d, want >= 0 (0 for all cascades)", ErrOptions, o.Limit)
	}
	return nil
}

// Summary counts the outcomes of a Batch.
type Summary struct {
	Cascades int
	ByStatus map[Status]int
	// Evals holds Result.Evals of each emitted result, in input order.
	Evals []int
}

// MedianEvals returns the median of Evals (the mean of the middle two for
// an even count), or 0 when there are none.
func (s Summary) MedianEvals() float64 {
	n := len(s.Evals)
	if n == 0 {
		return 0
	}
	e := slices.Clone(s.Evals)
	slices.Sort(e)
	if n%2 == 1 {
		return float64(e[n/2])
	}
	return float64(e[n/2-1]+e[n/2]) / 2
}

// Batch fits every cascade on its first T seconds, in parallel, and calls
// emit with each result in input order. It stops at the first error of emit
// or when ctx is done, after which no further emit is called; results emitted
// before then are complete. The returned Summary counts the emitted results.
func Batch(ctx context.Context, cascades []data.Cascade, T float64, opts BatchOptions, emit func(c *data.Cascade, r Result) error) (Summary, error) {
	sum := Summary{ByStatus: map[Status]int{}}
	if opts.Limit > 0 && opts.Limit < len(cascades) {
		cascades = cascades[:opts.Limit]
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	err := ordered.Map(ctx, len(cascades), workers,
		func(ctx context.Context, i int) (Result, error) {
			c := &cascades[i]
			r, err := Fit(ctx, c.Times, c.Mags, T, opts.Options)
			if err != nil {
				return r, fmt.Errorf("fit cascade %s: %w", c.ID, err)
			}
			return r, nil
		},
		func(i int, r Result) error {
			if err := emit(&cascades[i], r); err != nil {
				return err
			}
			sum.Cascades++
			sum.ByStatus[r.Status]++
			sum.Evals = append(sum.Evals, r.Evals)
			if opts.Progress != nil {
				opts.Progress(i+1, len(cascades))
			}
			return nil
		})
	return sum, err
}
