package fit

import (
	"math"
	"math/rand/v2"
)

// DefaultStarts is the number of starting points tried when Options.Starts
// is zero.
const DefaultStarts = 8

func (o Options) withDefaults() Options {
	if o.Starts <= 0 {
		o.Starts = DefaultStarts
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// accuracy returns the accuracy at which the fit polishes and reports its
// optima: exact under Exact, else precise.
func (o Options) accuracy() accuracy {
	if o.Exact {
		return exact
	}
	return precise
}

// drawStarts draws the seeded starting points: n* and beta/(Alpha-1)
// uniform in [0.05, 0.95], c log-uniform in [1, 1000] s, theta log-uniform in
// [0.05, 5].
func drawStarts(opts Options) []normalized {
	rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
	starts := make([]normalized, opts.Starts)
	for i := range starts {
		starts[i] = normalized{
			NStar: 0.05 + 0.9*rng.Float64(),
			Beta:  (0.05 + 0.9*rng.Float64()) * (Alpha - 1),
			C:     math.Exp(rng.Float64() * math.Log(1000)),
			Theta: math.Exp(math.Log(0.05) + rng.Float64()*math.Log(100)),
		}
	}
	return starts
}
