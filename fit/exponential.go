package fit

import (
	"context"
	"fmt"
	"slices"
)

// ExponentialFit is the maximum-likelihood fit of the exponential kernel
// alone, the limit of the power law as c and theta grow with theta/c fixed:
// the alternative a power-law fit is compared with (package diagnose).
type ExponentialFit struct {
	Kernel         // Exponential is set
	LogLik float64 // maximised log-likelihood
	N      int     // events observed in [0, T]
	OK     bool    // false when no fit exists; Reason says why
	Reason string
}

// FitExponential fits the exponential kernel n*/E[m^beta] m^beta rate
// e^(-rate tau) by maximum likelihood to the events of one cascade observed
// in [0, T], as Fit fits it beside the power law: from the same
// Options.Starts seeded starting points (rate = theta/c of each), run to the
// loose tolerance and the near-best optima polished to the tight one; like
// Fit, when the best optimum has n* >= 1 it reports the best of the
// subcritical optima and the fit on the boundary n* = 1, so that the two
// fits are compared under the same constraint. times and mags are as Fit takes them. The
// returned error is non-nil only when ctx is done.
func FitExponential(ctx context.Context, times, mags []float64, T float64, opts Options) (ExponentialFit, error) {
	opts = opts.withDefaults()
	if err := ctx.Err(); err != nil {
		return ExponentialFit{}, err
	}
	cs := newCascade(times, mags, T)
	res := ExponentialFit{N: cs.n}
	if cs.explained() == 0 {
		res.Reason = "no event in the window after the original tweet's second"
		return res, nil
	}
	if cs.zeroIntensityGroup() > 0 {
		res.Reason = "the second events have only magnitude-0 events before them"
		return res, nil
	}
	var firstErr error
	search := func(nstar float64, m mode) ([]candidate, error) {
		var cands []candidate
		for _, q := range drawStarts(opts) {
			e := exponential{NStar: q.NStar, Beta: q.Beta, Rate: q.Theta / q.C}
			if nstar > 0 {
				e.NStar = nstar
			}
			c, err := fitExponential(ctx, cs, e, m, nil)
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			cands = append(cands, c)
		}
		return cands, nil
	}
	polishing := polishMode(opts.accuracy())
	cands, err := search(0, searchMode)
	if err != nil {
		return ExponentialFit{}, err
	}
	polished, err := polish(ctx, cs, cands, polishing)
	if err != nil {
		return ExponentialFit{}, err
	}
	best := choose(polished)
	if best != nil && best.nstar >= 1 {
		// As in Fit: the supremum over n* < 1 is a subcritical optimum
		// or lies on the boundary n* = 1.
		sub := slices.DeleteFunc(polished, func(c candidate) bool { return c.nstar >= 1 })
		bnd, err := search(1, searchMode.onBoundary())
		if err != nil {
			return ExponentialFit{}, err
		}
		bndPolished, err := polish(ctx, cs, bnd, polishing.onBoundary())
		if err != nil {
			return ExponentialFit{}, err
		}
		best = choose(append(sub, bndPolished...))
	}
	if best == nil {
		res.Reason = fmt.Sprintf("no starting point converged: %v", firstErr)
		return res, nil
	}
	res.Kernel = Kernel{Exponential: true, NStar: best.e.NStar, Beta: best.e.Beta, Rate: best.e.Rate}
	res.LogLik = best.ll
	res.OK = true
	return res, nil
}
